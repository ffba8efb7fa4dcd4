"""The omission verdict: shipped coefficients, clear cases, the optional model-score rule, engine scores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mt.errors import InvalidOption
from mt.types import Segment, Signature, Translation
from summarize.quality.check import SIMILARITY_THRESHOLD, check_translation
from summarize.quality.line_kinds import LINE_KINDS
from summarize.quality.omission import (
    MIN_SOURCE_WORDS,
    MODEL_FILE,
    QualityOptions,
    judge,
    measure,
    shipped,
)

ROOT = Path(__file__).resolve().parents[1]

ARABIC = ("قالت وزارة الصحة إن القصف الذي استهدف المستشفى الرئيسي في المدينة أدى إلى مقتل وإصابة عشرات "
          "الأشخاص، بينهم أطفال ونساء، وفق ما أعلنه مسؤولون محليون مساء الأحد.")
FULL = ("The health ministry said the shelling that targeted the main hospital in the city killed and wounded "
        "dozens of people, including women and children, according to local officials on Sunday evening.")
HALF = "The health ministry said the shelling that targeted the main hospital in the city killed."
TWO_THIRDS = ("The health ministry said the shelling that targeted the main hospital in the city killed and "
              "wounded dozens of people.")

WRONG = ("The weather was pleasant in Paris and London yesterday, and tourists enjoyed long walks along the "
         "river before a quiet dinner in the old town.")


def _latest_report() -> dict:
    reports = sorted((ROOT / "eval/results").glob("qe-calibration-*.json"))  # a day's final run: no suffix
    return json.loads(reports[-1].read_text(encoding="utf-8"))


def test_shipped_coefficients_load_and_match_the_latest_calibration_report() -> None:
    coef = shipped()
    assert set(coef) == {"length", "similarity_norm", "kinds", "addition_z", "with_similarity",
                         "without_similarity"}
    assert set(coef["length"]) == {"chars", "words", "content_words"}
    assert set(coef["kinds"]) <= set(LINE_KINDS)
    assert all(set(shift) == {"chars", "words", "content_words", "similarity"} for shift in coef["kinds"].values())
    for variant in ("with_similarity", "without_similarity"):
        assert 0.0 < coef[variant]["threshold"] < 1.0
        assert set(coef[variant]["thresholds"]) <= set(LINE_KINDS)
        assert set(coef[variant]["weights"]) == set(coef[variant]["reference"])
    # The file omission.py reads is what the calibration wrote (`calibrate.py --ship`) with its report.
    assert json.loads(MODEL_FILE.read_text(encoding="utf-8")) == _latest_report()["shipped"] == coef


def test_similarity_threshold_is_what_the_coefficients_imply_at_full_length() -> None:
    coef = shipped()
    model = coef["with_similarity"]
    threshold = model["thresholds"]["sentence"]
    logit = math.log(threshold / (1 - threshold))
    implied = (logit - model["bias"]) / model["weights"]["similarity"] + coef["kinds"]["sentence"]["similarity"]
    assert round(implied, 2) == SIMILARITY_THRESHOLD


def test_measure_counts_letters_and_words_after_preparation() -> None:
    # Diacritics and tatweel are not letters the English length follows.
    assert measure("قَتَلَ ٢٤ شـخصا.", "24 people were killed.") == measure("قتل 24 شخصا.", "24 people were killed.")
    assert measure("قتل 24 شخصا.", "24 people were killed.").__dict__ == {
        "source_chars": 9, "target_chars": 18, "source_words": 3, "target_words": 4, "target_content_words": 3,
        "source_clauses": 0, "target_clauses": 0}


@pytest.mark.parametrize(("arabic", "english", "clauses"), [
    ("قتل 24 شخصا، وأصيب آخرون.", "24 people were killed, and others were wounded.", (2, 2)),
    ("وزير الدفاع وصل.", "The minister, who arrived, spoke while others left; and so on.", (1, 6)),  # وزير: a word
    ("ولد في حلب.", "He was born in Aleppo.", (0, 0)),  # و-words of 3 letters are not counted
])
def test_measure_counts_clause_markers(arabic: str, english: str, clauses: tuple[int, int]) -> None:
    lengths = measure(arabic, english)
    assert (lengths.source_clauses, lengths.target_clauses) == clauses


@pytest.mark.parametrize(("english", "flagged", "reason"), [
    (FULL, False, ""),
    # Without the encoder the content words push the verdict furthest: the message names them, with their share.
    (HALF, True, "English much shorter than expected: 0.47 of the expected number of content words (content "
                 "dropped?)"),
    (TWO_THIRDS, True, "English much shorter than expected: 0.62 of the expected number of content words "
                       "(content dropped?)"),
])
def test_verdict_without_similarity(english: str, flagged: bool, reason: str) -> None:
    verdict = judge(ARABIC, english, None, 0)
    assert (verdict.flagged, verdict.reason) == (flagged, reason)
    assert verdict.signal == ("length" if flagged else "")
    assert verdict.detail["threshold"] == shipped()["without_similarity"]["thresholds"]["sentence"]
    assert verdict.detail["line_kind"] == "sentence"


def test_lost_numbers_push_the_verdict() -> None:
    verdict = judge(ARABIC, FULL, None, 1)
    assert verdict.flagged and verdict.signal == "numbers"
    assert verdict.reason == "numbers of the Arabic are missing from the English (1), at 1.05 of the expected length"


@pytest.mark.parametrize("english", ["", "Killed.", FULL])
def test_short_sources_are_never_flagged(english: str) -> None:
    short = "على صعيد متصل."
    assert len(short.split()) < MIN_SOURCE_WORDS
    assert not judge(short, english, 0.0, 0).flagged


def test_a_better_fitting_neighbour_flags_a_misaligned_english() -> None:
    verdict = judge(ARABIC, FULL, 0.6, 0, neighbour=0.8)
    assert (verdict.flagged, verdict.signal) == (True, "alignment")
    assert verdict.reason == ("the English fits a neighbouring Arabic sentence better (similarity 0.80 against "
                              "0.60 here)")
    assert verdict.detail["neighbour_similarity"] == 0.8


def test_an_english_unrelated_to_all_sentences_is_a_similarity_failure() -> None:
    verdict = judge(ARABIC, FULL, -0.04, 0, neighbour=0.11)
    assert (verdict.flagged, verdict.signal) == (True, "similarity")
    assert verdict.reason == "the English is far from the Arabic (similarity -0.04)"


@pytest.mark.parametrize("neighbour", [None, 0.2, 0.6])
def test_a_neighbour_no_closer_than_the_own_arabic_changes_nothing(neighbour: float | None) -> None:
    verdict = judge(ARABIC, FULL, 0.6, 0, neighbour=neighbour)
    assert verdict.probability == judge(ARABIC, FULL, 0.6, 0).probability and not verdict.flagged


def test_huge_input_is_judged() -> None:
    verdict = judge(" ".join([ARABIC] * 400), " ".join([FULL] * 400), None, 0)
    assert not verdict.flagged
    assert judge(" ".join([ARABIC] * 400), " ".join([FULL] * 200), None, 0).flagged


def test_model_score_rule_is_off_by_default() -> None:
    assert QualityOptions().use_model_score is False
    assert not judge(ARABIC, FULL, None, 0, model_score=-9.0).flagged
    verdict = judge(ARABIC, FULL, None, 0, model_score=-9.0, options=QualityOptions(use_model_score=True))
    assert (verdict.flagged, verdict.signal) == (True, "confidence")
    assert verdict.reason == "the model is unsure of its English (score -9.00 < -1.50; uncalibrated rule)"
    assert not judge(ARABIC, FULL, None, 0, model_score=-0.3, options=QualityOptions(use_model_score=True)).flagged


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, 2])
def test_invalid_verdict_threshold_names_the_range(threshold: float) -> None:
    with pytest.raises(InvalidOption, match="a probability between 0 and 1"):
        QualityOptions(threshold=threshold)


def _translation(*pairs: tuple[str, str], score: float | None = None) -> Translation:
    segments = tuple(Segment(a, e, 0, (0, len(a)), score=score) for a, e in pairs)
    return Translation(" ".join(a for a, _ in pairs), segments, Signature("m", None, "ct2", "int8", 4))


def test_check_translation_flags_the_omission_and_passes_the_full_translation() -> None:
    full, half = check_translation(_translation((ARABIC, FULL), (ARABIC, HALF)), encoder="none").segments
    assert full.flags == ()
    [flag] = half.flags
    # HALF's expected length moves a little toward its document's ratio (FULL, one other segment, shrunk).
    assert (flag.kind, flag.message) == ("omission", "check translation: English much shorter than expected: "
                                                     "0.47 of the expected number of content words (content "
                                                     "dropped?)")
    assert flag.detail["length_share"] == 0.4752 and json.loads(json.dumps(flag.detail)) == flag.detail


def test_check_translation_uses_the_segment_score_only_when_asked() -> None:
    source = _translation((ARABIC, FULL), score=-9.0)
    assert check_translation(source, encoder="none").segments[0].flags == ()
    [flag] = check_translation(source, encoder="none",
                               options=QualityOptions(use_model_score=True)).segments[0].flags
    assert flag.kind == "confidence"


def test_verdict_with_similarity_on_clear_cases() -> None:
    full, half, wrong = check_translation(_translation(
        (ARABIC, FULL), (ARABIC, HALF), (ARABIC, WRONG)),
        encoder="use").segments
    assert full.flags == () and full.similarity > SIMILARITY_THRESHOLD
    assert [f.kind for f in half.flags] == ["omission"]
    assert half.flags[0].message.endswith("0.50 of the expected length (content dropped?)")
    assert [f.kind for f in wrong.flags] == ["similarity"]
    assert wrong.flags[0].message.startswith("check translation: the English is far from the Arabic (similarity ")


def test_check_translation_flags_an_english_shifted_to_the_next_sentence() -> None:
    second_ar = "وأعلنت السلطات إغلاق المدارس في المنطقة حتى نهاية الأسبوع بسبب الأمطار الغزيرة والفيضانات."
    second_en = "The authorities announced the closure of schools in the region until the end of the week due " \
                "to heavy rain and floods."
    right = check_translation(_translation((ARABIC, FULL), (second_ar, second_en)), encoder="use").segments
    assert [s.flags for s in right] == [(), ()]
    shifted, last = check_translation(_translation((ARABIC, second_en), (second_ar, second_en)),
                                      encoder="use").segments
    [flag] = shifted.flags
    assert flag.kind == "similarity" and flag.detail["signal"] == "alignment"
    assert flag.message.startswith("check translation: the English fits a neighbouring Arabic sentence better")
    assert flag.detail["neighbour_similarity"] > shifted.similarity
    assert last.flags == ()


def test_explicit_similarity_floor_still_applies() -> None:
    # A full-length English with a middling similarity passes the verdict but not a floor set above it.
    [segment] = check_translation(_translation((ARABIC, FULL)), encoder="use", threshold=0.95).segments
    assert [f.kind for f in segment.flags] == ["similarity"]
    assert segment.flags[0].message.endswith(f"< {0.95:.2f})")


@pytest.mark.parametrize("engine", ["ctranslate2", "transformers"])
def test_engines_give_each_segment_a_score(tiny_marian_dir: Path, engine: str) -> None:
    from mt import Translator

    translator = Translator.load(str(tiny_marian_dir), engine=engine, device="cpu", beam_size=2)
    segments = translator.translate("قتل 24 شخصا في حلب. وأصيب آخرون.").segments
    assert len(segments) == 2
    assert all(isinstance(s.score, float) and s.score < 0 for s in segments)
    assert all(s.to_dict()["score"] == s.score for s in segments)


def test_an_engine_without_scores_still_translates(tiny_translator) -> None:
    from mt.translator import Translator

    class Plain:  # only `generate`, as a wrapper or an older engine offers
        def __init__(self, inner) -> None:
            self.inner, self.name, self.device = inner, inner.name, inner.device
            self.compute_type, self.max_positions = inner.compute_type, inner.max_positions

        def generate(self, sources, options):
            return self.inner.generate(sources, options)

    plain = Translator(Plain(tiny_translator.engine), tiny_translator.codec, tiny_translator.model,
                       tiny_translator.decode)
    text = "تجدد القصف على حلب أمس."
    [segment] = plain.translate(text).segments
    assert segment.score is None
    assert segment.target == tiny_translator.translate(text).segments[0].target
