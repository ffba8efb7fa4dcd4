"""The monitor's placement rule (summarize.monitor.stories), on features made by hand: the digest's average linkage
inside the window, duplicates by the same text or by the digest's near-duplicate rule, and the store's rows read
back exactly as they were kept."""

from __future__ import annotations

import math

import numpy as np
import pytest

from summarize.digest.reports import Report
from summarize.digest.similarity import GroupOptions, ReportFeatures, repeat_key
from summarize.monitor.store import Store
from summarize.monitor.stories import MAX_DF, Window, choose_story, rows_json, spans, stored_features, text_key

HOUR = 3600.0
TFIDF = GroupOptions(encoder="tfidf")


def features(hours: float, words: dict[str, float], vector: list[float] | None = None) -> ReportFeatures:
    """A report at `hours`, its words scaled to unit length."""
    norm = math.sqrt(sum(w * w for w in words.values()))
    unit = None if vector is None else (np.array(vector) / np.linalg.norm(vector)).astype(np.float32)
    return ReportFeatures(hours * HOUR, unit, {t: w / norm for t, w in words.items()}, {}, {})


@pytest.fixture()
def window(tmp_path) -> Window:
    """A window over an empty store, without the encoder."""
    store = Store.open(str(tmp_path / "m.sqlite"))
    yield Window(store, None, use_vectors=False, size_hint=8)
    store.close()


def test_a_report_joins_the_story_its_mean_pair_score_reaches(window):
    window.add("a1", 1, features(0, {"حلب": 1, "قصف": 1}), None)
    window.add("a2", 1, features(1, {"حلب": 1, "قصف": 1, "مستشفى": 1}), None)
    window.add("b1", 2, features(2, {"انتخابات": 1, "مصر": 1}), None)
    assert choose_story(window, features(3, {"حلب": 1, "قصف": 1, "غارة": 1}), "k", TFIDF, 0.175) == (1, None)


def test_average_linkage_refuses_a_report_like_only_one_member(window):
    # cosine 0.5 with a1, 0 with a2: the mean 0.25 is under a 0.3 bar, though one pair alone would pass it
    window.add("a1", 1, features(0, {"حلب": 1, "قصف": 1}), None)
    window.add("a2", 1, features(1, {"غوطة": 1, "حصار": 1}), None)
    assert choose_story(window, features(2, {"حلب": 1, "مصر": 1}), "k", TFIDF, 0.3) == (None, None)


@pytest.mark.parametrize(("hours", "expected"), [
    (47.0, (1, "a1")),  # the same text inside the window: a duplicate in the first copy's story
    (49.0, (None, None)),  # past the 48-hour window: a story of its own
])
def test_the_same_text_is_a_duplicate_only_inside_the_window(window, hours, expected):
    window.add("a1", 1, features(0, {"حلب": 1, "قصف": 1}), "same-text")
    assert choose_story(window, features(hours, {"حلب": 1, "قصف": 1}), "same-text", TFIDF, 0.175) == expected


def test_a_near_copy_is_a_duplicate_by_the_digests_rule(window):
    window.add("a1", 1, features(0, {"حلب": 5, "قصف": 5, "مستشفى": 5, "أطفال": 5}), None)
    window.add("b1", 2, features(0, {"انتخابات": 1}), None)
    near = features(1, {"حلب": 5, "قصف": 5, "مستشفى": 5, "أطفال": 4})  # cosine 0.99 with a1
    far = features(1, {"حلب": 5, "قصف": 5, "مستشفى": 1, "سوريا": 5})  # alike, not a copy: joins, no duplicate
    assert choose_story(window, near, "k1", TFIDF, 0.175) == (1, "a1")
    assert choose_story(window, far, "k2", TFIDF, 0.175) == (1, None)


