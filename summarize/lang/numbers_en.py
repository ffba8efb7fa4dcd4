"""An English number reader for the quality check: `7`, `seven`, `1,000`, `1.5 million`, `twenty-four`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_UNITS = [
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth"
]
_ORDINAL_TENS = [
    "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"
]
_SCALES = {"thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
# Decades ("1930s", "90s") and codes ("km2", "3d") are not quantities: they are read as words.
# A number, or a word (codes glued to letters, "u07.1", "table1.1", are words: their digits are no quantity)
MAX_DIGITS = 24  # longer digit strings (with separators) are ids or codes, never a count, sum or share
MAX_VALUE = 10 ** 18  # nor is a larger total
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th)?(?![a-z\d])|[\d,.]*[a-z][a-z\d]*(?:\.\d+)*")
_DIGITS = re.compile(r"(\d[\d,]*(?:\.\d+)?)(st|nd|rd|th)?")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
# each month's name and its three-letter abbreviation, lower case ("sept" too)
_MONTHS = {form: n for n, name in enumerate(MONTHS_EN, 1) for form in (name.lower(), name.lower()[:3])} | {"sept": 9}


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


@dataclass(frozen=True)
class EnglishNumber:
    """A number read from English text."""

    value: int | float
    text: str
    written: str  # "digits" | "words"
    ordinal: bool = False
    approximate: bool = False  # "a dozen", "two dozen": a round figure, never a changed number
    readings: tuple[float, ...] = ()  # another value it may stand for: "5 1/3" is written 5.1 in innings pitched


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[str, int]]:
    words: dict[str, tuple[str, int]] = {}
    words.update({w: ("unit", i) for i, w in enumerate(_UNITS)})
    words.update({w: ("ten", 20 + 10 * i) for i, w in enumerate(_TENS)})
    words.update({w: ("ordinal", i) for i, w in enumerate(_ORDINAL_UNITS)})
    words.update({w: ("ordinal", 20 + 10 * i) for i, w in enumerate(_ORDINAL_TENS)})
    words.update({w: ("scale", v) for w, v in _SCALES.items()})
    words["hundred"] = ("hundred", 100)
    words["dozen"] = ("hundred", 12)  # multiplies like hundred: "two dozen" is 24
    return words


def _digits_value(text: str) -> tuple[int | float, bool]:
    number, suffix = _DIGITS.fullmatch(text).groups()  # type: ignore[union-attr]
    number = number.rstrip(",")  # "3,250,000," at a clause end
    # "1,000" groups thousands; any other comma ends the number ("24," at a clause end)
    grouped = re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number)
    number = number.replace(",", "") if grouped else number.split(",")[0]
    value = float(number) if "." in number else int(number)
    return value, suffix is not None


def _clean(value: int | float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _read_phrase(tokens: list[str], i: int) -> tuple[EnglishNumber, int] | None:
    """Read the number phrase at token i: (number, next index), or None."""
    words = _words()
    total: float = 0
    current: float = 0
    j, seen, ordinal = i, False, False
    if _DIGITS.fullmatch(tokens[i]):
        current, ordinal = _digits_value(tokens[i])
        j, seen = i + 1, True
        if not ordinal and j < len(tokens) and words.get(tokens[j], ("",))[0] == "scale":
            current, j = current * words[tokens[j]][1], j + 1
        return EnglishNumber(_clean(current), " ".join(tokens[i:j]), "digits", ordinal), j
    while j < len(tokens) and not ordinal:
        word = tokens[j]
        if word == "a" and not seen and j + 1 < len(tokens) and tokens[j + 1] in ("hundred", "dozen",
                                                                                  *_SCALES):
            current, seen, j = 1, True, j + 1
            continue
        # "and" joins only after hundred/thousand ("a hundred and five"), never two numbers ("three and six")
        if word == "and" and tokens[j - 1] in ("hundred", *_SCALES) and j + 1 < len(tokens) and words.get(
                tokens[j + 1], ("",))[0] in ("unit", "ten", "ordinal"):
            j += 1
            continue
        cls, value = words.get(word, ("", 0))
        if cls in ("unit", "ten"):
            current += value
        elif cls == "ordinal":
            current, ordinal = current + value, True
        elif cls == "hundred" and seen:
            current *= value
        elif cls == "scale" and seen:
            total, current = total + current * value, 0
        else:
            break
        seen, j = True, j + 1
    if not seen:
        return None
    approximate = "dozen" in tokens[i:j]
    return EnglishNumber(_clean(total + current), " ".join(tokens[i:j]), "words", ordinal, approximate), j


# Money and magnitudes as news writes them: "£2.8bn", "US$3bn", "€40m", "$1.5 trillion", "£11million", "5,000k".
# A bare "m", "b" or "k" is a magnitude only after a currency ("a 5m wall" is metres); bn/mn/tn/million... always.
_CURRENCY = r"(?:US\$|A\$|C\$|HK\$|[$£€¥₹]|\b(?:USD|EUR|GBP|SAR|AED|EGP|QAR|KWD|JOD|IQD|SYP|LBP|TRY|IRR)\s?)"
_MAGNITUDE = re.compile(rf"({_CURRENCY})?(\d[\d,]*(?:\.\d+)?)\s?(trillion|billion|million|thousand|bn|mn|tn|trn|b|m|k)"
                        r"\b", re.IGNORECASE)
_SUFFIXES = {"bn": "billion", "b": "billion", "mn": "million", "m": "million", "k": "thousand", "tn": "trillion",
             "trn": "trillion"}
# Clock times ("9.30 a.m.", "15:00", "at 3 p.m."): not quantities, and the Arabic's times are not read either.
# A paragraph number opening the line ("12. The combined reports", "3.2.1 Progress"): no quantity.
_LABEL = re.compile(r"^\s*\d+(?:(?:\.\d+)+\.?|[.)])\s+(?=[A-Z])")
# A footnote mark: "[12]", "Questions,3 and", "in September 2014.42", 'entitled "Overview"18' (glued after a word,
# a year and a stop, or a closing quote).
_FOOTNOTE = re.compile(r"\[\d{1,3}\]|(?<=[A-Za-z)][.,;:])\d{1,3}\b|(?<=\b[12]\d{3}\.)\d{1,3}(?=\s*$|\s+[A-Z(])"
                       r"|(?<=[A-Za-z.!?][\"”’])\d{1,3}\b")
# "$A45,000" (Australian dollars, as the UN writes them): the letters go before the $, where the reader expects
# them ("A$45,000"), so that "A45" is not read as a word.
_LETTERS_AFTER_DOLLAR = re.compile(r"\$(A|C|NZ|HK|US)(?=\d)")
# "Round the clock" as English writes it with numbers: "24 hours a day", "seven days a week", "24/7"
# (without_clock_idioms)
_CLOCK_IDIOM = re.compile(r"\b(?:24|twenty-four) hours a day\b|\b(?:7|seven) days a week\b|\b24/7\b"
                          r"|\b365 days a year\b", re.IGNORECASE)
_ANY_DIGIT = re.compile(r"\d")
_TIME = re.compile(r"\b[0-2]\d[0-5]\d\s?hours\b|\b\d{1,2}(?:[:.]\d{2})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)"
                   r"|\b\d{1,2}:\d{2}\b", re.IGNORECASE)


def expand_notation(text: str) -> str:
    """The text with glued magnitudes spelled out and clock times removed, for the number reader:
    `£2.8bn` -> `£ 2.8 billion`, `£11million` -> `£ 11 million`, `at 9.30 a.m.` -> `at `."""
    if not _ANY_DIGIT.search(text):
        return text
    text = _LETTERS_AFTER_DOLLAR.sub(r"\1$", text)
    return _MAGNITUDE.sub(_spelled_magnitude, _TIME.sub(" ", _FOOTNOTE.sub("", _LABEL.sub("", text))))


def _spelled_magnitude(match: re.Match[str]) -> str:
    currency, number, suffix = match.groups()
    word = _SUFFIXES.get(suffix.lower(), suffix.lower())
    if suffix.lower() in ("b", "m", "k") and not currency:
        return match.group()
    return f"{currency or ''} {number} {word}"


def read_english_numbers(text: str) -> list[EnglishNumber]:
    """Every number in an English text, in order (cardinals and ordinals, digits and words; money and
    magnitudes as news writes them: `£2.8bn`, `US$3bn`, `€40m`; fractions `5 1/3`; clock times are left out)."""
    expanded, found = _fractions(expand_notation(text))
    tokens = _TOKEN.findall(expanded.lower())
    i = 0
    while i < len(tokens):
        if tokens[i][0].isdigit() and len(tokens[i]) > MAX_DIGITS:
            i += 1  # a serial number or a code: as a figure it could reach past a float's range
            continue
        read = _read_phrase(tokens, i)
        if read is None:
            i += 1
            continue
        if abs(read[0].value) <= MAX_VALUE:
            found.append(read[0])
        i = read[1]
    return found


# A fraction, alone or after a whole number ("2/3", "5 1/3 innings"): a numerator below a denominator of 2-10,
# so that a date (9/11) or "24/7" is never one.
_FRACTION = re.compile(r"(?<![\d/.,])(?:(\d+)\s+)?(\d)/(\d{1,2})(?![\d/])")


def _fractions(text: str) -> tuple[str, list[EnglishNumber]]:
    """(the text without its fractions, the fractions read): "5 1/3" is 5.3333, also read as the 5.1 that
    innings-pitched notation writes for it (5.2 for 5 2/3)."""
    found: list[EnglishNumber] = []

    def read(match: re.Match[str]) -> str:
        whole, top, bottom = match.group(1), int(match.group(2)), int(match.group(3))
        if not 0 < top < bottom <= 10:
            return match.group()
        base = float(whole) if whole else 0.0
        innings = (round(base + top / 10, 4),) if bottom == 3 and whole else ()
        found.append(EnglishNumber(_clean(round(base + top / bottom, 4)), match.group(), "digits", readings=innings))
        return " "

    return (_FRACTION.sub(read, text), found) if "/" in text else (text, found)


def fraction_values(text: str) -> list[float]:
    """The values of the fractions written in digits in a text ("5 1/3": 5.3333 and the innings notation 5.1)."""
    return [v for n in _fractions(text)[1] for v in (float(n.value), *n.readings)]


def english_months(text: str) -> set[int]:
    """The months (1-12) an English text names: words (`may`, `march`, abbreviations only capitalized, a
    one-letter typo forgiven in a capitalized full name: `Novemeber`)."""
    months = set()
    for word in re.findall(r"[A-Za-z]+", text):
        month = _MONTHS.get(word.lower()) or (_near_month(word) if word[0].isupper() else None)
        if month and (word[0].isupper() or (len(word) > 4 and word.lower() != "march")):
            months.add(month)
    return months


def _near_month(word: str) -> int | None:
    """The month whose full name is one letter away from `word` (inserted, dropped or changed), if any."""
    lower = word.lower()
    if len(lower) < 5:
        return None
    for name, month in _MONTHS.items():
        if len(name) >= 5 and abs(len(name) - len(lower)) <= 1 and _one_edit(lower, name):
            return month
    return None


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


# Words that stand for a number without being one ("a pair of", "the trio", "twice"): they count as that
# number being present, never as a number the English added.
_NUMBER_LIKE = {"half": (0.5, 50), "halves": (0.5, 50), "quarter": (0.25, 25), "pair": (2,), "couple": (2,),
                "both": (2,), "twice": (2,), "double": (2,), "twin": (2,), "twins": (2,), "dual": (2,),
                "trio": (3,), "triad": (3,), "triple": (3,), "thrice": (3,), "dozen": (12,), "dozens": (12,),
                "quarterly": (3,), "weekly": (7,), "fortnight": (14,), "fortnightly": (14,), "biennium": (2,),
                "biennial": (2,), "biannual": (2,), "decade": (10,)}
_AND_A_HALF = re.compile(r"\b(?:(\d+(?:\.\d+)?)|(?:a|an|one)(?:\s+[a-z]+)?|([a-z]+))\s+and\s+a\s+half\b"
                         r"(?:\s+(thousand|million|billion))?", re.IGNORECASE)
# A season "2010-11", never a date range "July 2014-22 July 2015" (the 22 is a day)
_SEASON = re.compile(r"\b((?:19|20)\d\d)\s*([-–/])\s*(\d\d)\b(?![-–/]\d)(?!\s+(?:" + "|".join(_MONTH_NAMES) + r")\b)")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


def without_clock_idioms(text: str) -> str:
    """The English without "24 hours a day", "7 days a week", "24/7": for an Arabic that says "round the clock"
    in words (على مدار الساعة), where those numbers stand for no number of the Arabic."""
    return _CLOCK_IDIOM.sub(" ", text)


def english_number_like(text: str) -> list[float]:
    """Values an English text expresses without a plain number: `half` (0.5 and 50%), `a pair` (2),
    `an hour and a half` (1.5), `two and a half million` (2,500,000)."""
    values: list[float] = []
    for word in re.findall(r"[a-z]+", text.lower()):
        values += [float(v) for v in _NUMBER_LIKE.get(word, ())]
    for digits, word, scale in _AND_A_HALF.findall(text):
        base = float(digits) if digits else _word_value(word) if word else 1.0  # a/an/one [noun]
        if base is not None:
            values.append((base + 0.5) * (_SCALES[scale.lower()] if scale else 1))
    return values


def spell_out_dates(text: str) -> str:
    """The text with seasons and numeric dates written out for the number reader: `2010-11` -> `2010-2011`,
    `26/11/2008` and `2008-11-26` -> `26 November 2008` (day first, unless the second number cannot be a
    month: 11/26/2008 is November 26)."""
    text = _SEASON.sub(lambda m: f"{m[1]}{m[2]}{int(m[1]) // 100 * 100 + int(m[3])}", text)
    return _NUMERIC_DATE.sub(_spelled_date, text)


def _spelled_date(match: re.Match[str]) -> str:
    first, second, year, iso_year, iso_month, iso_day = match.groups()
    if iso_year:
        day, month, year = int(iso_day), int(iso_month), iso_year
    else:
        day, month = int(first), int(second)
        if month > 12 >= day:
            day, month = month, day
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group()
    return f"{day} {_MONTH_NAMES[month - 1]} {year}"


def _word_value(word: str) -> float | None:
    cls, value = _words().get(word.lower(), ("", 0))
    return float(value) if cls in ("unit", "ten") else None


_ROMAN = re.compile(r"(?<![A-Za-z])(?=\(?[MDCLXVI]{2,}\b|\([MDCLXVI]\))"
                    r"\(?(M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))\)?")
# One letter after a word that numbers things ("type I", "type-I", "Phase V", "World War I")
_COUNTED_ROMAN = re.compile(r"\b(?i:type|phase|class|stage|grade|category|level|war|tier|group)[- ]([IVX])\b")
_ROMAN_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


def roman_numerals(text: str) -> list[float]:
    """Values of capital Roman numerals (`XXXV`, `article XII`, `(L)`; a lone `I` is the pronoun): they
    excuse the Arabic's number, never count as one the English added."""
    values = []
    for numeral in _ROMAN.findall(text) + _COUNTED_ROMAN.findall(text):
        digits = [_ROMAN_VALUES[ch] for ch in numeral]
        if digits:
            values.append(float(sum(-d if d < n else d for d, n in zip(digits, [*digits[1:], 0], strict=True))))
    return values
