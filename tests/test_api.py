"""The HTTP API through FastAPI's TestClient: every endpoint, JSON and form bodies, every error shape."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from mt.errors import InvalidOption
from mt.server.app import create_api
from mt.server.limits import RateLimiter, ServerSettings
from mt.server.service import ApiService

AR = "تجدد قصف الطيران الروسي علي عدة أحياء في مدينة حلب أمس."
AR2 = "قتل 24 شخصا في القصف."
PAIR = "this server translates Arabic to English only: use source 'ar' (or 'auto') and target 'en'"
LIMITS = ServerSettings(char_limit=300, batch_limit=4, max_body_bytes=4096)


@pytest.fixture(scope="module")
def app(tiny_translator):
    """The whole server (API, /brief, body limit, UI) with small limits."""
    from ui import create_app

    return create_app(tiny_translator, LIMITS)


@pytest.fixture(scope="module")
def client(app) -> TestClient:
    return TestClient(app)


def plain(client: TestClient, text: str) -> str:
    """The API's translation of one plain text."""
    response = client.post("/translate", json={"q": text, "source": "ar", "target": "en"})
    assert response.status_code == 200, response.text
    return response.json()["translatedText"]


def forbid_model_work(app, monkeypatch) -> None:
    """Make any model call fail the test: limits must answer first."""
    def boom(*args, **kwargs):
        raise AssertionError("model work started before the limits were checked")

    monkeypatch.setattr(app.state.service, "translate_request", boom)
    monkeypatch.setattr(app.state.service, "detect", boom)


# -- read-only endpoints ------------------------------------------------------------------------------------

def test_languages(client):
    assert client.get("/languages").json() == [{"code": "ar", "name": "Arabic", "targets": ["en"]},
                                               {"code": "en", "name": "English", "targets": []}]


def test_health(client, tiny_translator, tiny_marian_dir):
    from mt import __version__

    body = client.get("/health").json()
    assert sorted(body.pop("stats")) == ["cache_hits", "cache_misses", "engine_batches", "engine_segments"]
    assert body == {
        "model": str(tiny_marian_dir), "engine": "ctranslate2", "device": "cpu", "compute_type": "int8",
        "version": __version__, "ready": True, "signature": str(tiny_translator.signature)}


def test_health_stats_count_engine_work_and_cache_answers(client):
    before = client.get("/health").json()["stats"]
    text = "قال المسؤول إن الوضع مستقر في مدينة الاختبار الأولى."  # new to the session's shared cache
    for _ in range(2):  # the second time the cache answers
        assert client.post("/translate", json={"q": text, "source": "ar", "target": "en"}).status_code == 200
    after = client.get("/health").json()["stats"]
    assert {k: after[k] - before[k] for k in after} == {"cache_hits": 1, "cache_misses": 1, "engine_batches": 1,
                                                        "engine_segments": 1}


