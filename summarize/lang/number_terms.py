"""Numbers that are part of a name, a term or an idiom, and what sports notation stands for, in both languages.

A number inside a term («الدفع بالعجلات الأربع» "four-wheel drive", «دور الثمانية» "the quarter-finals",
"Covid-19", "9/11", "Formula One") names a thing, and a translation may render the term without it: such a number
is never checked (never "missing", never "added"), but it still excuses the same number on the other side.
Scores are written in words as often as in digits («بثلاثية نظيفة» "3-0", «بهدف نظيف» "1-0", "a goalless draw"):
those words stand for their numbers, as excuses only. The lexicon is word-level: Arabic patterns run over the
normalized words (summarize.lang.text.tokenize, clitics written out), English patterns over the lowercased text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from summarize.lang.text import Token, strip_prefixes

_CLITIC = "(?:و|ف|ب|ل|وب|ول|فب|وال|بال|فال|لل|ال)?"
# Arabic terms, on the normalized words joined by single spaces (ة -> ه, أ/إ/آ -> ا, ى -> ي, digits Western).
ARABIC_TERMS = (
    rf"{_CLITIC}دور (?:ال)?(?:ثمانيه|اربعه|سته عشر|(?:ال )?(?:4|8|16|32))",  # round of 8 / 4 / 16: quarter-finals...
    rf"{_CLITIC}(?:اثنا|اثني) عشريه",  # Twelver (Shia)
    rf"{_CLITIC}عجلات (?:ال)?اربع",  # four-wheel drive
    rf"{_CLITIC}دفع (?:ال)?رباعي",  # four-wheel drive
    rf"{_CLITIC}(?:مئه|مائه) (?:في (?:ال)?(?:مئه|مائه)|بال(?:مئه|مائه))",  # "a hundred per cent": absolutely
    rf"{_CLITIC}(?:جانب|طرف) واحد",  # one-sided, unilateral
    rf"{_CLITIC}(?:احداث|هجمات|اعتداءات|ذكري) (?:ال)?(?:11|حادي عشر) (?:من )?(?:سبتمبر|ايلول)",  # 9/11
    rf"{_CLITIC}(?:بوينغ|بوينج|ايرباص|اف|ميغ|سو|تي) (?:ال )?\d+",  # aircraft and tank types: Boeing 737, F 16
)
# English terms, on the lowercased text.
ENGLISH_TERMS = (
    r"\b9/11\b", r"\bcovid[- ]?19\b", r"\bformula (?:one|1)\b", r"\bfour[- ]wheel(?:[- ]drive)?\b", r"\b4x4\b",
    r"\bone[- ](?:sided|way|off|on[- ]one|time|man|party|stop)\b", r"\b(?:first|second|third)[- ]?hand\b",
    r"\bone of\b", r"\bsingle[- ]handed(?:ly)?\b", r"\bcatch[- ]22\b", r"\btwo[- ](?:way|faced|state|tier)\b",
    r"\bthree[- ]dimensional\b", r"\bg[- ]?(?:7|8|20)\b", r"\bhundred per ?cent\b",
)
# Words that stand for numbers in a score, as excuses only.
ARABIC_SCORE_WORDS = {"ثنائيه": (2.0,), "ثلاثيه": (3.0,), "رباعيه": (4.0,), "خماسيه": (5.0,), "سداسيه": (6.0,),
                      "سباعيه": (7.0,), "نظيف": (0.0,), "نظيفه": (0.0,), "سلبي": (0.0,), "سلبيا": (0.0,),
                      "سلبيه": (0.0,)}
_NO_REPLY = frozenset({"دون", "بدون", "بلا"})  # «هدفين دون رد»: two goals to nil
# «هدف» (a goal) is 1 only inside a score: «مقابل هدف», «لهدف», «بهدف نظيف» («بهدف» alone is "in order to").
_ONE_GOAL = frozenset({"هدف", "هدفا", "لهدف", "بهدف"})
_SCORE_NEIGHBOURS = frozenset({"مقابل", "نظيف", "نظيفا", "دون", "بدون", "بلا", "وحيد", "يتيم"})
ENGLISH_SCORE_WORDS = {r"\b(?:goalless|scoreless|nil)\b": (0.0,), r"\bhat[- ]tricks?\b": (3.0,),
                       r"\bbrace\b": (2.0,)}


@lru_cache(maxsize=1)
def _arabic_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?<!\\S)(?:{p})(?!\\S)" for p in ARABIC_TERMS))


@lru_cache(maxsize=1)
def _english_pattern() -> re.Pattern[str]:
    return re.compile("|".join(ENGLISH_TERMS), re.IGNORECASE)


def arabic_term_tokens(tokens: list[Token]) -> set[int]:
    """Indices of the tokens that are part of an Arabic term of the lexicon (their numbers are not checked)."""
    starts, joined = [], []
    position = 0
    for token in tokens:
        starts.append(position)
        joined.append(token.norm)
        position += len(token.norm) + 1
    out: set[int] = set()
    for match in _arabic_pattern().finditer(" ".join(joined)):
        out.update(k for k, s in enumerate(starts) if match.start() <= s < match.end())
    return out


def english_terms(text: str) -> tuple[str, list[str]]:
    """(the text with every English term of the lexicon blanked out, the terms as written): the terms' numbers
    are read apart, as excuses only."""
    found: list[str] = []

    def blank(match: re.Match[str]) -> str:
        found.append(match.group())
        return " "

    return _english_pattern().sub(blank, text), found


def score_values(arabic_words: list[str], english: str) -> tuple[list[float], list[float]]:
    """(values the Arabic's score words stand for, values the English's stand for): «بثلاثية» 3, «نظيفة» 0,
    «دون رد» 0, "a goalless draw" 0, "hat-trick" 3."""
    arabic = [v for word in arabic_words for v in ARABIC_SCORE_WORDS.get(
        strip_prefixes(word, ARABIC_SCORE_WORDS) or "", ())]
    arabic += [0.0 for before, word in zip(arabic_words, arabic_words[1:], strict=False)
               if before in _NO_REPLY and word == "رد"]
    arabic += [1.0 for k, word in enumerate(arabic_words) if word in _ONE_GOAL and (
        word == "لهدف" or not {*arabic_words[max(k - 1, 0):k], *arabic_words[k + 1:k + 2]}.isdisjoint(
            _SCORE_NEIGHBOURS))]
    return arabic, [v for pattern, values in ENGLISH_SCORE_WORDS.items() if re.search(pattern, english, re.I)
                    for v in values]
