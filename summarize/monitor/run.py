"""A monitor pass: fetch every feed (conditionally, in parallel, bounded), store the new items with the feed's new
state in one transaction, fetch again the pages that failed before, place new reports in stories, show what grew
(translating only what the store lacks), match the watch list. `monitor_loop` runs passes until SIGINT/SIGTERM,
which let the current item finish.

Crash safety: nothing is written before a feed's items are all read; a feed's items and its ETag are one
transaction (killed before it, the feed is asked again without the ETag and its items come again); each placement
and each story view is its own transaction; translations are stored before they are used.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mt.errors import InputError, printable
from summarize.digest.make import DigestOptions
from summarize.digest.reports import MAX_REPORT_CHARS
from summarize.monitor.feeds import (
    FeedSpec,
    Fetcher,
    FetchError,
    FetchOptions,
    Item,
    ParsedFeed,
    article_text,
    host_of,
    parse_feed,
)
from summarize.monitor.store import Store, index_text

PAGE_RETRIES = 50  # pages that failed before, fetched again per pass (the least tried, then the newest, first)
PAGE_TRIES = 5  # a page failing this many passes is given up: its report keeps the feed's text


@dataclass(frozen=True)
class MonitorOptions:
    """What a pass does besides fetching: how it groups and shows, and how it fetches."""

    digest: DigestOptions = DigestOptions()
    fetch: FetchOptions = FetchOptions()


@dataclass
class PassResult:
    """What one pass did, and the problems it met (one stderr line each)."""

    feeds: int = 0
    not_modified: int = 0
    new_reports: int = 0
    placed: int = 0
    refreshed: int = 0
    translated: int = 0
    alerts: int = 0
    problems: list[str] = field(default_factory=list)
    stopped: bool = False

    def summary(self) -> str:
        """One line for the log."""
        return (f"{self.feeds} feeds read ({self.not_modified} unchanged), {self.new_reports} new reports, "
                f"{self.refreshed} stories updated, {self.translated} sentences translated, {self.alerts} alerts, "
                f"{len(self.problems)} problems" + (" (stopped)" if self.stopped else ""))


@dataclass
class FeedFetch:
    """One feed's answer in a pass."""

    spec: FeedSpec
    status: int = 0
    parsed: ParsedFeed | None = None
    etag: str | None = None
    modified: str | None = None
    error: str | None = None
    pages: dict[str, str | FetchError] = field(default_factory=dict)  # item id -> article text or its failure


def now_iso() -> str:
    """The time now, UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def fetch_feed(fetcher: Fetcher, spec: FeedSpec, etag: str | None, modified: str | None) -> FeedFetch:
    """GET and parse one feed (conditionally); its problem, if any, in `error`."""
    out = FeedFetch(spec, etag=etag, modified=modified)
    try:
        response = fetcher.get(spec.url, fetcher.options.max_feed_bytes, etag, modified)
        out.status = response.status
        if response.status != 304:
            out.parsed = parse_feed(response, dt.datetime.now(dt.timezone.utc))
            out.etag, out.modified = response.etag, response.modified
    except FetchError as exc:
        out.error = str(exc)
    return out


def fetch_page(fetcher: Fetcher, url: str, title: str = "") -> str | FetchError:
    """The article text behind a link, or the FetchError saying why not."""
    try:
        return article_text(fetcher.get(url, fetcher.options.max_page_bytes), title)
    except FetchError as exc:
        return exc


def fetch_all(store: Store, feeds: Sequence[FeedSpec], fetcher: Fetcher) -> list[FeedFetch]:
    """Every feed fetched in parallel, then the pages of their new summary-only items."""
    states = {url: (etag, modified) for url, etag, modified in
              store.conn.execute("SELECT url, etag, modified FROM feeds")}
    with ThreadPoolExecutor(fetcher.options.workers) as pool:
        fetched = list(pool.map(lambda s: fetch_feed(fetcher, s, *states.get(s.url, (None, None))), feeds))
        wanted = []
        for feed in fetched:
            items = feed.parsed.items if feed.parsed else ()
            known = known_ids(store, feed.spec.url, [i.id for i in items])
            wanted += [(feed, i) for i in items if i.summary_only and i.id not in known]
        pages = pool.map(lambda p: fetch_page(fetcher, p[1].url, p[1].title), wanted)
        for (feed, item), page in zip(wanted, pages, strict=True):
            feed.pages[item.id] = page
    return fetched


def feed_local(item_id: str) -> bool:
    """True for an id that is no URI ("17", "a1"): the site's own numbering, which another site may use too."""
    try:
        return not urlsplit(item_id).scheme
    except ValueError:  # "http://[x/1": no URI either
        return True


