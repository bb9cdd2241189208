"""The console script: flags and answers files -> validated answers -> rendered project.

Three commands share one set of questions and validators:
  vpc-lambda-new [FLAGS]              generate a project (the wizard in a terminal)
  vpc-lambda-new update [DIR] [FLAGS] re-render a generated project, keeping every edit
  vpc-lambda-new check [DIR]          report the guide's rules a project breaks
  vpc-lambda-new explain [DIR]        every path the function needs, or the missing hop

Exit codes: 0 done; 1 anything else; 2 bad input (one line on stderr, nothing
changed); 3 update written but conflicts remain; 4 check (or the check after an
update) found broken rules, or explain a missing path; 130 interrupted (nothing changed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from scaffold import __version__
from scaffold.answers import QUESTIONS, RawAnswer
from scaffold.answers.parsers import NO, YES
from scaffold.console import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    lost_output,
    lost_output_line,
    say,
)
from scaffold.errors import ScaffoldError

COMMANDS = ("update", "check", "explain", "emulator")
# The words a yes-or-no flag takes as its value, as answers files do.
YES_OR_NO = (*YES, *NO)


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        stray = message.removeprefix("unrecognized arguments: ")
        if stray != message and not stray.startswith("-") and self.prog == "vpc-lambda-new":
            message += (
                " (the project's name goes in --name; commands are update, add-function,"
                " remove-function, check, explain, bootstrap and emulator)"
            )
        raise ScaffoldError(message)


def yes_no_values(arguments: Sequence[str]) -> list[str]:
    """`--flag VALUE` and `--flag=VALUE` of a yes-or-no question, with VALUE one of the
    answers' own words (`--connect-ingress off`), as `--flag` or `--no-flag`; anything else
    as given, so a positional after a flag stays a positional."""
    flags = {question.flag for question in QUESTIONS if question.is_yes_no}
    found: list[str] = []
    index = 0
    while index < len(arguments):
        token = arguments[index]
        flag, equals, value = token.partition("=")
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if flag in flags and not equals and following is not None and following.strip().lower() in YES_OR_NO:
            value, equals, index = following, "=", index + 1
        if flag in flags and equals:
            word = value.strip().lower()
            if word not in YES_OR_NO:
                raise ScaffoldError(f"{flag}: {value!r} is not yes or no (on, off, true, false, ...)")
            token = flag if word in YES else "--no-" + flag[2:]
        found.append(token)
        index += 1
    return found


def add_question_flags(parser: argparse.ArgumentParser, *, update: bool = False) -> None:
    """One flag per question, shared by generation and update.

    An update's default is each recorded answer, and it has no --output-dir: the
    project stays where it is.
    """
    for question in QUESTIONS:
        if (update and question.key == "output_dir") or not question.asked:
            continue
        default = "as recorded" if update else question.default_label
        if question.is_yes_no:
            if update or callable(question.default):
                on_off = default
            else:
                on_off = "on" if question.default else "off"
            parser.add_argument(
                question.flag,
                dest=question.key,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{question.prompt}; {question.flag} on|off, or --no-{question.flag[2:]}"
                f" (default: {on_off})",
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
            action="append" if question.repeatable else "store",
            # argparse expands %-formats in help text; the descriptions may contain "%".
            help=f"{question.prompt}{'; ' + question.accepts if question.accepts else ''}"
            f" (default: {default}){'. ' + shown if shown else ''}".replace("%", "%%"),
        )
    parser.add_argument(
        "--answers", metavar="FILE", help="read answers from a YAML or JSON file; flags override it"
    )
    parser.add_argument(
        "--no-input",
        action="store_true",
        help="never prompt (implied when stdin is not a terminal)",
    )


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new",
        description="Generate a Terraform project for an AWS Lambda function inside a VPC."
        " In a terminal with no flags it asks; flags and --answers pre-answer questions.",
        epilog="Commands: `vpc-lambda-new update [DIR]` re-renders a generated project with new"
        " answers or a newer vpc-lambda-new, keeping every edit; `vpc-lambda-new check [DIR]`"
        " reports the Lambda VPC guide's rules a project breaks; `vpc-lambda-new explain [DIR]`"
        " prints every path the function needs, hop by hop, or the missing one;"
        " `vpc-lambda-new add-function NAME [DIR]` and `remove-function NAME [DIR]` add a"
        " function to the project's network, or remove one;"
        " `vpc-lambda-new bootstrap [DIR]"
        " --github-repository OWNER/REPO` adds bootstrap/, what CI needs in AWS before its"
        " first plan; `vpc-lambda-new emulator` serves"
        " a local AWS API emulator for a project's `make local`. Each takes --help."
        " Exit codes: 0 done, 1 internal error, 2 bad input, 3 update left conflicts,"
        " 4 broken rules or a missing path, 130 interrupted.",
    )
    add_question_flags(parser)
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into an existing folder: a generated project is updated (edits kept, as"
        " `update` does); in any other folder only files that do not exist yet are written",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the files that would be written and the fixed monthly cost, write nothing",
    )
    parser.add_argument("--version", action="version", version=f"vpc-lambda-new {__version__}")
    return parser


def add_project_dir(parser: ArgumentParser) -> None:
    parser.add_argument(
        "project_dir", nargs="?", default=".", metavar="DIR", help="the project (default: .)"
    )


def add_diff_dry_run(parser: ArgumentParser) -> None:
    """--dry-run of the commands that change a project: the diff, nothing written."""
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print a unified diff of what would change, write nothing",
    )


def build_update_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new update",
        description="Re-render a generated project with the current vpc-lambda-new and the"
        " recorded answers (flags and --answers change them). Files you never edited are"
        " replaced, your edits are kept or merged three-way, overlapping changes are marked"
        " with conflict markers, and files you added are never touched.",
        epilog="Exit codes: 0 done, 1 internal error (nothing changed, or the change undone),"
        " 2 bad input (nothing changed), 3 written but conflicts remain (each conflicted file"
        " named on stderr; with --dry-run: would remain), 4 written but the project breaks a"
        " rule of the guide, 130 interrupted (nothing changed).",
    )
    add_project_dir(parser)
    add_question_flags(parser, update=True)
    add_diff_dry_run(parser)
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="for a project generated before update existed: a folder holding what that"
        " version generated for the same answers, used as the common ancestor of the merge",
    )
    return parser


def build_add_function_parser() -> ArgumentParser:
    from scaffold.function_commands import add_function_flags

    parser = ArgumentParser(
        prog="vpc-lambda-new add-function",
        description="Add a function to a generated project: its handler and tests in"
        " functions/NAME/, its package, execution role and log group, its settings in"
        " terraform.tfvars, in the project's private subnets and, by default, on the first"
        " function's security group (Lambda's interfaces are then shared). Written as"
        " `update` writes, keeping every edit; in a terminal it asks what no flag gives.",
        epilog="The function is named PROJECT_NAME in AWS (orders_worker). An existing NAME with"
        " flags changes those settings of it. At most 10 added functions. Exit codes: 0 done, 1 internal error,"
        " 2 bad input (nothing changed), 3 written but conflicts remain, 4 written but the"
        " project breaks a rule of the guide, 130 interrupted (nothing changed).",
    )
    parser.add_argument("name", metavar="NAME", help="the function's name in the project: lower-case letters, digits and hyphens")
    add_project_dir(parser)
    add_function_flags(parser)
    parser.add_argument("--no-input", action="store_true", help="never prompt (implied when stdin is not a terminal)")
    add_diff_dry_run(parser)
    return parser


def build_remove_function_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new remove-function",
        description="Remove a function added with add-function: its folder functions/NAME/"
        " (files you edited are kept and reported), its package and its settings; your edits"
        " elsewhere stay. The project's first function is never removed. `terraform apply`"
        " then destroys the function, its role and its log group.",
        epilog="Exit codes: 0 done, 1 internal error, 2 bad input (nothing changed), 3 written"
        " but conflicts remain, 4 written but the project breaks a rule of the guide, 130"
        " interrupted (nothing changed).",
    )
    parser.add_argument("name", metavar="NAME", help="the added function's name")
    add_project_dir(parser)
    add_diff_dry_run(parser)
    parser.add_argument("--no-input", action="store_true", help="accepted for pipelines; it never asks")
    return parser


def build_bootstrap_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new bootstrap",
        description="Add bootstrap/ to a generated project: a Terraform root module an"
        " administrator applies once, before CI's first plan (and again after changing it). It creates the"
        " permissions boundary and the deployer policy, GitHub's OIDC provider (or uses the"
        " account's), a read-only role for the repository's pull requests and a role holding"
        " the deployer policy for its main branch, and the state bucket when the project keeps"
        " its state in S3."
        " The project is updated as `update` does it, keeping your edits.",
        epilog="Exit codes: as update's (0 done, 1 internal error, 2 bad input, 3 conflicts,"
        " 4 the project breaks a rule of the guide, 130 interrupted).",
    )
    add_project_dir(parser)
    parser.add_argument(
        "--github-repository",
        metavar="OWNER/REPO",
        help="the GitHub repository whose CI plans the project, exactly as GitHub spells it"
        " (default: the recorded one)",
    )
    add_diff_dry_run(parser)
    return parser


def add_plan_file(parser: argparse.ArgumentParser) -> None:
    """--plan, as check and explain take it."""
    parser.add_argument(
        "--plan",
        metavar="FILE",
        help="the JSON of a plan or state: terraform show -json PLANFILE > FILE",
    )


def build_check_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new check",
        description="Report every rule of the Lambda VPC guide (and of this project) that a"
        " generated project breaks, one line each. Without --plan it judges the Terraform"
        " text and names the rules it could not judge; with --plan it judges the values"
        " Terraform resolved.",
        epilog="Waive a finding beside its resource, with the reason: `# vpc-lambda-new:ignore=RULE-ID"
        " reason` in the block or directly above it. Exit codes: 0 no rule broken (of --fail-on's"
        " severity, not waived), 1 internal error, 2 bad input, 4 at least one rule broken, 130"
        " interrupted.",
    )
    add_project_dir(parser)
    add_plan_file(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text for people; json, or sarif (SARIF 2.1.0, for code scanning) for machines"
        " (default: text)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="exit 4 when a rule of this severity or above is broken and not waived: error"
        " (a rule of the guide or of AWS) or warning (a convention of this project)"
        " (default: error)",
    )
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="print every rule (id, severity, what it checks, the document it enforces) and exit",
    )
    return parser


def build_explain_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new explain",
        description="Print every path the function needs (each --connect target, each AWS"
        " service the handler calls, the internet where the answers ask for it), hop by hop:"
        " the route, the function's egress rule, the far side's rule or endpoint; or the"
        " first hop that is missing. Without --plan it judges the Terraform text, and a hop"
        " known only at plan time is not judged, never passed.",
        epilog="A hop is ok, MISSING, not judged (a value known only to a plan or to AWS:"
        " never a pass), or skipped (the generated handler's STS probe, switched off where STS"
        " has no path). Exit codes: 0 no path misses a hop (the not judged ones are listed),"
        " 1 internal error, 2 bad input, 4 a path misses a hop, 130 interrupted.",
    )
    add_project_dir(parser)
    add_plan_file(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people, json for machines (default: text)",
    )
    return parser


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def release_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return seconds


def build_emulator_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="vpc-lambda-new emulator",
        description="Serve a local AWS API emulator on 127.0.0.1 for a generated project's"
        " `make local`: moto, made to refuse what AWS refuses by the same fidelity rules the"
        " test suite applies every project against (Lambda's network interfaces and what they"
        " keep busy, endpoint and route rules, IAM for the keys it issues). Needs the extra:"
        " in vpc-lambda-new's folder, pip install '.[emulator]'.",
        epilog="Exit codes: 0 stopped (Ctrl-C or SIGTERM), 1 internal error, 2 bad input (a"
        " port that cannot be served, or moto not installed).",
    )
    parser.add_argument(
        "--port", type=port_number, default=5555, help="the 127.0.0.1 port (default: 5555)"
    )
    parser.add_argument(
        "--eni-release-seconds",
        type=release_seconds,
        metavar="S",
        help="how long Lambda's network interfaces outlive their use (default: 20; AWS takes"
        " up to 20 to 45 minutes)",
    )
    return parser


def collect_raw_answers(options: argparse.Namespace) -> dict[str, RawAnswer]:
    from scaffold.answers_file import load_answers_file

    # `--answers ""` (an unset variable in a pipeline) is an error, not "no file".
    raw = load_answers_file(options.answers) if options.answers is not None else {}
    for question in QUESTIONS:
        value = getattr(options, question.key, None) if question.asked else None
        if isinstance(value, list):  # a repeatable flag, given once or more
            value = ",".join(value)
        if value is not None:
            raw[question.key] = RawAnswer(value, question.flag)
    return raw


def interactive(options: argparse.Namespace) -> bool:
    """Prompt only in a terminal without --no-input; a closed stdin means no terminal."""
    if options.no_input or sys.stdin is None:
        return False
    try:
        return sys.stdin.isatty()
    except ValueError:  # stdin was closed
        return False


def run(argv: Sequence[str] | None = None) -> int:
    arguments = yes_no_values(list(sys.argv[1:] if argv is None else argv))
    if arguments and arguments[0] == "update":
        from scaffold.update import run_update

        options = build_update_parser().parse_args(arguments[1:])
        return run_update(
            options.project_dir,
            collect_raw_answers(options),
            interactive=interactive(options),
            dry_run=options.dry_run,
            baseline=options.baseline,
        )
    if arguments and arguments[0] == "add-function":
        from scaffold.function_commands import given_settings, run_add_function

        adding = build_add_function_parser().parse_args(arguments[1:])
        return run_add_function(
            adding.project_dir,
            adding.name,
            given_settings(adding),
            interactive=interactive(adding),
            dry_run=adding.dry_run,
        )
    if arguments and arguments[0] == "remove-function":
        from scaffold.function_commands import run_remove_function

        removing = build_remove_function_parser().parse_args(arguments[1:])  # --no-input: it never asks
        return run_remove_function(removing.project_dir, removing.name, dry_run=removing.dry_run)
    if arguments and arguments[0] == "bootstrap":
        from scaffold.bootstrap import run_bootstrap

        chosen = build_bootstrap_parser().parse_args(arguments[1:])
        return run_bootstrap(chosen.project_dir, chosen.github_repository, dry_run=chosen.dry_run)
    if arguments and arguments[0] == "emulator":
        # Imported here: moto comes with an optional extra, and generation never needs it.
        from scaffold.emulator.command import run_emulator

        emulator = build_emulator_parser().parse_args(arguments[1:])
        return run_emulator(port=emulator.port, eni_release_seconds=emulator.eni_release_seconds)
    if arguments and arguments[0] == "check":
        from scaffold.check import run_check

        checked = build_check_parser().parse_args(arguments[1:])
        if checked.list_rules:
            from scaffold.check.report import rule_table

            for line in rule_table():
                say(line)
            return EXIT_OK
        return run_check(
            checked.project_dir, plan=checked.plan, output=checked.format, fail_on=checked.fail_on
        )
    if arguments and arguments[0] == "explain":
        from scaffold.check.explain import run_explain

        explained = build_explain_parser().parse_args(arguments[1:])
        return run_explain(explained.project_dir, plan=explained.plan, output=explained.format)
    options = build_parser().parse_args(arguments)
    from scaffold.generate import run_generate

    return run_generate(
        collect_raw_answers(options),
        interactive=interactive(options),
        force=options.force,
        dry_run=options.dry_run,
    )


def main(argv: Sequence[str] | None = None) -> int:
    lost_output.clear()  # of this run only (the tests run many in one process)
    code = run_reporting_errors(argv)
    lost = lost_output_line()
    if lost is not None:
        say(lost, error=True)
    return code


def run_reporting_errors(argv: Sequence[str] | None) -> int:
    from scaffold.signals import interrupts_as_exceptions

    try:
        with interrupts_as_exceptions():
            return run(argv)
    except ScaffoldError as problem:
        say(f"vpc-lambda-new: error: {problem}", error=True)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, SIGTERM, or Ctrl-D at a prompt
        say("\nvpc-lambda-new: interrupted; nothing was written", error=True)
        return EXIT_INTERRUPTED
    except Exception as problem:
        if os.environ.get("VPC_LAMBDA_NEW_DEBUG"):
            raise
        say(
            f"vpc-lambda-new: internal error: {type(problem).__name__}: {problem}"
            " (set VPC_LAMBDA_NEW_DEBUG=1 for a traceback)",
            error=True,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
