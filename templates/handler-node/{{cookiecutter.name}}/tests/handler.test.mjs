// Unit tests of the handler; run with: node --test
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";

import { handler, probeAwsApi, probeTcp } from "../src/index.mjs";

function listen() {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.end());
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function closedPort() {
  const server = await listen();
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("a listening target is reachable", async () => {
  const server = await listen();
  const target = `127.0.0.1:${server.address().port}`;
  const result = await probeTcp(target);
  server.close();
  assert.equal(result.reachable, true);
  assert.equal(result.target, target);
});

test("a closed port is unreachable", async () => {
  const result = await probeTcp(`127.0.0.1:${await closedPort()}`);
  assert.equal(result.reachable, false);
  assert.ok(result.error);
});

test("a malformed target is rejected", async () => {
  const result = await probeTcp("no-port-here");
  assert.equal(result.reachable, false);
});

test("the handler reports the target and the AWS API without throwing", async () => {
  process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${await closedPort()}`;
  process.env.PROBE_TARGET = `127.0.0.1:${await closedPort()}`;
  const result = await handler({});
  assert.equal(result.ok, false);
  assert.equal(result.target.reachable, false);
  assert.equal(result.aws_api.reachable, false);
});

test("the API probe is skipped where there is no path to STS", async () => {
  process.env.AWS_API_PROBE = "off";
  try {
    const result = await probeAwsApi();
    assert.equal(result.reachable, undefined);
    assert.ok(result.skipped);
  } finally {
    delete process.env.AWS_API_PROBE;
  }
});
