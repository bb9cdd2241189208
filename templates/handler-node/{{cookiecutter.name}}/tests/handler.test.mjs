// Unit tests of the handler; run with: node --test
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";

import { handler, probeAwsApi, probeConnectTargets, probeTcp } from "../src/index.mjs";

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

test("each connect target is probed and reported", async () => {
  const server = await listen();
  process.env.CONNECT_TARGETS = JSON.stringify({
    "rds:db1": `127.0.0.1:${server.address().port}`,
    "elasticache:cache": `127.0.0.1:${await closedPort()}`,
    "sg-0123456789abcdef0:5432": "",
  });
  try {
    const found = Object.fromEntries((await probeConnectTargets()).map((item) => [item.name, item]));
    assert.equal(found["rds:db1"].reachable, true);
    assert.equal(found["elasticache:cache"].reachable, false);
    assert.ok(found["sg-0123456789abcdef0:5432"].skipped);
  } finally {
    delete process.env.CONNECT_TARGETS;
    server.close();
  }
});

test("malformed connect targets are a finding", async () => {
  process.env.CONNECT_TARGETS = "[1, 2";
  try {
    assert.equal((await probeConnectTargets())[0].reachable, false);
  } finally {
    delete process.env.CONNECT_TARGETS;
  }
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
