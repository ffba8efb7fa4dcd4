"""Quality flags on a translation: numbers kept or lost, and the omission verdict (length, similarity, numbers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from mt.errors import InvalidOption
from mt.types import Flag, Segment, Translation
from summarize.lang.number_terms import arabic_term_tokens, english_terms, score_values
from summarize.lang.numbers_ar import ArabicNumber, read_numbers
from summarize.lang.numbers_en import (
    MONTHS_EN,
    english_months,
    english_number_like,
    fraction_values,
    read_english_numbers,
    roman_numerals,
    spell_out_dates,
    without_clock_idioms,
)
from summarize.lang.text import fold_spelling, strip_prefixes, tokenize
from summarize.quality.omission import (
    MIN_SOURCE_WORDS,
    NEIGHBOUR_WINDOW,
    Lengths,
    QualityOptions,
    document_offsets,
    judge,
    measure,
)
from summarize.quality.omission import word_count as source_word_count  # the unit MIN_SOURCE_WORDS counts

ENCODERS = ("auto", "use", "none")
# The similarity (against its document's, see summarize.quality.omission.document_offsets) below which the shipped
# verdict flags a translation even at its full expected length with no number lost; a test keeps it equal to
# what the coefficients imply.
SIMILARITY_THRESHOLD = 0.47
# Pieces this short ("علي صعيد متصل." = "On a related note.", 0.35) score low even when right: never flagged.
MIN_WORDS_FOR_SIMILARITY = MIN_SOURCE_WORDS
CHECK_KINDS = ("number", "similarity", "omission", "addition", "confidence")
_ANY_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SECTION = re.compile(r"(?<!\d)(?<!\d\.)\d+(?=\.\d+\.?\d*)|(?<=\d\.)\d+")  # both parts of "article 2.1", "s.10.103"
_DOT_GROUPED = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")  # "42.000": thousands grouped with a dot
_DATE = re.compile(r"(?:(\d+) )?([A-Z][a-z]+)?(?: ?(\d{4}))?")
_HALF = frozenset({"ونصف", "نصف"})
_THOUSAND = frozenset({"الف"})
_RANGE_JOINS = frozenset({"-", "–", "و"})
_ROUND_THE_CLOCK = re.compile(r"(?:مدار|طوال|طيلة) (?:ال)?(?:ساع[ةه]|يوم|[أا]سبوع|[أا]يام ال[أا]سبوع|عام|سن[ةه])"
                              r"|ليل نهار|ليلا? ونهارا?")
_FRACTIONS: dict[str, tuple[float, ...]] = {
    "نصف": (0.5, 50.0), "ربع": (0.25, 25.0), "ثلث": (1 / 3, 33.0), "ثلثي": (2 / 3, 66.0)}
# A dual noun (ساعتين "two hours", هدفين "two goals", مسافرين "two travellers"): -تين/-تان, or -ين/-ان on a
# word of 4+ letters. Loose on purpose: it only excuses a "2" in the English, never hides a lost number.
_DUAL = re.compile(r"(?:ال|وال|بال|لل|و|ب|ل)?\w{2,}(?:تين|تان)|(?:ال|وال|بال|لل|و|ب|ل)?\w{4,}(?:ين|ان)")


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


def _date_parts(label: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) of a date label made by summarize.lang.numbers_ar ("9 September 2016", "2016")."""
    match = _DATE.fullmatch(label)
    if match is None:
        return None, None, None
    day, month, year = match.groups()
    return (int(day) if day else None, MONTHS_EN.index(month) + 1 if month else None,
            int(year) if year else None)


def _number_present(number, english_values: list[float], months: set[int]) -> bool:
    value = number.value
    if number.kind == "century":  # القرن الحادي والعشرين: "the 21st century", "the early 2000s", "2003"
        # (القرن الرابع عشر is also written for the 1400s, so the next hundred years pass as well)
        return any(_same(value, v) or (value - 1) * 100 <= v < (value + 1) * 100 for v in english_values)
    if not isinstance(value, str):
        return any(_same(value, v) for v in english_values)
    day, month, year = _date_parts(value)
    return ((day is None or any(_same(day, v) for v in english_values))
            and (month is None or month in months)
            and (year is None or any(_same(year, v) for v in english_values)))


def _flag(problem: str, arabic: object, arabic_text: str, english: object, english_text: str) -> Flag:
    if problem == "changed":
        message = f"check number: {arabic_text} ({arabic}) in the Arabic became {english_text} in the English"
    elif problem == "missing":
        message = f"check number: {arabic_text} ({arabic}) in the Arabic is missing from the English"
    else:
        message = f"check number: {english_text} in the English is not in the Arabic"
    return Flag("number", message, {"problem": problem, "arabic": arabic, "arabic_text": arabic_text,
                                    "english": english, "english_text": english_text})


