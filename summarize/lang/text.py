"""Arabic text helpers shared by the ranker, the figures parser and the quality check."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from functools import lru_cache

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat + tatweel
_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
# Eastern Arabic (U+0660) and Persian (U+06F0) digits, plus the Arabic decimal/thousands separators.
_DIGITS = str.maketrans({**{chr(0x660 + i): str(i) for i in range(10)},
                         **{chr(0x6F0 + i): str(i) for i in range(10)}, "٫": ".", "٬": ",", "،": ","})

_DIGIT_CLASS = "0-9\u0660-\u0669\u06f0-\u06f9"
_TOKEN = re.compile(
    rf"[{_DIGIT_CLASS}]+(?:[.,\u066b\u066c][{_DIGIT_CLASS}]+|\u060c[{_DIGIT_CLASS}]{{3}}(?![{_DIGIT_CLASS}]))*"
    r"|[\u0621-\u063a\u0641-\u064a\u0640\u064b-\u065f\u0670-\u06d3]+"  # an Arabic word
    r"|[A-Za-z]+|[%\u066a$\u20ac\u00a3]"
)
_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_PREFIX_SET = frozenset(_PREFIXES)
_PREFIX_LENGTHS = sorted({len(p) for p in _PREFIXES}, reverse=True)
_SUFFIXES = ("هما", "ات", "ون", "ين", "ان", "ها", "هم", "هن", "كم", "نا", "يه", "ه", "ي")

_STOP_TEXT = (
    "في من علي على الي إلى عن مع ان أن إن او أو ثم قد لا لم لن ما ماذا هذا هذه ذلك تلك هو هي هم هن كان كانت "
    "يكون التي الذي الذين اللذين اللتين اللواتي كما بين بعد قبل حتى حتي عند عندما كل بعض غير اي أي اذا إذا "
    "منذ خلال ضد نحو لدى لدي فيه فيها عليه عليها منه منها به بها له لها ايضا أيضا وقد وكان وهو وهي إلا الا "
    "أنه انه أنها انها بل لكن ولكن حيث وذلك تم"
)


@dataclass(frozen=True)
class Token:
    """One word, number or symbol of a text, with its place in the original string."""

    text: str  # as written
    norm: str  # normalized (see fold_spelling)
    start: int
    end: int

    @property
    def is_number(self) -> bool:
        """True when the token is written in digits (any digit script)."""
        return self.norm[:1].isdigit()
# A piece opening with one of these continues the sentence before it. AMONG_THEM continue its count ("... killed
# seven. Among them two"): the figures reader counts on; CONTINUATIONS add the clause openers the ranker glues on.
AMONG_THEM = frozenset({"بينهم", "بينهن", "منهم", "منهن", "وبينهم", "ومنهم"})
CONTINUATIONS = (*sorted(AMONG_THEM), "مما", "بل", "من اجل", "وذلك")


def fold_spelling(text: str) -> str:
    """Fold the spelling variants newspapers mix (hamza seats, alef maqsura, ta marbuta, digits), for matching only.

    Never for model input: mt.arabic.normalize keeps these letters distinct because folding them changes words.
    """
    return _DIACRITICS.sub("", text).translate(_ALEFS).translate(_DIGITS)


def tokenize(text: str) -> list[Token]:
    """Words, digit groups and %/currency signs of a text, with their offsets."""
    return list(_tokens(text))


# The quality check, the figures, the ranker and the duplicate keys all tokenize the same sentences:
# one memo (thread-safe, bounded) makes the brief reuse the check's work.
@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(Token(m.group(), fold_spelling(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text))


def clear_memos() -> None:
    """Forget the memoized tokens and terms (benchmarks time the work itself)."""
    _tokens.cache_clear()
    _content_terms.cache_clear()


def word_count(text: str) -> int:
    """The number of words (Arabic, Latin or numbers) in a text."""
    return len(_TOKEN.findall(text))


def strip_prefixes(word: str, known: Container[str]) -> str | None:
    """The form of a normalized word found in `known` after removing clitics (و، ب، ال...), or None."""
    if word in known:
        return word
    return next((word[n:] for n in _clitic_lengths(word) if word[n:] in known), None)


def _clitic_lengths(word: str) -> Iterator[int]:
    """The lengths of the clitics (_PREFIXES) the word begins with, longest first, as _PREFIXES is ordered (two
    of one length cannot both begin a word). Slicing by length, not trying each prefix in turn, is what makes the
    number readers cheap: strip_prefixes runs for every token."""
    return (n for n in _PREFIX_LENGTHS if word[:n] in _PREFIX_SET)


def stem(word: str) -> str:
    """A light stem of a normalized Arabic word: clitics and common suffixes off, at least 3 letters left."""
    n = next((n for n in _clitic_lengths(word) if len(word) - n >= 3), 0)
    word = word[n:]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(fold_spelling(word) for word in _STOP_TEXT.split())


def content_terms(text: str) -> list[str]:
    """Stemmed content words of an Arabic (or mixed) text, stop words left out: the TF-IDF vocabulary."""
    return list(_content_terms(text))


@lru_cache(maxsize=8192)
def _content_terms(text: str) -> tuple[str, ...]:
    stopwords = _stopwords()
    terms = []
    for token in _tokens(text):
        norm = token.norm.lower()
        if norm in stopwords or (len(norm) < 2 and not token.is_number):
            continue
        terms.append(norm if token.is_number else stem(norm))
    return tuple(terms)
