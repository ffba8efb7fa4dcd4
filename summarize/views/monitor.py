"""The monitor's views (summarize.monitor.views dicts) as Markdown, HTML, JSON and Atom; every text escaped.

A story renders as the digest renders it (summarize.views.digest), with its stable id, its span and its new
reports; the stories' Atom feed has one entry per story (its id stable, `updated` its latest report) and is
written by the standard library's XML writer, which escapes every text and attribute.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from summarize.monitor.views import KINDS
from summarize.views.common import md_escape, md_table, page
from summarize.views.digest import STYLE, html_story, md_story

if TYPE_CHECKING:
    from summarize.digest.model import DigestStory

ATOM = "http://www.w3.org/2005/Atom"
_PAGE_STYLE = "body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
# A story renders as the digest's does (its scoped STYLE); a story with an alert is marked.
MONITOR_STYLE = STYLE + ".mtbrief-monitor .alert{border-left:4px solid #c00;padding-left:.5em}"


def story_from_dict(data: dict[str, Any]) -> DigestStory:
    """The digest's story of a stored view."""
    from summarize.digest.conflicts import Conflict
    from summarize.digest.model import DigestStory, Line, StoryFigure

    return DigestStory(data["id"], Line.from_dict(data["headline"]), tuple(data["reports"]), tuple(data["sources"]),
                 dict(data["duplicates"]), data["first"], data["last"],
                 tuple(Line.from_dict(p) for p in data["points"]),
                 tuple(StoryFigure(**f) for f in data["figures"]),
                 tuple(Conflict.from_dict(c) for c in data["conflicts"]))


def renderers(kind: str) -> dict[str, Callable[[Any, bool], str]]:
    """A monitor view's writers by format (JSON is summarize.views' own), for summarize.views.render."""
    if kind == "stories":
        return {"md": lambda v, _: stories_md(v.data), "html": lambda v, standalone: stories_html(v.data, standalone),
                "atom": lambda v, _: stories_atom(v.data)}
    if kind == "status":
        return {"md": lambda v, _: status_md(v.data)}
    return {"md": lambda v, _: results_md(v.data, kind), "html": lambda v, _: results_html(v.data, kind)}


FORMATS = {kind: (*renderers(kind), "json") for kind in KINDS}  # each view's formats (the commands' choices)


def _new_line(story: dict[str, Any]) -> str:
    new = len(story.get("new", []))
    alerts = story.get("alerts", [])
    return (f"{story['id']} · {new} new of {len(story['reports'])} reports"
            + (f" · alert: {', '.join(alerts)}" if alerts else ""))


def stories_md(view: dict[str, Any]) -> str:
    """The stories as Markdown."""
    lines = ["# Monitor: stories", "", md_escape(f"{len(view['stories'])} stories with reports from {view['since']} "
                                                f"to {view['until']} ({view['reports']} reports)."), ""]
    for data in view["stories"]:
        story_lines = md_story(story_from_dict(data))
        lines += [story_lines[0], "", f"*{md_escape(_new_line(data))}*", *story_lines[1:]]
    return "\n".join(lines) + "\n"


