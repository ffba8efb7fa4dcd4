"""OpenDocument text and presentations (.odt, .odp) through zipfile + lxml: content.xml and styles.xml.

Units are the text:p and text:h elements in document order: body, lists, tables, frames, notes (a footnote's
paragraphs are their own units), slides and speaker notes, then headers and footers (styles.xml). A translated
paragraph keeps its style and its dominant span's style; notes, frames and bookmarks inside it are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mt.documents.base import Document
from mt.documents.runs import dominant
from mt.documents.safety import open_zip, parse_xml, read_member, rebuild_zip

if TYPE_CHECKING:
    from lxml.etree import _Element

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
DC = "http://purl.org/dc/elements/1.1/"
PARAGRAPHS = (f"{{{TEXT}}}p", f"{{{TEXT}}}h")
# Inline elements whose text is the paragraph's own; anything else inside a paragraph (a note, a frame, a
# bookmark) is an object that stays where it is.
INLINE = {f"{{{TEXT}}}{t}" for t in ("span", "a", "s", "tab", "line-break", "soft-page-break")}
MEMBERS = ("content.xml", "styles.xml")


class OdfDocument(Document):
    """An .odt or .odp file; render() rewrites content.xml, styles.xml and meta.xml only."""

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        self.native_outputs = (suffix,)
        self.data = data
        with open_zip(data, name) as archive:
            names = set(archive.namelist())
            self.trees = {m: parse_xml(read_member(archive, m, name), name, m) for m in MEMBERS if m in names}
            self.meta = parse_xml(read_member(archive, "meta.xml", name), name, "meta.xml") \
                if "meta.xml" in names else None
        self.paragraphs = [p for tree in self.trees.values() for p in tree.iter(*PARAGRAPHS)]
        self.units = [paragraph_text(p) for p in self.paragraphs]

    def render(self, english: list[str], suffix: str) -> bytes:
        """The same file with the English in place, writing mode left-to-right, language en-US."""
        from lxml import etree

        for p, source, text in zip(self.paragraphs, self.units, english, strict=True):
            if text != source:
                write_paragraph(p, text)
        for tree in self.trees.values():
            make_ltr(tree)
        replaced = {m: etree.tostring(t, xml_declaration=True, encoding="UTF-8") for m, t in self.trees.items()}
        if self.meta is not None:
            for lang in self.meta.iter(f"{{{DC}}}language"):
                lang.text = "en-US"
            replaced["meta.xml"] = etree.tostring(self.meta, xml_declaration=True, encoding="UTF-8")
        return rebuild_zip(self.data, replaced)


def _pieces(element: _Element, out: list[tuple[str, _Element]]) -> None:
    """(text, innermost inline element holding it) of a paragraph's own text, in order."""
    out.append((element.text or "", element))
    for child in element:
        if child.tag == f"{{{TEXT}}}s":
            out.append((" " * int(child.get(f"{{{TEXT}}}c", "1")), element))
        elif child.tag == f"{{{TEXT}}}tab":
            out.append(("\t", element))
        elif child.tag == f"{{{TEXT}}}line-break":
            out.append(("\n", element))
        elif child.tag in INLINE:
            _pieces(child, out)
        out.append((child.tail or "", element))


def paragraph_text(p) -> str:
    """The paragraph's own text (a note or frame inside it is not part of it)."""
    pieces: list[tuple[str, _Element]] = []
    _pieces(p, pieces)
    return "".join(text for text, _ in pieces)


def write_paragraph(p, text: str) -> None:
    """Replace the paragraph's text by `text` in its dominant span's style; keep the objects inside it."""
    from lxml import etree

    pieces: list[tuple[str, _Element]] = []
    _pieces(p, pieces)
    holder = pieces[dominant([t for t, _ in pieces])][1]
    style = holder.get(f"{{{TEXT}}}style-name") if holder is not p and holder.tag == f"{{{TEXT}}}span" else None
    objects = list(_objects(p))
    for child in list(p):
        p.remove(child)
    p.text = None
    target = p
    if style:
        target = etree.SubElement(p, f"{{{TEXT}}}span")
        target.set(f"{{{TEXT}}}style-name", style)
    lines = text.split("\n")
    target.text = lines[0]
    for line in lines[1:]:
        etree.SubElement(target, f"{{{TEXT}}}line-break").tail = line
    for obj in objects:
        obj.tail = None
        p.append(obj)


def _objects(element) -> Iterator:
    """The non-inline elements of a paragraph (notes, frames, bookmarks), not looking inside them."""
    for child in element:
        if child.tag in INLINE:
            yield from _objects(child)
        else:
            yield child


def make_ltr(root) -> None:
    """Writing modes left-to-right, RTL right alignment to start, languages en-US."""
    for props in root.iter(f"{{{STYLE}}}paragraph-properties"):
        mode = props.get(f"{{{STYLE}}}writing-mode", "")
        if mode.startswith("rl"):
            props.set(f"{{{STYLE}}}writing-mode", "lr-tb")
            if props.get(f"{{{FO}}}text-align") in ("end", "right"):
                props.set(f"{{{FO}}}text-align", "start")
    for element in root.iter():
        mode = element.get(f"{{{STYLE}}}writing-mode", "")
        if mode.startswith("rl"):
            element.set(f"{{{STYLE}}}writing-mode", "lr-tb")
        if element.get(f"{{{FO}}}language") is not None:
            element.set(f"{{{FO}}}language", "en")
            element.set(f"{{{FO}}}country", "US")
