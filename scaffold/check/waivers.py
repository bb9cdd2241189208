"""Waivers: `# vpc-lambda-new:ignore=RULE-ID reason` beside a resource, as checkov's
`checkov:skip=ID: reason` and tflint's `tflint-ignore` work.

A waiver sits inside a block (`resource`, `data`, `module`, `variable`, `output`) or in the comment lines
directly above it, and covers the findings of its rules located in that block. Several
rules may be named, comma-separated. The reason is required: a waiver without one, or
for a rule that does not exist, waives nothing and is itself a finding (rule `waivers`).

Findings are located by file and line (`locate`): the block an entity of the model was
declared in, or the line a text rule found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffold.check.config import Module, Where

WAIVER = re.compile(r"(?:#|//)\s*vpc-lambda-new:ignore=(?P<rules>[A-Za-z0-9_,-]*)(?P<reason>.*)$")
BLOCK_START = re.compile(r'^\s*(resource|data|module|variable|output)\s+"')
COMMENT_OR_BLANK = re.compile(r"^\s*(?:(?:#|//).*)?$")
# Where a finding names its place: "ADDRESS (path:line)" or "path:line".
PLACED = re.compile(r"(?:^|\()(?P<path>[^()\s]+\.tf):(?P<line>[0-9]+)\)?$")
MODULE_PREFIX = re.compile(r"^((?:module\.[A-Za-z0-9_-]+\.?)+)")
DECLARATION = re.compile(r"^(?:(?P<folder>\S+)/)?(?P<kind>variable|output) (?P<name>\S+)$")


@dataclass(frozen=True)
class Waiver:
    rules: tuple[str, ...]
    reason: str
    where: Where  # the comment
    span: tuple[int, int] | None  # first and last line of the block it covers, in its file

    def covers(self, rule: str, place: Where | None) -> bool:
        return (
            rule in self.rules
            and bool(self.reason)
            and self.span is not None
            and place is not None
            and place.path == self.where.path
            and self.span[0] <= place.line <= self.span[1]
        )


def terraform_files(project: Path) -> Iterator[tuple[str, list[str]]]:
    """Every .tf file of the project (not Terraform's own .terraform folder): its path
    relative to the project and its lines."""
    for path in sorted(project.rglob("*.tf")):
        relative = path.relative_to(project)
        if ".terraform" in relative.parts:
            continue
        yield relative.as_posix(), path.read_text(encoding="utf-8").splitlines()


def read_waivers(project: Path) -> list[Waiver]:
    """Every waiver comment of the project's Terraform, with the block it covers."""
    found: list[Waiver] = []
    for relative, lines in terraform_files(project):
        blocks = list(block_spans(lines))
        for index, line in enumerate(lines):
            match = WAIVER.search(line)
            if match is None:
                continue
            number = index + 1
            rules = tuple(rule for rule in match["rules"].split(",") if rule)
            reason = match["reason"].strip().lstrip(":").strip()
            span = covered_block(lines, index, blocks)
            found.append(Waiver(rules, reason, Where(relative, number), span))
    return found


def block_spans(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(first line, last line) of each top-level block, by its braces outside strings."""
    start = None
    depth = 0
    for number, line in enumerate(lines, start=1):
        if depth == 0 and BLOCK_START.match(line):
            start = number
        depth += brace_balance(line)
        if start is not None and depth <= 0:
            yield start, number
            start, depth = None, 0


def brace_balance(line: str) -> int:
    """Opening minus closing braces on a line, outside quoted strings and comments."""
    balance = 0
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "#" or line.startswith("//", index):
            break
        elif char == "{":
            balance += 1
        elif char == "}":
            balance -= 1
        index += 1
    return balance


def covered_block(
    lines: list[str], index: int, blocks: Iterable[tuple[int, int]]
) -> tuple[int, int] | None:
    """The block a waiver on line index+1 covers: the one it is in, or the one its comment
    lines lead to."""
    number = index + 1
    for first, last in blocks:
        if first <= number <= last:
            return first, last
    following = index + 1
    while following < len(lines) and COMMENT_OR_BLANK.match(lines[following]):
        if not lines[following].strip():
            return None  # a blank line ends the comment: it is above nothing
        following += 1
    for first, last in blocks:
        if first == following + 1:
            return first, last
    return None


def locate(address: str, configuration: Module, project: Path) -> Where | None:
    """The file and line a finding names: its own, the declaration it names, or the call
    of the module it is in; None when it names none."""
    placed = PLACED.search(address)
    if placed:
        return Where(placed["path"], int(placed["line"]))
    declared = DECLARATION.match(address)
    if declared:
        return declaration_line(project, declared["folder"] or "", declared["kind"], declared["name"])
    prefix = MODULE_PREFIX.match(address)
    if prefix:
        module = configuration
        where = None
        for name in re.findall(r"module\.([A-Za-z0-9_-]+)", prefix.group(1)):
            call = module.calls.get(name)
            if call is None:
                break
            where = call.where
            module = module.children.get(name, module)
        return where
    return None


def declaration_line(project: Path, folder: str, kind: str, name: str) -> Where | None:
    pattern = re.compile(rf'^\s*{kind}\s+"{re.escape(name)}"')
    for relative, lines in terraform_files(project / folder if folder else project):
        if folder == "" and "/" in relative:
            continue
        for number, line in enumerate(lines, start=1):
            if pattern.match(line):
                return Where(f"{folder}/{relative}" if folder else relative, number)
    return None
