"""Writing a project: a new one, or an update of an existing folder that keeps every edit.

A new project is rendered into a staging folder beside its target and moved
into place with one rename. An existing folder (`vpc-lambda-new update`, or
`--force`) is re-rendered into a scratch folder and then, file by file, against
the baseline (what the generator wrote last time):

| baseline vs new render | the file on disk               | result                                   |
|------------------------|--------------------------------|------------------------------------------|
| unchanged              | anything                       | left as it is                            |
| changed                | as generated                   | replaced                                 |
| changed                | edited                         | merged three-way; overlaps are conflicts |
| changed                | deleted                        | new version written; a conflict          |
| no longer generated    | as generated                   | removed                                  |
| no longer generated    | edited                         | kept; a conflict                         |
| newly generated        | missing                        | written                                  |
| newly generated        | a file of the user's           | the user's kept, reported                |
| never generated        | (the user's own files)         | never touched                            |

Into a folder that is not a generated project (`--force`) the same rules
apply with an empty baseline: only files that do not exist are written, the
folder's own files are all kept.

The deployment zip is derived from src/: it is rebuilt from the final src/
when the zip on disk is the generator's (as recorded, or what
scripts/build_package.py makes of the current src/), and kept and reported
otherwise. All changes are committed by `scaffold.storage.commit_changes`:
all or nothing.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.answers import Answers, Layer, RawAnswer, given, walk
from scaffold.answers_file import expand_path
from scaffold.baseline import (
    BASELINE_FILE,
    MAX_BASELINE_BYTES,
    MAX_FILE_BYTES,
    Baseline,
    baseline_of_folder,
    decode_baseline,
    is_derived,
    sha256,
)
from scaffold.console import EXIT_CONFLICTS, EXIT_OK, EXIT_RULES_BROKEN, say
from scaffold.costs import estimate, lines
from scaffold.errors import ScaffoldError, quoted
from scaffold.interfaces import interface_budget
from scaffold.merge import merge_regions
from scaffold.project import (
    ANSWERS_FILE,
    Record,
    encode_record,
    files_with_conflict_markers,
    read_own_file,
    read_record,
    recorded_answers,
)
from scaffold.render import (
    GENERATOR,
    Rendered,
    build_zip,
    render_off_to_the_side,
)
from scaffold.signals import interrupted_late, past_point_of_no_return
from scaffold.storage import (
    Change,
    ProjectFolder,
    commit_changes,
    project_folder,
    recover,
    refuse_if_pending,
)

METADATA_FILES = (ANSWERS_FILE, BASELINE_FILE)
CONFLICT_START = re.compile(rb"^<<<<<<< ", re.MULTILINE)
# The end marker names the generator: a line of a file of its own cannot be mistaken for it.


def sources_on_disk(project_dir: Path, folder: str) -> dict[str, bytes]:
    """A function's source folder (src/, functions/NAME/src/) as scripts/build_package.py
    sees it: every file, __pycache__ left out."""
    source = project_dir / folder
    if source.is_symlink() or not source.is_dir():
        return {}
    try:
        return {
            path.relative_to(source).as_posix(): path.read_bytes()
            for path in sorted(source.rglob("*"))
            if path.is_file() and "__pycache__" not in path.relative_to(source).parts
        }
    except RecursionError:
        raise ScaffoldError(
            f"project: {quoted(source)} nests folders too deep to package"
        ) from None


# --- the plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the report: what happened to a file, and why when it needs the user."""

    verb: str
    path: str
    why: str = ""


@dataclass
class Plan:
    """What an update will write, report and mark as conflicted."""

    changes: list[Change] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    conflicts: list[Entry] = field(default_factory=list)
    before: dict[str, bytes | None] = field(default_factory=dict)  # for the diff

    def write(self, path: str, content: bytes, mode: int, before: bytes | None, verb: str) -> None:
        self.changes.append(Change(path, content, mode))
        self.before[path] = before
        if verb:
            self.entries.append(Entry(verb, path))

    def remove(self, path: str, before: bytes | None) -> None:
        self.changes.append(Change(path, None))
        self.before[path] = before
        self.entries.append(Entry("removed", path))

    def conflict(self, path: str, why: str) -> None:
        self.conflicts.append(Entry("conflict", path, why))


class Absent:
    """No file at the path."""


class TooLarge:
    """A file too large to be a generated one (or to merge)."""


OnDisk = bytes | Absent | TooLarge


