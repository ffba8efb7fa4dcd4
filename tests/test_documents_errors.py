"""Bad documents are refused with one clear message naming the problem and the supported formats: in the
library, the command line (exit 2, nothing written) and the API (400/413 JSON, never 5xx)."""

from __future__ import annotations

import io
import zipfile

import pytest
from documents_samples import docx_bytes, pdf_bytes

from mt.documents import DocumentError, load_document
from mt.documents.safety import CFB_MAGIC

SUPPORTED = "(supported formats: .docx .pptx .odt .odp .html .htm .xhtml .epub .srt .pdf .txt .md)"


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BOMB = zip_of({"word/document.xml": b"\0" * (60 * 2**20)})  # 60 MB of zeros packs into ~60 KB

CASES = [
    ("report.doc", b"anything", "unsupported file type '.doc'"),
    ("report.xyz", b"anything", "unsupported file type '.xyz'"),
    ("report.docx", b"", "empty file"),
    ("report.docx", b"plain text, not a zip", "the content does not match the suffix .docx: it is not a zip container"),
    ("report.docx", b"PK\x03\x04 truncated", "corrupt zip container (File is not a zip file)"),
    ("report.docx", docx_bytes()[:-200], "corrupt zip container (File is not a zip file)"),
    ("report.docx", CFB_MAGIC + b"\0" * 512, "is an encrypted (password-protected) Office file or a legacy "
                                             ".doc/.ppt/.xls: remove the password, or save it as .docx/.pptx"),
    ("report.docx", BOMB, "refused as a zip bomb: it would expand to 62,914,560 bytes from"),
    ("report.docx", zip_of({"content.xml": b"<x/>"}), "is not a Word document (no word/document.xml in the "
                                                      "container): check the suffix"),
    ("deck.pptx", docx_bytes(), "is not a PowerPoint presentation (no ppt/presentation.xml in the container)"),
    ("report.pdf", docx_bytes(), "the content does not match the suffix .pdf: it is a zip container"),
    ("report.docx", pdf_bytes(), "the content does not match the suffix .docx: it is a PDF"),
    ("report.pdf", b"%PDF-1.7\n garbage", "corrupt PDF"),
    ("report.pdf", encrypted_pdf(), "is an encrypted (password-protected) PDF: remove the password first"),
    ("scan.pdf", pdf_bytes([]), "no text layer (1 page(s) of images only?); run OCR first"),
    ("page.odt", zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}),
     "is application/vnd.oasis.opendocument.spreadsheet, not an OpenDocument text"),
    ("page.odt", zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x",
                         "META-INF/manifest.xml": b"<m/>"}), "content.xml is not well-formed XML"),
    ("secret.odt", zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>",
                           "META-INF/manifest.xml": b"<m><manifest:encryption-data/></m>"}),
     "is an encrypted (password-protected) OpenDocument file"),
    ("book.epub", zip_of({"META-INF/container.xml": b"<container/>"}), "names no package (.opf) file"),
    ("film.srt", b"1\nnot a timing\nhello\n", "not a valid SubRip file"),
    ("page.html", b"\xff\xfe\x00garbage", "holds no markup: an HTML page was expected"),
    ("notes.txt", "حلب".encode() + b"\xff", "invalid UTF-8 at byte offset 6"),
]


@pytest.mark.parametrize(("name", "data", "problem"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_documents_raise_one_clear_error(name, data, problem):
    from mt.documents import check_suffix

    with pytest.raises(DocumentError if not name.endswith(".txt") else Exception) as info:
        check_suffix(name)
        load_document(data, name)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and problem in message
    if not name.endswith(".txt"):
        assert message.endswith(SUPPORTED)


def test_a_pdf_protected_only_against_copying_opens(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert len(load_document(out.getvalue(), "open.pdf").units) == 2


@pytest.mark.parametrize(("name", "data", "problem"), [c for c in CASES if c[0] != "notes.txt"][::3])
def test_cli_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, name, data, problem):
    from mt.cli import main

    src = tmp_path / name
    src.write_bytes(data)
    code = main(["translate", str(src), "-o", str(tmp_path / "out.docx"), "--model", "/nonexistent-model"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and problem in err and err.endswith(SUPPORTED + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize(("args", "problem"), [
    (["-o", "out.pptx"], "invalid output for a .docx input '.pptx': choose one of .docx, .md, .txt, .html, .htm"),
    (["--bilingual", "-o", "out.pptx"], "invalid --bilingual output '.pptx': choose one of .docx, .html, .htm, "
                                        ".txt, .md"),
    (["-o", "-"], "a .docx document cannot go to stdout: name the output file with -o"),
    (["--format", "jsonl", "-o", "x.docx"], "--format jsonl is for text input"),
])
def test_cli_output_choices(tmp_path, capsys, monkeypatch, args, problem):
    from mt.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.docx").write_bytes(docx_bytes())
    code = main(["translate", "report.docx", *args, "--model", "/nonexistent-model"])
    err = capsys.readouterr().err
    assert code == 2 and problem in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx"]
