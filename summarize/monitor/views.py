"""What the monitor answers, as JSON-safe dicts: the stories of a period (the digest's JSON plus each story's stable
id, first, last and its new reports), search, alerts and the feeds' status. Read-only: the commands and the web
page share these functions."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mt.errors import InputError, InvalidOption
from summarize.digest.model import FORMAT_VERSION
from summarize.digest.reports import parse_time

if TYPE_CHECKING:
    from summarize.monitor.store import Store

MAX_LIMIT = 1000
MAX_QUERY_CHARS = 500
SNIPPET_WORDS = 12  # words either side of the first match


@dataclass(frozen=True)
class Period:
    """A span of time: reports from `since` up to `until` (epoch seconds, UTC)."""

    since: float
    until: float

    @classmethod
    def of(cls, since: str | None = None, until: str | None = None, hours: float | None = None,
           now: dt.datetime | None = None) -> Period:
        """The period the options ask for (default: the last 24 hours); InputError / InvalidOption if bad."""
        now = now or dt.datetime.now(dt.timezone.utc)
        if hours is not None and (isinstance(hours, bool) or not math.isfinite(hours) or not 0 < hours <= MAX_HOURS):
            raise InvalidOption("hours", hours, [f"a number of hours > 0, at most {MAX_HOURS:,} (100 years)"])
        if hours is not None and since is not None:
            raise InputError("--hours", "give --since or --hours, not both")
        end = _time("until", until) or now
        try:
            start = _time("since", since) or end - dt.timedelta(hours=hours or 24.0)
        except OverflowError:
            raise InputError("--hours", f"the period would begin before the year 1 (until {end.isoformat()})") from None
        if start > end:
            raise InputError("--since", f"{start.isoformat()} is after --until {end.isoformat()}")
        return cls(start.timestamp(), end.timestamp())

    def to_dict(self) -> dict[str, str | None]:
        """since and until as ISO 8601."""
        return {"since": _iso(self.since), "until": _iso(self.until)}


MAX_HOURS = 24 * 365 * 100


def _time(name: str, value: str | None) -> dt.datetime | None:
    try:
        parsed = parse_time(value)
    except ValueError as exc:
        raise InputError(f"--{name}", str(exc)) from None
    try:
        return None if parsed is None else parsed.astimezone(dt.timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in the year 0 in UTC
        raise InputError(f"--{name}", f"time {str(value)[:40]!r} is outside the years 1-9999 in UTC") from None


def _iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat()


def story_id(rowid: int | None) -> str | None:
    """The stable id of a stored story."""
    return f"story-{rowid}" if rowid else None


def stories_view(store: Store, period: Period) -> dict[str, Any]:
    """The stories with reports in the period, latest growth first: the digest's JSON, each story with its
    stable id, first and last (all its reports) and `new`: its reports of the period."""
    rows = store.conn.execute(
        "SELECT s.rowid, s.view, s.first, s.last, s.sentences FROM stories s WHERE s.view IS NOT NULL AND s.rowid IN "
        "(SELECT DISTINCT story FROM reports WHERE ts >= ? AND ts <= ? AND story > 0) ORDER BY s.last DESC, s.rowid "
        "DESC", (period.since, period.until)).fetchall()
    stories = []
    for rowid, view, first, last, _ in rows:
        story = json.loads(view)
        members = store.conn.execute("SELECT id, source, ts, duplicate_of FROM reports WHERE story = ? "
                                     "ORDER BY ts, rowid", (rowid,)).fetchall()
        story.update(id=story_id(rowid), first=_iso(first), last=_iso(last), reports=[m[0] for m in members],
                     sources=list(dict.fromkeys(m[1] for m in members if m[1])),
                     duplicates={m[0]: m[3] for m in members if m[3]},
                     new=[m[0] for m in members if period.since <= m[2] <= period.until],
                     alerts=[a[0] for a in store.conn.execute(
                         "SELECT DISTINCT a.term FROM alerts a JOIN reports r ON r.id = a.report WHERE r.story = ? "
                         "ORDER BY a.term", (rowid,))])
        stories.append(story)
    reports = store.conn.execute("SELECT count(*) FROM reports WHERE ts >= ? AND ts <= ?",
                                 (period.since, period.until)).fetchone()[0]
    signature = store.meta("signature")
    return {"version": FORMAT_VERSION, "store": store.meta("store_id"), **period.to_dict(), "stories": stories,
            "reports": reports, "failures": [],
            "signature": json.loads(signature) if signature else None, "encoder": store.meta("encoder", "none"),
            "sentences": sum(r[4] for r in rows), "translated": int(store.meta("translated", "0") or 0)}


def check_limit(limit: int) -> int:
    """The limit, or InvalidOption when it is not 1..MAX_LIMIT."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidOption("limit", limit, [f"an integer from 1 to {MAX_LIMIT}"])
    return limit