def on_disk(folder: ProjectFolder, path: str) -> tuple[OnDisk, int | None]:
    """What the project holds at a generated path, and its mode; refuses links and folders."""
    info = folder.lstat(path)
    if info is None:
        return Absent(), None
    if stat.S_ISLNK(info.st_mode):
        raise ScaffoldError(
            f"project: {folder.shown(path)} is a symbolic link; vpc-lambda-new never writes"
            " through one: replace it with a file"
        )
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ScaffoldError(f"project: {folder.shown(path)} is {kind} where a file is generated")
    data = folder.read(path, MAX_FILE_BYTES)
    return (TooLarge() if data is None else data), stat.S_IMODE(info.st_mode)


def is_text(data: bytes) -> bool:
    return b"\0" not in data


def plan_files(
    folder: ProjectFolder, base: Baseline | None, new: Rendered, plan: Plan
) -> dict[str, bytes]:
    """Decide every text file (see the module's table); the new baseline's files.

    base None: the folder is not a generated project (--force): only missing
    files are written.
    """
    recorded = base.files if base is not None else {}
    # An empty --baseline adopts the project: what this version generates becomes the
    # common ancestor of every file, so later updates merge into the files as they are.
    adopting = base is not None and not base.files
    baseline: dict[str, bytes] = {}
    for path in sorted(set(recorded) | set(new.files)):
        old, ours = recorded.get(path), new.files.get(path)
        if ours is not None:
            baseline[path] = ours
        if old is not None and old == ours:
            continue  # the generator did not change it: whatever the user did stays
        disk, mode = on_disk(folder, path)
        before = disk if isinstance(disk, bytes) else None
        if ours is None:
            assert old is not None
            if isinstance(disk, Absent):
                continue
            if disk == old:
                plan.remove(path, before)
            else:
                plan.conflict(
                    path,
                    "no longer generated with these answers, but you edited it: kept;"
                    " remove it or move your edits",
                )
            continue
        if isinstance(disk, Absent):
            plan.write(path, ours, new.modes[path], None, "added" if old is None else "")
            if old is not None:
                plan.conflict(
                    path,
                    "you deleted it and vpc-lambda-new changed it: the new version is written;"
                    " delete it again if you do not need it",
                )
            continue
        if disk == ours:
            continue
        assert mode is not None
        if old is None and adopting:
            plan.entries.append(Entry("kept", path, "yours, adopted: later updates merge into it"))
            continue
        if old is None:
            del baseline[path]  # stays the user's file, never touched
            plan.entries.append(
                Entry(
                    "kept",
                    path,
                    "yours; vpc-lambda-new generates this file too, and did not write it",
                )
            )
            continue
        if disk == old:
            plan.write(path, ours, mode, before, "replaced")
            continue
        if isinstance(disk, TooLarge) or not (is_text(disk) and is_text(old) and is_text(ours)):
            plan.conflict(
                path,
                "both you and vpc-lambda-new changed it, and it is too large or not text to"
                " merge: yours is kept",
            )
            continue
        merged, conflicts = merge(old, disk, ours)
        if merged != disk:
            plan.write(path, merged, mode, before, "merged" if not conflicts else "")
        if conflicts:
            plan.conflict(
                path,
                f"both you and vpc-lambda-new changed the same lines: {conflicts} conflict"
                f"{'s' if conflicts > 1 else ''} marked <<<<<<< yours ... >>>>>>> {GENERATOR}",
            )
    return baseline


def merge(base: bytes, yours: bytes, theirs: bytes) -> tuple[bytes, int]:
    """A three-way merge by lines; overlapping changes between standard conflict markers."""

    def lines(data: bytes) -> list[bytes]:
        return data.splitlines(keepends=True)

    out: list[bytes] = []
    conflicts = 0

    def side(chunk: Sequence[bytes]) -> list[bytes]:
        # A side that ends without a newline must not glue the next marker to its last line.
        if chunk and not chunk[-1].endswith(b"\n"):
            return [*chunk[:-1], chunk[-1] + b"\n"]
        return list(chunk)

    for region in merge_regions(lines(base), lines(yours), lines(theirs)):
        if region.kind != "conflict":
            out += region.yours
            continue
        conflicts += 1
        out += [b"<<<<<<< yours\n", *side(region.yours), b"=======\n"]
        out += [*side(region.theirs), f">>>>>>> {GENERATOR}\n".encode()]
    return b"".join(out), conflicts


def plan_zips(
    folder: ProjectFolder,
    base: Baseline | None,
    new: Rendered,
    plan: Plan,
    scratch: Path,
) -> dict[str, str]:
    """The deployment zips, each derived from its source folder; the new baseline's
    derived digests. A zip no function builds any more goes, when it is the generator's."""
    derived = {
        package: plan_zip(folder, base, new, plan, scratch, package)
        for package in new.packages
    }
    for package in sorted(set(base.derived if base else ()) - set(new.packages)):
        info = folder.lstat(package)
        if info is None:
            continue
        if stat.S_ISREG(info.st_mode) and base and folder.sha256(package) == base.derived[package]:
            plan.remove(package, None)
        else:
            plan.entries.append(Entry("kept", package, "yours: no function is built into it any more"))
    return derived


