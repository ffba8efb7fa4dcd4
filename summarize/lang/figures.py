"""Key figures of an Arabic report: casualties, counts, dates, money and percentages, with their sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mt.types import Segment
from summarize.lang.numbers_ar import ArabicNumber, read_numbers
from summarize.lang.text import AMONG_THEM, Token, strip_prefixes, tokenize

KINDS = ("killed", "injured", "money", "percent", "count", "date", "number")
# The figures news readers compare (a brief shows them beyond its points; a digest sets them side by side per source).
NEWS_KINDS = ("killed", "injured", "money", "percent")
# How much a sentence's figures add to its rank (see summarize.rank): casualties and money are the news.
KIND_WEIGHT = {"killed": 1.0, "injured": 1.0, "money": 0.8, "percent": 0.6, "count": 0.5, "date": 0.3,
               "number": 0.0}
_KILLED = frozenset(
    [
        "قتل", "مقتل", "قتلي", "قتلوا", "قتيل", "قتيلا", "قتلت", "قتلهم", "مصرع", "حتفه", "حتفهم",
        "حتفهما", "لقي", "لقوا", "لقيت", "مات", "ماتوا", "وفاه", "توفي", "وفيات", "استشهد", "استشهدوا",
        "استشهاد", "شهداء", "شهيد", "شهيدا", "ضحايا"
    ])
_INJURED = frozenset(
    [
        "اصيب", "اصيبوا", "اصيبت", "اصابه", "اصابات", "اصابتهم", "جرحي", "جريح", "جريحا", "جرح",
        "جرحوا", "جروح", "مصاب", "مصابا", "مصابين", "مصابون"
    ])
_CURRENCIES = {"دولار": "dollars", "دولارا": "dollars", "دولارات": "dollars", "جنيه": "pounds",
               "جنيها": "pounds", "جنيهات": "pounds", "يورو": "euros", "ليره": "lira", "ليرات": "lira",
               "ريال": "riyals", "ريالا": "riyals", "ريالات": "riyals", "درهم": "dirhams", "درهما": "dirhams",
               "دراهم": "dirhams", "دينار": "dinars", "دينارا": "dinars", "دنانير": "dinars", "$": "dollars",
               "€": "euros", "£": "pounds"}
_YEAR_CUES = frozenset({"في", "منذ", "حتي", "عام", "العام", "سنه", "مطلع", "اواخر", "اوائل", "نهايه"})
_BEFORE, _AFTER = 3, 4  # how many words a casualty keyword may stand from its number


@dataclass(frozen=True)
class Figure:
    """A key figure of the report, with the Arabic sentence it comes from and that sentence's English."""

    value: int | float | str  # str for dates ("9 September 2016")
    kind: str  # one of KINDS
    arabic: str  # the source segment
    english: str  # the engine's translation of that segment
    text: str = ""  # the figure as written in the Arabic (e.g. "سبعة")
    unit: str = ""  # "dollars", "%" ... for money and percentages
    segment: int = 0  # index of the segment in the translation

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the figure."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        """The figure that to_dict wrote."""
        return cls(**data)


def _keyword_kind(token: Token) -> str | None:
    if strip_prefixes(token.norm, _KILLED):
        return "killed"
    if strip_prefixes(token.norm, _INJURED):
        return "injured"
    return None


def _casualty_kind(tokens: list[Token], number: ArabicNumber, taken: set[int]) -> str | None:
    """The casualty keyword that governs a number: the nearest before it, else the nearest after it."""
    for k in range(number.first - 1, max(-1, number.first - 1 - _BEFORE), -1):
        if k in taken:
            break
        if kind := _keyword_kind(tokens[k]):
            return kind
    for k in range(number.last + 1, min(len(tokens), number.last + 1 + _AFTER)):
        if k in taken:
            break
        if kind := _keyword_kind(tokens[k]):
            return kind
    return None


def _unit_after(tokens: list[Token], number: ArabicNumber) -> tuple[str, str] | None:
    """(kind, unit) when a currency or a percent sign or phrase follows (or a currency sign precedes)."""
    if number.unit == "%":
        return "percent", "%"
    after = tokens[number.last + 1:number.last + 2]
    if after and (currency := strip_prefixes(after[0].norm, _CURRENCIES)):
        return "money", _CURRENCIES[currency]
    if number.first > 0 and tokens[number.first - 1].norm in ("$", "€", "£"):
        return "money", _CURRENCIES[tokens[number.first - 1].norm]
    return None


def _classify(tokens: list[Token], number: ArabicNumber, taken: set[int]) -> tuple[str, str]:
    """(kind, unit) of a cardinal read from a sentence."""
    if found := _unit_after(tokens, number):
        return found
    if kind := _casualty_kind(tokens, number, taken):
        return kind, ""
    before = tokens[number.first - 1].norm if number.first > 0 else ""
    if number.written == "digits" and isinstance(number.value, int) and 1900 <= number.value <= 2100 and (
            before in _YEAR_CUES):
        return "date", ""
    if number.written == "digits" and number.first == number.last and before.startswith(("ال", "لل")):
        return "number", ""  # a name, not a quantity: اللواء 75, القرار 2254
    return "count", ""


def _with_unit(number: ArabicNumber, sentence: str, tokens: list[Token], unit: str) -> str:
    """The figure's Arabic words: the number and its currency or percent sign."""
    if unit and unit != "%" and number.last + 1 < len(tokens):
        return sentence[number.start:tokens[number.last + 1].end]
    return number.text


def segment_figures(segment: Segment, index: int = 0, inherited: str | None = None) -> list[Figure]:
    """The figures of one segment; `inherited` is a casualty kind that a continuation piece takes over."""
    tokens = tokenize(segment.source)
    numbers = read_numbers(segment.source)
    taken = {k for n in numbers for k in range(n.first, n.last + 1)}
    continues = bool(tokens) and tokens[0].norm in AMONG_THEM
    figures = []
    for number in numbers:
        if number.kind == "date":
            kind, unit = "date", ""
        else:
            kind, unit = _classify(tokens, number, taken)
            if kind == "count" and continues and inherited:
                kind = inherited
        value = str(number.value) if kind == "date" else number.value
        figures.append(Figure(value, kind, segment.source, segment.target,
                              _with_unit(number, segment.source, tokens, unit), unit, index))
    return figures


def extract_figures(segments: Sequence[Segment]) -> list[Figure]:
    """Every figure of a document, in document order (no de-duplication)."""
    figures: list[Figure] = []
    inherited: str | None = None
    for index, segment in enumerate(segments):
        found = segment_figures(segment, index, inherited)
        casualties = [f.kind for f in found if f.kind in ("killed", "injured")]
        # Only the piece right after a casualty sentence can continue it.
        inherited = casualties[-1] if casualties else None
        figures.extend(found)
    return figures


def key_figures(figures: list[Figure] | tuple[Figure, ...], limit: int | None = None) -> list[Figure]:
    """The figures worth a brief: no bare names, one per kind and value, casualties first."""
    seen: set[tuple[str, object]] = set()
    chosen = []
    for figure in figures:
        key = (figure.kind, figure.value)
        if figure.kind == "number" or key in seen:
            continue
        seen.add(key)
        chosen.append(figure)
    chosen.sort(key=lambda f: KINDS.index(f.kind))  # stable: document order inside a kind
    return chosen[:limit] if limit is not None else chosen
