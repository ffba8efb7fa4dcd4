"""eval/speed/monitor_replay.py's pieces: the synthesized stores of the scale passes and their new reports."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sqlite3

import pytest
from monitor_helpers import QUICK, small_replay
from test_layout import ROOT

from summarize.monitor.feeds import Fetcher, read_feeds_file
from summarize.monitor.run import run_pass
from summarize.monitor.store import Store
from summarize.monitor.views import search_view


@pytest.fixture(scope="module")
def replay_script():
    """The script as a module (it is run as `python eval/speed/monitor_replay.py`, never imported by the project)."""
    spec = importlib.util.spec_from_file_location("monitor_replay", ROOT / "eval/speed/monitor_replay.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def base(tmp_path_factory, tiny_translator):
    """A store after a pass over the small replay (5 reports, 4 stories)."""
    replay, server, url = small_replay()
    folder = tmp_path_factory.mktemp("replay-eval")
    (folder / "feeds.txt").write_text(f"{url}/rss/alpha.xml\n{url}/atom/beta.xml\n", encoding="utf-8")
    store = Store.open(str(folder / "base.sqlite"))
    run_pass(store, read_feeds_file(str(folder / "feeds.txt")), Fetcher(QUICK.fetch), lambda: tiny_translator, QUICK)
    store.close()
    server.shutdown()
    return folder / "base.sqlite"


@pytest.mark.parametrize(("stored", "stories"), [(3, 4), (5, 4), (12, 12)])
def test_a_synthesized_store_holds_copies_ten_days_apart_with_new_ids(replay_script, base, tmp_path, stored,
                                                                       stories):
    out = tmp_path / "scale.sqlite"
    replay_script.synthesize_store(base, out, stored)
    with sqlite3.connect(out) as conn:
        rows = conn.execute("SELECT id, story, ts FROM reports ORDER BY rowid").fetchall()
        assert conn.execute("SELECT count(*) FROM stories").fetchone()[0] == stories
        assert conn.execute("SELECT value FROM meta WHERE key = 'documents'").fetchone()[0] == str(stored)
    assert len(rows) == stored and len({r[0] for r in rows}) == stored
    if stored > 5:
        assert (rows[0][0], rows[5][0]) == ("e1~0", "e1~1") and rows[5][2] - rows[0][2] == 10 * 86400
        assert rows[5][1] == rows[0][1] + 4  # the copy's own story
    store = Store.open(str(out), readonly=True)
    jordan = {r[0] for r in rows if r[0].split("~")[0] in ("c1", "urn:ant:d1")}
    assert {r["id"] for r in search_view(store, "الأردن", limit=100)["results"]} == jordan and jordan
    store.close()


def test_the_new_reports_are_the_latest_the_store_holds_no_copy_of_inside_the_window(replay_script, base,
                                                                                       tmp_path):
    store = tmp_path / "scale.sqlite"
    replay_script.synthesize_store(base, store, 3)  # the replay's first 3 reports: the other 2 are new to it
    articles = replay_script.new_articles(store, base, 2)
    with sqlite3.connect(base) as conn:
        held = conn.execute("SELECT max(ts) FROM reports WHERE rowid <= 3").fetchone()[0]
        new = conn.execute("SELECT id, text FROM reports WHERE rowid > 3 ORDER BY ts, rowid").fetchall()
    assert [a["id"] for a in articles] == [f"new-0-{new[0][0]}", f"new-1-{new[1][0]}"]
    assert all(a["time"] > dt.datetime.fromtimestamp(held, dt.timezone.utc).isoformat() for a in articles)
    assert [a["text"] == r[1] for a, r in zip(articles, new, strict=True)] == [False, True]  # a toll redrawn
    with pytest.raises(SystemExit, match="only 2 reports outside the store's window, 3 wanted"):
        replay_script.new_articles(store, base, 3)
