"""A change to an existing project: all of it or none of it, whatever happens.

`commit_changes` writes a set of files in three phases, journaled in the
project's `.vpc-lambda-new.txn/` folder:

1. stage: every new file is written and synced under the journal folder, then
   the journal itself (written whole, then renamed into place). An interrupt
   here removes the folder: nothing changed.
2. apply, past the point of no return (signals are held back): each replaced
   or removed file is moved aside into the journal folder, each new one moved
   into place; then the journal is renamed to `committed.json`: the commit
   point. An error before it moves every file back.
3. finish: the moved-aside originals are deleted and the folder removed.

A crash (SIGKILL, power loss) leaves the journal folder; the next run on the
project calls `recover`, which rolls back an uncommitted change and finishes a
committed one, or says exactly what to do when the files have changed since.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from scaffold.answers_file import parse_json
from scaffold.baseline import BASELINE_FILE, checked_path, sha256
from scaffold.console import say
from scaffold.errors import ScaffoldError, quoted
from scaffold.project import ANSWERS_FILE
from scaffold.signals import past_point_of_no_return, signals_held
from scaffold.storage.folder import ProjectFolder, parts_of

JOURNAL_FOLDER = ".vpc-lambda-new.txn"
JOURNAL = "journal.json"
COMMITTED = "committed.json"
PARTIAL = "journal.partial"
MAX_JOURNAL_BYTES = 1024 * 1024
OWN_FILES = (ANSWERS_FILE, BASELINE_FILE)  # written by a change like any other file
_SLOT = re.compile(r"(?:new|old)\.[0-9]{1,6}")


# --- the journal ---------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One file of a write: its new bytes and mode, or None to remove it."""

    path: str
    content: bytes | None
    mode: int = 0o644


@dataclass(frozen=True)
class Operation:
    """One file of a journaled write."""

    path: str
    slot: int
    existed: bool
    new_sha256: str | None  # None: the file is removed


@dataclass(frozen=True)
class Journal:
    """A write in progress, as recorded for recovery after a crash."""

    operations: tuple[Operation, ...]
    created_folders: tuple[str, ...]  # outermost first
    emptied_folders: tuple[str, ...]  # deepest first; removed after the commit if empty

    def encode(self) -> bytes:
        return json.dumps(
            {
                "format": 1,
                "operations": [
                    {
                        "path": op.path,
                        "slot": op.slot,
                        "existed": op.existed,
                        "new_sha256": op.new_sha256,
                    }
                    for op in self.operations
                ],
                "created_folders": list(self.created_folders),
                "emptied_folders": list(self.emptied_folders),
            },
            indent=1,
        ).encode()


def in_journal(name: str) -> str:
    return f"{JOURNAL_FOLDER}/{name}"


def new_slot(operation: Operation) -> str:
    return in_journal(f"new.{operation.slot}")


def old_slot(operation: Operation) -> str:
    return in_journal(f"old.{operation.slot}")


def plan_journal(folder: ProjectFolder, changes: Sequence[Change]) -> Journal:
    operations = []
    created: list[str] = []
    for slot, change in enumerate(changes):
        info = folder.lstat(change.path)
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise ScaffoldError(
                f"project: {folder.shown(change.path)} is a folder where a file is generated"
            )
        if change.content is not None:
            created += [path for path in folder.missing_folders(change.path) if path not in created]
        operations.append(
            Operation(
                change.path,
                slot,
                existed=info is not None,
                new_sha256=None if change.content is None else sha256(change.content),
            )
        )
    removed = [change.path for change in changes if change.content is None]
    emptied = sorted(
        {
            "/".join(parts_of(path)[:depth])
            for path in removed
            for depth in range(1, len(parts_of(path)))
        },
        key=lambda path: (-path.count("/"), path),
    )
    return Journal(tuple(operations), tuple(created), tuple(emptied))


