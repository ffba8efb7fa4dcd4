"""A replay of ANT dev articles as news feeds on 127.0.0.1, day by day, for the monitor's tests and its eval.

Some outlets are served as RSS 2.0 whose items carry only the outlet's abstract, the article being on a page with
navigation, a sidebar and a footer behind the link; the others as Atom with the full text. `until` sets the
replay's clock: a feed shows the items published up to it (the latest `per_feed`). Every answer has an ETag and
a Last-Modified and honours If-None-Match / If-Modified-Since. /broken/... paths misbehave on purpose.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import html
import json
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from eval.shared_data import ANT_ARTICLES

RSS_SOURCES = ("alarabia", "BBC", "CNN")  # summary in the feed, article behind the link
ATOM_SOURCES = ("skynews", "france24")  # full text in the feed


def load_articles(path: Path = ANT_ARTICLES, categories: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """ANT dev articles (optionally of some categories), in time order."""
    wanted = set(categories) if categories else None
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return sorted((a for a in rows if wanted is None or a["category"] in wanted), key=lambda a: (a["time"], a["id"]))


def _when(article: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(article["time"].replace("Z", "+00:00"))


def rss(articles: list[dict[str, Any]], base: str, source: str, encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 feed of the articles: title, link to the article page, the abstract only."""
    items = "".join(
        f"<item><title>{escape(a['title'])}</title><link>{base}/article/{a['id']}.html</link>"
        f"<guid isPermaLink=\"false\">{escape(a['id'])}</guid>"
        f"<pubDate>{email.utils.format_datetime(_when(a))}</pubDate>"
        f"<description>{escape(a.get('abstract') or '')}</description></item>" for a in articles)
    text = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{escape(source)}</title>'
            f"<link>{base}/</link><description>replay</description>{items}</channel></rss>")
    return text.encode(encoding, "xmlcharrefreplace")


def atom(articles: list[dict[str, Any]], base: str, source: str) -> bytes:
    """An Atom feed of the articles with their full text (HTML paragraphs)."""
    updated = max((_when(a) for a in articles), default=dt.datetime(2018, 3, 1, tzinfo=dt.timezone.utc))
    entries = "".join(
        f"<entry><id>urn:ant:{escape(a['id'])}</id><title>{escape(a['title'])}</title>"
        f'<link href="{escape(a["url"])}"/><updated>{_when(a).isoformat()}</updated>'
        f"<published>{_when(a).isoformat()}</published>"
        f'<content type="html">{escape("".join(f"<p>{html.escape(p)}</p>" for p in a["text"].splitlines()))}'
        f"</content></entry>" for a in articles)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>urn:replay:{escape(source)}</id><title>{escape(source)}</title>"
            f"<updated>{updated.isoformat()}</updated>{entries}</feed>").encode()


def article_page(article: dict[str, Any]) -> bytes:
    """An article page as outlets make them: navigation, the article, a sidebar of other headlines, a footer."""
    esc = html.escape
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in article["text"].splitlines() if p.strip())
    menu = "".join(f'<li><a href="/s/{n}">قسم {n} الأخبار العاجلة والرياضة</a></li>' for n in range(8))
    side = "".join(f'<li><a href="/x/{n}">الأكثر قراءة: عنوان جانبي رقم {n} عن الطقس والاقتصاد</a></li>'
                   for n in range(6))
    return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{esc(article["title"])}'
            f'</title></head><body><header><nav class="menu"><ul>{menu}</ul></nav></header><main><article>'
            f"<h1>{esc(article['title'])}</h1><time>{esc(article['time'])}</time>{paragraphs}</article></main>"
            f'<aside class="sidebar"><h3>الأكثر قراءة</h3><ul>{side}</ul></aside>'
            f"<footer><p>جميع الحقوق محفوظة لموقع الأخبار ٢٠١٨ سياسة الخصوصية اتصل بنا</p></footer>"
            f"</body></html>").encode()


