"""`vpc-lambda-new add-function NAME [DIR]` and `remove-function NAME [DIR]`: a change of
the project's answer `functions`, written as `update` writes (its three-way merge,
journal and lock), recorded, and checked afterwards."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

from scaffold.answers import QUESTIONS_BY_KEY, Answers, RawAnswer
from scaffold.answers.functions import (
    FUNCTION_KEYS,
    SECURITY_GROUP_MODES,
    SHARED_CONNECT,
    cold_start_problem,
    parse_function_name,
    parse_security_group,
)
from scaffold.console import say
from scaffold.errors import InvalidAnswer, ScaffoldError
from scaffold.project import recorded_answers
from scaffold.update import run_update

# An added function's own answer, beside the settings every function has.
SECURITY_GROUP_FLAG = "--security-group"


def add_function_flags(parser: argparse.ArgumentParser) -> None:
    """The settings of one function, each the flag of the project question of that key."""
    for key in FUNCTION_KEYS:
        question = QUESTIONS_BY_KEY[key]
        if question.is_yes_no:
            parser.add_argument(
                question.flag, dest=key, action=argparse.BooleanOptionalAction, default=None,
                help=f"{question.prompt} (default: off)",
            )  # fmt: skip
            continue
        shown = f" {question.accepts}" if question.accepts else ""
        default = "the project's first function's" if key in FROM_THE_FIRST else question.default
        parser.add_argument(
            question.flag, dest=key, metavar=key.upper(),
            help=f"{question.prompt};{shown} (default: {default})".replace("%", "%%"),
        )  # fmt: skip
    connect = QUESTIONS_BY_KEY["connect"]
    parser.add_argument(
        connect.flag, dest="connect", metavar="CONNECT", action="append",
        help=f"what this function is in the VPC for, repeatable; {connect.accepts}; needs"
        " --security-group own (on the shared group it reaches what the first function's"
        " targets admit) (default: none)".replace("%", "%%"),
    )  # fmt: skip
    parser.add_argument(
        SECURITY_GROUP_FLAG,
        dest="security_group",
        metavar="shared|own",
        help="; ".join(f"{key}: {text}" for key, text in SECURITY_GROUP_MODES.items())
        + " (default: shared)",
    )


# What an added function takes from the project's first one unless told otherwise.
FROM_THE_FIRST = ("runtime", "architecture", "iam")


def given_settings(options: argparse.Namespace) -> dict[str, RawAnswer]:
    found = {}
    for key in (*FUNCTION_KEYS, "connect", "security_group"):
        value = getattr(options, key, None)
        if isinstance(value, list):  # --connect, given once or more
            value = ",".join(value)
        if value is not None:
            flag = SECURITY_GROUP_FLAG if key == "security_group" else QUESTIONS_BY_KEY[key].flag
            found[key] = RawAnswer(value, flag)
    return found


def parsed(given: Mapping[str, RawAnswer]) -> dict[str, object]:
    """Each given setting parsed by its question; bad input names its flag."""
    found: dict[str, object] = {}
    for key, raw in given.items():
        parse = parse_security_group if key == "security_group" else QUESTIONS_BY_KEY[key].parse
        try:
            found[key] = parse(raw.value)
        except InvalidAnswer as problem:
            raise ScaffoldError(f"{raw.source}: {problem}") from None
    return found


def run_add_function(
    project: str | os.PathLike[str],
    name: str,
    given: Mapping[str, RawAnswer],
    *,
    interactive: bool = False,
    dry_run: bool = False,
) -> int:
    if not os.path.isdir(project) and os.path.isdir(name):
        raise ScaffoldError(
            f"DIR: {str(project)!r} is not a folder, and {name!r} is: NAME comes first"
            f" (add-function {os.fspath(project)} {name})"
        )
    function = function_name(name, project)
    settings = parsed(given)
    early = cold_start_problem(settings)  # flags no answer can reconcile: before any question
    if early is not None:
        raise ScaffoldError(f"{given['snapstart'].source if 'snapstart' in given else '--snapstart'}: {early}")

    def added(recorded: Answers) -> list[dict[str, object]]:
        existing = next((item for item in recorded.functions if item.name == function), None)
        if existing is not None and not settings:
            raise ScaffoldError(
                f"NAME: the project already has a function {function!r}; give the settings to"
                f" change (vpc-lambda-new add-function {function} --memory 1024 ...), or"
                " remove-function it first"
            )
        offered: dict[str, object] = (
            {**existing.settings(), "security_group": existing.security_group, "connect": existing.connect}
            if existing is not None
            else {
                **{key: QUESTIONS_BY_KEY[key].default for key in FUNCTION_KEYS},
                **{key: getattr(recorded, key) for key in FROM_THE_FIRST},
                "security_group": "shared",
            }
        )
        chosen = dict(settings)
        if interactive and existing is None:
            from scaffold.wizard import ask_function

            chosen = ask_function(function, offered, chosen)
        spec = {**offered, **chosen}
        problem = cold_start_problem(spec)
        if problem is not None:
            blamed = given["snapstart"].source if "snapstart" in given else "--snapstart"
            inherited = "runtime" not in given and existing is None
            hint = " (the first function's runtime; give --runtime python3.12 or later)" if inherited else ""
            raise ScaffoldError(f"{blamed}: {problem}{hint}")
        targets = spec.pop("connect", ())
        assert isinstance(targets, tuple)
        if targets and spec["security_group"] != "own":
            raise ScaffoldError(f"--connect: {SHARED_CONNECT}")
        for target in targets:
            if target.region is not None and target.region != recorded.region:
                raise ScaffoldError(f"--connect: {target.text!r} is in {target.region}, not the project's region {recorded.region}")
        entry = {"name": function, **spec, "connect": [target.text for target in targets]}
        return [entry if item.name == function else item.to_record() for item in recorded.functions] + (
            [] if existing is not None else [entry]
        )

    return run_update(project, {}, dry_run=dry_run, functions=added, verb=verb_of(project, function))


def verb_of(project: str | os.PathLike[str], function: str) -> str:
    """How the report begins: "Added NAME to", or "Changed NAME in" for one the project has."""
    with suppress(ScaffoldError, OSError):
        if any(item.name == function for item in recorded_answers(Path(project)).functions):
            return f"Changed {function} in"
    return f"Added {function} to"


def function_name(name: str, project: str | os.PathLike[str]) -> str:
    """NAME, parsed; one that looks like the project folder is pointed out (NAME comes first)."""
    try:
        return parse_function_name(name)
    except InvalidAnswer as problem:
        looks_like_a_folder = "/" in name or os.path.isdir(name)
        order = f" (NAME comes first: add-function NAME {name})" if looks_like_a_folder else ""
        raise ScaffoldError(f"NAME: {problem}{order}") from None


def run_remove_function(
    project: str | os.PathLike[str], name: str, *, dry_run: bool = False
) -> int:
    def removed(recorded: Answers) -> list[dict[str, object]]:
        names = [item.name for item in recorded.functions]
        if name not in names:
            first = f" (the first function, {recorded.name}, goes only with the project)"
            if name == recorded.name:
                raise ScaffoldError(
                    f"NAME: {name!r} is the project's first function: its network, security"
                    " group and role serve the others; remove the added ones, or the project"
                )
            known = ", ".join(names) if names else "none"
            raise ScaffoldError(f"NAME: no added function {name!r}; the added ones: {known}{first}")
        return [item.to_record() for item in recorded.functions if item.name != name]

    code = run_update(project, {}, dry_run=dry_run, functions=removed, verb=f"Removed {name} from")
    if code == 0 and not dry_run:
        say(
            f"Next: terraform apply destroys {name} (its function, role, log group and, with a"
            " group of its own, the group, once Lambda has released its interfaces: up to 20"
            " to 45 minutes)"
        )
    return code
