"""The monitor's pieces: the feeds file, fetching and parsing feeds and pages, the store, search terms, a pass over
a small replay (stories, conflicts, search with clitics, alerts), the views and their renderings (Atom read back
by feedparser). Translations come from the tiny random-weight model: they are gibberish, counted, never judged."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from monitor_helpers import QUICK, counting_translator, small_replay

from mt.errors import InputError, InvalidOption
from summarize.monitor.feeds import (
    Fetcher,
    FetchError,
    Response,
    article_text,
    decode_page,
    parse_feed,
    read_feeds_file,
    read_watch_file,
)
from summarize.monitor.run import run_pass
from summarize.monitor.store import MIGRATIONS, SCHEMA_VERSION, Store, migration_statements, search_terms
from summarize.monitor.views import MonitorView, Period, alerts_view, answer, search_view, status_view, stories_view
from summarize.views import render

NOW = dt.datetime(2018, 3, 2, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def small():
    """The small replay, served for this module."""
    replay, server, base = small_replay()
    yield replay, base
    server.shutdown()


@pytest.fixture(scope="module")
def small_store(small, tiny_translator, tmp_path_factory):
    """A store after one pass over the small replay with a watch list, and the pass's result and counter."""
    replay, base = small
    feeds = tmp_path_factory.mktemp("feeds") / "feeds.txt"
    feeds.write_text(f"{base}/rss/alpha.xml\n{base}/atom/beta.xml\n", encoding="utf-8")
    store = Store.open(str(tmp_path_factory.mktemp("db") / "m.sqlite"))
    translator, counting = counting_translator(tiny_translator)
    fetcher = Fetcher(QUICK.fetch)
    result = run_pass(store, read_feeds_file(str(feeds)), fetcher, lambda: translator, QUICK,
                      watch=["الأردن", "Mosul"])
    yield store, result, counting
    fetcher.close()
    store.close()


@pytest.mark.parametrize(("text", "expected"), [
    ("https://a.example/rss.xml\n", [("https://a.example/rss.xml", "")]),
    ("# outlets\n\nhttp://b.example/feed  Al Jazeera   Arabic \n", [("http://b.example/feed", "Al Jazeera Arabic")]),
    ("http://a/x one\nhttp://a/y two\n", [("http://a/x", "one"), ("http://a/y", "two")]),
])
def test_the_feeds_file_gives_urls_and_source_names(tmp_path, text, expected):
    path = tmp_path / "feeds.txt"
    path.write_text(text, encoding="utf-8")
    assert [(f.url, f.source) for f in read_feeds_file(str(path))] == expected


@pytest.mark.parametrize(("text", "pattern"), [
    ("", r"feeds.txt: no feed"),
    ("# only a comment\n", r"feeds.txt: no feed"),
    ("ftp://a/x\n", r"feeds.txt:1: 'ftp://a/x' is not an http\(s\) URL"),
    ("http://a/x\nnot-a-url\n", r"feeds.txt:2: 'not-a-url' is not an http\(s\) URL"),
    ("http://a/x\nhttp://a/x b\n", r"feeds.txt:2: feed listed twice \(first on line 1\)"),
    ("http:///nohost\n", r"feeds.txt:1: 'http:///nohost' is not an http\(s\) URL"),
])
def test_a_bad_feeds_file_names_the_line_and_the_problem(tmp_path, text, pattern):
    path = tmp_path / "feeds.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=pattern):
        read_feeds_file(str(path))


def test_a_watch_file_keeps_each_term_once_and_refuses_an_empty_one(tmp_path):
    path = tmp_path / "watch.txt"
    path.write_text("# terms\nالأردن\n  Mosul  \nالأردن\n", encoding="utf-8")
    assert read_watch_file(str(path)) == ["الأردن", "Mosul"]
    path.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="watch.txt: no term"):
        read_watch_file(str(path))


def test_rss_items_carry_the_summary_and_atom_items_the_full_text(small):
    _, base = small
    fetcher = Fetcher(QUICK.fetch)
    fetched = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    rss = parse_feed(fetcher.get(f"{base}/rss/alpha.xml", 10**6), fetched)
    atom = parse_feed(fetcher.get(f"{base}/atom/beta.xml", 10**6), fetched)
    assert rss.title == "alpha" and [i.id for i in rss.items] == ["e1", "c1", "a1"]
    assert all(i.summary_only for i in rss.items) and rss.items[2].text.startswith("مقتل 24 شخصا")
    assert rss.items[2].text.endswith("الخميس.")  # the abstract: the article's first sentence only
    assert rss.items[2].time == dt.datetime(2018, 3, 1, 8, tzinfo=dt.timezone.utc)
    assert [i.id for i in atom.items] == ["urn:ant:d1", "urn:ant:b1"] and not any(i.summary_only for i in atom.items)
    assert atom.items[1].text.endswith("في حي الزهور.") and atom.items[1].url == "https://x/b1"
    fetcher.close()


