"""`vpc-lambda-new check`: the guide's rules, and this project's, judged on a generated project.

With `--plan FILE` (the JSON of `terraform show -json`, of a plan or of a state) the
rules judge what Terraform resolved, with the configuration filling in what a plan
before apply leaves unknown (`scaffold.check.model`). Without it they judge the configuration
evaluated from terraform.tfvars alone: what depends on AWS (the zones a region lists,
the routes of a network that exists already) is then not judged, and says so.

Beside the model's rules (`scaffold.check.rules`), a few rules read what a plan does not
carry: descriptions of variables and outputs, the reasons of checkov skips, and the
plan-time checks of topology `existing`.
"""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.check.config import Module, Node, load_configuration
from scaffold.check.rules import RULES, Broken, Intent, NotJudged, Rule, Verdict
from scaffold.errors import ScaffoldError, quoted

PLAN_LIMIT_BYTES = 256 * 1024 * 1024


@dataclass
class Report:
    broken: list[Broken] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)  # rules with a verdict on everything they cover

    def not_judged_by_rule(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for verdict in self.not_judged:
            reasons = found.setdefault(verdict.rule, [])
            if verdict.why not in reasons:
                reasons.append(verdict.why)
        return found

    def lines(self) -> list[str]:
        """One line per broken rule, then one per rule not judged (with its first reason)."""
        shown = [str(verdict) for verdict in self.broken]
        for rule_name, reasons in self.not_judged_by_rule().items():
            more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
            shown.append(f"{rule_name}: not judged: {reasons[0]}{more}")
        return shown


# --- rules on the configuration text --------------------------------------------------------

TextJudge = Callable[[Module, Path, Intent], Iterator[Verdict]]


@dataclass(frozen=True)
class TextRule:
    name: str
    says: str
    judge: TextJudge


TEXT_RULES: list[TextRule] = []


def text_rule(name: str, says: str) -> Callable[[TextJudge], TextJudge]:
    def register(function: TextJudge) -> TextJudge:
        TEXT_RULES.append(TextRule(name, says, function))
        return function

    return register


def modules_of(root: Module) -> Iterator[Module]:
    yield root
    for child in root.children.values():
        yield from modules_of(child)


def literal_text(node: Node | None) -> str | None:
    from scaffold.check.evaluator import Evaluator
    from scaffold.check.values import Scope

    if node is None:
        return None
    evaluator = Evaluator(Module(Path(".")))
    value = evaluator.expression(node, Scope(evaluator.root))
    return value if isinstance(value, str) else None


@text_rule(
    "documented-interface",
    "Every variable has a type and a description; every output a description.",
)
def documented_interface(root: Module, project: Path, intent: Intent) -> Iterator[Verdict]:
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


_CHECKOV_SKIP = re.compile(r"#\s*checkov:skip=(?P<check>[A-Z0-9_]+)(?P<rest>.*)")


@text_rule("scan-exceptions", "Every checkov skip in the Terraform gives its reason.")
def scan_exceptions(root: Module, project: Path, intent: Intent) -> Iterator[Verdict]:
    for path in sorted(project.rglob("*.tf")):
        if ".terraform" in path.relative_to(project).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            skip = _CHECKOV_SKIP.search(line)
            if skip and not skip["rest"].lstrip(":").strip():
                where = f"{path.relative_to(project).as_posix()}:{number}"
                yield Broken("scan-exceptions", where, f"skips {skip['check']} without a reason")


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


@text_rule(
    "existing-plan-checks",
    "With topology existing, terraform plan checks the given network: default tenancy,"
    " subnets of the VPC, none public, at least two AZs, and warns without NAT.",
)
def existing_plan_checks(root: Module, project: Path, intent: Intent) -> Iterator[Verdict]:
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


# --- judging a project ------------------------------------------------------------------------


def intent_of(project_dir: Path) -> Intent:
    from scaffold.project import recorded_answers

    answers = recorded_answers(project_dir)
    return Intent(answers.topology, answers.nat if answers.topology == "private-nat" else None)


def project_policies(project_dir: Path) -> dict[str, list[Any]]:
    """The permissions boundary the project ships, under the name its README gives the
    policy (NAME-boundary): a boundary of that name is taken to hold this document."""
    from scaffold.answers_file import read_bounded
    from scaffold.project import recorded_answers

    path = project_dir / "permissions-boundary.json"
    if not path.is_file():
        return {}
    try:
        statements = json.loads(read_bounded(path, "check"))["Statement"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ScaffoldError(f"check: {quoted(path)} is not an IAM policy document") from None
    return {f"{recorded_answers(project_dir).name}-boundary": list(statements)}


def judge_project(project_dir: Path, document: Mapping[str, Any] | None = None) -> Report:
    """Every rule on a generated project: on the plan or state `document`, or on its configuration alone."""
    from scaffold.check.model import Model, load_tfvars

    intent = intent_of(project_dir)
    configuration = load_configuration(project_dir)
    policies = project_policies(project_dir)
    if document is not None:
        check_document_matches(document, configuration)
        model = Model.from_document(document, configuration, policies)
    else:
        model = Model.from_configuration(
            configuration, load_tfvars(project_dir, configuration), policies
        )
    report = Report()
    verdicts: list[tuple[str, Verdict]] = []
    all_rules: list[Rule | TextRule] = [*RULES, *TEXT_RULES]
    for each in all_rules:
        found = list(
            each.judge(model, intent)
            if isinstance(each, Rule)
            else each.judge(configuration, project_dir, intent)
        )
        verdicts += [(each.name, verdict) for verdict in found]
        if not any(isinstance(verdict, NotJudged) for verdict in found):
            report.judged.append(each.name)
    report.broken = [verdict for _name, verdict in verdicts if isinstance(verdict, Broken)]
    report.not_judged = [verdict for _name, verdict in verdicts if isinstance(verdict, NotJudged)]
    if model.unenumerated and document is None:
        report.not_judged.append(
            NotJudged(
                "instances",
                f"how many instances {', '.join(model.unenumerated)} have is known only to a plan",
            )
        )
    return report


def check_project(project_dir: Path) -> list[str]:
    """Every broken rule of a generated project, one line each, judged from its configuration alone."""
    return [str(verdict) for verdict in judge_project(project_dir).broken]


# --- the plan file ------------------------------------------------------------------------------


def load_document(text_path: str) -> dict[str, Any]:
    """The JSON of `terraform show -json`, a plan or a state; ScaffoldError naming the problem."""
    from scaffold.answers_file import expand_path, read_bounded

    if not text_path.strip():
        raise ScaffoldError("--plan: the file name is empty")
    path = expand_path(text_path)
    shown = quoted(path)
    try:
        text = read_bounded(path, "--plan", PLAN_LIMIT_BYTES)
    except ScaffoldError:
        if path.is_file() and zipfile.is_zipfile(path):
            raise ScaffoldError(
                f"--plan: {shown} is a binary plan file; give its JSON: terraform show -json {path.name} > plan.json"
            ) from None
        raise
    try:
        document = json.loads(text)
    except json.JSONDecodeError as problem:
        raise ScaffoldError(
            f"--plan: {shown} is not JSON ({problem.msg} at line {problem.lineno} column {problem.colno});"
            " write it with terraform show -json PLANFILE > FILE"
        ) from None
    if (
        not isinstance(document, dict)
        or "format_version" not in document
        or not ({"planned_values", "resource_changes"} & set(document) or "values" in document)
    ):
        raise ScaffoldError(
            f"--plan: {shown} is not the JSON of a Terraform plan or state (terraform show -json)"
        )
    if document.get("errored") is True:
        raise ScaffoldError(
            f"--plan: {shown} is a plan that failed (errored); fix the plan and write it again"
        )
    return document


def check_document_matches(document: Mapping[str, Any], configuration: Module) -> None:
    """A plan or state of another configuration (an older one, another project) is bad input."""
    from scaffold.check.values import Known

    declared = {
        (f"{prefix}" if prefix else "") + address
        for prefix, module in walk_modules(configuration, "")
        for address in module.resources
    }
    planned: set[str] = set()
    config_root = (document.get("configuration") or {}).get("root_module")
    if config_root is not None:
        planned = {address for address in walk_plan_configuration(config_root, "")}
    else:
        from scaffold.check.model import strip_keys

        planned = {strip_keys(address) for address in Known(document).records}
    if config_root is not None and planned != declared:
        difference = sorted(planned ^ declared)
        raise ScaffoldError(
            f"--plan: the plan was made from another configuration than this project's:"
            f" {difference[0]} {'is not declared here' if difference[0] in planned else 'is not in the plan'};"
            " run terraform plan again"
        )
    if config_root is None:
        from scaffold.check.values import module_of

        local = {prefix.rstrip(".") for prefix, _module in walk_modules(configuration, "")}
        foreign = sorted(a for a in planned - declared if module_of(a) in local)
        if foreign:
            raise ScaffoldError(
                f"--plan: the state holds {foreign[0]}, which this project does not declare"
            )


def walk_modules(module: Module, prefix: str) -> Iterator[tuple[str, Module]]:
    yield prefix, module
    for name, child in module.children.items():
        yield from walk_modules(child, f"{prefix}module.{name}.")


def walk_plan_configuration(module: Mapping[str, Any], prefix: str) -> Iterator[str]:
    for resource in module.get("resources") or []:
        yield prefix + str(resource.get("address"))
    for name, call in (module.get("module_calls") or {}).items():
        # Only modules read from this project's folders: a registry module's code is not here.
        if str(call.get("source", "./")).startswith(("./", "../")):
            yield from walk_plan_configuration(call.get("module") or {}, f"{prefix}module.{name}.")


# --- the command ---------------------------------------------------------------------------------


def run_check(options: argparse.Namespace) -> int:
    from scaffold.console import EXIT_RULES_BROKEN, say
    from scaffold.transaction import project_folder, refuse_if_pending
    from scaffold.update import files_with_conflict_markers

    project_dir = Path(options.project_dir).expanduser()
    if not project_dir.exists():
        raise ScaffoldError(f"project: {quoted(project_dir)} does not exist")
    if not project_dir.is_dir():
        raise ScaffoldError(f"project: {quoted(project_dir)} is not a folder")
    document = load_document(options.plan) if options.plan is not None else None
    with project_folder(project_dir, read_only=True) as folder:  # not while an update writes it
        refuse_if_pending(folder, "check")
        marked = files_with_conflict_markers(project_dir)
        if marked:
            for path in marked:
                say(f"conflict: {path} still holds conflict markers; resolve them")
            return EXIT_RULES_BROKEN
        report = judge_project(project_dir, document)
    for line in report.lines():
        say(line)
    not_judged = len(report.not_judged_by_rule())
    if document is None:
        judged_from = "the configuration alone" + (
            " (give --plan to judge the rest)" if not_judged else ""
        )
    else:
        judged_from = (
            "the plan"
            if "resource_changes" in document or "planned_values" in document
            else "the state"
        )
    total = len(RULES) + len(TEXT_RULES)
    summary = (
        f"{project_dir.absolute()}: {len({b.rule for b in report.broken})} of {total} rules"
        f" broken, {not_judged} not judged, judged from {judged_from}"
    )
    say(summary)
    return EXIT_RULES_BROKEN if report.broken else 0
