"""The feeds a monitor follows: the feeds file, polite bounded fetching, RSS/Atom items, article pages.

Fetching is conditional (ETag / Last-Modified: a 304 costs nothing), bounded (connect and read timeouts, a whole
request deadline, a size cap read as a stream, a few requests at once per host) and names mtbrief in its
User-Agent. Feeds are parsed by feedparser (RSS 0.9x/1.0/2.0, Atom); where an item carries only a summary, the
article page behind its link is fetched and its main text extracted by trafilatura (menus and sidebars left out).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from mt.errors import InputError, printable

MAX_FEEDS = 1000
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_BINARY_TYPES = ("image/", "audio/", "video/", "application/octet-stream", "application/zip", "application/pdf")


@dataclass(frozen=True)
class FeedSpec:
    """One line of the feeds file: the feed's URL and the source name given for it ('' = the feed's title)."""

    url: str
    source: str = ""


@dataclass(frozen=True)
class FetchOptions:
    """How politely and how boundedly feeds and pages are fetched."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # between two bytes
    deadline: float = 30.0  # a whole request, however slowly the bytes trickle
    max_feed_bytes: int = 10_000_000
    max_page_bytes: int = 5_000_000
    per_host: int = 2  # requests at once to one host
    workers: int = 8  # requests at once in all
    max_redirects: int = 5


@dataclass(frozen=True)
class Response:
    """What a GET gave: the status, the body (b'' for 304), and the headers that matter."""

    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    modified: str | None = None
    url: str = ""  # where the body came from, after redirects: relative links are read against it


class FetchError(Exception):
    """A feed or page that could not be fetched or read: the message is the problem, for one stderr line."""


@dataclass(frozen=True)
class Item:
    """One feed item: its id (guid / Atom id, else link), what the feed says, and whether its page is needed."""

    id: str
    url: str
    title: str
    text: str
    time: dt.datetime
    summary_only: bool  # the feed gives only a summary: the article is behind the link


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's title and items, and the problems of single items (one line each)."""

    title: str
    items: tuple[Item, ...]
    problems: tuple[str, ...] = field(default_factory=tuple)


def read_feeds_file(path: str) -> list[FeedSpec]:
    """The feeds of FILE (URL [source name] a line, # comments); InputError naming FILE:LINE for a bad line."""
    from mt.textio import read_text_input

    if path == "-":
        raise InputError(path, "the feeds file must be a file (it is read again on every pass), not stdin")
    text = read_text_input(path)
    feeds: list[FeedSpec] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, *rest = line.split(maxsplit=1)  # a tab separates as a space does
        source = rest[0] if rest else ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"{path}:{number}", f"{url[:80]!r} is not an http(s) URL "
                             "(one feed a line: URL, then optionally a space and a source name)")
        if url in seen:
            raise InputError(f"{path}:{number}", f"feed listed twice (first on line {seen[url]})")
        seen[url] = number
        feeds.append(FeedSpec(url, " ".join(source.split())))
    if not feeds:
        raise InputError(path, "no feed: write one feed URL a line (optionally followed by a source name)")
    if len(feeds) > MAX_FEEDS:
        raise InputError(path, f"{len(feeds):,} feeds, at most {MAX_FEEDS:,}")
    return feeds


