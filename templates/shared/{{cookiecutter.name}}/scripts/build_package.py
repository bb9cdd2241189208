#!/usr/bin/env python3
"""Rebuild build/function.zip from src/, byte for byte as vpc-lambda-new built it.

Run after editing the handler: python3 scripts/build_package.py
The zip is deterministic (sorted entries, fixed timestamps and modes), so the
function's source_code_hash changes only when the code does.
"""

import os
import sys
import tempfile
import zipfile
from pathlib import Path

# Zip's own epoch: no build time leaks into the archive.
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644


def build_package(project_dir: Path) -> Path:
    source = project_dir / "src"
    target = project_dir / "build" / "function.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(source).parts
    )
    # Written beside the target and renamed, so a failed build never leaves half a zip.
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
            for path in files:
                entry = zipfile.ZipInfo(path.relative_to(source).as_posix(), FIXED_TIMESTAMP)
                entry.external_attr = FILE_MODE << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes(), compresslevel=9)
        os.chmod(partial, FILE_MODE)
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise
    return target


if __name__ == "__main__":
    project = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    print(build_package(project))
