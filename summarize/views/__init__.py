"""Every view of every result: `render(result, fmt)` is the one dispatch for briefs, digests and the monitor's
answers (summarize.monitor.views.MonitorView).

Results never render themselves: they give their data (`to_dict`), and the modules here give the views.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mt.errors import InvalidOption

FORMATS = ("md", "html", "json")  # a brief's and a digest's; a monitor view's: summarize.views.monitor.FORMATS
Renderer = Callable[[Any, bool], str]  # (result, standalone) -> text


def _json(result: Any, standalone: bool = True) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _ignoring_standalone(to_text: Callable[[Any], str]) -> Renderer:
    return lambda result, _standalone: to_text(result)


def renderers(result: object) -> dict[str, Renderer]:
    """The formats a result renders in, each with its writer."""
    from summarize.brief.model import Brief
    from summarize.digest.model import Digest
    from summarize.monitor.views import MonitorView
    from summarize.views import brief, digest, monitor

    if isinstance(result, MonitorView):
        return {**monitor.renderers(result.kind), "json": _json}
    for kind, module in ((Brief, brief), (Digest, digest)):
        if isinstance(result, kind):
            return {"md": _ignoring_standalone(module.to_markdown), "html": module.to_html, "json": _json}
    raise TypeError(f"no view of {type(result).__name__}: render takes a Brief, a Digest or a MonitorView")


def render(result: Any, fmt: str, *, standalone: bool = True) -> str:
    """The result in one of its formats: Markdown, HTML (a whole page, or an <article> when not standalone), JSON,
    and Atom for the monitor's stories; InvalidOption naming the result's formats for any other."""
    writers = renderers(result)
    if fmt not in writers:
        raise InvalidOption("format", fmt, list(writers))
    return writers[fmt](result, standalone)
