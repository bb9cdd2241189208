"""A generated project on disk: its answers file, the one record of how it was made.

`.vpc-lambda-new.json` holds the answers, the generator's version (`_generator`),
the digest of the baseline beside it (`_baseline`), and (topology existing) the gateway
endpoint routes an earlier release added (`_gateway_routes_adopted`). The keys that start
with `_` are the generator's; the rest are answers, so the file also works as
`--answers FILE`.
"""

from __future__ import annotations

import json
import os
import re
import stat
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from scaffold import __version__
from scaffold.answers import GATEWAY_ENDPOINTS, ID_PATTERNS, Answers, Layer, RawAnswer, walk
from scaffold.answers_file import DEFAULTS_KEY, MAX_BYTES, METADATA_PREFIX, parse_json
from scaffold.baseline import BASELINE_FILE, MAX_BASELINE_BYTES, decode_baseline
from scaffold.errors import ScaffoldError, quoted

ANSWERS_FILE = ".vpc-lambda-new.json"
ADOPTED_KEY = "_gateway_routes_adopted"
ADOPTED_ROUTE = re.compile(
    rf"(?:{'|'.join(GATEWAY_ENDPOINTS)}):{ID_PATTERNS['rtb'].pattern}"
)
# The last line of a conflict an update marked in a file.
CONFLICT_END = re.compile(rb"^>>>>>>> vpc-lambda-new ", re.MULTILINE)


def encode_record(answers: Answers, baseline_digest: str | None = None) -> bytes:
    """The answers file of a project generated from answers, byte for byte."""
    record: dict[str, object] = {"_generator": f"vpc-lambda-new {__version__}"}
    if baseline_digest is not None:
        record["_baseline"] = baseline_digest
    record.update(answers.to_record())
    defaults = sorted(key for key in answers.defaulted if key in record)
    if defaults:
        record[DEFAULTS_KEY] = defaults
    if answers.gateway_routes_adopted:
        record[ADOPTED_KEY] = list(answers.gateway_routes_adopted)
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Record:
    """A project's answers file: its answers, generator and baseline digest."""

    answers: dict[str, RawAnswer]
    generator: str  # "vpc-lambda-new 0.2.0"; "an unknown version" when the file does not say
    baseline_digest: str | None  # None: generated before update existed
    # The answers that took their defaults; empty for a record that does not say (before
    # 0.4.0), whose answers are then all kept as chosen.
    defaults: frozenset[str] = frozenset()
    gateway_routes_adopted: tuple[str, ...] = ()

    def layer(self, project_dir: Path) -> Layer:
        """The record as the lowest layer of answers, for the project where it is now."""
        return Layer(answers_in_place(self.answers, project_dir), recorded=True,
                     defaults=self.defaults, release=self.release,
                     gateway_routes_adopted=self.gateway_routes_adopted)  # fmt: skip

    @property
    def release(self) -> tuple[int, int, int] | None:
        """The release that wrote the record ("vpc-lambda-new 0.4.0"), None when unknown."""
        found = re.fullmatch(r"vpc-lambda-new (\d+)\.(\d+)\.(\d+)", self.generator)
        return (int(found[1]), int(found[2]), int(found[3])) if found else None


def parse_record(text: str, path: Path) -> Record:
    """A project's answers file, read as untrusted input like any answers file."""
    shown = quoted(path)
    record = parse_json(text, shown, "project")
    if not isinstance(record, dict):
        raise ScaffoldError(f"project: {shown} must hold a mapping of answers")
    generator = record.get("_generator")
    digest = record.get("_baseline")
    if digest is not None and not isinstance(digest, str):
        raise ScaffoldError(f"project: {shown}: _baseline must be text")
    defaults = record.get(DEFAULTS_KEY, [])
    if not isinstance(defaults, list) or not all(isinstance(key, str) for key in defaults):
        raise ScaffoldError(f"project: {shown}: _defaults must be a list of answer names")
    adopted = record.get(ADOPTED_KEY, [])
    if not isinstance(adopted, list) or not all(
        isinstance(route, str) and ADOPTED_ROUTE.fullmatch(route) for route in adopted
    ):
        raise ScaffoldError(
            f"project: {shown}: {ADOPTED_KEY} must be a list of SERVICE:ROUTE-TABLE-ID,"
            " e.g. s3:rtb-0123456789abcdef0"
        )
    raw = {
        key: RawAnswer(value, f"{key} in {shown}")
        for key, value in record.items()
        if not key.startswith(METADATA_PREFIX)
    }
    shown_generator = generator if isinstance(generator, str) else "an unknown version"
    return Record(raw, shown_generator, digest, frozenset(defaults), tuple(adopted))


