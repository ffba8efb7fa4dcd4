"""Subtitles (.srt) through the `srt` package: each cue's text is one unit (its lines joined); numbers and
timings are kept. Bilingual: each cue shows the Arabic line above the English."""

from __future__ import annotations

from mt.documents.base import Document, DocumentError
from mt.textio import decode_text


class SrtDocument(Document):
    """A SubRip file."""

    native_outputs = (".srt",)

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        import srt

        text = decode_text(data, name)
        try:
            self.cues = list(srt.parse(text))
        except (srt.SRTParseError, ValueError) as exc:
            raise DocumentError(name, f"not a valid SubRip file ({exc})") from None
        if not self.cues:
            raise DocumentError(name, "holds no subtitle cue")
        self.units = [" ".join(cue.content.split()) for cue in self.cues]

    def render(self, english: list[str], suffix: str) -> bytes:
        """The cues with English text, timings unchanged."""
        return self._compose([e for e in english])

    def render_bilingual(self, english: list[str], suffix: str) -> bytes:
        """The cues with the Arabic text above the English."""
        return self._compose([f"{a}\n{e}" if a != e else a for a, e in zip(self.units, english, strict=True)])

    def _compose(self, contents: list[str]) -> bytes:
        import srt

        cues = [srt.Subtitle(cue.index, cue.start, cue.end, text, cue.proprietary)
                for cue, text in zip(self.cues, contents, strict=True)]
        return srt.compose(cues, reindex=False).encode("utf-8")
