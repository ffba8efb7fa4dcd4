"""The bilingual brief: a headline, a few key sentences (Arabic + the engine's English) and key figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mt.errors import InvalidOption
from mt.types import Flag, Segment, Signature, Translation
from summarize import rank
from summarize.figures import Figure, extract_figures, key_figures
from summarize.text import word_count

ORDERS = ("document", "score")
FORMAT_VERSION = 1


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
class Brief:
    """A bilingual extractive brief of one translated report."""

    headline: Point | None
    points: tuple[Point, ...]
    figures: tuple[Figure, ...]
    ranker: str  # "use" | "tfidf" ("none" for an empty document: nothing was ranked)
    signature: Signature
    order: str = "document"
    source_segments: int = 0  # how many segments the translation had

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
        )

    def to_markdown(self) -> str:
        """The brief as Markdown: headline, numbered points (Arabic then English), figures table."""
        from summarize.render import to_markdown

        return to_markdown(self)

    def to_html(self, standalone: bool = False) -> str:
        """The brief as HTML (escaped; Arabic in dir="rtl" lang="ar" blocks); a whole page if standalone."""
        from summarize.render import to_html

        return to_html(self, standalone=standalone)


def _qe(segments: Sequence[Segment], indices: Sequence[int]) -> QE:
    sims = [segments[i].similarity for i in indices if segments[i].similarity is not None]
    flags = tuple(f for i in indices for f in segments[i].flags)
    return QE(min(sims) if sims else None, flags)


def check_options(max_sentences: object, max_words: object, order: str) -> None:
    """InvalidOption, naming the valid choices, for a bad sentence count, word budget or order."""
    if isinstance(max_sentences, bool) or not isinstance(max_sentences, int) or max_sentences < 1:
        raise InvalidOption("max_sentences", max_sentences, ["an integer >= 1"])
    if max_words is not None and (isinstance(max_words, bool) or not isinstance(max_words, int)
                                  or max_words < 1):
        raise InvalidOption("max_words", max_words, ["None", "an integer >= 1"])
    if order not in ORDERS:
        raise InvalidOption("order", order, ORDERS)


def _candidates(segments: Sequence[Segment], figures: Sequence[Figure],
                options: rank.RankOptions) -> tuple[list[rank.Unit], list[str]]:
    """The rankable units and their duplicate keys ("" = may not be a point: too short)."""
    units = rank.group_units(segments, {f.segment for f in figures if f.kind != "number"},
                             options.min_words, options.max_unit_segments)
    keys = [rank.dedup_key(u.arabic) if word_count(u.arabic) >= options.min_words else "" for u in units]
    if not any(keys):  # only short pieces (a one-line report): every segment is a candidate
        units = rank.group_units(segments, set(), 0, 1)
        keys = [rank.dedup_key(u.arabic) for u in units]
    return units, keys


def make_brief(translation: Translation, max_sentences: int = 5, max_words: int | None = None,
               order: str = "document", *, ranker: str = "auto", options: rank.RankOptions | None = None,
               max_figures: int | None = 12) -> Brief:
    """Brief a translation: rank its Arabic sentences, pick the best, pair each with its English."""
    check_options(max_sentences, max_words, order)
    options = options or rank.RankOptions()
    used = rank.resolve_ranker(ranker)
    segments = translation.segments
    figures = extract_figures(segments)
    brief_figures = tuple(key_figures(figures, max_figures))
    units, keys = _candidates(segments, figures, options)
    if not any(keys):
        return Brief(None, (), brief_figures, "none", translation.signature, order, len(segments))
    sim = rank.unit_similarity(units, segments, used)  # judges duplicates
    central_sim = sim if options.centrality_on == "ranker" or used == "tfidf" else rank.similarity(
        [u.arabic for u in units], "tfidf")
    score = rank.scores(central_sim, rank.figure_bonus(units, figures), options, rank.paragraph_starts(units))
    budget = {"words": 0}

    def fits(i: int) -> bool:
        """Whether unit i's English still fits the word budget (and spend it if so)."""
        words = word_count(units[i].english)
        if max_words is not None and budget["words"] + words > max_words:
            return False
        budget["words"] += words
        return True

    chosen = rank.select(score, sim, keys, max_sentences, options, fits)
    head = max((i for i, key in enumerate(keys) if key), key=lambda i: score[i])

    def point(i: int) -> Point:
        """Unit i as a point."""
        unit = units[i]
        return Point(unit.arabic, unit.english, round(float(score[i]), 6), unit.paragraph,
                     _qe(segments, unit.segments), unit.segments)

    chosen.sort(key=(lambda i: units[i].segments[0]) if order == "document" else (lambda i: -score[i]))
    return Brief(point(head), tuple(point(i) for i in chosen), brief_figures, used, translation.signature,
                 order, len(segments))
