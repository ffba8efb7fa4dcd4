"""Stories across reports: reports of the same event (its follow-ups and reactions) grouped together.

Two reports are alike by `summarize.digest.similarity.pair_score` (the encoder's cosine, TF-IDF of title and lead,
of the titles, of the particulars they share — rare names and numbers —, decayed with the time between them).
Candidates come from each report's nearest neighbours by the encoder (numpy top-k over unit vectors, in blocks,
inside the time window), or by TF-IDF without the encoder (an inverted index): never all pairs. Stories are then
built by average linkage: candidate pairs are taken best first, and the two stories they join merge when the mean
pair score over all their cross pairs (`story_score` for a single report) reaches the threshold, inside the time
window. The monitor assigns a new report to a stored story by the same `story_score` and threshold.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from summarize.digest.reports import Report
from summarize.digest.similarity import (
    ENCODERS,
    GroupOptions,
    ReportFeatures,
    key_text,
    pair_score,
    repeat_key,
    report_features,
    sparse_dot,
)
from summarize.lang.vectors import resolve_vectors

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ENCODERS", "GroupOptions", "Grouping", "encode_reports", "group_reports", "key_text", "nearest",
           "sparse_dot", "tfidf_neighbours"]


@dataclass(frozen=True)
class Grouping:
    """Stories as lists of report indices (largest first), and which report repeats which."""

    stories: tuple[tuple[int, ...], ...]
    duplicate_of: dict[int, int] = field(default_factory=dict)  # report index -> the earlier report it repeats
    encoder: str = "tfidf"
    pairs: int = 0  # candidate pairs scored


def nearest(vectors: np.ndarray, k: int, block: int = 1024, times: np.ndarray | None = None,
            window: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosines) of each unit vector's k nearest others (-1 / -inf where it has fewer), a block at a time.

    With times (seconds; NaN: none) and a window (seconds), the rows go in time order and a block is compared only
    with the reports inside the window around it (and those without a time): two reports further apart can never
    share a story, and the cost grows with the reports of a window rather than with all of them.
    """
    import numpy as np

    n = len(vectors)
    idx = np.full((n, max(k, 0)), -1, dtype=np.int64)
    sims = np.full((n, max(k, 0)), -np.inf, dtype=np.float32)
    if n < 2 or k < 1:
        return idx, sims
    if times is None or window is None:  # unbounded: as if no report had a time (every pair compared)
        times, window = np.full(n, np.nan), math.inf
    timed = ~np.isnan(times)
    order = np.argsort(np.where(timed, times, np.inf), kind="stable")
    n_timed = int(timed.sum())
    ordered = times[order[:n_timed]]
    untimed = order[n_timed:]
    for start in range(0, n, block):
        rows = order[start:start + block]
        cols = np.arange(n)
        if start + len(rows) <= n_timed:
            lo = np.searchsorted(ordered, ordered[start] - window, "left")
            hi = np.searchsorted(ordered, ordered[start + len(rows) - 1] + window, "right")
            cols = np.concatenate([order[lo:hi], untimed])
        part = vectors[rows] @ vectors[cols].T
        part[rows[:, None] == cols[None, :]] = -np.inf  # not its own neighbour
        # each row's own window (a NaN gap, a report without a time, compares False: kept)
        part[np.abs(times[rows][:, None] - times[cols][None, :]) > window] = -np.inf
        kk = min(k, len(cols) - 1)
        if kk < 1:
            continue
        top = np.argpartition(-part, kk - 1, axis=1)[:, :kk]
        found = np.take_along_axis(part, top, axis=1)
        idx[rows, :kk] = np.where(np.isfinite(found), cols[top], -1)
        sims[rows, :kk] = found
    return idx, sims


def tfidf_neighbours(rows: Sequence[dict[str, float]], k: int, max_df: int = 200) -> list[list[int]]:
    """Each row's k best partners by TF-IDF through an inverted index (terms in more than max_df rows skipped)."""
    postings: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        for term in row:
            postings.setdefault(term, []).append(i)
    out = []
    for i, row in enumerate(rows):
        scores: dict[int, float] = {}
        for term, weight in row.items():
            posting = postings[term]
            if len(posting) <= max_df:
                for j in posting:
                    scores[j] = scores.get(j, 0.0) + weight * rows[j][term]
        scores.pop(i, None)
        out.append([j for j, _ in heapq.nlargest(k, scores.items(), key=lambda item: item[1])])
    return out


def resolve_encoder(name: str) -> str:
    """'use' or 'tfidf': 'auto' is the encoder when its package is installed."""
    return resolve_vectors(name)


def encode_reports(reports: Sequence[Report], options: GroupOptions) -> np.ndarray | None:
    """The encoder's unit vectors of the reports' key texts, or None under 'tfidf'."""
    from summarize.lang.vectors import load_encoder

    if resolve_encoder(options.encoder) == "tfidf":
        return None
    return load_encoder().encode([key_text(r, options.encoder_words) for r in reports])


