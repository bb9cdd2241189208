// The SDK client's timeouts hold: an STS endpoint that accepts the connection and never
// answers fails the API probe within the request timeout instead of hanging the function.
// Needs the SDK (npm install); runs in a process of its own, as it sets the environment.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";

import { probeAwsApi } from "../src/index.mjs";

const sdkInstalled = await import("@aws-sdk/client-sts").then(() => true, () => false);

test(
  "a silent STS endpoint fails the probe within the request timeout",
  { skip: !sdkInstalled && "@aws-sdk/client-sts is not installed (npm install)", timeout: 20_000 },
  async () => {
    const held = [];
    const silent = net.createServer((socket) => held.push(socket));
    await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${silent.address().port}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    });
    const started = performance.now();
    try {
      const result = await probeAwsApi();
      assert.equal(result.reachable, false);
      assert.match(result.error, /time/i, result.error);
      assert.ok(performance.now() - started < 10_000, "the request timeout did not hold");
    } finally {
      held.forEach((socket) => socket.destroy());
      silent.close();
    }
  },
);
