#!/usr/bin/env python3
"""Wall time of the README's second command (`bash scripts/test.sh`), and its slowest tests.

Target on a 2-core machine: 600 s or less, on an idle machine. The script runs the
command as a newcomer would (from the repository root, in the interpreter that is
active), keeps everything it printed in a log, and reports: the wall time, pytest's
closing line, and the five slowest tests of the `--durations=25` table that
`scripts/test.sh` prints at the end of every run. The exit code is the command's.

Usage: python benchmarks/suite_time.py [--log FILE] [-- EXTRA PYTEST ARGS]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 600.0
# A line of pytest's durations table: "12.34s call     tests/test_x.py::test_y[id]".
DURATION = re.compile(r"^(?P<seconds>\d+(?:\.\d+)?)s (?P<phase>call|setup|teardown)\s+(?P<test>\S.*)$")
CLOSING = re.compile(r"^=+ (?P<summary>.*\d+ (?:passed|failed).*) =+$")


def slowest(lines: list[str], count: int) -> list[tuple[float, str, str]]:
    found = []
    for line in lines:
        match = DURATION.match(line.strip())
        if match:
            found.append((float(match["seconds"]), match["phase"], match["test"]))
    return sorted(found, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=Path("suite-time.log"))
    parser.add_argument("pytest_args", nargs="*", help="passed on to scripts/test.sh")
    options = parser.parse_args()
    started = time.perf_counter()
    with options.log.open("w", encoding="utf-8") as log:
        finished = subprocess.run(
            ["bash", "scripts/test.sh", *options.pytest_args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    wall = time.perf_counter() - started
    lines = options.log.read_text(encoding="utf-8", errors="replace").splitlines()
    closing = next((m["summary"] for m in map(CLOSING.match, reversed(lines)) if m), "no summary")
    verdict = "ok" if wall <= TARGET_SECONDS else "SLOW"
    print(f"bash scripts/test.sh: {wall:.0f} s wall (target {TARGET_SECONDS:.0f} s: {verdict}),"
          f" exit {finished.returncode}: {closing}")
    print("five slowest tests:")
    for seconds, phase, test in slowest(lines, 5):
        print(f"  {seconds:7.2f} s  {phase:8} {test}")
    print(f"full output: {options.log}")
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
