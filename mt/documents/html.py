"""Web pages (.html, .htm, .xhtml) through BeautifulSoup: each block (p, h1, li, td, ...) is one unit, whole.

A translated block keeps its tag, attributes and the inline wrapper (b, a, span, ...) around its dominant text;
other inline markup inside it goes, images stay. Text outside blocks, and the alt, title and placeholder
attributes, are units of their own. Scripts, styles and code are never touched. The page becomes lang="en"
dir="ltr"; dir="rtl", lang="ar" and `direction: rtl` are removed from its elements.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mt.documents.base import Document, DocumentError
from mt.documents.runs import dominant
from mt.htmltext import SKIP_ELEMENTS, has_arabic

if TYPE_CHECKING:
    from bs4 import NavigableString, Tag

BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "caption",
                    "figcaption", "blockquote", "title", "summary", "legend", "label", "button", "option",
                    "div", "section", "article", "header", "footer", "aside", "nav", "main", "address",
                    "body", "table", "tr", "ul", "ol", "dl", "figure", "form", "details", "fieldset", "html"})
ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
KEPT_INLINE = frozenset({"img", "svg", "input", "video", "audio", "iframe", "object", "embed", "picture", "math"})
_RTL_STYLE = re.compile(r"direction\s*:\s*rtl\s*;?", re.IGNORECASE)


class HtmlDocument(Document):
    """An HTML page (or an XHTML chapter of an EPUB, parsed as XML)."""

    native_outputs = (".html", ".htm", ".xhtml")

    def __init__(self, data: bytes, name: str, suffix: str, xml: bool = False) -> None:
        super().__init__(data, name, suffix)
        from bs4 import BeautifulSoup

        try:
            self.soup = BeautifulSoup(data, "xml" if xml or suffix == ".xhtml" else "html.parser")
        except Exception as exc:  # noqa: BLE001 - the parsers raise many types for damaged markup
            raise DocumentError(name, f"cannot parse the markup ({type(exc).__name__}: {exc})") from None
        if self.soup.find() is None:
            raise DocumentError(name, "holds no markup: an HTML page was expected")
        # (kind, node, attribute): a "block" or "attribute" is a Tag, a "text" (outside blocks) a NavigableString
        self.targets: list[tuple[str, Tag | NavigableString, str]] = []
        self._collect()
        self.units = [self._text(kind, node, attr) for kind, node, attr in self.targets]

    def _collect(self) -> None:
        from bs4 import NavigableString

        for tag in self.soup.find_all(True):
            if _skipped(tag):
                continue
            if tag.name in BLOCKS and not tag.find(BLOCKS) and has_arabic(tag.get_text()):
                self.targets.append(("block", tag, ""))
            for attr in ATTRIBUTES:
                value = tag.get(attr)
                if isinstance(value, str) and has_arabic(value):
                    self.targets.append(("attribute", tag, attr))
        blocks = {id(node) for kind, node, _ in self.targets if kind == "block"}
        for node in self.soup.find_all(string=True):
            if type(node) is NavigableString and has_arabic(node) and not _skipped(node) \
                    and not any(id(parent) in blocks for parent in node.parents):
                self.targets.append(("text", node, ""))
        order = {id(node): i for i, node in enumerate(self.soup.descendants)}
        self.targets.sort(key=lambda target: order.get(id(target[1]), -1))  # reading order; stable for attributes

    @staticmethod
    def _text(kind: str, node, attr: str) -> str:
        if kind == "attribute":
            return " ".join(node[attr].split())
        return " ".join((node.get_text() if kind == "block" else str(node)).split())

    def render(self, english: list[str], suffix: str) -> bytes:
        """The page with the English in place, lang="en" dir="ltr"."""
        self.apply(english)
        return self.soup.encode("utf-8")

    def apply(self, english: list[str]) -> None:
        """Write the English into the parsed page (EPUB chapters serialize it themselves)."""
        from bs4 import NavigableString

        for (kind, node, attr), source, text in zip(self.targets, self.units, english, strict=True):
            if text == source:
                continue
            if isinstance(node, NavigableString):  # kind "text"
                lead, trail = _edges(str(node))
                node.replace_with(NavigableString(f"{lead}{text}{trail}"))
            elif kind == "attribute":
                node[attr] = text
            else:
                write_block(self.soup, node, text)
        make_ltr(self.soup)


def _skipped(node) -> bool:
    return any(p.name in SKIP_ELEMENTS for p in ([node] if getattr(node, "name", None) else []) + list(node.parents))


def _edges(text: str) -> tuple[str, str]:
    core = text.strip()
    if not core:
        return text, ""
    start = text.index(core)
    return text[:start], text[start + len(core):]


def write_block(soup, block, text: str) -> None:
    """Replace a block's content by `text`, inside copies of the inline tags around its dominant text."""
    from bs4 import NavigableString

    strings = [s for s in block.find_all(string=True) if type(s) is NavigableString]
    chain = []
    if strings:
        main = strings[dominant([str(s) for s in strings])]
        chain = [p for p in main.parents if p is not block and block in p.parents][::-1]
    kept = [t.extract() for t in block.find_all(KEPT_INLINE)]
    lead, trail = _edges(block.get_text())
    block.clear()
    holder: Tag = block
    for tag in chain:
        copy = soup.new_tag(tag.name, attrs=dict(tag.attrs))
        holder.append(copy)
        holder = copy
    holder.append(NavigableString(f"{lead}{text}{trail}" if not chain else text))
    for tag in kept:
        block.append(tag)


def make_ltr(soup) -> None:
    """lang="en" dir="ltr" on the root; right-to-left and Arabic language marks removed elsewhere."""
    root = soup.find("html")
    for tag in soup.find_all(True):
        if tag.get("dir", "").lower() == "rtl":
            del tag["dir"]
        for attr in ("lang", "xml:lang"):
            if str(tag.get(attr, "")).lower().startswith("ar"):
                tag[attr] = "en"
        if isinstance(tag.get("style"), str) and _RTL_STYLE.search(tag["style"]):
            tag["style"] = _RTL_STYLE.sub("", tag["style"]).strip()
    if root is not None:
        root["lang"] = "en"
        if "xml:lang" in root.attrs:
            root["xml:lang"] = "en"
        root["dir"] = "ltr"
