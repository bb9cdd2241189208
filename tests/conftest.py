"""Shared fixtures: an isolated HOME and a way to generate projects through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.cli import main

# Fixture modules owned by feature areas (Terraform and emulator, deployer, wizard).
pytest_plugins = [name for name in ("fixtures_terraform", "fixtures_deployer", "fixtures_wizard")
                  if (Path(__file__).parent / f"{name}.py").exists()]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home


Generate = Callable[..., Path]


@pytest.fixture
def generate(tmp_path: Path) -> Generate:
    """generate(*flags) -> the project folder, via `vpc-lambda-new --no-input`."""

    def run(*flags: str, name: str = "demo") -> Path:
        output = tmp_path / "out"
        code = main(["--no-input", "--name", name, "--output-dir", str(output), *flags])
        assert code == 0, f"vpc-lambda-new {' '.join(flags)} exited {code}"
        return output / name

    return run
