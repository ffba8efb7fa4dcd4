"""Writers of translations: segments as JSON lines, and a text with no Arabic written as it is."""

from __future__ import annotations

import json
import sys
from typing import IO, TYPE_CHECKING

from mt.errors import printable
from mt.textio import text_lines
from mt.types import Segment, Translation

if TYPE_CHECKING:
    from mt.protocol import Translates


def write_segments_jsonl(translation: Translation, name: str, out: IO[str]) -> None:
    """One JSON object per segment: file, paragraph, span, source, target, origin, flags."""
    for seg in translation.segments:
        record = {"file": printable(name), "paragraph": seg.paragraph, "span": list(seg.span), "source": seg.source,
                  "target": seg.target, "origin": seg.origin, "flags": seg.to_dict()["flags"]}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def unchanged_translation(translator: Translates, text: str) -> Translation:
    """A text with no Arabic letter as a Translation of itself: its sentences, each its own target."""
    segments = tuple(Segment(p.source.text, p.source.text, p.source.paragraph, p.source.span)
                     for p in translator.prepare(text))
    return Translation(text, segments, translator.signature)


def write_unchanged(translator: Translates, text: str, name: str, fmt: str, out: IO[str]) -> None:
    """A text with no Arabic letter, written as it is (as the API returns it), with a note on stderr."""
    if text.strip():
        shown = "<stdin>" if name == "-" else printable(name)
        print(f"mtbrief: note: {shown}: no Arabic letter; written unchanged", file=sys.stderr)
    if fmt == "jsonl":
        write_segments_jsonl(unchanged_translation(translator, text), name, out)
    else:
        out.write("".join(line + "\n" for line in text_lines(text)))
