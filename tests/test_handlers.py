"""The generated handler is worth keeping: its own unit tests pass, the SDK path really
reaches STS (the emulator's, with the SDK the Lambda runtime provides), and the zip is
deterministic."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import Generate
from fixtures_terraform import AwsEmulator

NODE_TIMEOUT = 300


def run_python_tests(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-v"],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **env},
    )  # fmt: skip


def run_node_tests(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is required: the Node.js handler's tests run in this suite"
    # Exactly the README's command: no directory argument (Node 22 reads one as a glob).
    return subprocess.run(
        [node, "--test"], cwd=project, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **env},
    )  # fmt: skip


def node_counts(output: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r"^# (pass|fail|skipped) (\d+)$", output, re.MULTILINE)}


def test_python_handler_tests_pass(generate: Generate) -> None:
    project = generate("--runtime", "python3.12")
    result = run_python_tests(project)
    assert result.returncode == 0, result.stderr
    # Every test but the live STS one, which needs an endpoint (see the emulator test).
    assert "Ran 11 tests" in result.stderr and "OK (skipped=1)" in result.stderr, result.stderr


def test_node_handler_tests_pass(generate: Generate) -> None:
    project = generate("--runtime", "nodejs22.x")
    result = run_node_tests(project)
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the SDK installed, only its two tests (live STS, the client's timeouts) are skipped.
    assert node_counts(result.stdout) == {"pass": 7, "fail": 0, "skipped": 2}, result.stdout


def test_node_handler_imports_only_the_sdk_client_the_runtime_provides(generate: Generate) -> None:
    """The request handler's options go through the SDK's documented constructor option
    (a plain object, since 3.521.0), not through an import of the SDK's internals."""
    project = generate("--runtime", "nodejs22.x")
    source = (project / "src" / "index.mjs").read_text(encoding="utf-8")
    imported = set(re.findall(r'(?:from|import\()\s*"([^"]+)"', source))
    assert imported == {"node:net", "@aws-sdk/client-sts"}, imported
    assert "requestHandler: {" in source and "throwOnRequestTimeout: true" in source
    manifest = json.loads((project / "package.json").read_text(encoding="utf-8"))
    assert set(manifest["devDependencies"]) == {"@aws-sdk/client-sts"}


@pytest.fixture(scope="session")
def node_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated package.json's dev dependencies, installed once: node_modules to link."""
    npm = shutil.which("npm")
    assert npm, "npm is required: the Node.js handler's SDK path is tested against the emulator"
    folder = tmp_path_factory.mktemp("node-sdk")
    package = Path(__file__).resolve().parent.parent / "templates" / "handler-node" / "{{cookiecutter.name}}" / "package.json"
    manifest = json.loads(package.read_text(encoding="utf-8").replace("{{ cookiecutter.name | lower }}", "sdk"))
    (folder / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=folder, capture_output=True, text=True, timeout=NODE_TIMEOUT, check=False,
        env={**os.environ, "npm_config_cache": str(folder / ".npm-cache")},
    )  # fmt: skip
    assert result.returncode == 0, f"npm install failed (the registry must be reachable):\n{result.stderr}"
    return folder / "node_modules"


@pytest.mark.emulator
def test_node_handler_reaches_sts_through_the_sdk(
    generate: Generate, node_sdk: Path, aws_emulator: AwsEmulator
) -> None:
    project = generate("--runtime", "nodejs22.x")
    (project / "node_modules").symlink_to(node_sdk, target_is_directory=True)
    env = {**aws_emulator.env("us-east-1"), "AWS_ENDPOINT_URL_STS_LIVE": aws_emulator.endpoint_url}
    result = run_node_tests(project, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert node_counts(result.stdout) == {"pass": 9, "fail": 0, "skipped": 0}, result.stdout


@pytest.mark.emulator
def test_python_handler_reaches_sts_through_boto3(generate: Generate, aws_emulator: AwsEmulator) -> None:
    project = generate("--runtime", "python3.13")
    env = {**aws_emulator.env("us-east-1"), "AWS_ENDPOINT_URL_STS_LIVE": aws_emulator.endpoint_url}
    result = run_python_tests(project, **env)
    assert result.returncode == 0, result.stderr
    assert "Ran 11 tests" in result.stderr and result.stderr.rstrip().endswith("\nOK"), result.stderr


@pytest.mark.parametrize(("runtime", "entry"), [("python3.13", "handler.py"), ("nodejs22.x", "index.mjs")])
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


def test_no_bytecode_of_the_installed_templates_is_shipped(
    generate: Generate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed wheel byte-compiles the templates' .py files; none of it reaches a project."""
    from scaffold import render

    copy = tmp_path / "templates"
    shutil.copytree(render.templates_root(), copy)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], check=True)
    assert list(copy.rglob("*.pyc")), "compileall wrote no bytecode to test against"
    monkeypatch.setattr(render, "templates_root", lambda: copy)
    project = generate("--runtime", "python3.12")
    shipped = [path for path in project.rglob("*") if path.suffix == ".pyc" or path.name == "__pycache__"]
    assert shipped == []
    with zipfile.ZipFile(project / "build" / "function.zip") as archive:
        assert archive.namelist() == ["handler.py"]
