"""Stories of one report: a roundup tells several; find where each begins (TextTiling-style, on the Arabic).

A gap between two rankable units opens a new story when enough evidence adds up: a transition phrase
(«من ناحية أخرى», «على صعيد آخر» ...), a paragraph break, a dip in cohesion between the blocks of units on either
side (the ranker's similarities: the encoder's and TF-IDF's), and a change of the names, places and numbers the
blocks mention. Transition phrases mark boundaries only; they are never points themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from mt.types import Segment
from summarize.text import content_terms, fold_spelling, tokenize

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


@dataclass(frozen=True)
class StoryOptions:
    """How much each sign of a new story weighs; a gap whose evidence reaches `threshold` opens one.

    Chosen on roundups built from ANT dev days (eval/roundups.py); single-story articles checked on EASC dev.
    """

    window: int = 3  # units on each side of a gap whose cohesion is compared
    threshold: float = 1.0
    transition_weight: float = 1.0  # a transition phrase alone opens a story
    weak_transition_weight: float = 0.5
    paragraph_weight: float = 0.3
    cohesion_weight: float = 2.0  # times the TextTiling depth of the gap (0..~1)
    names_weight: float = 0.3  # times the share of the names/places/numbers that change across the gap
    min_units: int = 2  # a story without a transition phrase has at least this many units

    def __post_init__(self) -> None:
        if self.window < 1 or self.min_units < 1:
            raise InvalidOption("window/min_units", (self.window, self.min_units), ["integers >= 1"])


@dataclass(frozen=True)
class Story:
    """One story of a report: its segments [start, end) and its rankable units [first, last + 1)."""

    span: tuple[int, int]
    units: tuple[int, int]
    transition: str = ""  # the phrase that opened it, if one did


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


def name_change(units: Sequence[Unit], window: int) -> np.ndarray:
    """For each gap: the share of names on the smaller side that the other side does not mention (0..1)."""
    import numpy as np

    names = [_names(u.arabic) for u in units]
    out = np.zeros(max(0, len(units) - 1))
    for g in range(len(units) - 1):
        left = frozenset().union(*names[max(0, g + 1 - window): g + 1])
        right = frozenset().union(*names[g + 1: g + 1 + window])
        small = min(len(left), len(right))
        out[g] = 1.0 - len(left & right) / small if small else 0.0
    return out


def gap_evidence(units: Sequence[Unit], segments: Sequence[Segment], sims: Sequence[np.ndarray],
                 options: StoryOptions) -> tuple[np.ndarray, list[str]]:
    """For each gap between units: the weighed evidence of a new story, and the transition phrase found."""
    import numpy as np

    n = len(units)
    phrases = [_gap_transition(units, segments, i) for i in range(1, n)]
    weights = [0.0 if not p else options.weak_transition_weight if p in WEAK_TRANSITIONS
               else options.transition_weight for p in phrases]
    breaks = [float(units[i].paragraph != units[i - 1].paragraph) for i in range(1, n)]
    evidence = (np.array(weights) + options.paragraph_weight * np.array(breaks)
                + options.cohesion_weight * depths(block_cohesion(sims, n, options.window))
                + options.names_weight * name_change(units, options.window))
    return evidence, phrases


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
        if phrases[g] and phrases[g] not in WEAK_TRANSITIONS or (near >= options.min_units
                                                                 and tail >= options.min_units):
            starts.append(unit)
    starts = sorted(set(starts))
    return _spans(starts, units, segments, phrases)


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
