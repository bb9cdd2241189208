"""One pattern of a checkov skip: the package's, and scripts/checkov.sh's copy of it."""

from __future__ import annotations

import re
from pathlib import Path

from scaffold.checkov_skip import CHECKOV_SKIP, CHECKOV_SKIP_PATTERN

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "checkov.sh"


def test_the_scripts_copy_is_the_packages_pattern() -> None:
    # checkov.sh's Python runs in checkov's virtualenv, without the package: it keeps a copy.
    (copy,) = re.findall(r'^SKIP = re\.compile\(r"(.*)"\)$', SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert copy == CHECKOV_SKIP_PATTERN


def test_the_pattern_reads_the_id_and_the_reason() -> None:
    found = CHECKOV_SKIP.search('  # checkov:skip=CKV_AWS_117: the function must be in a VPC')
    assert found is not None
    assert (found["check"], found["reason"]) == ("CKV_AWS_117", "the function must be in a VPC")
    bare = CHECKOV_SKIP.search("#checkov:skip=CKV2_AWS_5")
    assert bare is not None and (bare["check"], bare["reason"], bare["rest"]) == ("CKV2_AWS_5", None, "")
    assert CHECKOV_SKIP.search("# checkov:skip=ckv_lower: x") is None
