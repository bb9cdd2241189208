"""A folder's exact state, for tests that prove a run changed nothing (or what it changed)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

READS_ANY_FILE = os.geteuid() == 0  # root reads a file whatever its permission bits


def tree_state(folder: Path, *, folder_mtimes: bool = False) -> dict[str, tuple[object, ...]]:
    """Every entry below folder, by relative path.

    Links: ("link", target), never followed. Folders: ("folder", mode), with their mtime
    too when asked. FIFOs: ("fifo", mode), never opened. Files: ("file", mode, mtime,
    sha256 of the bytes, or None for a file the test cannot read).
    """
    found: dict[str, tuple[object, ...]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        relative = path.relative_to(folder).as_posix()
        if stat.S_ISLNK(info.st_mode):
            found[relative] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            mode = stat.S_IMODE(info.st_mode)
            found[relative] = ("folder", mode, info.st_mtime_ns) if folder_mtimes else ("folder", mode)
        elif stat.S_ISFIFO(info.st_mode):
            found[relative] = ("fifo", stat.S_IMODE(info.st_mode))
        else:
            readable = info.st_mode & stat.S_IRUSR or READS_ANY_FILE
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if readable else None
            found[relative] = ("file", stat.S_IMODE(info.st_mode), info.st_mtime_ns, digest)
    return found
