"""Markdown and HTML views of a brief; every text is escaped, Arabic blocks are marked right-to-left."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from summarize.brief import Brief, Point
    from summarize.figures import Figure

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
AR = 'dir="rtl" lang="ar"'
EN = 'lang="en"'


def md_escape(text: str) -> str:
    """Text safe inside Markdown (and a table cell): specials backslash-escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def format_value(figure: Figure) -> str:
    """A figure's value for people: thousands separated, its unit attached (`1,500,000 dollars`, `30%`)."""
    value = figure.value
    text = f"{value:,}" if isinstance(value, (int, float)) else str(value)
    if figure.unit == "%":
        return text + "%"
    return f"{text} {figure.unit}" if figure.unit else text


def _footer(brief: Brief) -> str:
    return f"Ranker: {brief.ranker} · Translation: {brief.signature}"


def _md_point(number: int, point: Point) -> list[str]:
    lines = [f"{number}. {md_escape(point.arabic)}", "", f"   {md_escape(point.english)}"]
    if point.qe.flags:
        lines += ["", *(f"   > ⚠ {md_escape(flag.message)}" for flag in point.qe.flags)]
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
        for number, point in enumerate(brief.points, 1):
            lines += _md_point(number, point)
    if brief.figures:
        lines += ["## Key figures", "", "| Kind | Value | Arabic | English |", "| --- | --- | --- | --- |"]
        lines += [f"| {f.kind} | {md_escape(format_value(f))} | {md_escape(f.arabic)} | "
                  f"{md_escape(f.english)} |" for f in brief.figures]
        lines.append("")
    lines += ["---", "", f"*{md_escape(_footer(brief))}*", ""]
    return "\n".join(lines)


def _html_pair(point: Point) -> list[str]:
    esc = html.escape
    out = [f'<p class="ar" {AR}>{esc(point.arabic)}</p>', f'<p class="en" {EN}>{esc(point.english)}</p>']
    out += [f'<p class="flag" {EN} data-kind="{esc(f.kind)}">{esc(f.message)}</p>' for f in point.qe.flags]
    return out


def to_html(brief: Brief, standalone: bool = False) -> str:
    """The brief as an HTML fragment (an <article>), or a whole UTF-8 page when standalone."""
    esc = html.escape
    parts = ['<article class="mtbrief-brief" lang="en">', "<h1>Brief</h1>"]
    if brief.headline is None:
        parts.append("<p>No Arabic sentence to brief.</p>")
    else:
        parts += ['<section class="headline">', *_html_pair(brief.headline), "</section>"]
    if brief.points:
        parts += ["<h2>Key points</h2>", '<ol class="points">']
        parts += [f"<li>{''.join(_html_pair(point))}</li>" for point in brief.points]
        parts.append("</ol>")
    if brief.figures:
        parts += ["<h2>Key figures</h2>", '<table class="figures">',
                  "<thead><tr><th>Kind</th><th>Value</th><th>Arabic</th><th>English</th></tr></thead>",
                  "<tbody>"]
        parts += [f"<tr><td>{esc(f.kind)}</td><td>{esc(format_value(f))}</td>"
                  f"<td {AR}>{esc(f.arabic)}</td><td {EN}>{esc(f.english)}</td></tr>" for f in brief.figures]
        parts += ["</tbody>", "</table>"]
    parts += [f"<footer>{esc(_footer(brief))}</footer>", "</article>"]
    body = "\n".join(parts)
    if not standalone:
        return body + "\n"
    head = '<head>\n<meta charset="utf-8">\n<title>Brief</title>\n</head>'
    return f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body>\n{body}\n</body>\n</html>\n'
