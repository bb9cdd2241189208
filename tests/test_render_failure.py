"""A failure while writing leaves nothing behind: no partial project, an existing folder untouched.

Each row makes one step of rendering fail (a template error, a full disk, a
failed move, Ctrl-C) and runs the real command line against a new folder, an
empty one, and an existing project with the user's own files and edits
(--force, which updates it). The whole sandbox must be byte-for-byte,
timestamp-for-timestamp what it was. tests/test_interrupts.py interrupts every
single file operation of the write path; these rows fail the steps around it.
"""

from __future__ import annotations

import errno
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from tree_state import tree_state

from scaffold import render, storage, templating
from scaffold.cli import main
from scaffold.storage import folder as storage_folder

Inject = Callable[[pytest.MonkeyPatch, Path], None]
DISK_FULL = OSError(errno.ENOSPC, "No space left on device")


def fail_on_call(owner: object, name: str, call: int, error: BaseException) -> Inject:
    """Make owner.name raise `error` on its call-th call (counting from 1), and work otherwise."""

    def inject(monkeypatch: pytest.MonkeyPatch, sandbox: Path) -> None:
        real = getattr(owner, name)
        calls = 0

        def failing(*args: object, **kwargs: object) -> object:
            nonlocal calls
            calls += 1
            if calls == call:
                raise error
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, failing)

    return inject


def broken_template(monkeypatch: pytest.MonkeyPatch, sandbox: Path) -> None:
    """A real template error, in the last layer: the earlier layers are already staged."""
    copy = sandbox.parent / "templates"
    shutil.copytree(render.templates_root(), copy)
    for layer in ("vpc-private", "vpc-privatepublic", "vpc-existing"):
        broken = copy / layer / "{{cookiecutter.name}}" / "modules" / "network" / "broken.tf"
        broken.write_text("# {{ cookiecutter.no_such_answer.attribute }}\n")
    monkeypatch.setattr(render, "templates_root", lambda: copy)


def disk_full_writing(file_name: str) -> Inject:
    def inject(monkeypatch: pytest.MonkeyPatch, sandbox: Path) -> None:
        for method in ("write_text", "write_bytes"):
            real = getattr(Path, method)

            def write(self: Path, *args: object, real: Callable[..., int] = real, **kwargs: object) -> int:
                if self.name == file_name:
                    raise DISK_FULL
                return real(self, *args, **kwargs)

            monkeypatch.setattr(Path, method, write)

    return inject


def fail_at_step(kind: str, count: int, error: BaseException) -> Inject:
    """Make the count-th file operation of this kind in the transaction (write, rename, ...) fail."""

    def inject(monkeypatch: pytest.MonkeyPatch, sandbox: Path) -> None:
        seen = 0

        def hook(operation: str) -> None:
            nonlocal seen
            if operation.split()[0] == kind:
                seen += 1
                if seen == count:
                    raise error

        monkeypatch.setattr(storage_folder, "operation_hook", hook)

    return inject