def read_own_file(project_dir: Path, name: str, limit: int) -> bytes | None:
    """One of vpc-lambda-new's files in a project, bounded; None when it is missing.

    The one reader of the project's records, for every command: a symbolic link, a
    folder or a device in their place is refused, never followed or waited on.
    """
    path = project_dir / name
    shown = quoted(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as problem:
        if path.is_symlink():
            raise ScaffoldError(
                f"project: {shown} is a symbolic link; vpc-lambda-new never reads its records"
                " through one: replace it with the file"
            ) from None
        if path.is_dir():
            raise ScaffoldError(f"project: {shown} is not a regular file") from None
        raise ScaffoldError(f"project: cannot read {shown}: {problem.strerror}") from None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise ScaffoldError(f"project: {shown} is not a regular file")
        try:
            data = stream.read(limit + 1)
        except OSError as problem:
            raise ScaffoldError(f"project: cannot read {shown}: {problem.strerror}") from None
    if len(data) > limit:
        raise ScaffoldError(f"project: {shown} is larger than {limit // 1024} KiB")
    return data


def read_record(project_dir: Path) -> Record:
    """The project's answers file: refused as update refuses it, wherever it is read."""
    path = project_dir / ANSWERS_FILE
    data = read_own_file(project_dir, ANSWERS_FILE, MAX_BYTES)
    if data is None:
        raise ScaffoldError(
            f"project: {quoted(project_dir)} is not a project generated by vpc-lambda-new:"
            f" {ANSWERS_FILE} is missing"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldError(f"project: cannot read {quoted(path)}: not UTF-8 text") from None
    return parse_record(text, path)


def answers_in_place(raw: dict[str, RawAnswer], project_dir: Path) -> dict[str, RawAnswer]:
    """Recorded answers for the project where it is now (the folder may have moved)."""
    return {**raw, "output_dir": RawAnswer(str(project_dir.parent), "project folder")}


def recorded_answers(project_dir: Path) -> Answers:
    """The answers a project was generated from, validated as any answers file is."""
    return walk([read_record(project_dir).layer(project_dir)])


def files_with_conflict_markers(project_dir: Path) -> list[str]:
    """The project's files in which an update's conflict is still marked: what Terraform
    reads, and every file the generator wrote."""
    candidates = {
        path
        for pattern in ("*.tf", "*.tfvars", "modules/*/*.tf")
        for path in project_dir.glob(pattern)
    }
    with suppress(ScaffoldError, OSError, ValueError):
        baseline_file = project_dir / BASELINE_FILE
        if baseline_file.is_file() and baseline_file.stat().st_size <= MAX_BASELINE_BYTES:
            recorded = decode_baseline(baseline_file.read_bytes(), str(baseline_file))
            candidates |= {project_dir / relative for relative in recorded.paths()}
    found = []
    for path in sorted(candidates):
        with suppress(OSError):
            if path.is_file() and not path.is_symlink() and CONFLICT_END.search(path.read_bytes()):
                found.append(path.relative_to(project_dir).as_posix())
    return found


def check_target(output_dir: Path, target: Path, *, force: bool) -> bool:
    """Raise for a target we must not write; True when it is a non-empty folder (--force)."""
    if output_dir.exists() and not output_dir.is_dir():
        raise ScaffoldError(f"--output-dir: {quoted(output_dir)} exists and is not a folder")
    if target.is_symlink():
        raise ScaffoldError(
            f"--name: {quoted(target)} is a symbolic link; vpc-lambda-new never writes through one"
        )
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"--name: {quoted(target)} exists and is not a folder")
    anchor = nearest_existing(output_dir)
    if not anchor.is_dir() or not os.access(anchor, os.W_OK | os.X_OK):
        raise ScaffoldError(f"--output-dir: {quoted(anchor)} is not a writable folder")
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise ScaffoldError(f"--output-dir: {quoted(target)} is not writable")
    non_empty = target.is_dir() and any(target.iterdir())
    if non_empty and not force:
        raise ScaffoldError(
            f"--output-dir: {quoted(target)} already exists and is not empty; to change a"
            f" generated project, run `vpc-lambda-new update {quoted(target)}` (its recorded"
            " answers and your edits are kept); --force writes these answers into it instead"
        )
    return non_empty


def nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path