def search_view(store: Store, query: str, limit: int = 20) -> dict[str, Any]:
    """Reports whose Arabic (normalized, clitics off) or shown English holds every word of the query, newest
    first, each with its story and a snippet; InputError for a query with no word."""
    from summarize.monitor.shown import fts_query
    from summarize.monitor.store import search_terms

    check_limit(limit)
    if len(query) > MAX_QUERY_CHARS:
        raise InputError("query", f"{len(query):,} characters, at most {MAX_QUERY_CHARS}")
    terms = list(dict.fromkeys(search_terms(query)))
    if not terms:
        raise InputError("query", "no word to search for: give an Arabic or English word")
    rows = store.conn.execute(
        "SELECT r.id, r.title, r.source, r.time, r.url, r.story, r.text FROM search JOIN reports r "
        "ON r.rowid = search.rowid WHERE search MATCH ? ORDER BY r.ts DESC, r.rowid DESC LIMIT ?",
        (fts_query(terms), limit)).fetchall()
    return {"query": query, "results": [
        {"id": r[0], "title": r[1], "source": r[2], "time": r[3], "url": r[4], "story": story_id(r[5]),
         "snippet": snippet(f"{r[1]}\n{r[6]}", set(terms))} for r in rows]}


def snippet(text: str, terms: set[str]) -> str:
    """The words around the first word of text that matches one of the search terms."""
    from summarize.monitor.store import search_terms

    words = text.split()
    hit = next((i for i, w in enumerate(words) if set(search_terms(w)) & terms), 0)
    start = max(0, hit - SNIPPET_WORDS)
    part = " ".join(words[start:hit + SNIPPET_WORDS + 1])
    return ("… " if start else "") + part + (" …" if hit + SNIPPET_WORDS + 1 < len(words) else "")


def alerts_view(store: Store, since: float | None = None) -> dict[str, Any]:
    """Every report that matched a watch-list term (since a time), newest first."""
    rows = store.conn.execute(
        "SELECT a.term, a.report, r.story, r.time, r.title, r.source, r.url FROM alerts a JOIN reports r "
        "ON r.id = a.report WHERE r.ts >= ? ORDER BY r.ts DESC, a.term", (since or 0.0,)).fetchall()
    return {"alerts": [{"term": r[0], "report": r[1], "story": story_id(r[2]), "time": r[3], "title": r[4],
                        "source": r[5], "url": r[6]} for r in rows]}


def status_view(store: Store) -> dict[str, Any]:
    """Each feed's URL, source, last success, last error and counts; what the store holds and its size."""
    import os

    from summarize.monitor.store import SCHEMA_VERSION

    rows = store.conn.execute("SELECT url, source, title, last_ok, last_try, error, items, fetches, not_modified, "
                              "failures FROM feeds ORDER BY url").fetchall()
    keys = ("url", "source", "title", "last_ok", "last_try", "error", "items", "fetches", "not_modified", "failures")
    pending = store.conn.execute("SELECT count(*) FROM reports WHERE page = 'pending'").fetchone()[0]
    size = sum(os.path.getsize(p) for p in (store.path, store.path + "-wal") if os.path.exists(p))
    return {"feeds": [dict(zip(keys, r, strict=True)) for r in rows], "counts": store.counts(),
            "pages_pending": pending, "schema": SCHEMA_VERSION, "bytes": size}


KINDS = ("stories", "search", "alerts", "status")


@dataclass(frozen=True)
class MonitorView:
    """One of the monitor's answers: its kind (one of KINDS) and its JSON-safe data (summarize.views renders it)."""

    kind: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-safe data."""
        return self.data


def answer(store: Store, kind: str, period: Period | None = None, query: str = "", limit: int = 20,
           since: float | None = None) -> MonitorView:
    """The view of that kind (period: stories; query and limit: search; since: alerts) — what the commands and
    the server answer."""
    if kind == "stories":
        data = stories_view(store, period or Period.of())
    elif kind == "search":
        data = search_view(store, query, limit)
    elif kind == "alerts":
        data = alerts_view(store, since)
    elif kind == "status":
        data = status_view(store)
    else:
        raise InvalidOption("view", kind, KINDS)
    return MonitorView(kind, data)
