"""`vpc-lambda-new emulator`: the emulator the suite applies against, served for `make local`.

The suite's own emulator (fixtures_terraform.aws_emulator) is started through this
command, so every apply test also proves it; here, what a user sees of it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import installed_script
from fixtures_terraform import EMULATOR_START_SECONDS, emulator_answers, free_loopback_port

pytestmark = pytest.mark.emulator


def test_it_serves_the_fidelity_rules_on_loopback_and_stops_on_sigterm() -> None:
    port = free_loopback_port()
    script = installed_script("vpc-lambda-new", "vpc-lambda-new")
    process = subprocess.Popen(
        [str(script), "emulator", "--port", str(port), "--eni-release-seconds", "7"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + EMULATOR_START_SECONDS
        while not emulator_answers(url) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert emulator_answers(url), "the emulator never answered"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(f"{url}/fidelity-api/settings", timeout=10) as response:
            assert json.loads(response.read())["lambda_eni_release_seconds"] == 7
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    first, *_, last = err.strip().splitlines()
    assert first.startswith(f"emulator on http://127.0.0.1:{port} (moto with the fidelity rules: ")
    assert "subnet_in_use" in first and "lambda_vpc_config_valid" in first
    assert last == "vpc-lambda-new emulator: stopped" and "Traceback" not in err


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_a_port_that_is_no_port_is_bad_input(port: str) -> None:
    script = installed_script("vpc-lambda-new", "vpc-lambda-new")
    done = subprocess.run(
        [str(script), "emulator", "--port", port], capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("vpc-lambda-new: error: argument --port: ")
    assert done.stderr.count("\n") == 1


def test_a_port_in_use_is_named_in_one_line() -> None:
    script = installed_script("vpc-lambda-new", "vpc-lambda-new")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(script), "emulator", "--port", str(port)], capture_output=True, text=True,
            timeout=120, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"vpc-lambda-new: error: --port {port}: cannot serve on 127.0.0.1: Address already in use\n"
    )
