"""Stories across reports: reports of the same event (its follow-ups and reactions) grouped together.

Each report is read as its title and lead (what the outlet says the report is about). Two reports are alike by
a blend of the sentence encoder's cosine (meaning, across wordings) and TF-IDF over stemmed Arabic content words
(the names, places and numbers they share). Candidates come from each report's nearest neighbours (numpy top-k
over unit vectors, in blocks: never all pairs at once), then stories are built by average linkage: two stories
merge, best pair first, when the cosine of their centroids reaches `threshold`, inside a time window.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from summarize.digest.reports import Report
from summarize.lang.text import fold_spelling
from summarize.lang.vectors import tfidf_rows

if TYPE_CHECKING:
    import numpy as np

ENCODERS = ("auto", "use", "tfidf")


@dataclass(frozen=True)
class GroupOptions:
    """How reports are grouped into stories (defaults chosen on ANT dev 1-2 March: development figures)."""

    threshold: float = 0.42  # centroid similarity two stories need to merge (encoder and words blended)
    tfidf_threshold: float = 0.25  # the same without the encoder: word-only cosines run lower
    encoder_weight: float = 0.5  # the encoder's share of a pair's similarity (the rest: TF-IDF of words)
    neighbours: int = 20  # candidate partners per report (nearest by the encoder, or by TF-IDF)
    window_hours: float | None = 48.0  # a story spans at most this much time (reports that give one); None: any
    duplicate_threshold: float = 0.9  # title+lead this alike (both measures): the same article again
    lead_words: int = 120  # words of the text after the title that TF-IDF reads
    encoder_words: int = 30  # ... and that the encoder reads (its cost grows with the length)
    encoder: str = "auto"  # "use", "tfidf" (no encoder), or auto: the encoder when installed
    block: int = 1024  # rows per similarity block (memory: block x reports floats)

    def __post_init__(self) -> None:
        if self.encoder not in ENCODERS:
            raise InvalidOption("encoder", self.encoder, ENCODERS)
        for name in ("threshold", "tfidf_threshold", "encoder_weight", "duplicate_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidOption(name, value, ["a number from 0 to 1"])
        for name in ("neighbours", "lead_words", "encoder_words", "block"):
            if getattr(self, name) < 1:
                raise InvalidOption(name, getattr(self, name), ["an integer >= 1"])
        hours = self.window_hours
        if hours is not None and not (math.isfinite(hours) and hours > 0):  # nan would join nothing, silently
            raise InvalidOption("window_hours", hours, ["None (no bound)", "a finite number of hours > 0"])


@dataclass(frozen=True)
class Grouping:
    """Stories as lists of report indices (largest first), and which report repeats which."""

    stories: tuple[tuple[int, ...], ...]
    duplicate_of: dict[int, int] = field(default_factory=dict)  # report index -> the earlier report it repeats
    encoder: str = "tfidf"
    pairs: int = 0  # candidate pairs scored


def key_text(report: Report, lead_words: int = 120) -> str:
    """What a report is about: its title and the first `lead_words` words of its text."""
    words = report.text.split()[:lead_words]
    return f"{report.title.strip()}\n{' '.join(words)}".strip()


def sparse_dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product of two sparse rows."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


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
    bounded = times is not None and window is not None
    timed = ~np.isnan(times) if bounded else np.zeros(n, dtype=bool)
    order = np.argsort(np.where(timed, times, np.inf), kind="stable") if bounded else np.arange(n)
    n_timed = int(timed.sum())
    ordered = times[order[:n_timed]] if bounded else None
    untimed = order[n_timed:]
    for start in range(0, n, block):
        rows = order[start:start + block]
        cols = np.arange(n)
        if bounded and start + len(rows) <= n_timed:
            lo = np.searchsorted(ordered, ordered[start] - window, "left")
            hi = np.searchsorted(ordered, ordered[start + len(rows) - 1] + window, "right")
            cols = np.concatenate([order[lo:hi], untimed])
        part = vectors[rows] @ vectors[cols].T
        part[rows[:, None] == cols[None, :]] = -np.inf  # not its own neighbour
        if bounded:  # each row's own window (a NaN gap, a report without a time, compares False: kept)
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
        scores: Counter[int] = Counter()
        for term, weight in row.items():
            posting = postings[term]
            if len(posting) <= max_df:
                for j in posting:
                    scores[j] += weight * rows[j][term]
        scores.pop(i, None)
        out.append([j for j, _ in scores.most_common(k)])
    return out


def resolve_encoder(name: str) -> str:
    """'use' or 'tfidf': 'auto' is the encoder when its package is installed."""
    from summarize.rank import resolve_ranker

    return resolve_ranker(name)


def encode_reports(reports: Sequence[Report], options: GroupOptions) -> np.ndarray | None:
    """The encoder's unit vectors of the reports' key texts, or None under 'tfidf'."""
    from summarize.lang.vectors import load_encoder

    if resolve_encoder(options.encoder) == "tfidf":
        return None
    return load_encoder().encode([key_text(r, options.encoder_words) for r in reports])


class _Stories:
    """Union of stories with the vector sums that make a centroid test one dot product per merge."""

    def __init__(self, vectors: np.ndarray | None, rows: list[dict[str, float]], times: list[float | None]) -> None:
        self.parent = list(range(len(rows)))
        self.members = {i: [i] for i in range(len(rows))}
        self.vec = {i: vectors[i].astype("float64") for i in range(len(rows))} if vectors is not None else None
        self.terms = {i: dict(row) for i, row in enumerate(rows)}
        self.norm2 = {i: sparse_dot(row, row) for i, row in enumerate(rows)}  # kept up to date on merges
        self.span = {i: (t, t) for i, t in enumerate(times)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def link(self, a: int, b: int, weight: float) -> float:
        """Cosine of the two stories' centroids (encoder and words blended): a coherent story of many reports
        keeps a sharp centroid, so a new report of the same event joins it even when it shares little with
        each report alone."""
        words = sparse_dot(self.terms[a], self.terms[b]) / math.sqrt(self.norm2[a] * self.norm2[b] or 1.0)
        if self.vec is None:
            return words
        va, vb = self.vec[a], self.vec[b]
        cosine = float(va @ vb) / max(float((va @ va) * (vb @ vb)) ** 0.5, 1e-12)
        return weight * cosine + (1 - weight) * words

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
        if self.vec is not None:
            self.vec[a] = self.vec[a] + self.vec.pop(b)
        self.norm2[a] += self.norm2.pop(b) + 2 * sparse_dot(self.terms[a], self.terms[b])
        for term, weight in self.terms.pop(b).items():
            self.terms[a][term] = self.terms[a].get(term, 0.0) + weight
        starts = [s for s in (self.span[a][0], self.span[b][0]) if s is not None]
        ends = [e for e in (self.span[a][1], self.span.pop(b)[1]) if e is not None]
        self.span[a] = (min(starts), max(ends)) if starts else (None, None)


def candidate_pairs(vectors: np.ndarray | None, rows: list[dict[str, float]], options: GroupOptions,
                    times: np.ndarray | None = None) -> list[tuple[float, float, int, int]]:
    """(similarity, words similarity, i, j) of each report and its nearest neighbours, best first."""
    if vectors is not None:
        window = None if options.window_hours is None else options.window_hours * 3600
        idx, sims = nearest(vectors, options.neighbours, options.block, times, window)
        partners = {(min(i, int(j)), max(i, int(j))): float(s) for i in range(len(rows))
                    for j, s in zip(idx[i], sims[i], strict=True) if j >= 0}
    else:
        partners = {(min(i, j), max(i, j)): 0.0 for i, near in enumerate(tfidf_neighbours(rows, options.neighbours))
                    for j in near}
    weight = options.encoder_weight if vectors is not None else 0.0
    scored = []
    for (i, j), cosine in partners.items():
        words = sparse_dot(rows[i], rows[j])
        scored.append((weight * cosine + (1 - weight) * words, words, i, j))
    scored.sort(reverse=True)
    return scored


def group_reports(reports: Sequence[Report], options: GroupOptions = GroupOptions(),
                  vectors: np.ndarray | None = None) -> Grouping:
    """Group reports into stories (see the module docstring); vectors: the encoder's, if already made."""
    if not reports:
        return Grouping((), {}, "none", 0)
    import numpy as np

    used = resolve_encoder(options.encoder)
    if used == "use" and vectors is None:
        vectors = encode_reports(reports, options)
    rows = tfidf_rows([key_text(r, options.lead_words) for r in reports])
    times = [r.time.timestamp() if r.time else None for r in reports]
    stories = _Stories(vectors if used == "use" else None, rows, times)
    seconds = np.array([t if t is not None else np.nan for t in times], dtype=np.float64)
    pairs = candidate_pairs(vectors if used == "use" else None, rows, options, seconds)
    duplicate_of = {}
    for i, j in _duplicates(reports, pairs, options).items():
        a, b = stories.find(i), stories.find(j)
        if a == b or options.window_hours is None or stories.span_with(a, b) <= options.window_hours:
            duplicate_of[i] = j
            if a != b:
                stories.merge(a, b)
    threshold = options.threshold if used == "use" else options.tfidf_threshold
    for similarity, _, i, j in pairs:
        a, b = stories.find(i), stories.find(j)
        if a == b:
            continue
        in_window = options.window_hours is None or stories.span_with(a, b) <= options.window_hours
        alone = len(stories.members[a]) == len(stories.members[b]) == 1  # the pair's own similarity is the link
        if in_window and (similarity if alone else stories.link(a, b, options.encoder_weight)) >= threshold:
            stories.merge(a, b)
    groups = sorted((tuple(sorted(m)) for m in stories.members.values()), key=lambda g: (-len(g), g[0]))
    return Grouping(tuple(groups), duplicate_of, used, len(pairs))


def _duplicates(reports: Sequence[Report], pairs: list[tuple[float, float, int, int]],
                options: GroupOptions) -> dict[int, int]:
    """Report index -> the first report it repeats: the same text, or title+lead alike by both measures."""
    first_of: dict[str, int] = {}
    duplicate_of: dict[int, int] = {}
    for i, report in enumerate(reports):
        key = " ".join(fold_spelling(report.text).split())
        if key in first_of:
            duplicate_of[i] = first_of[key]
        else:
            first_of[key] = i
    for similarity, words, i, j in pairs:
        if min(similarity, words) >= options.duplicate_threshold and j not in duplicate_of:
            duplicate_of[j] = duplicate_of.get(i, i)
    return duplicate_of
