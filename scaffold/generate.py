"""`vpc-lambda-new [FLAGS]`: answers -> a new project (or, with --force, an updated one).

The pipeline, as `run_generate` reads: the answers (flags, an answers file, the wizard
in a terminal), then `write_project`: a new project is rendered into a staging folder
beside its target and renamed into place in one step; an existing folder (--force) is
updated through the update's merge and journal, never losing a byte.
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from scaffold.answers import Answers, Layer, RawAnswer, build_answers
from scaffold.baseline import BASELINE_FILE, DERIVED_FILES, Baseline, sha256
from scaffold.console import EXIT_OK, say
from scaffold.costs import estimate, lines
from scaffold.errors import ScaffoldError, quoted
from scaffold.project import ANSWERS_FILE, check_target, encode_record
from scaffold.signals import interrupted_late, past_point_of_no_return
from scaffold.transaction import project_folder, recover, refuse_if_pending, step
from scaffold.update import (
    GENERATOR,
    METADATA_FILES,
    ZIP,
    older_project,
    read_metadata,
    render_off_to_the_side,
    write_update,
)


def collect_answers(
    raw: Mapping[str, RawAnswer], interactive: bool, *, force: bool = False
) -> Answers | None:
    """The answers from flags and files, asking the rest in a terminal; None if declined."""
    if not interactive:
        return build_answers(raw)
    # Imported here: questionary and prompt_toolkit cost a start-up that --no-input never needs.
    from scaffold.wizard import ask

    return ask([Layer(raw)], force=force)


def run_generate(
    options: argparse.Namespace, raw: Mapping[str, RawAnswer], interactive: bool
) -> int:
    answers = collect_answers(raw, interactive, force=options.force)
    if answers is None:
        say("Nothing was written.")
        return 0

    return write_project(answers, force=options.force, dry_run=options.dry_run)


STAGING_PREFIX = ".vpc-lambda-new-staging."  # + NAME + "." + random; NAME never holds a dot


def write_project(answers: Answers, *, force: bool, dry_run: bool) -> int:
    """Generation's write: a new project, or (--force) an existing folder updated safely."""
    target = answers.project_dir
    try:
        existing = check_target(answers.output_dir, target, force=force)
    except OSError as problem:  # e.g. a path longer than the system allows
        raise ScaffoldError(f"--output-dir: {problem.strerror or problem}") from None
    if existing:
        return force_into(target, answers, dry_run=dry_run)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="vpc-lambda-new-") as scratch:
            rendered = render_off_to_the_side(answers, Path(scratch))
            files = sorted([*rendered.files, *METADATA_FILES, *DERIVED_FILES])
        say(f"Would write {target}/:")
        for file in files:
            say(f"  {file}")
        for line in lines(estimate(answers)):
            say(line)
        return EXIT_OK
    count = create_project(answers)
    say(f"Created {target}/ ({count} files)")
    say(lines(estimate(answers))[0])
    if answers.state_bucket:
        say(f"First: the S3 bucket {answers.state_bucket} must exist (README.md: Remote state)")
    say(f"Next: cd {target} && terraform init && terraform apply")
    if interrupted_late():
        say(
            "vpc-lambda-new: the interrupt came after the point of no return; the run completed",
            error=True,
        )
    return EXIT_OK


def force_into(target: Path, answers: Answers, *, dry_run: bool) -> int:
    """--force into an existing folder: a generated project is updated with these answers;
    any other folder gets only the files it does not have."""
    with project_folder(target, read_only=dry_run) as folder:
        if dry_run:
            refuse_if_pending(folder, "--dry-run")
        else:
            recovered = recover(folder)
            if recovered:
                say(f"vpc-lambda-new: {quoted(target)}: {recovered}", error=True)
        if folder.lstat(ANSWERS_FILE) is not None:
            record, base = read_metadata(folder)
            if base is None:
                raise older_project(target, record)
            return write_update(folder, answers, base, dry_run=dry_run, verb="Updated")
        if folder.lstat(BASELINE_FILE) is not None:
            raise ScaffoldError(
                f"--force: {quoted(target / BASELINE_FILE)} exists without {ANSWERS_FILE};"
                " restore that file or remove the baseline"
            )
        return write_update(folder, answers, None, dry_run=dry_run, verb="Wrote into")


# --- a new project ------------------------------------------------------------------------


def create_project(answers: Answers) -> int:
    """Render into a staging folder beside the target and rename it into place; the file count."""
    target = answers.project_dir
    with created_folders(target.parent):
        sweep_stale_staging(target.parent, answers.name)
        with staging_folder(target.parent, answers.name) as staging:
            new = render_off_to_the_side(answers, staging)
            baseline = Baseline(
                GENERATOR, new.files, {ZIP: sha256((new.folder / ZIP).read_bytes())}
            )
            step(f"write {BASELINE_FILE}")
            (new.folder / BASELINE_FILE).write_bytes(baseline.encode())
            step(f"write {ANSWERS_FILE}")
            (new.folder / ANSWERS_FILE).write_bytes(encode_record(answers, baseline.digest()))
            sync_tree(new.folder)
            count = sum(1 for path in new.folder.rglob("*") if path.is_file())
            past_point_of_no_return()
            step(f"rename {target}")
            try:
                os.rename(new.folder, target)
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
    import fcntl

    step(f"mkdir {parent}/{STAGING_PREFIX}{name}")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}.", dir=parent))
    except OSError as problem:  # os.access can say yes to root on a read-only mount
        raise ScaffoldError(
            f"--output-dir: cannot write in {quoted(parent)}: {problem.strerror}"
        ) from None
    # Held while we work: a later run removes only staging folders nobody holds.
    fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield staging
    finally:
        past_point_of_no_return()  # the run is ending either way: cleaning up is not cut short
        os.close(fd)
        shutil.rmtree(staging, ignore_errors=True)


def sweep_stale_staging(parent: Path, name: str) -> None:
    """Remove the staging folders a crashed run (SIGKILL, power loss) left for this project."""
    import fcntl

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
