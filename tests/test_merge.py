"""diff3 on lines: what each side changed is kept; overlapping changes are a conflict."""

from __future__ import annotations

import pytest

from scaffold.merge import merge_regions


def merged(base: str, yours: str, theirs: str) -> list[tuple[str, str, str]]:
    def lines(text: str) -> list[bytes]:
        return text.encode().splitlines(keepends=True)

    return [
        (region.kind, b"".join(region.yours).decode(), b"".join(region.theirs).decode())
        for region in merge_regions(lines(base), lines(yours), lines(theirs))
    ]


BASE = "a\nb\nc\nd\ne\n"


@pytest.mark.parametrize(
    ("yours", "theirs", "expected"),
    [
        (BASE, BASE, [("unchanged", BASE, "")]),
        ("a\nB\nc\nd\ne\n", BASE, [("unchanged", "a\n", ""), ("yours", "B\n", ""), ("unchanged", "c\nd\ne\n", "")]),
        (BASE, "a\nb\nc\nD\ne\n", [("unchanged", "a\nb\nc\n", ""), ("theirs", "D\n", ""), ("unchanged", "e\n", "")]),
        ("a\nB\nc\nd\ne\n", "a\nb\nc\nD\ne\n",
         [("unchanged", "a\n", ""), ("yours", "B\n", ""), ("unchanged", "c\n", ""), ("theirs", "D\n", ""), ("unchanged", "e\n", "")]),
        ("a\nX\nc\nd\ne\n", "a\nX\nc\nd\ne\n", [("unchanged", "a\n", ""), ("same", "X\n", ""), ("unchanged", "c\nd\ne\n", "")]),
        ("a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n", [("unchanged", "a\n", ""), ("conflict", "X\n", "Y\n"), ("unchanged", "c\nd\ne\n", "")]),
        (BASE + "mine\n", BASE, [("unchanged", BASE, ""), ("yours", "mine\n", "")]),
        ("a\nb\nc\nd\ne\n", "0\na\nb\nc\nd\ne\n", [("theirs", "0\n", ""), ("unchanged", BASE, "")]),
        ("a\nc\nd\ne\n", "a\nb\nc\nd\n", [("unchanged", "a\n", ""), ("yours", "", ""), ("unchanged", "c\nd\n", ""), ("theirs", "", "")]),
        ("", "x\n", [("conflict", "", "x\n")]),
    ],
    ids=["untouched", "yours-only", "theirs-only", "both-apart", "same-change", "overlap", "appended", "prepended",
         "deletions-apart", "deleted-vs-changed"],
)  # fmt: skip
def test_merge_regions(yours: str, theirs: str, expected: list[tuple[str, str, str]]) -> None:
    assert merged(BASE, yours, theirs) == expected


def test_a_clean_merge_keeps_both_sides() -> None:
    yours = "a\nB\nc\nd\ne\nmine\n"
    theirs = "new\na\nb\nc\nD\ne\n"
    text = "".join(kind_text for kind, kind_text, _ in merged(BASE, yours, theirs))
    assert text == "new\na\nB\nc\nD\ne\nmine\n"
