"""Hostile HTTP clients, as tables, against the whole server (API, /brief, UI mounted at /): wrong methods, unknown
API paths, malformed and pathological bodies. Every answer is JSON {"error": ...} with a 4xx (405 with Allow),
never a 5xx, never FastAPI's {"detail": ...}."""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from mt.server.limits import ServerSettings

AR = "قتل 24 شخصا في القصف."
LIMITS = ServerSettings(char_limit=300, batch_limit=4, max_body_bytes=4096)
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def app(tiny_translator):
    from ui import create_app

    return create_app(tiny_translator, LIMITS)


@pytest.fixture(scope="module")
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="module")
def roomy(tiny_translator) -> TestClient:
    """The whole server with the default limits (room for bodies of a few hundred kB)."""
    from ui import create_app

    return TestClient(create_app(tiny_translator, ServerSettings()))


WRONG_METHODS = [("GET", "/translate", "POST"), ("PUT", "/translate", "POST"), ("DELETE", "/translate", "POST"),
                 ("PATCH", "/detect", "POST"), ("GET", "/detect", "POST"), ("GET", "/brief", "POST"),
                 ("POST", "/health", "GET, HEAD"), ("PUT", "/health", "GET, HEAD"), ("POST", "/languages", "GET, HEAD"),
                 ("DELETE", "/languages", "GET, HEAD"), ("OPTIONS", "/translate", "POST"),
                 ("HEAD", "/translate", "POST"),
                 ("POST", "/openapi.json", "GET, HEAD"), ("POST", "/docs", "GET, HEAD"),
                 ("GET", "/translate_file", "POST"), ("POST", "/frontend/settings", "GET, HEAD"),
                 ("GET", "/suggest", "POST"), ("POST", "/download_file/abc", "GET, HEAD"),
                 ("DELETE", "/download_file/abc.report.en.docx", "GET, HEAD")]


@pytest.mark.parametrize(("method", "path", "allow"), WRONG_METHODS)
def test_wrong_method_is_405_json_with_allow(client, method, path, allow):
    response = client.request(method, path)
    assert response.status_code == 405 and response.headers["allow"] == allow
    if method != "HEAD":  # a HEAD answer has no body
        assert response.json() == {"error": f"Method not allowed: {method} {path}; use {allow}"}


@pytest.mark.parametrize(("path", "status"), [("/health", 200), ("/languages", 200), ("/frontend/settings", 200),
                                              ("/openapi.json", 200), ("/download_file/abc.x.en.txt", 404)])
def test_head_answers_as_get_without_a_body(client, path, status):
    head, get = client.head(path), client.get(path)
    assert (head.status_code, get.status_code) == (status, status)
    assert head.content == b"" and get.content != b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


UNKNOWN_PATHS = [("GET", "/translate/x"), ("POST", "/translate/extra/deep"), ("POST", "/translate_file/x"),
                 ("GET", "/frontend"), ("POST", "/suggest/x"), ("GET", "/download_file"), ("GET", "/download_file/a/b"),
                 ("GET", "/health/x"), ("GET", "/docs/x"), ("GET", "/spec"), ("POST", "/detect/..%2f..%2fetc")]


