"""TMX 1.4 and TSV exchange of the corrections memory.

TMX is written and read with the standard library's ElementTree: translate-toolkit, the well-kept TMX
library, is GPL-2.0-or-later (mtbrief is Apache-2.0) and brings a large dependency for one flat format.
Expat, under ElementTree, does not fetch external entities and bounds entity expansion.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import datetime

from mt.errors import InputError
from mt.memory.store import Correction

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NATIVE_CODE = {"bpt", "ept", "ph", "it"}  # inline markup whose text is formatting codes, not words


def _tmx_date(iso: str) -> str | None:
    try:
        return datetime.fromisoformat(iso).strftime("%Y%m%dT%H%M%SZ")
    except ValueError:
        return None


def to_tmx(entries: Iterable[Correction], version: str = "") -> str:
    """The corrections as a TMX 1.4 document (Arabic source, English target)."""
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(root, "header", {"creationtool": "mtbrief", "creationtoolversion": version, "segtype": "sentence",
                                   "adminlang": "en", "srclang": "ar", "datatype": "plaintext",
                                   "o-tmf": "mtbrief-memory"})
    body = ET.SubElement(root, "body")
    for entry in entries:
        tu = ET.SubElement(body, "tu")
        if date := _tmx_date(entry.updated):
            tu.set("changedate", date)
        if entry.origin:
            ET.SubElement(tu, "prop", type="x-mtbrief-origin").text = entry.origin
        for lang, text in (("ar", entry.source), ("en", entry.target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = text
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _seg_text(seg: ET.Element) -> str:
    parts = [seg.text or ""]
    for child in seg:
        if child.tag not in _NATIVE_CODE:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_tmx(path: str) -> Iterator[tuple[str, str]]:
    """(Arabic, English) of every translation unit holding both (ar*/en* xml:lang, any case)."""
    seen_root = False
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if elem.tag != "tmx" and not seen_root:  # e.g. an HTML page saved as .tmx: not "0 imported"
                    raise InputError(path, f"not a TMX document (its root element is <{elem.tag}>, expected <tmx>)")
                seen_root = True
                continue
            if elem.tag != "tu":
                continue
            texts: dict[str, str] = {}
            for tuv in elem.iter("tuv"):
                lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower().split("-")[0]
                seg = tuv.find("seg")
                if lang in ("ar", "en") and seg is not None:
                    texts.setdefault(lang, _seg_text(seg).strip())
            elem.clear()  # bounded memory on large files
            if texts.get("ar") and texts.get("en"):
                yield texts["ar"], texts["en"]
    except ET.ParseError as exc:
        raise InputError(path, f"not valid TMX/XML ({exc})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None


def to_tsv(entries: Iterable[Correction]) -> str:
    """The corrections as TSV: Arabic, English (tabs and line breaks inside a text become spaces)."""
    return "".join(f"{' '.join(e.source.split())}\t{' '.join(e.target.split())}\n" for e in entries)


def read_tsv(path: str) -> list[tuple[str, str]]:
    """(Arabic, English) rows of a TSV file; # comments and blank lines skipped; InputError names the line."""
    from pathlib import Path

    from mt.textio import decode_text

    try:
        text = decode_text(Path(path).read_bytes(), path)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.rstrip("\r").split("\t")
        if len(cells) != 2 or not cells[0].strip() or not cells[1].strip():
            raise InputError(path, f"line {number}: expected Arabic<TAB>English")
        rows.append((cells[0].strip(), cells[1].strip()))
    return rows
