"""What a translator offers every feature: the Translator, the server's MicroBatcher and a request's view of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from mt.arabic import PreparedSegment
from mt.types import Signature, Translation

Progress = Callable[[int, int], None]


class Translates(Protocol):
    """Prepare a text, translate some of its prepared segments, or translate whole texts in one batch."""

    @property
    def signature(self) -> Signature:
        """What produces the translations (model, revision, engine, compute type, beam, device)."""
        ...

    def prepare(self, text: str, final_ya: bool | None = None) -> list[PreparedSegment]:
        """Split and normalize a document into model-sized segments."""
        ...

    def translate_prepared(self, text: str, segments: list[PreparedSegment],
                           on_progress: Progress | None = None) -> Translation:
        """Translate only these prepared segments of `text`."""
        ...

    def translate_batch(self, texts: list[str], on_progress: Progress | None = None) -> list[Translation]:
        """Translate several documents at once."""
        ...
