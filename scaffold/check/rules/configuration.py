"""Rules on the configuration's text, which a plan does not carry: descriptions of
variables and outputs, the reasons of checkov skips, the plan-time checks of topology
`existing`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scaffold.check.config import Module, Node
from scaffold.check.evaluator import Evaluator
from scaffold.check.rules.base import GUIDE, RULES, Broken, Subject, Verdict, rule
from scaffold.check.values import Scope
from scaffold.check.waivers import read_waivers
from scaffold.checkov_skip import CHECKOV_SKIP


def modules_of(root: Module) -> Iterator[Module]:
    yield root
    for child in root.children.values():
        yield from modules_of(child)


def literal_text(node: Node | None) -> str | None:

    if node is None:
        return None
    evaluator = Evaluator(Module(Path(".")))
    value = evaluator.expression(node, Scope(evaluator.root))
    return value if isinstance(value, str) else None


@rule(
    "documented-interface",
    "Every variable has a type and a description; every output a description.",
    link="https://developer.hashicorp.com/terraform/language/style",
    severity="warning",
)
def documented_interface(subject: Subject) -> Iterator[Verdict]:
    root = subject.configuration
    project = subject.project
    for module in modules_of(root):
        folder = module.folder.relative_to(project.resolve()).as_posix()
        prefix = "" if folder == "." else f"{folder}/"
        for name, body in module.variables.items():
            if "type" not in body.attributes or not literal_text(
                body.attributes.get("description")
            ):
                yield Broken(
                    "documented-interface",
                    f"{prefix}variable {name}",
                    "needs a type and a description",
                )
        for name, body in module.outputs.items():
            if not literal_text(body.attributes.get("description")):
                yield Broken(
                    "documented-interface", f"{prefix}output {name}", "needs a description"
                )


_CHECKOV_SKIP = CHECKOV_SKIP


@rule(
    "scan-exceptions",
    "Every checkov skip in the Terraform gives its reason.",
    link="https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html",
    severity="warning",
)
def scan_exceptions(subject: Subject) -> Iterator[Verdict]:
    project = subject.project
    for path in sorted(project.rglob("*.tf")):
        if ".terraform" in path.relative_to(project).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            skip = _CHECKOV_SKIP.search(line)
            if skip and not skip["rest"].lstrip(":").strip():
                where = f"{path.relative_to(project).as_posix()}:{number}"
                yield Broken("scan-exceptions", where, f"skips {skip['check']} without a reason")


@rule(
    "waivers",
    "Every `# vpc-lambda-new:ignore=RULE-ID reason` waiver names known rules, gives its"
    " reason, and sits in or directly above the block it waives.",
    link="https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html",
)
def waivers(subject: Subject) -> Iterator[Verdict]:
    known = {each.id for each in RULES}
    for waiver in read_waivers(subject.project):
        where = str(waiver.where)
        unknown = [name for name in waiver.rules if name not in known]
        if not waiver.rules:
            yield Broken("waivers", where, "names no rule (ignore=RULE-ID reason)")
        elif unknown:
            yield Broken("waivers", where, f"names an unknown rule: {', '.join(unknown)} (check --list-rules)")
        if not waiver.reason:
            yield Broken("waivers", where, "gives no reason: a waiver waives nothing without one")
        if waiver.span is None:
            yield Broken("waivers", where, "is neither in a block nor directly above one")


def tokens_of(node: Node) -> set[str]:
    from lark import Token

    if isinstance(node, Token):
        return {str(node)}
    return {str(token) for token in node.scan_values(lambda value: isinstance(value, Token))}


def conditions(block_body: Any, kind: str) -> list[set[str]]:
    return [
        tokens_of(condition.body.attributes["condition"])
        for lifecycle in block_body.blocks_of("lifecycle")
        for condition in lifecycle.body.blocks_of(kind)
        if "condition" in condition.body.attributes
    ]


@rule(
    "existing-plan-checks",
    "With topology existing, terraform plan checks the given network: default tenancy,"
    " subnets of the VPC, none public, at least two AZs, and warns without NAT.",
    link=GUIDE,
)
def existing_plan_checks(subject: Subject) -> Iterator[Verdict]:
    root = subject.configuration
    intent = subject.intent
    if intent.topology != "existing":
        return
    network = root.children.get("network")
    if network is None:
        yield Broken("existing-plan-checks", "module.network", "is missing")
        return
    created = [
        a for a, r in network.resources.items() if r.mode == "managed" and r.type in NETWORK_TYPES
    ]
    for address in created:
        yield Broken(
            "existing-plan-checks",
            f"module.network.{address}",
            "creates network where topology existing must only read it",
        )
    wanted = {
        "data.aws_vpc.this": ("postcondition", {"instance_tenancy", "default"}),
        "data.aws_subnet.selected": ("postcondition", {"vpc_id", "var"}),
        "data.aws_route_table.of_subnet": ("postcondition", {"gateway_id", "igw-"}),
        "data.aws_route_table.main": ("precondition", {"availability_zone", ">=", "2"}),
    }
    for address, (kind, words) in wanted.items():
        resource = network.resources.get(address)
        found = conditions(resource.body, kind) if resource is not None else []
        if not any(words <= tokens for tokens in found):
            where = f"module.network.{address}" + (f" ({resource.where})" if resource else "")
            yield Broken(
                "existing-plan-checks", where, f"needs a {kind} on {' and '.join(sorted(words))}"
            )
    routes_to_nat = network.locals.get("routes_to_nat")
    asserts = [
        tokens_of(item.body.attributes["condition"])
        for block in network.checks
        for item in block.body.blocks_of("assert")
        if "condition" in item.body.attributes
    ]
    if (
        routes_to_nat is None
        or "nat_gateway_id" not in tokens_of(routes_to_nat)
        or not any("routes_to_nat" in tokens for tokens in asserts)
    ):
        yield Broken(
            "existing-plan-checks",
            "module.network",
            "needs a check block that warns when no subnet routes to a NAT gateway",
        )


NETWORK_TYPES = {
    "aws_vpc", "aws_subnet", "aws_route_table", "aws_route", "aws_route_table_association",
    "aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_default_security_group",
}  # fmt: skip
