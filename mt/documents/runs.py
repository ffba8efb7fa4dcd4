"""Shared by the formats that keep inline runs: which run's formatting a translated paragraph keeps."""

from __future__ import annotations


def dominant(texts: list[str]) -> int:
    """Index of the run holding the most non-space characters (the first on a tie; 0 when none)."""
    best, size = 0, -1
    for i, text in enumerate(texts):
        n = len("".join(text.split()))
        if n > size:
            best, size = i, n
    return best
