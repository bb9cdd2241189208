"""Reading an answers file (YAML or JSON) as untrusted input.

Pipelines and strangers write these files, so reading is bounded: only a
regular file of at most MAX_BYTES, no duplicate keys, no YAML aliases (the
"billion laughs"), no tags beyond plain data, nesting at most MAX_DEPTH deep
and integers at most MAX_INTEGER_DIGITS long. Every failure is one line that
names the file.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from scaffold.answers import QUESTIONS_BY_KEY, RawAnswer
from scaffold.errors import ScaffoldError, quoted

MAX_BYTES = 64 * 1024
MAX_DEPTH = 8
MAX_INTEGER_DIGITS = 12
# Keys the generator records beside the answers (the tool version, the baseline's digest).
METADATA_PREFIX = "_"
# The record's list of answers that took their defaults (scaffold.project).
DEFAULTS_KEY = "_defaults"


def expand_path(text: str) -> Path:
    """A user-given path: `~` is the home folder, as a shell would have it."""
    return Path(os.path.expanduser(text))


def read_bounded(path: Path, what: str, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; ScaffoldError otherwise."""
    shown = quoted(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ScaffoldError(f"{what}: {shown} does not exist") from None
    except IsADirectoryError:
        raise ScaffoldError(f"{what}: {shown} is a folder, not a file") from None
    except OSError as problem:
        raise ScaffoldError(f"{what}: cannot read {shown}: {problem.strerror}") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = "a folder, not a file" if stat.S_ISDIR(mode) else "not a regular file"
        raise ScaffoldError(f"{what}: {shown} is {kind}")
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as problem:
            raise ScaffoldError(f"{what}: cannot read {shown}: {problem.strerror}") from None
    if len(data) > limit:
        raise ScaffoldError(f"{what}: {shown} is larger than {limit // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldError(f"{what}: cannot read {shown}: not UTF-8 text") from None


def load_answers_file(text_path: str) -> dict[str, RawAnswer]:
    if not text_path.strip():
        raise ScaffoldError("--answers: the file name is empty")
    if "\0" in text_path:
        raise ScaffoldError("--answers: a file name cannot contain a NUL character")
    path = expand_path(text_path)
    data = parse_answers_text(path, read_bounded(path, "--answers"))
    shown = quoted(path)
    if not isinstance(data, dict):
        raise ScaffoldError(f"--answers: {shown} must hold a mapping of question keys to answers")
    raw: dict[str, RawAnswer] = {}
    # A project's record as an answers file: the answers it lists under _defaults were
    # nobody's choice, so they take their defaults here too (and are recorded so again).
    listed = data.get(DEFAULTS_KEY)
    defaulted = {key for key in listed if isinstance(key, str)} if isinstance(listed, list) else set()
    for key, value in data.items():
        if isinstance(key, str) and (key.startswith(METADATA_PREFIX) or key in defaulted):
            continue
        if not isinstance(key, str) or key not in QUESTIONS_BY_KEY:
            known = ", ".join(QUESTIONS_BY_KEY)
            raise ScaffoldError(f"--answers: unknown key {key!r} in {shown}; known keys: {known}")
        raw[key] = RawAnswer(value, f"{key} in {shown}")
    return raw


def parse_answers_text(path: Path, text: str) -> object:
    shown = quoted(path)
    if path.suffix.lower() == ".json":
        return parse_json(text, shown)
    data = parse_yaml(text, shown)
    check_shape(data, shown)
    return data


def parse_json(text: str, shown: str, what: str = "--answers") -> object:
    """JSON without duplicate keys, long integers or deep nesting; `what` starts each error."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key, value in pairs:
            if key in mapping:
                raise ScaffoldError(f"{what}: {shown} repeats the key {key!r}")
            mapping[key] = value
        return mapping

    def bounded_integer(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
            raise ScaffoldError(f"{what}: {shown} holds an integer too long to be an answer")
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_int=bounded_integer)
    except json.JSONDecodeError as problem:
        raise ScaffoldError(
            f"{what}: {shown} is not valid JSON: {problem.msg} at line {problem.lineno}"
        ) from None
    except RecursionError:
        raise ScaffoldError(f"{what}: {shown} nests deeper than {MAX_DEPTH} levels") from None
    check_shape(data, shown, what)
    return data


_YAML_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def parse_yaml(text: str, shown: str) -> object:
    import yaml

    # The pure-Python loader: libyaml's composer would not call the hooks below.
    class StrictLoader(yaml.SafeLoader):
        """SafeLoader that refuses aliases and duplicate keys, and bounds nesting and integers."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ScaffoldError(
                    f"--answers: {shown} uses a YAML alias at line {mark.line + 1}; write values out"
                )
            self.depth = getattr(self, "depth", 0) + 1
            try:
                if self.depth > MAX_DEPTH:
                    raise ScaffoldError(f"--answers: {shown} nests deeper than {MAX_DEPTH} levels")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key; the base class explains it
                    continue
                if duplicate:
                    raise ScaffoldError(
                        f"--answers: {shown} repeats the key {key!r} at line {key_node.start_mark.line + 1}"
                    )
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node: Any) -> Any:
            if len(str(node.value).lstrip("+-").replace("_", "")) > MAX_INTEGER_DIGITS:
                raise ScaffoldError(
                    f"--answers: {shown} holds an integer too long to be an answer"
                    f" at line {node.start_mark.line + 1}"
                )
            return super().construct_yaml_int(node)

    StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        reason = getattr(problem, "problem", None) or "malformed"
        raise ScaffoldError(f"--answers: {shown} is not valid YAML: {reason}{where}") from None
    except RecursionError:
        raise ScaffoldError(f"--answers: {shown} nests deeper than {MAX_DEPTH} levels") from None


def check_shape(data: object, shown: str, what: str = "--answers", depth: int = 0) -> None:
    """No answer nests deeper than MAX_DEPTH (JSON has no such limit of its own)."""
    if depth > MAX_DEPTH:
        raise ScaffoldError(f"{what}: {shown} nests deeper than {MAX_DEPTH} levels")
    children = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for child in children:
        check_shape(child, shown, what, depth + 1)
