"""Three-way merge of lines (diff3), on the standard library's difflib.

The regions where base, yours and theirs all agree are found from difflib's
matching blocks of base against each side; between two such regions, a side
that left the base alone takes the other side's change, two equal changes are
one, and two different changes are a conflict. That is diff3's rule, and the
one `merge3` (GPL-2.0-or-later, so not a dependency of this Apache-2.0 project)
implements.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Region:
    kind: str  # "unchanged", "yours", "theirs", "same" (both made one change) or "conflict"
    yours: Sequence[bytes]  # the lines to keep; for a conflict, your side
    theirs: Sequence[bytes] = ()  # for a conflict, their side


def matching_blocks(base: Sequence[bytes], side: Sequence[bytes]) -> list[tuple[int, int, int]]:
    """(base start, side start, length) of each run of lines both share, in order."""
    blocks = SequenceMatcher(None, base, side, autojunk=False).get_matching_blocks()
    return [(block.a, block.b, block.size) for block in blocks if block.size]


def stable_regions(
    base: Sequence[bytes], yours: Sequence[bytes], theirs: Sequence[bytes]
) -> Iterator[tuple[int, int, int, int]]:
    """(base start, base end, your start, their start) where all three hold the same lines."""
    mine, others = matching_blocks(base, yours), matching_blocks(base, theirs)
    i = j = 0
    while i < len(mine) and j < len(others):
        base_a, your_start, size_a = mine[i]
        base_b, their_start, size_b = others[j]
        start, end = max(base_a, base_b), min(base_a + size_a, base_b + size_b)
        if start < end:
            yield start, end, your_start + start - base_a, their_start + start - base_b
        if base_a + size_a < base_b + size_b:
            i += 1
        else:
            j += 1


def merge_regions(
    base: Sequence[bytes], yours: Sequence[bytes], theirs: Sequence[bytes]
) -> Iterator[Region]:
    base_at = your_at = their_at = 0
    ends = [(len(base), len(base), len(yours), len(theirs))]
    for base_start, base_end, your_start, their_start in [
        *stable_regions(base, yours, theirs),
        *ends,
    ]:
        original = base[base_at:base_start]
        mine, other = yours[your_at:your_start], theirs[their_at:their_start]
        if mine or other or original:
            if mine == other:
                yield Region("same", mine)
            elif mine == original:
                yield Region("theirs", other)
            elif other == original:
                yield Region("yours", mine)
            else:
                yield Region("conflict", mine, other)
        if base_start < base_end:
            yield Region("unchanged", base[base_start:base_end])
        length = base_end - base_start
        base_at, your_at, their_at = base_end, your_start + length, their_start + length
