"""ROUGE-1/2/L F1 on normalized Arabic tokens (rouge-score's tokenizer drops every non-ASCII letter).

Normalization: diacritics and tatweel removed; hamza seats folded (أ إ آ ٱ → ا), ى → ي, ة → ه; Arabic-Indic
digits → ASCII; punctuation ignored. Tokens are the runs of letters and digits that remain. No stemming,
no stop words: the scores count exact (normalized) words, like ROUGE without --stem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                       **{chr(0x660 + i): str(i) for i in range(10)}, **{chr(0x6F0 + i): str(i) for i in range(10)}})
_WORD = re.compile(r"[^\W_]+")  # letters and digits; punctuation, symbols and "_" separate words


def normalize_tokens(text: str) -> list[str]:
    """The normalized tokens ROUGE counts: folded letters, no diacritics, no punctuation, lowercase Latin."""
    return _WORD.findall(_DIACRITICS.sub("", text).translate(_FOLD).lower())


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """The multiset of n-grams of a token sequence."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def f1(overlap: float, candidate_total: float, reference_total: float) -> float:
    """F1 of precision overlap/candidate_total and recall overlap/reference_total (0 when either is 0)."""
    if overlap == 0 or candidate_total == 0 or reference_total == 0:
        return 0.0
    precision, recall = overlap / candidate_total, overlap / reference_total
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1 of two token sequences (clipped n-gram counts)."""
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    return f1(sum((cand & ref).values()), sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences (O(len(a) * len(b)), one row kept)."""
    if len(a) < len(b):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b, start=1):
            above = row[j]
            row[j] = diagonal + 1 if x == y else max(row[j], row[j - 1])
            diagonal = above
    return row[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F1 (LCS over the whole token sequences, as rouge-score's 'rougeL')."""
    return f1(lcs_length(candidate, reference), len(candidate), len(reference))


def rouge(candidate: str, reference: str) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of two texts on normalized Arabic tokens."""
    cand, ref = normalize_tokens(candidate), normalize_tokens(reference)
    return {"rouge1": rouge_n(cand, ref, 1), "rouge2": rouge_n(cand, ref, 2), "rougeL": rouge_l(cand, ref)}
