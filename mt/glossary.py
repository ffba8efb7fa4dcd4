"""Glossaries: Arabic terms (names, places, units) and the English the analyst wants for them.

A glossary file is UTF-8 TSV, one term a line: ``Arabic<TAB>English[<TAB>note]``; blank lines and lines
starting with ``#`` are skipped. Terms are matched on the *prepared* Arabic (what the model receives: mt.arabic
normalization and repairs), whole words only, with the attached prefixes و ف ب ل ك and the article (ال وال
بال لل كال فال) allowed in front. Matching folds أ إ آ ٱ to ا and ى to ي and ignores diacritics, so spelling
variants of one name still match. A term written with the article (الرقة) needs the article in the text; a term
without it (حلب، سخور) also matches with it. Overlapping matches: the longest term wins.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError

_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_DIACRITIC = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
# Conjunction, then a preposition and/or the article; لل is ل + ال with the alef dropped.
_WITH_ARTICLE = "[وف]?(?:لل|[بك]?ال)"
_ANY_PREFIX = "[وف]?(?:لل|[بك]?ال|[بلك])?"
MAX_TERM_CHARS = 200


@dataclass(frozen=True)
class Term:
    """One glossary entry: the Arabic as written, the English to use, an optional note."""

    arabic: str
    english: str
    note: str = ""
    line: int = 0  # where it was defined (0: given in a request)

    @functools.cached_property
    def key(self) -> str:
        """The folded Arabic the matcher compares (normalized, spaces collapsed, diacritics dropped)."""
        from mt.arabic import normalize

        return fold(" ".join(normalize(self.arabic).split()))[0]


@dataclass(frozen=True)
class TermMatch:
    """A glossary term found in a text: span and surface are in that text (prefixes included)."""

    term: Term
    span: tuple[int, int]
    surface: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe dict of the match."""
        return {"arabic": self.term.arabic, "english": self.term.english, "note": self.term.note,
                "span": list(self.span), "surface": self.surface}


def fold(text: str) -> tuple[str, list[int]]:
    """The matching form of a prepared text (alef and ya folded, diacritics dropped) and each kept index."""
    kept = [(i, c) for i, c in enumerate(text) if not _DIACRITIC.match(c)]
    return "".join(c for _, c in kept).translate(_FOLD), [i for i, _ in kept]


@functools.lru_cache(maxsize=4096)
def _term_pattern(key: str) -> re.Pattern[str]:
    core = key[2:] if key.startswith("ال") and len(key) > 3 else key
    prefix = _WITH_ARTICLE if core is not key else _ANY_PREFIX
    body = r"\s+".join(re.escape(word) for word in core.split())
    return re.compile(rf"(?<!\w){prefix}{body}(?!\w)")


