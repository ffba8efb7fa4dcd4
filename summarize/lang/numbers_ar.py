"""A small Arabic number reader: digits (any script), number words, and dates written with ordinals.

It reads `24`, `٢٤`, `1.5 مليون`, `سبعة`, `سبع`, `اثنين`, `خمسة وعشرون`, `ثلاثمائة ألف`, `التاسع من سبتمبر`,
`9 أيلول 2016`. Words are matched on the normalized spelling (see summarize.lang.text.fold_spelling), after the clitics
و/ب/ل/ال are taken off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from summarize.lang.numbers_en import MAX_DIGITS, MAX_VALUE, MONTHS_EN
from summarize.lang.text import Token, strip_prefixes, tokenize

_UNIT_FORMS = {
    1: "واحد واحده واحدا", 2: "اثنان اثنين اثنتان اثنتين ثنتان ثنتين", 3: "ثلاثه ثلاث", 4: "اربعه اربع",
    5: "خمسه خمس", 6: "سته ست", 7: "سبعه سبع", 8: "ثمانيه ثماني ثمان", 9: "تسعه تسع", 10: "عشره عشر",
}
_TEEN_HEADS = {1: "احد احدي", 2: "اثنا اثني اثنتا اثنتي"}  # only before عشر: أحد عشر, اثنتا عشرة
_TEN_STEMS = {20: "عشر", 30: "ثلاث", 40: "اربع", 50: "خمس", 60: "ست", 70: "سبع", 80: "ثمان", 90: "تسع"}
_HUNDRED_STEMS = {3: "ثلاث", 4: "اربع", 5: "خمس", 6: "ست", 7: "سبع", 8: "ثمان", 9: "تسع"}
_SCALES = {1000: ("الف الفا", "الفان الفين", "الاف"), 10**6: ("مليون مليونا", "مليونان مليونين مليوني", "ملايين"),
           10**9: ("مليار مليارا بليون بليونا", "ملياران مليارين ملياري", "مليارات بلايين"),
           10**12: ("تريليون تريليونا ترليون", "تريليونان تريليونين", "تريليونات ترليونات")}
_ORDINALS = {1: "اول اولي حادي حاديه", 2: "ثاني ثانيه", 3: "ثالث ثالثه", 4: "رابع رابعه", 5: "خامس خامسه",
             6: "سادس سادسه", 7: "سابع سابعه", 8: "ثامن ثامنه", 9: "تاسع تاسعه", 10: "عاشر عاشره"}
# Month names, normalized: the Egyptian (international) ones, which UN Arabic writes after the Levantine name
# (كانون الثاني/يناير), and the one-word Levantine ones.
EGYPTIAN_MONTHS = {"يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
                   "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12}
_MONTHS = EGYPTIAN_MONTHS | {"شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8,
                             "ايلول": 9}
_TWO_WORD_MONTHS = {("كانون", "الثاني"): 1, ("كانون", "الاول"): 12, ("تشرين", "الاول"): 10,
                    ("تشرين", "الثاني"): 11}
LEVANTINE_FIRST = ("كانون", "تشرين")  # the first word of the two-word Levantine months
_YEAR_WORDS = frozenset({"عام", "العام", "سنه", "السنه", "لعام", "بعام"})
_DATE_FILLERS = frozenset({"الماضي", "المقبل", "الجاري", "المنصرم", "القادم"})
# Words that look like a number after a clitic is taken off but are not: لست "I am not", بست, وحدي ...
_BARE_THOUSANDS = frozenset({"الف", "الفا"})
_NOT_NUMBERS = frozenset({"لست", "بست", "لسبع", "الست", "الاثنين", "والاثنين"})  # الاثنين: Monday
_CENTURY = frozenset({"قرن", "القرن", "للقرن", "بالقرن", "والقرن"})
# A paragraph number opening the line: "12 - ", "١٢- ", "3) ", "3-2-1 "
# A paragraph or list number opening the line: "12 - ", "1.2.3 ", "3) ", UN's "'3`" (for (iii)) and "(6) "
_LABEL = re.compile(r"\s*(?:'[\d٠-٩]+`|\([\d٠-٩]+\)\s|[\d٠-٩]+(?:(?:[-.][\d٠-٩]+){2,}\s|\s*[-–.)]\s))")
_GROUP = re.compile(r"\d{3}(?:\.\d+)?")  # the low group of a UN-style number: "000", "731.5" (1,731.5)
_SPACES = frozenset(" \u00a0\u202f\u2009\u200f\u200e")


@dataclass(frozen=True)
class ArabicNumber:
    """A number read from Arabic text."""

    value: int | float | str  # str for dates: "9 September", "September 2016", "2016"
    kind: str  # "cardinal" | "ordinal" | "date"
    text: str  # the words as written
    start: int  # character offsets in the text
    end: int
    first: int  # token indices (inclusive) in tokenize(text)
    last: int
    written: str  # "digits" | "words"
    # kinds besides cardinal/ordinal/date: "century" (القرن الحادي والعشرين: 21), "label" (a paragraph number
    # opening the line: "12 - ", "١٢- ", or a footnote mark: "(1)") and "time" (15:00 and UN's 00/15 are
    # 1500), never checked as quantities
    unit: str = ""  # "%" when a percent sign or في المائة follows (and is part of text)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[str, int]]:
    """normalized word -> (class, value); classes: unit teen ten hundred scale dual plural."""
    lex: dict[str, tuple[str, int]] = {}
    for value, forms in _UNIT_FORMS.items():
        lex.update({form: ("unit", value) for form in forms.split()})
    for value, forms in _TEEN_HEADS.items():
        lex.update({form: ("teen", value) for form in forms.split()})
    for value, stem in _TEN_STEMS.items():
        lex.update({stem + "ون": ("ten", value), stem + "ين": ("ten", value)})
    for hundred in ("مائه", "مئه"):
        lex[hundred] = ("hundred", 100)
        for value, stem in _HUNDRED_STEMS.items():
            lex[stem + hundred] = ("hundred", value * 100)
    lex["ثمانيمائه"] = ("hundred", 800)
    for form in ("مائتان", "مائتين", "مئتان", "مئتين", "مائتا", "مئتا", "مائتي", "مئتي"):
        lex[form] = ("hundred", 200)
    for scale, (singular, dual, plural) in _SCALES.items():
        lex.update({form: ("scale", scale) for form in singular.split()})
        lex.update({form: ("dual", scale) for form in dual.split()})
        lex.update({form: ("plural", scale) for form in plural.split()})
    return lex


@lru_cache(maxsize=1)
def _ordinal_lexicon() -> dict[str, int]:
    return {form: value for value, forms in _ORDINALS.items() for form in forms.split()}


def _lookup(token: Token) -> tuple[str, int, bool] | None:
    """(class, value, has_conjunction) of a number word, or None."""
    if token.norm in _NOT_NUMBERS:
        return None
    lex = _lexicon()
    form = strip_prefixes(token.norm, lex)
    if form is None:
        return None
    cls, value = lex[form]
    return cls, value, token.norm != form and token.norm.startswith("و")


def _lookup_after(token: Token) -> tuple[str, int, bool] | None:
    """_lookup for a word inside a number phrase, where و+word beats a word that begins with و: «مائة وأحد عشر»
    normalizes وأحد to واحد (one), but there it is "and one" of 111."""
    found = _lookup(token)
    if found and not found[2] and token.norm.startswith("و") and (
            joined := _lexicon().get(token.norm[1:])) is not None:
        return joined[0], joined[1], True
    return found


def parse_digits(norm: str) -> int | float:
    """The value of a normalized digit group: `1,000` -> 1000, `1.5` -> 1.5, `1.000.000` -> 1000000."""
    parts = norm.replace(",", ".").split(".")
    if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]) and ("," in norm or len(parts) > 2):
        return int("".join(parts))
    if len(parts) > 2:  # not one number but several joined: a dotted date (1.3.2018), a list (3,4,5)
        return int(parts[0]) if parts[0].isdigit() else 0  # read as its first: never a crash on a report
    if "," in norm and "." not in norm:  # a decimal comma: 2,5
        return float(norm.replace(",", "."))
    return float(norm) if "." in norm else int(norm)


def _places(value: float) -> set[int]:
    return {10 ** i for i, digit in enumerate(reversed(str(int(value)))) if digit != "0"}


def _read_cardinal(tokens: list[Token], i: int, text: str) -> tuple[int | float, int] | None:
    """Read the number phrase starting at token i: (value, index of its last token), or None."""
    total: int | float = 0
    current: int | float = 0
    scale: int | float = 0  # the last scale word read, and where: a scale as large again starts a new number
    last = scale_last = -1
    j = i
    while j < len(tokens):
        token = tokens[j]
        if token.is_number:
            if j != i:
                break
            current, last = _digit_groups(tokens, j, text)
            if _in_code(tokens, j, text) or _in_code(tokens, last, text):
                break  # a code ("كوف-2"): no scale word joins it
            j = last + 1
            continue
        found = _lookup(token) if j == i else _lookup_after(token)
        if found is None:
            break
        cls, value, conj = found
        nxt = _lookup(tokens[j + 1]) if j + 1 < len(tokens) else None
        if cls in ("unit", "teen") and nxt and nxt[0] == "unit" and nxt[1] == 10 and not nxt[2]:
            value, cls, step = value + 10, "unit", 2  # a teen: خمسة عشر
        elif cls == "teen":
            break
        else:
            step = 1
        if cls == "scale" and scale and value > scale and not conj and last == scale_last and not current:
            total, scale, scale_last, last = total * value, value, j, j  # ثلاثة آلاف مليون: 3,000 million
            j += 1
            continue
        if cls in ("scale", "dual", "plural") and scale and value >= scale:
            current, last = 0, scale_last  # مليوني وثلاثة ملايين: two numbers (2 and 3 million), not 5 million
            break
        if cls in ("unit", "ten", "hundred"):
            if j != i and (tokens[last].is_number or not conj or _places(current) & _places(value)):
                break
            current += value
        elif cls == "scale" and (j == i or not conj):
            total, current = total + (current or 1) * value, 0
        elif cls == "dual" and j == i:
            total += 2 * value
        elif cls == "plural" and j != i and not conj and (2 < current <= 10 or (
                tokens[last].is_number and not float(current).is_integer())):
            # (UN and financial Arabic write a decimal with the plural: 43.3 ملايين; «في 2014 آلاف» is a year)
            total, current = total + current * value, 0
        else:
            break
        last = j + step - 1
        if cls in ("scale", "dual", "plural"):
            scale, scale_last = value, last
        j += step
    if last < 0:
        return None
    if last == i and strip_prefixes(tokens[i].norm, _BARE_THOUSANDS):
        return None  # a lone ألف is as often the verb "wrote" or a name (قناة ألفا) as "a thousand"
    number = total + current  # past MAX_VALUE: an id, a code or a phone number, and past what a float holds
    return None if number > MAX_VALUE else ((int(number) if float(number).is_integer() else number), last)


def _digit_groups(tokens: list[Token], i: int, text: str) -> tuple[int | float, int]:
    """(value, last token) of the digits at token i; UN Arabic writes thousands groups low group first,
    space-separated, `000 2` for 2,000 and `680 151` for 151,680 (3-digit groups, then a 1-3 digit one)."""
    j = i
    while (j + 1 < len(tokens) and _GROUP.fullmatch(tokens[j].norm) and (j == i or tokens[j].norm.isdigit())
           and tokens[j + 1].is_number and tokens[j + 1].norm.isdigit() and len(tokens[j + 1].norm) <= 3
           and text[tokens[j].end:tokens[j + 1].start] in _SPACES):
        j += 1
    if j == i:
        return parse_digits(tokens[i].norm), i
    value = parse_digits("".join(t.norm for t in reversed(tokens[i:j + 1])))
    return value, j


def _in_code(tokens: list[Token], i: int, text: str) -> bool:
    """True for digits glued by a hyphen to a word (كوف-2, جاس-٣٩) or cut from the next word by punctuation
    (`كوف-2) مليون`): a name or a closed phrase, which a following scale word does not multiply."""
    token = tokens[i]
    glued = i > 0 and not tokens[i - 1].is_number and text[tokens[i - 1].end:token.start] in ("-", "–")
    gap = text[token.end:tokens[i + 1].start] if i + 1 < len(tokens) else ""
    return glued or any(ch not in _SPACES for ch in gap)


def _read_ordinal(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Read an ordinal (the ninth, the twenty-first): (value, last token index), or None."""
    ordinals = _ordinal_lexicon()
    form = strip_prefixes(tokens[i].norm, ordinals)
    if form is None:
        found = _lookup(tokens[i])
        # العشرين / الثلاثين: the tens double as ordinals (the twentieth)
        if found and found[0] == "ten" and "ال" in tokens[i].norm[:3]:
            return found[1], i
        return None
    value, last = ordinals[form], i
    if i + 1 < len(tokens):
        nxt = tokens[i + 1].norm
        found = _lookup(tokens[i + 1])
        if nxt in ("عشر", "عشره"):
            value, last = value + 10, i + 1
        elif found and found[0] == "ten" and found[2]:
            value, last = value + found[1], i + 1
    if [t.norm for t in tokens[last + 1:last + 3]] in (["بعد", "المائه"], ["بعد", "المئه"]):
        value, last = value + 100, last + 2  # الحادية والثلاثون بعد المائة: the 131st
    return value, last


