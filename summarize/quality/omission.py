"""The per-segment quality verdict: is the English a whole translation of the Arabic, or did it drop content?

Signals: the English/Arabic length ratio in characters and in words (Arabic as the model receives it, see
mt.arabic.normalize) against the ratio human translators produce for a sentence of that length (a log-linear
fit with a length-dependent spread), the English's clause markers against the Arabic's, the cross-lingual
similarity, how much better the English fits the Arabic of a neighbouring sentence (a misaligned segment), how
many Arabic numbers the English lost (summarize.quality.check.number_flags) and, only when asked, the engine's own
confidence (Segment.score). The length and similarity expectations adapt to the text in hand: they move toward
the document's own ratio and similarity, estimated from its other segments (document_offsets), so a wordier
register raises no alarm everywhere. A logistic model over all but the last, fitted by eval/quality/calibrate.py on
FLORES-200 dev, TICO-19 test and UN dev (human translations against synthetic omissions and wrong sentences),
gives one probability; above the shipped threshold the segment is flagged, with the signal that pushed it
furthest as the reason. An English far longer than expected is a separate finding (is_addition).
The model score is not in the fit (the models available here have random weights): it is a separate,
uncalibrated rule, off by default.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mt.errors import InvalidOption, MtbriefError
from mt.splitter import word_set
from summarize.lang.numbers_ar import EGYPTIAN_MONTHS, LEVANTINE_FIRST
from summarize.quality.line_kinds import line_kind

# The shipped coefficients: written by `python eval/quality/calibrate.py --ship` (fitted on the calibration documents
# of FLORES-200 dev, TICO-19 test and UN dev) to omission_model.json beside this module; the report with the
# leave-one-domain-out and cross-validated figures is eval/results/qe-calibration-<date>.json ("shipped" holds
# these same numbers, and a test keeps them equal).
MODEL_FILE = Path(__file__).with_name("omission_model.json")

SIGNALS = ("length", "addition", "similarity", "numbers", "alignment")
DOC_PRIOR = 4.0  # the corpus norm weighs as much as this many segments in a document's own length ratio
ADDITION_SHARE = 1.8  # English this many times its expected length, or more: content added or repeated
SIMILARITY_CAP = 0.15  # and its similarity at most this far from the corpus norm (humans: median 0.79)
DOC_CAP = 0.3  # a document's ratio moves the expectation at most e^0.3 = 1.35 times (or 1/1.35) from the norm
MIN_SOURCE_WORDS = 4  # pieces this short ("على صعيد متصل.") vary too much in length and similarity to judge
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b")
ACRONYM_WORDS, ACRONYM_CHARS = 1.5, 6  # what an English acronym adds to its length (chosen on the calibration)
# English words with no counterpart word in Arabic (articles, copulas, most prepositions are clitics or
# nothing there): leaving them out makes the English content length follow the Arabic more closely.
# Clause markers: an English comma, semicolon or joining word against an Arabic comma or a word joined by
# و ("and"); a dropped stretch takes its markers with it, so the English has fewer than the Arabic leads to expect.
_EN_CLAUSE = re.compile(r",|;|\b(?:and|while|which|who)\b")
# What one side writes and the other need not, left out of both lengths: a list or paragraph number opening the
# line ("12 - ", "'3`", "(6)", "جيم -" | "12.", "(c)", "C."), and the Levantine month name of a pair
# ("كانون الثاني/يناير" is one month: January).
_AR_LABEL = re.compile(r"^\s*(?:'\d+`|\(\d+\)|\d+(?:[-.]\d+)*\s*[-–.)]|(?:الف|باء|جيم|دال|هاء|واو|زاي|حاء|طاء|ياء)"
                       r"\s*[-–])(?=\s)\s*")
_EN_LABEL = re.compile(r"^\s*(?:\(?(?:\d+(?:\.\d+)*|[a-z]|[ivx]+)\)|\d+(?:\.\d+)*\.)\s+")
_EN_LETTER_LABEL = re.compile(r"^\s*(?:\(?(?:\d+(?:\.\d+)*|[a-z]|[ivx]+)\)|\d+(?:\.\d+)*\.|[A-Z]\.)\s+")
_MONTHS = "|".join(EGYPTIAN_MONTHS)
_LEVANTINE = rf"(?:(?:{'|'.join(LEVANTINE_FIRST)})\s+\S+|\S+)"
_MONTH_PAIR = re.compile(rf"{_LEVANTINE}\s*/\s*(?=(?:{_MONTHS}))")  # كانون الثاني/يناير
_MONTH_PAIR_AFTER = re.compile(rf"({_MONTHS})\s*/\s*{_LEVANTINE}")  # يناير/كانون الثاني, as news writes it
NEIGHBOUR_WINDOW = 2  # sentences either side whose Arabic the English is also compared with
ALIGNED_SIMILARITY = 0.5  # a neighbour this similar reads as the English's real source (humans: median 0.76)
_FUNCTION_WORDS = word_set("the a an of to in and or is are was were be been by for on at with as that this it "
                           "its from which who has have had will would")


@dataclass(frozen=True)
class QualityOptions:
    """How the verdict is made: the shipped threshold, and the optional (uncalibrated) model-score rule."""

    threshold: float | None = None  # probability of a bad translation above which a segment is flagged
    use_model_score: bool = False  # off: the engine's score could not be calibrated (random weights here)
    min_model_score: float = -1.5  # mean log-probability per token below which the rule fires; a guess

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise InvalidOption("verdict threshold", self.threshold, ["a probability between 0 and 1"])


@dataclass(frozen=True)
class Lengths:
    """Letters+digits and words of both sides (Arabic as the model receives it), and English content words."""

    source_chars: int
    target_chars: int
    source_words: int
    target_words: int
    target_content_words: int  # English words outside a short list of function words
    source_clauses: int = 0  # Arabic commas and words of 4+ letters starting with و
    target_clauses: int = 0  # English commas, semicolons and and/while/which/who


@dataclass(frozen=True)
class Verdict:
    """The verdict on one segment: its probability of being bad, whether that flags it, and why."""

    probability: float
    flagged: bool
    signal: str  # the signal that pushed furthest towards "bad": length | similarity | numbers | confidence
    reason: str
    detail: dict = field(default_factory=dict)


def measure(arabic: str, english: str) -> Lengths:
    """Letters+digits and words of each side, after the model's own preparation of the Arabic."""
    from mt.arabic import normalize

    source = normalize(arabic, remove_diacritics=True)
    labelled = _AR_LABEL.match(source)
    source = source[labelled.end():] if labelled else source
    if "/" in source:  # (most sentences have none: the month-pair patterns are not cheap to scan)
        source = _MONTH_PAIR_AFTER.sub(r"\1", _MONTH_PAIR.sub("", source))
    # "C. Policy issues" against «جيم - المسائل...»; a lone "A. Smith" opening a sentence keeps its initial
    english = (_EN_LETTER_LABEL if labelled else _EN_LABEL).sub("", english)
    words = _WORD.findall(english)
    content = sum(w.lower() not in _FUNCTION_WORDS for w in words)
    arabic_words = _WORD.findall(source)
    clauses = sum(w.startswith("و") and len(w) > 3 for w in arabic_words) + source.count("،") + source.count(",")
    # An acronym (WHO, ACE2, SARS-CoV-2) stands for words the Arabic spells out (منظمة الصحة العالمية).
    acronyms = len(_ACRONYM.findall(english))
    extra_words = int(ACRONYM_WORDS * acronyms)
    return Lengths(_chars(source), _chars(english) + ACRONYM_CHARS * acronyms, len(arabic_words),
                   len(words) + extra_words, content + extra_words, clauses, len(_EN_CLAUSE.findall(english)))


