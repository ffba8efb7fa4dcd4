"""Stories of one report: a roundup tells several; find where each begins (TextTiling-style, on the Arabic).

A gap between two rankable units opens a new story after a transition phrase («من ناحية أخرى», «على صعيد آخر»
...), or when a logistic model of the other signs says so: a weak phrase («من جانبها»), a paragraph break, a dip
in cohesion between the blocks of units on either side (the ranker's similarities: the encoder's and TF-IDF's),
how little the units after the gap echo anything before it, and a change of the names, places and numbers
mentioned. Transition phrases mark boundaries only; they are never points themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from mt.types import Segment
from summarize.lang.text import content_terms, fold_spelling, tokenize

if TYPE_CHECKING:
    import numpy as np

    from summarize.rank import Unit

# Phrases that turn a roundup to another subject (written as the papers do; matched spelling-folded, with or
# without a leading و). «على صعيد متصل» (on a related note) stays in the story: it is not here.
TRANSITIONS = (
    "من ناحية أخرى", "من ناحية ثانية", "من جهة أخرى", "من جهة ثانية", "على صعيد آخر", "على صعيد منفصل",
    "على الجانب الآخر", "في سياق منفصل", "في سياق آخر", "في شأن آخر", "في شأن منفصل", "في خبر آخر",
    "في موضوع آخر", "على صعيد مختلف", "من جانبها", "من جانبه",
)
# A phrase that can also bring in another side of the same story (من جانبها: "for its part") weighs less.
WEAK_TRANSITIONS = ("من جانبها", "من جانبه", "على الجانب الآخر")
RARE_ZIPF = 4.5  # a term rarer than this in Arabic text at large (wordfreq) is a name, a place or a detail
# A sentence opening with these leans on what came before: the same story goes on (spelling-folded).
CONNECTIVES = frozenset({"كما", "الا", "لكن", "غير", "هذا", "هذه", "ذلك", "فيما", "بينما", "حيث", "ثم", "كذلك",
                         "ايضا", "بدوره", "بدورها", "جاء", "يذكر", "يشار", "ياتي", "تاتي", "اذ", "بل"})


@dataclass(frozen=True)
class StoryOptions:
    """How a gap between units opens a story: a transition phrase always does; otherwise a logistic model of
    the other signs (FEATURES) must give log-odds >= `threshold`.

    The weights are a logistic fit (eval/summaries/roundups_fit.py) on the gaps of 80 roundups built from ANT dev days
    (boundaries) and of 131 whole ANT dev articles (no boundary). The threshold and start_bonus were chosen on
    the same roundups against EASC dev ROUGE-2 (single articles: it must stay >= lead-k - 0.005); see eval/README.md.
    """

    window: int = 3  # units on each side of a gap whose cohesion and names are compared
    threshold: float = 0.25  # log-odds of a new story (0: probability 1/2)
    bias: float = -17.65
    weak_transition_weight: float = 2.97  # «من جانبها» (for its part) may bring in another side of one story
    paragraph_weight: float = 0.32  # short news paragraphs break inside a story as often as between stories
    cohesion_weight: float = 7.58  # TextTiling depth of the gap (0..~1)
    names_weight: float = 6.36  # share of names/places/numbers that change across the gap
    novelty_weight: float = 5.31  # how little the units after the gap echo anything before it
    new_names_weight: float = 5.75  # share of the names after the gap never mentioned before it
    and_weight: float = -4.07  # the unit after the gap opens with the conjunction و (وأضاف: he added)
    connective_weight: float = -2.71  # ... with a connective (كما, إلا أن, جاء ذلك)
    min_units: int = 2  # a story without a transition phrase has at least this many units
    # Points after one per story, in a report of 2+ stories: a unit's rank times 1 + start_bonus x the
    # probability that a story opens there.
    start_bonus: float = 3.0

    def __post_init__(self) -> None:
        for name in ("window", "min_units"):
            if getattr(self, name) < 1:
                raise InvalidOption(name, getattr(self, name), ["an integer >= 1"])


@dataclass(frozen=True)
class Story:
    """One story of a report: its segments [start, end) and its rankable units [first, last + 1)."""

    span: tuple[int, int]
    units: tuple[int, int]
    transition: str = ""  # the phrase that opened it, if one did
    odds: tuple[float, ...] = ()  # per unit of the story, the log-odds that a new story opens there


@lru_cache(maxsize=1)
def _phrases() -> tuple[tuple[tuple[str, ...], str], ...]:
    return tuple((tuple(t.norm for t in tokenize(fold_spelling(p))), p) for p in TRANSITIONS)


def transition_of(text: str) -> str:
    """The transition phrase a sentence opens with (as listed in TRANSITIONS), or ""."""
    words = [t.norm for t in tokenize(fold_spelling(text))[:4]]
    if not words:
        return ""
    bare = [words[0][1:], *words[1:]] if words[0].startswith("و") else words
    for norm, phrase in _phrases():
        if tuple(words[:len(norm)]) == norm or tuple(bare[:len(norm)]) == norm:
            return phrase
    return ""


def is_only_transition(text: str) -> bool:
    """Whether a sentence is nothing but a transition phrase ("من ناحية أخرى.")."""
    phrase = transition_of(text)
    return bool(phrase) and len(tokenize(text)) <= len(tokenize(phrase)) + 1


def _gap_transition(units: Sequence[Unit], segments: Sequence[Segment], i: int) -> str:
    """The transition phrase between unit i - 1 and unit i (in a dropped connector or at unit i's start)."""
    start = units[i - 1].segments[-1] + 1
    for index in range(start, units[i].segments[0] + 1):
        if phrase := transition_of(segments[index].source):
            return phrase
    return ""


def depths(cohesion: np.ndarray) -> np.ndarray:
    """TextTiling depth of each gap: how far its cohesion lies below the highest peaks on either side."""
    import numpy as np

    out = np.zeros(len(cohesion))
    for g, value in enumerate(cohesion):
        left = right = value
        for k in range(g - 1, -1, -1):  # climb while the cohesion rises: the nearest peak, not the highest
            if cohesion[k] < left:
                break
            left = cohesion[k]
        for k in range(g + 1, len(cohesion)):
            if cohesion[k] < right:
                break
            right = cohesion[k]
        out[g] = (left - value) + (right - value)
    return out


def block_cohesion(sims: Sequence[np.ndarray], n: int, window: int) -> np.ndarray:
    """For each gap g (before unit g + 1): mean similarity of the `window` units before with those after."""
    import numpy as np

    out = np.zeros(max(0, n - 1))
    for g in range(n - 1):
        left, right = slice(max(0, g + 1 - window), g + 1), slice(g + 1, min(n, g + 1 + window))
        out[g] = float(np.mean([np.clip(s[left, right], 0.0, 1.0).mean() for s in sims]))
    return out


def _names(text: str) -> frozenset[str]:
    """The rare terms of a text (names, places, details) and its numbers."""
    from wordfreq import zipf_frequency

    return frozenset(t for t in content_terms(text)
                     if t.isdigit() or zipf_frequency(t, "ar") < RARE_ZIPF)


def name_change(units: Sequence[Unit], window: int) -> tuple[np.ndarray, np.ndarray]:
    """For each gap: (the share of names on the smaller side that the other side does not mention, the share of
    the names after it never mentioned before it), each 0..1."""
    import numpy as np

    names = [_names(u.arabic) for u in units]
    change, new = np.zeros(max(0, len(units) - 1)), np.zeros(max(0, len(units) - 1))
    seen: frozenset[str] = frozenset()
    for g in range(len(units) - 1):
        seen = seen | names[g]
        left = frozenset().union(*names[max(0, g + 1 - window): g + 1])
        right = frozenset().union(*names[g + 1: g + 1 + window])
        small = min(len(left), len(right))
        change[g] = 1.0 - len(left & right) / small if small else 0.0
        new[g] = 1.0 - len(right & seen) / len(right) if right else 0.0
    return change, new


def novelty(sims: Sequence[np.ndarray], window: int) -> np.ndarray:
    """For each gap: 1 - how closely the units after it echo anything said before it (the best match of each
    of the `window` units after, averaged): a report's later paragraphs echo its lede, a new story does not."""
    import numpy as np

    n = sims[0].shape[0]
    out = np.zeros(max(0, n - 1))
    for g in range(n - 1):
        right = slice(g + 1, min(n, g + 1 + window))
        out[g] = 1.0 - float(np.mean([np.clip(s[right, :g + 1], 0.0, 1.0).max(axis=1).mean() for s in sims]))
    return out


FEATURES = ("weak transition", "paragraph break", "cohesion depth", "names change", "novelty", "new names",
            "opens with and", "opens with a connective")


def opening(text: str) -> tuple[float, float]:
    """(1 if the sentence opens with the conjunction و, 1 if with a connective word): both continue a story.

    و is a conjunction when the word without it is about as common as with it (وأضاف, وقال), not when it is
    the word's own letter (وزارة, واشنطن): wordfreq's Arabic frequencies decide.
    """
    from wordfreq import zipf_frequency

    tokens = tokenize(text)[:1]
    if not tokens:
        return 0.0, 0.0
    word = tokens[0].text
    conjunction = (word.startswith("و") and len(word) > 2
                   and zipf_frequency(word[1:], "ar") >= zipf_frequency(word, "ar") - 1.0)
    return float(conjunction), float(tokens[0].norm in CONNECTIVES)


def gap_features(units: Sequence[Unit], segments: Sequence[Segment], sims: Sequence[np.ndarray],
                 window: int) -> tuple[np.ndarray, list[str]]:
    """Per gap between units, the FEATURES of a new story (one row each), and the transition phrase found."""
    import numpy as np

    n = len(units)
    phrases = [_gap_transition(units, segments, i) for i in range(1, n)]
    change, new = name_change(units, window)
    openings = [opening(units[i].arabic) for i in range(1, n)]
    columns = [[float(p in WEAK_TRANSITIONS) for p in phrases],
               [float(units[i].paragraph != units[i - 1].paragraph) for i in range(1, n)],
               depths(block_cohesion(sims, n, window)), change, novelty(sims, window), new,
               [o[0] for o in openings], [o[1] for o in openings]]  # as FEATURES
    return np.array(columns, dtype=float).T.reshape(n - 1, len(FEATURES)), phrases


def gap_evidence(units: Sequence[Unit], segments: Sequence[Segment], sims: Sequence[np.ndarray],
                 options: StoryOptions) -> tuple[np.ndarray, list[str]]:
    """For each gap between units: the log-odds of a new story (inf after a transition phrase), and the phrase."""
    import numpy as np

    features, phrases = gap_features(units, segments, sims, options.window)
    weights = np.array([options.weak_transition_weight, options.paragraph_weight, options.cohesion_weight,
                        options.names_weight, options.novelty_weight, options.new_names_weight,
                        options.and_weight, options.connective_weight])
    logits = features @ weights + options.bias
    strong = np.array([bool(p) and p not in WEAK_TRANSITIONS for p in phrases], dtype=bool)
    return np.where(strong, np.inf, logits), phrases


def find_stories(units: Sequence[Unit], segments: Sequence[Segment], sims: Sequence[np.ndarray],
                 options: StoryOptions = StoryOptions()) -> list[Story]:
    """The report's stories, contiguous and covering every segment; a single story when nothing turns."""
    if len(units) < 2:
        return [Story((0, len(segments)), (0, len(units)))]
    evidence, phrases = gap_evidence(units, segments, sims, options)
    starts: list[int] = [0]
    # Strongest gaps first, so a weak gap next to a strong one does not take its place.
    for g in sorted(range(len(evidence)), key=lambda g: -evidence[g]):
        unit = g + 1
        if evidence[g] < options.threshold:
            break
        near = min(abs(unit - s) for s in starts)
        tail = len(units) - unit
        if evidence[g] == float("inf") or (near >= options.min_units and tail >= options.min_units):
            starts.append(unit)
    starts = sorted(set(starts))
    odds = [float("inf"), *(float(e) for e in evidence)]
    return [replace(story, odds=tuple(odds[story.units[0]:story.units[1]]))
            for story in _spans(starts, units, segments, phrases)]


def _spans(starts: list[int], units: Sequence[Unit], segments: Sequence[Segment],
           phrases: Sequence[str]) -> list[Story]:
    """Stories from their first units: a story takes the connectors before its first unit."""
    stories = []
    for k, first in enumerate(starts):
        last = starts[k + 1] if k + 1 < len(starts) else len(units)
        begin = 0 if k == 0 else units[first - 1].segments[-1] + 1
        end = len(segments) if last == len(units) else units[last - 1].segments[-1] + 1
        stories.append(Story((begin, end), (first, last), phrases[first - 1] if first else ""))
    return stories
