"""Unit tests of the handler; run with: python -m unittest discover -s tests"""

import json
import os
import socket
import sys
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import handler  # noqa: E402


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProbeTargetTest(unittest.TestCase):
    def test_reachable_target(self):
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            target = f"127.0.0.1:{server.getsockname()[1]}"
            result = handler.probe_tcp(target)
        self.assertTrue(result["reachable"])
        self.assertEqual(result["target"], target)

    def test_unreachable_target(self):
        result = handler.probe_tcp(f"127.0.0.1:{closed_port()}")
        self.assertFalse(result["reachable"])
        self.assertTrue(result["error"])

    def test_malformed_target(self):
        self.assertFalse(handler.probe_tcp("no-port-here")["reachable"])


class ConnectTargetsTest(unittest.TestCase):
    def test_each_target_is_probed_and_reported(self):
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            listening = f"127.0.0.1:{server.getsockname()[1]}"
            targets = {
                "rds:db1": listening,
                "elasticache:cache": f"127.0.0.1:{closed_port()}",
                "sg-0123456789abcdef0:5432": "",
            }
            with mock.patch.dict(os.environ, {"CONNECT_TARGETS": json.dumps(targets)}):
                found = {item["name"]: item for item in handler.probe_connect_targets()}
        self.assertTrue(found["rds:db1"]["reachable"])
        self.assertFalse(found["elasticache:cache"]["reachable"])
        self.assertIn("skipped", found["sg-0123456789abcdef0:5432"])

    def test_malformed_targets_are_a_finding(self):
        with mock.patch.dict(os.environ, {"CONNECT_TARGETS": "[1, 2"}):
            self.assertFalse(handler.probe_connect_targets()[0]["reachable"])


class HandlerTest(unittest.TestCase):
    def setUp(self):
        handler._sts_client = None
        # An endpoint nobody listens on: the SDK must fail fast, not hang.
        environment = {
            "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{closed_port()}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_API_PROBE": "sts",
        }
        patcher = mock.patch.dict(os.environ, environment)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_reports_target_and_api(self):
        os.environ["PROBE_TARGET"] = f"127.0.0.1:{closed_port()}"
        result = handler.handler({}, None)
        self.assertFalse(result["ok"])
        self.assertFalse(result["target"]["reachable"])
        self.assertIn("reachable", result["aws_api"])

    def test_no_target_is_ok(self):
        os.environ.pop("PROBE_TARGET", None)
        result = handler.handler({}, None)
        self.assertTrue(result["ok"])
        self.assertNotIn("target", result)

    @unittest.skipUnless(__import__("importlib").util.find_spec("boto3"), "boto3 not installed")
    def test_unreachable_api_fails_fast(self):
        result = handler.probe_aws_api()
        self.assertFalse(result["reachable"])

    @unittest.skipUnless(
        os.environ.get("AWS_ENDPOINT_URL_STS_LIVE"),
        "set AWS_ENDPOINT_URL_STS_LIVE to an STS endpoint, e.g. a local emulator",
    )
    def test_the_probe_reaches_sts(self):
        os.environ["AWS_ENDPOINT_URL_STS"] = os.environ["AWS_ENDPOINT_URL_STS_LIVE"]
        result = handler.probe_aws_api()
        self.assertTrue(result["reachable"], result.get("error"))
        self.assertRegex(result["account"], r"^[0-9]{12}$")

    def test_api_probe_is_skipped_without_a_path_to_sts(self):
        os.environ["AWS_API_PROBE"] = "off"
        result = handler.probe_aws_api()
        self.assertNotIn("reachable", result)
        self.assertTrue(result["skipped"])

    @unittest.skipUnless(__import__("importlib").util.find_spec("boto3"), "boto3 not installed")
    def test_the_probe_uses_the_regional_sts_endpoint(self):
        for name in ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", "AWS_REGION"):
            os.environ.pop(name, None)
        os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"
        os.environ.pop("AWS_STS_REGIONAL_ENDPOINTS", None)
        url = handler.sts_client().meta.endpoint_url
        self.assertEqual(url, "https://sts.eu-west-1.amazonaws.com")


if __name__ == "__main__":
    unittest.main()
