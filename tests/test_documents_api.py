"""Documents through every door: `mtbrief translate FILE`, the batch, `mtbrief brief FILE`, and the API's
LibreTranslate-compatible /translate_file, /download_file and /frontend/settings."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from documents_samples import HTML, SRT, docx_bytes, pdf_bytes
from fastapi.testclient import TestClient
from test_documents_errors import BOMB

from mt.cli import main
from mt.documents import translate_document
from mt.server.limits import ServerSettings

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# -- command line ---------------------------------------------------------------------------------------------

def test_translate_docx_writes_the_same_as_the_library(tmp_path, capsys, tiny_marian_dir, tiny_translator):
    src, data = tmp_path / "report.docx", docx_bytes()
    src.write_bytes(data)
    code = main(["translate", str(src), "-o", str(tmp_path / "report.en.docx"), "--model", str(tiny_marian_dir),
                 "-q"])
    assert code == 0 and capsys.readouterr().err == ""
    import docx

    ours = docx.Document(str(tmp_path / "report.en.docx"))
    expected = docx.Document(io.BytesIO(translate_document(tiny_translator, data, "report.docx").data))
    assert [p.text for p in ours.paragraphs] == [p.text for p in expected.paragraphs]
    assert src.read_bytes() == data  # the input is never touched


def test_translate_without_output_writes_beside_the_input(tmp_path, capsys, tiny_marian_dir):
    (tmp_path / "scan.pdf").write_bytes(pdf_bytes())
    (tmp_path / "film.srt").write_text(SRT, encoding="utf-8")
    assert main(["translate", str(tmp_path / "scan.pdf"), "--model", str(tiny_marian_dir), "-q"]) == 0
    assert main(["translate", str(tmp_path / "film.srt"), "--model", str(tiny_marian_dir), "-q", "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert err == f"mtbrief: wrote {tmp_path / 'scan.en.docx'}\n"
    assert out.startswith("1\n00:00:01,000 --> 00:00:03,500\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.srt", "scan.en.docx", "scan.pdf"]


def test_batch_takes_documents_by_default_and_resumes(tmp_path, capsys, tiny_marian_dir):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.docx").write_bytes(docx_bytes())
    (src / "b.pdf").write_bytes(pdf_bytes())
    (src / "c.html").write_text(HTML, encoding="utf-8")
    (src / "bad.docx").write_bytes(b"not a zip")
    (src / "notes.csv").write_text("x", encoding="utf-8")
    args = ["translate", str(src), "-o", str(out), "--model", str(tiny_marian_dir), "-q"]
    assert main(args) == 1
    assert "3 ok, 1 failed, 0 skipped" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a.docx", "b.pdf.docx", "c.html", "failures.tsv"]
    failures = (out / "failures.tsv").read_text(encoding="utf-8").splitlines()
    assert failures[1].startswith("bad.docx\tthe content does not match the suffix .docx: it is not a zip")
    manifest = [json.loads(line) for line in (out / ".mtbrief-manifest.jsonl").read_text().splitlines()]
    assert sorted((m["path"], m["output"], m["options"]) for m in manifest) == [
        ("a.docx", "a.docx", "file:document"), ("b.pdf", "b.pdf.docx", "file:document"),
        ("c.html", "c.html", "file:document")]
    assert main(args) == 1
    assert "0 ok, 1 failed, 3 skipped" in capsys.readouterr().err


def test_brief_reads_a_document(tmp_path, capsys, tiny_marian_dir):
    (tmp_path / "report.docx").write_bytes(docx_bytes())
    code = main(["brief", str(tmp_path / "report.docx"), "--format", "json", "--model", str(tiny_marian_dir),
                 "-q", "--ranker", "tfidf", "--no-check"])
    brief = json.loads(capsys.readouterr().out)
    assert code == 0
    assert "قال المسؤول إن الوضع في حلب صعب جدا." in json.dumps(brief, ensure_ascii=False)


# -- API ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(tiny_translator):
    from ui import create_app

    app = create_app(tiny_translator, ServerSettings(char_limit=2000, file_size_limit=1))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def keyed(tiny_translator):
    from mt.server.app import create_api

    app = create_api(tiny_translator, ServerSettings(api_keys=frozenset({"k1"}), requests_per_minute=2))
    with TestClient(app) as c:
        yield c


def post_file(client, name: str, data: bytes, **fields: str):
    return client.post("/translate_file", files={"file": (name, data)}, data={"source": "ar", "target": "en",
                                                                            **fields})


def test_translate_file_then_download(client, tiny_translator):
    import docx

    data = docx_bytes()
    response = post_file(client, "report.docx", data)
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    assert url.startswith("http://testserver/download_file/") and url.endswith(".report.en.docx")
    download = client.get(url)
    assert download.status_code == 200 and download.headers["content-type"] == DOCX
    assert 'filename="report.en.docx"' in download.headers["content-disposition"]
    expected = translate_document(tiny_translator, data, "report.docx").data  # zip times differ: compare the text
    got, want = docx.Document(io.BytesIO(download.content)), docx.Document(io.BytesIO(expected))
    assert [p.text for p in got.paragraphs] == [p.text for p in want.paragraphs]
    assert [[c.text for c in row.cells] for row in got.tables[0].rows] == \
        [[c.text for c in row.cells] for row in want.tables[0].rows]



def test_translate_file_decodes_through_the_shared_batcher(client):
    batcher = client.app.state.service.batched()
    before = batcher.stats["segments"]
    response = post_file(client, "once.txt", "نص لم يترجم من قبل في هذه الاختبارات.\n".encode())
    assert response.status_code == 200, response.text
    assert batcher.stats["segments"] == before + 1

def test_pdf_comes_back_as_docx(client):
    url = post_file(client, "scan.pdf", pdf_bytes()).json()["translatedFileUrl"]
    assert url.endswith(".scan.en.docx") and client.get(url).content.startswith(b"PK")


@pytest.mark.parametrize(("name", "data", "fields", "status", "error"), [
    ("report.docx", b"not a zip", {}, 400, "Invalid file: report.docx: the content does not match the suffix "
                                           ".docx: it is not a zip container (supported formats: .docx"),
    ("report.xls", b"x", {}, 400, "Invalid file: report.xls: unsupported file type '.xls' (supported formats:"),
    ("scan.pdf", pdf_bytes([]), {}, 400, "Invalid file: scan.pdf: no text layer"),
    ("bomb.docx", BOMB, {}, 400, "Invalid file: bomb.docx: refused as a zip bomb"),
    ("report.docx", docx_bytes(), {"target": "fr"}, 400, "Unsupported language pair 'ar' -> 'fr'"),
    ("big.txt", ("حلب " * 1000).encode(), {}, 413, "Request too large: the document holds 4000 characters of "
                                                    "text, the limit is 2000 characters"),
    ("huge.txt", b"a" * (2**20 + 1), {}, 413, "Request too large: the file is over the limit of 1 MB"),
])
def test_translate_file_errors(client, name, data, fields, status, error):
    response = post_file(client, name, data, **fields)
    assert response.status_code == status and response.json()["error"].startswith(error)


def test_translate_file_needs_a_multipart_file(client):
    assert client.post("/translate_file", data={"source": "ar"}).json() == {
        "error": "Invalid request: send the document as multipart/form-data with a `file` field"}
    response = client.post("/translate_file", files={"other": ("a.txt", b"x")})
    assert (response.status_code, response.json()) == (400, {"error": "Invalid request: missing file parameter"})


@pytest.mark.parametrize("name", ["0123456789abcdef0123456789abcdef.report.en.docx", "ui.py", ".mtbrief-lock"])
def test_download_serves_only_files_it_made(client, name):
    response = client.get(f"/download_file/{name}")
    assert response.status_code == 404 and response.json()["error"].startswith("Not found: no such translated file")


def test_download_path_tricks_get_nothing(client):
    response = client.get("/download_file/..%2F..%2Fetc%2Fpasswd")
    assert response.status_code == 404 and "root:" not in response.text


def test_downloads_expire():
    from mt.server.files import FileStore

    now = [0.0]
    store = FileStore(ttl=60, keep=2, clock=lambda: now[0])
    assert store.folder is None and store.get("0" * 32 + ".a.en.docx") is None  # no folder until a file comes
    first = store.put(b"one", "a.en.docx")
    assert store.get(first).read_bytes() == b"one"
    now[0] = 61
    assert store.get(first) is None and not (store.folder / first).exists()
    names = [store.put(bytes([i]), "x.txt") for i in range(3)]
    assert [store.get(n) is not None for n in names] == [False, True, True]  # at most `keep` files
    folder = store.folder
    store.close()
    assert not folder.exists()


def test_stored_files_go_when_the_server_process_exits():
    import subprocess
    import sys

    code = ("from mt.server.files import FileStore\n"
            "store = FileStore()\nstore.put(b'x', 'a.en.txt')\nprint(store.folder)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    folder = Path(done.stdout.strip())
    assert folder.name.startswith("mtbrief-files-") and not folder.exists()


def test_keys_and_rate_limits_apply(keyed):
    assert post_file(keyed, "a.txt", "حلب".encode()).json() == {
        "error": "Missing API key: send api_key with the request"}
    assert post_file(keyed, "a.txt", "حلب".encode(), api_key="bad").status_code == 403
    assert post_file(keyed, "a.txt", "حلب".encode(), api_key="k1").status_code == 200
    assert post_file(keyed, "a.txt", "حلب".encode(), api_key="k1").status_code == 200
    assert post_file(keyed, "a.txt", "حلب".encode(), api_key="k1").status_code == 429


def test_frontend_settings(client, keyed):
    settings = client.get("/frontend/settings").json()
    assert settings == {
        "charLimit": 2000, "frontendTimeout": 500, "apiKeys": False, "keyRequired": False, "suggestions": False,
        "filesTranslation": True, "fileSizeLimit": 1,
        "supportedFilesFormat": [".docx", ".pptx", ".odt", ".odp", ".html", ".htm", ".xhtml", ".epub", ".srt",
                                 ".pdf", ".txt", ".md"],
        "language": {"source": {"code": "ar", "name": "Arabic"}, "target": {"code": "en", "name": "English"}}}
    assert keyed.get("/frontend/settings").json()["keyRequired"] is True
