"""Extractive ranking on the Arabic: a lead prior, paragraph starts, LexRank centrality, then MMR."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from mt.types import Segment
from summarize.lang.figures import KIND_WEIGHT, Figure
from summarize.lang.text import CONTINUATIONS, fold_spelling, tokenize, word_count
from summarize.lang.vectors import VECTOR_KINDS, resolve_vectors

if TYPE_CHECKING:
    import numpy as np

RANKERS = VECTOR_KINDS
CENTRALITY_ON = ("tfidf", "ranker")


@dataclass(frozen=True)
class RankOptions:
    """Weights of the ranker; the score defaults were chosen on EASC's human summaries (see eval/summaries/easc.py)."""

    damping: float = 0.85  # LexRank random-walk damping
    # Fitted on EASC dev (eval/summaries/easc.py: ridge on the readers' picks, cross-validated by article, stable across
    # the 10 folds). Position first (inverted pyramid), then paragraph starts (topic sentences), centrality as
    # tie-breaker. Readers there did not favour sentences with figures. Centrality weighs 1 - the others.
    lead_weight: float = 0.74  # the lead prior's share
    paragraph_weight: float = 0.1  # a sentence that opens a paragraph
    figure_weight: float = 0.0  # casualties, money, percentages (kept as an option for other corpora)
    mmr_lambda: float = 1.0  # relevance vs. novelty; 1 = no novelty term, duplicates still refused below
    duplicate_threshold: float = 0.9  # a sentence this similar to a chosen one is never chosen
    min_words: int = 4  # shorter pieces ("علي صعيد متصل.") never stand alone as points
    max_unit_segments: int = 4  # a sentence and at most this many pieces glued to it
    lead_decay: float = 0.5  # the lead prior is 1 / (1 + i) ** lead_decay for the i-th sentence
    first_weight: float = 0.076  # added to the first sentence's score: the lede, often the whole story
    lede_weight: float = 0.0  # similarity to the first sentence: what the lede announces is the topic
    # Which similarity LexRank walks: TF-IDF of the Arabic words, or the ranker's own (the encoder's under
    # 'use'). On EASC the readers' picks followed shared wording: encoder centrality scored below lead-k.
    # Duplicates are always judged with the ranker's similarity.
    centrality_on: str = "tfidf"

    def __post_init__(self) -> None:
        if self.centrality_on not in CENTRALITY_ON:
            raise InvalidOption("centrality_on", self.centrality_on, CENTRALITY_ON)


@dataclass(frozen=True)
class Unit:
    """A rankable sentence: one segment, or a segment with the short pieces that continue it."""

    segments: tuple[int, ...]
    arabic: str
    english: str
    paragraph: int


def _opens_continuation(text: str) -> bool:
    head = " ".join(t.norm for t in tokenize(text)[:2])
    return any(head == c or head.startswith(c + " ") for c in CONTINUATIONS)  # the seed splits clauses at every "."


def group_units(segments: Sequence[Segment], figure_segments: set[int], min_words: int = 4,
                max_segments: int = 4) -> list[Unit]:
    """Glue continuation pieces to the sentence before them; drop short connectors that carry no figure."""
    groups: list[list[int]] = []
    for index, segment in enumerate(segments):
        if not segment.source.strip():
            continue
        short = word_count(segment.source) < min_words
        if short and index not in figure_segments:
            continue  # "علي صعيد متصل." (on a related note): no content of its own
        previous = groups[-1] if groups else []  # a group is never empty: [] means there is none yet
        joins = bool(previous) and segments[previous[-1]].paragraph == segment.paragraph and (
            previous[-1] == index - 1 or short) and len(previous) < max_segments
        if joins and (short or _opens_continuation(segment.source)):
            previous.append(index)
        else:
            groups.append([index])
    return [Unit(tuple(group), " ".join(segments[i].source.strip() for i in group),
                 " ".join(segments[i].target.strip() for i in group if segments[i].target.strip()),
                 segments[group[0]].paragraph) for group in groups]


def resolve_ranker(ranker: str) -> str:
    """'use' or 'tfidf': 'auto' is the encoder when its package is installed."""
    return resolve_vectors(ranker, "ranker")


def similarity(texts: Sequence[str], ranker: str) -> np.ndarray:
    """Cosine similarity matrix of Arabic texts under the resolved ranker ('use' or 'tfidf')."""
    from summarize.lang.vectors import load_encoder, tfidf_similarity

    if ranker == "tfidf":
        return tfidf_similarity(texts)
    return _cosines(load_encoder().encode(list(texts)))


