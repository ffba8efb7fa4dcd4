"""Test cases for the quality verdict: human translations and the failures it must catch, made from them.

Negatives built from a human English line: its last or middle 30% / 50% of words removed (an engine that
stops early or skips a stretch), one clause removed (a comma/semicolon piece, or one joined by and/but/which
...), the English of another line of another document (shuffled) and of the next line of the same
document (adjacent: same topic, wrong sentence), and its last half said twice (repeat_50: an engine that
loops). Each case keeps its line index, so that folds split by document never see a document's cases on both sides.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

OMISSIONS = ("drop_last_30", "drop_last_50", "drop_middle_30", "drop_middle_50", "drop_clause")
WRONG = ("shuffled", "adjacent")
ADDITIONS = ("repeat_50",)  # the English with its last half said twice: an engine that loops
KINDS = ("human", *OMISSIONS, *WRONG, *ADDITIONS)
_CLAUSE_CUT = re.compile(r"(?<=[,;:])\s+|\s+(?=(?:and|but|which|while|who|whereas|because|although|after|"
                         r"before|when|where|as well as)\s)")


@dataclass(frozen=True)
class Case:
    """One (Arabic line, English) pair to judge."""

    kind: str
    line: int  # the Arabic line (index into the data set)
    english: str


def _ending(text: str) -> str:
    """The closing punctuation of a sentence, kept when words are cut (an engine still ends its sentence)."""
    match = re.search(r"[.!?\"'”’)]+$", text)
    return match.group() if match else ""


def drop_words(text: str, share: float, where: str) -> str | None:
    """The text with `share` of its words removed at the end or in the middle; None when under 4 words."""
    words = text.split()
    n = len(words)
    cut = int(math.floor(n * share + 0.5))
    if n < 4 or cut < 1:
        return None
    if where == "last":
        kept = words[: n - cut]
    else:
        start = (n - cut) // 2
        kept = words[:start] + words[start + cut:]
    out = " ".join(kept).rstrip(",;:")
    ending = _ending(text)
    return out if out.endswith(ending) else out.rstrip(".!?") + ending


def repeat_words(text: str, share: float) -> str | None:
    """The text with its last `share` of words said again before the final punctuation; None under 4 words."""
    words = text.split()
    if len(words) < 4:
        return None
    ending = _ending(text)
    body = text[: len(text) - len(ending)] if ending else text
    tail = body.split()[-max(1, int(len(words) * share + 0.5)):]
    return f"{body} {' '.join(tail)}{ending}"


def drop_clause(text: str, pick: int) -> str | None:
    """The text with one of its clauses (not the first) removed, chosen by `pick`; None with a single clause."""
    pieces = [p for p in _CLAUSE_CUT.split(text) if p.strip()]
    if len(pieces) < 2:
        return None
    drop = 1 + pick % (len(pieces) - 1)
    kept = " ".join(p for i, p in enumerate(pieces) if i != drop).rstrip(",;: ")
    ending = _ending(text)
    return kept if kept.endswith(ending) else kept.rstrip(".!?,;:") + ending


def make_cases(english: list[str], documents: list[str], rng) -> list[Case]:
    """Every case of every kind for the lines of a data set (rng: a numpy Generator, for reproducibility)."""
    n = len(english)
    cases = [Case("human", i, e) for i, e in enumerate(english)]
    for share in (30, 50):
        for where in ("last", "middle"):
            for i, e in enumerate(english):
                if (cut := drop_words(e, share / 100, where)) is not None:
                    cases.append(Case(f"drop_{where}_{share}", i, cut))
    for i, e in enumerate(english):
        if (repeated := repeat_words(e, 0.5)) is not None:
            cases.append(Case("repeat_50", i, repeated))
    picks = rng.integers(0, 1 << 30, size=n)
    cases += [Case("drop_clause", i, cut) for i, e in enumerate(english)
              if (cut := drop_clause(e, int(picks[i]))) is not None]
    for i in range(n):
        others = [j for j in rng.permutation(n)[:20] if documents[j] != documents[i]]
        if others:
            cases.append(Case("shuffled", i, english[int(others[0])]))
        if i + 1 < n and documents[i + 1] == documents[i]:
            cases.append(Case("adjacent", i, english[i + 1]))
    return cases


def document_split(documents: list[str], holdout: float, folds: int, rng) -> tuple[list[int], dict[str, int]]:
    """(lines of the held-out documents, fold of each calibration document): documents never split."""
    names = sorted(set(documents))
    order = [names[i] for i in rng.permutation(len(names))]
    n_holdout = int(round(len(order) * holdout))
    held = set(order[:n_holdout])
    fold_of = {doc: k % folds for k, doc in enumerate(order[n_holdout:])}
    return [i for i, d in enumerate(documents) if d in held], fold_of
