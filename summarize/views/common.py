"""What every view shares: escaping, flag marks, figure values, tables and the page shell."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mt.types import Flag
    from summarize.lang.figures import Figure

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
AR = 'dir="rtl" lang="ar"'
EN = 'lang="en"'


def md_escape(text: str) -> str:
    """Text safe inside Markdown (and a table cell): specials backslash-escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_flags(flags: Sequence[Flag], indent: str = "   ") -> list[str]:
    """A quality flag's "check" mark per line, as a Markdown quote (nothing when the sentence passed)."""
    return [f"{indent}> ⚠ {md_escape(flag.message)}" for flag in flags]


def html_flags(flags: Sequence[Flag]) -> list[str]:
    """A quality flag's "check" mark per paragraph (nothing when the sentence passed)."""
    return [f'<p class="flag" {EN} data-kind="{html.escape(f.kind)}">{html.escape(f.message)}</p>' for f in flags]


def format_value(figure: Figure | object) -> str:
    """A figure's value for people: thousands separated, its unit attached (`1,500,000 dollars`, `30%`)."""
    value = getattr(figure, "value", None)
    unit = getattr(figure, "unit", "")
    text = f"{value:,}" if isinstance(value, (int, float)) else str(value)
    if unit == "%":
        return text + "%"
    return f"{text} {unit}" if unit else text


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table (cells already escaped): header, rule, one line a row."""
    return ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |",
            *("| " + " | ".join(row) + " |" for row in rows)]


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], css: str = "figures") -> list[str]:
    """An HTML table (cells given as whole <td ...>...</td> strings, already escaped), one part a line."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return [f'<table class="{css}">', f"<thead><tr>{head}</tr></thead>", "<tbody>",
            *(f"<tr>{''.join(row)}</tr>" for row in rows), "</tbody>", "</table>"]


def page(title: str, body: str, style: str = "") -> str:
    """A whole UTF-8 HTML page around a body."""
    css = f"\n<style>{style}</style>" if style else ""
    head = f'<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>{css}\n</head>'
    return f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body>\n{body}\n</body>\n</html>\n'
