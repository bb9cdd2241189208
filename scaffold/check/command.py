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

import json
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scaffold.answers_file import expand_path, read_bounded
from scaffold.check.config import Module, load_configuration
from scaffold.check.model import Model, load_tfvars, strip_keys
from scaffold.check.report import Finding, Report
from scaffold.check.rules import Intent, NotJudged, Runner, Severity, Subject
from scaffold.check.values import PlanValues, contains_unknown, module_of
from scaffold.check.waivers import locate, read_waivers
from scaffold.console import EXIT_RULES_BROKEN, say
from scaffold.errors import ScaffoldError, quoted
from scaffold.project import files_with_conflict_markers, recorded_answers
from scaffold.storage import project_folder, refuse_if_pending

PLAN_LIMIT_BYTES = 256 * 1024 * 1024


# --- judging a project ------------------------------------------------------------------------


def intent_of(project_dir: Path) -> Intent:

    answers = recorded_answers(project_dir)
    return Intent(answers.topology, answers.nat if answers.topology == "private-nat" else None)


def project_policies(project_dir: Path) -> dict[str, list[Any]]:
    """The permissions boundary the project ships, under the name its README gives the
    policy (NAME-boundary): a boundary of that name is taken to hold this document."""

    path = project_dir / "permissions-boundary.json"
    if not path.is_file():
        return {}
    try:
        statements = json.loads(read_bounded(path, "check"))["Statement"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ScaffoldError(f"check: {quoted(path)} is not an IAM policy document") from None
    return {f"{recorded_answers(project_dir).name}-boundary": list(statements)}


def model_of(
    project_dir: Path, document: Mapping[str, Any] | None, configuration: Module | None = None
) -> Model:
    """The model of a project: of the plan or state `document`, or of its configuration alone."""
    configuration = configuration or load_configuration(project_dir)
    policies = project_policies(project_dir)
    if document is not None:
        check_document_matches(document, configuration)
        check_document_variables(document, load_tfvars(project_dir, configuration))
        return Model.from_document(document, configuration, policies)
    return Model.from_configuration(configuration, load_tfvars(project_dir, configuration), policies)


def judge_project(project_dir: Path, document: Mapping[str, Any] | None = None) -> Report:
    """Every rule on a generated project: on the plan or state `document`, or on its configuration alone."""

    intent = intent_of(project_dir)
    configuration = load_configuration(project_dir)
    model = model_of(project_dir, document, configuration)
    report = Report(judged_from=judged_from(document))
    subject = Subject(model, configuration, project_dir, intent)
    waivers = read_waivers(project_dir)
    for each, found in Runner(subject).run():
        for verdict in found:
            if isinstance(verdict, NotJudged):
                report.not_judged.append(verdict)
                continue
            where = locate(verdict.address, configuration, project_dir)
            waiver = next((w for w in waivers if w.covers(verdict.rule, where)), None)
            report.findings.append(Finding(verdict, where, waiver))
        if not any(isinstance(verdict, NotJudged) for verdict in found):
            report.judged.append(each.id)
    if model.unenumerated and document is None:
        report.not_judged.append(
            NotJudged(
                "instances",
                f"how many instances {', '.join(model.unenumerated)} have is known only to a plan",
            )
        )
    for name in model.unsupported_functions:
        report.not_judged.append(
            NotJudged("evaluator", f"the evaluator does not support the function {name}")
        )
    return report


def judged_from(document: Mapping[str, Any] | None) -> str:
    if document is None:
        return "the configuration alone"
    if "resource_changes" in document or "planned_values" in document:
        return "the plan"
    return "the state"


def check_project(project_dir: Path) -> list[str]:
    """Every broken rule of a generated project, one line each, judged from its configuration alone."""
    return checked_lines(project_dir)[0]


def checked_lines(project_dir: Path) -> tuple[list[str], list[str]]:
    """(broken rules, broken conventions) of a project, one line each, from its configuration."""
    report = judge_project(project_dir)
    return [str(verdict) for verdict in report.errors], [str(verdict) for verdict in report.warnings]


# --- the plan file ------------------------------------------------------------------------------


def load_document(text_path: str) -> dict[str, Any]:
    """The JSON of `terraform show -json`, a plan or a state; ScaffoldError naming the problem."""

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

        planned = {strip_keys(address) for address in PlanValues(document).records}
    if config_root is not None and planned != declared:
        difference = sorted(planned ^ declared)
        raise ScaffoldError(
            f"--plan: the plan was made from another configuration than this project's:"
            f" {difference[0]} {'is not declared here' if difference[0] in planned else 'is not in the plan'};"
            " run terraform plan again"
        )
    if config_root is None:

        local = {prefix.rstrip(".") for prefix, _module in walk_modules(configuration, "")}
        foreign = sorted(a for a in planned - declared if module_of(a) in local)
        if foreign:
            raise ScaffoldError(
                f"--plan: the state holds {foreign[0]}, which this project does not declare"
            )


def check_document_variables(document: Mapping[str, Any], tfvars: Mapping[str, Any]) -> None:
    """A plan made before terraform.tfvars changed (an update since, a hand edit) judges
    what the project no longer is: bad input, named by the first variable that differs."""
    given = document.get("variables") or {}
    for name in sorted(tfvars):
        value = tfvars[name]
        if name not in given or not isinstance(given[name], dict) or contains_unknown(value):
            continue
        if given[name].get("value") != value:
            raise ScaffoldError(
                f"--plan: the plan was made with another {name} than terraform.tfvars gives;"
                " run terraform plan again"
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


def run_check(
    project: str | Path = ".",
    *,
    plan: str | None = None,
    output: str = "text",
    fail_on: Severity = "error",
) -> int:
    """Judge the guide's rules on the project in folder `project` (with `plan`, on a plan or
    state in JSON from `terraform show -json`); print the report in `output` (text, json or
    sarif); the exit code: EXIT_RULES_BROKEN when a rule of severity `fail_on` or above is
    broken and not waived."""
    project_dir = Path(project).expanduser()
    if not project_dir.exists():
        raise ScaffoldError(f"project: {quoted(project_dir)} does not exist")
    if not project_dir.is_dir():
        raise ScaffoldError(f"project: {quoted(project_dir)} is not a folder")
    document = load_document(plan) if plan is not None else None
    with project_folder(project_dir, read_only=True) as folder:  # not while an update writes it
        refuse_if_pending(folder, "check")
        marked = files_with_conflict_markers(project_dir)
        if marked:
            for path in marked:
                say(f"conflict: {path} still holds conflict markers; resolve them")
            return EXIT_RULES_BROKEN
        report = judge_project(project_dir, document)
    shown = str(project_dir.absolute())
    if output == "json":
        say(report.as_json(shown))
    elif output == "sarif":
        say(report.as_sarif())
    else:
        for line in report.lines():
            say(line)
        say(report.summary(shown))
    return EXIT_RULES_BROKEN if report.fails(fail_on) else 0