def _chars(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def residual(model: dict, lengths: Lengths) -> tuple[float, float]:
    """(log-length residual against the corpus norm, its spread) of one English length measure.

    model: log(target+1) ~ intercept + slopes . log(source+1) over its predictors (source_chars, ...), with
    a spread sqrt(var0 + var1/(first predictor+1)) that widens for short sentences. Past the longest sources
    of the fit (max_source) the expected length grows in proportion, instead of extrapolating the slope.
    """
    sources = [getattr(lengths, name) for name in model["predictors"]]
    scale = min(1.0, model["max_source"] / max(sources[0], 1))
    scaled = [x * scale for x in sources]
    mean = model["intercept"] + sum(b * math.log(x + 1) for b, x in zip(model["slopes"], scaled, strict=True))
    mean -= math.log(scale)
    spread = math.sqrt(max(model["var0"] + model["var1"] / (scaled[0] + 1), 1e-6))
    return math.log(getattr(lengths, model["target"]) + 1) - mean, spread


def length_z(model: dict, lengths: Lengths, offset: float = 0.0) -> tuple[float, float]:
    """(z-score, share of the expected length) of one English length measure given the Arabic's lengths, the
    expectation moved by `offset` (the document's own log length ratio, see document_offsets)."""
    value, spread = residual(model, lengths)
    return (value - offset) / spread, math.exp(value - offset)


def document_offsets(lengths: Sequence[Lengths], coefficients: dict | None = None,
                     similarities: Sequence[float | None] | None = None) -> list[dict[str, float]]:
    """Per segment, its document's own length ratio (per length unit) and similarity against the corpus norm,
    from the OTHER segments (4+ Arabic words, English not empty): their median, shrunk toward the norm as if
    DOC_PRIOR segments at the norm were added, and kept within DOC_CAP (SIMILARITY_CAP) of it. A wordier
    register, or a jargon the encoder knows less well, moves every segment's expectation; one segment that lost
    a clause moves nothing."""
    coef = coefficients or shipped()
    judged = [x.source_words >= MIN_SOURCE_WORDS and x.target_words > 0 for x in lengths]
    out: list[dict[str, float]] = [{} for _ in lengths]
    signals: dict[str, tuple[list[float | None], float]] = {
        unit: ([residual(model, x)[0] for x in lengths], DOC_CAP) for unit, model in coef["length"].items()}
    if similarities is not None and "similarity_norm" in coef:
        norm = coef["similarity_norm"]
        signals["similarity"] = ([None if v is None else v - norm for v in similarities], SIMILARITY_CAP)
    for name, (values, cap) in signals.items():
        ranked = sorted((v, i) for i, (v, ok) in enumerate(zip(values, judged, strict=True))
                        if ok and v is not None)
        where = {i: k for k, (_, i) in enumerate(ranked)}
        ordered = [v for v, _ in ranked]
        for i in range(len(lengths)):
            n = len(ordered) - (i in where)
            median = _median_without(ordered, where.get(i)) if n else 0.0
            out[i][name] = max(-cap, min(cap, median * n / (n + DOC_PRIOR)))
    return out


def _median_without(ordered: list[float], skip: int | None) -> float:
    """The median of a sorted list without its element at index `skip` (None: all of it), in O(1)."""
    n = len(ordered) - (skip is not None)

    def at(k: int) -> float:
        return ordered[k + 1] if skip is not None and k >= skip else ordered[k]

    return at(n // 2) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2


def features(lengths: Lengths, similarity: float | None, lost_numbers: int,
             coefficients: dict | None = None, neighbour: float | None = None,
             offsets: dict[str, float] | None = None, kind: str = "sentence") -> dict[str, float]:
    """The verdict's inputs: length and clause shortfalls against the document's own ratio (offsets, see
    document_offsets; none: the corpus norm) and the characters' against the corpus norm, an excess length,
    similarity and how much better a neighbouring Arabic sentence fits the English (if encoded), numbers lost.
    Lengths and similarity are measured against lines of the same kind (summarize.quality.line_kinds): the
    calibration's shift of that kind from the corpus norm is added to the document's."""
    coef = coefficients or shipped()
    shift = coef.get("kinds", {}).get(kind, {})
    base = offsets or {}
    offsets = {name: base.get(name, 0.0) + shift.get(name, 0.0) for name in (*coef["length"], "similarity")}
    out: dict[str, float] = {}
    for unit, model in coef["length"].items():
        z, share = length_z(model, lengths, offsets.get(unit, 0.0))
        # A shortfall is evidence of omission, an excess of added content or repetition: separate signals.
        out[f"short_{unit}"] = min(z, 0.0)
        out[f"{unit}_share"] = share
        if unit == "chars":
            out["length_share"] = share
            out["long_chars"] = max(z, 0.0)
            norm_z, out["norm_share"] = length_z(model, lengths, shift.get(unit, 0.0))
            out["short_norm"] = min(norm_z, 0.0)
            out["document_ratio"] = math.exp(base.get(unit, 0.0))
    out["source_clauses"], out["target_clauses"] = float(lengths.source_clauses), float(lengths.target_clauses)
    out["short_clauses"] = min(math.log(lengths.target_clauses + 1) - math.log(lengths.source_clauses + 1), 0.0)
    out["lost_numbers"] = float(min(lost_numbers, 2))
    if similarity is not None:
        out["similarity"] = similarity - offsets.get("similarity", 0.0)  # against its document's similarity
        out["own_similarity"] = similarity  # as measured, for the messages
        # The English of another sentence (a misaligned segment) is closer to that sentence's Arabic.
        out["better_neighbour"] = max((neighbour if neighbour is not None else -1.0) - similarity, 0.0)
    return out


@lru_cache(maxsize=1)
def shipped() -> dict:
    """The shipped coefficients, read once from MODEL_FILE (a missing calibration is a packaging bug, not a user
    error)."""
    try:
        return json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MtbriefError(f"{MODEL_FILE}: the quality verdict's coefficients cannot be read ({exc}): run "
                           "eval/quality/calibrate.py --ship") from exc


def probability(values: dict[str, float], model: dict) -> float:
    """The logistic model's probability that the translation is bad (omission or wrong sentence)."""
    logit = model["bias"] + sum(w * values[name] for name, w in model["weights"].items())
    return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))


