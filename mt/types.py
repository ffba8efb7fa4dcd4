"""The values the engine hands out: segments, whole translations and their signatures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Flag:
    """A quality warning attached to one segment (e.g. a number missing from the English)."""

    kind: str  # "number" | "similarity" | ...
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSegment:
    """One sentence (or one piece of an over-long sentence) of the original text."""

    text: str  # the original characters, text[span[0]:span[1]] of the document
    paragraph: int  # 0-based index of the line the segment lies on
    span: tuple[int, int]  # character offsets in the original document


@dataclass(frozen=True)
class Segment:
    """A source segment and its English translation."""

    source: str
    target: str
    paragraph: int
    span: tuple[int, int]
    flags: tuple[Flag, ...] = ()
    similarity: float | None = None  # cross-lingual similarity, when a quality check ran
    alternatives: tuple[str, ...] = ()
    origin: str = "model"  # "memory": an analyst's stored correction, used verbatim
    score: float | None = None  # the engine's confidence in `target` (log-probability per token), if it gave one

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the segment."""
        data = asdict(self)
        data["span"] = list(self.span)
        data["alternatives"] = list(self.alternatives)
        data["flags"] = [asdict(f) for f in self.flags]
        return data


@dataclass(frozen=True)
class Signature:
    """What produced a translation: enough to reproduce it."""

    model: str
    revision: str | None
    engine: str
    compute_type: str
    beam_size: int
    device: str = "cpu"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the signature."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"model:{self.model}|rev:{self.revision or 'local'}|engine:{self.engine}"
            f"|compute:{self.compute_type}|beam:{self.beam_size}|device:{self.device}"
        )


@dataclass(frozen=True)
class Translation:
    """A translated document, sentence-aligned with its source."""

    source_text: str
    segments: tuple[Segment, ...]
    signature: Signature

    @property
    def text(self) -> str:
        """The English document: one output line per input line, blank lines kept."""
        n_lines = self.source_text.count("\n") + 1 if self.source_text else 0
        lines: list[list[str]] = [[] for _ in range(n_lines)]
        for seg in self.segments:
            if seg.target:
                lines[seg.paragraph].append(seg.target)
        return "\n".join(" ".join(parts) for parts in lines)

    def with_segments(self, segments: list[Segment] | tuple[Segment, ...]) -> Translation:
        """A copy with other segments (e.g. with quality flags filled in)."""
        return replace(self, segments=tuple(segments))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: text, segments and signature."""
        return {
            "text": self.text,
            "segments": [s.to_dict() for s in self.segments],
            "signature": self.signature.to_dict(),
        }
