"""`pip install .` gives a working command: the templates ship inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_generates_from_another_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = wheels.glob("vpc_lambda_new-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "scaffold/templates/vpc-private/{{cookiecutter.name}}/modules/network/routes.tf" in names
    assert "scaffold/templates/shared/{{cookiecutter.name}}/README.md" in names

    # A fresh environment that sees the dependencies but not this source tree.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [venv / "bin" / "vpc-lambda-new", "--no-input", "--topology", "private-nat"],
        cwd=elsewhere, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    located = subprocess.run(
        [python, "-c", "import scaffold.render as r; print(r.templates_root())"],
        cwd=elsewhere, capture_output=True, text=True, check=True,
    )
    assert str(venv) in located.stdout, "the command must use the templates inside the wheel"
    assert (elsewhere / "vpc-lambda" / "modules" / "network" / "routes.tf").is_file()
    # `check` runs from the wheel too: python-hcl2 and its parser are runtime dependencies.
    checked = subprocess.run(
        [venv / "bin" / "vpc-lambda-new", "check", "vpc-lambda"],
        cwd=elsewhere, capture_output=True, text=True, check=False,
    )
    assert checked.returncode == 0 and " 0 of " in checked.stdout, checked.stdout + checked.stderr
