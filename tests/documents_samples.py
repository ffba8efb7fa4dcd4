"""Sample Arabic documents for the documents tests, built with the libraries that read them."""

from __future__ import annotations

import io
import zipfile

PARAS = ["قال المسؤول إن الوضع في حلب صعب جدا.", "وأضاف أن المساعدات لم تصل إلى الأحياء الشرقية."]
HEADING = "تقرير عن الوضع الإنساني"
ITEMS = ["البند الأول", "البند الثاني"]
CELLS = [["المدينة", "عدد النازحين"], ["حلب", "1200"]]
HEADER = "تقرير سري"
NOTE = "ملاحظة المتحدث عن المصادر"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def docx_bytes() -> bytes:
    """A Word file: header, heading, two RTL paragraphs (one with a bold run), a list, a 2x2 table."""
    import docx

    from mt.documents.writers import set_rtl

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = HEADER
    d.add_heading(HEADING, level=1)
    p = d.add_paragraph("قال المسؤول ")
    p.add_run("إن الوضع").bold = True
    p.add_run(" في حلب صعب جدا.")
    set_rtl(p)
    set_rtl(d.add_paragraph(PARAS[1], style="Quote"))
    for item in ITEMS:
        d.add_paragraph(item, style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    for i, row in enumerate(CELLS):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def pptx_bytes() -> bytes:
    """A presentation: a title, bullet paragraphs (one RTL, mixed runs), a 2x2 table and a speaker note."""
    import pptx

    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = HEADING
    frame = slide.placeholders[1].text_frame
    frame.text = ITEMS[0]
    p = frame.add_paragraph()
    p.add_run().text = "قال المسؤول "
    bold = p.add_run()
    bold.text = "إن الوضع في حلب صعب جدا."
    bold.font.bold = True
    p._p.get_or_add_pPr().set("rtl", "1")
    p._p.get_or_add_pPr().set("algn", "r")
    table = slide.shapes.add_table(2, 2, 0, 0, 4_000_000, 1_000_000).table
    for i, row in enumerate(CELLS):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    slide.notes_slide.notes_text_frame.text = NOTE
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


ODT_CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles><style:style style:name="P1" style:family="paragraph"><style:paragraph-properties
 fo:text-align="end" style:writing-mode="rl-tb"/><style:text-properties fo:language="ar" fo:country="SA"/>
</style:style><style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/>
</style:style></office:automatic-styles>
<office:body><office:text>
<text:h text:style-name="Heading_20_1" text:outline-level="1">{HEADING}</text:h>
<text:p text:style-name="P1">قال <text:span text:style-name="T1">المسؤول إن الوضع في حلب صعب</text:span> جدا.<text:note
 text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p
 text:style-name="Footnote">{NOTE}</text:p></text:note-body></text:note></text:p>
<text:p text:style-name="P1">{PARAS[1]}</text:p>
<text:list><text:list-item><text:p>{ITEMS[0]}</text:p></text:list-item><text:list-item><text:p>{ITEMS[1]}</text:p>
</text:list-item></text:list>
<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/>
{"".join("<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in row)
         + "</table:table-row>" for row in CELLS)}
</table:table>
</office:text></office:body></office:document-content>"""
ODT_STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0">
<office:master-styles><style:master-page style:name="Standard"><style:header><text:p>{HEADER}</text:p></style:header>
</style:master-page></office:master-styles></office:document-styles>"""


def odt_bytes() -> bytes:
    """An OpenDocument text: heading, RTL paragraphs with a bold span and a footnote, a list, a 2x2 table,
    a header."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", ODT_CONTENT)
        z.writestr("styles.xml", ODT_STYLES)
        z.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                   'xmlns:manifest:1.0"/>')
    return out.getvalue()


HTML = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{HEADING}</title>
<script>var note = "نص داخل سكربت";</script><style>p {{ direction: rtl; }}</style></head>
<body><h1>{HEADING}</h1>
<p style="direction: rtl; color: red">قال <b>المسؤول إن الوضع في حلب</b> صعب <a href="/x">جدا</a>.</p>
<p>{PARAS[1]}</p>
<ul><li>{ITEMS[0]}</li><li>{ITEMS[1]}</li></ul>
<table><tr><td>{CELLS[0][0]}</td><td>{CELLS[0][1]}</td></tr><tr><td>{CELLS[1][0]}</td><td>{CELLS[1][1]}</td></tr></table>
<img src="aleppo.png" alt="صورة من حلب"><code>رمز</code>
</body></html>
"""

SRT = f"""1
00:00:01,000 --> 00:00:03,500
قال المسؤول إن الوضع
في حلب صعب جدا.

2
00:00:04,000 --> 00:00:06,000
{PARAS[1]}
"""


def epub_bytes() -> bytes:
    """An EPUB 3 with two XHTML chapters in spine order and an NCX table of contents."""
    chapter = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="ar" '
               'xml:lang="ar" dir="rtl"><head><title>{t}</title></head><body><h1>{t}</h1><p>{p}</p><br/></body></html>')
    opf = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x</dc:identifier><dc:title>t</dc:title>
