#!/usr/bin/env python3
"""Median wall time of the console script: generating each topology, and --help.

Targets on a 2-core machine: generation under 0.15 s, --help under 0.08 s. Each
figure is also given as a multiple of a bare interpreter start (`python -c pass`,
measured the same way), which says how much of it is ours on a machine of any speed.
Generation is timed with the template cache warm (the first run on a machine
compiles the templates once; that run is timed separately, as "cold").

Usage: python benchmarks/cli_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = str(Path(sys.executable).parent / "vpc-lambda-new")
CASES = {
    "generate private": ["--no-input", "--topology", "private"],
    "generate private-nat single": ["--no-input", "--topology", "private-nat"],
    "generate private-nat per-az": [
        "--no-input", "--topology", "private-nat", "--nat", "per-az", "--azs", "3",
        "--endpoints", "s3,dynamodb,sts", "--ipv6",
    ],
    "--help": ["--help"],
}  # fmt: skip
TARGETS = {"--help": 0.08}
GENERATION_TARGET = 0.15


def seconds(command: list[str], env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        subprocess.run(
            [*command, "--output-dir", scratch] if "--no-input" in command else command,
            check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        return time.perf_counter() - started


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    return statistics.median(seconds(command, env) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    if not shutil.which(SCRIPT):
        print(f"{SCRIPT} not found: pip install -e . first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as cache:
        # A cache of our own, so "cold" is really the first run on this machine.
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        bare = median_seconds([sys.executable, "-c", "pass"], runs, env)
        cold = seconds([SCRIPT, *CASES["generate private"]], env)
        print(f"{'case':32} {'median':>8} {'x bare':>8} {'target':>8}")
        print(f"{'bare interpreter start':32} {bare:8.3f} {1:8.1f}")
        print(f"{'generate private (cold cache)':32} {cold:8.3f} {cold / bare:8.1f}")
        for name, args in CASES.items():
            median_seconds([SCRIPT, *args], 1, env)  # warm the file and template caches
            target = TARGETS.get(name, GENERATION_TARGET)
            median = median_seconds([SCRIPT, *args], runs, env)
            verdict = "ok" if median < target else "SLOW"
            print(f"{name:32} {median:8.3f} {median / bare:8.1f} {target:8.2f} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
