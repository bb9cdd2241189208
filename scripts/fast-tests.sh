#!/usr/bin/env bash
# The fast lane for everyday work: every test that needs neither Terraform, nor the AWS
# API emulator, nor a pseudo-terminal, nor the checkov scanner, nor the mutation harness.
# It proves the answers, the rendering, the structure of the generated Terraform, the
# check command on hand-made plans, the write path and bad input; scripts/test.sh (what
# CI runs) proves the rest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import pytest, xdist' 2>/dev/null \
  || { echo "scripts/fast-tests.sh: the test extra is not installed: pip install -e '.[test]'" >&2; exit 1; }
set +e
python3 -m pytest -n auto --dist load --maxschedchunk 1 --durations=10 \
  -m "not terraform and not emulator and not pty and not scanner and not mutation" "$@"
status=$?
set -e
[ "$status" -eq 5 ] && { echo "scripts/fast-tests.sh: pytest collected no tests" >&2; exit 1; }
exit "$status"