def test_openapi_and_docs(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths) == ["/brief", "/detect", "/digest", "/download_file/{name}", "/frontend/settings", "/health",
                             "/languages", "/suggest", "/translate", "/translate_file"]
    content = paths["/translate"]["post"]["requestBody"]["content"]
    assert sorted(content) == ["application/json", "application/x-www-form-urlencoded"]
    assert sorted(paths["/translate"]["post"]["responses"]) == ["200", "400", "403", "413", "429"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


# -- /translate ---------------------------------------------------------------------------------------------

def test_translate_json_and_form_agree(client, tiny_translator):
    expected = tiny_translator.translate(AR).text
    assert client.post("/translate", json={"q": AR, "source": "ar", "target": "en"}).json() == {
        "translatedText": expected}
    assert client.post("/translate", data={"q": AR, "source": "ar", "target": "en"}).json() == {
        "translatedText": expected}
    assert client.post("/translate", params={"q": AR}).json() == {"translatedText": expected}  # as LT reads


@pytest.mark.parametrize("body", [{"json": {"q": [AR, AR2, "no Arabic here", ""]}},
                                  {"data": {"q": [AR, AR2, "no Arabic here", ""]}}])
def test_list_in_list_out(client, tiny_translator, body):
    out = client.post("/translate", **body).json()["translatedText"]
    expected = [tiny_translator.translate(AR).text, tiny_translator.translate(AR2).text]
    assert out == [*expected, "no Arabic here", ""]


def test_lines_are_kept(client):
    out = plain(client, f"{AR}\n\n{AR2}")
    assert out.split("\n") == [plain(client, AR), "", plain(client, AR2)]


def test_html_keeps_markup(client):
    page = (f'<div class="story" data-id="7"><h1>{AR2}</h1><p>{AR} <b>{AR2}</b> 2016</p>'
            f"<!-- {AR2} --><script>var s = '{AR2}';</script><code>{AR2}</code></div>")
    out = client.post("/translate", json={"q": page, "format": "html"}).json()["translatedText"]
    expected = (f'<div class="story" data-id="7"><h1>{plain(client, AR2)}</h1><p>{plain(client, AR)} '
                f"<b>{plain(client, AR2)}</b> 2016</p><!-- {AR2} --><script>var s = '{AR2}';</script>"
                f"<code>{AR2}</code></div>")
    assert out == expected
    assert [t.name for t in BeautifulSoup(out, "html.parser").find_all(True)] == [
        "div", "h1", "p", "b", "script", "code"]


@pytest.mark.parametrize("count", [1, 3])
def test_alternatives_count(client, count):
    one = client.post("/translate", json={"q": AR, "alternatives": count}).json()
    assert len(one["alternatives"]) == count and all(isinstance(a, str) and a for a in one["alternatives"])
    many = client.post("/translate", data={"q": [AR, AR2], "alternatives": str(count)}).json()
    assert [len(a) for a in many["alternatives"]] == [count, count]
    html = client.post("/translate", json={"q": f"<p>{AR}</p>", "format": "html",
                                           "alternatives": count}).json()
    assert len(html["alternatives"]) == count and all(a.startswith("<p>") for a in html["alternatives"])


def test_no_alternatives_key_unless_asked(client):
    assert "alternatives" not in client.post("/translate", json={"q": AR}).json()


def test_auto_detects_arabic(client):
    one = client.post("/translate", json={"q": AR, "source": "auto", "target": "en"}).json()
    assert one["detectedLanguage"]["language"] == "ar" and 50 < one["detectedLanguage"]["confidence"] <= 100
    many = client.post("/translate", json={"q": [AR, "Bonjour tout le monde, comment allez-vous"],
                                           "source": "auto"}).json()
    assert [d["language"] for d in many["detectedLanguage"]] == ["ar", "fr"]
    assert many["translatedText"][1] == "Bonjour tout le monde, comment allez-vous"


@pytest.mark.parametrize(("body", "message"), [
    ({"q": AR, "source": "fr"}, f"Unsupported language pair 'fr' -> 'en': {PAIR}"),
    ({"q": AR, "source": "ar", "target": "de"}, f"Unsupported language pair 'ar' -> 'de': {PAIR}"),
    ({"source": "ar"}, "Invalid request: missing q parameter"),
    ({"q": ""}, "Invalid request: missing q parameter"),
    ({"q": []}, "Invalid request: missing q parameter"),
    ({"q": AR, "format": "markdown"}, "Invalid request: format: Input should be 'text' or 'html'"),
    ({"q": AR, "alternatives": 4}, "Invalid request: alternatives: Input should be less than or equal to 3"),
    ({"q": AR, "alternatives": -1},
     "Invalid request: alternatives: Input should be greater than or equal to 0"),
])
def test_translate_400(client, body, message):
    response = client.post("/translate", json=body)
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_unpaired_surrogate_is_400(client):
    response = client.post("/translate", content=b'{"q": "\\ud800"}',
                           headers={"content-type": "application/json"})
    assert response.json() == {"error": "Invalid request: q holds invalid Unicode (unpaired surrogates)"}


def test_q_of_the_wrong_type_is_400(client):
    response = client.post("/translate", json={"q": 12})
    assert response.status_code == 400 and response.json()["error"].startswith("Invalid request: q")


@pytest.mark.parametrize(("content", "ctype", "message"), [
    (b"{not json", "application/json", "Invalid request: the body is not valid JSON"),
    (b'["q"]', "application/json", "Invalid request: the JSON body must be an object"),
    (b"q=x", "text/plain", "Invalid request: send a JSON object or a form (x-www-form-urlencoded)"),
])
def test_bad_bodies_are_400(client, content, ctype, message):
    response = client.post("/translate", content=content, headers={"content-type": ctype})
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_a_file_field_is_400(client):
    response = client.post("/translate", files={"q": ("a.txt", AR.encode())})
    assert (response.status_code, response.json()) == (
        400, {"error": "Invalid request: q must be text, not a file"})


def test_validation_errors_are_400_not_422(tiny_translator):
    app = create_api(tiny_translator, ServerSettings())

    @app.get("/typed")
    async def typed(n: int) -> int:
        return n

    response = TestClient(app).get("/typed", params={"n": "x"})
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request: query.n: Input should be a valid integer, "
                                        "unable to parse string as an integer"}


