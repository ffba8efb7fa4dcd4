"""The quality of a shown line: its lowest cross-lingual similarity and the flags a reader should check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mt.types import Flag, Segment


@dataclass(frozen=True)
class QE:
    """Quality estimate of a point: the lowest cross-lingual similarity of its segments and their flags."""

    similarity: float | None = None  # None when no quality check ran
    flags: tuple[Flag, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"similarity": self.similarity, "flags": [asdict(f) for f in self.flags]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QE:
        """The QE that to_dict wrote."""
        return cls(data["similarity"], tuple(Flag(**f) for f in data["flags"]))



def segments_qe(segments: Sequence[Segment], indices: Sequence[int]) -> QE:
    """The quality of the segments at `indices`: their lowest similarity and all their flags."""
    sims = [sim for i in indices if (sim := segments[i].similarity) is not None]
    flags = tuple(f for i in indices for f in segments[i].flags)
    return QE(min(sims) if sims else None, flags)
