// The SDK path, as the Lambda runtime runs it, in a process of its own (the handler keeps
// one client per execution environment). Needs the SDK (npm install) and an STS that
// answers, e.g. a local emulator: AWS_ENDPOINT_URL_STS_LIVE=http://127.0.0.1:5555 node --test
import assert from "node:assert/strict";
import { test } from "node:test";

import { probeAwsApi } from "../src/index.mjs";

const sdkInstalled = await import("@aws-sdk/client-sts").then(() => true, () => false);
const liveSts = process.env.AWS_ENDPOINT_URL_STS_LIVE;
const skipSdk = !sdkInstalled
  ? "@aws-sdk/client-sts is not installed (npm install)"
  : !liveSts && "set AWS_ENDPOINT_URL_STS_LIVE to an STS endpoint";

test("the API probe reaches STS through the SDK", { skip: skipSdk }, async () => {
  process.env.AWS_ENDPOINT_URL_STS = liveSts;
  const result = await probeAwsApi();
  assert.equal(result.reachable, true, result.error);
  assert.match(result.account, /^[0-9]{12}$/);
});
