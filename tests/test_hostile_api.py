"""Hostile HTTP clients, as tables, against the whole server (API, /brief, UI mounted at /): wrong methods, unknown
API paths, malformed and pathological bodies. Every answer is JSON {"error": ...} with a 4xx (405 with Allow),
never a 5xx, never FastAPI's {"detail": ...}."""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from mt.server.limits import ServerSettings  # noqa: E402

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


# (id, path, body bytes, content type, expected status, error pattern)
BAD_BODIES = [
    ("nested-1800", "/translate", _deep(1800), "application/json", 400, r"nested too deeply"),
    ("nested-500", "/translate", _deep(500), "application/json", 400, r"^Invalid request: q"),
    ("nested-brief", "/brief", _deep(1800), "application/json", 400, r"nested too deeply"),
    ("nested-digest", "/digest", _deep(1800), "application/json", 400, r"nested too deeply"),
    ("nan", "/translate", b'{"q": NaN}', "application/json", 400, r"^Invalid request: q"),
    ("alternatives-negative", "/translate", b'{"q": "x", "alternatives": -1}', "application/json", 400,
     r"alternatives"),
    ("alternatives-text", "/translate", b'{"q": "x", "alternatives": "abc"}', "application/json", 400,
     r"alternatives"),
    ("alternatives-huge", "/translate", b'{"q": "x", "alternatives": 1e9}', "application/json", 400, r"alternatives"),
    ("q-null", "/translate", b'{"q": null}', "application/json", 400, r"q"),
    ("q-number", "/translate", b'{"q": 123}', "application/json", 400, r"q"),
    ("q-object", "/translate", b'{"q": {}}', "application/json", 400, r"q"),
    ("q-numbers", "/translate", b'{"q": [1, 2]}', "application/json", 400, r"q"),
    ("q-empty", "/translate", b'{"q": ""}', "application/json", 400, r"missing q parameter"),
    ("q-empty-list", "/translate", b'{"q": []}', "application/json", 400, r"missing q parameter"),
    ("q-surrogate", "/translate", b'{"q": "\\ud800"}', "application/json", 400, r"unpaired surrogates"),
    ("q-too-long", "/translate", json.dumps({"q": "ب" * 301}).encode(), "application/json", 413,
     r"301 characters, the limit is 300"),
    ("q-too-many", "/translate", json.dumps({"q": ["a"] * 5}).encode(), "application/json", 413,
     r"5 texts, the batch limit is 4"),
    ("body-not-utf8", "/translate", b'{"q": "\xff\xfe"}', "application/json", 400, r"not valid JSON"),
    ("body-empty", "/translate", b"", "application/json", 400, r"not valid JSON"),
    ("body-truncated", "/translate", b'{"q": "ab', "application/json", 400, r"not valid JSON"),
    ("body-plain-text", "/translate", b"q=hello", "text/plain", 400, r"send a JSON object or a form"),
    ("body-array", "/translate", b'["q"]', "application/json", 400, r"must be an object"),
    ("body-string", "/translate", b'"q"', "application/json", 400, r"must be an object"),
    ("multipart-no-boundary", "/translate", b"--x\r\n", "multipart/form-data", 400, r"."),
    ("source-french", "/translate", b'{"q": "x", "source": "fr"}', "application/json", 400,
     r"Unsupported language pair 'fr' -> 'en'"),
    ("format-pdf", "/translate", b'{"q": "x", "format": "pdf"}', "application/json", 400, r"format"),
    ("target-list", "/translate", b'{"q": "x", "target": ["en"]}', "application/json", 400, r"target"),
    ("detect-empty", "/detect", b'{"q": ""}', "application/json", 400, r"missing q parameter"),
    ("brief-zero", "/brief", b'{"q": "x", "max_sentences": 0}', "application/json", 400, r"max_sentences"),
    ("brief-words-text", "/brief", b'{"q": "x", "max_words": "many"}', "application/json", 400, r"max_words"),
    ("brief-blank", "/brief", b'{"q": "   "}', "application/json", 400, r"missing q parameter"),
    ("over-body-limit", "/translate", b'{"q": "' + b"a" * 5000 + b'"}', "application/json", 413,
     r"Request body too large: the limit is 4096 bytes"),
]


