"""The digest of many reports: the day's stories across outlets, each with a headline, points, figures and conflicts.

Planned on the Arabic (summarize.digest.grouping, summarize.digest.plan); only what it shows — headlines, points and the
sentences of conflicting figures — goes through the one Translator (cache, memory, glossary) in one batch, and
only that is quality-checked (summarize.quality.check): each shown sentence carries its flags, as a brief's points do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from mt.types import Translation
from summarize import rank
from summarize.digest import plan
from summarize.digest.conflicts import Conflict, ConflictValue, find_conflicts
from summarize.digest.grouping import Grouping, GroupOptions, encode_reports, group_reports, resolve_encoder
from summarize.digest.model import Digest, DigestStory, Line, StoryFigure
from summarize.digest.reports import Report, ReportFailure
from summarize.quality.qe import QE, segments_qe

if TYPE_CHECKING:
    import numpy as np

    from mt.protocol import Translates

CHECK_CHUNK = 1024  # shown texts encoded together before their checks: both sides stay in the encoder's cache


@dataclass(frozen=True)
class DigestOptions:
    """What a digest shows per story and how its reports are grouped."""

    max_points: int = 4  # points of a story told by many reports; a single report's story shows its headline
    per_report: int = 3  # candidate sentences each report offers its story
    max_figures: int = 12  # figures listed per story
    duplicate_threshold: float = 0.8  # two sentences of different reports this alike (encoder) tell one fact
    support_weight: float = 0.5  # how much a fact told by the other reports adds to a sentence's rank
    grouping: GroupOptions = GroupOptions()
    check: bool = True  # quality-check the shown English (numbers, omission verdict); False: no flags

    def __post_init__(self) -> None:
        for name in ("max_points", "per_report", "max_figures"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidOption(name, value, ["an integer >= 0"])


def headline_report(members: Sequence[int], vectors: np.ndarray | None) -> int:
    """The report nearest the story's centroid (the encoder's vectors), else the first one."""
    if vectors is None or len(members) < 3:
        return members[0]
    centroid = vectors[list(members)].sum(axis=0)
    return max(members, key=lambda i: float(vectors[i] @ centroid))


def plan_story(members: tuple[int, ...], originals: Sequence[int], reports: Sequence[Report],
               sentences: plan.Sentences, vectors: np.ndarray | None, options: DigestOptions,
               ranker: str) -> plan.StoryPlan:
    """A story's headline, points and figures, in Arabic (originals: its reports that are not duplicates)."""
    head = headline_report(originals, vectors)
    k = 0 if len(originals) == 1 else min(options.max_points, len(originals))
    title = reports[head].title.strip()
    wanted = originals if k else ([] if title else [head])
    candidates = [c for i in wanted for c in plan.report_candidates(
        i, sentences.segments[i], sentences.figures[i], options.per_report, rank.RankOptions())]
    if not title and candidates:
        best = next((c for c in candidates if c.report == head), candidates[0])
        title = best.arabic
        candidates = [c for c in candidates if c is not best]
    points = plan.pick_points(candidates, k, ranker, options.duplicate_threshold, options.support_weight)
    return plan.StoryPlan(members, title or reports[head].text.strip().split("\n", 1)[0], head, tuple(points),
                          plan.source_figures(members, sentences.figures, options.max_figures))


def _times(reports: Sequence[Report]) -> tuple[str | None, str | None]:
    times = sorted(r.time for r in reports if r.time)
    return (times[0].isoformat(), times[-1].isoformat()) if times else (None, None)


def build_story(number: int, story: plan.StoryPlan, reports: Sequence[Report], grouping: Grouping,
                shown: dict[str, tuple[str, QE]]) -> DigestStory:
    """The Story of a plan, with the English (and its quality check) of what it shows."""
    members = [reports[i] for i in story.members]
    dup = {reports[i].id: reports[j].id for i, j in grouping.duplicate_of.items() if i in story.members}

    def line(arabic: str, index: int) -> Line:
        english, qe = shown.get(arabic, ("", QE()))
        return Line(arabic, english, reports[index].id, reports[index].source, qe)

    def value(v: ConflictValue) -> ConflictValue:  # a conflict's value with the English of its sentence
        english, qe = shown.get(v.arabic, ("", QE()))
        return replace(v, english=english, qe=qe)

    figures = tuple(StoryFigure(f.kind, f.value, f.unit, f.text, reports[i].id, reports[i].source, f.arabic)
                    for i, f in story.figures)
    conflicts = tuple(Conflict(c.kind, tuple(value(v) for v in c.values)) for c in story_conflicts(story, reports))
    first, last = _times(members)
    return DigestStory(f"story-{number}", line(story.headline, story.headline_report), tuple(r.id for r in members),
                 tuple(dict.fromkeys(r.source for r in members if r.source)), dup,
                 first, last, tuple(line(p.arabic, p.report) for p in story.points), figures, conflicts)