def stored_id(feed: str, item_id: str, owner: str | None) -> str:
    """The id a feed's item is stored under: its own, unless it is feed-local and a feed of another site (`owner`)
    stored an item under it first; then prefixed by the feed's URL. (A site numbers its articles once for all its
    feeds, and a feed whose URL changes keeps its site: their items are the ones stored.)"""
    return f"{feed}#{item_id}" if feed_local(item_id) and owner and site(owner) != site(feed) else item_id


def site(url: str) -> str:
    """The host of a feed's URL, without a leading www."""
    return host_of(url).removeprefix("www.")


def known_ids(store: Store, feed: str, ids: Sequence[str]) -> set[str]:
    """Those of a feed's item ids that the store already holds for it."""
    owners: dict[str, str] = {}
    asked = [*ids, *(f"{feed}#{i}" for i in ids if feed_local(i))]
    for start in range(0, len(asked), 500):
        part = asked[start:start + 500]
        marks = ",".join("?" * len(part))
        owners.update(store.conn.execute(f"SELECT id, feed FROM reports WHERE id IN ({marks})", part).fetchall())
    return {i for i in ids if stored_id(feed, i, owners.get(i)) in owners}


def save_feed(store: Store, feed: FeedFetch, result: PassResult) -> None:
    """Store a feed's new items and its new state in one transaction; its problems go to result."""
    url, now = feed.spec.url, now_iso()
    if feed.error is not None:
        result.problems.append(f"feed {printable(url)}: {feed.error}")
        with store.transaction() as conn:
            conn.execute("INSERT INTO feeds(url, source) VALUES (?, ?) ON CONFLICT(url) DO NOTHING",
                         (url, feed.spec.source or host_of(url)))
            conn.execute("UPDATE feeds SET last_try = ?, error = ?, failures = failures + 1, fetches = fetches + 1 "
                         "WHERE url = ?", (now, feed.error, url))
        return
    result.feeds += 1
    parsed = feed.parsed
    problems = list(parsed.problems) if parsed else []
    stored = store.conn.execute("SELECT title FROM feeds WHERE url = ?", (url,)).fetchone()
    source = feed.spec.source or (parsed.title if parsed else stored and stored[0]) or host_of(url)
    with store.transaction() as conn:
        conn.execute("INSERT INTO feeds(url, source) VALUES (?, ?) ON CONFLICT(url) DO NOTHING", (url, source))
        new = 0
        for item in parsed.items if parsed else ():
            page = feed.pages.get(item.id)
            if isinstance(page, FetchError):
                problems.append(f"item {item.id}: article page {item.url}: {page} (kept with the feed's text; "
                                "fetched again next pass)")
            new += insert_item(conn, item, url, source, page)
        if feed.status == 304:
            result.not_modified += 1
        conn.execute("UPDATE feeds SET source = ?, title = coalesce(?, title), etag = ?, modified = ?, last_try = ?, "
                     "last_ok = ?, error = ?, items = items + ?, fetches = fetches + 1, not_modified = not_modified + ?"
                     " WHERE url = ?", (source, parsed.title if parsed else None, feed.etag, feed.modified, now, now,
                                       "; ".join(problems) or None, new, int(feed.status == 304), url))
    result.new_reports += new
    if problems:  # one line per feed, whatever went wrong with its items
        result.problems.append(f"feed {printable(url)}: {'; '.join(problems)}")


def insert_item(conn: Any, item: Item, feed: str, source: str, page: str | FetchError | None) -> int:
    """Insert one item unless its id is stored (1 when it was new)."""
    text = page if isinstance(page, str) else item.text
    state = "page" if isinstance(page, str) else "pending" if isinstance(page, FetchError) else "feed"
    error = str(page) if isinstance(page, FetchError) else None
    text = text[:MAX_REPORT_CHARS]
    owner = conn.execute("SELECT feed FROM reports WHERE id = ?", (item.id,)).fetchone()
    cursor = conn.execute(
        "INSERT OR IGNORE INTO reports(id, feed, source, url, title, text, time, ts, fetched, page, page_error, "
        "page_tries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (stored_id(feed, item.id, owner and owner[0]), feed, source, item.url, item.title, text,
         item.time.isoformat(), item.time.timestamp(), now_iso(), state, error, int(error is not None)))
    if not cursor.rowcount:
        return 0
    conn.execute("INSERT INTO search(rowid, title, body, english) VALUES (?, ?, ?, '')",
                 (cursor.lastrowid, index_text(item.title), index_text(text)))
    return 1


