// Reports what this function can reach from inside its VPC.
//
// The result says whether each private resource (PROBE_TARGET=host:port, and the
// connect targets' addresses in CONNECT_TARGETS, a JSON object) accepts a
// TCP connection and whether the AWS API answers (STS GetCallerIdentity needs no
// IAM permission). Both checks use short timeouts, so a missing route or endpoint
// shows up as a clear "reachable": false instead of a function timeout. Where the
// network has no path to STS at all (no NAT, no sts endpoint), Terraform sets
// AWS_API_PROBE=off and the API check is skipped rather than timed out each time.
// The SDK v3 calls the regional STS endpoint, which a regional sts endpoint serves.
import net from "node:net";

const CONNECT_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;

let stsClient;

// Built once per execution environment, with timeouts far below the function's. The
// request handler is given as the SDK's documented plain-object form (AWS SDK for
// JavaScript v3 since 3.521.0, supplemental-docs/CLIENTS.md, "requestHandler"), so the
// handler imports nothing but the SDK client the runtime provides. throwOnRequestTimeout
// makes requestTimeout fail the call, as newer SDKs only warn without it; older ones
// ignore the flag and fail anyway.
async function getStsClient() {
  if (!stsClient) {
    const { STSClient } = await import("@aws-sdk/client-sts");
    stsClient = new STSClient({
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  }
  return stsClient;
}

export function probeTcp(target) {
  const separator = target.lastIndexOf(":");
  const host = target.slice(0, separator);
  const port = Number(target.slice(separator + 1));
  if (separator < 1 || !Number.isInteger(port) || port < 1 || port > 65535) {
    return Promise.resolve({ target, reachable: false, error: "expected host:port" });
  }
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    const finish = (outcome) => {
      socket.destroy();
      resolve({ target, ...outcome });
    };
    socket.once("connect", () =>
      finish({ reachable: true, latency_ms: Math.round((performance.now() - started) * 10) / 10 }),
    );
    socket.once("timeout", () => finish({ reachable: false, error: "connect timed out" }));
    socket.once("error", (error) => finish({ reachable: false, error: error.message }));
  });
}

// Every connect target with an address, at once: the slowest takes one timeout.
export async function probeConnectTargets() {
  let targets;
  try {
    targets = JSON.parse(process.env.CONNECT_TARGETS || "{}");
  } catch {
    targets = null;
  }
  if (!targets || typeof targets !== "object" || Array.isArray(targets)) {
    return [{ reachable: false, error: "CONNECT_TARGETS is not a JSON object" }];
  }
  const names = Object.keys(targets).sort();
  return Promise.all(
    names.map(async (name) =>
      targets[name]
        ? { name, ...(await probeTcp(String(targets[name]))) }
        : // A security group or an address block: no one address answers for it.
          { name, skipped: "no single address to probe" },
    ),
  );
}

export async function probeAwsApi() {
  if ((process.env.AWS_API_PROBE ?? "sts") !== "sts") {
    return { service: "sts", skipped: "no path to STS from these subnets" };
  }
  try {
    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const client = await getStsClient();
    const identity = await client.send(new GetCallerIdentityCommand({}));
    return { service: "sts", reachable: true, account: identity.Account };
  } catch (error) {
    // Any SDK or network failure is a finding, not a crash.
    return { service: "sts", reachable: false, error: error.message || error.name };
  }
}

export async function handler() {
  const result = {
    function: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local",
    region: process.env.AWS_REGION ?? "unknown",
    aws_api: await probeAwsApi(),
  };
  const target = process.env.PROBE_TARGET ?? "";
  if (target) {
    result.target = await probeTcp(target);
  }
  const connected = await probeConnectTargets();
  if (connected.length > 0) {
    result.connect = connected;
  }
  result.ok = [result.target ?? { reachable: true }, ...connected].every(
    (found) => found.reachable ?? true,
  );
  console.log(JSON.stringify(result));
  return result;
}
