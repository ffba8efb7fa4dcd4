"""Word (.docx) through python-docx: body, tables, text boxes, headers, footers, footnotes, endnotes, comments.

A translated paragraph keeps its paragraph properties and the formatting of its dominant run (the run with the
most text); the other runs' text goes, their drawings, footnote references and fields stay. Right-to-left
settings (w:bidi, w:rtl, w:bidiVisual, right alignment of RTL paragraphs) are removed, languages set to en-US.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from mt.documents.base import Document, DocumentError
from mt.documents.runs import dominant

if TYPE_CHECKING:
    from docx.opc.part import Part
    from lxml.etree import _Element

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Parts python-docx loads as opaque blobs; their paragraphs are reached through the XML.
BLOB_PARTS = ("footnotes+xml", "endnotes+xml")
TEXT_PARTS = ("document.main+xml", "header+xml", "footer+xml", "comments+xml") + BLOB_PARTS
RTL_TAGS = ("bidi", "rtl", "bidiVisual", "cs")


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag."""
    return f"{{{W}}}{tag}"


TEXT_TAGS = {w("t"): None, w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "-",
             w("softHyphen"): "", w("sym"): ""}


class DocxDocument(Document):
    """A Word document; units are its paragraphs: body (tables and text boxes included), then the other parts."""

    native_outputs = (".docx",)

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        import docx

        try:
            self.doc = docx.Document(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - python-docx raises many types for a damaged package
            raise DocumentError(name, f"cannot read the Word document ({type(exc).__name__}: {exc})") from None
        self.roots: list[tuple[Part, _Element]] = []  # (part, XML root) of every part holding text
        for part in self._text_parts():
            self.roots.append((part, self._root(part)))
        self.paragraphs = [p for _, root in self.roots for p in root.iter(w("p"))]
        self.units = [paragraph_text(p) for p in self.paragraphs]

    def _text_parts(self) -> list[Part]:
        parts = list(self.doc.part.package.iter_parts())
        return sorted((p for p in parts if p.content_type.endswith(TEXT_PARTS)),
                      key=lambda p: [p.content_type.endswith(t) for t in TEXT_PARTS].index(True))

    def _root(self, part: Part) -> _Element:
        from docx.opc.part import XmlPart
        from docx.oxml import parse_xml

        if isinstance(part, XmlPart):
            return part.element

        try:
            return parse_xml(part.blob)
        except Exception as exc:  # noqa: BLE001 - lxml's syntax errors
            raise DocumentError(self.name, f"{part.partname} is not well-formed XML ({exc})") from None

    def render(self, english: list[str], suffix: str) -> bytes:
        """The same document, each paragraph with Arabic now holding its English; set left-to-right, en-US."""
        from docx.opc.part import XmlPart

        for p, source, text in zip(self.paragraphs, self.units, english, strict=True):
            if text != source:
                write_paragraph(p, text)
        for part, root in self.roots:
            make_ltr(root)
            if not isinstance(part, XmlPart):  # a blob part: python-docx saves its bytes as they are
                from lxml import etree

                part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        styles = self.doc.styles.element
        make_ltr(styles)
        settings = self.doc.settings.element
        for lang in settings.iter(w("themeFontLang")):
            lang.set(w("val"), "en-US")
        self.doc.core_properties.language = "en-US"
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def own_runs(p) -> list:
    """The runs of a paragraph that are not inside a nested paragraph (a text box's)."""
    return [r for r in p.iter(w("r")) if next(r.iterancestors(w("p")), None) is p]


def run_text(r) -> str:
    """The visible text of one run."""
    out = []
    for child in r:
        if child.tag in TEXT_TAGS:
            fixed = TEXT_TAGS[child.tag]  # None: the element's own text
            out.append((child.text or "") if fixed is None else fixed)
    return "".join(out)


def paragraph_text(p) -> str:
    """The text of a paragraph (its own runs only)."""
    return "".join(run_text(r) for r in own_runs(p))


def write_paragraph(p, text: str) -> None:
    """Put `text` into the paragraph's dominant run; other runs lose their text (and go, when left empty)."""
    from lxml import etree

    runs = own_runs(p)
    if not runs:
        return
    keep = dominant([run_text(r) for r in runs])
    for i, r in enumerate(runs):
        for child in list(r):
            if child.tag in TEXT_TAGS:
                r.remove(child)
        if i != keep and all(child.tag == w("rPr") for child in r):
            r.getparent().remove(r)
    target = runs[keep]
    for k, line in enumerate(text.split("\n")):
        if k:
            etree.SubElement(target, w("br"))
        t = etree.SubElement(target, w("t"))
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def make_ltr(root) -> None:
    """Remove right-to-left settings under `root` (and right alignment that came with them); en-US languages."""
    for ppr in root.iter(w("pPr")):
        bidi = ppr.find(w("bidi"))
        if bidi is not None and bidi.get(w("val"), "1") not in ("0", "false", "off"):
            for jc in ppr.findall(w("jc")):
                if jc.get(w("val")) in ("right", "end"):
                    ppr.remove(jc)
    for tag in RTL_TAGS:
        for element in list(root.iter(w(tag))):
            element.getparent().remove(element)
    for lang in root.iter(w("lang")):
        lang.set(w("val"), "en-US")