def plan_zip(
    folder: ProjectFolder,
    base: Baseline | None,
    new: Rendered,
    plan: Plan,
    scratch: Path,
    package: str,
) -> str:
    """One deployment zip, derived from its source folder; its new digest."""
    source = new.packages[package]
    current_sources = sources_on_disk(folder.root, source)
    final_sources = dict(current_sources)
    for change in plan.changes:
        if change.path.startswith(source + "/"):
            relative = change.path.removeprefix(source + "/")
            if change.content is None:
                final_sources.pop(relative, None)
            else:
                final_sources[relative] = change.content
    final = build_zip(new, package, final_sources, scratch)
    info = folder.lstat(package)
    if info is None:
        plan.write(package, final, 0o644, None, "added")
    elif not stat.S_ISREG(info.st_mode):
        plan.entries.append(Entry("kept", package, "not a regular file; left alone"))
    elif base is None:  # not a generated project: its files are its own
        plan.entries.append(Entry("kept", package, "yours; vpc-lambda-new builds this file too"))
    else:
        current = folder.sha256(package)
        built_from_src = sha256(build_zip(new, package, current_sources, scratch))
        if current not in (base.derived.get(package), built_from_src):
            plan.entries.append(
                Entry(
                    "kept",
                    package,
                    f"yours: it is not what scripts/build_package.py makes of {source}/;"
                    " rebuild it with python3 scripts/build_package.py",
                )
            )
        elif current != sha256(final):
            plan.write(package, final, stat.S_IMODE(info.st_mode), None, "rebuilt")
    return sha256(final)


def plan_metadata(folder: ProjectFolder, answers: Answers, baseline: Baseline, plan: Plan) -> None:
    recorded = baseline.encode()
    for path, content in (
        (BASELINE_FILE, recorded),
        (ANSWERS_FILE, encode_record(answers, baseline.digest())),
    ):
        disk, mode = on_disk(folder, path)
        if disk != content:
            before = disk if isinstance(disk, bytes) else None
            plan.write(path, content, mode or 0o644, before, "")


def plan_update(
    folder: ProjectFolder, answers: Answers, base: Baseline | None, scratch: Path
) -> Plan:
    new = render_off_to_the_side(answers, scratch / "render")
    plan = Plan()
    files = plan_files(folder, base, new, plan)
    derived = plan_zips(folder, base, new, plan, scratch)
    plan_metadata(folder, answers, Baseline(GENERATOR, files, derived), plan)
    return plan


# --- showing and reporting ----------------------------------------------------------


def print_diff(plan: Plan) -> None:
    for change in plan.changes:
        if change.path == BASELINE_FILE:
            continue
        before, after = plan.before.get(change.path), change.content
        old_name = f"a/{change.path}" if before is not None else "/dev/null"
        new_name = f"b/{change.path}" if after is not None else "/dev/null"
        if is_derived(change.path) or not all(
            is_text(side or b"") for side in (before, after)
        ):
            say(f"Binary files {old_name} and {new_name} differ")
            continue
        diff = difflib.unified_diff(
            (before or b"").decode("utf-8", "replace").splitlines(keepends=True),
            (after or b"").decode("utf-8", "replace").splitlines(keepends=True),
            old_name,
            new_name,
        )
        for line in diff:
            say(line.rstrip("\n"))
            if not line.endswith("\n"):
                say("\\ No newline at end of file")


def report(project_dir: Path, plan: Plan, verb: str) -> None:
    changed = [change for change in plan.changes if change.path not in METADATA_FILES]
    if plan.changes:
        say(
            f"{verb} {project_dir}/ ({len(changed)} file{'' if len(changed) == 1 else 's'} changed)"
        )
    else:
        say(f"{project_dir}/ is up to date")
    for entry in plan.entries:
        say(f"  {entry.verb:<9} {entry.path}{': ' + entry.why if entry.why else ''}")
    for entry in plan.conflicts:
        say(f"  {'conflict':<9} {entry.path}")
    for entry in plan.conflicts:
        say(
            f"vpc-lambda-new: conflict: {quoted(project_dir / entry.path)}: {entry.why}", error=True
        )
    if interrupted_late():
        say(
            "vpc-lambda-new: the interrupt came after the point of no return; the run completed",
            error=True,
        )


