"""E-books (.epub) through zipfile + lxml: the spine's XHTML chapters in reading order, translated as HTML, and
the table of contents (toc.ncx); the container is rebuilt with every other member as it was."""

from __future__ import annotations

import posixpath

from mt.documents.base import Document, DocumentError
from mt.documents.html import HtmlDocument
from mt.documents.safety import open_zip, parse_xml, read_member, rebuild_zip

CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XHTML_TYPES = ("application/xhtml+xml", "text/html")


class EpubDocument(Document):
    """An EPUB 2 or 3 book; units are its chapters' paragraphs in spine order, then the NCX labels."""

    native_outputs = (".epub",)

    def __init__(self, data: bytes, name: str, suffix: str) -> None:
        super().__init__(data, name, suffix)
        self.data = data
        with open_zip(data, name) as archive:
            container = parse_xml(read_member(archive, "META-INF/container.xml", name), name, "container.xml")
            rootfile = container.find(f".//{{{CONTAINER_NS}}}rootfile")
            if rootfile is None or not rootfile.get("full-path"):
                raise DocumentError(name, "META-INF/container.xml names no package (.opf) file")
            self.opf_path = rootfile.get("full-path")
            self.opf = parse_xml(read_member(archive, self.opf_path, name), name, self.opf_path)
            chapters, ncx = self._package()
            self.chapters = [(path, HtmlDocument(read_member(archive, path, name), f"{name}:{path}", ".xhtml",
                                                 xml=True)) for path in chapters]
            self.ncx_path = ncx
            self.ncx = parse_xml(read_member(archive, ncx, name), name, ncx) if ncx else None
        self.labels = list(self.ncx.iter(f"{{{NCX}}}text")) if self.ncx is not None else []
        self.units = [u for _, chapter in self.chapters for u in chapter.units]
        self.units += [label.text or "" for label in self.labels]

    def _package(self) -> tuple[list[str], str | None]:
        base = posixpath.dirname(self.opf_path)
        items = {item.get("id"): item for item in self.opf.iter(f"{{{OPF}}}item")}
        chapters, ncx = [], None
        for ref in self.opf.iter(f"{{{OPF}}}itemref"):
            item = items.get(ref.get("idref"))
            if item is not None and item.get("media-type") in XHTML_TYPES:
                chapters.append(posixpath.normpath(posixpath.join(base, item.get("href", ""))))
        spine = self.opf.find(f"{{{OPF}}}spine")
        toc = items.get(spine.get("toc")) if spine is not None else None
        if toc is not None:
            ncx = posixpath.normpath(posixpath.join(base, toc.get("href", "")))
        return list(dict.fromkeys(chapters)), ncx

    def render(self, english: list[str], suffix: str) -> bytes:
        """The same book with the English in place, language en, page progression left-to-right."""
        from lxml import etree

        replaced: dict[str, bytes] = {}
        rest = iter(english)
        for path, chapter in self.chapters:
            chapter.apply([next(rest) for _ in chapter.units])
            replaced[path] = chapter.soup.encode("utf-8")
        for label in self.labels:
            label.text = next(rest)
        for lang in self.opf.iter(f"{{{DC}}}language"):
            lang.text = "en"
        spine = self.opf.find(f"{{{OPF}}}spine")
        if spine is not None and spine.get("page-progression-direction") == "rtl":
            spine.set("page-progression-direction", "ltr")
        replaced[self.opf_path] = etree.tostring(self.opf, xml_declaration=True, encoding="UTF-8")
        if self.ncx is not None and self.ncx_path:
            replaced[self.ncx_path] = etree.tostring(self.ncx, xml_declaration=True, encoding="UTF-8")
        return rebuild_zip(self.data, replaced)
