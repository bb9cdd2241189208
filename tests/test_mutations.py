"""The mutation harness: every rule-breaking edit in tests/mutations.py is caught.

Each edit is applied to a copy of the templates, a project is generated from that copy,
planned against the emulator (a fresh plan, as a user runs it before apply), and
`vpc-lambda-new check DIR --plan FILE` must exit 4 naming the broken rule. Every fresh
variant, planned the same way, must be clean. A fast twin runs `check` without a plan on
the same edits, so what the configuration alone can judge is measured too.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Generate
from fixtures_terraform import AwsEmulator, BindTerraform
from mutations import EXISTING_CONNECTED, MUTATIONS, NAT_PER_AZ, NAT_SINGLE, PRIVATE, Mutation

import scaffold.render
from scaffold.check import judge_project
from scaffold.cli import main

REGION = "us-east-1"
# Topology existing without a plan: IDs that only need to look right.
EXISTING_IDS = [
    "--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
    "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "--route-table-ids", "rtb-01234567",
]  # fmt: skip
# A security group to connect to, without a plan: an ID that only needs to look right.
GROUP_ID = "sg-0123456789abcdef0"


# How `terraform test` reports a rule it caught: an assertion of tests/guide.tftest.hcl,
# or a condition of the configuration itself.
CAUGHT = {
    "Test assertion failed",
    "Resource precondition failed",
    "Resource postcondition failed",
    "Check block assertion failed",
}


def with_network(flags: tuple[str, ...], existing: list[str], group: str = GROUP_ID) -> list[str]:
    """The flags with the network's: {existing} its flags, {group} its security group."""
    return [
        item.replace("{group}", group)
        for flag in flags
        for item in (existing if flag == "{existing}" else [flag])
    ]


@pytest.fixture
def mutated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Mutation], None]:
    """mutated(m): the generator renders from a copy of the templates with m applied."""

    def apply(mutation: Mutation) -> None:
        copy = tmp_path / "templates"
        shutil.copytree(scaffold.render.templates_root(), copy)
        path = copy / mutation.file
        text = path.read_text(encoding="utf-8")
        assert text.count(mutation.old) == 1, f"{mutation.id}: the edit must match once in {mutation.file}"
        text = text.replace(mutation.old, mutation.new)
        for old, new in mutation.also:
            assert old in text, f"{mutation.id}: {old!r} is not in {mutation.file}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        for file, old, new in mutation.elsewhere:
            other = copy / file
            found = other.read_text(encoding="utf-8")
            assert found.count(old) == 1, f"{mutation.id}: the edit must match once in {file}"
            other.write_text(found.replace(old, new), encoding="utf-8")
        monkeypatch.setattr(scaffold.render, "templates_root", lambda: copy)

    return apply


def fresh_plan(terraform: BindTerraform, emulator: AwsEmulator, project: Path) -> Path:
    """`terraform show -json` of a plan on empty state, written beside the project."""
    runner = terraform(project, emulator, REGION)
    runner.init()
    runner.run("plan", "-out=tfplan", "-input=false", "-no-color", "-lock=false")
    shown = runner.run("show", "-json", "tfplan")
    path = project.parent / "plan.json"
    path.write_text(shown.stdout, encoding="utf-8")
    return path


def caught_by_terraform_test(terraform: BindTerraform, emulator: AwsEmulator, project: Path) -> bool:
    """Whether the project's own `terraform test` (tests/guide.tftest.hcl) fails, as `make
    test` runs it. Its provider is mocked, so the emulator's address is never called; the
    runner is the plan's, whose provider process the suite keeps (provider_servers.py)."""
    result = terraform(project, emulator, REGION).run("test", "-no-color", ok_codes=(0, 1))
    errors = set(re.findall(r"^Error: (.+)$", result.stdout + result.stderr, re.MULTILINE))
    assert result.returncode == 0 or errors <= CAUGHT, f"terraform test broke, not caught: {errors}"
    return result.returncode == 1


def check_lines(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["check", *arguments])
    out, err = capsys.readouterr()
    assert not err, err
    return code, out.splitlines()


