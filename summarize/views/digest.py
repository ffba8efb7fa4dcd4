"""Markdown and standalone HTML views of a digest; every text escaped, Arabic in right-to-left blocks."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from summarize.views.common import AR, EN, format_value, html_flags, html_table, md_escape, md_flags, md_table, page

if TYPE_CHECKING:
    from summarize.digest.conflicts import Conflict
    from summarize.digest.model import Digest, DigestStory, Line

# The digest's own layout, scoped to its article: the standalone page and the web UI's Digest tab both use it.
# Inside the web UI its paragraphs must stay blocks (a list item's paragraphs are inline there), and a long
# unbroken string (a URL, a garbled line) wraps instead of running off the page.
_SCOPE = ":is(.mtbrief-digest,.mtbrief-monitor)"  # the monitor shows its stories as the digest does
STYLE = "".join(f"{_SCOPE}{rule}" for rule in (
    "{overflow-wrap:anywhere}", " p{display:block;margin:.25em 0}", " .ar{font-size:1.1em;text-align:right}",
    " .conflict{background:#fff3cd;padding:.3em}", " .flag{color:#8a4b00}", " table{border-collapse:collapse}",
    " td{border:1px solid #ccc;padding:.2em .4em}", " th{border:1px solid #ccc;padding:.2em .4em}"))
_PAGE_STYLE = "body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"


def _summary(digest: Digest) -> str:
    multi = sum(len(s.reports) > 1 for s in digest.stories)
    return (f"{digest.reports} reports, {len(digest.stories)} stories ({multi} told by 2+ reports); "
            f"{len(digest.failures)} failed. Translated {digest.translated} of {digest.sentences} sentences.")


def _when(story: DigestStory) -> str:
    if not story.first:
        return ""
    return story.first if story.first == story.last else f"{story.first} – {story.last}"


def _conflict_text(conflict: Conflict) -> str:
    values = "; ".join(f"{v.value:,}" if isinstance(v.value, (int, float)) else str(v.value) for v in conflict.values)
    return f"{conflict.kind}: {values}"


def md_story(story: DigestStory) -> list[str]:
    """One story's Markdown lines (the digest and the monitor show a story alike)."""
    lines = [f"## {md_escape(story.headline.english or story.headline.arabic)}", "",
             f"**{md_escape(story.headline.arabic)}**", "", *md_flags(story.headline.qe.flags, ""),
             *([""] if story.headline.qe.flags else []),
             f"Sources: {md_escape(', '.join(story.sources) or 'unknown')} · {len(story.reports)} reports"
             + (f" · {md_escape(_when(story))}" if story.first else ""), "",
             f"Reports: {md_escape(', '.join(story.reports))}", ""]
    for number, point in enumerate(story.points, 1):
        lines += [f"{number}. {md_escape(point.arabic)}", "", f"   {md_escape(point.english)}",
                  f"   *({md_escape(point.source or point.report)})*", ""]
        lines += [*md_flags(point.qe.flags), ""] if point.qe.flags else []
    if story.figures:
        lines += md_table(["Kind", "Value", "Source", "Report"], [
            [f.kind, md_escape(format_value(f)), md_escape(f.source), md_escape(f.report)] for f in story.figures])
        lines.append("")
    for conflict in story.conflicts:
        lines.append(f"> ⚠ Conflict — {md_escape(_conflict_text(conflict))}")
        for value in conflict.values:
            lines.append(f"> - {md_escape(str(value.value))}: {md_escape(', '.join(value.reports))}"
                         f" ({md_escape(', '.join(value.sources))}) — {md_escape(value.english or value.arabic)}")
            lines += [f">   ⚠ {md_escape(flag.message)}" for flag in value.qe.flags]
        lines.append("")
    return lines


def to_markdown(digest: Digest) -> str:
    """The digest as Markdown: a summary line, then each story with its points, figures and conflicts."""
    lines = ["# Digest", "", md_escape(_summary(digest)), ""]
    for story in digest.stories:
        lines += md_story(story)
    if digest.failures:
        lines += ["## Reports that failed", ""]
        lines += [f"- {md_escape(f.id)}: {md_escape(f.problem)}" for f in digest.failures]
        lines.append("")
    signature = str(digest.signature) if digest.signature else "none"
    lines += ["---", "", f"*Grouping: {digest.encoder} · Translation: {md_escape(signature)}*", ""]
    return "\n".join(lines)


def _pair(line: Line, tag: str = "p") -> str:
    esc = html.escape
    return (f'<{tag} class="ar" {AR}>{esc(line.arabic)}</{tag}>'
            f'<{tag} class="en" {EN}>{esc(line.english)}</{tag}>' + "".join(html_flags(line.qe.flags)))


def html_story(story: DigestStory) -> list[str]:
    """One story's HTML parts, a <section> (the digest and the monitor show a story alike)."""
    esc = html.escape
    parts = [f'<section class="story" id="{esc(story.id)}">',
             f'<h2 class="en" {EN}>{esc(story.headline.english)}</h2>',
             f'<p class="ar headline" {AR}>{esc(story.headline.arabic)}</p>', *html_flags(story.headline.qe.flags),
             f'<p class="meta">Sources: {esc(", ".join(story.sources) or "unknown")} · {len(story.reports)} reports'
             + (f" · {esc(_when(story))}" if story.first else "") + "</p>",
             f'<p class="reports">Reports: {esc(", ".join(story.reports))}</p>']
    if story.points:
        parts.append('<ol class="points">')
        parts += [f"<li>{_pair(p)}<p class=\"from\">{esc(p.source or p.report)}</p></li>" for p in story.points]
        parts.append("</ol>")
    if story.figures:
        parts += html_table(["Kind", "Value", "Source", "Report", "Arabic"], [
            [f"<td>{esc(f.kind)}</td>", f"<td>{esc(format_value(f))}</td>", f"<td>{esc(f.source)}</td>",
             f"<td>{esc(f.report)}</td>", f"<td {AR}>{esc(f.arabic)}</td>"] for f in story.figures])
    for conflict in story.conflicts:
        parts.append(f'<div class="conflict" data-kind="{esc(conflict.kind)}"><p>⚠ Conflict: '
                     f"{esc(_conflict_text(conflict))}</p><ul>")
        parts += [f"<li><b>{esc(str(v.value))}</b>: {esc(', '.join(v.reports))} ({esc(', '.join(v.sources))})"
                  f'<p class="ar" {AR}>{esc(v.arabic)}</p><p class="en" {EN}>{esc(v.english)}</p>'
                  + "".join(html_flags(v.qe.flags)) + "</li>"
                  for v in conflict.values]
        parts.append("</ul></div>")
    return parts + ["</section>"]


def to_html(digest: Digest, standalone: bool = True) -> str:
    """The digest as an <article> (a whole UTF-8 page when standalone)."""
    esc = html.escape
    parts = ['<article class="mtbrief-digest" lang="en">', "<h1>Digest</h1>", f"<p>{esc(_summary(digest))}</p>"]
    for story in digest.stories:
        parts += html_story(story)
    if digest.failures:
        parts += ["<h2>Reports that failed</h2>", '<ul class="failures">']
        parts += [f"<li>{esc(f.id)}: {esc(f.problem)}</li>" for f in digest.failures]
        parts.append("</ul>")
    signature = str(digest.signature) if digest.signature else "none"
    parts += [f"<footer>Grouping: {esc(digest.encoder)} · Translation: {esc(signature)}</footer>", "</article>"]
    body = "\n".join(parts)
    return page("Digest", body, _PAGE_STYLE + STYLE) if standalone else body + "\n"
