"""`pip install .` gives a working command: the templates ship inside the wheel."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What would make the nested interpreter import something other than the wheel.
IMPORT_STEERING = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")


def running_site_dirs() -> list[str]:
    """The site-packages folders of the interpreter running the tests: a virtualenv's own
    (not its base interpreter's), the system's, and the user's when it is enabled."""
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return [folder for folder in dict.fromkeys(folders) if folder in sys.path]


def test_wheel_installs_and_generates_from_another_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("vpc_lambda_new-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "scaffold/templates/vpc-private/{{cookiecutter.name}}/modules/network/routes.tf" in names
    assert "scaffold/templates/shared/{{cookiecutter.name}}/README.md" in names
    assert "scaffold/templates/remote-state/{{cookiecutter.name}}/backend.tf" in names

    # A fresh environment with the wheel and the dependencies of the interpreter running
    # the tests (not --system-site-packages: in a virtualenv that would be its base
    # interpreter's), listed after its own site-packages so the wheel comes first.
    # Plain folder lines: the .pth files inside them (this source tree's editable
    # install among them) are not run.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    nested_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(nested_site) / "running-interpreter.pth").write_text(
        "".join(f"{folder}\n" for folder in running_site_dirs()), encoding="utf-8"
    )
    env = {key: value for key, value in os.environ.items() if key not in IMPORT_STEERING}
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [venv / "bin" / "vpc-lambda-new", "--no-input", "--topology", "private-nat"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    located = subprocess.run(
        [python, "-c", "import scaffold.render as r; print(r.templates_root())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(located.stdout.strip()).is_relative_to(nested_site), (
        "the command must use the templates inside the wheel, not this source tree"
    )
    project = elsewhere / "vpc-lambda"
    assert (project / "modules" / "network" / "routes.tf").is_file()
    # Hidden files ship too: the CI workflow, the hooks, the ignore list.
    for team_file in (".github/workflows/ci.yml", ".pre-commit-config.yaml", ".gitignore", "Makefile"):
        assert (project / team_file).is_file(), team_file
    # `check` runs from the wheel too: python-hcl2 and its parser are runtime dependencies.
    checked = subprocess.run(
        [venv / "bin" / "vpc-lambda-new", "check", "vpc-lambda"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0 and " 0 of " in checked.stdout, checked.stdout + checked.stderr
    # The price file ships in the package: the cost shows in the README.
    assert "## Costs" in (project / "README.md").read_text(encoding="utf-8")

