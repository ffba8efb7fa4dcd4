"""`mtbrief monitor run` on a replay of ANT dev days: stories that grow with stable ids, an idle pass that costs
nothing, a SIGKILLed pass that the next run finishes as if nothing happened, broken feeds, SIGTERM. Translations
come from the tiny random-weight model (gibberish: counted, never judged)."""

from __future__ import annotations

import csv
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile import ROOT
from monitor_helpers import CATEGORIES, QUICK, WITH_ENCODER, ant_available, counting_translator, end_of, small_replay

from eval.summaries.feed_replay import Replay, feeds_file, load_articles, serve
from summarize.monitor.feeds import Fetcher, read_feeds_file
from summarize.monitor.run import run_pass
from summarize.monitor.store import Store
from summarize.monitor.views import Period, status_view, stories_view

pytestmark = pytest.mark.skipif(not ant_available(), reason="needs ../shared/data/ant-dev (the shared ANT dev data)")
QUICK_ARGS = ["--encoder", "tfidf", "--no-check", "--timeout", "1", "-q"]


@pytest.fixture(scope="module")
def ant():
    """ANT dev 1-2 March (middle East and international news) served as five outlets' feeds."""
    articles = [a for a in load_articles(categories=CATEGORIES) if a["date"] in ("20180301", "20180302")]
    replay = Replay(articles)
    server, base = serve(replay)
    yield replay, base, articles
    server.shutdown()


def members(store: Store) -> dict[str, list[str]]:
    """Each story's id and its reports, as the stories view gives them."""
    view = stories_view(store, Period.of(since="2018-01-01T00:00:00Z", until="2019-01-01T00:00:00Z"))
    return {s["id"]: s["reports"] for s in view["stories"]}


def test_stories_grow_across_days_with_stable_ids_and_an_idle_pass_costs_nothing(ant, tiny_translator, tmp_path):
    replay, base, articles = ant
    (tmp_path / "feeds.txt").write_text(feeds_file(base), encoding="utf-8")
    feeds = read_feeds_file(str(tmp_path / "feeds.txt"))
    store, fetcher = Store.open(str(tmp_path / "m.sqlite")), Fetcher(QUICK.fetch)
    translator, counting = counting_translator(tiny_translator)
    replay.until = end_of(1)
    first = run_pass(store, feeds, fetcher, lambda: translator, QUICK)
    day1 = members(store)
    replay.until = end_of(2)
    second = run_pass(store, feeds, fetcher, lambda: translator, QUICK)
    day2 = members(store)
    assert (first.problems, second.problems) == ([], [])
    assert first.new_reports == sum(a["date"] == "20180301" for a in articles) == 86
    assert second.new_reports == 87 and first.translated + second.translated == counting.sentences > 0
    assert all(set(reports) <= set(day2[sid]) for sid, reports in day1.items())  # a story keeps its id
    assert any(len(day2[sid]) > len(reports) for sid, reports in day1.items())  # ... and grows on the next day
    bbc = store.conn.execute("SELECT id, text, page FROM reports WHERE source = 'BBC' LIMIT 1").fetchone()
    assert bbc[2] == "page" and bbc[1].split() == replay.by_id[bbc[0]]["text"].split()  # the page, not the abstract
    decoded, asked = counting.sentences, len(replay.requests)
    idle = run_pass(store, feeds, fetcher, lambda: translator, QUICK)
    assert (idle.new_reports, idle.translated, idle.not_modified, counting.sentences) == (0, 0, 5, decoded)
    assert [r[1] is not None and r[2] is not None for r in replay.requests[asked:]] == [True] * 5
    fetcher.close()


def _bcubed_f1(store: Store, gold: dict[str, str]) -> float:
    from eval.summaries.grouping import score

    predicted = {i.removeprefix("urn:ant:"): s for i, s in store.conn.execute("SELECT id, story FROM reports")}
    return score({k: predicted[k] for k in gold}, gold, draws=1)["f1"]


@pytest.mark.slow
def test_the_encoders_grouping_of_two_replayed_days_scores_as_the_digest_does(ant, tiny_translator, tmp_path):
    replay, base, _ = ant
    with (ROOT / "eval/data/ant-dev-stories-0301-0302.tsv").open(encoding="utf-8") as f:
        gold = {row["id"]: row["story"] for row in csv.DictReader(f, delimiter="\t")}
    (tmp_path / "feeds.txt").write_text(feeds_file(base), encoding="utf-8")
    store, fetcher = Store.open(str(tmp_path / "m.sqlite")), Fetcher(QUICK.fetch)
    for day in (1, 2):
        replay.until = end_of(day)
        run_pass(store, read_feeds_file(str(tmp_path / "feeds.txt")), fetcher, lambda: tiny_translator, WITH_ENCODER)
    assert store.meta("encoder") == "use"
    assert _bcubed_f1(store, gold) >= 0.88  # development figure: the grouping's defaults were tuned on these days
    fetcher.close()


