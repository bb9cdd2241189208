"""`vpc-lambda-new check DIR [--plan FILE]`: its output, exit codes 0, 4 and 2, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import Generate

from scaffold.check import check_project, judge_project
from scaffold.cli import main


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, list[str], str]:
    capsys.readouterr()
    code = main(["check", *arguments])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_a_fresh_project_is_clean_and_says_what_it_judged(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate("--topology", "private-nat")
    code, lines, err = run(capsys, str(project))
    assert (code, err) == (0, "")
    assert lines == [f"{project}: 0 of {total_rules()} rules broken, 0 not judged, judged from the configuration alone"]


def total_rules() -> int:
    from scaffold.check.rules import CONFIGURATION_RULES as TEXT_RULES
    from scaffold.check.rules import MODEL_RULES as RULES

    return len(RULES) + len(TEXT_RULES)


def test_a_broken_rule_is_one_line_with_address_file_and_line_and_exit_4(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    main_tf = project / "modules" / "network" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('instance_tenancy = "default"', 'instance_tenancy = "dedicated"'))
    line_number = next(
        number for number, line in enumerate(main_tf.read_text().splitlines(), 1) if line.startswith('resource "aws_vpc"')
    )
    code, lines, _ = run(capsys, str(project))
    assert code == 4
    assert lines[0] == f"tenancy: module.network.aws_vpc.this (modules/network/main.tf:{line_number}): has dedicated tenancy"
    assert lines[-1].startswith(f"{project}: 1 of ")
    assert check_project(project) == [lines[0]]


def test_rules_it_cannot_judge_without_a_plan_are_named(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate(
        "--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
        "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    )  # fmt: skip
    code, lines, _ = run(capsys, str(project))
    assert code == 0
    not_judged = {line.split(":", 1)[0] for line in lines if ": not judged: " in line}
    # The network exists already: what it is, only a plan (which reads it) can tell.
    assert {"private-subnets", "tenancy", "multi-az"} <= not_judged
    assert "eni-permissions" not in not_judged and "eni-permissions" in judge_project(project).judged


def test_check_runs_as_a_command(generate: Generate) -> None:
    project = generate()
    source = str(Path(__file__).parents[1])
    done = subprocess.run(
        [sys.executable, "-m", "scaffold.cli", "check", str(project)],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": source},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("0 not judged, judged from the configuration alone")


def plan_of_project(project: Path) -> dict[str, object]:
    """A minimal document that matches the project's configuration (what terraform show -json lists)."""
    from scaffold.check.command import walk_modules
    from scaffold.check.config import load_configuration

    configuration = load_configuration(project)
    root: dict[str, object] = {"resources": [], "module_calls": {}}
    for prefix, each in walk_modules(configuration, ""):
        target = root
        for name in [part for part in prefix.split(".") if part and part != "module"]:
            calls = target.setdefault("module_calls", {})
            assert isinstance(calls, dict)
            target = calls.setdefault(name, {"module": {"resources": []}})["module"]
        resources = target.setdefault("resources", [])
        assert isinstance(resources, list)
        resources += [{"address": address} for address in each.resources]
    return {"format_version": "1.2", "planned_values": {}, "resource_changes": [], "configuration": {"root_module": root}}


BAD_PLANS = {
    "missing": (None, "does not exist"),
    "not-json": ("{ nope", "is not JSON (Expecting property name enclosed in double quotes at line 1 column 3)"),
    "not-a-plan": ('{"hello": 1}', "is not the JSON of a Terraform plan or state (terraform show -json)"),
    "failed-plan": ('{"format_version": "1.2", "planned_values": {}, "errored": true}', "is a plan that failed"),
    "empty-name": ("", "--plan: the file name is empty"),
}


@pytest.mark.parametrize("case", BAD_PLANS)
def test_a_bad_plan_is_one_line_and_exit_2(
    case: str, generate: Generate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    content, message = BAD_PLANS[case]
    path = "" if case == "empty-name" else str(tmp_path / "plan.json")
    if content is not None and case != "empty-name":
        Path(path).write_text(content)
    code, lines, err = run(capsys, str(project), "--plan", path)
    assert (code, lines) == (2, [])
    assert err.count("\n") == 1 and message in err, err


def test_a_binary_plan_file_is_named_as_such(generate: Generate, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate()
    binary = tmp_path / "tfplan"
    with zipfile.ZipFile(binary, "w") as archive:
        archive.writestr("tfplan", b"\x00\x01")
    code, _, err = run(capsys, str(project), "--plan", str(binary))
    assert code == 2 and "is a binary plan file; give its JSON: terraform show -json tfplan > plan.json" in err


def test_a_plan_of_another_configuration_is_bad_input(generate: Generate, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    private = generate(name="private-one")
    nat = generate("--topology", "private-nat", name="nat-one")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_of_project(nat)))
    code, _, err = run(capsys, str(private), "--plan", str(plan))
    assert code == 2
    assert "the plan was made from another configuration than this project's" in err
    assert run(capsys, str(nat), "--plan", str(plan))[0] == 0


@pytest.mark.parametrize("case", ["missing", "file", "not-generated"])
def test_a_bad_project_folder_is_one_line_and_exit_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "project"
    if case == "file":
        folder.write_text("x")
    elif case == "not-generated":
        folder.mkdir()
        (folder / "main.tf").write_text("")
    code, lines, err = run(capsys, str(folder))
    assert (code, lines) == (2, [])
    expected = {
        "missing": "does not exist",
        "file": "is not a folder",
        "not-generated": "is not a project generated by vpc-lambda-new",
    }[case]
    assert err.count("\n") == 1 and expected in err, err


@pytest.mark.parametrize("command", ["check", "update"])
def test_a_symlinked_record_is_refused_by_every_command_alike(
    command: str, generate: Generate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One reader of the project's record: check refuses what update refuses.
    project = generate()
    record = project / ".vpc-lambda-new.json"
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(record.read_bytes())
    record.unlink()
    record.symlink_to(elsewhere)
    capsys.readouterr()
    code = main([command, str(project)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "is a symbolic link; vpc-lambda-new never reads its records through one" in err


def test_terraform_that_does_not_parse_is_bad_input(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate()
    (project / "extra.tf").write_text('resource "aws_vpc" {\n')
    code, _, err = run(capsys, str(project))
    assert code == 2 and "'extra.tf' is not valid HCL" in err


def test_a_state_of_other_resources_is_bad_input_and_of_a_registry_module_is_not(
    generate: Generate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()

    def state(*addresses: str) -> Path:
        def record(address: str) -> dict[str, object]:
            module, _, local = address.rpartition(".aws_") if address.startswith("module.") else ("", "", address)
            type_name, name = (f"aws_{local}" if module else local).split(".")
            return {"address": address, "mode": "managed", "type": type_name, "name": name, "values": {"id": "x"}}

        children = [
            {"address": address.rsplit(".aws_", 1)[0], "resources": [record(address)]} for address in addresses
        ]
        path = tmp_path / "state.json"
        document = {"format_version": "1.0", "values": {"root_module": {"resources": [], "child_modules": children}}}
        path.write_text(json.dumps(document))
        return path

    code, _, err = run(capsys, str(project), "--plan", str(state("module.network.aws_instance.rogue")))
    assert code == 2 and "the state holds module.network.aws_instance.rogue, which this project does not declare" in err
    # A module from a registry is not in the project's folders: its resources are not compared.
    code, lines, err = run(capsys, str(project), "--plan", str(state("module.vpc.aws_vpc.this")))
    assert code != 2 and lines[-1].endswith("judged from the state"), err