def unit_similarity(units: Sequence[Unit], segments: Sequence[Segment], ranker: str) -> np.ndarray:
    """Similarity of units; under 'use' a unit's vector is the mean of its segments' vectors.

    The quality check has already encoded every segment's Arabic: averaging those cached vectors costs
    nothing, while a unit's glued text would be a new sentence to encode.
    """
    import numpy as np

    from summarize.lang.vectors import load_encoder

    if ranker == "tfidf":
        return similarity([u.arabic for u in units], ranker)
    flat = [i for unit in units for i in unit.segments]
    vectors = load_encoder().encode([segments[i].source for i in flat])
    owner = np.repeat(np.arange(len(units)), [len(u.segments) for u in units])
    sums = np.zeros((len(units), vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, owner, vectors)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return _cosines(sums)


def _cosines(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.clip(vectors @ vectors.T, -1.0, 1.0)


def centrality(sim: np.ndarray, damping: float = 0.85, tol: float = 1e-8, max_iter: int = 200) -> np.ndarray:
    """Continuous LexRank: the stationary distribution of a damped walk on the similarity graph, max = 1."""
    import numpy as np

    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = np.clip(sim, 0.0, None).astype(np.float64)
    np.fill_diagonal(weights, 0.0)
    rows = weights.sum(axis=1, keepdims=True)
    # An isolated sentence walks anywhere: its row becomes uniform instead of zero.
    transition = np.where(rows > 0, weights / np.where(rows > 0, rows, 1), 1.0 / n)
    p = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        nxt = (1 - damping) / n + damping * (transition.T @ p)
        done = np.abs(nxt - p).sum() < tol
        p = nxt
        if done:
            break
    return p / p.max()


def lead_prior(n: int, decay: float = 0.5) -> np.ndarray:
    """1 for the first sentence, decaying as (1 + i) ** -decay: a report's first lines carry its gist."""
    import numpy as np

    return (1.0 + np.arange(n)) ** -decay


def figure_bonus(units: Sequence[Unit], figures: Sequence[Figure]) -> np.ndarray:
    """Per unit, the weight of the most newsworthy figure it carries (0 without one)."""
    import numpy as np

    best: dict[int, float] = {}
    for figure in figures:
        best[figure.segment] = max(best.get(figure.segment, 0.0), KIND_WEIGHT[figure.kind])
    return np.array([max((best.get(i, 0.0) for i in unit.segments), default=0.0) for unit in units])


def paragraph_starts(units: Sequence[Unit]) -> np.ndarray:
    """1 for a unit that opens its paragraph (the first unit included), else 0."""
    import numpy as np

    return np.array([float(i == 0 or unit.paragraph != units[i - 1].paragraph) for i, unit in enumerate(units)])


def scores(sim: np.ndarray, bonus: np.ndarray, options: RankOptions, starts: np.ndarray | None = None) -> np.ndarray:
    """The rank of each unit: lead prior, paragraph starts, centrality on `sim`, figures bonus, likeness to the lede."""
    import numpy as np

    central = centrality(sim, options.damping)
    rest = 1.0 - options.lead_weight - options.paragraph_weight - options.figure_weight - options.lede_weight
    score = (rest * central + options.lead_weight * lead_prior(len(central), options.lead_decay)
             + options.figure_weight * bonus)
    if starts is not None:
        score += options.paragraph_weight * starts
    if len(score):
        score += options.lede_weight * np.clip(sim[0], 0.0, 1.0)
        score[0] += options.first_weight
    return score


class Selection:
    """Units chosen one at a time: a unit with the same normalized text (`keys`) as a chosen one, or as similar as
    `duplicate_threshold` to one, is refused; an empty key is never open; `fits(i)` may refuse one (a budget).

    The one selection engine: MMR (select) and the brief's one-point-per-story order (brief.plan) both take
    their units through it.
    """

    def __init__(self, sim: np.ndarray, keys: Sequence[str], duplicate_threshold: float,
                 fits: Callable[[int], bool] = lambda i: True) -> None:
        import numpy as np

        self.sim, self.keys, self.threshold, self.fits = sim, keys, duplicate_threshold, fits
        self.open = np.array([bool(key) for key in keys], dtype=bool)
        self.redundancy = np.zeros(len(keys))  # each unit's highest similarity to a chosen one
        self.chosen: list[int] = []
        self._taken: set[str] = set()

    def take(self, unit: int) -> bool:
        """Close `unit`; choose it unless it is a duplicate or refused by fits. Whether it was chosen."""
        self.open[unit] = False
        if self.keys[unit] in self._taken or self.redundancy[unit] >= self.threshold or not self.fits(unit):
            return False
        self.chosen.append(unit)
        self._cover(unit)
        return True

    def shown_elsewhere(self, unit: int) -> None:
        """Close `unit` as shown elsewhere (a headline): it and its duplicates are never chosen."""
        self.open[unit] = False
        self._cover(unit)

    def _cover(self, unit: int) -> None:
        import numpy as np

        self._taken.add(self.keys[unit])
        self.redundancy = np.maximum(self.redundancy, self.sim[unit])


def select(score: np.ndarray, sim: np.ndarray, keys: Sequence[str], k: int, options: RankOptions,
           fits: Callable[[int], bool] = lambda i: True) -> list[int]:
    """Maximal marginal relevance: best first, each next one relevant yet unlike those already chosen
    (duplicates refused as Selection refuses them)."""
    import numpy as np

    selection = Selection(sim, keys, options.duplicate_threshold, fits)
    lam = options.mmr_lambda
    while selection.open.any() and len(selection.chosen) < k:
        gain = np.where(selection.open, lam * score - (1 - lam) * selection.redundancy, -np.inf)
        selection.take(int(np.argmax(gain)))
    return selection.chosen


def dedup_key(text: str) -> str:
    """The text with spelling variants, diacritics and punctuation folded: equal keys mean duplicates."""
    return " ".join(t.norm for t in tokenize(fold_spelling(text)))