def monitor(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """`mtbrief monitor ARGS` in a fresh process."""
    return subprocess.Popen([sys.executable, "-m", "mt.cli", "monitor", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT)


def kill_when(proc: subprocess.Popen, db: Path, query: str, timeout: float = 300) -> bool:
    """SIGKILL the process as soon as the store answers query with a count > 0; False if it ended first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if count(db, query) > 0:
            proc.kill()
            proc.wait()
            return True
        time.sleep(0.02)
    proc.wait()
    return False


def count(db: Path, query: str) -> int:
    """A count from the store (0 while it is not made yet)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as conn:
            return conn.execute(query).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is being made
        return 0


def snapshot(db: Path) -> dict[str, list]:
    """What a store holds, times of fetching left out; vectors apart (see vectors_alike)."""
    with sqlite3.connect(db) as conn:
        return {"reports": conn.execute("SELECT rowid, id, story, duplicate_of, text, page, terms FROM reports "
                                        "ORDER BY rowid").fetchall(),
                "stories": conn.execute("SELECT rowid, first, last, size, view, dirty FROM stories "
                                        "ORDER BY rowid").fetchall(),
                "shown": conn.execute("SELECT arabic, english FROM shown ORDER BY arabic").fetchall(),
                "feeds": conn.execute("SELECT url, etag, items FROM feeds ORDER BY url").fetchall(),
                "search": conn.execute("SELECT rowid, title, body, english FROM search ORDER BY rowid").fetchall()}


def vectors_alike(a: Path, b: Path) -> bool:
    """The reports' vectors of two stores agree to 1e-6: the encoder's floats differ in their last
    bits with the batch a text was encoded in (a rerun encodes the reports a killed pass left, fewer at once)."""
    import numpy as np

    def vectors(db: Path) -> list[np.ndarray]:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT vector FROM reports").fetchall()
        return [np.frombuffer(r[0] or b"", dtype=np.float32) for r in rows]

    return all(x.shape == y.shape and np.allclose(x, y, atol=1e-6) for x, y in zip(vectors(a), vectors(b),
                                                                                strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("encoder", ["tfidf", "use"])
def test_a_sigkilled_pass_then_a_rerun_gives_what_an_uninterrupted_pass_gives(ant, tiny_model_env, tmp_path, encoder):
    replay, base, _ = ant
    replay.until = end_of(1)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feeds_file(base), encoding="utf-8")
    args = ["run", "--feeds", str(feeds), "--once", *QUICK_ARGS, "--encoder", encoder]
    whole = tmp_path / "whole.sqlite"
    proc = monitor([*args, "--db", str(whole)], tiny_model_env)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()
    killed = tmp_path / "killed.sqlite"
    stages = ["SELECT count(*) FROM reports WHERE story IS NOT NULL",  # while placing reports in stories
              "SELECT count(*) FROM stories WHERE dirty = 0"]  # while storing the stories' views
    for query in stages:
        assert kill_when(monitor([*args, "--db", str(killed)], tiny_model_env), killed, query), query
    proc = monitor([*args, "--db", str(killed)], tiny_model_env)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()
    assert snapshot(killed) == snapshot(whole) and vectors_alike(killed, whole)
    assert len(snapshot(whole)["reports"]) == 86


def test_broken_feeds_are_named_recorded_in_status_and_the_others_read(tiny_model_env, tmp_path):
    replay, server, base = small_replay()
    replay.failing_pages.add("c1")
    closed = "http://127.0.0.1:9/feed.xml"  # the discard port: nothing listens there
    broken = [f"{base}/broken/{what}" for what in ("404", "xml", "html", "binary", "huge", "charset", "hang")]
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("\n".join([f"{base}/rss/alpha.xml", f"{base}/atom/beta.xml", *broken, closed]) + "\n",
                     encoding="utf-8")
    db = tmp_path / "m.sqlite"
    args = ["run", "--db", str(db), "--feeds", str(feeds), "--once", *QUICK_ARGS]
    started = time.monotonic()
    proc = monitor(args, tiny_model_env)
    _, err = proc.communicate(timeout=300)
    lines = err.decode().splitlines()
    assert proc.returncode == 1 and "Traceback" not in err.decode()
    expected = {"404": "HTTP 404 Not Found", "html": r"not an RSS or Atom feed \(text/html\)",
                "xml": r"broken XML: kept the 1 item\(s\) read before it.*; item 1: no guid", "hang": "timed out",
                "binary": "binary body", "huge": "more than the 10,000,000 allowed",
                "charset": "bad charset: unknown charset 'x-no-such-charset'"}
    for what, problem in expected.items():
        named = [line for line in lines if f"{base}/broken/{what}:" in line]
        assert len(named) == 1 and re.search(problem, named[0]), (what, lines)
    assert sum(closed in line and "cannot connect" in line for line in lines) == 1
    assert sum("item c1: article page" in line and "500" in line for line in lines) == 1
    assert time.monotonic() - started < 120
    store = Store.open(str(db), readonly=True)
    status = {f["url"]: f for f in status_view(store)["feeds"]}
    assert status[f"{base}/broken/404"]["error"] == "HTTP 404 Not Found" and status[closed]["last_ok"] is None
    assert status[f"{base}/rss/alpha.xml"]["items"] == 3 and status[f"{base}/atom/beta.xml"]["error"] is None
    kept = store.conn.execute("SELECT text, page FROM reports WHERE id = 'c1'").fetchone()
    assert kept == ("وصل الملك إلى عمان والأردن يستعد للقمة.", "pending")  # the feed's text, fetched again later
    store.close()
    replay.failing_pages.clear()
    proc = monitor(args, tiny_model_env)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "item c1" not in err.decode()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT page FROM reports WHERE id = 'c1'").fetchone() == ("page",)
    server.shutdown()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_loop_with_exit_0(tiny_model_env, tmp_path, sig):
    replay, server, base = small_replay()
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{base}/rss/alpha.xml\n{base}/atom/beta.xml\n", encoding="utf-8")
    db = tmp_path / "m.sqlite"
    proc = monitor(["run", "--db", str(db), "--feeds", str(feeds), "--every", "2", *QUICK_ARGS], tiny_model_env)
    deadline = time.monotonic() + 300
    while count(db, "SELECT count(*) FROM stories WHERE dirty = 0") < 4:  # the first pass is done
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 0
    with sqlite3.connect(db) as conn:
        assert json.loads(conn.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()[0])["model"]
    server.shutdown()