def test_a_windows_1256_feed_reads_as_its_utf_8_twin(small):
    replay, base = small
    fetcher = Fetcher(QUICK.fetch)
    fetched = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    legacy = fetcher.get(f"{base}/rss/alpha-1256.xml", 10**6)
    assert legacy.content_type.endswith("charset=windows-1256") and "انفجار".encode("cp1256") in legacy.body
    same = parse_feed(fetcher.get(f"{base}/rss/alpha.xml", 10**6), fetched)
    assert parse_feed(legacy, fetched).items == same.items
    fetcher.close()


def test_the_article_page_gives_its_text_without_menus_sidebar_or_footer(small):
    replay, base = small
    fetcher = Fetcher(QUICK.fetch)
    page = fetcher.get(f"{base}/article/a1.html", 10**6)
    texts = [article_text(page, "انفجار سيارة مفخخة في سوق الموصل") for _ in range(5)]  # retries, reprints
    assert [t.split() for t in texts] == [replay.by_id["a1"]["text"].split()] * 5
    fetcher.close()


def test_a_conditional_get_costs_a_304_and_the_user_agent_names_mtbrief(small):
    replay, base = small
    fetcher = Fetcher(QUICK.fetch)
    first = fetcher.get(f"{base}/rss/alpha.xml", 10**6)
    again = fetcher.get(f"{base}/rss/alpha.xml", 10**6, first.etag, first.modified)
    assert first.status == 200 and first.etag and first.modified
    assert (again.status, again.body) == (304, b"")
    assert replay.requests[-1][1:] == (first.etag, first.modified)
    assert fetcher._client.headers["User-Agent"].startswith("mtbrief/")
    fetcher.close()


PAGE = "<html><head>{meta}</head><body><article><p>{text}</p></article></body></html>"
AR = "قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في العاصمة."


@pytest.mark.parametrize(("body", "kind"), [
    (PAGE.format(meta="", text=AR).encode("windows-1256"), "text/html; charset=windows-1256"),
    (PAGE.format(meta='<meta charset="windows-1256">', text=AR).encode("windows-1256"), "text/html"),
    (PAGE.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=cp1256">', text=AR)
     .encode("cp1256"), "text/html"),
    (PAGE.format(meta="", text=AR).encode("utf-8"), "text/html; charset=UTF-8"),
])
def test_a_page_is_decoded_by_its_header_or_meta_charset(body, kind):
    assert AR in decode_page(Response(200, body, kind))


@pytest.mark.parametrize(("body", "kind", "pattern"), [
    (b"<html>x</html>", "text/html; charset=x-no-such", r"bad charset: unknown charset 'x-no-such'"),
    (AR.encode("windows-1256"), "text/html; charset=utf-8", r"bad charset: not utf-8 at byte 0"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png", r"binary body \(image/png\)"),
    (b"GIF89a\x00\x00" + bytes(100), "text/html", r"binary body \(NUL bytes\)"),
])
def test_a_page_with_a_bad_charset_or_a_binary_body_is_refused(body, kind, pattern):
    with pytest.raises(FetchError, match=pattern):
        decode_page(Response(200, body, kind))


def test_a_page_with_no_article_text_is_refused():
    with pytest.raises(FetchError, match="no article text found in the page"):
        article_text(Response(200, b"<html><body><script>var x = 1;</script></body></html>", "text/html"))


def test_the_store_is_versioned_in_wal_mode_and_refuses_what_it_cannot_use(tmp_path):
    path = tmp_path / "m.sqlite"
    store = Store.open(str(path))
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    store_id = store.meta("store_id")
    store.close()
    assert Store.open(str(path)).meta("store_id") == store_id  # opened again: the same store
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match=r"schema version 4 is newer than this mtbrief's \(3\): upgrade"):
        Store.open(str(path))
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="is an SQLite database but not a monitor store"):
        Store.open(str(other))
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InputError, match="not a usable monitor database"):
        Store.open(str(junk))
    with pytest.raises(InputError, match="is not a database file"):
        Store.open(str(tmp_path))
    with pytest.raises(InputError, match="no such monitor database"):
        Store.open(str(tmp_path / "missing.sqlite"), readonly=True)