def story_conflicts(story: plan.StoryPlan, reports: Sequence[Report]) -> list[Conflict]:
    """The story's conflicts, from each report's headline figures."""
    return find_conflicts([(reports[i].id, reports[i].source, f) for i, f in story.figures])


def coverage_key(story: plan.StoryPlan, reports: Sequence[Report], grouping: Grouping) -> tuple:
    """Stories by coverage: distinct sources, then reports (duplicates not counted), then recency."""
    members = [reports[i] for i in story.members]
    originals = sum(i not in grouping.duplicate_of for i in story.members)
    latest = max((r.time.timestamp() for r in members if r.time), default=0.0)
    return (-len({r.source for r in members if r.source}), -originals, -latest)


def make_digest(reports: Sequence[Report], translator: Translates, options: DigestOptions = DigestOptions(),
                failures: Sequence[ReportFailure] = ()) -> Digest:
    """Group the reports into stories, plan each on the Arabic, translate only what is shown (one batch).

    translator: anything with translate_batch(texts) -> [Translation] and a signature (a Translator, the
    server's MicroBatcher or a RequestView).
    """
    encoder = resolve_encoder(options.grouping.encoder)
    vectors = encode_reports(reports, options.grouping) if reports and encoder == "use" else None
    grouping = group_reports(reports, options.grouping, vectors)
    sentences = plan.Sentences.of(reports)
    plans = []
    for members in grouping.stories:
        originals = tuple(i for i in members if i not in grouping.duplicate_of) or members
        plans.append(plan_story(members, originals, reports, sentences, vectors, options, encoder))
    plans.sort(key=lambda p: coverage_key(p, reports, grouping))
    shown = [p.headline for p in plans] + [c.arabic for p in plans for c in p.points]
    shown += [v.arabic for p in plans for c in story_conflicts(p, reports) for v in c.values]
    english, translated = translate_shown(list(dict.fromkeys(shown)), translator, options.check)
    stories = tuple(build_story(n, p, reports, grouping, english) for n, p in enumerate(plans, 1))
    return Digest(stories, len(reports), tuple(failures), getattr(translator, "signature", None),
                  grouping.encoder, sum(map(len, sentences.segments)), translated)


def translate_shown(texts: list[str], translator: Translates,
                    check: bool = True) -> tuple[dict[str, tuple[str, QE]], int]:
    """The English of each shown Arabic text (one batch through the translator) with its quality (flags of the
    check, unless check is False), and how many segments it took.

    Each text is checked as its own document: its neighbours in the batch are other reports' sentences, so they
    must not count as neighbours (alignment) nor set its expected length; one sentence is judged on the norm.
    """
    from summarize.quality.check import check_translation

    if not texts:
        return {}, 0
    translations = translator.translate_batch(texts)
    if check:
        checked = []
        for start in range(0, len(translations), CHECK_CHUNK):
            chunk = translations[start:start + CHECK_CHUNK]
            encode_together(chunk)
            checked += [check_translation(t) for t in chunk]
        translations = checked
    shown = {text: (t.text.replace("\n", " ").strip(), segments_qe(t.segments, range(len(t.segments))))
             for text, t in zip(texts, translations, strict=True)}
    return shown, sum(len(t.segments) for t in translations)


def encode_together(translations: Sequence[Translation]) -> None:
    """Encode the Arabic and English of these translations in batches, so that checking each one on its own (one
    or two sentences) reads the encoder's cache instead of running the encoder per text."""
    from summarize.lang.vectors import encoder_available, load_encoder

    if not encoder_available():
        return
    pairs = [s for t in translations for s in t.segments if s.source.strip() and s.target.strip()]
    encoder = load_encoder()
    encoder.encode([s.source for s in pairs])
    encoder.encode([s.target for s in pairs])