def commit_changes(folder: ProjectFolder, changes: Sequence[Change]) -> None:
    """Write all of changes or none: see the module's docstring for the phases."""
    journal = plan_journal(folder, changes)
    folder.mkdir(JOURNAL_FOLDER)
    try:
        for operation, change in zip(journal.operations, changes):
            if change.content is not None:
                folder.create(new_slot(operation), change.content, change.mode)
        folder.create(in_journal(PARTIAL), journal.encode(), 0o600)
        folder.rename(in_journal(PARTIAL), in_journal(JOURNAL))
        folder.sync(JOURNAL_FOLDER)
    except BaseException:
        past_point_of_no_return()  # undoing is not cut short
        discard_journal_folder(folder)
        raise
    past_point_of_no_return()
    committed = False
    try:
        apply(folder, journal)
        folder.rename(in_journal(JOURNAL), in_journal(COMMITTED))
        committed = True
        folder.sync(JOURNAL_FOLDER)
    except BaseException:
        if not committed:
            roll_back(folder, journal)
            raise
        # Only the sync after the commit failed: the change is complete.
    finish_with_retry(folder, journal)


def apply(folder: ProjectFolder, journal: Journal) -> None:
    for created in journal.created_folders:
        folder.mkdir(created)
    touched = {""} | {"/".join(parts_of(created)[:-1]) for created in journal.created_folders}
    for operation in journal.operations:
        if operation.existed:
            folder.rename(operation.path, old_slot(operation))
        if operation.new_sha256 is not None:
            folder.rename(new_slot(operation), operation.path)
        touched.add("/".join(parts_of(operation.path)[:-1]))
    for path in sorted(touched):
        folder.sync(path)


def roll_back(folder: ProjectFolder, journal: Journal) -> None:
    """Put every original back. Safe to repeat: each step looks at what is on disk first."""
    for operation in reversed(journal.operations):
        moved_in = operation.new_sha256 is not None and folder.lstat(new_slot(operation)) is None
        if moved_in and folder.lstat(operation.path) is not None:
            # The new version was moved into place: move it back out.
            if folder.sha256(operation.path) != operation.new_sha256:
                raise changed_since(folder, operation.path)
            folder.rename(operation.path, new_slot(operation))
        if operation.existed and folder.lstat(old_slot(operation)) is not None:
            if folder.lstat(operation.path) is not None:
                raise changed_since(folder, operation.path)
            folder.rename(old_slot(operation), operation.path)
    for created in reversed(journal.created_folders):
        with suppress(FileNotFoundError, OSError):
            folder.rmdir(created)
    discard_journal_folder(folder)


def changed_since(folder: ProjectFolder, relative: str) -> ScaffoldError:
    return ScaffoldError(
        f"project: an interrupted vpc-lambda-new run left {folder.shown(JOURNAL_FOLDER)}, and"
        f" {folder.shown(relative)} changed since: its originals are the old.* files there"
        " (new.* are the interrupted run's versions, journal.json says which is which);"
        " restore what you need, then remove that folder"
    )


def finish(folder: ProjectFolder, journal: Journal) -> None:
    """After the commit: delete the originals and the journal folder; remove emptied folders."""
    for operation in journal.operations:
        if operation.existed and folder.lstat(old_slot(operation)) is not None:
            folder.unlink(old_slot(operation))
    for emptied in journal.emptied_folders:
        # Only a folder the change left empty; one with the user's or generated files stays.
        info = folder.lstat(emptied)
        if (
            info is not None
            and stat.S_ISDIR(info.st_mode)
            and not os.listdir(folder.folder(parts_of(emptied)))
        ):
            with suppress(OSError):
                folder.rmdir(emptied)
    discard_journal_folder(folder)


def finish_with_retry(folder: ProjectFolder, journal: Journal) -> None:
    """Finishing is idempotent: one failed step (an interrupt in a test) is simply retried."""
    try:
        finish(folder, journal)
    except BaseException:  # noqa: BLE001 - past the commit nothing may fail the run
        try:
            finish(folder, journal)
        except (OSError, ScaffoldError):
            say(
                f"vpc-lambda-new: warning: could not remove {folder.shown(JOURNAL_FOLDER)};"
                " the change is complete and the next run removes it",
                error=True,
            )