def test_a_version_1_store_is_migrated_keeping_its_reports_and_stories(tmp_path):
    path = tmp_path / "v1.sqlite"
    with sqlite3.connect(path) as conn:
        for statement in migration_statements(MIGRATIONS[0]):
            conn.execute(statement)
        conn.execute("INSERT INTO stories(rowid, first, last, size, vector, terms, norm2) VALUES (7, 1, 2, 1, NULL, "
                     "'{\"حلب\": 1.0}', 1.0)")
        conn.execute("INSERT INTO reports(id, feed, source, url, title, text, time, ts, fetched, story, terms) VALUES "
                     "('a', 'f', 's', 'u', 't', 'x', '2018-03-01T00:00:00+00:00', 1, 'now', 7, '{\"حلب\": 1.0}')")
        conn.execute("PRAGMA user_version = 1")
    store = Store.open(str(path))
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert store.conn.execute("SELECT id, text, sentences FROM reports").fetchall() == [("a", "x", None)]
    assert json.loads(store.conn.execute("SELECT terms FROM reports").fetchone()[0]) == {"words": {"حلب": 1.0}}
    assert store.conn.execute("SELECT * FROM stories").fetchall() == [(7, 1.0, 2.0, 1, 1, None, 0, 0.0)]
    store.close()


@pytest.mark.parametrize(("word", "term"), [
    ("الأردن", "اردن"), ("والأردن", "اردن"), ("بالأردن", "اردن"), ("الاردن", "اردن"), ("للأردن", "اردن"),
    ("Mosul", "mosul"), ("٢٤", "24"),
])
def test_search_terms_fold_spelling_and_strip_clitics(word, term):
    assert search_terms(word) == [term]


def test_a_pass_groups_translates_what_is_shown_and_finds_alerts(small_store):
    store, result, counting = small_store
    assert (result.feeds, result.new_reports, result.placed, result.problems) == (2, 5, 5, [])
    view = stories_view(store, Period.of(since="2018-03-01T00:00:00Z", until="2018-03-02T00:00:00Z"))
    assert sorted(sorted(s["reports"]) for s in view["stories"]) == [["a1", "urn:ant:b1"], ["c1"], ["e1"],
                                                                     ["urn:ant:d1"]]
    bomb = next(s for s in view["stories"] if len(s["reports"]) == 2)
    assert bomb["sources"] == ["alpha", "beta"] and bomb["new"] == ["a1", "urn:ant:b1"]
    assert (bomb["first"], bomb["last"]) == ("2018-03-01T08:00:00+00:00", "2018-03-01T10:00:00+00:00")
    assert [(v["value"], v["sources"]) for v in bomb["conflicts"][0]["values"]] == [(24, ["alpha"]), (31, ["beta"])]
    assert all(s["headline"]["english"] for s in view["stories"])
    shown = store.conn.execute("SELECT count(*) FROM shown").fetchone()[0]
    assert 0 < counting.sentences == result.translated and shown >= len(view["stories"])
    assert [a["report"] for a in alerts_view(store)["alerts"]] == ["urn:ant:d1", "c1"]
    assert bomb["alerts"] == [] and next(s for s in view["stories"] if s["reports"] == ["c1"])["alerts"] == ["الأردن"]


def test_search_finds_every_clitic_form_newest_first_with_its_story(small_store):
    store = small_store[0]
    found = search_view(store, "الأردن")
    assert [(r["id"], r["source"]) for r in found["results"]] == [("urn:ant:d1", "beta"), ("c1", "alpha")]
    assert found["results"][0]["story"].startswith("story-") and "بالأردن" in found["results"][0]["snippet"]
    assert [r["id"] for r in search_view(store, "الموصل انفجار", limit=1)["results"]] == ["urn:ant:b1"]
    assert search_view(store, "القاهرة")["results"] == []


def test_search_reads_the_shown_english_too(small_store):
    store = small_store[0]
    english = store.conn.execute("SELECT english FROM search WHERE english != '' LIMIT 1").fetchone()[0]
    word = next(w for w in english.split() if search_terms(w))
    assert search_view(store, word)["results"]


@pytest.mark.parametrize(("query", "limit", "error", "pattern"), [
    ("", 20, InputError, "query: no word to search for"),
    ("!!! ؟؟", 20, InputError, "query: no word to search for"),
    ('"', 20, InputError, "query: no word to search for"),
    ("x" * 501, 20, InputError, "query: 501 characters, at most 500"),
    ("الأردن", 0, InvalidOption, "invalid limit 0"),
    ("الأردن", 1001, InvalidOption, "invalid limit 1001"),
])
def test_a_bad_search_is_refused(small_store, query, limit, error, pattern):
    with pytest.raises(error, match=pattern):
        search_view(small_store[0], query, limit)


@pytest.mark.parametrize(("query", "expected"), [
    ("AND OR NOT", []), ("NEAR(الأردن", []), ("الأردن*", ["urn:ant:d1", "c1"]), ("title:الأردن", []),
    ("{الأردن}", ["urn:ant:d1", "c1"]), ('"الأردن" -الموصل', []), ("الأردن'); DROP TABLE reports; --", []),
])
def test_search_syntax_in_a_query_is_read_as_words(small_store, query, expected):
    assert [r["id"] for r in search_view(small_store[0], query)["results"]] == expected
    assert small_store[0].conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 5


