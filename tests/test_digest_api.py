"""POST /digest against the whole server: the digest's JSON, per-report failures, and hostile bodies as a table
(every whole-request problem a 4xx {"error": ...}, never a 5xx); keys and rate limits as every POST."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from mt.server.limits import ServerSettings

BOMB = "مقتل {n} شخصا في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة الموصل شمالي العراق صباح الخميس."
GOOD = [{"id": "a1", "title": "انفجار في سوق الموصل", "text": BOMB.format(n=24), "source": "alpha",
         "time": "2018-03-01T08:00:00Z"},
        {"id": "b1", "title": "انفجار سيارة مفخخة في الموصل", "text": BOMB.format(n=31), "source": "beta"}]
LIMITS = ServerSettings(char_limit=500, batch_limit=4, digest_char_limit=2000)


@pytest.fixture(scope="module")
def client(tiny_translator) -> TestClient:
    from ui import create_app

    return TestClient(create_app(tiny_translator, LIMITS))


def test_digest_groups_the_reports_and_shows_the_conflicting_tolls(client, tiny_translator):
    response = client.post("/digest", json={"reports": GOOD})
    assert response.status_code == 200
    data = response.json()
    assert data["reports"] == 2 and data["failures"] == []
    assert data["signature"]["model"] == tiny_translator.signature.model
    [story] = data["stories"]
    assert story["reports"] == ["a1", "b1"] and story["sources"] == ["alpha", "beta"]
    assert [(v["value"], v["reports"]) for v in story["conflicts"][0]["values"]] == [(24, ["a1"]), (31, ["b1"])]
    assert story["headline"]["arabic"] and story["headline"]["english"]


@pytest.mark.parametrize(("bad", "problem"), [({"text": "English only."}, "no Arabic text"),
                                              ({"text": "   "}, "empty report"),
                                              ({"text": "خبر.", "time": "noon"}, "not ISO 8601")])
def test_a_bad_report_is_a_failure_and_the_others_are_digested(client, bad, problem):
    response = client.post("/digest", json={"reports": [GOOD[0], {**bad, "id": "bad"}]})
    assert response.status_code == 200
    data = response.json()
    assert data["reports"] == 1 and [s["reports"] for s in data["stories"]] == [["a1"]]
    assert [f["id"] for f in data["failures"]] == ["bad"] and problem in data["failures"][0]["problem"]


HOSTILE = [  # (id, body, status, the whole error message)
    ("no reports", {"reports": []}, 400,
     "Invalid request: reports is empty; send reports: [{text, id?, title?, ...}]"),
    ("reports missing", {"q": "خبر"}, 400, "Invalid request: missing reports parameter"),
    ("reports not a list", {"reports": "خبر"}, 400, "Invalid request: reports: Input should be a valid list"),
    ("report not an object", {"reports": ["خبر"]}, 400,
     "Invalid request: reports.0: Input should be a valid dictionary or instance of DigestReport"),
    ("report without text", {"reports": [{"id": "x"}]}, 400, "Invalid request: missing reports.0.text parameter"),
    ("only bad reports", {"reports": [{"text": "no Arabic"}, {"text": ""}]}, 400,
     "Invalid request: no usable report (report 1: no Arabic text)"),
    ("more reports than the batch limit", {"reports": [GOOD[0]] * 5}, 413,
     "Request too large: 5 reports, the batch limit is 4"),
    ("more characters than the limit", {"reports": [{"text": "خبر " * 600}]}, 413,
     "Request too large: 2400 characters in texts and titles, the digest limit is 2000 (--digest-char-limit)"),
    ("not JSON", "{nope", 400, "Invalid request: the body is not valid JSON"),
    ("a 10 MB report", {"reports": [{"text": "خ" * 10_000_000}]}, 413,
     "Request body too large: the limit is 81536 bytes"),
    ("a title past the character limit", {"reports": [{"text": "خبر.", "title": "خ" * 3000}]}, 413,
     "Request too large: 3004 characters in texts and titles, the digest limit is 2000 "
     "(--digest-char-limit)"),
    ("an id with an unpaired surrogate", '{"reports": [{"text": "\\u062e\\u0628\\u0631.", "id": "\\ud800"}]}', 400,
     "Invalid request: reports[0].id holds invalid Unicode (unpaired surrogates)"),
    ("a source with an unpaired surrogate", '{"reports": [{"text": "\\u062e\\u0628\\u0631.", "source": "\\udc00"}]}',
     400, "Invalid request: reports[0].source holds invalid Unicode (unpaired surrogates)"),
]


@pytest.mark.parametrize(("body", "status", "message"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_digest_bodies_are_4xx_json(client, body, status, message):
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/digest", content=data, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_a_day_of_reports_fits_the_default_limits(tiny_translator):
    """A digest has its own limit: 60 reports, 85,350 characters (the translation limit is 20,000)."""
    from ui import create_app

    client = TestClient(create_app(tiny_translator, ServerSettings()))
    day = [{"id": f"r{i}", "text": (BOMB.format(n=i) + " ") * 15, "source": "alpha"} for i in range(60)]
    assert sum(len(r["text"]) for r in day) == 85_350 > ServerSettings().char_limit
    response = client.post("/digest", json={"reports": day})
    assert response.status_code == 200 and response.json()["reports"] == 60


def test_digest_takes_api_keys_and_rate_limits_like_every_post(tiny_translator):
    from ui import create_app

    client = TestClient(create_app(tiny_translator, ServerSettings(api_keys=frozenset({"k1"}),
                                                                   requests_per_minute=1)))
    assert client.post("/digest", json={"reports": GOOD}).status_code == 403
    assert client.post("/digest", json={"reports": GOOD, "api_key": "nope"}).status_code == 403
    assert client.post("/digest", json={"reports": GOOD, "api_key": "k1"}).status_code == 200
    limited = client.post("/digest", json={"reports": GOOD, "api_key": "k1"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_get_digest_is_405_json(client):
    response = client.get("/digest")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def _files(folder, *named: tuple[str, str | bytes]) -> list[str]:
    paths = []
    for name, content in named:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append(str(path))
    return paths


TAB_ERRORS = [  # (id, files, settings, the gr.Error's message)
    ("no file", [], ServerSettings(), "no file: upload report files"),
    ("more reports than the batch limit", [("day.jsonl", "\n".join(json.dumps(r) for r in GOOD * 2))],
     ServerSettings(batch_limit=3), "more than 3 reports"),
    ("more characters than the limit", [("day.jsonl", json.dumps({"text": "خبر " * 30}))],
     ServerSettings(digest_char_limit=100), "120 characters, a digest takes at most 100"),
    ("only bad reports", [("a.txt", ""), ("b.txt", "English only.")], ServerSettings(), "no usable report"),
    ("a 10 MB report", [("big.txt", "خبر ".encode() * 1_500_000)], ServerSettings(), "too large for one report"),
]


@pytest.mark.parametrize(("named", "settings", "message"), [c[1:] for c in TAB_ERRORS], ids=[c[0] for c in TAB_ERRORS])
def test_the_digest_tab_answers_whole_input_problems_with_gr_error(tiny_translator, tmp_path, named, settings,
                                                                   message):
    import gradio as gr

    from summarize.web import run_digest_tab

    with pytest.raises(gr.Error, match=message):
        run_digest_tab(tiny_translator, _files(tmp_path, *named), settings, lambda files: [])


def test_the_digest_tab_lists_a_bad_file_and_digests_the_rest(tiny_translator, tmp_path):
    from summarize.web import run_digest_tab

    paths = _files(tmp_path, ("day.jsonl", "\n".join(json.dumps(r) for r in GOOD)), ("bad.txt", "English only."))
    saved = {}
    html, summary, files = run_digest_tab(tiny_translator, paths, ServerSettings(char_limit=10_000),
                                          lambda named: saved.update(named) or list(named))
    assert summary == "2 reports → 1 story. Skipped 1: bad.txt: no Arabic text"
    assert files == ["digest.html", "digest.json"] and 'class="conflict"' in html
    assert [s["reports"] for s in json.loads(saved["digest.json"])["stories"]] == [["a1", "b1"]]