# (id, how it fails, exit code, situations it applies to)
FAILURES: list[tuple[str, Inject, int, tuple[str, ...]]] = [
    ("template-error", broken_template, 1, ("new", "empty", "force")),
    ("disk-full-mid-layer", fail_on_call(templating, "render_file", 10, DISK_FULL), 1, ("new", "empty", "force")),
    ("disk-full-writing-the-deployer-policy", disk_full_writing("deployer-policy.json"), 1, ("new", "empty", "force")),
    ("disk-full-writing-the-answers-record", disk_full_writing(".vpc-lambda-new.json"), 1, ("new", "empty", "force")),
    ("disk-full-building-the-zip", fail_on_call(zipfile.ZipFile, "writestr", 1, DISK_FULL), 1, ("new", "empty", "force")),
    ("interrupted-mid-render", fail_on_call(templating, "render_file", 10, KeyboardInterrupt()), 130, ("new", "empty", "force")),
    ("move-into-place-fails", fail_on_call(os, "rename", 1, OSError(errno.EXDEV, "Invalid cross-device link")), 1, ("new", "empty")),
    ("interrupted-at-the-move", fail_on_call(os, "rename", 1, KeyboardInterrupt()), 130, ("new", "empty")),
    # --force over a generated project: its update commits in steps (tests/test_interrupts.py
    # interrupts every one); these fail half-way through staging and through moving into place.
    ("staging-fails-half-way", fail_at_step("write", 4, DISK_FULL), 1, ("force",)),
    ("replacing-fails-half-way", fail_at_step("rename", 9, OSError(errno.EIO, "Input/output error")), 1, ("force",)),
    ("interrupted-while-staging", fail_at_step("write", 3, KeyboardInterrupt()), 130, ("force",)),
    ("interrupted-while-replacing", fail_at_step("rename", 14, KeyboardInterrupt()), 130, ("force",)),
]
CASES = [
    pytest.param(inject, code, situation, id=f"{name}-{situation}")
    for name, inject, code, situations in FAILURES
    for situation in situations
]
# The answers of the run that fails; a --force run also changes the answers, so files would change.
FLAGS = ["--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--endpoints", "s3,sts", "--memory", "512"]


def prepare(situation: str, sandbox: Path) -> Path:
    """The output folder for the run, prepared as the situation says."""
    if situation == "new":
        return sandbox / "out" / "not" / "yet"
    out = sandbox / "out"
    if situation == "empty":
        (out / "vpc-lambda").mkdir(parents=True)
        return out
    assert main(["--no-input", "--output-dir", str(out)]) == 0
    project = out / "vpc-lambda"
    (project / "notes.txt").write_text("mine\n")
    (project / "src" / "helper.py").write_text("# mine\n")
    (project / "main.tf").write_text("# edited by hand\n")
    (project / "terraform.tfvars").unlink()
    return out


@pytest.mark.parametrize(("inject", "code", "situation"), CASES)
def test_failure_while_rendering_leaves_everything_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    inject: Inject, code: int, situation: str,
) -> None:  # fmt: skip
    monkeypatch.delenv("VPC_LAMBDA_NEW_DEBUG", raising=False)
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    output = prepare(situation, sandbox)
    capsys.readouterr()
    before = tree_state(sandbox)
    inject(monkeypatch, sandbox)
    force = ["--force"] if situation == "force" else []
    result = main(["--no-input", "--output-dir", str(output), *force, *FLAGS])
    monkeypatch.undo()
    captured = capsys.readouterr()
    assert result == code, captured.err
    message = captured.err.strip()
    assert "\n" not in message and "Traceback" not in captured.err, captured.err
    expected = "vpc-lambda-new: interrupted" if code == 130 else "vpc-lambda-new: internal error:"
    assert message.startswith(expected), message
    assert tree_state(sandbox) == before


def test_a_failed_force_run_can_simply_be_repeated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = prepare("force", tmp_path)
    fail_at_step("rename", 9, DISK_FULL)(monkeypatch, tmp_path)
    assert main(["--no-input", "--output-dir", str(out), "--force", *FLAGS]) == 1
    monkeypatch.undo()
    capsys.readouterr()
    # The user deleted terraform.tfvars, which these answers change, and replaced main.tf:
    # both are the user's to decide (exit 3, each named); nothing of theirs is lost.
    assert main(["--no-input", "--output-dir", str(out), "--force", *FLAGS]) == 3
    conflicts = [line for line in capsys.readouterr().err.splitlines() if ": conflict: " in line]
    project = out / "vpc-lambda"
    assert [line.split("'")[1] for line in conflicts] == [str(project / "main.tf"), str(project / "terraform.tfvars")]
    assert "memory_size  = 512" in (project / "terraform.tfvars").read_text()
    assert "# edited by hand\n" in (project / "main.tf").read_text()
    assert (project / "notes.txt").read_text() == "mine\n"
    assert (project / "src" / "helper.py").read_text() == "# mine\n"
    assert sorted(path.name for path in out.iterdir()) == ["vpc-lambda"]
    assert not (project / storage.JOURNAL_FOLDER).exists()