def _main_signal(values: dict[str, float], model: dict) -> str:
    """The signal whose value moved the logit furthest towards "bad", against a typical human translation."""
    push = {name: w * (values[name] - model["reference"][name]) for name, w in model["weights"].items()}
    # An English unrelated to every sentence is also a little closer to some neighbour: that is a similarity
    # failure; "fits a neighbouring sentence better" is only said when that neighbour matches like a translation.
    aligned = values.get("own_similarity", 0.0) + values.get("better_neighbour", 0.0) >= ALIGNED_SIMILARITY
    totals: dict[str, float] = {}
    for name, value in push.items():
        group = "length" if name.startswith("short_") else _GROUPS.get(name, name)
        group = "similarity" if group == "alignment" and not aligned else group
        totals[group] = totals.get(group, 0.0) + value
    return max(totals, key=lambda g: totals[g])


_GROUPS = {"lost_numbers": "numbers", "better_neighbour": "alignment", "long_chars": "addition"}


_UNIT_NAMES = {"chars": "length", "norm": "length", "words": "number of words",
               "content_words": "number of content words"}


def _share_words(share: float, unit: str) -> str:
    """ "much shorter than expected: 0.48 of the expected length" or "longer than expected: 1.20 times the
    expected length": the word always follows the share it reports."""
    if round(share, 2) < 1.0:  # the word follows the share as printed
        return f"much shorter than expected: {share:.2f} of the expected {_UNIT_NAMES[unit]}"
    return f"longer than expected: {share:.2f} times the expected {_UNIT_NAMES[unit]}"