@pytest.mark.parametrize(("path", "body", "ctype", "status", "pattern"), [c[1:] for c in BAD_BODIES],
                         ids=[c[0] for c in BAD_BODIES])
def test_bad_body_is_4xx_json(client, path, body, ctype, status, pattern):
    response = client.post(path, content=body, headers={"Content-Type": ctype})
    assert response.status_code == status, response.text
    assert list(response.json()) == ["error"] and re.search(pattern, response.json()["error"])


# Odd but acceptable requests: answered, never with a 5xx.
ODD_OK = [
    ("nul-character", "/translate", json.dumps({"q": "قتل\u0000 شخص"}).encode(), "application/json"),
    ("latin-only", "/translate", b'{"q": "Hello world."}', "application/json"),
    ("emoji-only", "/translate", json.dumps({"q": "🙂🙂"}).encode(), "application/json"),
    ("utf16-json", "/translate", json.dumps({"q": AR}).encode("utf-16"), "application/json"),
    ("charset-latin1", "/translate", json.dumps({"q": AR}, ensure_ascii=False).encode(),
     "application/json; charset=latin-1"),
    ("duplicate-keys", "/translate", b'{"q": "x", "q": "Hello"}', "application/json"),
    ("api-key-number", "/translate", b'{"q": "Hello", "api_key": 5}', "application/json"),
    ("form", "/translate", b"q=Hello&source=auto", "application/x-www-form-urlencoded"),
    ("brief-latin", "/brief", b'{"q": "Hello world."}', "application/json"),
    ("unknown-fields", "/translate", b'{"q": "Hello", "whatever": [1, {"a": null}]}', "application/json"),
]


@pytest.mark.parametrize(("path", "body", "ctype"), [c[1:] for c in ODD_OK], ids=[c[0] for c in ODD_OK])
def test_odd_but_valid_requests_are_answered(client, path, body, ctype):
    response = client.post(path, content=body, headers={"Content-Type": ctype})
    assert response.status_code < 500, response.text
    assert response.status_code == 200 or "error" in response.json()


BIG_BODIES = [
    ("nested-100000", "/translate", _deep(100_000), 400, r"nested too deeply"),
    ("nested-100000-detect", "/detect", _deep(100_000), 400, r"nested too deeply"),
    ("nested-100000-brief", "/brief", _deep(100_000), 400, r"nested too deeply"),
    ("nested-objects", "/translate", b'{"q": "x", "a": ' + b'{"a": ' * 30_000 + b"1" + b"}" * 30_001, 400,
     r"nested too deeply"),
    ("integer-of-5000-digits", "/translate", b'{"q": "x", "alternatives": 1' + b"0" * 5000 + b"}", 400,
     r"not valid JSON"),
]


@pytest.mark.parametrize(("path", "body", "status", "pattern"), [c[1:] for c in BIG_BODIES],
                         ids=[c[0] for c in BIG_BODIES])
def test_pathological_json_under_the_body_limit_is_400(roomy, path, body, status, pattern):
    response = roomy.post(path, content=body, headers=JSON)
    assert response.status_code == status, response.text
    assert list(response.json()) == ["error"] and re.search(pattern, response.json()["error"])


@pytest.mark.parametrize("text", ["Hello world.", "🙂🙂", "12345"])
def test_text_without_arabic_comes_back_unchanged(client, text):
    assert client.post("/translate", json={"q": text}).json() == {"translatedText": text}


def test_a_query_string_that_is_not_utf8_is_answered(client):
    response = client.post("/translate?q=%ff%fe")
    assert response.status_code < 500 and ("error" in response.json() or "translatedText" in response.json())


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
