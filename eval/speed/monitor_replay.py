"""The monitor on a replay of the ten ANT dev days (1-10 March 2018, all 1,291 articles, five outlets' feeds on
127.0.0.1: three as RSS with the article behind the link, two as Atom with the full text), in passes of one hour
(240 passes), then the cost of one pass of 20 new reports over 200, 2,000 and 20,000 stored ones.

Reported: B-cubed of the monitor's stories against the labelled days (1-2 and 5-6 March: DEVELOPMENT figures,
the grouping's defaults were chosen on them; 8-9 March and 4 + 10 March: untuned), sentences sent to the
translator, time and peak memory per pass. Translation uses the tiny random-weight test model (its speed is not
a real model's: the time spent translating is reported apart, and the target is the pass's time besides it).
The stored reports of the scale runs are the replay's store copied k times with new ids, ten days later each
copy (as the outlets' next days would be); the 20 new reports are ANT articles of which the store holds no copy
inside the window, under new ids after the newest stored report. Each
scale size runs in its own process (its peak memory is its own).
Saves eval/results/monitor-replay-<days>days-<date>.json (monitor-scale-<date>.json with --base).

    .venv/bin/python eval/speed/monitor_replay.py [--days 10] [--sizes 200,2000,20000] [--check]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eval.results import RESULTS, save_results  # noqa: E402 - importable once the checkout is on the path

GOLD = {days: ROOT / f"eval/data/ant-dev-stories-{days}.tsv" for days in ("0301-0302", "0305-0306", "0308-0309",
                                                                        "0304-0310")}
NEW_REPORTS = 20


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM), in MiB."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


class TimedTranslator:
    """A translator that keeps the time spent in translate_batch and the segments it was sent."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.seconds, self.segments = inner, 0.0, 0
        self.signature = inner.signature

    def translate_batch(self, texts: list[str], *args: Any, **kwargs: Any) -> Any:
        """The inner translator's answer, timed."""
        started = time.perf_counter()
        out = self.inner.translate_batch(texts, *args, **kwargs)
        self.seconds += time.perf_counter() - started
        self.segments += sum(len(t.segments) for t in out)
        return out


def tiny_translator(folder: Path) -> TimedTranslator:
    """The tiny random-weight Marian model (built once under folder), timed."""
    from mt import Translator
    from mt.testing import build_tiny_marian

    model = folder / "tiny-marian"
    if not (model / "config.json").exists():
        build_tiny_marian(model)
    return TimedTranslator(Translator.load(str(model), engine="ctranslate2", device="cpu"))


def options(check: bool):
    """The monitor's default options (the encoder's grouping), the quality check on or off."""
    from summarize.digest.make import DigestOptions
    from summarize.monitor.run import MonitorOptions

    return MonitorOptions(DigestOptions(check=check))


def bcubed(db: Path) -> dict[str, Any]:
    """B-cubed of the store's stories against each labelled pair of days."""
    from eval.summaries.grouping import TUNED_ON, score

    with sqlite3.connect(db) as conn:
        predicted = {i.removeprefix("urn:ant:"): s for i, s in conn.execute("SELECT id, story FROM reports")}
    out = {}
    for name, path in GOLD.items():
        with path.open(encoding="utf-8") as f:
            gold = {row["id"]: row["story"] for row in csv.DictReader(f, delimiter="\t") if row["id"] in predicted}
        if not gold:  # days not replayed
            continue
        out[name] = score({k: predicted[k] for k in gold}, gold, draws=200)
        out[name]["note"] = ("development figure: the grouping's defaults were chosen on these days"
                             if path.name in TUNED_ON else "untuned: not used to choose the grouping's defaults")
    return out


def replay_days(folder: Path, days: int, check: bool) -> tuple[dict[str, Any], Path]:
    """Hourly passes over the days; per-pass figures and the store."""
    from eval.summaries.feed_replay import Replay, feeds_file, load_articles, serve
    from summarize.monitor.feeds import Fetcher, read_feeds_file
    from summarize.monitor.run import run_pass
    from summarize.monitor.store import Store

    articles = [a for a in load_articles() if int(a["date"][-2:]) <= days]
    replay = Replay(articles)
    server, base = serve(replay)
    (folder / "feeds.txt").write_text(feeds_file(base), encoding="utf-8")
    db = folder / "replay.sqlite"
    store, fetcher = Store.open(str(db)), Fetcher()
    translator = tiny_translator(folder)
    passes: list[dict[str, Any]] = []
    start = dt.datetime(2018, 3, 1, tzinfo=dt.timezone.utc)
    for hour in range(24 * days):
        replay.until = start + dt.timedelta(hours=hour + 1)
        before = (translator.seconds, translator.segments)
        began = time.perf_counter()
        result = run_pass(store, read_feeds_file(str(folder / "feeds.txt")), fetcher, lambda: translator,
                          options(check))
        seconds = time.perf_counter() - began
        passes.append({"until": replay.until.isoformat(), "new": result.new_reports, "seconds": round(seconds, 2),
                       "translate_seconds": round(translator.seconds - before[0], 2),
                       "translated": translator.segments - before[1], "stories_updated": result.refreshed,
                       "problems": len(result.problems), "peak_rss_mb": round(peak_rss_mb(), 1)})
        if result.new_reports:
            print(f"  {replay.until:%m-%d %H}h: {result.summary()} in {seconds:.1f} s", flush=True)
    counts = store.counts()
    store.close()
    fetcher.close()
    server.shutdown()
    busy = [p for p in passes if p["new"]]
    return {"articles": len(articles), "passes": len(passes), "passes_with_new_reports": len(busy),
            "translated": translator.segments, "translate_seconds": round(translator.seconds, 1),
            "seconds": round(sum(p["seconds"] for p in passes), 1),
            "idle_pass_seconds_max": max((p["seconds"] for p in passes if not p["new"]), default=0.0),
            "busy_pass_seconds_max": max((p["seconds"] for p in busy), default=0.0),
            "peak_rss_mb": round(peak_rss_mb(), 1), "store": counts, "store_bytes": db.stat().st_size,
            "bcubed": bcubed(db), "per_pass": passes}, db