def _length_reason(values: dict[str, float], model: dict) -> str:
    """The omission message of the length signal: the length measure (or the clause count) that pushed the verdict
    furthest, with its own share, which is below 1 whenever that measure pushed at all."""
    pushes = {name: w * (values[name] - model["reference"][name]) for name, w in model["weights"].items()
              if name.startswith("short_") and name in values}
    name = max(pushes, key=lambda n: pushes[n]) if pushes else "short_chars"
    if name == "short_clauses":
        return (f"the English has fewer clauses than the Arabic ({values['target_clauses']:.0f} against "
                f"{values['source_clauses']:.0f}; content dropped?)")
    unit = name.removeprefix("short_")
    share = values.get(f"{unit}_share", values["length_share"]) if unit != "norm" else values["norm_share"]
    return f"English {_share_words(share, unit)}" + (" (content dropped?)" if round(share, 2) < 1.0 else "")


def _reason(signal: str, values: dict[str, float], model: dict) -> str:
    share = values["length_share"]
    if signal == "alignment":
        own = values["own_similarity"]
        return (f"the English fits a neighbouring Arabic sentence better (similarity "
                f"{own + values['better_neighbour']:.2f} against {own:.2f} here)")
    if signal == "addition":
        return f"English much longer than expected: {share:.2f} times the expected length (content added or repeated?)"
    if signal == "length":  # short against the document's ratio, or (a wordy document) against the corpus norm
        return _length_reason(values, model)
    if signal == "similarity":
        return f"the English is far from the Arabic (similarity {values['own_similarity']:.2f})"
    return (f"numbers of the Arabic are missing from the English ({values['lost_numbers']:.0f}), "
            f"at {share:.2f} of the expected length")


