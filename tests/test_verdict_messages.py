"""The omission verdict's messages: each signal's wording, and a length message whose word follows its share."""

from __future__ import annotations

import re

import pytest

from summarize.quality.omission import _reason

# A fixed model (not the shipped one), so that the messages do not move with a recalibration.
MODEL = {"weights": {"short_chars": -0.5, "short_words": -0.1, "short_content_words": -0.4, "short_norm": 0.2,
                     "short_clauses": -0.3, "similarity": -8.0, "better_neighbour": 24.0, "lost_numbers": 2.5},
         "reference": {"short_chars": 0.0, "short_words": 0.0, "short_content_words": 0.0, "short_norm": 0.0,
                       "short_clauses": 0.0, "similarity": 0.79, "better_neighbour": 0.0, "lost_numbers": 0.0}}
TYPICAL = {"short_chars": 0.0, "short_words": 0.0, "short_content_words": 0.0, "short_norm": 0.0,
           "short_clauses": 0.0, "length_share": 1.0, "chars_share": 1.0, "norm_share": 1.0, "words_share": 1.0,
           "content_words_share": 1.0, "source_clauses": 2.0, "target_clauses": 2.0, "lost_numbers": 0.0,
           "similarity": 0.79, "own_similarity": 0.79, "better_neighbour": 0.0}


@pytest.mark.parametrize(("signal", "changed", "expected"), [
    ("length", {"short_chars": -3.0, "length_share": 0.48, "chars_share": 0.48},
     "English much shorter than expected: 0.48 of the expected length (content dropped?)"),
    ("length", {"short_words": -40.0, "words_share": 0.61, "length_share": 0.9, "chars_share": 0.9},
     "English much shorter than expected: 0.61 of the expected number of words (content dropped?)"),
    ("length", {"short_content_words": -3.0, "content_words_share": 0.55, "length_share": 1.1},
     "English much shorter than expected: 0.55 of the expected number of content words (content dropped?)"),
    # The case: a garbled English 2.28 times its expected length, flagged for its clauses: never "shorter".
    ("length", {"short_clauses": -1.6, "source_clauses": 5.0, "target_clauses": 1.0, "length_share": 2.28,
                "chars_share": 2.28, "norm_share": 2.3},
     "the English has fewer clauses than the Arabic (1 against 5; content dropped?)"),
    ("length", {"length_share": 1.2, "chars_share": 1.2, "norm_share": 1.2},  # nothing short pushed at all
     "English longer than expected: 1.20 times the expected length"),
    ("addition", {"length_share": 2.3},
     "English much longer than expected: 2.30 times the expected length (content added or repeated?)"),
    ("similarity", {"own_similarity": 0.21}, "the English is far from the Arabic (similarity 0.21)"),
    ("alignment", {"own_similarity": 0.4, "better_neighbour": 0.35},
     "the English fits a neighbouring Arabic sentence better (similarity 0.75 against 0.40 here)"),
    ("numbers", {"lost_numbers": 2.0, "length_share": 1.06},
     "numbers of the Arabic are missing from the English (2), at 1.06 of the expected length"),
])
def test_each_signal_has_its_wording(signal: str, changed: dict, expected: str) -> None:
    assert _reason(signal, TYPICAL | changed, MODEL) == expected


_SHARE = re.compile(r"(shorter|longer) than expected: (\d+\.\d+)")


@pytest.mark.parametrize("share", [0.2, 0.7, 0.999, 1.0, 1.3, 2.28, 9.0])
@pytest.mark.parametrize("unit", ["chars", "words", "content_words"])
def test_a_length_message_never_contradicts_its_share(share: float, unit: str) -> None:
    values = TYPICAL | {f"short_{unit}": -2.0 if share < 1 else 0.0, f"{unit}_share": share,
                        "length_share": share if unit == "chars" else 1.0}
    word, printed = _SHARE.search(_reason("length", values, MODEL)).groups()  # type: ignore[union-attr]
    assert word == ("shorter" if float(printed) < 1.0 else "longer")
    if share < 1.0:  # the measure that is short is the one reported
        assert float(printed) == pytest.approx(share, abs=0.005)
