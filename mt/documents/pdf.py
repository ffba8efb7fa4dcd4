"""PDF through pypdf: the text layer, page by page, rebuilt into paragraphs; written as .docx, .md or .txt.

The layout (columns, positions, fonts, images) is not rebuilt. A page's lines are joined into one paragraph
until a blank line, or a short line that ends a sentence. A PDF without a text layer (a scan) is refused.
"""

from __future__ import annotations

import io
import logging
import re

from mt.documents.base import Document, DocumentError

SENTENCE_END = (".", "!", "?", "؟", "۔", ":", "…", "\u061f", '"', "»", ")")
_ARABIC_WORD = re.compile("[\u0621-\u064a]{3,}")
_LTR_RUN = re.compile("[0-9A-Za-z\u0660-\u0669][0-9A-Za-z\u0660-\u0669.,:/%-]*[0-9A-Za-z\u0660-\u0669]|[0-9A-Za-z]")
SHORT_LINE = 0.75  # a line shorter than this share of the page's longest line can end a paragraph


class PdfDocument(Document):
    """A PDF's text as paragraphs; it has no native output, so it is written through the generic writers."""

    native_outputs = ()
    default_output = ".docx"

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files warn per object; the error says it
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _opens_without_password(reader):
                raise DocumentError(name, "is an encrypted (password-protected) PDF: remove the password first")
            pages = [page.extract_text() or "" for page in reader.pages]
        except DocumentError:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
            raise DocumentError(name, f"corrupt PDF ({type(exc).__name__}: {exc})") from None
        if not any(p.strip() for p in pages):
            raise DocumentError(name, f"no text layer ({len(pages)} page(s) of images only?); run OCR first")
        self.units = [para for page in pages for para in paragraphs(logical_order(page))]

    def render(self, english: list[str], suffix: str) -> bytes:
        """Never called: a PDF is written as .docx, .md or .txt by the generic writers."""
        raise NotImplementedError("PDF output is not supported")


def _opens_without_password(reader) -> bool:
    # A PDF encrypted only to restrict printing or copying opens with the empty user password.
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 - unsupported algorithms (AES without `cryptography`) mean "cannot open"
        return False


def logical_order(page: str) -> str:
    """The page's text in reading order: many PDFs store Arabic lines in visual order, which extracts reversed.

    Reversed text shows as words ending in "لا" (the article "ال" read backwards) outnumbering words starting
    with "ال"; such a page has each line reversed, then its digit and Latin runs turned back.
    """
    words = _ARABIC_WORD.findall(page)
    forward = sum(w.startswith("ال") for w in words)
    backward = sum(w.endswith("لا") for w in words)
    if backward <= forward:
        return page
    return "\n".join(_LTR_RUN.sub(lambda m: m.group()[::-1], line[::-1]) for line in page.splitlines())


def paragraphs(page: str) -> list[str]:
    """A page's extracted lines joined into paragraphs."""
    lines = [" ".join(line.split()) for line in page.splitlines()]
    longest = max((len(line) for line in lines), default=0)
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if line.endswith(SENTENCE_END) and len(line) < SHORT_LINE * longest:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out
