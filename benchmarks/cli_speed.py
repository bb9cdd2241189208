#!/usr/bin/env python3
"""Median wall time of the console script: generating each topology, and --help.

Targets on a 2-core machine: generation under 0.4 s, --help under 0.15 s.
Usage: python benchmarks/cli_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
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
    "generate private-nat per-az": ["--no-input", "--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--endpoints", "s3,dynamodb,sts"],
    "--help": ["--help"],
}
TARGETS = {"--help": 0.15}
GENERATION_TARGET = 0.4


def median_seconds(args: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            subprocess.run([SCRIPT, *args, "--output-dir", scratch] if args[0] != "--help" else [SCRIPT, *args],
                           check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    if not shutil.which(SCRIPT):
        print(f"{SCRIPT} not found: pip install -e . first", file=sys.stderr)
        return 1
    print(f"{'case':32} {'median':>8} {'target':>8}")
    for name, args in CASES.items():
        median_seconds(args, 1)  # warm the file cache
        target = TARGETS.get(name, GENERATION_TARGET)
        median = median_seconds(args, runs)
        print(f"{name:32} {median:8.3f} {target:8.2f} {'ok' if median < target else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