def synthesize_store(base: Path, out: Path, stored: int) -> None:
    """A store of `stored` reports: the replay's store copied as many times as needed, each copy with new ids and
    ten days later than the one before (stories, vectors, words, sentences, search rows and translations come along)."""
    from summarize.monitor.store import Store

    Store.open(str(out)).close()
    shift = 10 * 86400
    conn = sqlite3.connect(out)
    conn.execute("ATTACH DATABASE ? AS base", (str(base),))
    n_reports = conn.execute("SELECT max(rowid) FROM base.reports").fetchone()[0]
    n_stories = conn.execute("SELECT max(rowid) FROM base.stories").fetchone()[0]
    with conn:
        copies = -(-stored // n_reports)
        for k in range(copies):
            limit = min(n_reports, stored - k * n_reports)
            conn.execute("INSERT INTO stories SELECT rowid + ?, first + ?, last + ?, size, 0, "
                         "view, sentences, grown FROM base.stories", (k * n_stories, k * shift, k * shift))
            conn.execute(
                "INSERT INTO reports SELECT rowid + ?, id || '~' || ?, feed, source, url, title, text, "
                "strftime('%Y-%m-%dT%H:%M:%S+00:00', ts + ?, 'unixepoch'), ts + ?, fetched, page, NULL, story + ?, "
                "CASE WHEN duplicate_of IS NULL THEN NULL ELSE duplicate_of || '~' || ? END, textkey, vector, terms, "
                "1, sentences, page_tries FROM base.reports WHERE rowid <= ?",
                (k * n_reports, k, k * shift, k * shift, k * n_stories, k, limit))
            conn.execute("INSERT INTO search(rowid, title, body, english) SELECT rowid + ?, title, body, english "
                         "FROM base.search WHERE rowid <= ?", (k * n_reports, limit))
        conn.execute("INSERT INTO df SELECT term, n * ? FROM base.df", (copies,))
        conn.execute("INSERT INTO shown SELECT * FROM base.shown")
        conn.execute("INSERT OR REPLACE INTO meta SELECT * FROM base.meta WHERE key != 'store_id'")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'documents'", (str(stored),))
    conn.execute("DETACH DATABASE base")
    conn.close()


def new_articles(stored_db: Path, base_db: Path, count: int = NEW_REPORTS) -> list[dict[str, Any]]:
    """`count` reports new to the store: the replay's (base_db) latest articles that the store holds no copy of
    inside the grouping window before its newest report — so none is a copy of a report it can meet, and each is
    placed on its merits (joining a running story, or starting one) —, under new ids in the hour after the newest
    stored report, their digits redrawn (texts unlike any the store has translated)."""
    import random
    import re

    from summarize.digest.similarity import GroupOptions

    window = GroupOptions().window_seconds or 0.0
    with sqlite3.connect(stored_db) as conn:
        newest = conn.execute("SELECT max(ts) FROM reports").fetchone()[0]
        near = {r[0].split("~")[0] for r in conn.execute("SELECT id FROM reports WHERE ts >= ?", (newest - window,))}
    with sqlite3.connect(base_db) as conn:
        rows = conn.execute("SELECT id, source, title, text, url FROM reports ORDER BY ts DESC, rowid DESC").fetchall()
    rows = [r for r in rows if r[0] not in near][:count]
    if len(rows) < count:
        raise SystemExit(f"{base_db}: only {len(rows)} reports outside the store's window, {count} wanted")
    rng = random.Random(0)
    chosen = [{"id": i, "source": s, "title": t, "text": x, "url": u, "abstract": x.split("\n")[0]}
              for i, s, t, x, u in reversed(rows)]
    out = []
    for n, article in enumerate(chosen):
        when = dt.datetime.fromtimestamp(newest + 60 + n * 3000 / count, dt.timezone.utc)
        redraw = lambda text: re.sub(r"\d", lambda _: str(rng.randrange(10)), text)  # noqa: E731
        out.append({**article, "id": f"new-{n}-{article['id']}", "time": when.isoformat(),
                    "text": redraw(article["text"]), "abstract": redraw(article.get("abstract") or "")})
    return out


def scale_one(base: Path, stored: int, check: bool) -> dict[str, Any]:
    """Two passes of NEW_REPORTS new reports each over a store of `stored` (in its own process): the first as a
    `--once` pass from cron pays it (imports, the encoder's load), the second as a `--every` loop's next pass."""
    from eval.summaries.feed_replay import Replay, feeds_file, serve
    from summarize.monitor.feeds import Fetcher, read_feeds_file
    from summarize.monitor.run import run_pass
    from summarize.monitor.store import Store

    folder = Path(tempfile.mkdtemp(prefix="mtbrief-monitor-scale-"))
    db = folder / "scale.sqlite"
    synthesize_store(base, db, stored)
    articles = new_articles(db, base, 2 * NEW_REPORTS)
    replay = Replay(articles)
    server, url = serve(replay)
    (folder / "feeds.txt").write_text(feeds_file(url), encoding="utf-8")
    translator = tiny_translator(base.parent)
    store, fetcher = Store.open(str(db)), Fetcher()
    stored_now = store.conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    out: dict[str, Any] = {"stored": stored_now, "store_bytes": db.stat().st_size}
    for name, last in (("cold", NEW_REPORTS - 1), ("warm", 2 * NEW_REPORTS - 1)):
        replay.until = dt.datetime.fromisoformat(articles[last]["time"])
        before = (translator.seconds, translator.segments)
        began = time.perf_counter()
        result = run_pass(store, read_feeds_file(str(folder / "feeds.txt")), fetcher, lambda: translator,
                          options(check))
        seconds = time.perf_counter() - began
        spent = translator.seconds - before[0]
        out[name] = {"stored_before": stored_now, "new": result.new_reports, "seconds": round(seconds, 2),
                     "translate_seconds": round(spent, 2), "seconds_besides_translation": round(seconds - spent, 2),
                     "translated": translator.segments - before[1], "stories_updated": result.refreshed,
                     "problems": result.problems, "peak_rss_mb": round(peak_rss_mb(), 1)}
        stored_now += result.new_reports
    store.close()
    fetcher.close()
    server.shutdown()
    return out


def main(argv: list[str] | None = None) -> int:
    """Replay the days, run the scale passes in their own processes, print and save the figures."""
    from eval.shared_data import ANT_ARTICLES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=10, help="March days replayed (default: %(default)s)")
    parser.add_argument("--sizes", default="200,2000,20000", help="stored reports of the scale passes")
    parser.add_argument("--check", action="store_true",
                        help="quality-check the shown English (off by default: the random model's long gibberish "
                             "makes the check's cost unlike a real model's)")
    parser.add_argument("--scale-one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, default=None,
                        help="a replay's store: run only the scale passes over copies of it")
    args = parser.parse_args(argv)
    if not ANT_ARTICLES.is_file():
        print(f"skipped: {ANT_ARTICLES} not found (the shared ANT dev data)")
        return 0
    load_at_start = os.getloadavg()  # the machine may be shared: the load beside the figures
    if args.scale_one is not None:
        print(json.dumps(scale_one(args.base, args.scale_one, args.check)))
        return 0
    if args.base is None:
        folder = Path(tempfile.mkdtemp(prefix="mtbrief-monitor-replay-"))
        print(f"replaying {args.days} days in hourly passes (store under {folder})", flush=True)
        replay, db = replay_days(folder, args.days, args.check)
        for name, s in replay["bcubed"].items():
            print(f"B-cubed {name}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} ({s['note']})")
        print(f"{replay['articles']} reports, {replay['translated']} segments translated, {replay['seconds']} s in "
              f"all, peak {replay['peak_rss_mb']} MiB, store {replay['store_bytes']:,} bytes")
    else:  # the scale passes alone, over copies of a replay's store
        replay, db = {"base": str(args.base)}, args.base
    scale = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        command = [sys.executable, __file__, "--scale-one", str(size), "--base", str(db)] + ["--check"] * args.check
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
        scale.append(json.loads(done.stdout.strip().splitlines()[-1]))
        for name in ("cold", "warm"):
            s = scale[-1][name]
            print(f"{name} pass of {s['new']} new over {s['stored_before']:,} stored: {s['seconds']} s "
                  f"({s['seconds_besides_translation']} s besides translating {s['translated']} segments), "
                  f"peak {s['peak_rss_mb']} MiB", flush=True)
    results = {"date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
               "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg(),
               "translation": "tiny random-weight test model: its speed and its English are not a real model's",
               "check": args.check, "replay": replay, "scale": scale}
    kind = f"replay-{args.days}days" if args.base is None else "scale"
    out = save_results(RESULTS / f"monitor-{kind}-{dt.date.today().isoformat()}.json", results)
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
