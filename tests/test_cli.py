"""The command line: exit codes, one-line errors, nothing written on failure, determinism."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import installed_script

from scaffold import __version__
from scaffold.answers import QUESTIONS
from scaffold.cli import main
from scaffold.render import ANSWERS_FILE


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below folder with a hash of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-input", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_same_answers_give_byte_identical_projects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--endpoints", "sts,s3"]
    for folder in ("first", "second"):
        assert run_cli(capsys, "--output-dir", str(tmp_path / folder), *flags)[0] == 0
    first, second = snapshot(tmp_path / "first"), snapshot(tmp_path / "second")
    assert first == second
    assert "vpc-lambda/build/function.zip" in first


def test_answers_file_regenerates_the_same_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--name", "app", "--topology", "private-nat", "--runtime", "nodejs22.x", "--memory", "512"]
    run_cli(capsys, "--output-dir", str(tmp_path / "a"), *flags)
    recorded = tmp_path / "a" / "app" / ANSWERS_FILE
    assert json.loads(recorded.read_text())["_generator"] == f"vpc-lambda-new {__version__}"
    assert run_cli(capsys, "--answers", str(recorded), "--output-dir", str(tmp_path / "b"))[0] == 0
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_flags_override_the_answers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("name: from-file\nmemory: 1024\ntimeout: 60\n")
    code, _, _ = run_cli(capsys, "--answers", str(answers), "--memory", "2048", "--output-dir", str(tmp_path))
    assert code == 0
    record = json.loads((tmp_path / "from-file" / ANSWERS_FILE).read_text())
    assert (record["memory"], record["timeout"]) == (2048, 60)


def test_dry_run_lists_files_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert code == 0
    assert "main.tf" in out and "modules/network/routes.tf" in out and "build/function.zip" in out
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_empty_existing_folder_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "vpc-lambda").mkdir()
    assert run_cli(capsys, "--output-dir", str(tmp_path))[0] == 0
    assert (tmp_path / "vpc-lambda" / "main.tf").is_file()


def test_output_dir_is_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--output-dir", str(tmp_path / "a" / "b"))[0] == 0
    assert (tmp_path / "a" / "b" / "vpc-lambda" / "versions.tf").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a"]


def test_console_script_exit_codes_and_version(tmp_path: Path) -> None:
    script = installed_script("vpc-lambda-new", "vpc-lambda-new")
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert (version.returncode, version.stdout.strip()) == (0, f"vpc-lambda-new {__version__}")
    bad = subprocess.run(
        [script, "--azs", "1", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--azs" in bad.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_flag_and_every_flag_the_readme_documents(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    listed = set(re.findall(r"(--[a-z][a-z0-9-]+)", out))
    asked = {question.flag for question in QUESTIONS if question.asked}
    generator = {"--answers", "--no-input", "--force", "--dry-run", "--version", "--help"}
    assert asked | generator <= listed, sorted((asked | generator) - listed)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    documented = {flag for row in readme.splitlines() if row.startswith("| `--") for flag in re.findall(r"`(--[a-z0-9-]+)", row)}
    assert len(documented) > 20 and documented <= listed, sorted(documented - listed)


def test_a_yes_or_no_flag_takes_on_or_off_and_leaves_a_positional_after_it(tmp_path: Path) -> None:
    code = main([
        "--no-input", "--name", "yn", "--output-dir", str(tmp_path),
        "--connect", "10.0.0.0/16:5432", "--connect-ingress", "off", "--flow-logs=on",
    ])  # fmt: skip
    tfvars = (tmp_path / "yn" / "terraform.tfvars").read_text(encoding="utf-8")
    assert code == 0 and "connect_ingress = false" in tfvars and "enable_flow_logs = true" in tfvars
    # The project folder after a flag is the folder, not the flag's value.
    assert main(["update", "--ipv6", str(tmp_path / "yn"), "--no-input", "--dry-run"]) == 0