class Fetcher:
    """GETs through one httpx client, at most `per_host` at once per host, each bounded in time and size."""

    def __init__(self, options: FetchOptions = FetchOptions()) -> None:
        import httpx

        from mt import __version__

        self.options = options
        self._client = httpx.Client(
            timeout=httpx.Timeout(options.read_timeout, connect=options.connect_timeout),
            follow_redirects=True, max_redirects=options.max_redirects,
            headers={"User-Agent": f"mtbrief/{__version__} (feed monitor; +https://github.com/mtbrief)"})
        self._hosts: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def _host(self, url: str) -> threading.Semaphore:
        with self._lock:
            host = urlsplit(url).hostname or ""
            return self._hosts.setdefault(host, threading.Semaphore(self.options.per_host))

    def get(self, url: str, limit: int, etag: str | None = None, modified: str | None = None) -> Response:
        """GET url (conditionally when etag/modified are given); FetchError naming the problem."""
        import httpx

        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
        with self._host(url):
            try:
                return self._get(url, limit, headers)
            except httpx.TimeoutException:
                raise FetchError("timed out (no answer in time)") from None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {self.options.max_redirects} redirects") from None
            except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
                raise FetchError(f"cannot connect: {type(exc).__name__}: {str(exc)[:120] or 'no detail'}") from None

    def _get(self, url: str, limit: int, headers: dict[str, str]) -> Response:
        started = time.monotonic()
        with self._client.stream("GET", url, headers=headers) as r:
            info = (r.headers.get("content-type", ""), r.headers.get("etag"), r.headers.get("last-modified"))
            if r.status_code == 304:
                return Response(304, b"", *info, url=str(r.url))
            if r.status_code >= 400:
                raise FetchError(f"HTTP {r.status_code} {r.reason_phrase}".strip())
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"body of {int(declared):,} bytes, more than the {limit:,} allowed")
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"body over the {limit:,} bytes allowed")
                if time.monotonic() - started > self.options.deadline:
                    raise FetchError(f"timed out (more than {self.options.deadline:g} s)")
                chunks.append(chunk)
            return Response(r.status_code, b"".join(chunks), *info, url=str(r.url))


def check_not_binary(response: Response) -> None:
    """FetchError for a body that is not text (an image, an archive, NUL bytes)."""
    kind = response.content_type.split(";")[0].strip().lower()
    if kind.startswith(_BINARY_TYPES):
        raise FetchError(f"binary body ({kind}), not text")
    if b"\x00" in response.body[:4096]:
        raise FetchError("binary body (NUL bytes), not text")


def parse_feed(response: Response, fetched: dt.datetime) -> ParsedFeed:
    """The items of an RSS or Atom body (relative links read against where it came from); FetchError when it is
    no feed (broken XML, an HTML page, a bad charset)."""
    import feedparser

    check_not_binary(response)
    check_charsets(response)
    parsed = feedparser.parse(response.body, response_headers={"content-type": response.content_type or "text/xml"})
    problem = parsed.get("bozo_exception")
    fell_back = str(parsed.get("encoding", "")).lower() in ("windows-1252", "iso-8859-1")  # its last resort
    if isinstance(problem, feedparser.CharacterEncodingOverride) and fell_back and (
            mostly_arabic_as_windows_1256(response.body)):
        # declared UTF-8 (say) but not: feedparser's Latin last resort would read Arabic as gibberish
        parsed = feedparser.parse(response.body, response_headers={"content-type": "application/xml; "
                                                                                   "charset=windows-1256"})
        problem = parsed.get("bozo_exception")
    if not parsed.get("version") and not parsed.entries:
        kind = response.content_type.split(";")[0].strip() or "no content type"
        if problem is not None and "html" not in kind:
            raise FetchError(f"not a feed: broken XML ({str(problem)[:100]})")
        raise FetchError(f"not an RSS or Atom feed ({kind})")
    if isinstance(problem, feedparser.CharacterEncodingUnknown):
        raise FetchError(f"bad charset: {str(problem)[:100]}")
    items, problems = [], []
    # a feed served as text/html (NonXMLContentType) that parses is a feed: nothing to report
    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if problem is not None and not isinstance(problem, harmless):
        problems.append(f"broken XML: kept the {len(parsed.entries)} item(s) read before it ({str(problem)[:100]})")
    for number, entry in enumerate(parsed.entries, 1):
        item_id = str(entry.get("id") or entry.get("link") or "").strip()
        if not item_id:
            problems.append(f"item {number}: no guid, id or link (skipped)")
            continue
        items.append(_item(entry, item_id, fetched, response.url))
    return ParsedFeed(" ".join(str(parsed.feed.get("title", "")).split()), tuple(items), tuple(problems))


def mostly_arabic_as_windows_1256(body: bytes) -> bool:
    """True when the body, read as windows-1256 (the Arabic sites' legacy charset), is mostly Arabic letters."""
    text = re.sub(r"<[^>]*>", " ", body.decode("windows-1256", errors="replace"))  # the tags' names are Latin
    letters = [c for c in text if c.isalpha()]
    arabic = sum("\u0600" <= c <= "\u06ff" for c in letters)
    return bool(letters) and arabic > len(letters) / 2