def explained_missing(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    """The hop `vpc-lambda-new explain` names as missing (it must exit 4 and name one)."""
    capsys.readouterr()
    code = main(["explain", *arguments])
    out = capsys.readouterr().out
    missing = [line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("  MISSING ")]
    assert code == 4 and missing, out
    return missing[0]


def broken_rules(lines: list[str]) -> set[str]:
    return {line.split(":", 1)[0] for line in lines[:-1] if ": not judged: " not in line}


@pytest.mark.mutation
@pytest.mark.terraform
@pytest.mark.emulator
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_check_with_a_plan_names_the_broken_rule(
    mutation: Mutation,
    mutated: Callable[[Mutation], None],
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mutated(mutation)
    existing, group = existing_flags(aws_emulator) if "{existing}" in mutation.flags else ([], GROUP_ID)
    project = generate(*with_network(mutation.flags, existing, group), "--region", REGION, name="mu")
    plan = fresh_plan(terraform, aws_emulator, project)
    code, lines = check_lines(capsys, str(project), "--plan", str(plan))
    assert code == 4 and mutation.rule in broken_rules(lines), (
        f"{mutation.id} should break {mutation.rule}; check --plan said:\n" + "\n".join(lines)
    )
    if mutation.hop:
        assert explained_missing(capsys, str(project), "--plan", str(plan)) == mutation.hop
    # The project's own tests fail exactly on the mutations marked terraform_test: their
    # count is measured, and what they miss is check's alone.
    caught = caught_by_terraform_test(terraform, aws_emulator, project)
    assert caught == mutation.terraform_test, (
        f"{mutation.id}: terraform test {'failed' if caught else 'passed'}, and the harness"
        f" says terraform_test={mutation.terraform_test}"
    )


@pytest.mark.mutation
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_check_without_a_plan_names_it_or_says_it_could_not_judge(
    mutation: Mutation,
    mutated: Callable[[Mutation], None],
    generate: Generate,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mutated(mutation)
    project = generate(*with_network(mutation.flags, EXISTING_IDS), "--region", REGION, name="mu")
    code, lines = check_lines(capsys, str(project))
    if mutation.without_plan:
        assert code == 4 and mutation.rule in broken_rules(lines), "\n".join(lines)
        if mutation.hop:
            assert explained_missing(capsys, str(project)) == mutation.hop
    else:
        said = [line for line in lines if line.startswith(f"{mutation.rule}: not judged: ")]
        assert said or mutation.rule in broken_rules(lines), "\n".join(lines)


def test_every_rule_of_the_model_has_a_mutation_and_every_mutation_a_rule() -> None:
    from scaffold.check.rules import CONFIGURATION_RULES as TEXT_RULES
    from scaffold.check.rules import MODEL_RULES as RULES

    named = {mutation.rule for mutation in MUTATIONS}
    assert {rule.name for rule in RULES} - named == set()
    assert named - {rule.name for rule in RULES} - {rule.name for rule in TEXT_RULES} == set()
    assert len({mutation.id for mutation in MUTATIONS}) == len(MUTATIONS) >= 20


# --- every fresh variant is clean -------------------------------------------------------------

VARIANTS = {
    "private": PRIVATE,
    "private-defaults": (),
    "nat-single": NAT_SINGLE,
    "nat-per-az-ipv6": NAT_PER_AZ,
    "private-managed-flow-logs": ("--iam", "managed", "--flow-logs", "--endpoints", "s3,sqs,kms"),
    "nat-single-ipv6-managed": (*NAT_SINGLE, "--ipv6", "--iam", "managed"),
}


@pytest.mark.mutation
@pytest.mark.terraform
@pytest.mark.emulator
@pytest.mark.parametrize("variant", VARIANTS)
def test_fresh_variant_is_clean_with_a_plan(
    variant: str,
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = generate(*VARIANTS[variant], "--region", REGION, name="fresh")
    plan = fresh_plan(terraform, aws_emulator, project)
    code, lines = check_lines(capsys, str(project), "--plan", str(plan))
    assert code == 0 and len(lines) == 1, "\n".join(lines)  # only the summary: every rule judged
    # (Their own terraform test: test_terraform runs it on every variant of its matrix.)


def existing_flags(emulator: AwsEmulator) -> tuple[list[str], str]:
    """Flags for topology existing, with a network built in the emulator: two private
    subnets behind a NAT gateway, their route table, and a public subnet; and a security
    group of the network's, to connect to."""
    from test_existing_vpc import build_network

    ec2 = emulator.client("ec2", REGION)
    network = build_network(ec2, nat=True)
    group = ec2.create_security_group(
        GroupName=f"target-{network.vpc_id}", Description="a connect target", VpcId=network.vpc_id
    )["GroupId"]
    flags = [
        "--topology", "existing", "--vpc-id", network.vpc_id,
        "--subnet-ids", ",".join(network.private_subnets),
        "--route-table-ids", network.private_route_table,
    ]  # fmt: skip
    return flags, str(group)


@pytest.mark.mutation
@pytest.mark.terraform
@pytest.mark.emulator
def test_fresh_existing_variant_is_clean_with_a_plan(
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # With a security group of the network's to connect to: both sides planned, every path there.
    flags = with_network(EXISTING_CONNECTED, *existing_flags(aws_emulator))
    project = generate(*flags, "--region", REGION, name="fresh")
    plan = fresh_plan(terraform, aws_emulator, project)
    code, lines = check_lines(capsys, str(project), "--plan", str(plan))
    assert code == 0 and len(lines) == 1, "\n".join(lines)
    capsys.readouterr()
    assert main(["explain", str(project), "--plan", str(plan)]) == 0, capsys.readouterr().out
    assert not caught_by_terraform_test(terraform, aws_emulator, project)
    # The network it reads is in the model: the subnets' route table, its NAT route.
    report = judge_project(project, json.loads(plan.read_text()))
    assert "private-subnets" in report.judged and "internet-through-nat" not in {v.rule for v in report.not_judged}