def _read_month(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Read a month name at token i (one or two words): (month, last token index), or None."""
    if i >= len(tokens):
        return None
    if i + 1 < len(tokens):
        first = strip_prefixes(tokens[i].norm, {"كانون": 0, "تشرين": 0})
        pair = (first, tokens[i + 1].norm)
        if pair in _TWO_WORD_MONTHS:
            return _TWO_WORD_MONTHS[pair], i + 1
    form = strip_prefixes(tokens[i].norm, _MONTHS)
    return (_MONTHS[form], i) if form else None


def _read_year(tokens: list[Token], i: int) -> tuple[int, int] | None:
    if i < len(tokens) and tokens[i].norm.isdigit() and 1000 <= int(tokens[i].norm) <= 2200:
        return int(tokens[i].norm), i
    return None


def _read_date(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """Read `9 سبتمبر 2016`, `التاسع من سبتمبر الماضي`, `سبتمبر 2016` or `عام 2016` at token i."""
    day = None
    if i > 0 and tokens[i - 1].norm.endswith(LEVANTINE_FIRST):  # (وتشرين too; a cheap test, run per token)
        return None  # the الأول of تشرين الأول/أكتوبر is no day
    if tokens[i].is_number and tokens[i].norm.isdigit() and 1 <= int(tokens[i].norm) <= 31:
        day, j = int(tokens[i].norm), i + 1
    elif (ordinal := _read_ordinal(tokens, i)) and ordinal[0] <= 31:
        day, j = ordinal[0], ordinal[1] + 1
    else:
        j = i
    if strip_prefixes(tokens[i].norm, _YEAR_WORDS) and (year := _read_year(tokens, i + 1)):
        return str(year[0]), year[1]
    if day is not None and j < len(tokens) and tokens[j].norm == "من":
        j += 1
    month = _read_month(tokens, j)
    if month is None:
        return None
    name, last = MONTHS_EN[month[0] - 1], month[1]
    if (other := _read_month(tokens, last + 1)) and other[0] == month[0]:
        last = other[1]  # كانون الثاني/يناير, شباط/فبراير: the Levantine and the Egyptian name side by side
    if last + 1 < len(tokens) and tokens[last + 1].norm in _DATE_FILLERS:
        last += 1
    year = _read_year(tokens, last + 1)
    if year is None and last + 2 < len(tokens) and tokens[last + 1].norm in _YEAR_WORDS:
        year = _read_year(tokens, last + 2)
    if day is None and year is None:
        return None  # a bare month name is not a figure
    label = " ".join(str(part) for part in (day, name, year and year[0]) if part)
    return label, year[1] if year else last


def _is_definite_ten(token: Token) -> bool:
    found = _lookup(token)
    return found is not None and found[0] == "ten" and "ال" in token.norm[:3]


def _percent_end(tokens: list[Token], last: int) -> int | None:
    """The last token of a percent sign or phrase right after token `last`, or None."""
    nxt = [t.norm for t in tokens[last + 1:last + 3]]
    if nxt[:1] in (["%"], ["٪"], ["بالمائه"], ["بالمئه"]):
        return last + 1
    if nxt in (["في", "المائه"], ["في", "المئه"]):
        return last + 2
    return None


def read_numbers(text: str, *, ordinals: bool = False, special: bool = False) -> list[ArabicNumber]:
    """Every cardinal and date in an Arabic text, in order; ordinals outside dates too when asked, and the
    special kinds (century, label, time) when asked (otherwise they are passed over, never read as counts)."""
    return list(_read_numbers(text, ordinals, special))


def clear_memo() -> None:
    """Forget the numbers read so far (benchmarks time the reading itself)."""
    _read_numbers.cache_clear()


def _read_special(tokens: list[Token], i: int, text: str) -> tuple[str, int | float, int] | None:
    """(kind, value, last token) of a clock time ("time": skipped), a paragraph number opening the line
    ("label") or a century (القرن الحادي والعشرين, القرن الـ21: "century") at token i, or None."""
    token = tokens[i]
    if not token.is_number and token.norm not in _CENTURY:  # most tokens: nothing to look at (run per token)
        return None
    gap = text[token.end:tokens[i + 1].start] if i + 1 < len(tokens) else ""
    # UN text also writes a time low part first after الساعة: 00/10 for 10:00
    clock = gap == ":" or (gap == "/" and i > 0 and tokens[i - 1].norm.endswith("ساعه"))
    if token.is_number and clock and len(token.norm) <= 2 and len(tokens[i + 1].norm) == 2 and (
            tokens[i + 1].norm.isdigit()):
        hour, minute = (tokens[i + 1].norm, token.norm) if gap == "/" else (token.norm, tokens[i + 1].norm)
        return "time", int(hour) * 100 + int(minute), i + 1
    if token.is_number and text[token.start - 1:token.start] == "(" and text[token.end:token.end + 1] == ")" and (
            token.start >= 2 and not text[token.start - 2].isspace()):
        return "label", parse_digits(token.norm), i  # a footnote mark glued to the word: الحكومة(1)
    if i == 0 and token.is_number and (label := _LABEL.match(text)):
        last = max(k for k, t in enumerate(tokens) if t.end <= label.end())
        return "label", parse_digits(token.norm), last
    if token.norm not in _CENTURY or i + 1 >= len(tokens):
        return None
    k = i + 2 if tokens[i + 1].norm == "ال" else i + 1
    if k < len(tokens) and tokens[k].is_number and tokens[k].norm.isdigit():
        return "century", int(tokens[k].norm), k
    read = (_read_ordinal(tokens, k) or _read_cardinal(tokens, k, text)) if k < len(tokens) else None
    return ("century", read[0], read[1]) if read else None


@lru_cache(maxsize=4096)  # a brief re-read with other options, or a server's repeated report, reads nothing twice
def _read_numbers(text: str, ordinals: bool, special: bool) -> tuple[ArabicNumber, ...]:
    tokens = tokenize(text)
    found: list[ArabicNumber] = []
    i = 0
    value: int | float | str  # a date's value is its text
    while i < len(tokens):
        if found_special := _read_special(tokens, i, text):
            kind, value, last = found_special
            if not special:  # a time or label is passed over; a century's number is read as before
                i = i + 1 if kind == "century" else last + 1
                continue
        elif date := _read_date(tokens, i):
            kind, (value, last) = "date", date
        elif tokens[i].is_number and len(tokens[i].norm) > MAX_DIGITS:
            i += 1  # a serial number or a code: read as a figure it could reach past a float's range
            continue
        elif cardinal := _read_cardinal(tokens, i, text):
            kind, (value, last) = "cardinal", cardinal
            if last == i and _is_definite_ten(tokens[i]):
                kind = "ordinal"  # القرن العشرين: the twentieth century
                if not ordinals:
                    i += 1
                    continue
        elif ordinals and (ordinal := _read_ordinal(tokens, i)):
            kind, (value, last) = "ordinal", ordinal
        else:
            i += 1
            continue
        written = "digits" if any(t.is_number for t in tokens[i:last + 1]) else "words"
        unit = ""
        if kind == "cardinal" and (percent_end := _percent_end(tokens, last)) is not None:
            unit, last = "%", percent_end
        start, end = tokens[i].start, tokens[last].end
        found.append(ArabicNumber(value, kind, text[start:end], start, end, i, last, written, unit))
        i = last + 1
    return tuple(found)
