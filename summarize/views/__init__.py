"""Every view of every result: `render(result, fmt)` is the one dispatch for briefs and digests.

Results never render themselves: they give their data (`to_dict`), and the modules here give the views.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mt.errors import InvalidOption

FORMATS = ("md", "html", "json")


def _views(result: object) -> tuple[Callable[..., str], Callable[..., str]]:
    """(to_markdown, to_html) of the result's kind."""
    from summarize.brief.model import Brief
    from summarize.digest.model import Digest
    from summarize.views import brief, digest

    views: dict[type, tuple[Callable[..., str], Callable[..., str]]] = {
        Brief: (brief.to_markdown, brief.to_html), Digest: (digest.to_markdown, digest.to_html)}
    for kind, pair in views.items():
        if isinstance(result, kind):
            return pair
    raise TypeError(f"no view of {type(result).__name__}: render takes a Brief or a Digest")


def render(result: Any, fmt: str, *, standalone: bool = True) -> str:
    """The result in one of FORMATS: Markdown, HTML (a whole page, or an <article> when not standalone), JSON."""
    if fmt not in FORMATS:
        raise InvalidOption("format", fmt, FORMATS)
    to_markdown, to_html = _views(result)
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return to_html(result, standalone) if fmt == "html" else to_markdown(result)
