"""The UI's callbacks called directly, the Blocks it builds, the mounted app and the `serve` command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import gradio as gr
import pytest
from documents_samples import docx_bytes
from test_documents_errors import BOMB, encrypted_pdf, zip_of

import ui
from mt.documents.safety import CFB_MAGIC
from mt.errors import InputError
from mt.server.bodylimit import BodyLimitMiddleware
from mt.server.limits import ServerSettings
from mt.types import Flag, Segment, Signature, Translation

AR = "تجدد قصف الطيران الروسي علي عدة أحياء في مدينة حلب أمس."


# -- input checks -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [None, "", "   \n\t "])
def test_empty_input_is_an_error(text):
    with pytest.raises(gr.Error, match="Enter or upload some Arabic text first: the text box is empty."):
        ui.check_text(text, 100)


def test_char_limit_is_inclusive():
    assert ui.check_text("ب" * 100, 100) == "ب" * 100
    with pytest.raises(gr.Error, match="The text has 20,001 characters; the limit is 20,000. Translate"):
        ui.check_text("ب" * 20_001, 20_000)


@pytest.mark.parametrize(("data", "expected"), [
    ("نص عربي\r\nسطر ثان".encode(), "نص عربي\nسطر ثان"),
    (b"\xef\xbb\xbf" + "نص".encode(), "نص"),  # the BOM goes
])
def test_upload_reads_utf8(tmp_path, data, expected):
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    assert ui.load_upload(str(path), 100) == expected


UPLOAD_HINT = ("Upload a UTF-8 .txt or .md file or a document (.docx .pptx .odt .odp .html .htm .xhtml .epub .srt .pdf "
               ".txt .md).")


@pytest.mark.parametrize(("data", "message"), [
    ("نص".encode("cp1256"), f"Cannot read report.md: invalid UTF-8 at byte offset 0. {UPLOAD_HINT}"),
    (b"%PDF\x00\x01",
     f"Cannot read report.md: binary file (NUL byte at byte offset 4), expected UTF-8 text. {UPLOAD_HINT}"),
    ("قتل 24 شخصا في القصف.\n".encode("utf-16-le"),
     "Cannot read report.md: looks like UTF-16, expected UTF-8 text; convert it with "
     f"`iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`. {UPLOAD_HINT}"),
])
def test_upload_that_is_not_utf8_text(tmp_path, data, message):
    path = tmp_path / "report.md"
    path.write_bytes(data)
    with pytest.raises(gr.Error) as info:
        ui.load_upload(str(path), 100)
    assert info.value.message == message


FORMATS = "(supported formats: .docx .pptx .odt .odp .html .htm .xhtml .epub .srt .pdf .txt .md)"
# The Translate tab's upload, as the documents' own table: (name, bytes, the whole gr.Error message).
BAD_UPLOADS = [
    ("report.doc", b"anything", f"Cannot read report.doc: unsupported file type '.doc' {FORMATS}."),
    ("report.docx", b"", f"Cannot read report.docx: empty file {FORMATS}."),
    ("report.docx", b"PK\x03\x04 truncated",
     f"Cannot read report.docx: corrupt zip container (File is not a zip file) {FORMATS}."),
    ("report.docx", docx_bytes()[:-200],
     f"Cannot read report.docx: corrupt zip container (File is not a zip file) {FORMATS}."),
    ("report.docx", CFB_MAGIC + b"\0" * 512, "Cannot read report.docx: is an encrypted (password-protected) Office "
     f"file or a legacy .doc/.ppt/.xls: remove the password, or save it as .docx/.pptx, and try again {FORMATS}."),
    ("report.docx", BOMB, "Cannot read report.docx: refused as a zip bomb: it would expand to 62,914,560 bytes from "
     f"61,287 (limits: 268,435,456 bytes, ratio 200) {FORMATS}."),
    ("report.pdf", b"%PDF-1.7\n garbage",
     f"Cannot read report.pdf: corrupt PDF (PdfStreamError: Stream has ended unexpectedly) {FORMATS}."),
    ("report.pdf", encrypted_pdf(),
     f"Cannot read report.pdf: is an encrypted (password-protected) PDF: remove the password first {FORMATS}."),
    ("secret.odt", zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>",
                           "META-INF/manifest.xml": b"<m><manifest:encryption-data/></m>"}),
     "Cannot read secret.odt: is an encrypted (password-protected) OpenDocument file: remove the password and try "
     f"again {FORMATS}."),
    ("notes.txt", "حلب".encode() + b"\xff", "Cannot read notes.txt: invalid UTF-8 at byte offset 6. Upload a UTF-8 "
     ".txt or .md file or a document (.docx .pptx .odt .odp .html .htm .xhtml .epub .srt .pdf .txt .md)."),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_UPLOADS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_UPLOADS)])
def test_a_bad_upload_is_one_gradio_error(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(gr.Error) as info:
        ui.load_upload(str(path), 20_000)
    assert info.value.message == message
    assert path.read_bytes() == data


def test_upload_over_the_limit_and_cleared(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("ب" * 101, encoding="utf-8")
    with pytest.raises(gr.Error, match="The text has 101 characters; the limit is 100"):
        ui.load_upload(str(path), 100)
    assert ui.load_upload(None, 100) == ""


# -- a Translate click --------------------------------------------------------------------------------------

def test_no_arabic_warns_and_returns_the_text(tiny_translator):
    with pytest.warns(UserWarning, match=ui.NO_ARABIC):
        result = ui.run_translation(tiny_translator, "Just English, 2016.", 100)
    assert (result.english, result.rows, result.brief_html, result.files) == (
        "Just English, 2016.", [], "", [])


def test_errors_come_before_model_work(monkeypatch, tiny_translator):
    monkeypatch.setattr(type(tiny_translator), "translate",
                        lambda *a, **k: pytest.fail("model work before the checks"))
    with pytest.raises(gr.Error, match="limit is 10"):
        ui.run_translation(tiny_translator, AR, 10)


@pytest.fixture(scope="module")
def seed_result(tiny_translator, seed_text, tmp_path_factory):
    calls: list[tuple[int, int]] = []
    result = ui.run_translation(tiny_translator, seed_text, 20_000,
                                progress=lambda d, t: calls.append((d, t)), downloads=ui.Downloads())
    return result, calls


def test_seed_translation(seed_result, tiny_translator, seed_text):
    result, calls = seed_result
    expected = tiny_translator.translate(seed_text)
    assert result.english == expected.text
    assert [row[1] for row in result.rows] == [s.source for s in expected.segments]
    assert [row[2] for row in result.rows] == [s.target for s in expected.segments]
    assert [row[0] for row in result.rows] == list(range(1, len(expected.segments) + 1))
    assert calls[-1] == (len(expected.segments), len(expected.segments))
    assert '<article class="mtbrief-brief"' in result.brief_html and 'dir="rtl"' in result.brief_html
    sig = tiny_translator.signature
    assert result.info.startswith(f"Model `{sig.model}` · engine ctranslate2 (int8, cpu, beam 4) · "
                                  f"{len(expected.segments)} sentences in ")


# What the seed's Arabic says that the random-weight English cannot: its numbers (by row of the table).
SEED_NUMBER_FLAGS = {
    6: ["check number: 24 (24) in the Arabic is missing from the English"],
    8: ["check number: سبعة (7) in the Arabic is missing from the English"],
    9: ["check number: اثنان (2) in the Arabic is missing from the English"],
    11: ["check number: 75 (75) in the Arabic is missing from the English"],
    26: ["check number: التاسع من سبتمبر الماضي (9 September) in the Arabic is missing from the English"],
}
SEED_TOO_SHORT_TO_JUDGE = [4, 10, 12, 21, 28]  # علي صعيد متصل. من ناحية أخري. علي صعيد أخر. من جانبها. ...


def test_flags_column_has_the_quality_flags(seed_result):
    result, _ = seed_result
    flags = {row[0]: row[3].split("; ") if row[3] else [] for row in result.rows}
    assert {n: [f for f in shown if f.startswith("check number:")] for n, shown in flags.items()
            if any(f.startswith("check number:") for f in shown)} == SEED_NUMBER_FLAGS
    assert [n for n, shown in flags.items() if not shown] == SEED_TOO_SHORT_TO_JUDGE
    # every other row: the random English is also far from the Arabic, or of a length no translation has
    assert all(len([f for f in shown if f.startswith("check translation: ")]) == 1
               for n, shown in flags.items() if n not in SEED_TOO_SHORT_TO_JUDGE)


def _segment(flags: tuple[Flag, ...] = (), origin: str = "model") -> Segment:
    return Segment("قتل 24.", "24 killed.", 0, (0, 7), flags=flags, origin=origin)


LOST = Flag("number", "check number: 24 (24) in the Arabic is missing from the English")
FAR = Flag("similarity", "check translation: the English is far from the Arabic (similarity 0.10)")


@pytest.mark.parametrize(("segment", "shown"), [
    (_segment(), ""),
    (_segment((LOST,)), "check number: 24 (24) in the Arabic is missing from the English"),
    (_segment((LOST, FAR)), "check number: 24 (24) in the Arabic is missing from the English; "
                            "check translation: the English is far from the Arabic (similarity 0.10)"),
    (_segment(origin="memory"), "from the corrections memory"),
    (_segment((FAR,), origin="memory"), "check translation: the English is far from the Arabic (similarity 0.10); "
                                        "from the corrections memory"),
])
def test_a_rows_flags_are_one_line(segment, shown):
    translation = Translation("قتل 24.", (segment,), Signature("m", None, "ct2", "int8", 4))
    assert ui.sentence_rows(translation) == [[1, "قتل 24.", "24 killed.", shown]]


def test_downloads(seed_result):
    result, _ = seed_result
    files = {Path(f).name: Path(f).read_text(encoding="utf-8") for f in result.files}
    assert sorted(files) == ["brief.md", "translation.en.txt", "translation.json"]
    assert files["translation.en.txt"] == result.english + "\n"
    assert files["brief.md"].startswith("# Brief") and "\n### Story 4 · sentences 21–29\n" in files["brief.md"]
    assert result.brief_html.count('<section class="story">') == 4  # the seed's four stories, shown in the UI
    data = json.loads(files["translation.json"])
    assert data["translation"]["text"] == result.english and sorted(data["brief"]) == sorted(
        ["version", "headline", "points", "figures", "ranker", "signature", "order", "source_segments", "stories",
         "translated_segments"])


def test_downloads_keep_a_bounded_number(seed_result, tiny_translator):
    from summarize import make_brief

    translation = tiny_translator.translate(AR)
    keeper = ui.Downloads(keep=2)
    folders = [Path(keeper.write(translation, make_brief(translation))[0]).parent for _ in range(3)]
    assert [f.exists() for f in folders] == [False, True, True]
    root = folders[0].parent
    assert root.name.startswith("mtbrief-ui-") and {f.parent for f in folders} == {root}
    keeper.close()  # registered to run when the process exits
    assert not root.exists()




# -- the Blocks and the app ---------------------------------------------------------------------------------

def test_build_demo(tiny_translator):
    demo = ui.build_demo(tiny_translator, ServerSettings(char_limit=500))
    assert isinstance(demo, gr.Blocks)
    by_id = {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None)}
    assert by_id["arabic-input"].rtl is True
    assert by_id["upload"].file_types == [".txt", ".md", ".docx", ".pptx", ".odt", ".odp", ".html", ".htm",
                                          ".xhtml", ".epub", ".srt", ".pdf"]
    assert by_id["sentence-table"].headers == ui.TABLE_HEADERS
    assert {"translate-button", "english-output", "brief-output", "downloads", "run-info"} <= set(by_id)


def test_app_serves_ui_and_api(tiny_translator):
    from fastapi.testclient import TestClient

    app = ui.create_app(tiny_translator, ServerSettings(concurrency=3))
    client = TestClient(app)
    page = client.get("/")
    assert page.status_code == 200 and "<!doctype html>" in page.text.lower()
    assert client.get("/health").json()["ready"] is True
    assert client.get("/config").json()["components"]  # Gradio answers its own routes
    assert any(m.cls is BodyLimitMiddleware for m in app.user_middleware)


# -- the serve command --------------------------------------------------------------------------------------

def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mtbrief")
    ui.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_serve_defaults():
    args = parse(["serve"])
    assert args.func is ui.run_serve
    assert ui.settings_from_args(args, env={}) == ServerSettings()


def test_serve_options(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("# team keys\nalpha\n\n  beta  \n", encoding="utf-8")
    args = parse(["serve", "--host", "0.0.0.0", "--port", "8080", "--char-limit", "500", "--batch-limit", "8",
                  "--api-keys", str(keys), "--requests-per-minute", "30", "--concurrency", "4"])
    assert ui.settings_from_args(args, env={"MTBRIEF_API_KEYS": "gamma, delta,"}) == ServerSettings(
        host="0.0.0.0", port=8080, char_limit=500, batch_limit=8, requests_per_minute=30, concurrency=4,
        api_keys=frozenset({"alpha", "beta", "gamma", "delta"}))


@pytest.mark.parametrize(("content", "message"), [
    (None, "keys.txt: cannot read the API keys file: No such file or directory"),
    (b"# only a comment\n\n", "keys.txt: the API keys file holds no key"),
    (b"\xff\xfe", "keys.txt: the API keys file is not UTF-8 text"),
])
def test_bad_keys_file_stops_before_the_model_loads(tmp_path, monkeypatch, content, message):
    keys = tmp_path / "keys.txt"
    if content is not None:
        keys.write_bytes(content)
    monkeypatch.setattr("mt.cli.translator_from_args", lambda args: pytest.fail("model loaded"))
    with pytest.raises(InputError, match=message):
        ui.run_serve(parse(["serve", "--api-keys", str(keys)]))
