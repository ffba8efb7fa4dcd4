"""Text and Markdown (.txt, .md): one unit per line, blank lines kept; Markdown's line markers (# - * 1. >)
stay outside the translation."""

from __future__ import annotations

import re

from mt.documents.base import Document
from mt.textio import decode_text, text_lines

_MARKER = re.compile(r"^(\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)*)(.*)$")


class PlainDocument(Document):
    """A UTF-8 text or Markdown file."""

    native_outputs = (".txt", ".md")

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        lines = text_lines(decode_text(data, name))
        split = [_split_marker(line) if suffix == ".md" else ("", line) for line in lines]
        self.markers = [marker for marker, _ in split]
        self.units = [text for _, text in split]

    def render(self, english: list[str], suffix: str) -> bytes:
        """The lines with their English, markers kept."""
        return "".join(m + e + "\n" for m, e in zip(self.markers, english, strict=True)).encode("utf-8")


def _split_marker(line: str) -> tuple[str, str]:
    """(Markdown line markers, text) of one line; the markers are empty when the line has none."""
    match = _MARKER.match(line)
    if match is None:  # every part of the pattern may be empty: only a line break inside `line` gets here
        raise ValueError(f"expected a single line, got {line!r}")
    return match[1], match[2]
