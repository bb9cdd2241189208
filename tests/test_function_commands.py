"""`add-function` and `remove-function` without AWS: what they write, what they refuse (exit
2, one line naming the problem, the project untouched), and the user's edits they keep;
the wizard asks what no flag gives, on a real pseudo-terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Generate
from fixtures_wizard import CTRL_U, DOWN, ENTER, SpawnWizard

from scaffold.cli import main
from scaffold.interfaces import REGION_INTERFACE_QUOTA


def tree(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def recorded(project: Path) -> list[dict[str, object]]:
    functions = json.loads((project / ".vpc-lambda-new.json").read_text(encoding="utf-8"))["functions"]
    assert isinstance(functions, list)
    return functions


def test_add_function_writes_its_folder_package_settings_and_record(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate("--runtime", "python3.13")
    capsys.readouterr()
    assert main(["add-function", "worker", str(project), "--no-input", "--memory", "1024", "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert f"Added worker to {project}/" in out
    assert "Network interfaces: 2 for Lambda (2 subnets x 1 security group combination)" in out
    assert (project / "functions" / "worker" / "src" / "handler.py").is_file()
    assert (project / "functions" / "worker" / "tests" / "test_handler.py").is_file()
    assert (project / "build" / "functions" / "worker.zip").is_file()
    # The first function's runtime and architecture, the defaults of the rest, as given.
    assert recorded(project) == [{
        "name": "worker", "runtime": "python3.13", "architecture": "arm64", "memory": 1024, "timeout": 60,
        "ephemeral_storage": 512, "snapstart": False, "provisioned_concurrency": 0, "iam": "inline",
        "security_group": "shared", "connect": [],
    }]  # fmt: skip
    tfvars = (project / "terraform.tfvars").read_text(encoding="utf-8")
    assert "worker = {" in tfvars and "memory_size             = 1024" in tfvars
    assert "demo_*" in (project / "deployer-policy.json").read_text(encoding="utf-8")
    assert "cd functions/worker && $(PYTHON) -m unittest discover -s tests" in (project / "Makefile").read_text()

    assert main(["add-function", "job", str(project), "--no-input", "--security-group", "own"]) == 0
    out = capsys.readouterr().out
    assert "Network interfaces: 4 for Lambda (2 subnets x 2 security group combinations)" in out
    assert f"of the region's default quota of {REGION_INTERFACE_QUOTA:,}" in out
    assert "demo_job's own group: demo_job" in out
    assert [f["name"] for f in recorded(project)] == ["worker", "job"]
    assert main(["check", str(project)]) == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["add-function", "Worker"], "NAME: 'Worker' is not a function name"),
        (["add-function", "w_1"], "NAME: 'w_1' is not a function name"),
        (["add-function", "api"], "NAME: the project already has a function 'api'"),
        (["add-function", "web", "--runtime", "nodejs22.x", "--snapstart"], "--snapstart: SnapStart does not support nodejs22.x"),
        (["add-function", "web", "--runtime", "python3.13", "--snapstart", "--provisioned-concurrency", "2"],
         "--snapstart: SnapStart does not support provisioned concurrency"),
        (["add-function", "web", "--runtime", "python3.13", "--snapstart", "--ephemeral-storage", "1024"],
         "--snapstart: SnapStart does not support ephemeral storage greater than 512 MB"),
        (["add-function", "web", "--memory", "64"], "--memory: 64 is out of range"),
        (["add-function", "web", "--provisioned-concurrency", "many"], "--provisioned-concurrency:"),
        (["add-function", "web", "--security-group", "theirs"], "--security-group: 'theirs' is not one of: shared, own"),
        (["add-function", "web", "--connect", "sg-0123456789abcdef0:5432"], "--connect: connect targets need --security-group own"),
        (["add-function", "web", "--security-group", "own", "--connect", "rds:1db"], "--connect: 'rds:1db'"),
        (["add-function", "web", "--security-group", "own", "--connect", "secret:arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf"],
         "not the project's region us-east-1"),
        (["remove-function", "nope"], "NAME: no added function 'nope'; the added ones: api"),
        (["remove-function", "demo"], "NAME: 'demo' is the project's first function"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_changes(
    generate: Generate, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    project = generate()
    assert main(["add-function", "api", str(project), "--no-input"]) == 0
    before = tree(project)
    capsys.readouterr()
    command, name, *flags = args
    code = main([command, name, str(project), *flags, *(["--no-input"] if command == "add-function" else [])])
    err = capsys.readouterr().err
    assert code == 2, err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert tree(project) == before


def test_names_fit_lambda_and_iam(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate(name="p" * 40)
    capsys.readouterr()
    assert main(["add-function", "a" * 14, str(project), "--no-input"]) == 2
    err = capsys.readouterr().err
    assert f"its execution role '{'p' * 40}_{'a' * 14}-us-east-1' would be longer than IAM's 64 characters" in err, err
    assert "name it in at most 13" in err
    assert main(["add-function", "a" * 13, str(project), "--no-input"]) == 0


def test_at_most_ten_added_functions(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate()
    for index in range(10):
        assert main(["add-function", f"f{index}", str(project), "--no-input"]) == 0
    capsys.readouterr()
    assert main(["add-function", "f10", str(project), "--no-input"]) == 2
    assert "at most 10 added functions" in capsys.readouterr().err


def test_dry_run_shows_the_change_and_writes_nothing(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate()
    before = tree(project)
    capsys.readouterr()
    assert main(["add-function", "api", str(project), "--no-input", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+++ b/functions/api/src/handler.py" in out and "+++ b/terraform.tfvars" in out
    assert tree(project) == before


def test_remove_function_keeps_edits_and_what_the_user_added(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    assert main(["add-function", "api", str(project), "--no-input"]) == 0
    assert main(["add-function", "job", str(project), "--no-input"]) == 0
    edited = project / "functions" / "api" / "src" / "handler.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# ours\n", encoding="utf-8")
    ours = project / "notes.md"
    ours.write_text("ours\n", encoding="utf-8")
    main_tf = project / "main.tf"
    main_tf.write_text(main_tf.read_text(encoding="utf-8") + "\n# ours, in main.tf\n", encoding="utf-8")
    capsys.readouterr()
    # The edited handler is kept, as a conflict to decide: nothing of the user's is lost.
    assert main(["remove-function", "api", str(project)]) == 3
    captured = capsys.readouterr()
    assert "functions/api/src/handler.py" in captured.err
    assert edited.read_text(encoding="utf-8").endswith("\n# ours\n")
    assert not (project / "functions" / "api" / "tests").exists()
    assert not (project / "build" / "functions" / "api.zip").exists()
    assert (project / "functions" / "job" / "src" / "handler.py").is_file()
    assert ours.read_text(encoding="utf-8") == "ours\n"
    assert main_tf.read_text(encoding="utf-8").endswith("\n# ours, in main.tf\n")
    assert [f["name"] for f in recorded(project)] == ["job"]
    assert "api = {" not in (project / "terraform.tfvars").read_text(encoding="utf-8")


def test_update_keeps_the_added_functions(generate: Generate) -> None:
    project = generate()
    assert main(["add-function", "api", str(project), "--no-input", "--runtime", "nodejs22.x"]) == 0
    assert main(["update", str(project), "--no-input", "--memory", "512"]) == 0
    assert [f["name"] for f in recorded(project)] == ["api"]
    assert (project / "functions" / "api" / "src" / "index.mjs").is_file()


@pytest.mark.pty
def test_the_wizard_asks_what_no_flag_gives(wizard: SpawnWizard, generate: Generate) -> None:
    project = generate()
    terminal = wizard("add-function", "web", str(project), "--runtime", "python3.13")
    terminal.answer("CPU architecture")
    terminal.answer("Memory (MB)", CTRL_U + "64" + ENTER)
    terminal.expect_text("64 is out of range")
    terminal.child.send(CTRL_U + "512" + ENTER)
    terminal.answer("Timeout (seconds)")
    terminal.answer("Ephemeral storage")
    terminal.answer("SnapStart", "y")
    terminal.answer("Provisioned concurrency", CTRL_U + "2" + ENTER)
    terminal.expect_text("SnapStart does not support provisioned concurrency")
    terminal.child.send(CTRL_U + "0" + ENTER)
    terminal.answer("ENI permissions", DOWN + ENTER)
    terminal.answer("Security group")
    assert terminal.finish() == 0, terminal.transcript
    (function,) = recorded(project)
    assert function == {
        "name": "web", "runtime": "python3.13", "architecture": "arm64", "memory": 512, "timeout": 30,
        "ephemeral_storage": 512, "snapstart": True, "provisioned_concurrency": 0, "iam": "managed",
        "security_group": "shared", "connect": [],
    }  # fmt: skip


EFS = (
    '  file_system_config {\n    arn              = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"\n'
    '    local_mount_path = "/mnt/data"\n  }\n\n'
)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (("terraform.tfvars", "snapstart = true\n", "snapstart = true\nephemeral_storage = 2048\n"),
         "SnapStart does not support ephemeral storage greater than 512 MB"),
        (("terraform.tfvars", 'runtime      = "python3.13"', 'runtime      = "nodejs22.x"'), "SnapStart does not support nodejs22.x"),
        (("terraform.tfvars", "snapstart = true\n", "snapstart = true\nprovisioned_concurrency = 1\n"),
         "SnapStart does not support provisioned concurrency"),
        (("modules/function/main.tf", "  ephemeral_storage {", EFS + "  ephemeral_storage {"), "SnapStart does not support Amazon EFS"),
    ],
)
def test_check_judges_snapstart_edited_by_hand(
    generate: Generate, capsys: pytest.CaptureFixture[str], edit: tuple[str, str, str], says: str
) -> None:
    project = generate("--runtime", "python3.13", "--snapstart")
    assert main(["check", str(project)]) == 0
    path, old, new = edit
    text = (project / path).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (project / path).write_text(text.replace(old, new), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(project)]) == 4
    assert says in capsys.readouterr().out
