#!/usr/bin/env python3
"""CPU seconds of `terraform validate` on a generated project, GOGC=100 (Go's default) vs 400.

The suite (tests/conftest.py) runs Terraform and the AWS provider with GOGC=400: most of
its CPU goes to loading the provider's schema, which allocates heavily. This prints the
median user+system CPU and wall time of each setting, run in turn (A B A B ...), and the
ratio, so the choice stays a measured one. `validate` loads the schema and talks to no
AWS endpoint, so no emulator is needed.

Usage: python benchmarks/go_gc.py [--runs N] [--mirror DIR]
(DIR: the provider mirror, default $VPC_LAMBDA_NEW_PROVIDER_MIRROR or /opt/tf-plugins)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTINGS = ("100", "400")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds of the finished children, wall seconds) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--mirror",
        type=Path,
        default=Path(os.environ.get("VPC_LAMBDA_NEW_PROVIDER_MIRROR", "/opt/tf-plugins")),
    )
    options = parser.parse_args()
    terraform = shutil.which("terraform")
    if terraform is None:
        print("go_gc.py: terraform is not on PATH", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        rc = root / "terraform.rc"
        rc.write_text(
            "provider_installation {\n"
            f"  filesystem_mirror {{ path = {json.dumps(str(options.mirror))} }}\n"
            "}\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "GOGC"))}
        env.update(TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        script = Path(sys.executable).parent / "vpc-lambda-new"
        subprocess.run(
            [str(script), "--no-input", "--output-dir", str(root), "--name", "bench"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        project = root / "bench"
        subprocess.run([terraform, "init", "-input=false"], cwd=project, env=env, check=True,
                       capture_output=True)  # fmt: skip
        figures: dict[str, list[tuple[float, float]]] = {gogc: [] for gogc in SETTINGS}
        for _ in range(options.runs + 1):  # the first round warms the page cache, unrecorded
            for gogc in SETTINGS:
                figures[gogc].append(run([terraform, "validate"], project, {**env, "GOGC": gogc}))
        print(f"terraform validate, median of {options.runs} runs each:")
        medians = {}
        for gogc in SETTINGS:
            cpu = statistics.median(c for c, _ in figures[gogc][1:])
            wall = statistics.median(w for _, w in figures[gogc][1:])
            medians[gogc] = cpu
            print(f"  GOGC={gogc:>3}: {cpu:.2f} CPU-s, {wall:.2f} s wall")
        print(f"  GOGC=400 / GOGC=100 CPU: {medians['400'] / medians['100']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