def is_addition(values: dict[str, float], coefficients: dict) -> bool:
    """The "much longer" rule: an English at least ADDITION_SHARE times its expected length (the document's
    ratio and the line's kind taken into account) and further above it than all but a few human translations
    (addition_z)."""
    return values["length_share"] >= ADDITION_SHARE and values["long_chars"] > coefficients["addition_z"]


def judge(arabic: str, english: str, similarity: float | None, lost_numbers: int, model_score: float | None = None,
          options: QualityOptions = QualityOptions(), neighbour: float | None = None,
          offsets: dict[str, float] | None = None, lengths: Lengths | None = None) -> Verdict:
    """The verdict on one (Arabic, English) pair; `similarity` None means the encoder did not run.

    neighbour: the best similarity of this English with the Arabic of a sentence NEIGHBOUR_WINDOW or fewer
    places away in the same text (None: no neighbour). offsets: the document's own length ratio from its other
    segments (document_offsets; None: the corpus norm alone). lengths: measure(arabic, english), if already made.
    The line's kind (line_kind: title, quote, short line, sentence) picks the expectations and threshold.
    """
    coef = shipped()
    kind = line_kind(arabic)
    model = coef["with_similarity" if similarity is not None else "without_similarity"]
    values = features(lengths or measure(arabic, english), similarity, lost_numbers, coef, neighbour, offsets,
                      kind)
    p = probability(values, model)
    threshold = options.threshold if options.threshold is not None else model.get("thresholds", {}).get(
        kind, model["threshold"])
    detail = {"probability": round(p, 4), "threshold": threshold, "line_kind": kind,
              "length_share": round(values["length_share"], 4),
              "document_ratio": round(values["document_ratio"], 4), "similarity": similarity,
              "lost_numbers": lost_numbers, "model_score": model_score, "neighbour_similarity": neighbour}
    if word_count(arabic) < MIN_SOURCE_WORDS:
        return Verdict(p, False, "", "", detail)
    if p > threshold:
        signal = _main_signal(values, model)
        return Verdict(p, True, signal, _reason(signal, values, model), {**detail, "signal": signal})
    if is_addition(values, coef):  # a separate rule: too long is no sign of a dropped clause
        return Verdict(p, True, "addition", _reason("addition", values, model), {**detail, "signal": "addition"})
    if options.use_model_score and model_score is not None and model_score < options.min_model_score:
        reason = (f"the model is unsure of its English (score {model_score:.2f} < {options.min_model_score:.2f};"
                  " uncalibrated rule)")
        return Verdict(p, True, "confidence", reason, {**detail, "signal": "confidence"})
    return Verdict(p, False, "", "", detail)


def word_count(text: str) -> int:
    """Words of a text (letters or digits runs), the unit MIN_SOURCE_WORDS counts."""
    return len(_WORD.findall(text))
