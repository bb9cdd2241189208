"""The baseline: what the generator wrote last time, the common ancestor of an update's merge.

Generation and every update record it in one dot-file beside the answers file,
`.vpc-lambda-new.baseline.json`, which Terraform, tflint and checkov all skip
(they ignore dot-files). The answers file names its digest, so a baseline that
does not belong to those answers is noticed. Text files are recorded whole;
a derived binary (the deployment zip, rebuilt from src/) only by its digest.

The file comes from the project folder, which may come from anyone: reading it
is bounded and every path in it must be a plain relative path below the
project, never outside it and never one of vpc-lambda-new's own files.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffold.answers_file import parse_json
from scaffold.errors import ScaffoldError, quoted

BASELINE_FILE = ".vpc-lambda-new.baseline.json"
BASELINE_FORMAT = 1
MAX_BASELINE_BYTES = 8 * 1024 * 1024
MAX_FILES = 1000
MAX_ENTRIES = 20 * MAX_FILES  # files and folders walked when a folder is read as a baseline
MAX_FILE_BYTES = 1024 * 1024
# The deployment zips, rebuilt by the project's scripts/build_package.py from each
# function's source folder; recorded by digest only. The first function's is
# build/function.zip from src/; each added one's build/functions/NAME.zip from
# functions/NAME/src/.
ZIP = "build/function.zip"
ADDED_ZIPS = "build/functions/"


def packages(function_names: Iterable[str]) -> dict[str, str]:
    """Each deployment zip of a project with these added functions -> its source folder."""
    return {ZIP: "src", **{f"{ADDED_ZIPS}{name}.zip": f"functions/{name}/src" for name in function_names}}


def is_derived(path: str) -> bool:
    """Whether a project path is a deployment zip (any function's, present or past)."""
    if path == ZIP:
        return True
    name = path.removeprefix(ADDED_ZIPS)
    return path.startswith(ADDED_ZIPS) and "/" not in name and name.endswith(".zip")
# vpc-lambda-new's own names at the project's root: never a generated file.
RESERVED_PREFIX = ".vpc-lambda-new"
_PART = re.compile(r"[A-Za-z0-9_@+=,.-]{1,255}")
MAX_PATH_DEPTH = 8
# Folders of tools and caches, never generated: skipped when a folder is read as a baseline.
NOT_GENERATED_FOLDERS = frozenset({".git", ".terraform", "node_modules", "__pycache__"})


def checked_path(value: object, also: Collection[str] = ()) -> str:
    """A relative path below the project, as recorded; ValueError (TypeError) otherwise.

    `also`: vpc-lambda-new's own files that are allowed here (the journal lists them).
    """
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a path")
    if value in also:
        return value
    parts = value.split("/")
    if len(parts) > MAX_PATH_DEPTH or not all(
        _PART.fullmatch(part) and part not in (".", "..") for part in parts
    ):
        raise ValueError(f"{value!r} is not a plain relative path below the project")
    if parts[0].startswith(RESERVED_PREFIX):
        raise ValueError(f"{value!r} is one of vpc-lambda-new's own files")
    return value


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Baseline:
    """What the generator last wrote: the base of update's three-way merge."""

    generator: str  # "vpc-lambda-new 0.2.0", or what an older project's answers file says
    files: Mapping[str, bytes]  # generated file -> its bytes
    derived: Mapping[str, str]  # derived binary -> sha256 of its bytes

    def paths(self) -> set[str]:
        return set(self.files) | set(self.derived)

    def encode(self) -> bytes:
        entries: dict[str, dict[str, str]] = {}
        for path, data in self.files.items():
            try:
                entries[path] = {"text": data.decode("utf-8")}
            except UnicodeDecodeError:
                entries[path] = {"base64": base64.b64encode(data).decode("ascii")}
        for path, digest in self.derived.items():
            entries[path] = {"sha256": digest}
        record = {"format": BASELINE_FORMAT, "generator": self.generator, "files": entries}
        return (json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()

    def digest(self) -> str:
        return "sha256:" + sha256(self.encode())


def decode_baseline(data: bytes, shown: str) -> Baseline:
    """Parse a baseline file's bytes; ScaffoldError naming `shown` when it is not one."""

    what = "project"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldError(f"{what}: cannot read {shown}: not UTF-8 text") from None
    record = parse_json(text, shown, what)
    if not isinstance(record, dict) or record.get("format") != BASELINE_FORMAT:
        raise ScaffoldError(
            f"{what}: {shown} is not a baseline of format {BASELINE_FORMAT} (written by a newer"
            " vpc-lambda-new, or damaged)"
        )
    generator, entries = record.get("generator"), record.get("files")
    if not isinstance(generator, str) or not isinstance(entries, dict):
        raise ScaffoldError(f"{what}: {shown} lacks its generator or its files")
    if len(entries) > MAX_FILES:
        raise ScaffoldError(f"{what}: {shown} lists more than {MAX_FILES} files")
    files: dict[str, bytes] = {}
    derived: dict[str, str] = {}
    for path, entry in entries.items():
        try:
            checked_path(path)
        except (TypeError, ValueError) as problem:
            raise ScaffoldError(f"{what}: {shown}: {problem}") from None
        kind = next(iter(entry), None) if isinstance(entry, dict) and len(entry) == 1 else None
        value = entry[kind] if kind is not None else None
        if kind == "text" and isinstance(value, str):
            files[path] = value.encode("utf-8")
        elif kind == "base64" and isinstance(value, str):
            try:
                files[path] = base64.b64decode(value, validate=True)
            except ValueError:
                raise ScaffoldError(f"{what}: {shown}: {path!r} is not valid base64") from None
        elif kind == "sha256" and isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
            derived[path] = value
        else:
            raise ScaffoldError(
                f"{what}: {shown}: the entry of {path!r} must be text, base64 or a sha256"
            )
    return Baseline(generator, files, derived)


def baseline_of_folder(folder: Path, generator: str, what: str) -> Baseline:
    """The generated files found in folder (a staged render, or a --baseline folder).

    Links, tool folders (.git, .terraform, ...) and vpc-lambda-new's own files
    are skipped; the walk is bounded in files and bytes.
    """
    files: dict[str, bytes] = {}
    derived: dict[str, str] = {}
    total = visited = 0
    for current, folders, names in os.walk(folder):
        visited += 1 + len(names)
        if visited > MAX_ENTRIES:
            raise ScaffoldError(
                f"{what}: {quoted(folder)} holds more than {MAX_ENTRIES} files and folders;"
                " give the folder of one generated project"
            )
        folders[:] = sorted(
            name
            for name in folders
            if name not in NOT_GENERATED_FOLDERS and not name.startswith(RESERVED_PREFIX)
        )
        here = Path(current)
        for name in sorted(names):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            if "/" not in relative and name.startswith(RESERVED_PREFIX):
                continue
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            try:
                checked_path(relative)
            except ValueError as problem:
                raise ScaffoldError(f"{what}: {quoted(folder)}: {problem}") from None
            if len(files) + len(derived) >= MAX_FILES:
                raise ScaffoldError(
                    f"{what}: {quoted(folder)} holds more than {MAX_FILES} files;"
                    " give the folder of one generated project"
                )
            if is_derived(relative):
                derived[relative] = file_sha256(path)
                continue
            total += info.st_size
            if info.st_size > MAX_FILE_BYTES or total > MAX_BASELINE_BYTES:
                raise ScaffoldError(
                    f"{what}: {quoted(path)} is larger than a generated file can be"
                )
            files[relative] = path.read_bytes()
    return Baseline(generator, files, derived)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