@pytest.mark.parametrize(("method", "path"), UNKNOWN_PATHS)
def test_unknown_api_path_is_404_json(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 404
    assert re.fullmatch(r"Not found: \S+ is not an endpoint of this API \(.*POST /translate.*\)",
                        response.json()["error"])


def test_a_trailing_slash_reaches_the_endpoint(client):
    assert client.post("/translate/", json={"q": "Hello"}).json() == {"translatedText": "Hello"}
    assert client.get("/health/").json()["ready"] is True


def _deep(depth: int) -> bytes:
    return b'{"q": ' + b"[" * depth + b"]" * depth + b"}"


INVALID = "Invalid request: "
NOT_TEXT = INVALID + "q.str: Input should be a valid string; q.list[str]: Input should be a valid list"
NOT_JSON = INVALID + "the body is not valid JSON"
TOO_DEEP = INVALID + "the JSON body is nested too deeply"
NO_Q = INVALID + "missing q parameter"
NOT_TEXT_0 = INVALID + "q.str: Input should be a valid string; q.list[str].0: Input should be a valid string"
SURROGATE = INVALID + "q holds invalid Unicode (unpaired surrogates)"
TOO_LONG = "Request too large: 301 characters, the limit is 300 characters"
NOT_UTF8_FORM = INVALID + "the form body is not valid UTF-8 once percent-decoded"
NOT_INT = "Input should be a valid integer, unable to parse string as an integer"

# (id, path, body bytes, content type, expected status, the whole error message)
BAD_BODIES = [
    ("nested-1800", "/translate", _deep(1800), "application/json", 400, TOO_DEEP),
    ("nested-500", "/translate", _deep(500), "application/json", 400, NOT_TEXT_0),
    ("nested-brief", "/brief", _deep(1800), "application/json", 400, TOO_DEEP),
    ("nested-digest", "/digest", _deep(1800), "application/json", 400, TOO_DEEP),
    ("nan", "/translate", b'{"q": NaN}', "application/json", 400, NOT_TEXT),
    ("alternatives-negative", "/translate", b'{"q": "x", "alternatives": -1}', "application/json", 400,
     INVALID + "alternatives: Input should be greater than or equal to 0"),
    ("alternatives-text", "/translate", b'{"q": "x", "alternatives": "abc"}', "application/json", 400,
     INVALID + "alternatives: " + NOT_INT),
    ("alternatives-huge", "/translate", b'{"q": "x", "alternatives": 1e9}', "application/json", 400,
     INVALID + "alternatives: Input should be less than or equal to 3"),
    ("q-null", "/translate", b'{"q": null}', "application/json", 400, NOT_TEXT),
    ("q-number", "/translate", b'{"q": 123}', "application/json", 400, NOT_TEXT),
    ("q-object", "/translate", b'{"q": {}}', "application/json", 400, NOT_TEXT),
    ("q-numbers", "/translate", b'{"q": [1, 2]}', "application/json", 400,
     INVALID + "q.str: Input should be a valid string; q.list[str].0: Input should be a valid string; "
     "q.list[str].1: Input should be a valid string"),
    ("q-empty", "/translate", b'{"q": ""}', "application/json", 400, NO_Q),
    ("q-empty-list", "/translate", b'{"q": []}', "application/json", 400, NO_Q),
    ("q-surrogate", "/translate", b'{"q": "\\ud800"}', "application/json", 400, SURROGATE),
    ("q-too-long", "/translate", json.dumps({"q": "ب" * 301}).encode(), "application/json", 413, TOO_LONG),
    ("q-too-many", "/translate", json.dumps({"q": ["a"] * 5}).encode(), "application/json", 413,
     "Request too large: 5 texts, the batch limit is 4"),
    ("body-not-utf8", "/translate", b'{"q": "\xff\xfe"}', "application/json", 400, NOT_JSON),
    ("body-empty", "/translate", b"", "application/json", 400, NOT_JSON),
    ("body-truncated", "/translate", b'{"q": "ab', "application/json", 400, NOT_JSON),
    ("body-plain-text", "/translate", b"q=hello", "text/plain", 400,
     INVALID + "send a JSON object or a form (x-www-form-urlencoded)"),
    ("body-array", "/translate", b'["q"]', "application/json", 400, INVALID + "the JSON body must be an object"),
    ("body-string", "/translate", b'"q"', "application/json", 400, INVALID + "the JSON body must be an object"),
    ("multipart-no-boundary", "/translate", b"--x\r\n", "multipart/form-data", 400,
     INVALID + "unreadable form body (Missing boundary in multipart.)"),
    ("form-not-utf8", "/translate", b"q=%ff%fe", "application/x-www-form-urlencoded", 400, NOT_UTF8_FORM),
    ("source-french", "/translate", b'{"q": "x", "source": "fr"}', "application/json", 400,
     "Unsupported language pair 'fr' -> 'en': this server translates Arabic to English only: use source 'ar' "
     "(or 'auto') and target 'en'"),
    ("format-pdf", "/translate", b'{"q": "x", "format": "pdf"}', "application/json", 400,
     INVALID + "format: Input should be 'text' or 'html'"),
    ("target-list", "/translate", b'{"q": "x", "target": ["en"]}', "application/json", 400,
     INVALID + "target: Input should be a valid string"),
    ("api-key-number", "/translate", b'{"q": "Hello", "api_key": 5}', "application/json", 400,
     INVALID + "api_key: Input should be a valid string"),
    ("detect-empty", "/detect", b'{"q": ""}', "application/json", 400, NO_Q),
    ("detect-missing", "/detect", b"{}", "application/json", 400, NO_Q),
    ("detect-q-number", "/detect", b'{"q": 5}', "application/json", 400, NOT_TEXT),
    ("detect-q-float", "/detect", b'{"q": 1.5}', "application/json", 400, NOT_TEXT),
    ("detect-q-null", "/detect", b'{"q": null}', "application/json", 400, NOT_TEXT),
    ("detect-q-true", "/detect", b'{"q": true}', "application/json", 400, NOT_TEXT),
    ("detect-q-object", "/detect", b'{"q": {"text": "x"}}', "application/json", 400, NOT_TEXT),
    ("detect-q-numbers", "/detect", b'{"q": [1]}', "application/json", 400, NOT_TEXT_0),
    ("detect-q-nested-list", "/detect", b'{"q": [["x"]]}', "application/json", 400, NOT_TEXT_0),
    ("detect-q-surrogate", "/detect", b'{"q": "\\ud800"}', "application/json", 400, SURROGATE),
    ("detect-q-too-long", "/detect", json.dumps({"q": "ب" * 301}).encode(), "application/json", 413, TOO_LONG),
    ("detect-form-not-utf8", "/detect", b"q=%ff", "application/x-www-form-urlencoded", 400, NOT_UTF8_FORM),
    ("brief-zero", "/brief", b'{"q": "x", "max_sentences": 0}', "application/json", 400,
     INVALID + "max_sentences: Input should be greater than or equal to 1"),
    ("brief-words-text", "/brief", b'{"q": "x", "max_words": "many"}', "application/json", 400,
     INVALID + "max_words: " + NOT_INT),
    ("brief-blank", "/brief", b'{"q": "   "}', "application/json", 400, NO_Q),
    ("brief-latin", "/brief", b'{"q": "Hello world."}', "application/json", 400,
     INVALID + "q holds no Arabic sentence to brief"),
    ("over-body-limit", "/translate", b'{"q": "' + b"a" * 5000 + b'"}', "application/json", 413,
     "Request body too large: the limit is 4096 bytes"),
]


@pytest.mark.parametrize(("path", "body", "ctype", "status", "message"), [c[1:] for c in BAD_BODIES],
                         ids=[c[0] for c in BAD_BODIES])
def test_bad_body_is_4xx_json(client, path, body, ctype, status, message):
    response = client.post(path, content=body, headers={"Content-Type": ctype})
    assert (response.status_code, response.json()) == (status, {"error": message})


# Odd but acceptable requests: answered 200 with the translation of the text they carry (None: the model's
# English of the Arabic; anything else is the exact answer).
ODD_OK = [
    ("nul-character", "/translate", json.dumps({"q": "قتل\u0000 شخص"}).encode(), "application/json",
     ("قتل\u0000 شخص", None)),
    ("latin-only", "/translate", b'{"q": "Hello world."}', "application/json", {"translatedText": "Hello world."}),
    ("emoji-only", "/translate", json.dumps({"q": "🙂🙂"}).encode(), "application/json", {"translatedText": "🙂🙂"}),
    ("utf16-json", "/translate", json.dumps({"q": AR}).encode("utf-16"), "application/json", (AR, None)),
    ("charset-latin1", "/translate", json.dumps({"q": AR}, ensure_ascii=False).encode(),
     "application/json; charset=latin-1", (AR, None)),
    ("duplicate-keys", "/translate", b'{"q": "x", "q": "Hello"}', "application/json", {"translatedText": "Hello"}),
    ("form", "/translate", b"q=Hello&source=auto", "application/x-www-form-urlencoded",
     {"translatedText": "Hello", "detectedLanguage": {"language": "it", "confidence": 40.0}}),
    ("unknown-fields", "/translate", b'{"q": "Hello", "whatever": [1, {"a": null}]}', "application/json",
     {"translatedText": "Hello"}),
    ("detect-blank", "/detect", b'{"q": "   "}', "application/json", [{"language": "und", "confidence": 0.0}]),
    ("detect-form-digits", "/detect", b"q=5", "application/x-www-form-urlencoded",
     [{"language": "und", "confidence": 0.0}]),
]


@pytest.mark.parametrize(("path", "body", "ctype", "expected"), [c[1:] for c in ODD_OK], ids=[c[0] for c in ODD_OK])
def test_odd_but_valid_requests_are_answered(client, tiny_translator, path, body, ctype, expected):
    if isinstance(expected, tuple):  # the API adds nothing to the engine's English
        expected = {"translatedText": tiny_translator.translate(expected[0]).text}
    response = client.post(path, content=body, headers={"Content-Type": ctype})
    assert (response.status_code, response.json()) == (200, expected)


BIG_BODIES = [
    ("nested-100000", "/translate", _deep(100_000), 400, TOO_DEEP),
    ("nested-100000-detect", "/detect", _deep(100_000), 400, TOO_DEEP),
    ("nested-100000-brief", "/brief", _deep(100_000), 400, TOO_DEEP),
    ("nested-objects", "/translate", b'{"q": "x", "a": ' + b'{"a": ' * 30_000 + b"1" + b"}" * 30_001, 400, TOO_DEEP),
    ("integer-of-5000-digits", "/translate", b'{"q": "x", "alternatives": 1' + b"0" * 5000 + b"}", 400, NOT_JSON),
]


@pytest.mark.parametrize(("path", "body", "status", "message"), [c[1:] for c in BIG_BODIES],
                         ids=[c[0] for c in BIG_BODIES])
def test_pathological_json_under_the_body_limit_is_400(roomy, path, body, status, message):
    response = roomy.post(path, content=body, headers=JSON)
    assert (response.status_code, response.json()) == (status, {"error": message})


@pytest.mark.parametrize("text", ["Hello world.", "🙂🙂", "12345"])
def test_text_without_arabic_comes_back_unchanged(client, text):
    assert client.post("/translate", json={"q": text}).json() == {"translatedText": text}


@pytest.mark.parametrize("path", ["/translate?q=%ff%fe", "/detect?q=%ff", "/brief?q=%d8", "/translate?q=a&source=%c3"])
def test_a_query_string_that_is_not_utf8_is_400(client, path):
    response = client.post(path)
    assert (response.status_code, response.json()) == (
        400, {"error": "Invalid request: the query string is not valid UTF-8 once percent-decoded"})


def test_a_client_that_disconnects_mid_body_leaves_one_log_line(app, caplog):
    messages = [{"type": "http.request", "body": b'{"q": "ab', "more_body": True}, {"type": "http.disconnect"}]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/translate", "raw_path": b"/translate", "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
             "client": ("127.0.0.1", 5555), "server": ("127.0.0.1", 7860), "scheme": "http", "root_path": "",
             "http_version": "1.1", "app": app}
    with caplog.at_level(logging.INFO):
        asyncio.run(app(scope, receive, send))
    lines = [r.getMessage() for r in caplog.records if r.name == "mtbrief.server"]
    assert lines == ["127.0.0.1:5555 went away before sending the whole request to POST /translate"]
    assert not any(r.exc_info for r in caplog.records)