class _Stories:
    """Stories as member lists, merged by average linkage of pair scores (computed pairs remembered)."""

    def __init__(self, features: list[ReportFeatures], options: GroupOptions) -> None:
        self.features = features
        self.options = options
        self.parent = list(range(len(features)))
        self.members = {i: [i] for i in range(len(features))}
        self.span = {i: (f.time, f.time) for i, f in enumerate(features)}
        self.scores: dict[tuple[int, int], float] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def score(self, i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        if key not in self.scores:
            self.scores[key] = pair_score(self.features[i], self.features[j], self.options)
        return self.scores[key]

    def link(self, a: int, b: int) -> float:
        """Average linkage: the mean pair score over every report of a with every report of b."""
        ma, mb = self.members[a], self.members[b]
        return sum(self.score(i, j) for i in ma for j in mb) / (len(ma) * len(mb))

    def span_with(self, a: int, b: int) -> float:
        """Hours from the earliest to the latest report of a and b together (0 without times)."""
        starts = [s for s in (self.span[a][0], self.span[b][0]) if s is not None]
        ends = [e for e in (self.span[a][1], self.span[b][1]) if e is not None]
        return (max(ends) - min(starts)) / 3600 if starts else 0.0

    def merge(self, a: int, b: int) -> None:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a] += self.members.pop(b)
        starts = [s for s in (self.span[a][0], self.span[b][0]) if s is not None]
        ends = [e for e in (self.span[a][1], self.span.pop(b)[1]) if e is not None]
        self.span[a] = (min(starts), max(ends)) if starts else (None, None)


def candidate_pairs(features: list[ReportFeatures], options: GroupOptions) -> list[tuple[float, float, int, int]]:
    """(score, words cosine, i, j) of each report and its nearest neighbours (encoder, else TF-IDF), best first."""
    import numpy as np

    partners: set[tuple[int, int]] = set()
    given = [f.vector for f in features if f.vector is not None]
    if features and len(given) == len(features):
        vectors = np.stack(given)
        times = np.array([f.time if f.time is not None else np.nan for f in features], dtype=np.float64)
        window = options.window_seconds
        idx, _ = nearest(vectors, options.neighbours, options.block, times, window)
        partners.update((min(i, int(j)), max(i, int(j))) for i in range(len(features)) for j in idx[i] if j >= 0)
    else:  # the inverted index is pure Python: with vectors it would cost more than the rest (and add ~0.3% F1)
        near = tfidf_neighbours([f.words for f in features], options.neighbours)
        partners.update((min(i, j), max(i, j)) for i, js in enumerate(near) for j in js)
    scored = [(pair_score(features[i], features[j], options), sparse_dot(features[i].words, features[j].words),
               i, j) for i, j in partners]
    scored.sort(reverse=True)
    return scored


def group_reports(reports: Sequence[Report], options: GroupOptions = GroupOptions(),
                  vectors: np.ndarray | None = None) -> Grouping:
    """Group reports into stories (see the module docstring); vectors: the encoder's, if already made."""
    if not reports:
        return Grouping((), {}, "none", 0)
    used = resolve_encoder(options.encoder)
    if used == "use" and vectors is None:
        vectors = encode_reports(reports, options)
    features = report_features(reports, options, vectors if used == "use" else None)
    stories = _Stories(features, options)
    pairs = candidate_pairs(features, options)
    for score, _, i, j in pairs:
        stories.scores[(i, j)] = score
    duplicate_of = {}
    for i, j in _duplicates(reports, pairs, options).items():
        a, b = stories.find(i), stories.find(j)
        if a == b or options.window_hours is None or stories.span_with(a, b) <= options.window_hours:
            duplicate_of[i] = j
            if a != b:
                stories.merge(a, b)
    threshold = options.threshold if used == "use" else options.tfidf_threshold
    for score, _, i, j in pairs:
        if score < threshold:
            break  # the rest are weaker still: a merge starts from a pair that reaches the threshold itself
        a, b = stories.find(i), stories.find(j)
        if a == b:
            continue
        in_window = options.window_hours is None or stories.span_with(a, b) <= options.window_hours
        if in_window and stories.link(a, b) >= threshold:
            stories.merge(a, b)
    groups = sorted((tuple(sorted(m)) for m in stories.members.values()), key=lambda g: (-len(g), g[0]))
    return Grouping(tuple(groups), duplicate_of, used, len(pairs))


def _duplicates(reports: Sequence[Report], pairs: list[tuple[float, float, int, int]],
                options: GroupOptions) -> dict[int, int]:
    """Report index -> the first report it repeats: the same text, or title+lead alike by both measures."""
    first_of: dict[str, int] = {}
    duplicate_of: dict[int, int] = {}
    for i, report in enumerate(reports):
        key = repeat_key(report)
        if key in first_of:
            duplicate_of[i] = first_of[key]
        else:
            first_of[key] = i
    for similarity, words, i, j in pairs:
        if min(similarity, words) >= options.duplicate_threshold and j not in duplicate_of:
            duplicate_of[j] = duplicate_of.get(i, i)
    return duplicate_of
