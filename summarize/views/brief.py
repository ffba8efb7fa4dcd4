"""Markdown and HTML views of a brief; every text is escaped, Arabic blocks are marked right-to-left."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from summarize.views.common import AR, EN, format_value, html_flags, html_table, md_escape, md_flags, md_table, page

if TYPE_CHECKING:
    from summarize.brief.model import Brief, Point

def _footer(brief: Brief) -> str:
    return f"Ranker: {brief.ranker} · Translation: {brief.signature}"


def story_heading(number: int, span: tuple[int, int]) -> str:
    """"Story 2 · sentences 10–11" (1-based, inclusive)."""
    first, last = span[0] + 1, span[1]
    return f"Story {number} · sentence {first}" if first == last else f"Story {number} · sentences {first}–{last}"


def _groups(brief: Brief) -> list[tuple[str, tuple[int, ...]]]:
    """(heading, point indices) per story when the report has several; one untitled group otherwise."""
    if len(brief.stories) < 2:
        return [("", tuple(range(len(brief.points))))]
    return [(story_heading(k, story.span), story.points) for k, story in enumerate(brief.stories, 1)]


def _figure_story(brief: Brief) -> dict[int, int]:
    """Figure index -> its story's number, when the report has several stories."""
    if len(brief.stories) < 2:
        return {}
    return {f: k for k, story in enumerate(brief.stories, 1) for f in story.figures}


def _md_point(number: int, point: Point) -> list[str]:
    lines = [f"{number}. {md_escape(point.arabic)}", "", f"   {md_escape(point.english)}"]
    if point.qe.flags:
        lines += ["", *md_flags(point.qe.flags)]
    return lines + [""]


def to_markdown(brief: Brief) -> str:
    """The brief as Markdown: title, headline (Arabic bold, then English), points, figures, footer."""
    lines = ["# Brief", ""]
    if brief.headline is None:
        lines += ["No Arabic sentence to brief.", ""]
    else:
        lines += [f"**{md_escape(brief.headline.arabic)}**", "", md_escape(brief.headline.english), ""]
    if brief.points:
        lines += ["## Key points", ""]
        for heading, numbers in _groups(brief):
            lines += [f"### {heading}", ""] if heading else []
            lines += [line for n in numbers for line in _md_point(n + 1, brief.points[n])]
            lines += [] if numbers or not heading else ["   (no point: more stories than points)", ""]
    if brief.figures:
        story = _figure_story(brief)
        headers = [*(["Story"] if story else []), "Kind", "Value", "Arabic", "English"]
        rows = [[*([str(story[k])] if story else []), f.kind, md_escape(format_value(f)), md_escape(f.arabic),
                 md_escape(f.english)] for k, f in enumerate(brief.figures)]
        lines += ["## Key figures", "", *md_table(headers, rows)]
        lines.append("")
    lines += ["---", "", f"*{md_escape(_footer(brief))}*", ""]
    return "\n".join(lines)


def _html_pair(point: Point) -> list[str]:
    esc = html.escape
    out = [f'<p class="ar" {AR}>{esc(point.arabic)}</p>', f'<p class="en" {EN}>{esc(point.english)}</p>']
    return out + html_flags(point.qe.flags)


def to_html(brief: Brief, standalone: bool = True) -> str:
    """The brief as an HTML fragment (an <article>), or a whole UTF-8 page when standalone."""
    esc = html.escape
    parts = ['<article class="mtbrief-brief" lang="en">', "<h1>Brief</h1>"]
    if brief.headline is None:
        parts.append("<p>No Arabic sentence to brief.</p>")
    else:
        parts += ['<section class="headline">', *_html_pair(brief.headline), "</section>"]
    if brief.points:
        parts.append("<h2>Key points</h2>")
        for heading, numbers in _groups(brief):
            # Points keep their numbers across stories (value=), as in the Markdown.
            items = [f'<li{f" value={n + 1}" if heading else ""}>{"".join(_html_pair(brief.points[n]))}</li>'
                     for n in numbers]
            if heading:
                parts += ['<section class="story">', f"<h3>{esc(heading)}</h3>"]
            parts += ['<ol class="points">', *items, "</ol>"] if items else ['<p class="no-point">(no point: '
                                                                            'more stories than points)</p>']
            parts += ["</section>"] if heading else []
    if brief.figures:
        story = _figure_story(brief)
        headers = [*(["Story"] if story else []), "Kind", "Value", "Arabic", "English"]
        rows = [[*([f"<td>{story[k]}</td>"] if story else []), f"<td>{esc(f.kind)}</td>",
                 f"<td>{esc(format_value(f))}</td>", f"<td {AR}>{esc(f.arabic)}</td>",
                 f"<td {EN}>{esc(f.english)}</td>"] for k, f in enumerate(brief.figures)]
        parts += ["<h2>Key figures</h2>", *html_table(headers, rows)]
    parts += [f"<footer>{esc(_footer(brief))}</footer>", "</article>"]
    body = "\n".join(parts)
    return page("Brief", body) if standalone else body + "\n"
