"""Sentence splitting for Arabic (and mixed Latin) news text, with spans in the original text.

Rules, in the order they are applied to each line (paragraph = index in ``text.split("\\n")``):

* A sentence ends at a run of ``. ! ? ؟ … ۔`` followed by optional closing quotes/brackets and then
  whitespace or the end of the line; the closers stay with their sentence.
* Not a sentence end: a single letter before ``.`` (abbreviations ``د. م. ص. ق.`` and initials ``J. K.``,
  except ``م.``/``هـ.`` right after a number, an era mark that usually ends a clause); Latin abbreviations
  (``Dr. Mr. No. vs.`` …); capitalised dotted ones (``U.S. U.N.``); other dotted ones (``e.g. أ.د. ق.م.``)
  and ``a.m. p.m. etc. Inc.`` unless a capital letter follows; a lone enumerator at a sentence start
  (``1.``); a terminator before a lowercase Latin word or before a word that never starts a sentence
  (a detached ``و``, ``إلخ``); an ellipsis inside (or closing) a quotation that opens and closes on the
  same line.
  Decimals, times, URLs and e-mail addresses never qualify because no space follows their dots.
  Sentences inside a quotation are split like any others (FLORES splits quoted speech the same way).
* ``، ؛ : , ;`` and spaced dashes never end a sentence; they are where a sentence longer than ``max_tokens``
  is cut (after the passed-over ``! ? … ...`` ends first, then there, then at spaces into pieces of even
  size; a single over-long "word" is cut between characters only as the last resort, never between a
  letter and its combining marks).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from mt.errors import InvalidOption
from mt.types import SourceSegment

TokenCounter = Callable[[str], int]


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a text, as a set (for word lists written as one string)."""
    return frozenset(text.split())


# Invisible formatting (zero-width, bidi controls, word joiner, BOM): normalize() strips it, the splitter skips it.
FORMAT_CHARS = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_CLOSERS = "\"'»”’)\\]}¢›" + FORMAT_CHARS
_TERMINATOR_RE = re.compile(rf"[.!?؟…۔]+[{_CLOSERS}]*(?=\s|$)")
# Inside an over-long sentence: the terminators the rules passed over, except a single '.' (which was
# an abbreviation, an initial or an enumerator, where a cut would tear a title from its name).
_SUPPRESSED_END_RE = re.compile(rf"(?:[!?؟…۔]+|\.{{2,}})[{_CLOSERS}]*(?=\s|$)")
_SOFT_RE = re.compile(rf"(?:[،؛:;,]+[{_CLOSERS}]*|\s[-–—])(?=\s)")
_SPACE_RE = re.compile(r"\s+")
_WORD_PIECE_RE = re.compile(r"\w+|[^\w\s]")
_NEXT_WORD_RE = re.compile(rf"\s+[{FORMAT_CHARS}\"'«“„(\[]*(\w[\w\u0640\u064b-\u065f\u0670]*|)")
_CITATION_RE = re.compile(r"\s+\([^()\n.!?؟…]{1,80}\)(?=\s|$)")
_ENUMERATOR_RE = re.compile(r"(?:\d{1,3}|[ivxlcIVXLC]{1,5})\.")

_NON_FINAL_ABBREVIATIONS = word_set(
    "mr mrs ms dr prof st mt gen col lt sgt capt cpt rev hon sen rep gov pres vs no nos fig figs vol vols "
    "pp approx cf jr sr ca ed eds dept univ ave blvd"
)
_FINAL_OK_ABBREVIATIONS = word_set("a.m p.m etc inc ltd co corp")
_ERA_MARKS = frozenset({"م", "هـ", "ه"})
_CONTINUATIONS = frozenset({"و", "إلخ", "الخ", "etc"})  # words that never start a sentence

_SYMMETRIC_QUOTES = frozenset('"¢“”„')
_OPENING_QUOTES = frozenset("«‹")
_CLOSING_QUOTES = frozenset("»›")


