"""What a digest is: stories across reports (bilingual lines, each source's figures, conflicts) and their JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mt.types import Signature
from summarize.digest.conflicts import Conflict
from summarize.digest.reports import ReportFailure
from summarize.quality.qe import QE

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Line:
    """A bilingual sentence of a story and the report it comes from."""

    arabic: str
    english: str
    report: str
    source: str = ""
    qe: QE = QE()  # the quality check of `english`: its flags are what the reader should check

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"arabic": self.arabic, "english": self.english, "report": self.report, "source": self.source,
                "qe": self.qe.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Line:
        """The line that to_dict wrote (a JSON written before the check: no flags)."""
        return cls(data["arabic"], data["english"], data["report"], data["source"],
                   QE.from_dict(data["qe"]) if "qe" in data else QE())


@dataclass(frozen=True)
class StoryFigure:
    """A figure one report gives: its kind and value, as written, and the sentence it stands in."""

    kind: str
    value: int | float | str
    unit: str
    text: str
    report: str
    source: str
    arabic: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class DigestStory:
    """One story across reports."""

    id: str
    headline: Line
    reports: tuple[str, ...]  # every report of the story, duplicates included
    sources: tuple[str, ...]
    duplicates: dict[str, str] = field(default_factory=dict)  # report -> the report it repeats
    first: str | None = None  # ISO 8601 times of its earliest and latest reports
    last: str | None = None
    points: tuple[Line, ...] = ()
    figures: tuple[StoryFigure, ...] = ()
    conflicts: tuple[Conflict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"id": self.id, "headline": self.headline.to_dict(), "reports": list(self.reports),
                "sources": list(self.sources), "duplicates": dict(self.duplicates), "first": self.first,
                "last": self.last, "points": [p.to_dict() for p in self.points],
                "figures": [f.to_dict() for f in self.figures], "conflicts": [c.to_dict() for c in self.conflicts]}


@dataclass(frozen=True)
class Digest:
    """The stories of many reports, the reports that failed, and what was translated."""

    stories: tuple[DigestStory, ...]
    reports: int  # reports read and grouped
    failures: tuple[ReportFailure, ...]
    signature: Signature | None
    encoder: str  # what grouped them: "use" or "tfidf"
    sentences: int = 0  # the reports' sentences in all
    translated: int = 0  # segments sent to the translator (cache and memory answers included)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of the digest: {"stories": [...], "reports": N, "signature": ...}."""
        return {"version": FORMAT_VERSION, "stories": [s.to_dict() for s in self.stories], "reports": self.reports,
                "failures": [f.to_dict() for f in self.failures],
                "signature": self.signature.to_dict() if self.signature else None, "encoder": self.encoder,
                "sentences": self.sentences, "translated": self.translated}

