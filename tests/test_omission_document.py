"""The omission verdict within a document: offsets from the other segments' median (shrunk and capped), additions
against omissions, terse documents, acronyms."""

from __future__ import annotations

import math
import statistics

import pytest
from test_omission import ARABIC, FULL, HALF, TWO_THIRDS, _translation

from summarize.quality.check import check_translation
from summarize.quality.omission import (
    Lengths,
    _median_without,
    document_offsets,
    judge,
    measure,
    shipped,
)


@pytest.mark.parametrize("values", [[1.0], [1.0, 2.0], [3.0, 1.0, 2.0], [0.5, -1.0, 4.0, 2.0], [5, 1, 1, 2, 9, 3]])
def test_median_without_each_element_is_the_median_of_the_rest(values: list[float]) -> None:
    ordered = sorted(values)
    assert _median_without(ordered, None) == statistics.median(ordered)
    for k in range(len(ordered)):
        rest = ordered[:k] + ordered[k + 1:]
        if rest:
            assert _median_without(ordered, k) == statistics.median(rest)


# A length model whose residual is plain log((target chars + 1) / (source chars + 1)): the offsets below are worked
# by hand from the segments' ratios. 99 Arabic letters against 79 English ones is a ratio of 0.8.
RATIO_MODEL = {"length": {"chars": {"target": "target_chars", "predictors": ["source_chars"], "intercept": 0.0,
                                    "slopes": [1.0], "max_source": 1e9, "var0": 1.0, "var1": 0.0}}}


def _ratio(english_chars: int) -> Lengths:
    return Lengths(source_chars=99, target_chars=english_chars, source_words=20, target_words=15,
                   target_content_words=8)


@pytest.mark.parametrize(("english_chars", "expected"), [
    # six at 0.8 and one at 0.5: each sees a median of log 0.8 among its six others, shrunk by 6 / (6 + 4)
    ([79] * 6 + [49], [math.log(0.8) * 6 / 10] * 7),
    # six at 0.5: log 0.5 * 5 / 9 = -0.385 is past the cap of 0.3
    ([49] * 6, [-0.3] * 6),
    # one other segment moves the expectation a fifth of its way; the segment at the norm moves the other nothing
    ([99, 79], [math.log(0.8) / 5, 0.0]),
    ([49], [0.0]),  # alone: nothing to learn from
    ([], []),
])
def test_document_offsets_are_the_others_median_shrunk_and_capped(english_chars, expected) -> None:
    offsets = document_offsets([_ratio(n) for n in english_chars], RATIO_MODEL)
    assert [o["chars"] for o in offsets] == pytest.approx(expected)
    assert all(list(o) == ["chars"] for o in offsets)


def test_document_offsets_with_the_shipped_model_stay_within_the_cap() -> None:
    offsets = document_offsets([measure(ARABIC, TWO_THIRDS)] * 6 + [measure(ARABIC, HALF)])
    assert all(-0.3 <= o[u] < 0 for o in offsets for u in ("chars", "words", "content_words"))
    [alone] = document_offsets([measure(ARABIC, HALF)])
    assert alone == {"chars": 0.0, "words": 0.0, "content_words": 0.0}


def test_document_offsets_leave_out_pieces_too_short_to_judge() -> None:
    short_piece = measure("على صعيد متصل.", "On a related note, and then some more words were said here.")
    offsets = document_offsets([measure(ARABIC, FULL), short_piece])
    assert offsets[0] == {"chars": 0.0, "words": 0.0, "content_words": 0.0}
    assert document_offsets([]) == []


def test_a_much_longer_english_is_an_addition_not_an_omission() -> None:
    looped = f"{FULL} {FULL} {FULL}"
    verdict = judge(ARABIC, looped, None, 0)
    assert (verdict.flagged, verdict.signal) == (True, "addition")
    assert verdict.reason.startswith("English much longer than expected: ")
    assert verdict.reason.endswith(" times the expected length (content added or repeated?)")
    [flag] = check_translation(_translation((ARABIC, looped)), encoder="none").segments[0].flags
    assert flag.kind == "addition" and flag.message == f"check translation: {verdict.reason}"


@pytest.mark.parametrize(("english", "kind", "words"), [
    (HALF, "omission", "English much shorter than expected: "),
    (f"{FULL} {FULL} {FULL}", "addition", "English much longer than expected: "),
])
def test_longer_and_shorter_read_differently(english: str, kind: str, words: str) -> None:
    [flag] = check_translation(_translation((ARABIC, english)), encoder="none").segments[0].flags
    assert flag.kind == kind and flag.message.startswith(f"check translation: {words}")
    assert ("content dropped?" in flag.message) == (kind == "omission")
    assert ("content added or repeated?" in flag.message) == (kind == "addition")


