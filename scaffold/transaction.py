"""Writing into a project folder: all of a change or none of it, whatever happens.

`ProjectFolder` reaches every path below the project through folder handles
opened with O_NOFOLLOW, so a symbolic link is never written through and never
followed out of the project, even if one appears while we work. Holding it
open also holds the project's lock (flock on the folder itself: nothing is
created for it, nothing is left behind), so a second run on the same project
stops with a clear line instead of interleaving its writes.

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

`operation_hook`, when set, is called before every file operation of this
module with the operation's name: the tests raise (or kill the process) at the
N-th to prove that every step can be interrupted.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from scaffold.answers_file import parse_json
from scaffold.baseline import BASELINE_FILE, checked_path, sha256
from scaffold.console import say
from scaffold.errors import ScaffoldError, quoted
from scaffold.project import ANSWERS_FILE
from scaffold.signals import past_point_of_no_return, signals_held

JOURNAL_FOLDER = ".vpc-lambda-new.txn"
JOURNAL = "journal.json"
COMMITTED = "committed.json"
PARTIAL = "journal.partial"
MAX_JOURNAL_BYTES = 1024 * 1024
OWN_FILES = (ANSWERS_FILE, BASELINE_FILE)  # written by a change like any other file
_SLOT = re.compile(r"(?:new|old)\.[0-9]{1,6}")

operation_hook: Callable[[str], None] | None = None


def step(operation: str) -> None:
    if operation_hook is not None:
        operation_hook(operation)


Parts = tuple[str, ...]


def parts_of(relative: str) -> Parts:
    return tuple(part for part in relative.split("/") if part)


class ProjectFolder:
    """A folder we write into, locked, every path below it reached without following a link."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            self.fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise ScaffoldError(f"project: {quoted(root)} does not exist") from None
        except NotADirectoryError:
            raise ScaffoldError(f"project: {quoted(root)} is not a folder") from None
        except OSError as problem:
            raise ScaffoldError(
                f"project: cannot open {quoted(root)}: {problem.strerror}"
            ) from None
        except ValueError:  # a NUL in the path
            raise ScaffoldError(f"project: {quoted(root)} is not a folder name") from None
        self._folders: dict[Parts, int] = {(): self.fd}

    def lock(self, *, shared: bool = False) -> None:
        """Exclusive to write; shared to read (a check, a dry run), which only writers exclude."""
        try:
            fcntl.flock(self.fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScaffoldError(
                f"project: another vpc-lambda-new run is writing {quoted(self.root)};"
                " run again when it has finished"
            ) from None

    def close(self) -> None:
        for fd in self._folders.values():
            with suppress(OSError):
                os.close(fd)
        self._folders.clear()

    def shown(self, relative: str | Parts) -> str:
        text = relative if isinstance(relative, str) else "/".join(relative)
        return quoted(self.root / text)

    # --- reaching paths -------------------------------------------------------------

    def folder(self, parts: Parts) -> int:
        """The handle of a folder below the root; ScaffoldError if a link or file is in the way."""
        if parts in self._folders:
            return self._folders[parts]
        parent = self.folder(parts[:-1])
        try:
            fd = os.open(
                parts[-1],
                os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                dir_fd=parent,
            )
        except OSError as problem:
            if problem.errno in (errno.ELOOP, errno.ENOTDIR):
                raise self.in_the_way(parts) from None
            raise
        self._folders[parts] = fd
        return fd

    def in_the_way(self, parts: Parts) -> ScaffoldError:
        info = self.lstat("/".join(parts))
        if info is not None and stat.S_ISLNK(info.st_mode):
            return ScaffoldError(
                f"project: {self.shown(parts)} is a symbolic link; vpc-lambda-new never writes"
                " through one: replace it with the folder it points to"
            )
        return ScaffoldError(f"project: {self.shown(parts)} is a file where a folder is generated")

    def entry(self, relative: str) -> tuple[int, str]:
        parts = parts_of(relative)
        return self.folder(parts[:-1]), parts[-1]

    def lstat(self, relative: str) -> os.stat_result | None:
        """The entry itself (a link is not followed); None when it or a parent folder is missing."""
        parts = parts_of(relative)
        try:
            return os.stat(parts[-1], dir_fd=self.folder(parts[:-1]), follow_symlinks=False)
        except FileNotFoundError:
            return None

    def missing_folders(self, relative: str) -> list[str]:
        """The parent folders of relative that do not exist yet, outermost first."""
        parts = parts_of(relative)
        missing = []
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            info = self.lstat(folder)
            if info is None:
                missing.append(folder)
            elif not stat.S_ISDIR(info.st_mode):
                raise self.in_the_way(parts[:depth])
        return missing

    @contextmanager
    def opened(self, relative: str) -> Iterator[int]:
        """A regular file opened for reading, never through a link."""
        folder, name = self.entry(relative)
        try:
            fd = os.open(
                name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder
            )
        except OSError as problem:
            if problem.errno == errno.ELOOP:
                raise ScaffoldError(
                    f"project: {self.shown(relative)} is a symbolic link; vpc-lambda-new never"
                    " writes through one: replace it with a file"
                ) from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ScaffoldError(f"project: {self.shown(relative)} is not a regular file")
            yield fd
        finally:
            os.close(fd)

    def read(self, relative: str, limit: int) -> bytes | None:
        """The bytes of a regular file, or None when it holds more than limit bytes."""
        with self.opened(relative) as fd:
            chunks, size = [], 0
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    return None
            return b"".join(chunks)

    def sha256(self, relative: str) -> str:
        import hashlib

        digest = hashlib.sha256()
        with self.opened(relative) as fd:
            while chunk := os.read(fd, 1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def check_writable(self, paths: Iterable[str]) -> None:
        """Refuse up front (exit 2, nothing changed) a change that would fail half-way on a
        folder we may not write: the root, for the journal, and each existing parent."""
        folders = {()} | {parts_of(path)[:-1] for path in paths}
        for parts in sorted(folders):
            existing = parts
            while existing and self.lstat("/".join(existing)) is None:
                existing = existing[:-1]
            if existing:
                parent, name = self.folder(existing[:-1]), existing[-1]
                allowed = os.access(name, os.W_OK | os.X_OK, dir_fd=parent, follow_symlinks=False)
            else:
                allowed = os.access(self.root, os.W_OK | os.X_OK)
            if not allowed:
                raise ScaffoldError(
                    f"project: {self.shown(existing) if existing else quoted(self.root)}"
                    " is not writable"
                )

    # --- changing paths (each one a counted step) ------------------------------------

    def create(self, relative: str, data: bytes, mode: int) -> None:
        """A new file (never an existing one), written and synced."""
        step(f"write {relative}")
        folder, name = self.entry(relative)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(name, flags, 0o600, dir_fd=folder)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)

    def rename(self, source: str, target: str) -> None:
        step(f"rename {source} {target}")
        source_folder, source_name = self.entry(source)
        target_folder, target_name = self.entry(target)
        os.rename(source_name, target_name, src_dir_fd=source_folder, dst_dir_fd=target_folder)

    def unlink(self, relative: str) -> None:
        step(f"unlink {relative}")
        folder, name = self.entry(relative)
        os.unlink(name, dir_fd=folder)

    def mkdir(self, relative: str) -> None:
        step(f"mkdir {relative}")
        folder, name = self.entry(relative)
        os.mkdir(name, 0o777, dir_fd=folder)

    def rmdir(self, relative: str) -> None:
        step(f"rmdir {relative}")
        parts = parts_of(relative)
        for cached in [key for key in self._folders if key[: len(parts)] == parts]:
            os.close(self._folders.pop(cached))
        os.rmdir(parts[-1], dir_fd=self.folder(parts[:-1]))

    def sync(self, relative: str = "") -> None:
        step(f"fsync {relative or '.'}")
        os.fsync(self.folder(parts_of(relative)))


@contextmanager
def project_folder(root: Path, *, read_only: bool = False) -> Iterator[ProjectFolder]:
    """The project, locked for the block: shared when read_only, else exclusive."""
    folder = ProjectFolder(root)
    try:
        folder.lock(shared=read_only)
        yield folder
    finally:
        folder.close()


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