<dc:language>ar</dc:language></metadata><manifest>
<item id="c2" href="text/c2.xhtml" media-type="application/xhtml+xml"/>
<item id="c1" href="text/c1.xhtml" media-type="application/xhtml+xml"/>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/></manifest>
<spine toc="ncx" page-progression-direction="rtl"><itemref idref="c1"/><itemref idref="c2"/></spine></package>"""
    ncx = ('<?xml version="1.0" encoding="utf-8"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
           f'<navMap><navPoint id="n1"><navLabel><text>{HEADING}</text></navLabel><content src="text/c1.xhtml"/>'
           '</navPoint></navMap></ncx>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:'
                   'tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                   'media-type="application/oebps-package+xml"/></rootfiles></container>')
        z.writestr("OEBPS/content.opf", opf)
        z.writestr("OEBPS/toc.ncx", ncx)
        z.writestr("OEBPS/text/c1.xhtml", chapter.format(t=HEADING, p=PARAS[0]))
        z.writestr("OEBPS/text/c2.xhtml", chapter.format(t=ITEMS[0], p=PARAS[1]))
    return out.getvalue()


PDF_PARAS = ["قال المسؤول إن الوضع في حلب صعب جدا وإن المساعدات لم تصل إلى الأحياء الشرقية منذ أسابيع طويلة "
             "رغم الوعود الكثيرة من المنظمات الدولية.",
             "وأضاف أن عدد العائلات النازحة يزداد كل يوم في المدينة وريفها الشمالي."]


def pdf_bytes(paragraphs: list[str] | None = None) -> bytes:
    """A text-layer PDF (fpdf2, DejaVu Sans for the Arabic glyphs): paragraphs wrapped over several lines."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if paragraphs is None or paragraphs:
        pdf.add_font("dejavu", fname=FONT)
        pdf.set_font("dejavu", size=12)
    for text in PDF_PARAS if paragraphs is None else paragraphs:
        pdf.multi_cell(80, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
    if paragraphs == []:
        pdf.rect(10, 10, 80, 80, style="F")  # a "scan": a page with a picture and no text
    return bytes(pdf.output())


FOOTNOTE = "المصدر: المرصد السوري لحقوق الإنسان في تقريره اليومي."
ENDNOTE = "تم تحديث الأرقام صباح اليوم التالي."
_NOTES = {  # part: (content type, relationship type, root tag, note tag)
    "footnotes": ("footnotes+xml", "footnotes", "footnotes", "footnote"),
    "endnotes": ("endnotes+xml", "endnotes", "endnotes", "endnote"),
}


def docx_with_notes(data: bytes, footnote: str = FOOTNOTE, endnote: str = ENDNOTE) -> bytes:
    """The Word file with a right-to-left footnote and endnote referenced from its first body paragraph, written
    into the package by hand (python-docx cannot create notes), as Word lays them out."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    files = dict(_zip_items(data))
    types = etree.fromstring(files["[Content_Types].xml"])
    rels = etree.fromstring(files["word/_rels/document.xml.rels"])
    body = etree.fromstring(files["word/document.xml"])
    first = body.find(f"{{{w}}}body/{{{w}}}p")
    for part, text in (("footnotes", footnote), ("endnotes", endnote)):
        ctype, rtype, root_tag, note_tag = _NOTES[part]
        etree.SubElement(types, "{http://schemas.openxmlformats.org/package/2006/content-types}Override",
                         PartName=f"/word/{part}.xml",
                         ContentType=f"application/vnd.openxmlformats-officedocument.wordprocessingml.{ctype}")
        etree.SubElement(rels, "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship",
                         Id=f"rIdNotes{part}", Target=f"{part}.xml",
                         Type=f"http://schemas.openxmlformats.org/officeDocument/2006/relationships/{rtype}")
        files[f"word/{part}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{root_tag} xmlns:w="{w}">'
            f'<w:{note_tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{note_tag}>'
            f'<w:{note_tag} w:id="1"><w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:vertAlign w:val="superscript"/>'
            f'</w:rPr><w:{note_tag}Ref/></w:r><w:r><w:rPr><w:rtl/></w:rPr><w:t xml:space="preserve"> {text}</w:t>'
            f'</w:r></w:p></w:{note_tag}></w:{root_tag}>').encode()
        run = etree.SubElement(first, f"{{{w}}}r")
        etree.SubElement(run, f"{{{w}}}{note_tag}Reference", {f"{{{w}}}id": "1"})
    files["[Content_Types].xml"], files["word/_rels/document.xml.rels"] = (
        etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True),
        etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True))
    files["word/document.xml"] = etree.tostring(body, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in files.items():
            package.writestr(name, content)
    return out.getvalue()


def _zip_items(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [(name, package.read(name)) for name in package.namelist()]
