"""Briefs, digests and quality flags on top of the translation library `mt`; every public entry point by name.

    from summarize import brief_text, make_digest, read_reports, render
    brief = brief_text(translator, arabic_text)          # plan on the Arabic, translate only what is shown
    print(render(brief, "md"))                           # one dispatch renders every result: md, html, json

Names load on first use (no work at import time). Imports mt (never eval or ui); only summarize.cli imports mt.cli.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module that defines it
_WHERE = {
    # the brief of one report
    "Brief": "summarize.brief.model", "BriefStory": "summarize.brief.model", "Point": "summarize.brief.model",
    "brief_text": "summarize.brief.make", "make_brief": "summarize.brief.make", "ORDERS": "summarize.brief.make",
    "PlanOptions": "summarize.brief.plan", "StoryOptions": "summarize.brief.stories",
    "RankOptions": "summarize.rank", "RANKERS": "summarize.rank",
    # the digest of many reports
    "Digest": "summarize.digest.model", "DigestStory": "summarize.digest.model", "Line": "summarize.digest.model",
    "DigestOptions": "summarize.digest.make", "make_digest": "summarize.digest.make",
    "GroupOptions": "summarize.digest.grouping", "group_reports": "summarize.digest.grouping",
    "Report": "summarize.digest.reports", "ReportFailure": "summarize.digest.reports",
    "read_reports": "summarize.digest.reports",
    # quality flags and figures
    "QE": "summarize.quality.qe", "SIMILARITY_THRESHOLD": "summarize.quality.check",
    "check_translation": "summarize.quality.check", "number_flags": "summarize.quality.check",
    "Figure": "summarize.lang.figures", "extract_figures": "summarize.lang.figures",
    # views
    "FORMATS": "summarize.views", "render": "summarize.views",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'summarize' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
