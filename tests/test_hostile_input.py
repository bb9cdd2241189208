"""Hostile input beyond a bad value: each through the real command line, one line, a
documented exit code, no traceback, nothing half-written. (Bad values, one row each,
are in test_bad_input.py; the 5,000-digit numbers and the paths too long for the
system among them.)
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Generate
from fixtures_wizard import CTRL_C, CTRL_U, ENTER, SpawnWizard, console_script
from test_wizard import asked, enter_through, prompt

from scaffold.cli import main


def test_a_tilde_in_an_answers_file_is_the_home_folder(tmp_path: Path, isolated_home: Path) -> None:
    (tmp_path / "answers.yml").write_text("output_dir: ~/projects\n", encoding="utf-8")
    done = subprocess.run(
        [console_script(), "--no-input", "--answers", "answers.yml"], cwd=tmp_path, capture_output=True,
        text=True, stdin=subprocess.DEVNULL, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (isolated_home / "projects" / "vpc-lambda" / "main.tf").is_file()
    assert not (tmp_path / "~").exists()


def test_standard_output_on_a_full_device_loses_the_message_not_the_project(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [console_script(), "--no-input", "--output-dir", str(tmp_path / "out")], stdout=full,
            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "vpc-lambda" / "main.tf").is_file()
    assert done.stderr == (
        "vpc-lambda-new: the command's work is done (its exit code says how it ended), but its"
        " messages could not be written: No space left on device\n"
    )


def handles_sigterm(pid: int) -> bool:
    """Whether a process catches SIGTERM (Python does not, unless the program asks to)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return False
    caught = next(
        (line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0"
    )
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def test_an_interrupt_at_any_instant_is_130_with_nothing_written_or_0_with_the_project(
    tmp_path: Path,
) -> None:
    """SIGINT or SIGTERM at a random instant of a run, 40 times.

    The instant is counted from when the program has taken over the signals (its handlers
    show in /proc/PID/status): before the interpreter runs a first line of anyone's code,
    no program can take a signal, and it dies of it as the system says. The instants span
    a little more than one whole run as long as it takes on this machine now (measured
    first, uninterrupted), so that a loaded machine still sees both ends of the run.
    """

    def started(out: Path) -> tuple[subprocess.Popen[str], float]:
        process = subprocess.Popen(
            [console_script(), "--no-input", "--output-dir", str(out)], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        while process.poll() is None and not handles_sigterm(process.pid):
            time.sleep(0.001)
        return process, time.monotonic()

    process, since = started(tmp_path / "measured")
    process.communicate(timeout=120)
    assert process.returncode == 0
    window = max(0.5, 1.25 * (time.monotonic() - since))
    chance = random.Random(1205)
    outcomes = set()
    for attempt in range(40):
        out = tmp_path / f"out{attempt}"
        process, _since = started(out)
        time.sleep(chance.uniform(0.0, window))
        process.send_signal(chance.choice([signal.SIGINT, signal.SIGTERM]))
        _out, err = process.communicate(timeout=120)
        created = (out / "vpc-lambda" / "main.tf").is_file()
        assert "Traceback" not in err, err
        assert (process.returncode, created) in ((130, False), (0, True)), (process.returncode, err)
        if process.returncode == 130:
            assert err.strip() == "vpc-lambda-new: interrupted; nothing was written"
            assert not out.exists() or not any(out.iterdir())
        outcomes.add(process.returncode)
    assert outcomes == {0, 130}, "both ends of the run were reached"


@pytest.mark.pty
def test_an_output_folder_too_long_for_the_system_is_refused_at_its_question(
    wizard: SpawnWizard,
) -> None:
    terminal = wizard()
    keys = asked("private")
    enter_through(terminal, keys[:-1])
    terminal.answer(prompt("output_dir"), CTRL_U + "d" * 5000 + ENTER)
    terminal.expect_text("the system allows 255")
    terminal.child.send(CTRL_C)
    assert terminal.finish() == 130
    assert "Traceback" not in terminal.transcript
    assert terminal.written() == []


def test_an_update_that_breaks_only_a_convention_warns_and_succeeds(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output without a description is a convention of ours, not a rule of the guide."""
    project = generate()
    with (project / "outputs.tf").open("a", encoding="utf-8") as stream:
        stream.write('\noutput "ours" {\n  value = 1\n}\n')
    capsys.readouterr()
    code = main(["update", str(project), "--no-input", "--memory", "512"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "vpc-lambda-new: warning: documented-interface: output ours: needs a description" in err
    assert "broken rule" not in err
    code = main(["check", str(project)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "warning: documented-interface: output ours: needs a description" in out
    assert "1 convention not followed" in out.splitlines()[-1]
