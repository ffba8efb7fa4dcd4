"""The web UI's Digest tab in a real browser (Chromium through Playwright) against the whole server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_ui_browser import page, server_url  # noqa: F401 - the server and the browser page, as fixtures

from eval.shared_data import ANT_ARTICLES

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]

BOMB = "مقتل {n} شخصا في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة الموصل شمالي العراق صباح الخميس."
REPORTS = [{"id": "a1", "title": "انفجار في سوق الموصل", "text": BOMB.format(n=24), "source": "alpha"},
           {"id": "b1", "title": "انفجار سيارة مفخخة في الموصل", "text": BOMB.format(n=31), "source": "beta"},
           {"id": "c1", "title": "فيضانات في إندونيسيا", "source": "gamma",
            "text": "غمرت مياه الأمطار آلاف المنازل في جزيرة جاوة الإندونيسية بعد عاصفة استمرت ثلاثة أيام."}]


@pytest.fixture
def digest_tab(page):  # noqa: F811 - the page fixture imported above
    """The page with the Digest tab open; the Translate tab is opened again afterwards."""
    page.get_by_role("tab", name="Digest").click()
    page.locator("#digest-button").wait_for()
    yield page
    page.get_by_role("tab", name="Translate").click()


def test_a_jsonl_of_reports_becomes_stories_with_sources_conflicts_and_downloads(digest_tab, tmp_path):
    day = tmp_path / "day.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in REPORTS] + ["[1, 2]"]
    day.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest_tab.locator("#digest-upload input[type=file]").set_input_files(str(day))
    digest_tab.locator("#digest-button").click()
    digest_tab.locator("#digest-output article.mtbrief-digest").wait_for()
    stories = digest_tab.locator("#digest-output section.story")
    assert stories.count() == 2
    first = stories.nth(0)
    assert "alpha, beta" in first.locator(".meta").inner_text()
    assert first.locator(".headline").get_attribute("dir") == "rtl"
    conflict = first.locator(".conflict")
    assert conflict.get_attribute("data-kind") == "killed" and "killed: 24; 31" in conflict.inner_text()
    info = digest_tab.locator("#digest-info").inner_text()
    assert "3 reports → 2 stories" in info and "day.jsonl:4: not a JSON object" in info
    links = digest_tab.locator("#digest-downloads a[download]")
    links.nth(1).wait_for()
    assert [links.nth(i).get_attribute("download") for i in range(links.count())] == ["digest.html", "digest.json"]
    saved = json.loads(digest_tab.request.get(links.nth(1).get_attribute("href")).text())
    assert [s["reports"] for s in saved["stories"]] == [["a1", "b1"], ["c1"]]


def test_digest_without_files_shows_the_error(digest_tab):
    digest_tab.locator("#digest-upload button[aria-label='Clear']").first.click()
    digest_tab.locator("#digest-button").click()
    digest_tab.get_by_text("no file: upload report files").first.wait_for()




def test_a_day_of_news_digests_at_the_servers_defaults_and_keeps_the_page_layout(digest_tab, tmp_path):
    """A whole ANT dev day (108 reports, five outlets) on a server started with defaults; a point's flags and its
    source stand on lines of their own, and no long word runs off the page."""
    if not ANT_ARTICLES.is_file():
        pytest.skip(f"ANT dev not found at {ANT_ARTICLES}")
    day = tmp_path / "day.jsonl"
    lines = [line for line in ANT_ARTICLES.read_text(encoding="utf-8").splitlines() if '"date": "20180304"' in line]
    day.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(lines) == 108 and day.stat().st_size > 100_000
    digest_tab.locator("#digest-upload input[type=file]").set_input_files(str(day))
    digest_tab.locator("#digest-button").click()
    digest_tab.locator("#digest-info", has_text="108 reports → ").wait_for(timeout=600_000)
    point = digest_tab.locator("#digest-output ol.points li").filter(has=digest_tab.locator("p.flag")).first
    boxes = [point.locator(css).first.bounding_box() for css in ("p.en", "p.flag", "p.from")]
    assert boxes[0]["y"] + boxes[0]["height"] <= boxes[1]["y"] and boxes[1]["y"] + boxes[1]["height"] <= boxes[2]["y"]
    overflow = digest_tab.locator("#digest-output article.mtbrief-digest").evaluate(
        "a => [a.scrollWidth, a.clientWidth]")
    assert overflow[0] <= overflow[1]
