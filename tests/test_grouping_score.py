"""The grouping's pair score: particulars (rare names, numbers), the title, time decay, average linkage."""

import datetime as dt
import math

import numpy as np
import pytest

from mt.errors import InvalidOption
from summarize.digest.grouping import GroupOptions, group_reports
from summarize.digest.reports import Report
from summarize.digest.similarity import (
    Idf,
    ReportFeatures,
    decay,
    pair_score,
    particulars,
    report_features,
    story_score,
)

T0 = dt.datetime(2018, 3, 9, 8, tzinfo=dt.UTC)


def feat(hours: float | None = 0.0, words: dict | None = None, title: dict | None = None, names: dict | None = None,
         vector: list[float] | None = None) -> ReportFeatures:
    """Features made by hand (rows already unit length where the test needs it)."""
    return ReportFeatures(None if hours is None else T0.timestamp() + hours * 3600,
                          None if vector is None else np.array(vector, dtype=np.float32),
                          words or {}, title or {}, names or {})


@pytest.mark.parametrize(("text", "expected"), [
    # a rare name and its place, a toll; the common words (president, hospital, gas...) are no particulars
    ("قال الرئيس إن سكريبال نقل إلى مستشفى في سالزبيري و25 شخصا في 3 مدن", ["سكريبال", "سالزبير", "25"]),
    ("أردوغان: القوات التركية قد تدخل عفرين السورية في أي لحظة", ["عفر"]),  # Erdogan is too common
    ("والأردن والولايات المتحدة", []),  # a common word behind a clitic is not rare
    ("مقتل 7 وإصابة 18 في كابول عام 2018", ["18", "ابول", "2018"]),  # one digit is none; Kabul (light stem)
    ("", []),
])
def test_particulars_are_rare_words_and_numbers_of_two_digits(text, expected):
    assert particulars(text) == expected


@pytest.mark.parametrize(("hours", "half_life", "window", "expected"), [
    (0.0, 24.0, 48.0, 1.0),
    (24.0, 24.0, 48.0, 0.5),
    (-36.0, 12.0, 48.0, 0.125),  # the order of the two reports does not matter
    (48.0, 24.0, 48.0, 0.25),  # the window's edge is inside
    (49.0, 24.0, 48.0, 0.0),
    (30.0, None, 48.0, 1.0),  # no half-life: flat inside the window
    (500.0, None, None, 1.0),  # no window, no decay
    (None, 6.0, 48.0, 1.0),  # a report without a time is not decayed
])
def test_time_decay_halves_every_half_life_and_ends_at_the_window(hours, half_life, window, expected):
    options = GroupOptions(half_life_hours=half_life, window_hours=window)
    assert decay(feat(0.0), feat(hours), options) == pytest.approx(expected)


@pytest.mark.parametrize(("weights", "a", "b", "expected"), [
    # words only: the cosine of the two rows
    ((0.0, 1.0, 0.0, 0.0), feat(words={"x": 0.6, "y": 0.8}), feat(words={"y": 1.0}), 0.8),
    # the same title, different leads: the title's share counts in full
    ((0.0, 0.5, 0.5, 0.0), feat(words={"x": 1.0}, title={"t": 1.0}), feat(words={"z": 1.0}, title={"t": 1.0}), 0.5),
    # a shared name and number lift a pair that shares few words
    ((0.0, 0.5, 0.0, 0.5), feat(words={"x": 0.6, "n": 0.8}, names={"n": 0.6, "25": 0.8}),
     feat(words={"n": 1.0}, names={"n": 0.6, "25": 0.8}), 0.5 * 0.8 + 0.5 * 1.0),
    # the encoder's cosine blended in ...
    ((0.5, 0.5, 0.0, 0.0), feat(words={"x": 1.0}, vector=[1.0, 0.0]), feat(words={"x": 1.0}, vector=[0.6, 0.8]),
     0.5 * 0.6 + 0.5 * 1.0),
    # ... and its share left out when one report has no vector
    ((0.5, 0.5, 0.0, 0.0), feat(words={"x": 1.0}, vector=[1.0, 0.0]), feat(words={"x": 1.0}), 1.0),
    # decayed: 12 hours at a half-life of 12
    ((0.0, 1.0, 0.0, 0.0), feat(0.0, words={"x": 1.0}), feat(12.0, words={"x": 1.0}), 0.5),
    ((0.0, 1.0, 0.0, 0.0), feat(words={}), feat(words={}), 0.0),  # empty reports share nothing
])
def test_pair_score_is_the_weighted_mean_of_the_cosines_times_the_decay(weights, a, b, expected):
    encoder, words, title, names = weights
    options = GroupOptions(encoder_weight=encoder, words_weight=words, title_weight=title, names_weight=names,
                           half_life_hours=12.0)
    assert pair_score(a, b, options) == pytest.approx(expected)
    assert pair_score(b, a, options) == pytest.approx(expected)


