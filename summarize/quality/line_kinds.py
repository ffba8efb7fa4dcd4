"""What kind of line a segment is — a title, a quote, a short line or a sentence — read from its Arabic alone.

Human translators treat these differently: a headline or a heading is rendered by meaning and compressed (its
length and cross-lingual similarity spread far wider than a sentence's), a quotation is often paraphrased, and a
short line's lengths vary more in proportion. The quality verdict (summarize.quality.omission) judges each line
against lines of its own kind: the calibration (eval/quality/calibrate.py) fits a length and similarity shift and a
threshold per kind. The Arabic decides the kind because it is what the user gave; a damaged English must not move
its own line into a more lenient kind.
"""

from __future__ import annotations

import re

LINE_KINDS = ("sentence", "short", "title", "quote")
SHORT_LINE_WORDS = 10  # a punctuated line of fewer Arabic words than this is a short line
TITLE_MAX_WORDS = 25  # a line without a closing mark and longer than this is a sentence that lost its stop
QUOTED_SHARE = 0.5  # a line with at least this share of its letters inside quotation marks is a quote
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# What ends a sentence or a clause in either script: a heading, a caption, a headline or a list item has none.
_CLOSING = frozenset(".!?؟…:;؛,،")
_TRAILING = "\"'»”’)]}>*"  # closing quotes and brackets after the stop: «قال: "كذا."»
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
_OPENING_QUOTES = ("«", "“", "\"", "'", "‘")


def line_kind(arabic: str) -> str:
    """The kind of an Arabic line: "quote", "title", "short" or "sentence" (see LINE_KINDS)."""
    text = arabic.strip()
    words = len(_WORD.findall(text))
    if text.startswith(_OPENING_QUOTES) or _quoted_share(text) >= QUOTED_SHARE:
        return "quote"
    end = text.rstrip(_TRAILING + " ")
    if end and end[-1] not in _CLOSING and words <= TITLE_MAX_WORDS:
        return "title"
    return "short" if words < SHORT_LINE_WORDS else "sentence"


def _quoted_share(text: str) -> float:
    letters = sum(ch.isalnum() for ch in text)
    if not letters or not any(q in text for q in ("«", "“", '"')):
        return 0.0
    inside = sum(ch.isalnum() for span in _QUOTED.findall(text) for ch in span)
    return inside / letters
