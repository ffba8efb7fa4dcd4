"""Markdown and HTML views of a brief; every text is escaped, Arabic blocks are marked right-to-left."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mt.types import Flag
    from summarize.brief.make import Brief, Point
    from summarize.lang.figures import Figure

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
AR = 'dir="rtl" lang="ar"'
EN = 'lang="en"'


def md_escape(text: str) -> str:
    """Text safe inside Markdown (and a table cell): specials backslash-escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_flags(flags: tuple[Flag, ...], indent: str = "   ") -> list[str]:
    """A quality flag's "check" mark per line, as a Markdown quote (nothing when the sentence passed)."""
    return [f"{indent}> ⚠ {md_escape(flag.message)}" for flag in flags]


def html_flags(flags: tuple[Flag, ...]) -> list[str]:
    """A quality flag's "check" mark per paragraph (nothing when the sentence passed)."""
    return [f'<p class="flag" {EN} data-kind="{html.escape(f.kind)}">{html.escape(f.message)}</p>' for f in flags]


def format_value(figure: Figure) -> str:
    """A figure's value for people: thousands separated, its unit attached (`1,500,000 dollars`, `30%`)."""
    value = figure.value
    text = f"{value:,}" if isinstance(value, (int, float)) else str(value)
    if figure.unit == "%":
        return text + "%"
    return f"{text} {figure.unit}" if figure.unit else text


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
        head, rule = ("| Story ", "| --- ") if story else ("", "")
        lines += ["## Key figures", "", f"{head}| Kind | Value | Arabic | English |",
                  f"{rule}| --- | --- | --- | --- |"]
        lines += [f"{f'| {story[k]} ' if story else ''}| {f.kind} | {md_escape(format_value(f))} | "
                  f"{md_escape(f.arabic)} | {md_escape(f.english)} |" for k, f in enumerate(brief.figures)]
        lines.append("")
    lines += ["---", "", f"*{md_escape(_footer(brief))}*", ""]
    return "\n".join(lines)


def _html_pair(point: Point) -> list[str]:
    esc = html.escape
    out = [f'<p class="ar" {AR}>{esc(point.arabic)}</p>', f'<p class="en" {EN}>{esc(point.english)}</p>']
    return out + html_flags(point.qe.flags)


def to_html(brief: Brief, standalone: bool = False) -> str:
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
        parts += ["<h2>Key figures</h2>", '<table class="figures">',
                  f"<thead><tr>{'<th>Story</th>' if story else ''}<th>Kind</th><th>Value</th><th>Arabic</th>"
                  "<th>English</th></tr></thead>", "<tbody>"]
        parts += [f"<tr>{f'<td>{story[k]}</td>' if story else ''}<td>{esc(f.kind)}</td>"
                  f"<td>{esc(format_value(f))}</td><td {AR}>{esc(f.arabic)}</td><td {EN}>{esc(f.english)}</td>"
                  "</tr>" for k, f in enumerate(brief.figures)]
        parts += ["</tbody>", "</table>"]
    parts += [f"<footer>{esc(_footer(brief))}</footer>", "</article>"]
    body = "\n".join(parts)
    if not standalone:
        return body + "\n"
    head = '<head>\n<meta charset="utf-8">\n<title>Brief</title>\n</head>'
    return f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body>\n{body}\n</body>\n</html>\n'
