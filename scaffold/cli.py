"""The console script: flags and answers files -> validated answers -> rendered project.

Exit codes: 0 done, 2 bad input (one line on stderr), 130 interrupted, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from scaffold import __version__
from scaffold.answers import QUESTIONS, QUESTIONS_BY_KEY, RawAnswer, build_answers
from scaffold.errors import ScaffoldError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
ANSWERS_FILE_METADATA = {"_generator"}


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ScaffoldError(message)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new",
        description="Generate a Terraform project for an AWS Lambda function inside a VPC."
        " In a terminal with no flags it asks; flags and --answers pre-answer questions.",
    )
    for question in QUESTIONS:
        if question.is_yes_no:
            parser.add_argument(
                question.flag,
                dest=question.key,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{question.prompt} (default: {'on' if question.default else 'off'})",
            )
            continue
        if question.choices:
            shown = "; ".join(f"{key}: {text}" for key, text in question.choices.items())
        else:
            shown = ""
        parser.add_argument(
            question.flag,
            dest=question.key,
            metavar=question.key.upper(),
            # argparse expands %-formats in help text; the descriptions may contain "%".
            help=f"{question.prompt} (default: {question.default}){'. ' + shown if shown else ''}".replace(
                "%", "%%"
            ),
        )
    parser.add_argument(
        "--answers", metavar="FILE", help="read answers from a YAML or JSON file; flags override it"
    )
    parser.add_argument(
        "--no-input",
        action="store_true",
        help="never prompt (implied when stdin is not a terminal)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into an existing non-empty project folder, replacing only generated files",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the files that would be written, write nothing",
    )
    parser.add_argument("--version", action="version", version=f"vpc-lambda-new {__version__}")
    return parser


def load_answers_file(path: str) -> dict[str, RawAnswer]:
    if not path.strip():
        raise ScaffoldError("--answers: the file name is empty")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScaffoldError(f"--answers: {path} does not exist") from None
    except IsADirectoryError:
        raise ScaffoldError(f"--answers: {path} is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as problem:
        reason = problem.strerror if isinstance(problem, OSError) else "not UTF-8 text"
        raise ScaffoldError(f"--answers: cannot read {path}: {reason}") from None
    data = parse_answers_text(path, text)
    if not isinstance(data, dict):
        raise ScaffoldError(f"--answers: {path} must hold a mapping of question keys to answers")
    raw: dict[str, RawAnswer] = {}
    for key, value in data.items():
        if key in ANSWERS_FILE_METADATA:
            continue
        if not isinstance(key, str) or key not in QUESTIONS_BY_KEY:
            known = ", ".join(QUESTIONS_BY_KEY)
            raise ScaffoldError(f"--answers: unknown key {key!r} in {path}; known keys: {known}")
        raw[key] = RawAnswer(value, f"{key} in {path}")
    return raw


def parse_answers_text(path: str, text: str) -> object:
    if path.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as problem:
            raise ScaffoldError(
                f"--answers: {path} is not valid JSON: {problem.msg} at line {problem.lineno}"
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        reason = getattr(problem, "problem", None) or "malformed"
        raise ScaffoldError(f"--answers: {path} is not valid YAML: {reason}{where}") from None


def collect_raw_answers(options: argparse.Namespace) -> dict[str, RawAnswer]:
    # `--answers ""` (an unset variable in a pipeline) is an error, not "no file".
    raw = load_answers_file(options.answers) if options.answers is not None else {}
    for question in QUESTIONS:
        value = getattr(options, question.key)
        if value is not None:
            raw[question.key] = RawAnswer(value, question.flag)
    return raw


def run(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    raw = collect_raw_answers(options)
    if not options.no_input and sys.stdin.isatty():
        from scaffold.wizard import ask

        answers = ask(raw, force=options.force)
        if answers is None:
            print("Nothing was written.")
            return 0
    else:
        answers = build_answers(raw)

    from scaffold.render import render_project

    result = render_project(answers, force=options.force, dry_run=options.dry_run)
    if not result.written:
        print(f"Would write {result.project_dir}/:")
        for file in result.files:
            print(f"  {file}")
        return 0
    print(f"Created {result.project_dir}/ ({len(result.files)} files)")
    print(f"Next: cd {result.project_dir} && terraform init && terraform apply")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except ScaffoldError as problem:
        print(f"vpc-lambda-new: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at a prompt
        print("\nvpc-lambda-new: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as problem:
        if os.environ.get("VPC_LAMBDA_NEW_DEBUG"):
            raise
        print(
            f"vpc-lambda-new: internal error: {type(problem).__name__}: {problem}"
            " (set VPC_LAMBDA_NEW_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
