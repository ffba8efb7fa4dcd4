"""eval/summaries/grouping.py's scoring: B-cubed per item and overall, with the labels file chosen by --gold."""

from __future__ import annotations

import pytest

from eval.summaries.grouping import bcubed, f1, score

GOLD = {"a": "s1", "b": "s1", "c": "s2"}


@pytest.mark.parametrize(("predicted", "precision", "recall"), [
    ({"a": 1, "b": 1, "c": 2}, 1.0, 1.0),                # the gold grouping
    ({"a": 1, "b": 2, "c": 3}, 1.0, 2 / 3),              # every report alone
    ({"a": 1, "b": 1, "c": 1}, 5 / 9, 1.0),              # one story for all
    ({"a": 1, "b": 2, "c": 2}, 2 / 3, 2 / 3),            # b joined to the wrong story
])
def test_bcubed_precision_and_recall(predicted: dict[str, int], precision: float, recall: float) -> None:
    result = score(predicted, GOLD, draws=20)
    assert result["precision"] == round(precision, 4)
    assert result["recall"] == round(recall, 4)
    assert result["f1"] == round(f1(precision, recall), 4)
    assert result["f1_ci"][0] <= result["f1_ci"][1]


def test_bcubed_per_item() -> None:
    assert bcubed({"a": 1, "b": 2, "c": 2}, GOLD) == {
        "a": {"p": 1.0, "r": 0.5}, "b": {"p": 0.5, "r": 0.5}, "c": {"p": 0.5, "r": 1.0}}


def test_f1_of_nothing_is_zero() -> None:
    assert f1(0.0, 0.0) == 0.0
