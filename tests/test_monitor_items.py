"""Feed items as the world writes them, through a whole pass: ids that two feeds share, relative and non-web
links, dates past the calendar or in the future, numbers too long to be figures. Each gives stored reports and
shown stories, never a crash. Translations come from the tiny random-weight model (gibberish, never judged)."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from monitor_helpers import QUICK, small_articles

from eval.summaries.feed_replay import article_page
from summarize.monitor.feeds import FeedSpec, Fetcher
from summarize.monitor.run import run_pass
from summarize.monitor.store import Store

TEXT = "مقتل 24 شخصا في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة الموصل شمالي العراق صباح الخميس."


def rss(items: list[str]) -> bytes:
    """An RSS 2.0 feed of these <item> bodies."""
    inner = "".join(f"<item>{item}</item>" for item in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{inner}' \
           "</channel></rss>".encode()


def atom(entries: list[str]) -> bytes:
    """An Atom feed of these <entry> bodies."""
    inner = "".join(f"<entry>{entry}</entry>" for entry in entries)
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>' \
           f"{inner}</feed>".encode()


@pytest.fixture()
def site():
    """A server of the bodies a test puts in `paths` (path -> (content type, body)), and its base URL."""
    paths: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            """Quiet."""

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            kind, body = paths.get(self.path, ("text/plain", b"not found"))
            self.send_response(200 if self.path in paths else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield paths, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def one_pass(tmp_path, urls: list[str], translator) -> tuple[Store, list[str]]:
    """A pass over these feeds into a new store: (the store, the pass's problems)."""
    store, fetcher = Store.open(str(tmp_path / "m.sqlite")), Fetcher(QUICK.fetch)
    result = run_pass(store, [FeedSpec(u, "") for u in urls], fetcher, lambda: translator, QUICK)
    fetcher.close()
    return store, result.problems


def test_feeds_of_two_sites_numbering_their_items_alike_keep_every_item(site, tiny_translator, tmp_path):
    paths, base = site
    other = base.replace("127.0.0.1", "localhost")  # the same server under another host name: another site
    for name, words in (("one", "في الموصل"), ("two", "في حلب")):
        items = [f"<guid isPermaLink=\"false\">{n}</guid><title>خبر {n} {words}</title>"
                 f"<description>{TEXT} {words} {n}</description>" for n in (1, 2)]
        paths[f"/{name}.xml"] = ("application/rss+xml", rss(items))
    paths["/one-moved.xml"] = paths["/one.xml"]
    store, problems = one_pass(tmp_path, [f"{base}/one.xml", f"{other}/two.xml"], tiny_translator)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM reports ORDER BY rowid")]
    assert (problems, ids) == ([], ["1", "2", f"{other}/two.xml#1", f"{other}/two.xml#2"])
    again = [FeedSpec(f"{other}/two.xml", ""), FeedSpec(f"{base}/one-moved.xml", "")]  # a feed of one site moved
    assert run_pass(store, again, Fetcher(QUICK.fetch), lambda: tiny_translator, QUICK).new_reports == 0


@pytest.mark.parametrize("item", [
    '<guid isPermaLink="false">http://[x/1</guid><title>معرف معطوب</title><description>{text}</description>',
    "<guid>g1</guid><title>رابط معطوب</title><link>http://[x/1</link><description>{text}</description>",
])
def test_an_id_or_a_link_that_is_no_url_keeps_the_item_and_the_pass(site, tiny_translator, tmp_path, item):
    paths, base = site
    paths["/u.xml"] = ("application/rss+xml", rss([item.format(text=TEXT)]))
    store, problems = one_pass(tmp_path, [f"{base}/u.xml"], tiny_translator)
    assert problems == [] and store.conn.execute("SELECT page FROM reports").fetchall() == [("feed",)]


def test_a_first_feeds_read_that_fails_leaves_the_signal_handlers_as_they_were(tiny_translator, tmp_path):
    import signal

    from mt.errors import InputError
    from summarize.monitor.run import monitor_loop

    before = signal.getsignal(signal.SIGINT)

    def missing():
        raise InputError("feeds.txt", "no such file")

    store = Store.open(str(tmp_path / "m.sqlite"))
    with pytest.raises(InputError, match="feeds.txt: no such file"):
        monitor_loop(store, missing, lambda: tiny_translator, QUICK, [], None, quiet=True)
    assert signal.getsignal(signal.SIGINT) is before
    store.close()


def test_links_are_read_against_the_feed_and_only_web_pages_are_fetched(site, tiny_translator, tmp_path):
    paths, base = site
    article = small_articles()[0]
    paths["/pages/a1.html"] = ("text/html; charset=utf-8", article_page(article))
    items = [f"<guid>r1</guid><title>{article['title']}</title><link>/pages/a1.html</link><description>ملخص."
             "</description>",
             "<guid>m1</guid><title>بريد</title><link>mailto:desk@example.com</link><description>ملخص.</description>",
             "<guid>bare-17</guid><title>بلا رابط</title><description>ملخص آخر.</description>"]
    paths["/feeds/f.xml"] = ("application/rss+xml", rss(items))
    store, problems = one_pass(tmp_path, [f"{base}/feeds/f.xml"], tiny_translator)
    rows = store.conn.execute("SELECT id, url, page FROM reports ORDER BY rowid").fetchall()
    assert problems == [] and rows == [("r1", f"{base}/pages/a1.html", "page"),
                                       ("m1", "mailto:desk@example.com", "feed"), ("bare-17", "", "feed")]
    text = store.conn.execute("SELECT text FROM reports WHERE id = 'r1'").fetchone()[0]
    assert text.split() == article["text"].split()


def test_dates_past_the_calendar_or_in_the_future_are_the_fetch_time(site, tiny_translator, tmp_path):
    paths, base = site
    stamps = {"y0": "0001-01-01T00:00:00+01:00", "y10000": "9999-12-31T23:00:00-02:00",
              "future": "2100-01-01T00:00:00Z", "past": "2018-03-01T08:00:00Z"}
    entries = [f"<id>urn:t:{name}</id><title>خبر {name}</title><updated>{stamp}</updated>"
               f"<content type=\"text\">{TEXT} {name}</content>" for name, stamp in stamps.items()]
    paths["/a.xml"] = ("application/atom+xml", atom(entries))
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    store, problems = one_pass(tmp_path, [f"{base}/a.xml"], tiny_translator)
    after = dt.datetime.now(dt.timezone.utc)
    times = dict(store.conn.execute("SELECT id, time FROM reports").fetchall())
    assert problems == [] and times.pop("urn:t:past") == "2018-03-01T08:00:00+00:00"
    assert sorted(times) == ["urn:t:future", "urn:t:y0", "urn:t:y10000"]
    assert all(before <= dt.datetime.fromisoformat(t) <= after for t in times.values())


def test_a_number_too_long_to_be_a_figure_leaves_every_story_shown(site, tiny_translator, tmp_path):
    paths, base = site
    texts = ["قتل " + "9" * 400 + " شخصا في الموصل.", TEXT, "غمرت مياه الأمطار آلاف المنازل."]
    items = [f"<guid>n{i}</guid><title>خبر {i}</title><description>{t}</description>" for i, t in enumerate(texts)]
    paths["/n.xml"] = ("application/rss+xml", rss(items))
    store, problems = one_pass(tmp_path, [f"{base}/n.xml"], tiny_translator)
    shown = store.conn.execute("SELECT count(*), sum(dirty), sum(view IS NULL) FROM stories").fetchone()
    assert problems == [] and shown[0] >= 2 and shown[1:] == (0, 0)


def test_control_characters_of_a_broken_item_leave_the_atom_feed_valid_xml(site, tiny_translator, tmp_path):
    import xml.etree.ElementTree as ET

    from summarize.monitor.views import Period, answer
    from summarize.views import render

    paths, base = site
    title = "خبر\x01\x1b\ufffe عاجل"
    paths["/c.xml"] = ("application/rss+xml", rss([f"<guid>c1</guid><title>{title}</title>"
                                                    f"<description>{TEXT}</description>"]))
    store, problems = one_pass(tmp_path, [f"{base}/c.xml"], tiny_translator)
    assert len(problems) == 1 and "broken XML" in problems[0]  # the item is kept all the same
    view = answer(store, "stories", Period.of(since="2018-01-01T00:00:00Z"), "", 20, None)
    feed = ET.fromstring(render(view, "atom").split("\n", 1)[1])
    content = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content").text
    assert "خبر عاجل" in content and "\x01" not in content


@pytest.mark.parametrize(("line", "expected"), [
    ("http://a.example/f.xml\tOne Tab\n", [("http://a.example/f.xml", "One Tab")]),
    ("http://a.example/f.xml \t Two  Spaces \n", [("http://a.example/f.xml", "Two Spaces")]),
    ("http://a.example/f.xml\n", [("http://a.example/f.xml", "")]),
])
def test_a_tab_or_spaces_separate_a_feed_from_its_source_name(tmp_path, line, expected):
    from summarize.monitor.feeds import read_feeds_file

    (tmp_path / "feeds.txt").write_text(line, encoding="utf-8")
    assert [(f.url, f.source) for f in read_feeds_file(str(tmp_path / "feeds.txt"))] == expected


def test_a_feeds_file_edited_into_a_bad_state_keeps_the_loop_on_the_last_good_list(tmp_path, capsys):
    from summarize.monitor.feeds import read_feeds_file
    from summarize.monitor.run import reread_feeds

    path = tmp_path / "feeds.txt"
    path.write_text("http://a.example/f.xml One\n", encoding="utf-8")
    last = read_feeds_file(str(path))
    path.write_text("http://a.example/f.xml One\nhttp://b.example/g.xml Two\n", encoding="utf-8")
    assert [f.source for f in reread_feeds(lambda: read_feeds_file(str(path)), last)] == ["One", "Two"]
    for bad, problem in (("", "no feed"), ("ftp://bad.example/feed Bad\n", "feeds.txt:1: 'ftp://bad.example/feed'")):
        path.write_text(bad, encoding="utf-8")
        assert reread_feeds(lambda: read_feeds_file(str(path)), last) == last
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and problem in err and "the last good list of 1 feeds is read meanwhile" in err


def test_failed_pages_are_retried_least_tried_first_and_given_up_after_a_few_passes(site, tiny_translator, tmp_path,
                                                                                      monkeypatch):
    monkeypatch.setattr("summarize.monitor.run.PAGE_RETRIES", 2)
    monkeypatch.setattr("summarize.monitor.run.PAGE_TRIES", 3)
    paths, base = site
    article = small_articles()[0]
    items = [f"<guid>{name}</guid><title>{article['title']}</title><link>/pages/{name}.html</link>"
             f"<pubDate>{day} Mar 2018 08:00:00 GMT</pubDate><description>ملخص {name}.</description>"
             for name, day in (("dead1", "Thu, 01"), ("dead2", "Fri, 02"), ("flaky", "Sat, 03"))]
    paths["/f.xml"] = ("application/rss+xml", rss(items))
    store, fetcher = Store.open(str(tmp_path / "m.sqlite")), Fetcher(QUICK.fetch)
    feeds = [FeedSpec(f"{base}/f.xml", "")]
    states = []
    for _ in range(5):
        result = run_pass(store, feeds, fetcher, lambda: tiny_translator, QUICK)
        states.append([(*row, len(result.problems)) for row in store.conn.execute(
            "SELECT id, page, page_tries FROM reports ORDER BY rowid")])
        paths["/pages/flaky.html"] = ("text/html; charset=utf-8", article_page(article))  # it works from pass 2 on
    assert [[s[1:3] for s in state] for state in states] == [
        [("pending", 1), ("pending", 1), ("pending", 1)],
        [("pending", 1), ("pending", 2), ("page", 1)],  # the newest of the least tried first: flaky's page arrives
        [("pending", 2), ("feed", 3), ("page", 1)],  # dead2 given up after 3 tries
        [("feed", 3), ("feed", 3), ("page", 1)],
        [("feed", 3), ("feed", 3), ("page", 1)]]
    # the first pass: one line for the feed; a retry: one line a page; none once all are given up
    assert [state[0][3] for state in states] == [1, 1, 2, 1, 0]
    fetcher.close()
    store.close()


@pytest.mark.parametrize("kind", ["text/html; charset=utf-8", "text/plain", "application/xml", "text/xml", "text/html",
                                  ""])
def test_a_feed_served_under_another_media_type_is_read_without_a_problem(site, tiny_translator, tmp_path, kind):
    paths, base = site
    paths["/k.xml"] = (kind, rss([f"<guid>k{i}</guid><title>خبر {i}</title><description>{TEXT}</description>"
                                  for i in (1, 2)]))
    store, problems = one_pass(tmp_path, [f"{base}/k.xml"], tiny_translator)
    titles = [r[0] for r in store.conn.execute("SELECT title FROM reports ORDER BY rowid")]
    assert problems == [] and titles == ["خبر 1", "خبر 2"]  # UTF-8 with no charset named: still UTF-8


@pytest.mark.parametrize(("title", "encoding"), [
    ("سفارة أمريكا تحذر رعاياها", "windows-1256"),  # declared UTF-8, written in the Arabic sites' legacy charset
    ("Café à Paris", "latin-1"),  # declared UTF-8, written in Latin-1: not Arabic, left to feedparser's fallback
])
def test_a_feed_whose_charset_is_not_the_declared_one(site, tiny_translator, tmp_path, title, encoding):
    paths, base = site
    body = rss([f"<guid>w1</guid><title>{title}</title><description>{title}.</description>"])
    paths["/w.xml"] = ("application/rss+xml; charset=utf-8", body.decode().encode(encoding))
    store, _ = one_pass(tmp_path, [f"{base}/w.xml"], tiny_translator)
    stored = store.conn.execute("SELECT title FROM reports").fetchone()[0]
    assert stored == title
