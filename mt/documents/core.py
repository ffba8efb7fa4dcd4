"""Translate a document: its paragraphs in one batch, then written back as the output suffix asks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from mt.documents.base import BILINGUAL_OUTPUTS, FORMATS, GENERIC_OUTPUTS, Document, DocumentError, suffix_of
from mt.documents.safety import check_content
from mt.documents.writers import generic_output, strip_bidi_marks
from mt.errors import InvalidOption
from mt.htmltext import has_arabic

if TYPE_CHECKING:
    from mt.protocol import Translates


def load_document(data: bytes, name: str, suffix: str | None = None) -> Document:
    """Read a document from its bytes; DocumentError for an unsupported suffix or unreadable content."""
    suffix = suffix or suffix_of(name)
    if suffix not in FORMATS:
        raise DocumentError(name, f"unsupported file type {suffix or '(no suffix)'!r}")
    if not data:
        raise DocumentError(name, "empty file")
    check_content(data, name, suffix)
    module, _, cls = FORMATS[suffix].partition(":")
    return getattr(import_module(module), cls)(data, name, suffix)


@dataclass(frozen=True)
class DocumentResult:
    """A translated document: its bytes, their suffix, and the paragraphs both ways."""

    data: bytes
    suffix: str
    units: tuple[str, ...]
    english: tuple[str, ...]
    segments: int


def output_suffix(doc: Document, requested: str | None, bilingual: bool = False) -> str:
    """The output suffix: the requested one if this document can be written so, else InvalidOption."""
    suffix = (requested or doc.default_output or doc.suffix).lower()
    choices = BILINGUAL_OUTPUTS if bilingual else tuple(dict.fromkeys(doc.native_outputs + GENERIC_OUTPUTS))
    if bilingual and ".srt" not in doc.native_outputs:  # only subtitles can be written as subtitles
        choices = tuple(c for c in choices if c != ".srt")
    if suffix not in choices:
        what = "--bilingual output" if bilingual else f"output for a {doc.suffix} input"
        raise InvalidOption(what, suffix or "(no suffix)", choices)
    return suffix


def default_output_name(input_name: str, suffix: str) -> str:
    """Where `mtbrief translate report.docx` writes without -o: report.en.docx beside the input."""
    path = Path(input_name)
    return str(path.with_name(f"{path.stem}.en{suffix}"))


def translate_units(translator: Translates, units: list[str],
                    on_progress: Callable[[int, int], None] | None = None) -> tuple[list[str], int]:
    """Each paragraph's English (paragraphs without Arabic stay as they are) and the segment count."""
    english = list(units)
    todo = [i for i, text in enumerate(units) if has_arabic(text)]
    if not todo:
        return english, 0
    done = translator.translate_batch([units[i] for i in todo], on_progress)
    for i, translation in zip(todo, done, strict=True):
        english[i] = strip_bidi_marks(translation.text)
    return english, sum(len(t.segments) for t in done)


def translate_document(translator: Translates, data: bytes, name: str, output: str | None = None,
                       bilingual: bool = False,
                       on_progress: Callable[[int, int], None] | None = None) -> DocumentResult:
    """Read, translate paragraph by paragraph, and write a document; output is a suffix or file name."""
    doc = load_document(data, name)
    requested = output if not output or output.startswith(".") else suffix_of(output)
    return translate_loaded(translator, doc, output_suffix(doc, requested, bilingual), bilingual, on_progress)


def translate_loaded(translator: Translates, doc: Document, suffix: str, bilingual: bool = False,
                     on_progress: Callable[[int, int], None] | None = None) -> DocumentResult:
    """Translate a read document (all its paragraphs in one batch) and write it as `suffix`."""
    english, segments = translate_units(translator, doc.units, on_progress)
    title = Path(doc.name).stem
    if bilingual:
        rendered = doc.render_bilingual(english, suffix) if suffix in doc.native_outputs else None
        if rendered is None:
            rendered = generic_output(suffix, english, doc.units, title)
    elif suffix in doc.native_outputs:
        rendered = doc.render(english, suffix)
    else:
        rendered = generic_output(suffix, english, None, title)
    return DocumentResult(rendered, suffix, tuple(doc.units), tuple(english), segments)


def document_text(data: bytes, name: str) -> str:
    """A document's paragraphs as plain text, one a line (what the brief and the UI's text box read)."""
    units = load_document(data, name).units
    return "\n".join(" ".join(u.split()) for u in units if u.strip())


def read_document_text(path: str) -> str:
    """The paragraphs of a document file as plain text, one a line; InputError naming the file and problem."""
    from mt.textio import read_bytes_input

    return document_text(read_bytes_input(path), path)