def retry_pages(store: Store, fetcher: Fetcher, result: PassResult, stored_before: int) -> None:
    """Fetch again the article pages that failed in earlier passes (rows up to `stored_before`, the store's last
    rowid when this pass began); a page that arrives replaces the feed's text."""
    # A rowid mark, not the clock: fetched times are to the second, and a pass started within the second of the
    # last one would skip its failed pages.
    rows = store.conn.execute("SELECT rowid, id, url, feed, story, title FROM reports WHERE page = 'pending' "
                              "AND rowid <= ? ORDER BY page_tries, ts DESC LIMIT ?",
                              (stored_before, PAGE_RETRIES)).fetchall()
    if not rows:
        return
    with ThreadPoolExecutor(fetcher.options.workers) as pool:
        pages = list(pool.map(lambda r: fetch_page(fetcher, r[2], r[5]), rows))
    for (rowid, item_id, url, feed, story, _), page in zip(rows, pages, strict=True):
        if isinstance(page, FetchError):
            with store.transaction() as conn:
                conn.execute("UPDATE reports SET page_tries = page_tries + 1, page_error = ? WHERE rowid = ?",
                             (str(page), rowid))  # no RETURNING: SQLite before 3.35 has none
                tries = conn.execute("SELECT page_tries FROM reports WHERE rowid = ?", (rowid,)).fetchone()[0]
                if tries >= PAGE_TRIES:
                    conn.execute("UPDATE reports SET page = 'feed' WHERE rowid = ?", (rowid,))
            then = "given up: the feed's text is kept" if tries >= PAGE_TRIES else "fetched again next pass"
            result.problems.append(f"feed {printable(feed)}: item {item_id}: article page {url}: {page} "
                                   f"({tries} tries; {then})")
            continue
        with store.transaction() as conn:
            text = page[:MAX_REPORT_CHARS]
            conn.execute("UPDATE reports SET text = ?, page = 'page', page_error = NULL, sentences = NULL, "
                         "story = CASE WHEN story = 0 THEN NULL ELSE story END WHERE rowid = ?", (text, rowid))
            conn.execute("UPDATE search SET body = ? WHERE rowid = ?", (index_text(text), rowid))
            conn.execute("UPDATE stories SET dirty = 1 WHERE rowid = ?", (story,))


def run_pass(store: Store, feeds: Sequence[FeedSpec], fetcher: Fetcher, translator: Callable[[], Any],
             options: MonitorOptions = MonitorOptions(), watch: Sequence[str] = (),
             stop: threading.Event | None = None) -> PassResult:
    """One pass over every feed (see the module docstring)."""
    from summarize.monitor.shown import match_alerts, refresh_stories
    from summarize.monitor.stories import assign_new

    stop = stop or threading.Event()
    result = PassResult()
    stored_before = store.conn.execute("SELECT coalesce(max(rowid), 0) FROM reports").fetchone()[0]
    for feed in fetch_all(store, feeds, fetcher):
        if stop.is_set():
            break
        save_feed(store, feed, result)
    if not stop.is_set():
        retry_pages(store, fetcher, result, stored_before)
    if not stop.is_set():
        result.placed = assign_new(store, options.digest.grouping, stop)
    if not stop.is_set():
        result.refreshed, result.translated = refresh_stories(store, translator, options.digest, stop)
    if watch and not stop.is_set():
        result.alerts = match_alerts(store, watch)
    result.stopped = stop.is_set()
    return result


def reread_feeds(read_feeds: Callable[[], list[FeedSpec]], last: list[FeedSpec]) -> list[FeedSpec]:
    """The feeds file read again for the loop's next pass; while an edit leaves it bad, the last good list, and
    one stderr line a pass saying why (a half-saved file must not stop a monitor that runs for weeks)."""
    try:
        return read_feeds()
    except InputError as exc:
        print(f"mtbrief: {exc} (the feeds file; the last good list of {len(last)} feeds is read meanwhile)",
              file=sys.stderr, flush=True)
        return last


def monitor_loop(store: Store, read_feeds: Callable[[], list[FeedSpec]], translator: Callable[[], Any],
                 options: MonitorOptions, watch: Sequence[str], every: float | None, quiet: bool = False) -> int:
    """Passes until stopped (one pass when every is None): exit 1 when the last pass met problems, else 0."""
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)} if in_main else {}
    fetcher = Fetcher(options.fetch)
    try:
        feeds = read_feeds()  # the first read's problems end the run (exit 2) before any fetch
        while True:
            result = run_pass(store, feeds, fetcher, translator, options, watch, stop)
            for problem in result.problems:
                print(f"mtbrief: {problem}", file=sys.stderr, flush=True)
            if not quiet:
                print(f"mtbrief: pass at {now_iso()}: {result.summary()}", file=sys.stderr, flush=True)
            if every is None or stop.is_set() or stop.wait(every):
                break
            feeds = reread_feeds(read_feeds, feeds)
    finally:
        fetcher.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if result.problems and every is None else 0