def _arabic_values(arabic: str, found: list) -> list[float]:
    """What an English number may stand for: the Arabic's numbers (dates by day and year), halves (ساعة ونصف:
    1.5; مليون ونصف: 1,500,000), fractions (نصف, ربع) and, where a dual noun is written (ساعتين), 2."""
    values: list[float] = []
    for n, after in zip(found, [*found[1:], None], strict=False):
        if after is not None and isinstance(n.value, int) and isinstance(after.value, int) and (
                arabic[n.end:after.start].strip() in ("-", "–")):
            values.append(float(f"{n.value}.{after.value}"))  # a section: المادة 2-1 is article 2.1
            if 1000 <= n.value <= 2200 and after.value < 100:
                values.append(float(n.value // 100 * 100 + after.value))  # a season: 1995-96 is 1995-1996
        if (share := _fraction_of(n, arabic)) is not None:
            values.append(share)  # نصف مليون: 500,000
        if n.kind == "time":  # 15:00: 1500 hours, 15, 3 p.m.
            values += [float(n.value), float(n.value // 100), float(n.value // 100 % 12)]
        elif isinstance(n.value, str):
            values += [float(p) for p in _date_parts(n.value)[::2] if p is not None]
        else:
            values.append(float(n.value))
    words = [t.norm for t in tokenize(arabic)]
    for k, word in enumerate(words):
        if word in _HALF:
            before = [float(n.value) for n in found if not isinstance(n.value, str) and n.last == k - 1]
            values += [1.5, *(v + 0.5 for v in before), *(v * 1.5 for v in before if v >= 1000)]
            if k and _DUAL.fullmatch(words[k - 1]) and not _lookup_number(words[k - 1]):
                values.append(2.5)  # سنتين ونصف: two years and a half
        if "الف" in word and strip_prefixes(word, _THOUSAND):
            values.append(1000.0)  # الألف يوم: a lone ألف is never read (it may be a verb), but excuses a 1,000
        fraction = _FRACTIONS.get(strip_prefixes(word, _FRACTIONS) or "", ())
        values += fraction
        if fraction and word.startswith("و"):  # خمس جولات وثلث: five innings and a third, 5 1/3
            values += [round(float(n.value) + fraction[0], 4) for n in found
                       if not isinstance(n.value, str) and k - 2 <= n.last < k]
    if any(_DUAL.fullmatch(word) and not _lookup_number(word) for word in words):
        values.append(2.0)
    return values


def _lookup_number(word: str) -> bool:
    return bool(read_numbers(word))


def number_flags(arabic: str, english: str) -> list[Flag]:
    """Numbers of the Arabic missing from the English (or changed there), and digits the English added."""
    if _ROUND_THE_CLOCK.search(arabic):  # "24 hours a day, 7 days a week" for على مدار الساعة وطوال أيام الأسبوع
        english = without_clock_idioms(english)
    # Numbers inside a term ("Covid-19", "four-wheel drive", "9/11") name a thing: never checked, only excuses.
    english, terms = english_terms(english)
    original, english = english, spell_out_dates(english)
    english_numbers = read_english_numbers(english)
    term_values = [float(n.value) for term in terms for n in read_english_numbers(term)] + [
        float(run) for term in terms for run in re.findall(r"\d+", term)]
    arabic_scores, english_scores = score_values([t.norm for t in tokenize(arabic)], original)
    # Digits inside codes and decades (JAS 39C, Il-76s, the 1990s, "2019-20" as written) still count as
    # present, and so do the numbers an English phrase stands for ("a pair", "an hour and a half", "goalless").
    english_values = [float(n.value) for n in english_numbers if not n.approximate] + [
        r for n in english_numbers for r in n.readings] + roman_numerals(english) + english_number_like(
        english) + term_values + english_scores + (_digit_values(english, original) if _ANY_DIGIT.search(english)
                                                    else [])
    approximate = [float(n.value) for n in english_numbers if n.approximate]
    months = english_months(english)
    found = read_numbers(arabic, ordinals=True, special=True)
    in_terms = arabic_term_tokens(tokenize(arabic))
    # "واحد" (one) is often rendered "a"/"single": a lone word-written 1 is not checked; nor are ordinals,
    # paragraph numbers and footnote marks ("12 - ", "(1)"), clock times and the numbers of a term («دور
    # الثمانية»: the quarter-finals): they only excuse English numbers.
    checked = [n for n in found if n.kind not in ("ordinal", "label", "time")
               and not (n.written == "words" and n.value == 1) and in_terms.isdisjoint(range(n.first, n.last + 1))]
    joined = _run_together(checked, arabic)
    english_values += [part for value in joined if any(_same(value, v) for v in english_values)
                       for part in joined[value]]
    missing = [n for n in checked if not _number_present(n, english_values, months)
               and not _fraction_present(n, arabic, english_values)
               and not _half_present(n, arabic, english_values)
               and not any(_near(n.value, v) for v in approximate)]
    arabic_values = _arabic_values(arabic, found) + list(joined) + arabic_scores + (
        fraction_values(fold_spelling(arabic)) if "/" in arabic else [])
    # English numbers with no Arabic counterpart: a word-written one ("eight") can only be a changed number,
    # a digit-written one is also flagged on its own; "one"/"second" in words are too often not numbers;
    # a round figure ("a dozen", "two dozen") is never a changed number.
    unmatched = [n for n in english_numbers if not any(_same(value, v) for value in _readings(n) for v in arabic_values)
                 and not n.approximate and (n.written == "digits" or (not n.ordinal and n.value != 1))]
    pairs = zip(missing, unmatched, strict=False)
    flags = [_flag("changed", a.value, a.text, e.value, e.text) for a, e in pairs]
    flags += [_flag("missing", a.value, a.text, None, "") for a in missing[len(unmatched):]]
    flags += [_flag("added", None, "", e.value, e.text) for e in unmatched[len(missing):]
              if e.written == "digits"]
    return flags


def _readings(number) -> tuple[float, ...]:
    """What an English number may mean: its value, and for "42.000" also 42,000 (thousands grouped with a dot)."""
    if _DOT_GROUPED.fullmatch(number.text.rstrip(",.;:")):
        return float(number.value), float(number.text.rstrip(",.;:").replace(".", ""))
    return float(number.value), *number.readings


def _run_together(numbers: list, arabic: str) -> dict[float, tuple[float, float]]:
    """A range of two numbers of 2+ digits (`15 و64`, `2014-2015`) as an English that lost its dash writes it
    (PDF text turns "15–64" into "1564"): the joined value -> both parts. Only a range written X-Y or X وY: a
    "from 10 to 15" or two counts of a sentence are never joined."""
    out = {}
    for a, b in zip(numbers, numbers[1:], strict=False):
        if (a.written == b.written == "digits" and isinstance(a.value, int) and isinstance(b.value, int)
                and 10 <= a.value < b.value and arabic[a.end:b.start].strip() in _RANGE_JOINS):
            out[float(f"{a.value}{b.value}")] = (float(a.value), float(b.value))
    return out


def _fraction_of(number, arabic: str) -> float | None:
    """The value of a number after a fraction word (نصف مليون: half a million, 500,000), or None."""
    if isinstance(number.value, str) or number.first == 0:
        return None
    before = tokenize(arabic)[number.first - 1].norm  # the memoized tokens of the whole sentence
    shares = _FRACTIONS.get(strip_prefixes(before, _FRACTIONS) or "", ())
    return shares[0] * float(number.value) if shares else None


def _fraction_present(number, arabic: str, english_values: list[float]) -> bool:
    share = _fraction_of(number, arabic)
    return share is not None and any(_same(share, v) for v in english_values)


def _digit_values(english: str, original: str) -> list[float]:
    """The digit runs of the English as written and with dates spelled out, dot-grouped thousands ("42.000")
    and both parts of a section number ("article 2.1")."""
    return [float(run.replace(",", "")) for run in _DIGIT_RUN.findall(english + " " + original)] + [
        float(run.replace(".", "")) for run in _DOT_GROUPED.findall(english)] + [
        float(part) for part in _SECTION.findall(english)]


def _near(value: int | float | str, approximate: float) -> bool:
    """An Arabic number a round English figure may stand for: within a factor of 2 ("a dozen" for عشرة)."""
    return not isinstance(value, str) and approximate / 2 <= float(value) <= approximate * 2


def _half_present(number: ArabicNumber, arabic: str, english_values: list[float]) -> bool:
    """An Arabic number followed by ونصف ("and a half") is present when the English has it plus a half."""
    following = [t.norm for t in tokenize(arabic[number.end:])][:1]
    if isinstance(number.value, str) or following[:1] not in ([h] for h in _HALF):
        return False
    value = float(number.value)
    return any(_same(v, value + 0.5) or _same(v, value * 1.5) for v in english_values)


def similarities(sources: Sequence[str], targets: Sequence[str]) -> list[float]:
    """Cross-lingual cosine similarity of each (Arabic, English) pair, both sides encoded in batches."""
    return pair_similarities(sources, targets)[0]


def pair_similarities(sources: Sequence[str], targets: Sequence[str]) -> tuple[list[float], list[float | None]]:
    """(similarity of each pair, best similarity of each English with the Arabic of a pair NEIGHBOUR_WINDOW or
    fewer places away, None without one): the same vectors, no extra encoding."""
    import numpy as np

    from summarize.lang.vectors import load_encoder

    encoder = load_encoder()
    a = encoder.encode(list(sources))
    b = encoder.encode(list(targets))
    # Row-wise products over a band, not a full a @ b.T: a BLAS call costs more than it saves on busy cores.
    best = np.full(len(sources), -np.inf, dtype=np.float32)
    for d in range(1, NEIGHBOUR_WINDOW + 1):
        if d < len(sources):
            best[:-d] = np.maximum(best[:-d], (a[d:] * b[:-d]).sum(axis=1))  # Arabic d sentences later
            best[d:] = np.maximum(best[d:], (a[:-d] * b[d:]).sum(axis=1))  # Arabic d sentences earlier
    neighbours = [round(float(x), 6) if np.isfinite(x) else None for x in best]
    return [round(float(x), 6) for x in (a * b).sum(axis=1)], neighbours


def _encoder_on(encoder: str) -> bool:
    from summarize.lang.vectors import encoder_available

    if encoder not in ENCODERS:
        raise InvalidOption("encoder", encoder, ENCODERS)
    return encoder == "use" or (encoder == "auto" and encoder_available())


def _similarity_flag(similarity: float, threshold: float) -> Flag:
    return Flag("similarity", f"check translation: the English is far from the Arabic (similarity "
                f"{similarity:.2f} < {threshold:.2f})", {"similarity": similarity, "threshold": threshold})


def _verdict_flag(segment: Segment, similarity: float | None, numbers: list[Flag], options: QualityOptions,
                  neighbour: float | None, offsets: dict[str, float], lengths: Lengths) -> Flag | None:
    """The combined verdict's flag (kind: omission, addition, similarity or confidence), or None when it passes."""
    lost = sum(f.detail["problem"] != "added" for f in numbers)
    verdict = judge(segment.source, segment.target, similarity, lost, segment.score, options, neighbour, offsets,
                    lengths)
    if not verdict.flagged:
        return None
    kind = {"length": "omission", "numbers": "omission", "alignment": "similarity"}.get(verdict.signal,
                                                                                         verdict.signal)
    return Flag(kind, f"check translation: {verdict.reason}", verdict.detail)


def check_translation(translation: Translation, *, encoder: str = "auto", threshold: float | None = None,
                      options: QualityOptions = QualityOptions()) -> Translation:
    """A copy whose segments carry number flags and the omission verdict (and `similarity` when encoded).

    threshold: an extra similarity floor (the former similarity-only rule); None leaves it to the verdict.
    """
    segments = translation.segments
    sims: list[float | None] = [None] * len(segments)
    near: list[float | None] = [None] * len(segments)
    if _encoder_on(encoder):
        # An empty side has nothing to compare: it stays None here and an empty English is flagged below.
        pairs = [i for i, s in enumerate(segments) if s.source.strip() and s.target.strip()]
        own, best = pair_similarities([segments[i].source for i in pairs], [segments[i].target for i in pairs])
        for i, value, neighbour in zip(pairs, own, best, strict=True):
            sims[i], near[i] = value, neighbour
    # The document's own length ratio and similarity, from the other segments: a wordier register (or a jargon
    # the encoder knows less well) raises no alarm everywhere.
    lengths = [measure(s.source, s.target) for s in segments]
    offsets = document_offsets(lengths, similarities=sims)
    checked: list[Segment] = []
    for k, (segment, sim, neighbour) in enumerate(zip(segments, sims, near, strict=True)):
        flags = [f for f in segment.flags if f.kind not in CHECK_KINDS]
        numbers = number_flags(segment.source, segment.target)
        flags += numbers
        if segment.source.strip() and not segment.target.strip():
            flags.append(Flag("similarity", "check translation: the English is empty", {"similarity": None}))
        elif segment.source.strip():
            verdict = _verdict_flag(segment, sim, numbers, options, neighbour, offsets[k], lengths[k])
            if verdict is not None:
                flags.append(verdict)
            elif (threshold is not None and sim is not None and sim < threshold
                  and source_word_count(segment.source) >= MIN_WORDS_FOR_SIMILARITY):
                flags.append(_similarity_flag(sim, threshold))
        checked.append(replace(segment, flags=tuple(flags), similarity=sim))
    return translation.with_segments(checked)
