"""The monitor's placement rule (summarize.monitor.stories), on features made by hand: the digest's average linkage
inside the window, duplicates by the same text or by the digest's near-duplicate rule, and the store's rows read
back exactly as they were kept."""

from __future__ import annotations

import math

import numpy as np
import pytest

from summarize.digest.similarity import GroupOptions, ReportFeatures
from summarize.monitor.store import Store
from summarize.monitor.stories import Window, choose_story, rows_json, stored_features

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
