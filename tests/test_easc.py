"""The EASC evaluation: ROUGE on normalized Arabic (hand-computed values), corpus preparation, a 3-article run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.shared_data import EASC_DEV
from eval.summaries.easc_data import count_sentences, prepare_article, unwrap
from eval.summaries.rouge_ar import lcs_length, normalize_tokens, rouge, rouge_n


@pytest.mark.parametrize(("text", "tokens"), [
    ("أكل الولدُ التفاحةَ.", ["اكل", "الولد", "التفاحه"]),  # hamza seat, diacritics, ta marbuta, punctuation
    ("إلى مستشفى «الصاخور»، ٢٤ قتيلا!", ["الي", "مستشفي", "الصاخور", "24", "قتيلا"]),
    ("آخر ـــ ما   جاء: UN 1.5", ["اخر", "ما", "جاء", "un", "1", "5"]),
    ("", []),
    ("... ، ؟", []),
])
def test_normalize_tokens(text: str, tokens: list[str]) -> None:
    assert normalize_tokens(text) == tokens


# candidate a b c d, reference a b e c d: unigrams 4/4 and 4/5; bigrams ab, cd shared of 3 and 4; LCS a b c d
@pytest.mark.parametrize(("n", "expected"), [(1, 2 * 1.0 * 0.8 / 1.8), (2, 2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))])
def test_rouge_n_hand_computed(n: int, expected: float) -> None:
    assert rouge_n(["a", "b", "c", "d"], ["a", "b", "e", "c", "d"], n) == pytest.approx(expected)


def test_rouge_counts_are_clipped_and_empty_is_zero() -> None:
    # "a a a" against "a b": one matching unigram (clipped), P = 1/3, R = 1/2, F = 0.4
    assert rouge_n(["a", "a", "a"], ["a", "b"], 1) == pytest.approx(0.4)
    assert rouge_n([], ["a"], 1) == 0.0 and rouge_n(["a"], [], 2) == 0.0


@pytest.mark.parametrize(("a", "b", "length"), [("abcde", "ace", 3), ("abc", "def", 0), ("", "abc", 0),
                                                ("abcbdab", "bdcaba", 4)])
def test_lcs_length(a: str, b: str, length: int) -> None:
    assert lcs_length(list(a), list(b)) == length == lcs_length(list(b), list(a))


def test_rouge_of_arabic_texts_folds_spelling() -> None:
    scores = rouge("قتل أربعة أشخاص في حلب.", "قتل اربعة اشخاص في مدينة حلب")
    # 5 of 5 candidate words in the 6-word reference: P 1, R 5/6; bigrams 3 of 4 and 3 of 5; LCS 5
    assert scores["rouge1"] == pytest.approx(2 * (5 / 6) / (1 + 5 / 6))
    assert scores["rouge2"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert scores["rougeL"] == pytest.approx(scores["rouge1"])


def test_unwrap_and_glued_terminators() -> None:
    raw = "قال الوزير إن\nالخطة جاهزة.\n\nوأضاف أن التنفيذ\nيبدأ غدا"
    assert unwrap(raw) == "قال الوزير إن الخطة جاهزة.\nوأضاف أن التنفيذ يبدأ غدا"
    assert prepare_article("إلى نوح.و تعني الخشب .فالعود آلة 1.5 متر") == "إلى نوح. و تعني الخشب . فالعود آلة 1.5 متر"


@pytest.mark.parametrize(("summary", "k"), [
    ("جملة اولى. جملة ثانية؟ جملة ثالثة", 3),
    ("طوله 1.5 متر. وانتهى.", 2),  # a decimal point does not end a sentence
    ("جملة.جملة ملتصقة.  ", 2),  # the annotators' glued sentences
    ("", 0), ("...", 0),
])
def test_count_sentences(summary: str, k: int) -> None:
    assert count_sentences(summary) == k


def test_evaluation_runs_on_three_articles(tmp_path: Path) -> None:
    if not (EASC_DEV / "index.tsv").is_file():
        pytest.skip(f"EASC dev half not found at {EASC_DEV} (the project's shared data folder)")
    from eval.summaries import easc

    assert easc.main(["--data", str(EASC_DEV), "--rankers", "tfidf", "--limit", "3", "--folds", "3",
                      "--out", str(tmp_path)]) == 0
    (report,) = [json.loads(p.read_text(encoding="utf-8")) for p in tmp_path.glob("*.json")]
    assert report["corpus"]["articles"] == 3 and report["corpus"]["summaries"] == 15
    systems = report["systems"]
    assert set(systems) == {"lead-k", "brief-tfidf (cross-validated)",
                            "brief-tfidf (fitted on all easc-dev: optimistic)",
                            "brief-tfidf (first EASC fit, issue 10)", "brief-tfidf (ranker before EASC)",
                            "random-k (10 draws)", "greedy ROUGE-2 oracle", "human vs the other four"}
    for row in systems.values():
        for metric in ("rouge1", "rouge2", "rougeL"):
            assert 0.0 < row[metric]["mean"] <= 1.0
            assert row[metric]["ci95"][0] <= row[metric]["mean"] <= row[metric]["ci95"][1]
    assert systems["greedy ROUGE-2 oracle"]["rouge2"]["mean"] > systems["random-k (10 draws)"]["rouge2"]["mean"]
    paired = report["paired_vs_lead"]["brief-tfidf (cross-validated)"]["rouge2"]
    assert paired["wins"] + paired["losses"] <= 3 and len(report["per_article_rouge2"]["lead-k"]) == 3
    assert len(report["fold_fits"]) == 3 and set(report["fold_fits"][0]) >= {"lead_weight", "paragraph_weight"}
    assert (tmp_path / next(tmp_path.glob("*.json")).name.replace(".json", ".md")).read_text().startswith("# EASC")