def discard_journal_folder(folder: ProjectFolder) -> None:
    """Remove the journal folder and whatever staged files are in it."""
    if folder.lstat(JOURNAL_FOLDER) is None:
        return
    for name in sorted(os.listdir(folder.folder((JOURNAL_FOLDER,)))):
        if name not in (JOURNAL, COMMITTED) and (name == PARTIAL or _SLOT.fullmatch(name)):
            folder.unlink(in_journal(name))
    for name in (JOURNAL, COMMITTED):  # last: while it exists, a later run can still recover
        if folder.lstat(in_journal(name)) is not None:
            folder.unlink(in_journal(name))
    folder.rmdir(JOURNAL_FOLDER)


# --- recovery ------------------------------------------------------------------------


def pending(folder: ProjectFolder) -> bool:
    return folder.lstat(JOURNAL_FOLDER) is not None


def refuse_if_pending(folder: ProjectFolder, command: str) -> None:
    if pending(folder):
        raise ScaffoldError(
            f"project: an interrupted vpc-lambda-new run left {folder.shown(JOURNAL_FOLDER)};"
            f" `vpc-lambda-new update {quoted(folder.root)}` completes or undoes it first"
            f" (then run {command} again)"
        )


def recover(folder: ProjectFolder) -> str | None:
    """Bring back a consistent project after a crash: what was done, or None for nothing."""
    info = folder.lstat(JOURNAL_FOLDER)
    if info is None:
        return None
    if not stat.S_ISDIR(info.st_mode):
        raise ScaffoldError(
            f"project: {folder.shown(JOURNAL_FOLDER)} is not a folder vpc-lambda-new made; remove it"
        )
    names = set(os.listdir(folder.folder((JOURNAL_FOLDER,))))
    unknown = sorted(
        name
        for name in names
        if name not in (JOURNAL, COMMITTED, PARTIAL) and not _SLOT.fullmatch(name)
    )
    if unknown:
        raise ScaffoldError(
            f"project: {folder.shown(JOURNAL_FOLDER)} holds {unknown[0]!r}, which vpc-lambda-new"
            " never writes there; look at it and remove that folder yourself"
        )
    with signals_held():
        if COMMITTED in names:
            finish(folder, read_journal(folder, COMMITTED))
            return "completed the interrupted run's change (it had been committed)"
        if JOURNAL in names:
            roll_back(folder, read_journal(folder, JOURNAL))
            return "undid the interrupted run's change (it had not been committed)"
        discard_journal_folder(folder)
        return "removed the files an interrupted run had staged (nothing had changed)"


def read_journal(folder: ProjectFolder, name: str) -> Journal:

    relative = in_journal(name)
    shown = folder.shown(relative)
    damaged = ScaffoldError(
        f"project: {shown} is damaged; the interrupted run's originals are the old.* files"
        f" beside it, its new versions the new.* files: restore what you need, then remove"
        f" {folder.shown(JOURNAL_FOLDER)}"
    )
    data = folder.read(relative, MAX_JOURNAL_BYTES)
    if data is None:
        raise damaged
    try:
        record = parse_json(data.decode("utf-8"), shown, "project")
        if not isinstance(record, dict) or record.get("format") != 1:
            raise ValueError("not a journal")
        operations = tuple(journal_operation(item) for item in record["operations"])
        created = tuple(checked_path(path) for path in record["created_folders"])
        emptied = tuple(checked_path(path) for path in record["emptied_folders"])
    except (KeyError, TypeError, ValueError, ScaffoldError):  # UnicodeDecodeError is a ValueError
        raise damaged from None
    return Journal(operations, created, emptied)


def journal_operation(item: object) -> Operation:
    if not isinstance(item, dict):
        raise TypeError("not an operation")
    slot, existed, digest = item["slot"], item["existed"], item["new_sha256"]
    if not (isinstance(slot, int) and 0 <= slot < 10**6 and isinstance(existed, bool)):
        raise ValueError("not an operation")
    if digest is not None and not (
        isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)
    ):
        raise ValueError("not a digest")
    return Operation(checked_path(item["path"], also=OWN_FILES), slot, existed, digest)
