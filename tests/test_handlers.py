"""The generated handler is worth keeping: its own unit tests pass, and the zip is deterministic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import Generate


def test_python_handler_tests_pass(generate: Generate) -> None:
    project = generate("--runtime", "python3.12")
    result = subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-v"],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Ran 6 tests" in result.stderr


def test_node_handler_tests_pass(generate: Generate) -> None:
    node = shutil.which("node")
    assert node, "node is required: the Node.js handler's tests run in this suite"
    project = generate("--runtime", "nodejs22.x")
    result = subprocess.run(
        [node, "--test"], cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 4" in result.stdout and "# fail 0" in result.stdout


@pytest.mark.parametrize(("runtime", "entry"), [("python3.13", "handler.py"), ("nodejs20.x", "index.mjs")])
def test_package_holds_only_the_handler(generate: Generate, runtime: str, entry: str) -> None:
    project = generate("--runtime", runtime)
    with zipfile.ZipFile(project / "build" / "function.zip") as archive:
        assert archive.namelist() == [entry]
        info = archive.getinfo(entry)
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert archive.read(entry) == (project / "src" / entry).read_bytes()


def test_rebuild_script_reproduces_the_zip(generate: Generate) -> None:
    project = generate()
    original = (project / "build" / "function.zip").read_bytes()
    (project / "build" / "function.zip").unlink()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "scripts/build_package.py"], cwd=project, env=env, check=True, capture_output=True)
    assert (project / "build" / "function.zip").read_bytes() == original
