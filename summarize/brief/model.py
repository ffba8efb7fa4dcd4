"""What a brief is: its headline, points (Arabic + the engine's English), stories and figures, and their JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mt.types import Signature
from summarize.lang.figures import Figure
from summarize.quality.qe import QE

FORMAT_VERSION = 2  # 2: stories


@dataclass(frozen=True)
class Point:
    """One chosen sentence: the Arabic, the engine's English of exactly those segments, and its rank."""

    arabic: str
    english: str
    score: float
    paragraph: int
    qe: QE = QE()
    segments: tuple[int, ...] = ()  # indices of the translation's segments it is made of

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"arabic": self.arabic, "english": self.english, "score": self.score,
                "paragraph": self.paragraph, "qe": self.qe.to_dict(), "segments": list(self.segments)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        """The point that to_dict wrote."""
        return cls(data["arabic"], data["english"], data["score"], data["paragraph"],
                   QE.from_dict(data["qe"]), tuple(data["segments"]))


@dataclass(frozen=True)
class BriefStory:
    """One story of the report in its brief: its segments [start, end) and its title, points and figures
    (indices into Brief.points and Brief.figures; title None when the story got no point)."""

    span: tuple[int, int]
    title: int | None
    points: tuple[int, ...] = ()
    figures: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"span": list(self.span), "title": self.title, "points": list(self.points),
                "figures": list(self.figures)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BriefStory:
        """The story that to_dict wrote."""
        return cls(tuple(data["span"]), data["title"], tuple(data["points"]), tuple(data["figures"]))


@dataclass(frozen=True)
class Brief:
    """A bilingual extractive brief of one translated report."""

    headline: Point | None
    points: tuple[Point, ...]
    figures: tuple[Figure, ...]
    ranker: str  # "use" | "tfidf" ("none" for an empty document: nothing was ranked)
    signature: Signature
    order: str = "document"
    source_segments: int = 0  # how many segments the report had
    stories: tuple[BriefStory, ...] = ()
    translated_segments: int = 0  # how many of them were translated to make the brief

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; Brief.from_dict(brief.to_dict()) == brief, also through json."""
        return {
            "version": FORMAT_VERSION,
            "headline": self.headline.to_dict() if self.headline else None,
            "points": [p.to_dict() for p in self.points],
            "figures": [f.to_dict() for f in self.figures],
            "ranker": self.ranker,
            "signature": self.signature.to_dict(),
            "order": self.order,
            "source_segments": self.source_segments,
            "stories": [story.to_dict() for story in self.stories],
            "translated_segments": self.translated_segments,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Brief:
        """The brief that to_dict wrote."""
        headline = data["headline"]
        return cls(
            headline=Point.from_dict(headline) if headline else None,
            points=tuple(Point.from_dict(p) for p in data["points"]),
            figures=tuple(Figure.from_dict(f) for f in data["figures"]),
            ranker=data["ranker"],
            signature=Signature(**data["signature"]),
            order=data["order"],
            source_segments=data["source_segments"],
            # Version 1 (before stories) had neither field: its whole report was translated.
            stories=tuple(BriefStory.from_dict(s) for s in data.get("stories", ())),
            translated_segments=data.get("translated_segments", data["source_segments"]),
        )