def test_story_score_is_the_mean_over_the_members_inside_the_window():
    options = GroupOptions(encoder_weight=0.0, words_weight=1.0, window_hours=48.0)
    members = [feat(0.0, words={"x": 1.0}), feat(10.0, words={"x": 0.6, "y": 0.8}), feat(-100.0, words={"x": 1.0})]
    report = feat(20.0, words={"x": 1.0})
    assert story_score(members, report, options) == pytest.approx((1.0 + 0.6) / 2)  # the 120-hour-old one is out
    assert story_score([], report, options) == 0.0
    assert story_score(members[2:], report, options) == 0.0


def test_report_features_weigh_by_the_given_idf_and_are_unit_rows():
    report = Report("r", "ذكرت الشرطة أن سكريبال في المستشفى.", "سكريبال في سالزبيري", "", T0)
    idf = Idf({"سكريبال": 1}, docs=3)
    [f] = report_features([report], GroupOptions(names_weight=0.5, title_weight=0.5), idf=idf)
    assert f.time == T0.timestamp() and f.vector is None
    assert sorted(f.names) == ["سالزبير", "سكريبال"]
    rare, unseen = math.log(4 / 2) + 1, math.log(4 / 1) + 1  # seen in one document of three; never seen
    assert f.names["سكريبال"] == pytest.approx((1 + math.log(2)) * rare / math.hypot((1 + math.log(2)) * rare,
                                                                                     unseen))
    assert sum(w * w for w in f.title.values()) == pytest.approx(1.0)
    assert Idf.count([["a", "b", "a"], ["a"]]) == Idf({"a": 2, "b": 1}, 2)
    unweighted = report_features([report], GroupOptions(names_weight=0.0, title_weight=0.0))[0]
    assert unweighted.names == {} and unweighted.title == {}  # not read when unweighted


def test_particulars_keep_two_incidents_of_one_war_apart_and_one_event_together():
    day = [Report("a", "قتل 12 مدنيا في غارات على بلدة حمورية في الغوطة الشرقية.", "غارات على حمورية", "s1", T0),
           Report("b", "غارات على حمورية في الغوطة الشرقية توقع 12 قتيلا مدنيا.", "12 قتيلا في حمورية", "s2", T0),
           Report("c", "دخلت قافلة مساعدات من 13 شاحنة إلى دوما في الغوطة الشرقية.", "قافلة إلى دوما", "s3", T0)]
    options = GroupOptions(encoder="tfidf", encoder_weight=0.0, words_weight=0.5, names_weight=0.5,
                           tfidf_threshold=0.3)
    assert group_reports(day, options).stories == ((0, 1), (2,))


@pytest.mark.parametrize(("options", "name"), [
    ({"half_life_hours": 0.0}, "half_life_hours"), ({"half_life_hours": float("nan")}, "half_life_hours"),
    ({"names_weight": 1.5}, "names_weight"), ({"title_weight": -0.1}, "title_weight"),
    ({"name_zipf": 9.0}, "name_zipf"),
    ({"words_weight": 0.0, "title_weight": 0.0, "names_weight": 0.0}, "words_weight")])
def test_bad_score_options_name_the_choices(options, name):
    with pytest.raises(InvalidOption, match=name):
        GroupOptions(**options)
