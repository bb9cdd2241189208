#!/usr/bin/env python3
"""Rebuild the deployment zips, byte for byte as vpc-lambda-new built them:
build/function.zip from src/, and build/functions/NAME.zip from functions/NAME/src/
for each function added with vpc-lambda-new add-function.

Run after editing a handler: python3 scripts/build_package.py
Each zip is deterministic (sorted entries, fixed timestamps and modes), so a
function's source_code_hash changes only when its code does.
"""

import os
import sys
import tempfile
import zipfile
from pathlib import Path

# Zip's own epoch: no build time leaks into the archive.
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644


def packages(project_dir: Path) -> list[tuple[Path, Path]]:
    """(source folder, zip) of every function of the project."""
    found = [(project_dir / "src", project_dir / "build" / "function.zip")]
    added = project_dir / "functions"
    if added.is_dir():
        for folder in sorted(added.iterdir()):
            if (folder / "src").is_dir():
                found.append((folder / "src", project_dir / "build" / "functions" / f"{folder.name}.zip"))
    return found


def build_package(project_dir: Path) -> list[Path]:
    """Every function's zip, rebuilt; their paths."""
    return [build_zip(source, target) for source, target in packages(project_dir)]


def build_zip(source: Path, target: Path) -> Path:
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
    for built in build_package(project):
        print(built)