def test_unknown_method_is_an_error_body(tiny_translator):
    # The API alone (the whole server is covered in test_hostile_api.py).
    response = TestClient(create_api(tiny_translator, ServerSettings())).get("/translate")
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed: GET /translate; use POST"})
    assert response.headers["allow"] == "POST"


# -- limits: characters, batch, body -------------------------------------------------------------------------

def test_char_limit_is_inclusive(client):
    assert client.post("/translate", json={"q": "ب" * 300}).status_code == 200


@pytest.mark.parametrize(("q", "message"), [
    ("ب" * 301, "Request too large: 301 characters, the limit is 300 characters"),
    (["ب" * 150, "ب" * 151], "Request too large: 301 characters, the limit is 300 characters"),
    (["ب"] * 5, "Request too large: 5 texts, the batch limit is 4"),
])
def test_413_over_the_limits(app, client, monkeypatch, q, message):
    forbid_model_work(app, monkeypatch)
    for path in ("/translate", "/detect"):
        response = client.post(path, json={"q": q})
        assert (response.status_code, response.json()) == (413, {"error": message})


def test_413_body_limit(app, client, monkeypatch):
    forbid_model_work(app, monkeypatch)
    big = b'{"q": "' + b"a" * 5000 + b'"}'
    response = client.post("/translate", content=big, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (413, {"error": "Request body too large: the limit is "
                                                                       "4096 bytes"})
    chunked = client.post("/translate", content=iter([big[:3000], big[3000:]]),
                          headers={"content-type": "application/json"})
    assert (chunked.status_code, chunked.json()) == (413, {"error": "Request body too large: the limit is "
                                                                    "4096 bytes"})


def test_small_chunked_body_passes(client, tiny_translator):
    body = json.dumps({"q": AR}, ensure_ascii=False).encode()
    response = client.post("/translate", content=iter([body[:10], body[10:]]),
                           headers={"content-type": "application/json"})
    assert response.json() == {"translatedText": tiny_translator.translate(AR).text}


# -- API keys and rate limits --------------------------------------------------------------------------------

def keyed_app(tiny_translator, **settings):
    app = create_api(tiny_translator, ServerSettings(**settings))
    app.state.service.translate_request = lambda texts, fmt, alternatives, glossary=None: [(t,) for t in texts]
    return app


@pytest.mark.parametrize(("body", "message"), [
    ({"q": AR}, "Missing API key: send api_key with the request"),
    ({"q": AR, "api_key": "wrong"}, "Invalid API key"),
    ({"q": AR, "api_key": "k1x"}, "Invalid API key"),
])
def test_403_bad_key(tiny_translator, monkeypatch, body, message):
    app = keyed_app(tiny_translator, api_keys=frozenset({"k1", "k2"}))
    forbid_model_work(app, monkeypatch)
    client = TestClient(app)
    for path in ("/translate", "/detect"):
        for kind in ("json", "data"):
            response = client.post(path, **{kind: body})
            assert (response.status_code, response.json()) == (403, {"error": message})


def test_good_key_passes_json_and_form(tiny_translator):
    client = TestClient(keyed_app(tiny_translator, api_keys=frozenset({"k1", "k2"})))
    assert client.post("/translate", json={"q": AR, "api_key": "k2"}).json() == {"translatedText": AR}
    assert client.post("/translate", data={"q": AR, "api_key": "k1"}).json() == {"translatedText": AR}
    assert client.get("/health").status_code == 200  # read-only endpoints need no key


def test_429_per_ip(tiny_translator):
    app = keyed_app(tiny_translator, requests_per_minute=2)
    first, second = TestClient(app, client=("10.0.0.1", 1)), TestClient(app, client=("10.0.0.2", 1))
    assert [first.post("/translate", json={"q": AR}).status_code for _ in range(2)] == [200, 200]
    third = first.post("/translate", json={"q": AR})
    assert (third.status_code, third.json()) == (
        429, {"error": "Too many requests: the limit is 2 per minute"})
    assert 1 <= int(third.headers["retry-after"]) <= 60
    assert second.post("/detect", data={"q": "x"}).status_code != 429  # another IP has its own budget


def test_429_per_key(tiny_translator):
    client = TestClient(keyed_app(tiny_translator, requests_per_minute=1, api_keys=frozenset({"a", "b"})))
    assert client.post("/translate", json={"q": AR, "api_key": "a"}).status_code == 200
    assert client.post("/translate", json={"q": AR, "api_key": "a"}).json() == {
        "error": "Too many requests: the limit is 1 per minute"}
    assert client.post("/translate", json={"q": AR, "api_key": "b"}).status_code == 200


def test_rate_limiter_window_slides():
    now = [0.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    assert [limiter.hit("x"), limiter.hit("x"), limiter.hit("x")] == [0.0, 0.0, 60.0]
    now[0] = 30.0
    assert limiter.hit("x") == 30.0 and limiter.hit("y") == 0.0
    now[0] = 60.0  # the first two hits leave the window
    assert [limiter.hit("x"), limiter.hit("x"), limiter.hit("x")] == [0.0, 0.0, 60.0]


@pytest.mark.parametrize(("field", "value"), [("char_limit", 0), ("concurrency", 0), ("batch_limit", 0),
                                              ("requests_per_minute", -1), ("port", 70000)])
def test_settings_are_checked(field, value):
    with pytest.raises(InvalidOption, match=f"invalid {field.replace('_', '-')} {value}"):
        ServerSettings(**{field: value})


def test_body_limit_follows_char_limit():
    assert ServerSettings(char_limit=1000).body_limit == 65_536 + 8_000
    assert ServerSettings(max_body_bytes=10).body_limit == 10


def test_concurrency_bounds_model_work(tiny_translator):
    service = ApiService(tiny_translator, ServerSettings(concurrency=2))
    running, peak, lock = [0], [0], threading.Lock()
    pair = threading.Barrier(2, timeout=60)  # two at a time must meet here (a timeout only guards against a hang)

    def work() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        pair.wait()
        with lock:
            running[0] -= 1

    async def many() -> None:
        await asyncio.gather(*(service.run(work) for _ in range(6)))

    asyncio.run(many())
    assert peak[0] == 2


# -- /detect and /brief -------------------------------------------------------------------------------------

def test_detect(client):
    one = client.post("/detect", json={"q": AR}).json()
    assert one[0]["language"] == "ar" and one[0]["confidence"] > 50 and len(one) <= 3
    many = client.post("/detect", data={"q": ["Bonjour tout le monde, comment allez-vous", "123"]}).json()
    assert many[0][0]["language"] == "fr"
    assert many[1] == [{"language": "und", "confidence": 0.0}]


@pytest.mark.parametrize("glossary", [None, [["حلب", "Aleppo"]]])
def test_brief(client, tiny_translator, glossary):
    from summarize import brief_text

    text = f"{AR} {AR2} وأعلنت الأممالمتحدة عن إرسال مساعدات إلي المدينة."
    out = client.post("/brief", json={"q": text, "max_sentences": 2, "glossary": glossary}).json()
    if glossary is None:  # the same brief as the library's, through the shared batches
        assert out == brief_text(tiny_translator, text, 2).to_dict()
    assert len(out["points"]) == 2 and out["translated_segments"] <= out["source_segments"]
    assert [s["span"] for s in out["stories"]] == [[0, out["source_segments"]]]
    assert out["stories"][0]["points"] == [0, 1] and out["headline"] not in out["points"]  # never repeated


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"q": AR, "max_sentences": 0}, 400,
     "Invalid request: max_sentences: Input should be greater than or equal to 1"),
    ({"q": AR, "order": "random"}, 400, "Invalid request: order: Input should be 'document' or 'score'"),
    ({"q": AR, "source": "en"}, 400, f"Unsupported language pair 'en' -> 'en': {PAIR}"),
    ({"q": [AR]}, 400, "Invalid request: q: Input should be a valid string"),
    ({"q": " "}, 400, "Invalid request: missing q parameter"),
    ({"q": "nothing to brief"}, 400, "Invalid request: q holds no Arabic sentence to brief"),
    ({"q": "2024 — 24/7"}, 400, "Invalid request: q holds no Arabic sentence to brief"),
    ({"q": "ب" * 301}, 413, "Request too large: 301 characters, the limit is 300 characters"),
])
def test_brief_errors(client, body, status, message):
    response = client.post("/brief", json=body)
    assert (response.status_code, response.json()) == (status, {"error": message})
