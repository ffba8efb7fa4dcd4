"""The bilingual brief: a headline, a few key sentences (Arabic + the engine's English) and key figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from mt.errors import InvalidOption
from mt.types import Flag, Segment, Signature, Translation
from summarize import rank
from summarize.brief.plan import BriefPlan, PlanOptions, plan_brief
from summarize.brief.stories import StoryOptions
from summarize.lang.figures import Figure
from summarize.lang.text import word_count

if TYPE_CHECKING:
    from mt.translator import Translator

ORDERS = ("document", "score")
FORMAT_VERSION = 2  # 2: stories


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

    def to_markdown(self) -> str:
        """The brief as Markdown: headline, numbered points (Arabic then English), figures table."""
        from summarize.render.brief import to_markdown

        return to_markdown(self)

    def to_html(self, standalone: bool = False) -> str:
        """The brief as HTML (escaped; Arabic in dir="rtl" lang="ar" blocks); a whole page if standalone."""
        from summarize.render.brief import to_html

        return to_html(self, standalone=standalone)


def segments_qe(segments: Sequence[Segment], indices: Sequence[int]) -> QE:
    """The quality of the segments at `indices`: their lowest similarity and all their flags."""
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


def _point(plan: BriefPlan, segments: Sequence[Segment], unit: int) -> Point:
    """A planned unit as a point, with the English and quality of its segments."""
    indices = plan.units[unit].segments
    english = " ".join(segments[i].target.strip() for i in indices if segments[i].target.strip())
    return Point(plan.units[unit].arabic, english, round(plan.score[unit], 6), plan.units[unit].paragraph,
                 segments_qe(segments, indices), indices)


def assemble(plan: BriefPlan, segments: Sequence[Segment], signature: Signature, order: str = "document",
             max_words: int | None = None, translated: int | None = None) -> Brief:
    """The brief a plan shows, its English taken from `segments` (translated where the plan shows them).

    max_words: points are kept in the order they were chosen while their English fits the budget.
    """
    if plan.head is None:
        return Brief(None, (), (), "none", signature, order, len(segments), translated_segments=translated or 0)
    chosen = {unit: _point(plan, segments, unit) for unit in plan.chosen}  # made once: budget and brief
    budget, kept = 0, []
    for unit in plan.chosen:
        words = word_count(chosen[unit].english)
        if max_words is None or budget + words <= max_words:
            budget += words
            kept.append(unit)
    kept.sort(key=(lambda i: plan.units[i].segments[0]) if order == "document" else (lambda i: -plan.score[i]))
    figures = tuple(replace(f, english=segments[f.segment].target) for f in plan.figures)
    stories = []
    for s, story in enumerate(plan.stories):
        points = tuple(k for k, unit in enumerate(kept) if plan.story_of(unit) == s)
        title = kept.index(plan.titles[s]) if plan.titles[s] in kept else None
        own = tuple(k for k, f in enumerate(figures) if story.span[0] <= f.segment < story.span[1])
        stories.append(BriefStory(story.span, title, points, own))
    count = len(segments) if translated is None else translated
    return Brief(_point(plan, segments, plan.head), tuple(chosen[u] for u in kept), figures,
                 plan.ranker, signature, order, len(segments), tuple(stories), count)


def make_brief(translation: Translation, max_sentences: int = 5, max_words: int | None = None,
               order: str = "document", *, ranker: str = "auto", options: rank.RankOptions | None = None,
               stories: StoryOptions | None = StoryOptions(), max_figures: int | None = 12) -> Brief:
    """Brief a whole translation: rank its Arabic, one point per story first, pair each with its English.

    stories: how stories are found (None: the report is one story, the ranking before stories).
    """
    check_options(max_sentences, max_words, order)
    plan_options = PlanOptions(options or rank.RankOptions(), stories, max_figures)
    used = rank.resolve_ranker(ranker)
    segments = translation.segments
    budget = {"words": 0}

    def fits(_: int, unit: rank.Unit) -> bool:
        """Whether a unit's English still fits the word budget (and spend it if so)."""
        words = word_count(unit.english)
        if max_words is not None and budget["words"] + words > max_words:
            return False
        budget["words"] += words
        return True

    plan = plan_brief(segments, max_sentences, used, plan_options, fits)
    return assemble(plan, segments, translation.signature, order, max_words)


def brief_text(translator: Translator, text: str, max_sentences: int = 5, max_words: int | None = None,
               order: str = "document", *, ranker: str = "auto", check: bool = True,
               options: PlanOptions | None = None) -> Brief:
    """Brief an Arabic text translating only what the brief shows (headline, points, figure sentences).

    The translator (a Translator, the server's MicroBatcher or a request's view) prepares the text, and decodes
    the chosen segments with its cache, glossary and memory; the quality check runs on those segments only.
    """
    from summarize.quality.check import check_translation

    check_options(max_sentences, max_words, order)
    used = rank.resolve_ranker(ranker)
    prepared = translator.prepare(text)
    arabic = [Segment(p.source.text, "", p.source.paragraph, p.source.span) for p in prepared]
    plan = plan_brief(arabic, max_sentences, used, options or PlanOptions())
    wanted = plan.segments_to_translate()
    shown = translator.translate_prepared(text, [prepared[i] for i in wanted])
    if check:
        shown = check_translation(shown)
    for index, segment in zip(wanted, shown.segments, strict=True):
        arabic[index] = segment
    return assemble(plan, arabic, shown.signature, order, max_words, len(wanted))
