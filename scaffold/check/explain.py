"""`vpc-lambda-new explain [DIR] [--plan FILE]`: every path the function needs, hop by hop,
or the first hop that is missing (`scaffold.check.rules.reach`, the judgement the rule
`reachable` and generation's one-line warnings share). Exit 0 when every path exists, 4
when one is missing; a hop not known before apply is "not judged", never a pass."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scaffold.check.command import intent_of, load_document, model_of
from scaffold.check.config import load_configuration
from scaffold.check.model import load_tfvars
from scaffold.check.rules.paths import MISSING, NOT_JUDGED, Destination
from scaffold.check.rules.reach import judge_reach, one_line
from scaffold.console import EXIT_RULES_BROKEN, say
from scaffold.errors import ScaffoldError, quoted
from scaffold.project import files_with_conflict_markers
from scaffold.storage import project_folder, refuse_if_pending

MARKS = {"ok": "ok", MISSING: "MISSING", NOT_JUDGED: "not judged", "skipped": "skipped"}


def explain_project(
    project_dir: Path, document: Mapping[str, Any] | None = None
) -> list[Destination]:
    """Every destination of a project: on the plan or state `document`, or on its
    configuration alone."""
    topology = intent_of(project_dir).topology  # a folder it did not generate is bad input first
    configuration = load_configuration(project_dir)
    model = model_of(project_dir, document, configuration)
    tfvars = load_tfvars(project_dir, configuration)
    return judge_reach(model, project_dir, topology, tfvars)


def missing_lines(project_dir: Path) -> list[str]:
    """One line per destination of a project with a missing hop, judged from its
    configuration: what generation says (update and check say it as the rule `reachable`)."""
    return [f"no path: {line}" for line in one_line(explain_project(project_dir))]


def text_lines(destinations: list[Destination]) -> list[str]:
    lines: list[str] = []
    for destination in destinations:
        why = f" ({destination.why})" if destination.why else ""
        lines.append(f"{destination.name}{why}: {MARKS[destination.state]}")
        for hop in destination.hops:
            lines.append(f"  {MARKS[hop.state]:<10} {hop.what}: {hop.detail}")
    return lines


def run_explain(project: str | Path = ".", *, plan: str | None = None, output: str = "text") -> int:
    project_dir = Path(project).expanduser()
    if not project_dir.is_dir():
        raise ScaffoldError(f"project: {quoted(project_dir)} is not a folder")
    with project_folder(project_dir, read_only=True) as folder:
        refuse_if_pending(folder, "explain")
        marked = files_with_conflict_markers(project_dir)
        if marked:
            for path in marked:
                say(f"conflict: {path} still holds conflict markers; resolve them")
            return EXIT_RULES_BROKEN
        destinations = explain_project(project_dir, load_document(plan) if plan else None)
    missing = [d for d in destinations if d.state == MISSING]
    unknown = [d for d in destinations if d.state == NOT_JUDGED]
    if output == "json":
        say(
            json.dumps(
                {
                    "project": str(project_dir.absolute()),
                    "judged_from": "the configuration alone" if plan is None else "the plan or state",
                    "destinations": [d.as_json() for d in destinations],
                    "missing": len(missing),
                    "not_judged": len(unknown),
                },
                indent=2,
            )
        )
    else:
        for line in text_lines(destinations):
            say(line)
        if not destinations:
            say("the function needs no path: no connect target, no AWS service called, no internet asked for")
        count = len(destinations)
        say(
            f"{project_dir.absolute()}: {count} destination{'' if count == 1 else 's'},"
            f" {len(missing)} missing a hop, {len(unknown)} not judged"
            + ("" if plan is not None or not unknown else " (give --plan to judge the rest)")
        )
    return EXIT_RULES_BROKEN if missing else 0
