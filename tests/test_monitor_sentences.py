"""The store's sentences and figures of each report: made once, read back exactly as they were made, and made
again when another mtbrief made them. Translations come from the tiny random-weight model (gibberish, never
judged)."""

from __future__ import annotations

import json

import pytest
from monitor_helpers import QUICK, small_replay

from summarize.monitor.feeds import Fetcher, read_feeds_file
from summarize.monitor.run import run_pass
from summarize.monitor.store import Store


@pytest.mark.parametrize(("text", "figures"), [
    ("قتل 24 شخصا وأصيب 31 آخرون في انفجار بحلب يوم 9 سبتمبر 2016.\n\nوارتفع سعر الخبز 15% إلى 3.5 دولار.",
     [(24, "killed", 0), (31, "injured", 0), ("9 September 2016", "date", 0), (15, "percent", 1), (3.5, "money", 1)]),
    ("سبعة قتلى. ثمانية جرحى!", [(7, "killed", 0), (8, "injured", 1)]),
    ("", []),
])
def test_a_reports_sentences_and_figures_read_back_as_they_were_made(text, figures):
    from summarize.digest.plan import Sentences
    from summarize.digest.reports import Report
    from summarize.monitor.shown import sentences_from_json, sentences_json

    made = Sentences.of([Report("r", text, "t", "s", None, "")])
    stored = sentences_json(text, made.segments[0], made.figures[0])
    segments, read = sentences_from_json(text, stored)
    assert (segments, read) == (made.segments[0], made.figures[0])
    assert all(f.arabic not in stored for f in read)  # spans into the text, not copies of it
    assert [(f.value, f.kind, f.segment) for f in read] == figures
    assert [type(f.value) for f in read] == [type(v) for v, _, _ in figures]  # 3.5 stays a float, 24 an int


def test_a_sentence_that_is_not_its_span_of_the_text_is_stored_whole():
    from mt.types import Segment
    from summarize.lang.figures import Figure
    from summarize.monitor.shown import sentences_from_json, sentences_json

    text = "قتل  24 شخصا."
    segments = [Segment("قتل 24 شخصا.", "", 0, (0, len(text)))]  # the splitter's text, one space
    figures = [Figure(24, "killed", "قتل 24 شخصا.", "24 were killed.", "24")]
    stored = sentences_json(text, segments, figures)
    assert sentences_from_json(text, stored) == (segments, figures)
    assert json.loads(stored)["segments"] == [[0, 0, 13, "قتل 24 شخصا."]]


def test_stories_planned_again_read_each_reports_sentences_from_the_store(tiny_translator, tmp_path, monkeypatch):
    _, server, base = small_replay()
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{base}/rss/alpha.xml\n{base}/atom/beta.xml\n", encoding="utf-8")
    store, fetcher = Store.open(str(tmp_path / "m.sqlite")), Fetcher(QUICK.fetch)
    run_pass(store, read_feeds_file(str(feeds)), fetcher, lambda: tiny_translator, QUICK)
    views = store.conn.execute("SELECT rowid, view FROM stories ORDER BY rowid").fetchall()
    assert store.conn.execute("SELECT count(*) FROM reports WHERE sentences IS NULL").fetchone()[0] == 0

    def split_again(reports):
        raise AssertionError(f"split again: {[r.id for r in reports]}")

    monkeypatch.setattr("summarize.digest.plan.Sentences.of", split_again)
    with store.transaction() as conn:
        conn.execute("UPDATE stories SET dirty = 1, view = NULL")
    from summarize.monitor.shown import refresh_stories

    assert refresh_stories(store, lambda: tiny_translator, QUICK.digest) == (len(views), 0)
    assert store.conn.execute("SELECT rowid, view FROM stories ORDER BY rowid").fetchall() == views
    monkeypatch.undo()  # sentences another mtbrief made are made again
    monkeypatch.setattr("summarize.monitor.shown.SENTENCES_FORMAT", 2)
    with store.transaction() as conn:
        conn.execute("UPDATE stories SET dirty = 1, view = NULL")
    assert refresh_stories(store, lambda: tiny_translator, QUICK.digest) == (len(views), 0)
    assert store.conn.execute("SELECT rowid, view FROM stories ORDER BY rowid").fetchall() == views
    made = [json.loads(r[0])["made_by"] for r in store.conn.execute("SELECT sentences FROM reports")]
    from mt import __version__

    assert made == [f"mtbrief {__version__}, format 2"] * 5
    fetcher.close()
    store.close()
    server.shutdown()
