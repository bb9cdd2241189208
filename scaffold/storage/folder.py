"""The project folder, locked, written without ever following a link.

`ProjectFolder` reaches every path below the project through folder handles
opened with O_NOFOLLOW, so a symbolic link is never written through and never
followed out of the project, even if one appears while we work. Holding it
open also holds the project's lock (flock on the folder itself: nothing is
created for it, nothing is left behind), so a second run on the same project
stops with a clear line instead of interleaving its writes.

`operation_hook`, when set, is called before every file operation of the storage
layer (`step`) with the operation's name: the tests raise (or kill the process) at
the N-th to prove that every step can be interrupted.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from scaffold.errors import ScaffoldError, quoted

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