def test_the_atom_feed_is_valid_with_one_entry_per_story(small_store):
    import feedparser  # type: ignore[import-untyped]

    store = small_store[0]
    view = stories_view(store, Period.of(since="2018-03-01T00:00:00Z", until="2018-03-02T00:00:00Z"))
    parsed = feedparser.parse(render(MonitorView("stories", view), "atom"))
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) == len(view["stories"]) == 4
    assert [e.id.rsplit(":", 1)[1] for e in parsed.entries] == [s["id"] for s in view["stories"]]
    assert parsed.entries[0].title == view["stories"][0]["headline"]["english"]
    assert parsed.entries[0].updated == view["stories"][0]["last"]


def test_the_views_render_as_markdown_and_html_with_ids_and_alerts(small_store):
    store = small_store[0]
    view = stories_view(store, Period.of(since="2018-03-01T00:00:00Z", until="2018-03-02T00:00:00Z"))
    md = render(MonitorView("stories", view), "md")
    page = render(MonitorView("stories", view), "html")
    assert md.startswith("# Monitor: stories") and all(s["id"] in md for s in view["stories"])
    assert page.startswith("<!DOCTYPE html>") and page.count('class="story alert" data-alert="1"') == 2
    assert json.loads(render(MonitorView("stories", view), "json")) == view
    assert render(MonitorView("search", search_view(store, "الأردن")), "md").startswith("# Search: الأردن")
    assert "No alert." not in render(MonitorView("alerts", alerts_view(store)), "md")
    status = status_view(store)
    assert [(f["source"], f["error"], f["items"]) for f in status["feeds"]] == [("beta", None, 2), ("alpha", None, 3)]
    assert "| alpha |" in render(MonitorView("status", status), "md")


@pytest.mark.parametrize(("kind", "fmt", "pattern"), [
    ("status", "html", "invalid format 'html': choose one of md, json$"),
    ("search", "atom", "invalid format 'atom': choose one of md, html, json$"),
    ("alerts", "", "invalid format '': choose one of md, html, json$"),
    ("stories", "pdf", "invalid format 'pdf': choose one of md, html, atom, json$"),
])
def test_a_view_refuses_a_format_it_has_not_naming_those_it_has(kind, fmt, pattern):
    with pytest.raises(InvalidOption, match=pattern):
        render(MonitorView(kind, {}), fmt)


def test_an_unknown_view_is_refused_naming_the_views(small_store):
    with pytest.raises(InvalidOption, match="invalid view 'feeds': choose one of stories, search, alerts, status"):
        answer(small_store, "feeds")


@pytest.mark.parametrize(("since", "until", "hours", "pattern"), [
    ("yesterday", None, None, "--since: time 'yesterday' is not ISO 8601"),
    ("2018-03-02", "2018-03-01", None, "--since: 2018-03-02T00:00:00\\+00:00 is after --until"),
    (None, None, 0.0, "invalid hours 0.0"),
    (None, None, float("nan"), "invalid hours nan"),
    ("2018-03-01", None, 5.0, "give --since or --hours, not both"),
    (None, "0001-01-01T00:00:00", None, "--hours: the period would begin before the year 1"),
])
def test_a_bad_period_is_refused(since, until, hours, pattern):
    with pytest.raises((InputError, InvalidOption), match=pattern):
        Period.of(since, until, hours, now=NOW)


def test_the_default_period_is_the_last_24_hours():
    period = Period.of(now=NOW)
    assert (period.since, period.until) == (NOW.timestamp() - 86400, NOW.timestamp())



def test_a_failed_page_is_fetched_again_by_a_pass_that_starts_within_the_same_second(tiny_translator, tmp_path,
                                                                                      monkeypatch):
    replay, server, base = small_replay()
    replay.failing_pages.add("c1")
    monkeypatch.setattr("summarize.monitor.run.now_iso", lambda: "2026-12-07T01:00:00+00:00")  # one second
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{base}/rss/alpha.xml\n", encoding="utf-8")
    store, fetcher = Store.open(str(tmp_path / "m.sqlite")), Fetcher(QUICK.fetch)
    first = run_pass(store, read_feeds_file(str(feeds)), fetcher, lambda: tiny_translator, QUICK)
    page = "SELECT page FROM reports WHERE id = 'c1'"
    assert store.conn.execute(page).fetchone() == ("pending",) and len(first.problems) == 1
    replay.failing_pages.clear()
    second = run_pass(store, read_feeds_file(str(feeds)), fetcher, lambda: tiny_translator, QUICK)
    assert store.conn.execute(page).fetchone() == ("page",) and second.problems == []
    fetcher.close()
    store.close()
    server.shutdown()