def rules_broken(project_dir: Path) -> list[str]:
    """The guide's rules the project breaks, one line each; a project that does not even
    parse (an edit, a conflict marker) breaks them all, said in one line."""
    # Imported here: the check engine (python-hcl2's parser, the evaluator) costs every
    # generation's start-up, and only an update runs the check.
    from scaffold.check import checked_lines

    recorded_answers(project_dir)  # a bad record is bad input (exit 2), not a broken rule
    marked = files_with_conflict_markers(project_dir)
    if marked:
        return [f"conflict: {path} still holds conflict markers; resolve them" for path in marked]
    try:
        broken, conventions = checked_lines(project_dir)
        for line in conventions:  # a convention of ours is no reason to fail an update
            say(f"vpc-lambda-new: warning: {line}", error=True)
        return broken
    except ScaffoldError:
        raise
    except Exception as problem:  # noqa: BLE001 - the user's edits may not parse
        first_line = (str(problem).strip().splitlines() or [""])[0]
        reason = f"{type(problem).__name__}: {first_line}"
        return [f"unreadable: the project's Terraform could not be read: {reason}"]


def check_after(project_dir: Path) -> int:
    """After a write: what the merge broke."""
    broken = rules_broken(project_dir)
    for line in broken:
        say(f"vpc-lambda-new: broken rule: {line}", error=True)
    return EXIT_RULES_BROKEN if broken else EXIT_OK


# --- writing -----------------------------------------------------------------------------


def write_update(
    folder: ProjectFolder,
    answers: Answers,
    base: Baseline | None,
    *,
    dry_run: bool,
    verb: str,
) -> int:
    """Plan against base and write (or show) the result; the exit code."""
    marked = files_with_conflict_markers(folder.root)
    if marked:
        # Merging over unresolved markers would stack new ones inside them.
        raise ScaffoldError(
            f"{quoted(folder.root / marked[0])} still holds the conflict markers of an earlier"
            f" update{f' (and {len(marked) - 1} more file(s))' if len(marked) > 1 else ''};"
            " resolve them first"
        )
    with tempfile.TemporaryDirectory(prefix="vpc-lambda-new-") as scratch:
        plan = plan_update(folder, answers, base, Path(scratch))
    if dry_run:
        print_diff(plan)
        for entry in plan.entries:
            if entry.why:
                say(f"vpc-lambda-new: would keep {entry.path}: {entry.why}", error=True)
        for entry in plan.conflicts:
            say(f"vpc-lambda-new: would conflict: {entry.path}: {entry.why}", error=True)
        if answers.functions:  # beside the diff, not in it
            for line in interface_budget(answers).lines():
                say(line, error=True)
        # The code the update itself would end with, as far as conflicts go.
        return EXIT_CONFLICTS if plan.conflicts else EXIT_OK
    if plan.changes:
        folder.check_writable(change.path for change in plan.changes)
        commit_changes(folder, plan.changes)
    past_point_of_no_return()  # what is written stays written: the report and the check follow
    report(folder.root, plan, verb)
    for entry in plan.entries:
        if entry.verb == "removed" and entry.path.startswith("deployer-policy-"):
            # The apply that removes what it covered still needs it.
            say(
                f"vpc-lambda-new: {entry.path} is gone: keep its policy attached to the deployer"
                " for the next terraform apply, then detach it (bootstrap/: apply it after)",
                error=True,
            )
    if answers.functions:
        for line in interface_budget(answers).lines():
            say(line)
        # Each function's fixed charges (provisioned concurrency, SnapStart), usage left out.
        for line in lines(estimate(answers)):
            if not line.lstrip().startswith(("plus ", "(")):
                say(line)
    if plan.conflicts:
        say(
            f"vpc-lambda-new: {len(plan.conflicts)} conflicted"
            f" file{'s need' if len(plan.conflicts) > 1 else ' needs'} your decision;"
            " once resolved, `vpc-lambda-new check` judges the guide's rules",
            error=True,
        )
        return EXIT_CONFLICTS
    return check_after(folder.root)


def read_metadata(
    folder: ProjectFolder, *, baseline: bool = True
) -> tuple[Record, Baseline | None]:
    """The recorded answers and (unless not wanted) the recorded baseline: None for a
    project generated before update existed."""

    record = read_record(folder.root)
    if record.baseline_digest is None or not baseline:
        return record, None
    shown = folder.shown(BASELINE_FILE)
    recorded_bytes = read_own_file(folder.root, BASELINE_FILE, MAX_BASELINE_BYTES)
    if recorded_bytes is None:
        raise ScaffoldError(
            f"project: {shown} is missing; restore it (with {ANSWERS_FILE}) from version"
            " control, or pass --baseline FOLDER (see README: updating an older project)"
        )
    recorded = decode_baseline(recorded_bytes, shown)
    if recorded.digest() != record.baseline_digest:
        raise ScaffoldError(
            f"project: {shown} is not the baseline {ANSWERS_FILE} was written with; restore both"
            " from the same commit, or pass --baseline FOLDER"
        )
    return record, recorded


