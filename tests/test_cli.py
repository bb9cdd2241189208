"""The command line: exit codes, one-line errors, nothing written on failure, determinism."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold import __version__
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


def test_existing_project_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "--output-dir", str(tmp_path))
    before = snapshot(tmp_path)
    code, out, err = run_cli(capsys, "--output-dir", str(tmp_path), "--memory", "512")
    assert code == 2
    assert err.count("\n") == 1 and "--force" in err and "already exists" in err
    assert snapshot(tmp_path) == before


def test_force_replaces_generated_files_and_keeps_user_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "--output-dir", str(tmp_path))
    project = tmp_path / "vpc-lambda"
    (project / "notes.txt").write_text("mine")
    (project / "src" / "helper.py").write_text("# mine\n")
    assert run_cli(capsys, "--output-dir", str(tmp_path), "--memory", "512", "--force")[0] == 0
    assert (project / "notes.txt").read_text() == "mine"
    assert (project / "src" / "helper.py").read_text() == "# mine\n"
    assert "memory_size  = 512" in (project / "terraform.tfvars").read_text()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".vpc-lambda-new-")]


def test_empty_existing_folder_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "vpc-lambda").mkdir()
    assert run_cli(capsys, "--output-dir", str(tmp_path))[0] == 0
    assert (tmp_path / "vpc-lambda" / "main.tf").is_file()


def test_output_dir_is_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--output-dir", str(tmp_path / "a" / "b"))[0] == 0
    assert (tmp_path / "a" / "b" / "vpc-lambda" / "versions.tf").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a"]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--name", "bad name"], "--name"),
        (["--topology", "public"], "--topology"),
        (["--vpc-cidr", "10.0.0.1/16"], "--vpc-cidr"),
        (["--vpc-cidr", "10.0.0.0/24", "--azs", "6"], "--vpc-cidr"),
        (["--azs", "9"], "--azs"),
        (["--nat", "per-az"], "--nat"),
        (["--region", "mars-north-1"], "--region"),
        (["--endpoints", "s3,bogus"], "--endpoints"),
        (["--memory", "64"], "--memory"),
        (["--timeout", "1000"], "--timeout"),
        (["--runtime", "ruby3.3"], "--runtime"),
        (["--architecture", "mips"], "--architecture"),
        (["--iam", "root"], "--iam"),
        (["--bogus-flag"], "unrecognized arguments: --bogus-flag"),
        (["--memory"], "--memory"),
        (["--answers", "/nonexistent/answers.yml"], "--answers"),
        (["--topology", "existing", "--subnet-ids", "subnet-01234567,subnet-01234568"], "--vpc-id: required"),
        (["--topology", "existing", "--vpc-id", "vpc-xyz", "--subnet-ids", "subnet-01234567,subnet-01234568"], "--vpc-id"),
        (["--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567"], "--subnet-ids"),
        (["--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,subnet-01234567"], "--subnet-ids"),
        (["--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,sg-01234568"], "--subnet-ids"),
        (["--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,subnet-01234568", "--endpoints", "s3"], "--route-table-ids"),
        (["--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,subnet-01234568", "--azs", "3"], "--azs: does not apply"),
        (["--vpc-id", "vpc-01234567"], "--vpc-id: does not apply to --topology private"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], names: str
) -> None:
    code, out, err = run_cli(capsys, "--output-dir", str(tmp_path / "out"), *args)
    assert code == 2
    assert err.startswith("vpc-lambda-new: error: ") and err.count("\n") == 1, err
    assert names in err
    assert "Traceback" not in err + out
    assert list(tmp_path.iterdir()) == []


def test_console_script_exit_codes_and_version(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "vpc-lambda-new"
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert (version.returncode, version.stdout.strip()) == (0, f"vpc-lambda-new {__version__}")
    bad = subprocess.run(
        [script, "--azs", "1", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--azs" in bad.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_flag_of_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--name", "--topology", "--output-dir", "--region", "--vpc-cidr", "--azs", "--nat",
        "--endpoints", "--runtime", "--architecture", "--memory", "--timeout", "--iam",
        "--answers", "--no-input", "--force", "--dry-run", "--version",
    ):
        assert flag in out
