"""eval/summaries/grouping.py's scoring: B-cubed per item and overall, with the labels file chosen by --gold."""

from __future__ import annotations

import pytest

from eval.summaries.grouping import bcubed, f1, score

GOLD = {"a": "s1", "b": "s1", "c": "s2"}


# Worked by hand from GOLD (a, b in s1; c in s2): per-item precision and recall averaged, F1 of the two averages.
@pytest.mark.parametrize(("predicted", "precision", "recall", "f1_score"), [
    ({"a": 1, "b": 1, "c": 2}, 1.0, 1.0, 1.0),           # the gold grouping
    ({"a": 1, "b": 2, "c": 3}, 1.0, 0.6667, 0.8),        # every report alone: R = (1/2 + 1/2 + 1) / 3
    ({"a": 1, "b": 1, "c": 1}, 0.5556, 1.0, 0.7143),     # one story for all: P = (2/3 + 2/3 + 1/3) / 3, F1 = 5/7
    ({"a": 1, "b": 2, "c": 2}, 0.6667, 0.6667, 0.6667),  # b joined to the wrong story
])
def test_bcubed_precision_and_recall(predicted: dict[str, int], precision: float, recall: float,
                                     f1_score: float) -> None:
    result = score(predicted, GOLD, draws=20)
    assert (result["precision"], result["recall"], result["f1"]) == (precision, recall, f1_score)
    assert result["f1_ci"][0] <= result["f1_ci"][1]


def test_bcubed_per_item() -> None:
    assert bcubed({"a": 1, "b": 2, "c": 2}, GOLD) == {
        "a": {"p": 1.0, "r": 0.5}, "b": {"p": 0.5, "r": 0.5}, "c": {"p": 0.5, "r": 1.0}}


@pytest.mark.parametrize(("p", "r", "expected"), [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (1.0, 0.5, 2 / 3),
                                                 (0.25, 1.0, 0.4)])
def test_f1_is_the_harmonic_mean(p: float, r: float, expected: float) -> None:
    assert f1(p, r) == pytest.approx(expected)
