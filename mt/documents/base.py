"""The documents layer's one interface: a Document gives its translatable units (paragraphs, in reading order)
and writes translations back; the registry maps file suffixes to the module that reads each format."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from mt.errors import InputError

# suffix -> "module:class"; modules are imported only when a file of theirs is read
FORMATS: dict[str, str] = {
    ".docx": "mt.documents.docx:DocxDocument",
    ".pptx": "mt.documents.pptx:PptxDocument",
    ".odt": "mt.documents.odf:OdfDocument",
    ".odp": "mt.documents.odf:OdfDocument",
    ".html": "mt.documents.html:HtmlDocument",
    ".htm": "mt.documents.html:HtmlDocument",
    ".xhtml": "mt.documents.html:HtmlDocument",
    ".epub": "mt.documents.epub:EpubDocument",
    ".srt": "mt.documents.srt:SrtDocument",
    ".pdf": "mt.documents.pdf:PdfDocument",
    ".txt": "mt.documents.plain:PlainDocument",
    ".md": "mt.documents.plain:PlainDocument",
}
SUPPORTED_SUFFIXES = tuple(FORMATS)
# Read as documents rather than as text lines (.txt and .md are both; the text commands read them as lines).
DOCUMENT_SUFFIXES = tuple(s for s in FORMATS if s not in (".txt", ".md"))
# Document types people will try that are not supported: refused by name instead of read as text.
UNSUPPORTED_SUFFIXES = (".doc", ".dot", ".ppt", ".pps", ".xls", ".xlsx", ".ods", ".odg", ".rtf", ".mobi",
                        ".azw", ".azw3", ".djvu", ".pages", ".key", ".numbers", ".zip")
# Outputs every document can be written as, from its paragraphs alone (PDF's only outputs).
GENERIC_OUTPUTS = (".docx", ".md", ".txt", ".html", ".htm")
BILINGUAL_OUTPUTS = (".docx", ".html", ".htm", ".srt", ".txt", ".md")
# Outputs that are text: they may go to stdout.
TEXT_OUTPUTS = (".html", ".htm", ".xhtml", ".srt", ".txt", ".md")


def supported_list() -> str:
    """The supported suffixes as one phrase for error messages."""
    return " ".join(SUPPORTED_SUFFIXES)


class DocumentError(InputError):
    """A document that cannot be read as its suffix says: names the problem and the supported formats."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(source, f"{problem} (supported formats: {supported_list()})")


class Document(ABC):
    """A read document: `units` are its paragraphs in reading order; render() writes English back in place."""

    suffix: str = ""
    native_outputs: tuple[str, ...] = ()  # suffixes render() can write, keeping the document's own structure
    default_output: str = ""  # output suffix when none is asked for ("" = the input's own)

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        self.name, self.suffix = name, suffix
        self.units: list[str] = []

    @abstractmethod
    def render(self, english: list[str], suffix: str) -> bytes:
        """The document with every unit replaced by its English (one per unit, in order), as `suffix`."""

    def render_bilingual(self, english: list[str], suffix: str) -> bytes | None:
        """A bilingual document in the format's own structure, or None to use the generic table/page."""
        return None


def suffix_of(name: str) -> str:
    """The lower-case suffix of a file name ('' when it has none)."""
    return Path(name).suffix.lower()


def is_document(name: str) -> bool:
    """True when the file is to be read as a document, not as text lines (.docx ... .srt .pdf, not .txt/.md)."""
    return suffix_of(name) in DOCUMENT_SUFFIXES


def check_suffix(name: str) -> None:
    """DocumentError for a document type that is known but not supported (.doc, .xlsx, .rtf, ...)."""
    if suffix_of(name) in UNSUPPORTED_SUFFIXES:
        raise DocumentError(name, f"unsupported file type {suffix_of(name)!r}")