def test_a_terse_document_raises_no_alarm_everywhere_but_a_dropped_half_still_stands_out() -> None:
    # Every segment at two thirds of the corpus norm (a terse translator): alone, each is flagged; in its
    # document, the document's own ratio is expected, and only the segment that lost half of its words is.
    assert judge(ARABIC, TWO_THIRDS, None, 0).flagged
    terse = [(ARABIC, TWO_THIRDS)] * 9 + [(ARABIC, HALF[: len(HALF) // 2].rsplit(" ", 1)[0] + ".")]
    segments = check_translation(_translation(*terse), encoder="none").segments
    assert [bool(s.flags) for s in segments] == [False] * 9 + [True]
    assert segments[-1].flags[0].detail["document_ratio"] < 1.0


@pytest.mark.parametrize(("english", "acronyms"), [
    ("The WHO said so.", 1), ("ACE2 binds SARS-CoV-2.", 3), ("The health ministry said so.", 0), ("I said so.", 0),
])
def test_measure_lets_an_acronym_stand_for_the_words_it_abbreviates(english: str, acronyms: int) -> None:
    plain = english.replace("WHO", "who").replace("ACE2", "ace").replace("SARS-CoV-2", "sars-cov-two")
    with_acronyms, without = measure("قالت منظمة الصحة العالمية ذلك.", english), measure("قالت ذلك.", plain)
    assert with_acronyms.target_words - len(english.replace("-", " ").split()) == int(1.5 * acronyms)
    assert (with_acronyms.target_chars - sum(ch.isalnum() for ch in english)) == 6 * acronyms
    assert without.target_words == len(plain.replace("-", " ").split())


def test_messages_give_the_similarity_as_measured_not_against_the_document() -> None:
    offsets = {"chars": 0.0, "words": 0.0, "content_words": 0.0, "similarity": -0.15}
    verdict = judge(ARABIC, FULL, 0.1, 0, offsets=offsets)
    assert verdict.reason == "the English is far from the Arabic (similarity 0.10)"
    shifted = judge(ARABIC, FULL, 0.45, 0, neighbour=0.8, offsets=offsets)
    assert shifted.reason == ("the English fits a neighbouring Arabic sentence better "
                              "(similarity 0.80 against 0.45 here)")


# What one side writes and the other need not is left out of both lengths: list and paragraph numbers opening
# the line, and the Levantine name of a month pair.
@pytest.mark.parametrize(("arabic", "english", "same_as"), [
    ("12 - قررت اللجنة تأجيل الاجتماع", "12. The Committee decided to postpone the meeting",
     ("قررت اللجنة تأجيل الاجتماع", "The Committee decided to postpone the meeting")),
    ("'3` حشد الموارد المالية", "Mobilization of financial resources", ("حشد الموارد المالية",
                                                                        "Mobilization of financial resources")),
    ("جيم - الصناعة التحويلية والتشييد", "C. Manufacturing and construction",
     ("الصناعة التحويلية والتشييد", "Manufacturing and construction")),
    ("(6) يستند الالتزام إلى المادة 4", "(f) The commitment rests on Article 4",
     ("يستند الالتزام إلى المادة 4", "The commitment rests on Article 4")),
    ("في 13 كانون الثاني/يناير 2015", "on 13 January 2015", ("في 13 يناير 2015", "on 13 January 2015")),
    ("في 11 آذار/مارس 2015", "on 11 March 2015", ("في 11 مارس 2015", "on 11 March 2015")),
    ("في 13 يناير/كانون الثاني 2015", "on 13 January 2015", ("في 13 يناير 2015", "on 13 January 2015")),
])
def test_measure_leaves_out_labels_and_month_pairs(arabic: str, english: str, same_as: tuple[str, str]) -> None:
    assert measure(arabic, english) == measure(*same_as)


@pytest.mark.parametrize(("arabic", "english"), [
    ("قتل 12 شخصا في حلب", "12 people were killed in Aleppo"),  # a number opening a sentence is no label
    ("الف جندي وصلوا الى المدينة", "A thousand soldiers reached the city"),
    ("A. Smith arrived", "A. Smith arrived"),
    ("2014-2015 كان عاما صعبا", "2014-2015 was a hard year"),  # a range opening the line is no label
    ("3.5 مليون لاجئ عادوا", "3.5 million refugees returned"),
])
def test_measure_keeps_what_only_looks_like_a_label(arabic: str, english: str) -> None:
    lengths = measure(arabic, english)
    assert (lengths.source_chars, lengths.target_chars) == (sum(map(str.isalnum, arabic)),
                                                            sum(map(str.isalnum, english)))


TITLE_AR = "الرئيس يصل إلى باريس في زيارة رسمية تستمر ثلاثة أيام"
TITLE_EN = "President arrives in Paris for three-day official visit"


@pytest.mark.parametrize("similarity", [None, 0.7])
def test_a_title_is_judged_against_titles(similarity: float | None) -> None:
    coef = shipped()
    variant = "without_similarity" if similarity is None else "with_similarity"
    verdict = judge(TITLE_AR, TITLE_EN, similarity, 0)
    assert verdict.detail["line_kind"] == "title"
    assert verdict.detail["threshold"] == coef[variant]["thresholds"].get("title", coef[variant]["threshold"])


@pytest.mark.parametrize("kind", ["title", "quote", "short"])
def test_a_kind_moves_the_expectations_by_its_fitted_shift(kind: str) -> None:
    from summarize.quality.omission import features

    coef = shipped()
    shift = coef["kinds"][kind]
    lengths = measure(TITLE_AR, TITLE_EN)
    own = features(lengths, 0.6, 0, coef, None, {"chars": 0.1, "similarity": -0.05}, kind)
    base = features(lengths, 0.6, 0, coef, None, {"chars": 0.1, "similarity": -0.05}, "sentence")
    sentence = coef["kinds"]["sentence"]
    for unit in ("chars", "words", "content_words"):
        assert own[f"{unit}_share"] == pytest.approx(
            base[f"{unit}_share"] * math.exp(sentence[unit] - shift[unit]))
    assert own["similarity"] == pytest.approx(base["similarity"] + sentence["similarity"] - shift["similarity"])
    assert own["document_ratio"] == base["document_ratio"] == pytest.approx(math.exp(0.1))