# /broken/NAME: (status, body, content type) of feeds that misbehave (/broken/hang answers nothing for 30 s)
BROKEN = {
    "xml": (200, b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</ti', "text/xml"),
    "html": (200, "<html><body><p>مرحبا</p></body></html>".encode(), "text/html; charset=utf-8"),
    "binary": (200, bytes(range(256)) * 64, "application/octet-stream"),
    "huge": (200, b"<rss>" + b" " * 12_000_000, "text/xml"),
    "charset": (200, '<?xml version="1.0" encoding="x-no-such-charset"?><rss version="2.0"><channel><title>ب</title>'
                "<item><title>خبر</title><guid>g1</guid></item></channel></rss>".encode("windows-1256"),
                "text/xml; charset=x-no-such-charset"),
}


class Replay:
    """The replay's state: its articles, its clock, the pages set to fail, and the requests it answered."""

    def __init__(self, articles: list[dict[str, Any]], per_feed: int = 200) -> None:
        self.articles = articles
        self.by_id = {a["id"]: a for a in articles}
        self.until = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        self.per_feed = per_feed
        self.failing_pages: set[str] = set()
        self.requests: list[tuple[str, str | None, str | None]] = []  # path, If-None-Match, If-Modified-Since
        self.lock = threading.Lock()

    def visible(self, source: str) -> list[dict[str, Any]]:
        """The source's articles published up to the clock, the latest per_feed of them, newest first."""
        shown = [a for a in self.articles if a["source"] == source and _when(a) <= self.until]
        return shown[-self.per_feed:][::-1]


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """Quiet: the tests read replay.requests instead."""

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            with replay.lock:
                replay.requests.append((self.path, self.headers.get("If-None-Match"),
                                        self.headers.get("If-Modified-Since")))
            if self.path.startswith("/broken/"):
                return self._broken(self.path.removeprefix("/broken/"))
            base = f"http://{self.headers.get('Host')}"
            name = self.path.strip("/").rsplit("/", 1)[-1]
            if self.path.startswith("/rss/"):
                source = name.removesuffix(".xml")
                encoding = "windows-1256" if source.endswith("-1256") else "utf-8"
                source = source.removesuffix("-1256")
                body = rss(replay.visible(source), base, source, encoding)
                return self._send(body, f"application/rss+xml; charset={encoding}")
            if self.path.startswith("/atom/"):
                source = name.removesuffix(".xml")
                return self._send(atom(replay.visible(source), base, source), "application/atom+xml")
            if self.path.startswith("/article/"):
                article = replay.by_id.get(name.removesuffix(".html"))
                if article is None or article["id"] in replay.failing_pages:
                    return self._plain(500 if article else 404, b"server error")
                return self._send(article_page(article), "text/html; charset=utf-8")
            return self._plain(404, b"not found")

        def _send(self, body: bytes, kind: str) -> None:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            modified = email.utils.format_datetime(replay.until if replay.until.year > 1 else
                                                   dt.datetime(2018, 3, 1, tzinfo=dt.timezone.utc), usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

        def _plain(self, status: int, body: bytes, kind: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that gave up on a huge body
                self.wfile.write(body)

        def _broken(self, what: str) -> None:
            if what == "hang":  # answers nothing for a long time
                time.sleep(30)
                return self._plain(200, b"<rss/>")
            status, body, kind = BROKEN.get(what, (404, b"not found", "text/plain"))
            return self._plain(status, body, kind)

    return Handler


def serve(replay: Replay) -> tuple[ThreadingHTTPServer, str]:
    """Serve the replay on 127.0.0.1 (a free port) in a daemon thread: (server, base URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def feeds_file(base: str, sources: Iterable[str] = RSS_SOURCES + ATOM_SOURCES) -> str:
    """The feeds file of the replay: RSS for RSS_SOURCES, Atom for the others, each named after its outlet."""
    lines = ["# ANT dev replay"]
    for source in sources:
        kind = "rss" if source in RSS_SOURCES else "atom"
        lines.append(f"{base}/{kind}/{source}.xml {source}")
    return "\n".join(lines) + "\n"
