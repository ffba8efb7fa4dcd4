"""PowerPoint (.pptx) through python-pptx: text of every shape (groups, tables cell by cell) and the notes.

A translated paragraph keeps its paragraph properties and its dominant run's formatting; right-to-left settings
(rtl, rtlCol, right alignment of RTL paragraphs) are removed and run languages set to en-US.
"""

from __future__ import annotations

import copy
import io
from typing import TYPE_CHECKING

from mt.documents.base import Document, DocumentError
from mt.documents.runs import dominant

if TYPE_CHECKING:
    from pptx.oxml.text import CT_TextParagraph
    from pptx.slide import Slide

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
LANG_TAGS = ("rPr", "endParaRPr", "defRPr")


def a(tag: str) -> str:
    """Clark name of a DrawingML tag."""
    return f"{{{A}}}{tag}"


class PptxDocument(Document):
    """A presentation; units are the paragraphs of each slide (shapes in order, then tables), then its notes."""

    native_outputs = (".pptx",)

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        import pptx

        try:
            self.prs = pptx.Presentation(io.BytesIO(data))
            self.paragraphs = [p for slide in self.prs.slides for p in slide_paragraphs(slide)]
        except Exception as exc:  # noqa: BLE001 - python-pptx raises many types for a damaged package
            raise DocumentError(name, f"cannot read the presentation ({type(exc).__name__}: {exc})") from None
        self.units = [paragraph_text(p) for p in self.paragraphs]

    def render(self, english: list[str], suffix: str) -> bytes:
        """The same presentation with the English in place, left-to-right, en-US."""
        for p, source, text in zip(self.paragraphs, self.units, english, strict=True):
            if text != source:
                write_paragraph(p, text)
        for slide in self.prs.slides:
            make_ltr(slide._element)
            if slide.has_notes_slide:
                make_ltr(slide.notes_slide._element)
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()


def slide_paragraphs(slide: Slide) -> list[CT_TextParagraph]:
    """The a:p elements of a slide's shapes (groups entered, tables cell by cell), then of its notes."""
    found: list[CT_TextParagraph] = []
    for shape in _shapes(slide.shapes):
        if shape.has_text_frame:
            found.extend(p._p for p in shape.text_frame.paragraphs)
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                for cell in row.cells:
                    found.extend(p._p for p in cell.text_frame.paragraphs)
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        found.extend(p._p for p in slide.notes_slide.notes_text_frame.paragraphs)
    return found


def _shapes(shapes) -> list:
    out = []
    for shape in shapes:
        out.append(shape)
        if shape.shape_type is not None and hasattr(shape, "shapes"):  # a group
            out.extend(_shapes(shape.shapes))
    return out


def _pieces(p) -> list:
    return [c for c in p if c.tag in (a("r"), a("fld"), a("br"))]


def _piece_text(piece) -> str:
    if piece.tag == a("br"):
        return "\n"
    t = piece.find(a("t"))
    return "" if t is None or t.text is None else t.text


def paragraph_text(p) -> str:
    """The text of a paragraph: runs, fields, line breaks."""
    return "".join(_piece_text(piece) for piece in _pieces(p))


def write_paragraph(p, text: str) -> None:
    """Replace the paragraph's runs by the text, formatted as its dominant run."""
    from lxml import etree

    runs = [c for c in p if c.tag in (a("r"), a("fld"))]
    if not runs:
        return
    model = runs[dominant([_piece_text(r) for r in runs])]
    rpr = model.find(a("rPr"))
    anchor = _pieces(p)[0].getprevious()  # the a:pPr (or None): new runs go after it
    for piece in _pieces(p):
        p.remove(piece)
    position = 0 if anchor is None else list(p).index(anchor) + 1
    for k, line in enumerate(text.split("\n")):
        if k:
            br = etree.Element(a("br"))
            if rpr is not None:
                br.append(copy.deepcopy(rpr))
            p.insert(position, br)
            position += 1
        run = etree.Element(a("r"))
        if rpr is not None:
            run.append(copy.deepcopy(rpr))
        etree.SubElement(run, a("t")).text = line
        p.insert(position, run)
        position += 1


def make_ltr(root) -> None:
    """Remove rtl/rtlCol settings (and right alignment of RTL paragraphs); run languages en-US."""
    for ppr in root.iter(a("pPr")):
        if ppr.get("rtl") in ("1", "true") and ppr.get("algn") == "r":
            del ppr.attrib["algn"]
    for element in root.iter():
        for attr in ("rtl", "rtlCol"):
            if attr in element.attrib:
                del element.attrib[attr]
    for tag in LANG_TAGS:
        for element in root.iter(a(tag)):
            if "lang" in element.attrib:
                element.set("lang", "en-US")
            element.attrib.pop("altLang", None)
