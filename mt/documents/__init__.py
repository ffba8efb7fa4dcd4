"""Documents in, documents out: Word, PowerPoint, OpenDocument, HTML, EPUB, SubRip, PDF, text and Markdown.

Every format is a `Document` (mt.documents.base): its paragraphs in reading order, and a way to write the English
back. `translate_document` sends all paragraphs of a document through one `Translator.translate_batch`, so each
paragraph is translated whole (its sentences keep their context) and the batches stay full.
"""

from __future__ import annotations

from mt.documents.base import (
    BILINGUAL_OUTPUTS,
    DOCUMENT_SUFFIXES,
    GENERIC_OUTPUTS,
    SUPPORTED_SUFFIXES,
    TEXT_OUTPUTS,
    Document,
    DocumentError,
    check_suffix,
    is_document,
    suffix_of,
    supported_list,
)
from mt.documents.core import (
    DocumentResult,
    default_output_name,
    document_text,
    load_document,
    output_suffix,
    read_document_text,
    translate_document,
    translate_loaded,
    translate_units,
)

__all__ = [
    "BILINGUAL_OUTPUTS", "DOCUMENT_SUFFIXES", "GENERIC_OUTPUTS", "SUPPORTED_SUFFIXES", "TEXT_OUTPUTS", "Document",
    "DocumentError", "DocumentResult", "check_suffix", "default_output_name", "document_text", "is_document",
    "load_document", "output_suffix", "read_document_text", "suffix_of", "supported_list", "translate_document",
    "translate_loaded", "translate_units",
]
