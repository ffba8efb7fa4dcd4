"""Outputs made from a document's paragraphs alone: text, Markdown, a Word file, a bilingual table or page."""

from __future__ import annotations

import html
import io

BIDI_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"


def strip_bidi_marks(text: str) -> str:
    """The text without directional marks and embeddings (English needs none)."""
    return text.translate({ord(c): None for c in BIDI_MARKS})


def text_output(english: list[str], arabic: list[str] | None = None) -> bytes:
    """One paragraph per block, blank lines between; bilingual: each Arabic paragraph above its English."""
    if arabic is None:
        blocks = [e for e in english if e.strip()]
    else:
        blocks = [f"{a}\n{e}" for a, e in zip(arabic, english, strict=True) if a.strip()]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def docx_output(english: list[str], arabic: list[str] | None = None) -> bytes:
    """A Word file: one paragraph per unit, or (bilingual) a two-column table, Arabic right-to-left."""
    import docx

    document = docx.Document()
    document.core_properties.language = "en-US"
    if arabic is None:
        for text in english:
            if text.strip():
                document.add_paragraph(text)
    else:
        table = document.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        header = table.rows[0].cells
        header[0].text, header[1].text = "English", "العربية"
        set_rtl(header[1].paragraphs[0])
        for ar, en in zip(arabic, english, strict=True):
            if not ar.strip():
                continue
            cells = table.add_row().cells
            cells[0].text = en
            cells[1].text = ar
            set_rtl(cells[1].paragraphs[0])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def set_rtl(paragraph) -> None:
    """Make a python-docx paragraph right-to-left Arabic: bidi, right aligned, rtl runs, Arabic language."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph._p.get_or_add_pPr().insert(0, OxmlElement("w:bidi"))
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        rpr.append(OxmlElement("w:rtl"))
        lang = OxmlElement("w:lang")
        lang.set(qn("w:bidi"), "ar-SA")
        rpr.append(lang)


def html_output(english: list[str], arabic: list[str] | None = None, title: str = "Translation") -> bytes:
    """An HTML page of the paragraphs; bilingual: a side-by-side table, Arabic right-to-left."""
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto}"
             "td{vertical-align:top;padding:.4em .8em;border-top:1px solid #ddd;width:50%}")
    if arabic is None:
        body = "\n".join(f"<p>{html.escape(e)}</p>" for e in english if e.strip())
    else:
        rows = "\n".join(f'<tr><td lang="ar" dir="rtl">{html.escape(a)}</td><td lang="en" dir="ltr">'
                         f"{html.escape(e)}</td></tr>" for a, e in zip(arabic, english, strict=True) if a.strip())
        body = ('<table><thead><tr><th lang="ar" dir="rtl">العربية</th><th>English</th></tr></thead>\n'
                f"<tbody>\n{rows}\n</tbody></table>")
    page = (f'<!DOCTYPE html>\n<html lang="en" dir="ltr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{style}</style></head>\n<body>\n{body}\n</body></html>\n")
    return page.encode("utf-8")


def generic_output(suffix: str, english: list[str], arabic: list[str] | None, title: str) -> bytes:
    """The paragraphs written as `suffix` (.docx .md .txt .html .htm)."""
    if suffix == ".docx":
        return docx_output(english, arabic)
    if suffix in (".html", ".htm"):
        return html_output(english, arabic, title)
    return text_output(english, arabic)