def estimate_tokens(text: str) -> int:
    """A cheap, deliberately generous stand-in for a subword tokenizer's count."""
    return sum(1 + len(piece) // 3 for piece in _WORD_PIECE_RE.findall(text))


def split_sentences(
    text: str, *, max_tokens: int = 256, count_tokens: TokenCounter | None = None
) -> list[SourceSegment]:
    """Split a document into sentences (and over-long sentences into pieces) with original spans."""
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise InvalidOption("max_tokens", max_tokens, ["a whole number of tokens >= 1, e.g. 256"])
    count = count_tokens or estimate_tokens
    segments: list[SourceSegment] = []
    offset = 0
    for paragraph, line in enumerate(text.split("\n")):
        for start, end in sentence_spans(line):
            for piece_start, piece_end in cut_to_fit(line, start, end, max_tokens, count):
                span = (offset + piece_start, offset + piece_end)
                segments.append(SourceSegment(line[piece_start:piece_end], paragraph, span))
        offset += len(line) + 1
    return segments


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of one line, trimmed of blanks at both edges."""
    quotes = _quote_regions(line)
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _TERMINATOR_RE.finditer(line):
        end = match.end()
        if end <= start or not _is_boundary(line, start, match, quotes):
            continue
        citation = _CITATION_RE.match(line, end)
        if citation:
            end = citation.end()
        spans.append((start, end))
        start = end
    spans.append((start, len(line)))
    return [trimmed for s, e in spans if (trimmed := _trim(line, s, e))]


def cut_to_fit(
    text: str, start: int, end: int, max_tokens: int, count: TokenCounter, level: int = 0,
    *, strict: bool = True,
) -> list[tuple[int, int]]:
    """Cut text[start:end] into trimmed pieces of at most max_tokens, at the gentlest cut points possible.

    A single character over the limit raises InvalidOption (strict) or is returned as its own piece.
    """
    if count(text[start:end]) <= max_tokens:
        return [(start, end)]
    if level > 3:
        if not strict:
            return [(start, end)]
        raise InvalidOption("max_tokens", max_tokens, [
            f"a limit of at least {count(text[start:end])}: the single character {text[start:end]!r} "
            f"alone counts that many tokens"])
    units = _units(text, start, end, level)
    if len(units) <= 1:
        return cut_to_fit(text, start, end, max_tokens, count, level + 1, strict=strict)
    per_token = 16 if level == 3 else 4
    sizes = [count(text[a:b]) for a, b in units]
    if level >= 2 and max(sizes) <= max_tokens:
        return _balanced(text, units, max(sizes), max_tokens, count, per_token)
    pieces: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        if sizes[i] > max_tokens:
            pieces.extend(cut_to_fit(text, *units[i], max_tokens, count, level + 1, strict=strict))
            i += 1
            continue
        last = _last_fitting(text, units, i, max_tokens, count, per_token)
        pieces.append((units[i][0], units[last][1]))
        i = last + 1
    return pieces


def _balanced(
    text: str, units: list[tuple[int, int]], floor: int, max_tokens: int, count: TokenCounter, per_token: int
) -> list[tuple[int, int]]:
    """Greedy packing with the smallest budget that needs no more pieces than max_tokens does.

    Plain greedy packing leaves a stub at the end ("… كلاما" + "طويلا،"); evening the pieces out keeps
    each one a phrase the model can translate.
    """
    def pack(budget: int) -> list[tuple[int, int]]:
        pieces, i = [], 0
        while i < len(units):
            last = _last_fitting(text, units, i, budget, count, per_token)
            pieces.append((units[i][0], units[last][1]))
            i = last + 1
        return pieces

    best = pack(max_tokens)
    lo, hi = floor, max_tokens
    while lo < hi:
        mid = (lo + hi) // 2
        if len(pack(mid)) <= len(best):
            hi = mid
        else:
            lo = mid + 1
    return pack(lo) if lo < max_tokens else best


def _last_fitting(
    text: str, units: list[tuple[int, int]], first: int, max_tokens: int, count: TokenCounter, per_token: int
) -> int:
    # Binary search assumes counts grow with the prefix; every index returned was itself checked to fit.
    lo, hi = first, min(len(units) - 1, first + max_tokens * per_token)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[units[first][0] : units[mid][1]]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _units(text: str, start: int, end: int, level: int) -> list[tuple[int, int]]:
    """The trimmed pieces between the cut points of one level inside text[start:end]."""
    if level == 3:
        return _characters(text, start, end)
    pattern = (_SUPPRESSED_END_RE, _SOFT_RE, _SPACE_RE)[level]
    cuts = [m.end() for m in pattern.finditer(text, start, end)] if level < 2 else [
        m.start() for m in pattern.finditer(text, start, end)
    ]
    bounds = [start, *cuts, end]
    return [t for a, b in zip(bounds, bounds[1:], strict=False) if (t := _trim(text, a, b))]


def _characters(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """One unit per base character together with the combining marks that follow it."""
    units: list[tuple[int, int]] = []
    for i in range(start, end):
        if units and unicodedata.combining(text[i]):
            units[-1] = (units[-1][0], i + 1)
        else:
            units.append((i, i + 1))
    return units


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without blank or invisible format characters at its edges, or None if nothing is left."""
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return (start, end) if start < end else None


def _is_blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def _is_boundary(line: str, start: int, match: re.Match[str], quotes: list[tuple[int, int]]) -> bool:
    """Whether a terminator match really ends the sentence that began at start."""
    end = match.end()
    run = match.group().rstrip(_CLOSERS)
    ellipsis = "…" in run or ".." in run
    if ellipsis and any(open_at < match.start() < close_at for open_at, close_at in quotes):
        return False
    next_word = _next_word(line, end)
    next_char = next_word[:1]
    if (next_char.isascii() and next_char.islower()) or next_word in _CONTINUATIONS:
        return False
    if run != ".":
        return True
    token_start = match.start()
    while token_start > 0 and not line[token_start - 1].isspace():
        token_start -= 1
    if end - start <= 12 and _ENUMERATOR_RE.fullmatch(line[start:end].strip()):
        return False
    before = token_start - 1
    while before >= 0 and line[before].isspace():
        before -= 1
    token = line[token_start : match.start()].lstrip("\"'«“„([")
    return not _is_abbreviation(token, line[before] if before >= 0 else "", next_char)


def _is_abbreviation(token: str, previous_char: str, next_char: str) -> bool:
    """Whether the token before a single '.' is an abbreviation or an initial, not a sentence's last word."""
    if not token or "/" in token or "@" in token:
        return False
    if len(token.rstrip("ـ")) == 1 and token[0].isalpha():
        return not (token in _ERA_MARKS and previous_char.isdigit())
    lowered = token.lower()
    if lowered in _NON_FINAL_ABBREVIATIONS:
        return True
    dotted = "." in token and all(0 < len(part) <= 2 and part.isalpha() for part in token.split("."))
    if dotted and token.replace(".", "").isupper():
        return True  # U.S., U.N.: far more often before a name ("U.S. Army") than at a sentence end
    if lowered in _FINAL_OK_ABBREVIATIONS or dotted:
        return not (next_char.isascii() and next_char.isupper())
    return False


def _next_word(line: str, end: int) -> str:
    """The next word after blanks and opening quotes ('' if none or if it starts with a symbol)."""
    match = _NEXT_WORD_RE.match(line, end)
    return match.group(1) if match else ""


def _quote_regions(line: str) -> list[tuple[int, int]]:
    """(opening, closing) offsets of the quotations that open and close on this line."""
    if not any(c in _SYMMETRIC_QUOTES or c in _OPENING_QUOTES for c in line):
        return []
    regions: list[tuple[int, int]] = []
    opened: int | None = None
    for i, char in enumerate(line):
        role = _quote_role(line, i) if char in _SYMMETRIC_QUOTES else (
            "open" if char in _OPENING_QUOTES else "close" if char in _CLOSING_QUOTES else ""
        )
        if role == "either":
            role = "close" if opened is not None else "open"
        if role == "open":
            opened = i
        elif role == "close" and opened is not None:
            regions.append((opened, i))
            opened = None
    return regions


def _quote_role(line: str, i: int) -> str:
    """'open', 'close', 'either' or '' for a symmetric quote mark, from the characters around it."""
    before = line[i - 1] if i > 0 else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    open_side = before.isspace() or before in "([{«:"
    close_side = after.isspace() or after in ".,،؛:;!?؟…)]}»"
    if open_side and not after.isspace():
        return "open"
    if close_side and not before.isspace():
        return "close"
    return "either" if not (before.isspace() or after.isspace()) else ""