def check_charsets(response: Response) -> None:
    """FetchError when the header or the XML declaration names a charset Python does not know (the text would
    be decoded as something else: mojibake)."""
    import codecs

    declared = [part.partition("=")[2].strip().strip("\"'") for part in response.content_type.split(";")[1:]
                if part.partition("=")[0].strip().lower() == "charset"]
    found = _XML_ENCODING.match(response.body[:200])
    declared += [found.group(1).decode("ascii")] if found else []
    for name in declared:
        try:
            codecs.lookup(name)
        except LookupError:
            raise FetchError(f"bad charset: unknown charset {name[:40]!r}") from None


def _item(entry: Any, item_id: str, fetched: dt.datetime, base: str) -> Item:
    contents = [c for c in entry.get("content", []) if c.get("value", "").strip()]
    full = max(contents, key=lambda c: len(c["value"]), default=None)
    body = full["value"] if full else entry.get("summary", "")
    link = str(entry.get("link", "")).strip()
    try:
        if not entry.get("links") and not urlsplit(link).scheme:
            link = ""  # no <link>: feedparser's link is the guid ("item-17"), an id, not a page
        link = urljoin(base, link) if link else ""
        page = urlsplit(link).scheme in ("http", "https")  # never fetch a mailto:, an ftp: or a bare guid
    except ValueError:  # http://[x/1: no URL at all; the item keeps the feed's text
        link, page = "", False
    return Item(item_id, link, markup_text(entry.get("title", "")), markup_text(body), item_time(entry, fetched),
                full is None and page)


def item_time(entry: Any, fetched: dt.datetime) -> dt.datetime:
    """The item's published time, else updated, else the fetch: never later than the fetch (a wrong zone or a
    wrong clock would put it in every view's future) and never past the calendar's ends."""
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    try:
        when = dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.timezone.utc) if stamp else fetched
    except (OverflowError, ValueError, OSError):  # year 0 or 10000 once its zone is applied
        return fetched
    return min(when, fetched)


def markup_text(markup: str) -> str:
    """The text of an HTML fragment, one paragraph a line (feeds carry HTML in content and summaries)."""
    if "<" not in markup and "&" not in markup:
        return "\n".join(line.strip() for line in markup.splitlines() if line.strip())
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    blocks = soup.find_all(["p", "div", "li", "h1", "h2", "h3", "h4", "blockquote"])
    for block in blocks:
        block.insert_after("\n")
    return "\n".join(" ".join(line.split()) for line in soup.get_text().splitlines() if line.strip())


def decode_page(response: Response) -> str:
    """The page's text: the header's charset, else its <meta charset>, else UTF-8; FetchError for a bad one."""
    check_not_binary(response)
    charset = ""
    for part in response.content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if not charset:
        found = _META_CHARSET.search(response.body[:4096])
        charset = found.group(1).decode("ascii") if found else "utf-8"
    try:
        return response.body.decode(charset)
    except LookupError:
        raise FetchError(f"bad charset: unknown charset {charset[:40]!r}") from None
    except UnicodeDecodeError as exc:
        raise FetchError(f"bad charset: not {charset} at byte {exc.start}") from None


def article_text(response: Response, title: str = "") -> str:
    """The main text of an article page (trafilatura: no menus, sidebars or comments; the title, when it opens
    the text, left out as the feed gives it); FetchError if none."""
    import trafilatura

    # No deduplicate=True: its memory of paragraphs is global to the process, so a page read a third time (a
    # retry, a wire story every outlet prints) would come back empty.
    text = trafilatura.extract(decode_page(response), include_comments=False, include_tables=False,
                               favor_precision=True)
    if not text or not text.strip():
        raise FetchError("no article text found in the page")
    first, _, rest = text.strip().partition("\n")
    opens_with_title = bool(title) and " ".join(first.split()) == " ".join(title.split())
    return rest.strip() if opens_with_title and rest.strip() else text.strip()


def host_of(url: str) -> str:
    """The URL's host name, for a feed without a title or a source name."""
    return urlsplit(url).hostname or printable(url)


def read_watch_file(path: str) -> list[str]:
    """The watch-list terms of FILE (one a line, # comments); InputError for an empty or unreadable file."""
    from mt.textio import read_text_input

    terms = [" ".join(line.split()) for line in read_text_input(path).splitlines()]
    terms = list(dict.fromkeys(t for t in terms if t and not t.startswith("#")))
    if not terms:
        raise InputError(path, "no term: write one Arabic or English term a line")
    return terms