def test_the_encoders_nearest_reports_propose_the_stories(tmp_path):
    store = Store.open(str(tmp_path / "m.sqlite"))
    window = Window(store, None, use_vectors=True, size_hint=4)
    window.add("a1", 1, features(0, {"حلب": 1}, [1, 0, 0] + [0] * 509), None)
    window.add("b1", 2, features(0, {"مصر": 1}, [0, 1, 0] + [0] * 509), None)
    report = features(1, {"حلب": 1, "غارة": 1}, [0.9, 0.1, 0] + [0] * 509)  # alike, not a copy
    assert window.nearest(report, 1, 48.0) == [0]
    assert window.nearest(features(60, {"حلب": 1}, [1, 0, 0] + [0] * 509), 2, 48.0) == []  # all past the window
    assert choose_story(window, report, "k", GroupOptions(encoder="use"), 0.3) == (1, None)
    store.close()


def test_a_reports_rows_are_read_back_as_they_were_kept():
    kept = features(5, {"حلب": 3, "قصف": 1}, [3, 4] + [0] * 510)
    back = stored_features(kept.time, kept.vector.tobytes(), rows_json(kept))
    assert (back.time, back.words, back.title, back.names) == (kept.time, kept.words, {}, {})
    assert back.vector.tolist() == kept.vector.tolist()
    assert rows_json(kept) == '{"words": {"\\u062d\\u0644\\u0628": 0.9486832980505138, ' \
                              '"\\u0642\\u0635\\u0641": 0.31622776601683794}}'


@pytest.mark.parametrize(("times", "window", "expected"), [
    ([], 10.0, []),
    ([100.0], 10.0, [(90.0, 110.0)]),
    ([100.0, 105.0, 50.0], 10.0, [(40.0, 60.0), (90.0, 115.0)]),  # an old date: a span of its own
    ([100.0, 120.0], 10.0, [(90.0, 130.0)]),  # touching spans merge
    ([100.0], None, None),  # no window: every stored report
])
def test_the_stored_reports_read_are_those_around_the_new_ones(times, window, expected):
    assert spans(times, window) == expected


def test_a_words_rule_counts_only_the_reports_inside_the_window(window):
    # MAX_DF reports of 10 days ago share the word: they must not silence it for a report of today
    for n in range(MAX_DF + 5):
        window.add(f"old{n}", 1, features(-240, {"غوطة": 1, f"x{n}": 1}), None)
    window.add("today", 2, features(0, {"غوطة": 1, "حصار": 1}), None)
    window.add("unlike", 3, features(1, {"انتخابات": 1}), None)  # shares nothing: never a neighbour
    report = features(2, {"غوطة": 1, "قصف": 1})
    assert window.nearest(report, 20, 48.0) == [MAX_DF + 5]
    assert choose_story(window, report, "k", TFIDF, 0.175) == (2, None)


@pytest.mark.parametrize(("title", "text", "key"), [
    ("قصف على حلب", "قتل 24 شخصا.", "قتل 24 شخصا."),
    ("قصف على حلب", "  ", "title: قصف علي حلب"),  # a title-only item: its title, never one key for all of them
    ("قصف  على حلب", "", "title: قصف علي حلب"),  # spelling and spacing folded
])
def test_what_a_report_repeats_is_its_text_or_else_its_title(title, text, key):
    assert repeat_key(Report("r", text, title)) == key


def test_title_only_reports_are_not_all_one_story(tmp_path):
    store = Store.open(str(tmp_path / "m.sqlite"))
    window = Window(store, None, use_vectors=False, size_hint=4)
    first = Report("a", "", "قصف على حلب")
    window.add("a", 1, features(0, {"قصف": 1, "حلب": 1}), text_key(first))
    other = Report("b", "", "انتخابات في مصر")
    assert choose_story(window, features(1, {"انتخابات": 1, "مصر": 1}), text_key(other), TFIDF, 0.175) == (None, None)
    again = Report("c", "", "قصف على حلب")
    assert choose_story(window, features(1, {"قصف": 1, "حلب": 1}), text_key(again), TFIDF, 0.175) == (1, "a")
    store.close()


def test_a_window_made_for_no_report_still_takes_them(tmp_path):
    store = Store.open(str(tmp_path / "m.sqlite"))
    window = Window(store, [], use_vectors=True, size_hint=0)
    for n in range(3):
        window.add(f"r{n}", n + 1, features(n, {"حلب": 1}, [1, n, 0] + [0] * 509), None)
    assert window.nearest(features(3, {"حلب": 1}, [1, 2, 0] + [0] * 509), 2, 48.0) == [2, 1]
    store.close()
