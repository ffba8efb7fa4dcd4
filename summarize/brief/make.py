"""Making a brief: plan it on the Arabic, translate (and check) only what it shows, assemble the points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from mt.types import Segment, Signature, Translation
from summarize import rank
from summarize.brief.model import Brief, BriefStory, Point
from summarize.brief.plan import BriefPlan, PlanOptions, plan_brief
from summarize.brief.stories import StoryOptions
from summarize.lang.text import word_count
from summarize.quality.qe import segments_qe

if TYPE_CHECKING:
    from mt.protocol import Translates

ORDERS = ("document", "score")


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
        title_unit = plan.titles[s]  # None: the story has no title
        title = kept.index(title_unit) if title_unit is not None and title_unit in kept else None
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
    plan = plan_brief(segments, max_sentences, used, plan_options)
    return assemble(plan, segments, translation.signature, order, max_words)


def brief_text(translator: Translates, text: str, max_sentences: int = 5, max_words: int | None = None,
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
