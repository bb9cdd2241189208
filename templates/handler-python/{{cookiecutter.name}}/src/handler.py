"""Reports what this function can reach from inside its VPC.

The result says whether each private resource (PROBE_TARGET=host:port, and the
connect targets' addresses in CONNECT_TARGETS, a JSON object) accepts a
TCP connection and whether the AWS API answers (STS GetCallerIdentity needs no
IAM permission). Both checks use short timeouts, so a missing route or endpoint
shows up as a clear "reachable": false instead of a function timeout. Where the
network has no path to STS at all (no NAT, no sts endpoint), Terraform sets
AWS_API_PROBE=off and the API check is skipped rather than timed out each time.
"""

import json
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0

# Made on first use, inside an invocation, not at import. With SnapStart (snapstart = true
# in terraform.tfvars) the import runs once, before Lambda snapshots the initialized
# environment, and every environment restored from that snapshot shares what it made:
# an open connection is stale after restore, and a random seed, a UUID or a timestamp
# taken at import is the same in all of them. Make connections and anything unique per
# environment after restore: here, in the handler, or in a function registered with
# @register_after_restore from snapshot_restore_py (in Lambda's Python runtime).
_sts_client = None


def sts_client():
    """Built once per execution environment, with timeouts far below the function's."""
    global _sts_client
    if _sts_client is None:
        import boto3
        from botocore.config import Config

        # The regional endpoint: a regional sts interface endpoint does not serve
        # the global sts.amazonaws.com, which older SDKs call by default.
        os.environ.setdefault("AWS_STS_REGIONAL_ENDPOINTS", "regional")

        config = Config(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"max_attempts": 1, "mode": "standard"},
        )
        _sts_client = boto3.client("sts", config=config)
    return _sts_client


def probe_tcp(target):
    host, _, port = target.rpartition(":")
    started = time.monotonic()
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_SECONDS):
            pass
    except (OSError, ValueError) as error:
        return {"target": target, "reachable": False, "error": str(error) or type(error).__name__}
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return {"target": target, "reachable": True, "latency_ms": elapsed_ms}


def probe_connect_targets():
    """Every connect target with an address, at once: the slowest takes one timeout."""
    try:
        targets = json.loads(os.environ.get("CONNECT_TARGETS") or "{}")
    except ValueError:
        return [{"reachable": False, "error": "CONNECT_TARGETS is not a JSON object"}]
    if not isinstance(targets, dict):
        return [{"reachable": False, "error": "CONNECT_TARGETS is not a JSON object"}]
    found = []
    with ThreadPoolExecutor(max_workers=max(1, min(len(targets), 20))) as pool:
        probes = {name: pool.submit(probe_tcp, address) for name, address in targets.items() if address}
        for name, address in sorted(targets.items()):
            if address:
                found.append({"name": name, **probes[name].result()})
            else:
                # A security group or an address block: no one address answers for it.
                found.append({"name": name, "skipped": "no single address to probe"})
    return found


def probe_aws_api():
    if os.environ.get("AWS_API_PROBE", "sts") != "sts":
        return {"service": "sts", "skipped": "no path to STS from these subnets"}
    try:
        identity = sts_client().get_caller_identity()
    except Exception as error:  # any SDK or network failure is a finding, not a crash
        return {"service": "sts", "reachable": False, "error": str(error) or type(error).__name__}
    return {"service": "sts", "reachable": True, "account": identity["Account"]}


def handler(event, context):
    result = {
        "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
        "region": os.environ.get("AWS_REGION", "unknown"),
        "aws_api": probe_aws_api(),
    }
    target = os.environ.get("PROBE_TARGET", "")
    if target:
        result["target"] = probe_tcp(target)
    connected = probe_connect_targets()
    if connected:
        result["connect"] = connected
    probed = [result.get("target", {"reachable": True})] + connected
    result["ok"] = all(found.get("reachable", True) for found in probed)
    print(json.dumps(result))
    return result
