"""checkov over every generated variant: zero failed checks, each skip with a reason in the README."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
from pathlib import Path

import hcl2
import pytest
from conftest import REAL_HOME, installed_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.scanner
def test_checkov_finds_no_failed_check_in_any_variant() -> None:
    # This interpreter's console script first on PATH, so the scan covers the code under test.
    scripts = installed_script("vpc-lambda-new", "vpc-lambda-new").parent
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
    # Outside the clone and the test's HOME: built once per machine and checkov version
    # (the script rebuilds it when the version differs), with pip's own cache.
    cache = REAL_HOME / ".cache"
    env.setdefault("VPC_LAMBDA_NEW_CHECKOV_VENV", str(cache / "vpc-lambda-new" / "checkov-venv"))
    env.setdefault("PIP_CACHE_DIR", str(cache / "pip"))
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "checkov.sh")],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=900, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    # A venv that cannot be built is a failure here, never a skip.
    assert result.returncode == 0, output
    assert "Failed checks: 0," in result.stdout, output
    assert "Traceback" not in output, output


def test_checkov_never_shares_this_environment() -> None:
    """checkov's hcl2 fork would shadow python-hcl2: it belongs in .ci/venvs/checkov only."""
    installed = {dist.metadata["Name"].lower() for dist in importlib.metadata.distributions()}
    assert not installed & {"checkov", "bc-python-hcl2"}
    # The hcl2 that imports here is python-hcl2's own.
    distribution = importlib.metadata.distribution("python-hcl2")
    init = next(file for file in distribution.files or () if file.as_posix() == "hcl2/__init__.py")
    assert Path(str(distribution.locate_file(init))).resolve() == Path(hcl2.__file__).resolve()