def stories_html(view: dict[str, Any], standalone: bool = True) -> str:
    """The stories as an <article> (a whole page when standalone); stories with alerts are marked."""
    esc = html.escape
    parts = ['<article class="mtbrief-monitor" lang="en">',
             f"<p>{len(view['stories'])} stories with reports from {esc(view['since'])} to {esc(view['until'])} "
             f"({view['reports']} reports).</p>"]
    for data in view["stories"]:
        section = html_story(story_from_dict(data))
        mark = ' data-alert="1"' if data.get("alerts") else ""
        section[0] = section[0].replace('class="story"', f'class="story{" alert" if mark else ""}"{mark}')
        section.insert(1, f'<p class="new">{esc(_new_line(data))}</p>')
        parts += section
    parts.append("</article>")
    body = "\n".join(parts)
    return page("Monitor", body, _PAGE_STYLE + MONITOR_STYLE) if standalone else body + "\n"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def stories_atom(view: dict[str, Any]) -> str:
    """The stories as an Atom 1.0 feed: one entry per story, its id stable, updated when it grows."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        """A child element in the Atom namespace, with its text."""
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    store = view.get("store", "store")
    sub(feed, "id", f"urn:mtbrief:monitor:{store}")
    sub(feed, "title", "mtbrief monitor: stories")
    sub(feed, "updated", max((s["last"] for s in view["stories"] if s["last"]), default=view["until"]))
    sub(sub(feed, "author"), "name", "mtbrief")
    sub(feed, "generator", "mtbrief")
    for data in view["stories"]:
        entry = sub(feed, "entry")
        headline = data["headline"]
        sub(entry, "id", f"urn:mtbrief:monitor:{store}:{data['id']}")
        sub(entry, "title", headline["english"] or headline["arabic"])
        sub(entry, "updated", data["last"] or view["until"])
        if data["first"]:
            sub(entry, "published", data["first"])
        for source in data["sources"]:
            sub(sub(entry, "author"), "name", source)
        if not data["sources"]:
            sub(sub(entry, "author"), "name", "unknown")
        sub(entry, "summary", _new_line(data))
        sub(entry, "content", "\n".join(html_story(story_from_dict(data))), type="html")
    # XML 1.0 has no way to write a control character or U+FFFE, which a feed's broken item can carry: left out
    return '<?xml version="1.0" encoding="utf-8"?>\n' + _NOT_XML.sub("", ET.tostring(feed, encoding="unicode")) + "\n"


def _rows(view: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return view["results"] if kind == "search" else view["alerts"]


def results_md(view: dict[str, Any], kind: str) -> str:
    """Search results or alerts as Markdown."""
    title = f"# Search: {md_escape(view['query'])}" if kind == "search" else "# Alerts"
    lines = [title, ""]
    for r in _rows(view, kind):
        head = f"[{r['term']}] " if kind == "alerts" else ""
        lines.append(f"- {md_escape(head + (r.get('title') or r.get('id') or r.get('report', '')))} "
                     f"({md_escape(r.get('source') or '')}, {md_escape(r.get('time') or '')}; "
                     f"{md_escape(r.get('story') or 'no story')})")
        if r.get("snippet"):
            lines.append(f"  {md_escape(r['snippet'])}")
    if not _rows(view, kind):
        lines.append("Nothing found." if kind == "search" else "No alert.")
    return "\n".join(lines) + "\n"


def results_html(view: dict[str, Any], kind: str) -> str:
    """Search results or alerts as an HTML list."""
    esc = html.escape
    items = []
    for r in _rows(view, kind):
        term = f'<b class="term">{esc(r["term"])}</b> ' if kind == "alerts" else ""
        snip = f'<p class="ar" dir="rtl" lang="ar">{esc(r["snippet"])}</p>' if r.get("snippet") else ""
        items.append(f'<li class="{kind}-result">{term}<span class="ar" dir="rtl" lang="ar">'
                     f"{esc(r.get('title') or '')}</span> · {esc(r.get('source') or '')} · {esc(r.get('time') or '')}"
                     f" · {esc(r.get('story') or 'no story')}{snip}</li>")
    if not items:
        items.append(f"<li>{'Nothing found.' if kind == 'search' else 'No alert.'}</li>")
    return f'<ul class="mtbrief-{kind}">' + "".join(items) + "</ul>\n"


def status_md(view: dict[str, Any]) -> str:
    """The feeds' status as a Markdown table."""
    rows = [[md_escape(f["url"]), md_escape(f["source"]), md_escape(f["last_ok"] or "never"),
             md_escape(f["error"] or ""), str(f["items"])] for f in view["feeds"]]
    lines = ["# Monitor: status", "", *md_table(["Feed", "Source", "Last success", "Error", "Items"], rows)]
    counts = view["counts"]
    lines += ["", f"{counts['reports']} reports, {counts['stories']} stories, {counts['shown']} translated texts, "
              f"{counts['alerts']} alerts; {view['pages_pending']} pages to fetch again; "
              f"{view['bytes']:,} bytes on disk.", ""]
    return "\n".join(lines)
