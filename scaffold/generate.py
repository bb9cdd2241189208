"""`vpc-lambda-new [FLAGS]`: answers -> a new project (or, with --force, an updated one).

The pipeline, as `run_generate` reads: the answers (flags, an answers file, the wizard
in a terminal), then `write_project`: a new project is rendered into a staging folder
beside its target and renamed into place in one step; an existing folder (--force) is
updated through the update's merge and journal, never losing a byte.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from scaffold.answers import (
    Answers,
    Layer,
    RawAnswer,
    build_answers,
    given,
    walk,
    with_adopted_routes,
)
from scaffold.baseline import BASELINE_FILE, Baseline
from scaffold.console import EXIT_OK, say
from scaffold.costs import estimate, lines
from scaffold.egress import cost_lines, headline
from scaffold.errors import ScaffoldError, quoted
from scaffold.interfaces import interface_budget
from scaffold.project import ANSWERS_FILE, check_target, encode_record
from scaffold.render import GENERATOR, render_off_to_the_side
from scaffold.signals import interrupted_late
from scaffold.storage import create_folder, project_folder, recover, refuse_if_pending, step
from scaffold.update import METADATA_FILES, older_project, read_metadata, write_update


def collect_answers(
    raw: Mapping[str, RawAnswer], interactive: bool, *, force: bool = False
) -> Answers | None:
    """The answers from flags and files, asking the rest in a terminal; None if declined."""
    if not interactive:
        return build_answers(raw)
    # Imported here: questionary and prompt_toolkit cost a start-up that --no-input never needs.
    from scaffold.wizard import ask

    return ask([Layer(raw)], force=force)


def run_generate(
    answers: Mapping[str, object],
    *,
    interactive: bool = False,
    force: bool = False,
    dry_run: bool = False,
) -> int:
    """Generate a project from these answers (flags over an answers file over defaults),
    asking the rest in a terminal when `interactive`; the exit code."""
    chosen = collect_answers(given(answers), interactive, force=force)
    if chosen is None:
        say("Nothing was written.")
        return 0

    return write_project(chosen, force=force, dry_run=dry_run)


def write_project(answers: Answers, *, force: bool, dry_run: bool) -> int:
    """Generation's write: a new project, or (--force) an existing folder updated safely."""
    target = answers.project_dir
    try:
        existing = check_target(answers.output_dir, target, force=force)
    except OSError as problem:  # e.g. a path longer than the system allows
        raise ScaffoldError(f"--output-dir: {problem.strerror or problem}") from None
    if existing:
        return force_into(target, answers, dry_run=dry_run)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="vpc-lambda-new-") as scratch:
            rendered = render_off_to_the_side(answers, Path(scratch))
            files = sorted([*rendered.files, *METADATA_FILES, *rendered.derived])
        say(f"Would write {target}/:")
        for file in files:
            say(f"  {file}")
        for line in cost_lines(answers):
            say(line)
        for line in interface_budget(answers).lines():
            say(line)
        return EXIT_OK
    count = create_project(answers)
    say(f"Created {target}/ ({count} files)")
    if answers.connect:
        # Imported here: the check engine costs every generation's start-up, and only a
        # project with connect targets can be generated with a path missing (the generated
        # handler's own STS probe is switched off where STS has no path).
        from scaffold.check.explain import missing_lines

        for line in missing_lines(target):
            say(f"vpc-lambda-new: warning: {line}", error=True)
    say(lines(estimate(answers))[0])
    say(interface_budget(answers).lines()[0])
    cheapest = headline(answers)
    if cheapest:
        say(cheapest)
    if answers.state_bucket:
        maker = "bootstrap/ creates it; " if answers.github_repository else ""
        say(f"First: the S3 bucket {answers.state_bucket} must exist ({maker}README.md: Remote state)")
    say(f"Next: cd {target} && terraform init && terraform apply")
    if answers.github_repository:
        say("For CI: apply bootstrap/ once, as an administrator (README.md: CI from an empty account)")
    if interrupted_late():
        say(
            "vpc-lambda-new: the interrupt came after the point of no return; the run completed",
            error=True,
        )
    return EXIT_OK


def force_into(target: Path, answers: Answers, *, dry_run: bool) -> int:
    """--force into an existing folder: a generated project is updated with these answers;
    any other folder gets only the files it does not have."""
    with project_folder(target, read_only=dry_run) as folder:
        if dry_run:
            refuse_if_pending(folder, "--dry-run")
        else:
            recovered = recover(folder)
            if recovered:
                say(f"vpc-lambda-new: {quoted(target)}: {recovered}", error=True)
        if folder.lstat(ANSWERS_FILE) is not None:
            record, base = read_metadata(folder)
            if base is None:
                raise older_project(target, record)
            answers = with_adopted_routes(answers, record.layer(target))
            if "functions" in answers.defaulted:
                # Answers given afresh name no functions: the project's added ones stay.
                answers = replace(answers, functions=walk([record.layer(target)]).functions)
            return write_update(folder, answers, base, dry_run=dry_run, verb="Updated")
        if folder.lstat(BASELINE_FILE) is not None:
            raise ScaffoldError(
                f"--force: {quoted(target / BASELINE_FILE)} exists without {ANSWERS_FILE};"
                " restore that file or remove the baseline"
            )
        return write_update(folder, answers, None, dry_run=dry_run, verb="Wrote into")


# --- a new project ------------------------------------------------------------------------


def create_project(answers: Answers) -> int:
    """Render the project and its records into a new folder; the file count."""

    def fill(staging: Path) -> Path:
        new = render_off_to_the_side(answers, staging)
        baseline = Baseline(GENERATOR, new.files, new.derived)
        step(f"write {BASELINE_FILE}")
        (new.folder / BASELINE_FILE).write_bytes(baseline.encode())
        step(f"write {ANSWERS_FILE}")
        (new.folder / ANSWERS_FILE).write_bytes(encode_record(answers, baseline.digest()))
        return new.folder

    return create_folder(answers.project_dir, fill)
