"""`mtbrief monitor run|stories|search|alerts|status` (entry point `mtbrief.commands: monitor`).

Exit codes of `run`: 0 every feed read, 1 some feeds or items failed (one stderr line each; the others were read),
2 a whole-run problem (a bad --db, an unreadable or empty --feeds or --watch, a bad option).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from mt.errors import InvalidOption
from summarize.digest.grouping import ENCODERS
from summarize.views.monitor import FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `monitor` command and its subcommands."""
    p = subparsers.add_parser("monitor", help="follow Arabic news feeds: stories that grow, alerts, search")
    sub = p.add_subparsers(dest="action", required=True)
    _register_run(sub)
    q = sub.add_parser("stories", help="the stories with reports in a period (default: the last 24 hours)")
    _db(q)
    q.add_argument("--since", default=None, help="ISO 8601 time (default: --hours before --until)")
    q.add_argument("--until", default=None, help="ISO 8601 time (default: now)")
    q.add_argument("--hours", type=float, default=None, help="the period's length (default: 24)")
    _output(q, "stories")
    q.set_defaults(func=run_view)
    q = sub.add_parser("search", help="reports whose Arabic or shown English holds the query, newest first")
    _db(q)
    q.add_argument("query", metavar="QUERY", help="Arabic or English words (all must match)")
    q.add_argument("--limit", type=int, default=20, help="most results (default: %(default)s)")
    _output(q, "search")
    q.set_defaults(func=run_view)
    q = sub.add_parser("alerts", help="reports that matched a watch-list term")
    _db(q)
    q.add_argument("--since", default=None, help="ISO 8601 time (default: every alert)")
    _output(q, "alerts")
    q.set_defaults(func=run_view)
    q = sub.add_parser("status", help="each feed's last success, last error and counts")
    _db(q)
    _output(q, "status")
    q.set_defaults(func=run_view)


def _db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="the monitor's SQLite store")


def _output(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument("--format", default="md", choices=FORMATS[kind])
    parser.add_argument("-o", "--output", default=None, help="output file, written atomically (default: stdout)")
    parser.set_defaults(kind=kind)


def _register_run(sub: argparse._SubParsersAction) -> None:
    from mt.cli import add_model_options
    from mt.memory.options import add_glossary_options

    q = sub.add_parser("run", help="read the feeds once (--once) or every --every seconds until stopped")
    _db(q)
    q.add_argument("--feeds", required=True, metavar="FILE",
                   help="one feed a line: its URL, then optionally a space and a source name; # comments")
    when = q.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one pass over every feed, then exit (cron, timers)")
    when.add_argument("--every", type=float, default=600.0, help="seconds between passes (default: %(default)s)")
    q.add_argument("--timeout", type=float, default=10.0,
                   help="seconds a feed or page may stay silent (a whole request: 3 times that; default: %(default)s)")
    q.add_argument("--watch", default=None, metavar="FILE", help="alert terms, Arabic or English, one a line")
    q.add_argument("--window", type=float, default=48.0,
                   help="hours within which a follow-up joins its story (default: %(default)s; 0: no bound)")
    q.add_argument("--encoder", default="auto", choices=ENCODERS,
                   help="what compares reports: the sentence encoder (use) blended with TF-IDF, TF-IDF alone, or "
                        "auto: the encoder when installed")
    q.add_argument("--no-check", action="store_true", help="skip the quality flags of the shown English")
    add_model_options(q)
    add_glossary_options(q)
    q.set_defaults(func=run_monitor)


def monitor_options(args: argparse.Namespace):
    """MonitorOptions from the command line; InvalidOption for a bad value (before anything is read)."""
    from dataclasses import replace

    from summarize.cli import window_hours
    from summarize.digest.make import DigestOptions
    from summarize.monitor.feeds import FetchOptions
    from summarize.monitor.run import MonitorOptions

    window = window_hours(args.window)
    if not args.once and not (math.isfinite(args.every) and 1 <= args.every <= 7 * 86400):
        raise InvalidOption("every", args.every, ["seconds from 1 to 604800"])
    if not (math.isfinite(args.timeout) and 0.1 <= args.timeout <= 600):
        raise InvalidOption("timeout", args.timeout, ["seconds from 0.1 to 600"])
    digest = DigestOptions(check=not args.no_check)
    grouping = replace(digest.grouping, window_hours=window, encoder=args.encoder)
    fetch = FetchOptions(connect_timeout=min(args.timeout, 5.0), read_timeout=args.timeout, deadline=3 * args.timeout)
    return MonitorOptions(replace(digest, grouping=grouping), fetch)


def check_model_folder(model: str, revision: str | None) -> None:
    """A --model that names a folder is checked before any fetch (a preset or hub id is found when a pass first
    has something to translate: an idle monitor needs no model)."""
    import os

    from mt.models import resolve_model

    if model.startswith((".", "/", "~")) or os.path.exists(model):
        resolve_model(model, revision)


def run_monitor(args: argparse.Namespace) -> int:
    """Check everything, then run passes; the model loads only when something new is to be translated."""
    from mt.cli import translator_from_args
    from summarize.monitor.feeds import read_feeds_file, read_watch_file
    from summarize.monitor.run import monitor_loop
    from summarize.monitor.store import Store, writer_lock

    options = monitor_options(args)
    read_feeds_file(args.feeds)  # an unreadable or empty feeds file fails now, not after a pass
    watch = read_watch_file(args.watch) if args.watch else []
    check_model_folder(args.model, args.revision)
    loaded: list[Any] = []

    def translator():
        """The Translator, loaded on first use (an idle pass never loads it)."""
        if not loaded:
            loaded.append(translator_from_args(args))
        return loaded[0]

    with writer_lock(args.db):
        store = Store.open(args.db)
        try:
            return monitor_loop(store, lambda: read_feeds_file(args.feeds), translator, options, watch,
                                None if args.once else args.every, args.quiet)
        finally:
            store.close()


def run_view(args: argparse.Namespace) -> int:
    """Answer one view from the store, written atomically."""
    from mt.outputs import check_output_path
    from mt.textio import write_output
    from summarize.monitor.store import Store
    from summarize.monitor.views import Period, answer
    from summarize.views import render

    check_output_path(args.output, [args.db, *(args.db + end for end in ("-wal", "-shm", ".lock"))])
    period = Period.of(args.since, args.until, args.hours) if args.kind == "stories" else Period(0.0, 0.0)
    since = Period.of(args.since).since if args.kind == "alerts" and args.since else None
    store = Store.open(args.db, readonly=True)
    try:
        view = answer(store, args.kind, period, getattr(args, "query", ""), getattr(args, "limit", 20), since)
    finally:
        store.close()
    write_output(args.output, render(view, args.format))
    return 0
