"""The web UI's Monitor tab in a real browser (Chromium through Playwright) against the whole server: the stories
of a store, alerts marked, search, and new stories appearing without a reload."""

from __future__ import annotations

import os
import threading
import time

import pytest
from monitor_helpers import QUICK, end_of, small_replay
from test_ui_browser import CHROMIUM, CHROMIUM_ARGS

from eval.speed.load import free_port
from summarize.monitor.feeds import Fetcher, read_feeds_file
from summarize.monitor.run import run_pass
from summarize.monitor.store import Store

pytestmark = pytest.mark.browser
FOLLOW_UP = {"id": "g1", "source": "alpha", "category": "middleEast", "date": "20180301",
             "time": "2018-03-01T20:00:00+00:00", "url": "https://x/g1", "title": "زلزال في تشيلي",
             "abstract": "ضرب زلزال بقوة ست درجات جنوب تشيلي.", "text": "ضرب زلزال بقوة ست درجات جنوب تشيلي."}


@pytest.fixture(scope="module")
def monitored(tiny_translator, tmp_path_factory):
    """A store after a pass over the small replay, the replay, and a pass to run again."""
    replay, server, base = small_replay()
    folder = tmp_path_factory.mktemp("ui-monitor")
    (folder / "feeds.txt").write_text(f"{base}/rss/alpha.xml\n{base}/atom/beta.xml\n", encoding="utf-8")
    db = str(folder / "m.sqlite")
    fetcher = Fetcher(QUICK.fetch)

    def another_pass() -> None:
        store = Store.open(db)
        run_pass(store, read_feeds_file(str(folder / "feeds.txt")), fetcher, lambda: tiny_translator, QUICK,
                 watch=["الأردن"])
        store.close()

    another_pass()
    yield db, replay, another_pass
    fetcher.close()
    server.shutdown()


@pytest.fixture(scope="module")
def page(monitored, tiny_translator):
    """Chromium on the UI of a server started with --monitor (the tab reads the store every 2 s)."""
    import uvicorn

    import summarize.monitor.web
    from mt.server.limits import ServerSettings
    from ui import create_app

    if not CHROMIUM.is_file():
        missing = pytest.fail if os.environ.get("MTBRIEF_REQUIRE_BROWSER") else pytest.skip
        missing(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    port = free_port()
    summarize.monitor.web.REFRESH_SECONDS = 2.0
    app = create_app(tiny_translator, ServerSettings(port=port), monitored[0])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start within 60 s"
        time.sleep(0.1)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_role("tab", name="Monitor").click()
        page.locator("#monitor-stories article.mtbrief-monitor").wait_for()
        yield page
        browser.close()
    server.should_exit = True
    thread.join(timeout=30)
    summarize.monitor.web.REFRESH_SECONDS = 60.0


def test_the_tab_shows_the_stories_with_alerts_marked(page):
    stories = page.locator("#monitor-stories section.story")
    assert stories.count() == 4
    assert page.locator("#monitor-stories section.story.alert").count() == 2
    assert page.locator("#monitor-stories .headline").first.get_attribute("dir") == "rtl"
    assert "4 stories, 5 reports" in page.locator("#monitor-info").inner_text()


def test_search_finds_every_clitic_form(page):
    page.locator("#monitor-query textarea, #monitor-query input").first.fill("الأردن")
    page.locator("#monitor-search-button").click()
    page.locator("#monitor-results li.search-result").nth(1).wait_for()
    assert page.locator("#monitor-results li.search-result").count() == 2
    assert "بالأردن" in page.locator("#monitor-results").inner_text()


def test_an_empty_search_shows_the_error(page):
    page.locator("#monitor-query textarea, #monitor-query input").first.fill("؟")
    page.locator("#monitor-search-button").click()
    page.get_by_text("no word to search for").first.wait_for()


def test_new_stories_appear_without_a_reload(page, monitored):
    _, replay, another_pass = monitored
    replay.articles.append(FOLLOW_UP)
    replay.by_id["g1"] = FOLLOW_UP
    replay.until = end_of(1)
    another_pass()
    page.wait_for_function("document.querySelectorAll('#monitor-stories section.story').length === 5")
    assert "زلزال" in page.locator("#monitor-stories section.story").first.inner_text()
