"""The UI in a real browser: Chromium (Playwright) against the whole server running on a free local port."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from eval.speed.load import free_port

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server_url(tiny_translator, tmp_path_factory):
    """The server (UI + API) on 127.0.0.1, uvicorn in a thread, for this module's tests."""
    import uvicorn

    from mt.memory.store import MemoryStore
    from mt.server.limits import ServerSettings
    from ui import create_app

    port = free_port()
    memory = MemoryStore(tmp_path_factory.mktemp("ui-memory") / "memory.sqlite")
    app = create_app(tiny_translator.with_options(memory=memory), ServerSettings(port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start within 60 s")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def page(server_url):
    """A Chromium page on the UI."""
    if not CHROMIUM.is_file():
        # CI installs Chromium and sets MTBRIEF_REQUIRE_BROWSER: there, a missing browser is a failure.
        missing = pytest.fail if os.environ.get("MTBRIEF_REQUIRE_BROWSER") else pytest.skip
        missing(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        page.goto(server_url)
        page.locator("#arabic-input textarea").wait_for()
        yield page
        browser.close()


def english_value(page) -> str:
    return page.locator("#english-output textarea").input_value()


def test_seed_is_translated_and_briefed(page, seed_text, tiny_translator):
    box = page.locator("#arabic-input textarea")
    assert box.get_attribute("dir") == "rtl"
    box.fill(seed_text)
    page.locator("#translate-button").click()
    page.wait_for_function("document.querySelector('#english-output textarea').value.length > 0")
    page.locator("#brief-output article.mtbrief-brief").wait_for()
    expected = tiny_translator.translate(seed_text)
    assert english_value(page) == expected.text
    assert page.locator("#brief-output h1").inner_text() == "Brief"
    assert page.locator("#brief-output .headline .ar").get_attribute("dir") == "rtl"
    links = page.locator("#downloads a[download]")
    links.nth(2).wait_for()
    names = [links.nth(i).get_attribute("download") for i in range(links.count())]
    assert names == ["translation.en.txt", "brief.md", "translation.json"]
    assert page.request.get(links.nth(0).get_attribute("href")).text() == expected.text + "\n"
    info = page.locator("#run-info").inner_text()
    assert f"{len(expected.segments)} sentences in" in info and "ctranslate2" in info
    assert page.locator("#sentence-table").get_by_text(expected.segments[0].source).count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)
    assert (ARTIFACTS / "ui.png").stat().st_size > 10_000


def test_text_without_arabic_warns_and_comes_back(page):
    page.locator("#arabic-input textarea").fill("Only English here.")
    page.locator("#translate-button").click()
    page.get_by_text("has no Arabic letters").first.wait_for()
    page.wait_for_function(
        "document.querySelector('#english-output textarea').value === 'Only English here.'")


def test_empty_input_shows_the_error(page):
    page.locator("#arabic-input textarea").fill("")
    page.locator("#translate-button").click()
    page.get_by_text("the text box is empty").first.wait_for()


def test_upload_fills_the_text_box(page, tmp_path):
    good, bad = tmp_path / "report.txt", tmp_path / "legacy.txt"
    good.write_text("خبر عاجل من حلب.\nسطر ثان.", encoding="utf-8")
    bad.write_bytes("خبر".encode("cp1256"))
    page.locator("#upload input[type=file]").set_input_files(str(good))
    page.wait_for_function("document.querySelector('#arabic-input textarea').value === "
                           "'خبر عاجل من حلب.\\nسطر ثان.'")
    page.locator("#upload button[aria-label='Clear']").first.click()
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    page.get_by_text("Cannot read legacy.txt: invalid UTF-8 at byte offset 0").first.wait_for()


def test_edited_english_is_saved_and_shown(page, tiny_translator):
    text = "قال ناشطون إن قوات المعارضة صدت هجوما. وقتلت عددا من الجنود."
    page.locator("#arabic-input textarea").fill(text)
    page.locator("#translate-button").click()
    expected = tiny_translator.translate(text)
    page.wait_for_function("(t) => document.querySelector('#english-output textarea').value === t",
                           arg=expected.text)
    page.locator('#sentence-table [data-testid="cell-1-2"]').dblclick()
    editor = page.locator('#sentence-table [data-testid="cell-1-2"]').locator("textarea, input").first
    editor.fill("And killed a number of soldiers.")
    editor.press("Enter")
    page.locator("#save-corrections").click()
    page.get_by_text("1 correction saved").first.wait_for()
    want = f"{expected.segments[0].target} And killed a number of soldiers."
    page.wait_for_function("(t) => document.querySelector('#english-output textarea').value === t", arg=want)
    page.locator("#sentence-table").get_by_text("from the corrections memory").first.wait_for()


def test_docx_upload_is_translated_and_offered_for_download(page, tmp_path, tiny_translator):
    from documents_samples import docx_bytes

    from mt.documents import document_text, translate_document

    data = docx_bytes()
    report = tmp_path / "report.docx"
    report.write_bytes(data)
    text = document_text(data, "report.docx")
    page.locator("#upload button[aria-label='Clear']").first.click()
    page.locator("#upload input[type=file]").set_input_files(str(report))
    page.wait_for_function("(t) => document.querySelector('#arabic-input textarea').value === t", arg=text)
    page.locator("#translate-button").click()
    links = page.locator("#downloads a[download]")
    links.nth(3).wait_for()
    names = [links.nth(i).get_attribute("download") for i in range(links.count())]
    assert names == ["report.en.docx", "translation.en.txt", "brief.md", "translation.json"]
    downloaded = page.request.get(links.nth(0).get_attribute("href")).body()
    import io

    import docx

    expected = translate_document(tiny_translator, data, "report.docx").data
    got, want = docx.Document(io.BytesIO(downloaded)), docx.Document(io.BytesIO(expected))
    assert [p.text for p in got.paragraphs] == [p.text for p in want.paragraphs]
    assert english_value(page) == tiny_translator.translate(text).text
