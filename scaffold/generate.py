"""`vpc-lambda-new [FLAGS]`: answers -> a new project (or, with --force, an updated one)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from scaffold.answers import Answers, RawAnswer, build_answers
from scaffold.console import say
from scaffold.update import write_project


def collect_answers(
    raw: Mapping[str, RawAnswer], interactive: bool, *, force: bool = False
) -> Answers | None:
    """The answers from flags and files, asking the rest in a terminal; None if declined."""
    if not interactive:
        return build_answers(raw)
    # Imported here: questionary and prompt_toolkit cost a start-up that --no-input never needs.
    from scaffold.wizard import ask

    return ask(raw, force=force)


def run_generate(
    options: argparse.Namespace, raw: Mapping[str, RawAnswer], interactive: bool
) -> int:
    answers = collect_answers(raw, interactive, force=options.force)
    if answers is None:
        say("Nothing was written.")
        return 0

    return write_project(answers, force=options.force, dry_run=options.dry_run)
