"""Documents in, documents out: each format translated with the tiny model keeps its structure and styles, every
Arabic paragraph becomes exactly the Translator's output for it, and right-to-left settings are gone."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pytest
from documents_samples import (
    CELLS,
    ENDNOTE,
    FOOTNOTE,
    HEADER,
    HEADING,
    HTML,
    ITEMS,
    NOTE,
    PARAS,
    PDF_PARAS,
    SRT,
    docx_bytes,
    docx_with_notes,
    epub_bytes,
    odt_bytes,
    pdf_bytes,
    pptx_bytes,
)

from mt.documents import load_document, translate_document
from mt.htmltext import has_arabic


def expected_for(translator, units: list[str]) -> dict[str, str]:
    """The Translator's output for each Arabic paragraph (one batch, as the documents layer sends them); a
    paragraph without Arabic maps to itself."""
    arabic = [u for u in units if has_arabic(u)]
    return {u: u for u in units} | dict(zip(arabic, (t.text for t in translator.translate_batch(arabic)),
                                            strict=True))


def leftover_arabic(text: str, english: dict[str, str]) -> bool:
    """True when Arabic remains once the translations are taken out (a random model may emit Arabic pieces)."""
    for output in sorted((e for s, e in english.items() if e != s), key=len, reverse=True):
        text = text.replace(output, "")
    return has_arabic(text)


def test_docx_keeps_structure_and_styles_and_drops_rtl(tiny_translator):
    import docx

    source = docx.Document(io.BytesIO(docx_bytes()))
    src_paras = [(p.style.name, p.text) for p in source.paragraphs]
    result = translate_document(tiny_translator, docx_bytes(), "report.docx", ".docx")
    out = docx.Document(io.BytesIO(result.data))
    english = expected_for(tiny_translator, [t for _, t in src_paras] + [HEADER] + [c for r in CELLS for c in r])
    assert [p.style.name for p in out.paragraphs] == [s for s, _ in src_paras] == [
        "Heading 1", "Normal", "Quote", "List Bullet", "List Bullet"]
    assert [p.text for p in out.paragraphs] == [english[t] for _, t in src_paras]
    assert [[c.text for c in row.cells] for row in out.tables[0].rows] == [[english[c] for c in r] for r in CELLS]
    assert out.sections[0].header.paragraphs[0].text == english[HEADER]
    body = out.element.xml
    for tag in ("w:bidi", "w:rtl", "w:bidiVisual"):
        assert f"<{tag}" not in body
    assert 'w:jc w:val="right"' not in body
    assert out.core_properties.language == "en-US"
    # the mixed paragraph keeps its dominant run's formatting: " في حلب صعب جدا." (plain) outweighs the bold run
    assert [r.bold for r in out.paragraphs[1].runs] == [None]
    assert not leftover_arabic("\n".join(p.text for p in out.paragraphs), english)



def test_docx_footnotes_and_endnotes_are_translated_and_keep_their_marks(tiny_translator):
    data = docx_with_notes(docx_bytes())
    units = load_document(data, "notes.docx").units
    # after the body and the header: the notes parts, each with its separator's empty paragraph first
    assert units[-4:] == ["", f" {FOOTNOTE}", "", f" {ENDNOTE}"]
    result = translate_document(tiny_translator, data, "notes.docx", ".docx")
    english = expected_for(tiny_translator, units)
    with zipfile.ZipFile(io.BytesIO(result.data)) as package:
        notes = {part: package.read(f"word/{part}.xml").decode() for part in ("footnotes", "endnotes")}
        body = package.read("word/document.xml").decode()
    for part, tag, source in (("footnotes", "footnote", FOOTNOTE), ("endnotes", "endnote", ENDNOTE)):
        xml = notes[part]
        assert english[f" {source}"] != f" {source}" and escape(english[f" {source}"].strip()) in xml
        assert source not in xml and f"<w:{tag}Ref/>" in xml and "<w:separator/>" in xml  # marks stay
        assert "<w:bidi/>" not in xml and "<w:rtl/>" not in xml
        assert f'<w:{tag}Reference w:id="1"/>' in body  # the body still points at its note
    assert result.units == tuple(units)
    import docx

    docx.Document(io.BytesIO(result.data))  # still a Word package python-docx opens

def test_docx_bilingual_is_a_two_column_table(tiny_translator):
    import docx

    result = translate_document(tiny_translator, docx_bytes(), "report.docx", ".docx", bilingual=True)
    out = docx.Document(io.BytesIO(result.data))
    rows = [[c.text for c in row.cells] for row in out.tables[0].rows]
    units = [u for u in result.units if u.strip()]
    english = expected_for(tiny_translator, units)
    assert rows[0] == ["English", "العربية"]
    assert rows[1:] == [[english[u], u] for u in units]
    arabic_cell = out.tables[0].rows[1].cells[1].paragraphs[0]._p.xml
    assert "<w:bidi/>" in arabic_cell and "<w:rtl/>" in arabic_cell


def test_pptx_slide_table_and_notes(tiny_translator):
    import pptx

    result = translate_document(tiny_translator, pptx_bytes(), "deck.pptx")
    assert result.suffix == ".pptx"
    slide = pptx.Presentation(io.BytesIO(result.data)).slides[0]
    mixed = "قال المسؤول إن الوضع في حلب صعب جدا."
    english = expected_for(tiny_translator, [HEADING, ITEMS[0], mixed, NOTE] + [c for r in CELLS for c in r])
    assert slide.shapes.title.text_frame.text == english[HEADING]
    body = slide.placeholders[1].text_frame.paragraphs
    assert [p.text for p in body] == [english[ITEMS[0]], english[mixed]]
    assert [r.font.bold for r in body[1].runs] == [True]  # the bold run held the most text
    table = next(s for s in slide.shapes if s.has_table).table
    assert [[c.text for c in row.cells] for row in table.rows] == [[english[c] for c in r] for r in CELLS]
    assert slide.notes_slide.notes_text_frame.text == english[NOTE]
    xml = slide._element.xml
    assert 'rtl="1"' not in xml and 'algn="r"' not in xml and 'lang="ar' not in xml


def test_odt_footnote_list_table_header(tiny_translator):
    result = translate_document(tiny_translator, odt_bytes(), "report.odt")
    with zipfile.ZipFile(io.BytesIO(result.data)) as z:
        assert z.namelist()[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        content, styles = z.read("content.xml").decode(), z.read("styles.xml").decode()
    doc = load_document(result.data, "out.odt")
    mixed = "قال المسؤول إن الوضع في حلب صعب جدا."
    units = [HEADING, mixed, NOTE, PARAS[1], *ITEMS, *[c for r in CELLS for c in r], HEADER]
    english = expected_for(tiny_translator, units)
    assert doc.units == [english.get(u, u) for u in units]
    assert content.count("<text:p") == 9 and content.count("<table:table-cell") == 4
    assert content.count("<text:list-item") == 2 and "<text:note " in content
    assert '<text:span text:style-name="T1">' in content  # the bold span held the most text
    assert 'style:writing-mode="rl-tb"' not in content and 'fo:language="ar"' not in content
    assert not leftover_arabic(content + styles, english)


def test_html_blocks_attributes_and_direction(tiny_translator):
    from bs4 import BeautifulSoup

    result = translate_document(tiny_translator, HTML.encode(), "page.html")
    soup = BeautifulSoup(result.data, "html.parser")
    mixed = "قال المسؤول إن الوضع في حلب صعب جدا."
    english = expected_for(tiny_translator, result.units)
    assert [u for u in result.units if has_arabic(u)] == [HEADING, HEADING, mixed, PARAS[1], *ITEMS,
                                                          *[c for r in CELLS for c in r if has_arabic(c)],
                                                          "صورة من حلب"]
    assert soup.html["lang"] == "en" and soup.html["dir"] == "ltr"
    assert soup.title.string == english[HEADING]
    assert [p.get_text() for p in soup.find_all("p")] == [english[mixed], english[PARAS[1]]]
    assert soup.find("p").find("b") is not None and soup.find("p")["style"] == "color: red"
    assert soup.img["alt"] == english["صورة من حلب"]
    assert soup.script.string == 'var note = "نص داخل سكربت";' and soup.code.string == "رمز"
    assert len(soup.find_all("td")) == 4 and len(soup.find_all("li")) == 2
    soup.script.decompose()
    soup.code.decompose()
    assert not leftover_arabic(str(soup), english)


def test_html_bilingual_page_side_by_side(tiny_translator):
    from bs4 import BeautifulSoup

    result = translate_document(tiny_translator, HTML.encode(), "page.html", ".html", bilingual=True)
    rows = BeautifulSoup(result.data, "html.parser").find("tbody").find_all("tr")
    english = expected_for(tiny_translator, result.units)
    assert [(r.td["dir"], r.td.get_text(), r.find_all("td")[1].get_text()) for r in rows] == [
        ("rtl", u, english.get(u, u)) for u in result.units]


@pytest.mark.parametrize("bilingual", [False, True])
def test_srt_cues_and_timings_kept(tiny_translator, bilingual):
    import srt

    result = translate_document(tiny_translator, SRT.encode(), "film.srt", bilingual=bilingual)
    cues = list(srt.parse(result.data.decode()))
    sources = ["قال المسؤول إن الوضع في حلب صعب جدا.", PARAS[1]]
    english = expected_for(tiny_translator, sources)
    assert [(c.index, str(c.start), str(c.end)) for c in cues] == [
        (1, "0:00:01", "0:00:03.500000"), (2, "0:00:04", "0:00:06")]
    assert [c.content for c in cues] == [f"{s}\n{english[s]}" if bilingual else english[s] for s in sources]


def test_epub_chapters_in_spine_order_and_toc(tiny_translator):
    result = translate_document(tiny_translator, epub_bytes(), "book.epub")
    english = expected_for(tiny_translator, result.units)
    assert result.units == (HEADING, HEADING, PARAS[0], ITEMS[0], ITEMS[0], PARAS[1], HEADING)
    with zipfile.ZipFile(io.BytesIO(result.data)) as z:
        assert z.namelist()[0] == "mimetype"
        c1, opf = z.read("OEBPS/text/c1.xhtml").decode(), z.read("OEBPS/content.opf").decode()
        ncx = z.read("OEBPS/toc.ncx").decode()
    assert f"<p>{english[PARAS[0]]}</p>" in c1 and "<br/>" in c1 and 'dir="ltr"' in c1
    assert "<dc:language>en</dc:language>" in opf and 'page-progression-direction="ltr"' in opf
    assert f"<text>{english[HEADING]}</text>" in ncx


@pytest.mark.parametrize("suffix", [".docx", ".md", ".txt"])
def test_pdf_paragraphs_rebuilt_and_written(tiny_translator, suffix):
    import docx

    result = translate_document(tiny_translator, pdf_bytes(), "scan.pdf", suffix)
    assert result.units == tuple(PDF_PARAS)
    english = [tiny_translator.translate_batch(PDF_PARAS)[i].text for i in range(2)]
    if suffix == ".docx":
        assert [p.text for p in docx.Document(io.BytesIO(result.data)).paragraphs] == english
    else:
        assert result.data.decode() == f"{english[0]}\n\n{english[1]}\n"


def test_markdown_markers_stay_outside_the_translation(tiny_translator):
    source = f"# {HEADING}\n\n- {ITEMS[0]}\n1. {ITEMS[1]}\nplain 2024\n"
    result = translate_document(tiny_translator, source.encode(), "notes.md")
    english = expected_for(tiny_translator, [HEADING, *ITEMS])
    assert result.data.decode() == (f"# {english[HEADING]}\n\n- {english[ITEMS[0]]}\n1. {english[ITEMS[1]]}\n"
                                    "plain 2024\n")


def test_document_without_arabic_comes_back_unchanged_and_untranslated(tiny_translator):
    result = translate_document(tiny_translator, b"<p>Only English</p>", "page.html")
    assert result.segments == 0 and b"<p>Only English</p>" in result.data
