"""A new project: rendered into a staging folder beside its target, renamed into place.

The project appears whole or not at all: `create_folder` fills a locked staging
folder, syncs every file and folder, and renames it to the target in one step,
past the point of no return. A run that dies before leaves only a staging folder,
which the next run for the same project removes (`sweep_stale_staging`); a run
that fails removes the folders it created for the target.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from scaffold.errors import ScaffoldError, quoted
from scaffold.signals import past_point_of_no_return, signals_held
from scaffold.storage.folder import step

STAGING_PREFIX = ".vpc-lambda-new-staging."  # + NAME + "." + random; NAME never holds a dot


def create_folder(target: Path, fill: Callable[[Path], Path]) -> int:
    """Make `target` the folder `fill(staging)` wrote and returned (in staging); the file count."""
    with created_folders(target.parent):
        sweep_stale_staging(target.parent, target.name)
        with staging_folder(target.parent, target.name) as staging:
            made = fill(staging)
            sync_tree(made)
            count = sum(1 for path in made.rglob("*") if path.is_file())
            past_point_of_no_return()
            step(f"rename {target}")
            try:
                os.rename(made, target)
            except OSError as problem:
                if problem.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise ScaffoldError(
                        f"--output-dir: {quoted(target)} was created by another run meanwhile;"
                        " nothing was written"
                    ) from None
                raise
            # Past the rename the project is complete: nothing here may fail the run.
            with suppress(OSError):
                sync_folder(target.parent)
    return count


def sync_tree(folder: Path) -> None:
    """Every staged file and folder on disk before the rename makes them the project."""
    step(f"fsync {folder}")
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as stream:
                os.fsync(stream.fileno())
        else:
            sync_folder(path)
    sync_folder(folder)


def sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def created_folders(folder: Path) -> Iterator[None]:
    """Create folder and its missing parents; remove them again if the block fails."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    try:
        for path in reversed(missing):
            step(f"mkdir {path}")
            try:
                path.mkdir()
            except OSError as problem:  # e.g. a folder under /proc, or a read-only mount
                reason = problem.strerror or type(problem).__name__
                raise ScaffoldError(
                    f"--output-dir: cannot create {quoted(path)}: {reason}"
                ) from None
        yield
    except BaseException:
        past_point_of_no_return()  # undoing is not cut short
        for path in missing:  # deepest first; a folder something else wrote into stays
            with suppress(OSError):
                path.rmdir()
        raise


@contextmanager
def staging_folder(parent: Path, name: str) -> Iterator[Path]:
    """A locked staging folder beside the target; removed on the way out, whatever happens."""
    step(f"mkdir {parent}/{STAGING_PREFIX}{name}")
    staging: Path | None = None
    fd: int | None = None
    try:
        # An interrupt waits until the folder mkdtemp made has its name here, for the finally.
        with signals_held():
            try:
                staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}.", dir=parent))
            except OSError as problem:  # os.access can say yes to root on a read-only mount
                raise ScaffoldError(
                    f"--output-dir: cannot write in {quoted(parent)}: {problem.strerror}"
                ) from None
        # Held while we work: a later run removes only staging folders nobody holds.
        fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield staging
    finally:
        past_point_of_no_return()  # the run is ending either way: cleaning up is not cut short
        if fd is not None:
            os.close(fd)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def sweep_stale_staging(parent: Path, name: str) -> None:
    """Remove the staging folders a crashed run (SIGKILL, power loss) left for this project."""
    with suppress(OSError):
        for entry in os.scandir(parent):
            if not entry.name.startswith(f"{STAGING_PREFIX}{name}."):
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run's
            finally:
                os.close(fd)
            step(f"rmtree {entry.path}")
            shutil.rmtree(entry.path, ignore_errors=True)
