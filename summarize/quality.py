"""Quality flags on a translation: cross-lingual similarity of each segment, and numbers kept or lost."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from mt.errors import InvalidOption
from mt.types import Flag, Segment, Translation
from summarize.numbers import MONTHS_EN, read_numbers
from summarize.numbers_en import english_months, read_english_numbers
from summarize.text import word_count

ENCODERS = ("auto", "use", "none")
# Calibrated on FLORES-200 dev by eval/calibrate_qe.py, see eval/results/qe-calibration-2026-11-25.json:
# ROC AUC 0.9999 true vs shuffled pairs, 0.996 true vs same-article pairs. Youden's J over both negatives
# gives 0.51: 99.1% of human translations pass, 99.8% of shuffled and 94.7% of same-story wrong pairs are
# flagged. Shuffled pairs alone leave J nearly flat from 0.25 to 0.5, so the harder negatives decide.
SIMILARITY_THRESHOLD = 0.51
# Pieces this short ("علي صعيد متصل." = "On a related note.", 0.35) score low even when right: never flagged.
MIN_WORDS_FOR_SIMILARITY = 4
CHECK_KINDS = ("number", "similarity")
_DIGIT_RUN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_DATE = re.compile(r"(?:(\d+) )?([A-Z][a-z]+)?(?: ?(\d{4}))?")


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


def _date_parts(label: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) of a date label made by summarize.numbers ("9 September 2016", "2016")."""
    match = _DATE.fullmatch(label)
    if match is None:
        return None, None, None
    day, month, year = match.groups()
    return (int(day) if day else None, MONTHS_EN.index(month) + 1 if month else None,
            int(year) if year else None)


def _number_present(value: int | float | str, english_values: list[float], months: set[int]) -> bool:
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


def number_flags(arabic: str, english: str) -> list[Flag]:
    """Numbers of the Arabic missing from the English (or changed there), and digits the English added."""
    english_numbers = read_english_numbers(english)
    # Digits inside codes and decades (JAS 39C, Il-76s, the 1990s) still count as present.
    english_values = [float(n.value) for n in english_numbers] + [
        float(run.replace(",", "")) for run in _DIGIT_RUN.findall(english)]
    months = english_months(english)
    found = read_numbers(arabic, ordinals=True)
    # "واحد" (one) is often rendered "a"/"single": a lone word-written 1 is not checked.
    checked = [n for n in found if n.kind != "ordinal" and not (n.written == "words" and n.value == 1)]
    missing = [n for n in checked if not _number_present(n.value, english_values, months)]
    arabic_values: list[float] = []
    for n in found:
        if isinstance(n.value, str):
            arabic_values += [float(p) for p in _date_parts(n.value)[::2] if p is not None]
        else:
            arabic_values.append(float(n.value))
    # English numbers with no Arabic counterpart: a word-written one ("eight") can only be a changed number,
    # a digit-written one is also flagged on its own; "one"/"second" in words are too often not numbers.
    unmatched = [n for n in english_numbers if not any(_same(float(n.value), v) for v in arabic_values)
                 and (n.written == "digits" or (not n.ordinal and n.value != 1))]
    pairs = zip(missing, unmatched, strict=False)
    flags = [_flag("changed", a.value, a.text, e.value, e.text) for a, e in pairs]
    flags += [_flag("missing", a.value, a.text, None, "") for a in missing[len(unmatched):]]
    flags += [_flag("added", None, "", e.value, e.text) for e in unmatched[len(missing):]
              if e.written == "digits"]
    return flags


def similarities(sources: Sequence[str], targets: Sequence[str]) -> list[float]:
    """Cross-lingual cosine similarity of each (Arabic, English) pair, both sides encoded in batches."""
    from summarize.encoder import load_encoder

    encoder = load_encoder()
    a = encoder.encode(list(sources))
    b = encoder.encode(list(targets))
    return [round(float(x), 6) for x in (a * b).sum(axis=1)]


def _encoder_on(encoder: str) -> bool:
    from summarize.encoder import encoder_available

    if encoder not in ENCODERS:
        raise InvalidOption("encoder", encoder, ENCODERS)
    return encoder == "use" or (encoder == "auto" and encoder_available())


def _similarity_flag(similarity: float, threshold: float) -> Flag:
    return Flag("similarity", f"check translation: the English is far from the Arabic (similarity "
                f"{similarity:.2f} < {threshold:.2f})", {"similarity": similarity, "threshold": threshold})


def check_translation(translation: Translation, *, encoder: str = "auto",
                      threshold: float = SIMILARITY_THRESHOLD) -> Translation:
    """A copy whose segments carry number and similarity flags (and `similarity` when the encoder runs)."""
    segments = translation.segments
    sims: list[float | None] = [None] * len(segments)
    if _encoder_on(encoder):
        # An empty side has nothing to compare: it stays None here and an empty English is flagged below.
        pairs = [i for i, s in enumerate(segments) if s.source.strip() and s.target.strip()]
        for i, value in zip(pairs, similarities([segments[i].source for i in pairs],
                                                [segments[i].target for i in pairs]), strict=True):
            sims[i] = value
    checked: list[Segment] = []
    for segment, sim in zip(segments, sims, strict=True):
        flags = [f for f in segment.flags if f.kind not in CHECK_KINDS]
        flags += number_flags(segment.source, segment.target)
        if segment.source.strip() and not segment.target.strip():
            flags.append(Flag("similarity", "check translation: the English is empty", {"similarity": None}))
        elif sim is not None and sim < threshold and word_count(segment.source) >= MIN_WORDS_FOR_SIMILARITY:
            flags.append(_similarity_flag(sim, threshold))
        checked.append(replace(segment, flags=tuple(flags), similarity=sim))
    return translation.with_segments(checked)