def older_project(project_dir: Path, record: Record) -> ScaffoldError:
    return ScaffoldError(
        f"project: {quoted(project_dir)} was generated by {record.generator}, which did not"
        " record the baseline an update merges against; bring it in with"
        f" `vpc-lambda-new update {quoted(project_dir)} --baseline FOLDER`, FOLDER holding what"
        " that version generated from the same answers (README: updating an older project)"
    )


def baseline_from_option(text: str, project_dir: Path, name: object) -> Baseline:
    """--baseline FOLDER: what an older vpc-lambda-new generated for the same answers.

    FOLDER is that project's folder, or the --output-dir it was generated into.
    An empty folder is allowed: every file that differs is then the user's.
    """
    if not text.strip() or "\0" in text:
        raise ScaffoldError("--baseline: give the folder of the older generated project")
    folder = expand_path(text)
    if not folder.is_dir():
        raise ScaffoldError(f"--baseline: {quoted(folder)} is not a folder")
    if not (folder / ANSWERS_FILE).exists() and isinstance(name, str) and (folder / name).is_dir():
        folder = folder / name
    if folder.resolve() == project_dir.resolve():
        raise ScaffoldError(
            f"--baseline: {quoted(folder)} is the project itself; give a folder where the older"
            " version generated the same answers"
        )
    generator = "an older vpc-lambda-new"
    with suppress(ScaffoldError, OSError):
        generator = read_record(folder).generator
    baseline = baseline_of_folder(folder, generator, "--baseline")
    if baseline.paths() and "main.tf" not in baseline.paths():
        raise ScaffoldError(
            f"--baseline: {quoted(folder)} holds no main.tf: give the folder of a generated"
            " project (or an empty folder, to keep every file that differs)"
        )
    return baseline


# --- update and --force -------------------------------------------------------------


def run_update(
    project: str | os.PathLike[str],
    answers: Mapping[str, object] | None = None,
    *,
    interactive: bool = False,
    dry_run: bool = False,
    baseline: str | None = None,
    functions: Callable[[Answers], list[dict[str, object]]] | None = None,
    verb: str = "Updated",
) -> int:
    """Update the project in folder `project` to this release and these new answers (over
    its recorded ones), merging every file with the user's edits; the exit code.
    `functions`: the new added functions, from the recorded answers (add-function,
    remove-function), read under the project's lock."""
    raw = given(answers or {})
    project = os.fspath(project)
    if "output_dir" in raw:
        raise ScaffoldError(
            f"{raw['output_dir'].source}: update writes the project where it is; to move it,"
            " move its folder"
        )
    if "\0" in project or not project.strip():
        raise ScaffoldError("project: give the folder of a generated project")
    project_dir = expand_path(project)
    with project_folder(project_dir, read_only=dry_run) as folder:
        if dry_run:
            refuse_if_pending(folder, "update --dry-run")
        else:
            recovered = recover(folder)
            if recovered:
                say(f"vpc-lambda-new: {quoted(project_dir)}: {recovered}", error=True)
        record, base = read_metadata(folder, baseline=baseline is None)
        if baseline is not None:
            name = record.answers["name"].value if "name" in record.answers else None
            base = baseline_from_option(baseline, project_dir, name)
            if not base.paths() and raw:
                # Nothing to merge against: the files stay as they are, so new answers
                # would be recorded without being in them.
                raise ScaffoldError(
                    "--baseline: an empty folder adopts the project as it is; run"
                    f" `vpc-lambda-new update {quoted(project_dir)} --baseline"
                    f" {quoted(baseline)}` without new answers first, then update again"
                )
        elif base is None:
            raise older_project(project_dir, record)
        layers = [Layer(raw), record.layer(project_dir.absolute())]
        if functions is not None:
            changed = functions(walk(layers))
            layers[0] = Layer({**raw, "functions": RawAnswer(changed, "functions")})
        if interactive:
            from scaffold.wizard import ask

            chosen = ask(layers, updating=True)
            if chosen is None:
                say("Nothing was changed.")
                return EXIT_OK
        else:
            chosen = walk(layers)
        return write_update(folder, chosen, base, dry_run=dry_run, verb=verb)
