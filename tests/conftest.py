"""Shared fixtures: an isolated HOME and a way to generate projects through the real CLI."""

from __future__ import annotations

import importlib.metadata
import site
import sys
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
    if site.ENABLE_USER_SITE:
        # Python finds `pip install --user` packages under HOME: keep the real ones visible
        # to the interpreters the tests start, whatever HOME they get.
        monkeypatch.setenv("PYTHONUSERBASE", site.getuserbase())
    monkeypatch.setenv("HOME", str(home))
    return home


def installed_script(distribution: str, name: str) -> Path:
    """A console script of a distribution installed for the interpreter running the tests.

    pip records where it wrote each script (beside the interpreter in a virtualenv or
    a system install, ~/.local/bin with --user), so neither PATH nor the interpreter's
    folder has to be the right place.
    """
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{distribution} is not installed for {sys.executable}: pip install -e '.[test]'")
    for file in files:
        if file.name == name and file.parent.name in ("bin", "Scripts"):
            path = Path(str(file.locate())).resolve()
            if path.is_file():
                return path
    pytest.fail(f"{distribution} is installed but its {name} script is not where pip recorded it")


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
