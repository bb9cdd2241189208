#!/usr/bin/env bash
# Installs the tool with its test dependencies, checks the tools the tests need,
# and runs the whole suite. A missing tool fails the run instead of skipping tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

fail() { echo "scripts/test.sh: $*" >&2; exit 1; }
command -v terraform >/dev/null || fail "terraform is not on PATH; install Terraform >= 1.5"
command -v node >/dev/null || fail "node is not on PATH; the generated Node.js handler tests need it"

set +e
# --require-terraform (tests/fixtures_terraform.py): a skipped terraform or emulator
# test fails the run, and so does a run in which none of them ran.
python3 -m pytest -n auto --require-terraform "$@"
status=$?
set -e
# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
[ "$status" -eq 5 ] && fail "pytest collected no tests"
exit "$status"
