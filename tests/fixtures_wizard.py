"""A real pseudo-terminal for the wizard: the installed console script, driven with keys.

prompt_toolkit redraws only what changed and moves the cursor over the rest,
so a frame's text is not always contiguous in the byte stream. `Terminal`
therefore matches prompt text with a pattern that lets escape sequences stand
where spaces are, and tests assert on text that is drawn for the first time.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from conftest import installed_script

DOWN = "\x1b[B"
SPACE = " "
ENTER = "\r"
CTRL_C = "\x03"
CTRL_D = "\x04"
CTRL_U = "\x15"  # clear the line: every text prompt starts filled with its default

COLUMNS, ROWS = 120, 40
TIMEOUT = 30  # seconds; generous, for a loaded CI machine running tests in parallel
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_GAP = r"(?:\x1b\[[0-9;?]*[A-Za-z]|[ \r\n])+"


def console_script() -> str:
    return str(installed_script("vpc-lambda-new", "vpc-lambda-new"))


def text_pattern(text: str) -> str:
    """A regex for text as drawn: any run of spaces may be cursor moves or style changes."""
    return _GAP.join(re.escape(word) for word in text.split())


def plain(output: str) -> str:
    return _ESCAPE.sub("", output).replace("\r", "")


@dataclass
class Terminal:
    child: pexpect.spawn
    cwd: Path
    log: io.StringIO

    def expect_text(self, text: str, timeout: float = TIMEOUT) -> None:
        self.child.expect(text_pattern(text), timeout=timeout)

    def answer(self, prompt: str, keys: str = ENTER) -> None:
        """Wait until the question is on screen, then type keys into it."""
        self.expect_text(prompt)
        self.child.send(keys)

    def finish(self, timeout: float = TIMEOUT) -> int:
        """Wait for the program to end; its exit status."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        status = self.child.exitstatus
        assert status is not None, f"ended by signal {self.child.signalstatus}"
        return int(status)

    @property
    def transcript(self) -> str:
        """Everything the program drew, escape sequences removed."""
        return plain(self.log.getvalue())

    def written(self) -> list[str]:
        return sorted(path.name for path in self.cwd.iterdir())


SpawnWizard = Callable[..., Terminal]


@pytest.fixture
def wizard(tmp_path: Path, isolated_home: Path) -> Iterator[SpawnWizard]:
    """wizard(*flags) -> a Terminal running `vpc-lambda-new *flags` in an empty folder."""
    spawned: list[Terminal] = []

    def spawn(*flags: str, cwd: Path | None = None) -> Terminal:
        folder = cwd or tmp_path / "work"
        folder.mkdir(parents=True, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if key != "VPC_LAMBDA_NEW_DEBUG"}
        env.update(
            HOME=str(isolated_home),
            TERM="xterm-256color",
            COLUMNS=str(COLUMNS),
            LINES=str(ROWS),
            # Nobody answers prompt_toolkit's cursor position requests here; say so up front.
            PROMPT_TOOLKIT_NO_CPR="1",
        )
        log = io.StringIO()
        child = pexpect.spawn(
            console_script(),
            list(flags),
            cwd=str(folder),
            env=env,
            dimensions=(ROWS, COLUMNS),
            encoding="utf-8",
            codec_errors="replace",
            timeout=TIMEOUT,
        )
        child.logfile_read = log
        terminal = Terminal(child, folder, log)
        spawned.append(terminal)
        return terminal

    yield spawn
    for terminal in spawned:
        if terminal.child.isalive():
            terminal.child.close(force=True)
