"""Corrections made on a shown translation (the UI's editable sentence table) stored in the memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mt.errors import InputError

if TYPE_CHECKING:
    from mt.translator import Translator
    from mt.types import Translation


def store_corrections(translator: Translator, shown: Translation, english: list[str]) -> int:
    """Store every segment whose English was edited (one transaction); how many were stored.

    `english` is the edited English column, one cell per segment of `shown`; a cell left empty or unchanged
    stores nothing. The key is the segment's prepared Arabic, as the translator prepares that document.
    """
    if translator.memory is None:
        raise InputError("corrections", "the corrections memory is off (--no-memory)")
    segments = shown.segments
    if len(english) != len(segments):
        raise InputError("corrections", f"the table has {len(english)} rows for {len(segments)} sentences; "
                                        "edit the English cells without adding or removing rows")
    prepared = translator.prepare(shown.source_text)
    if [p.source.span for p in prepared] != [s.span for s in segments]:
        raise InputError("corrections", "the sentences no longer match the text; translate it again")
    edits = [(prep.mt_input, " ".join(new.split())) for prep, seg, new in zip(prepared, segments, english, strict=True)
             if new.strip() and " ".join(new.split()) != seg.target]
    return translator.memory.put_many(edits, origin="ui")
