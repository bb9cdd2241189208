"""Shared fixtures: an isolated HOME and a way to generate projects through the real CLI."""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
import site
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.cli import main

# Fixture modules owned by feature areas (Terraform and emulator, deployer, wizard).
pytest_plugins = [name for name in ("fixtures_terraform", "fixtures_deployer", "fixtures_wizard")
                  if (Path(__file__).parent / f"{name}.py").exists()]


# The user's own HOME, before isolated_home replaces it: for the caches a test may share
# across runs (pip's, and the scanner's virtualenv).
REAL_HOME = Path(os.environ.get("HOME") or Path.home())

# Terraform and the AWS provider are Go programs, and most of the suite's CPU goes to
# loading the provider's schema (about 2.5 CPU-s per plan, show or validate), much of it
# in the garbage collector. With GOGC=400 the collector runs a quarter as often: about
# 25% less CPU per command, for some 40 MB more memory per process (benchmarks/go_gc.py).
# It changes no behaviour; a value the caller set wins.
os.environ.setdefault("GOGC", "400")


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compiled-template cache per test session (per xdist worker).

    Every test gets a HOME of its own, and with it, before, a cold cache: about a
    thousand generations each compiled every template again. The cache is only an
    optimisation keyed by each template's path and checked against its source, so
    sharing it changes no output; tests of the cache itself set their own.
    """
    return tmp_path_factory.mktemp("template-cache")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, template_cache: Path
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(template_cache))
    if site.ENABLE_USER_SITE:
        # Python finds `pip install --user` packages under HOME: keep the real ones visible
        # to the interpreters the tests start, whatever HOME they get.
        monkeypatch.setenv("PYTHONUSERBASE", site.getuserbase())
    monkeypatch.setenv("HOME", str(home))
    return home


def installed_script(distribution: str, name: str) -> Path:
    """A console script of a distribution installed for the interpreter running the tests.

    pip records where it wrote each script (beside the interpreter in a virtualenv or
    a system install, ~/.local/bin with --user), so neither PATH nor the interpreter's
    folder has to be the right place.
    """
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{distribution} is not installed for {sys.executable}: pip install -e '.[test]'")
    for file in files:
        if file.name == name and file.parent.name in ("bin", "Scripts"):
            path = Path(str(file.locate())).resolve()
            if path.is_file():
                return path
    pytest.fail(f"{distribution} is installed but its {name} script is not where pip recorded it")


Generate = Callable[..., Path]


@pytest.fixture
def generate(tmp_path: Path) -> Generate:
    """generate(*flags) -> the project folder, via `vpc-lambda-new --no-input`."""

    def run(*flags: str, name: str = "demo") -> Path:
        output = tmp_path / "out"
        code = main(["--no-input", "--name", name, "--output-dir", str(output), *flags])
        assert code == 0, f"vpc-lambda-new {' '.join(flags)} exited {code}"
        return output / name

    return run


# The kinds of test that run longest, longest first: scripts/test.sh runs pytest-xdist
# with --dist load --maxschedchunk 1, which hands each worker its next test when it is
# free, so the long ones start at the beginning of a run, spread over every worker, and
# the many quick tests fill in around them; no long test is left to run alone at the end.
# (By default both --dist load and worksteal hand each worker a slice of consecutive
# tests: all the long ones to the first.)
# The tests that apply and destroy (a minute or more each) go before everything else.
LONGEST_FIRST = ("scanner", "applies", "emulator", "mutation", "terraform", "pty")


# `runner.apply()`, the apply-and-destroy helpers (`applied_as_deployer`, `deployed`), and
# `make local`.
APPLIES = re.compile(r'\.apply\(|\bapplied_as_deployer\(|\bdeployed\(|make\(\s*project,\s*"local"')


def applies(item: pytest.Item) -> bool:
    """A test whose own code runs `terraform apply` (directly, or through a helper)."""
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        return False
    return APPLIES.search(source) is not None


# An apply test spends most of its minute waiting on the provider's polling, not on a
# core: while the applies run, the CPU-bound Terraform tests of the kinds below are dealt
# out between them, about this many seconds of those per second of applies (each kind's
# typical duration on 2 cores), so both cores stay busy from the start.
CPU_BOUND_BESIDE_APPLIES = ("emulator", "mutation", "terraform")
TYPICAL_SECONDS = {"applies": 60.0, "emulator": 8.0, "mutation": 10.0, "terraform": 4.0}
CPU_SECONDS_PER_APPLY_SECOND = 0.6


def rank_of(item: pytest.Item) -> int:
    if applies(item):
        return LONGEST_FIRST.index("applies")
    marked = [index for index, name in enumerate(LONGEST_FIRST) if item.get_closest_marker(name)]
    return min(marked, default=len(LONGEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Each item ranked once (its source is read to see whether it applies); sorted is
    # stable, so within each kind the collection's order stays.
    ranked = sorted(((rank_of(item), item) for item in items), key=lambda pair: pair[0])
    kinds = [(LONGEST_FIRST[rank] if rank < len(LONGEST_FIRST) else "", item) for rank, item in ranked]
    first = [item for kind, item in kinds if kind == "scanner"]
    long = [item for kind, item in kinds if kind == "applies"]
    beside = [(item, kind) for kind, item in kinds if kind in CPU_BOUND_BESIDE_APPLIES]
    rest = [item for kind, item in kinds if kind not in ("scanner", "applies", *CPU_BOUND_BESIDE_APPLIES)]
    dealt: list[pytest.Item] = []
    applied = cpu = 0.0
    queue = iter(beside)
    for item in long:
        dealt.append(item)
        applied += TYPICAL_SECONDS["applies"]
        while cpu < applied * CPU_SECONDS_PER_APPLY_SECOND:
            following = next(queue, None)
            if following is None:
                break
            dealt.append(following[0])
            cpu += TYPICAL_SECONDS[following[1]]
    items[:] = [*first, *dealt, *(item for item, _kind in queue), *rest]
