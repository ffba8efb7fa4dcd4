"""A story's digest planned on the Arabic alone: its headline, its points and its figures, before any translation.

Each report's sentences are ranked as the brief ranks them (summarize.rank: lead prior, paragraph starts, LexRank);
a report's best few become the story's candidates, a fact several outlets tell gains support, and the points are
picked best first with any near-duplicate of a chosen one refused (the same fact told by two outlets is one point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mt.types import Segment
from summarize import rank
from summarize.brief.plan import candidates
from summarize.digest.reports import Report
from summarize.lang.figures import NEWS_KINDS, Figure, extract_figures

if TYPE_CHECKING:
    import numpy as np



@dataclass(frozen=True)
class Candidate:
    """A sentence (unit) of one report that may become a point."""

    report: int  # index in the digest's reports
    arabic: str
    score: float  # its rank inside its report, the report's best = 1


@dataclass(frozen=True)
class StoryPlan:
    """What a story will show, in Arabic: the headline, the points, and the figures of each report."""

    members: tuple[int, ...]  # report indices, duplicates included
    headline: str
    headline_report: int
    points: tuple[Candidate, ...]
    figures: tuple[tuple[int, Figure], ...]  # (report index, figure)


@dataclass(frozen=True)
class Sentences:
    """Every report's sentences (untranslated segments) and their figures, made once per digest."""

    segments: list[list[Segment]]
    figures: list[list[Figure]]

    @classmethod
    def of(cls, reports: Sequence[Report]) -> Sentences:
        """Split and read the figures of each report."""
        segments = [report_segments(r) for r in reports]
        return cls(segments, [extract_figures(s) for s in segments])


def report_segments(report: Report) -> list[Segment]:
    """The report's sentences as untranslated segments (target empty)."""
    from mt.splitter import split_sentences

    return [Segment(s.text, "", s.paragraph, s.span) for s in split_sentences(report.text)]


def report_candidates(index: int, segments: Sequence[Segment], figures: Sequence[Figure],
                      per_report: int, options: rank.RankOptions) -> list[Candidate]:
    """The best `per_report` units of one report by the brief's ranking (TF-IDF centrality; no encoder), from
    the brief's own candidates (summarize.brief.plan.candidates: never a piece too short or only a transition)."""
    units, keys = candidates(segments, figures, options)
    kept = [i for i, key in enumerate(keys) if key]
    units, keys = [units[i] for i in kept], [keys[i] for i in kept]
    if not units:
        return []
    sim = rank.similarity([u.arabic for u in units], "tfidf")
    score = rank.scores(sim, rank.figure_bonus(units, figures), options, rank.paragraph_starts(units))
    chosen = rank.select(score, sim, keys, per_report, options)
    best = float(score[chosen[0]]) if chosen else 1.0
    return [Candidate(index, units[i].arabic, float(score[i]) / best) for i in chosen]


def support(candidates: Sequence[Candidate], sim: np.ndarray, alike: float = 0.6) -> np.ndarray:
    """Per candidate, the share of the story's other reports with a candidate at least `alike` to it."""
    import numpy as np

    reports = sorted({c.report for c in candidates})
    if len(reports) < 2:
        return np.zeros(len(candidates))
    owner = np.array([c.report for c in candidates])
    best = np.stack([np.where(owner[None, :] == r, sim, -1.0).max(axis=1) for r in reports], axis=1)
    other = owner[:, None] != np.array(reports)[None, :]
    return ((best >= alike) & other).sum(axis=1) / (len(reports) - 1)


def pick_points(candidates: Sequence[Candidate], k: int, encoder: str, duplicate_threshold: float,
                support_weight: float) -> list[Candidate]:
    """The k best candidates, a fact told by several reports first, never two near-duplicates."""
    import numpy as np

    if k <= 0 or not candidates:
        return []
    sim = rank.similarity([c.arabic for c in candidates], encoder)
    score = np.array([c.score for c in candidates]) + support_weight * support(candidates, sim)
    keys = [rank.dedup_key(c.arabic) or str(i) for i, c in enumerate(candidates)]
    options = rank.RankOptions(duplicate_threshold=duplicate_threshold)
    return [candidates[i] for i in rank.select(score, sim, keys, k, options)]


def source_figures(members: Sequence[int], figures_of: Sequence[list[Figure]],
                  limit: int) -> tuple[tuple[int, Figure], ...]:
    """Each report's first figure of each compared kind (a report's lede gives its headline toll)."""
    chosen = []
    for index in members:
        seen: set[str] = set()
        for figure in figures_of[index]:
            if figure.kind in NEWS_KINDS and figure.kind not in seen:
                seen.add(figure.kind)
                chosen.append((index, figure))
    chosen.sort(key=lambda pair: NEWS_KINDS.index(pair[1].kind))
    return tuple(chosen[:limit])