@functools.lru_cache(maxsize=4096)
def _english_pattern(english: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(word) for word in english.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def contains_english(text: str, english: str) -> bool:
    """Whether `english` occurs in `text` as whole words, ignoring case (spaces may differ)."""
    return bool(_english_pattern(" ".join(english.split())).search(text))


class Glossary:
    """An immutable set of terms, one English per Arabic term; `find` locates them in prepared Arabic."""

    def __init__(self, terms: Iterable[Term], name: str = "glossary") -> None:
        self.name = name
        by_key: dict[str, Term] = {}
        for term in terms:
            _check_term(term, name)
            earlier = by_key.get(term.key)
            if earlier is not None and earlier.english.casefold() != term.english.casefold():
                where = f"line {term.line}: " if term.line else ""
                raise InputError(name, f"{where}{term.arabic!r} is already in the glossary (line {earlier.line}) "
                                       f"as {earlier.english!r}; keep one English per term")
            by_key.setdefault(term.key, term)
        # Longest first: where terms overlap (مستشفى الرازي / الرازي) the longer one is kept.
        self.terms = tuple(sorted(by_key.values(), key=lambda t: (-len(t.key), t.key)))

    def __len__(self) -> int:
        return len(self.terms)

    def __getstate__(self) -> dict[str, object]:
        return {"name": self.name, "terms": self.terms}

    def __setstate__(self, state: dict) -> None:
        self.name, self.terms = state["name"], state["terms"]

    @classmethod
    def from_pairs(cls, pairs: Sequence[Sequence[str]], name: str = "glossary") -> Glossary:
        """A glossary from [arabic, english] or [arabic, english, note] lists (e.g. an API request)."""
        terms = []
        for i, pair in enumerate(pairs):
            if not 2 <= len(pair) <= 3 or not all(isinstance(p, str) for p in pair):
                raise InputError(name, f"entry {i}: expected [arabic, english] or [arabic, english, note]")
            terms.append(Term(pair[0].strip(), pair[1].strip(), pair[2].strip() if len(pair) > 2 else ""))
        return cls(terms, name)

    def merged(self, other: Glossary | None) -> Glossary:
        """This glossary with another's terms added; the other's English wins where both have a term."""
        if other is None:
            return self
        keys = {t.key for t in other.terms}
        return Glossary([*other.terms, *(t for t in self.terms if t.key not in keys)], other.name)

    def digest(self) -> str:
        """A short hash of the terms (part of a batch's resume key)."""
        data = "\n".join(f"{t.arabic}\t{t.english}" for t in sorted(self.terms, key=lambda t: t.key))
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]

    def find(self, text: str) -> list[TermMatch]:
        """The terms in a (prepared) Arabic text, in text order; overlaps resolved longest-term first."""
        folded, positions = fold(text)
        taken: list[tuple[int, int]] = []
        found: list[TermMatch] = []
        for term in self.terms:
            core = term.key[2:] if term.key.startswith("ال") else term.key
            if core not in folded:  # cheap pre-filter: most terms are not in most sentences
                continue
            for m in _term_pattern(term.key).finditer(folded):
                if any(m.start() < b and a < m.end() for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                start, end = positions[m.start()], positions[m.end() - 1] + 1
                found.append(TermMatch(term, (start, end), text[start:end]))
        return sorted(found, key=lambda f: f.span)


def _check_term(term: Term, name: str) -> None:
    where = f"line {term.line}: " if term.line else f"term {term.arabic!r}: "
    if not _ARABIC_LETTER.search(term.arabic):
        raise InputError(name, f"{where}the first column must be the Arabic term, found {term.arabic!r}")
    if len(_ARABIC_LETTER.findall(term.key)) < 2:
        raise InputError(name, f"{where}the Arabic term {term.arabic!r} is too short (2 letters at least)")
    if not term.english:
        raise InputError(name, f"{where}the second column must be the English for {term.arabic!r}")
    if max(len(term.arabic), len(term.english), len(term.note)) > MAX_TERM_CHARS:
        raise InputError(name, f"{where}a column is longer than {MAX_TERM_CHARS} characters")


def parse_glossary(text: str, name: str = "glossary") -> Glossary:
    """A glossary from TSV text (Arabic, English, optional note; # comments); InputError names the bad line."""
    terms = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.rstrip("\r").split("\t")]
        if not 2 <= len(cells) <= 3:
            raise InputError(name, f"line {number}: expected Arabic<TAB>English[<TAB>note], "
                                   f"found {len(cells)} column{'s' * (len(cells) != 1)}")
        terms.append(Term(cells[0], cells[1], cells[2] if len(cells) > 2 else "", number))
    return Glossary(terms, name)


def load_glossary(path: str | Path) -> Glossary:
    """Read a glossary file (UTF-8 TSV); InputError (exit 2) names the file and the line."""
    from mt.textio import decode_text

    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read the glossary: {exc.strerror}") from None
    glossary = parse_glossary(decode_text(data, name), name)
    if not glossary.terms:
        raise InputError(name, "the glossary holds no term (one 'Arabic<TAB>English' per line)")
    return glossary
