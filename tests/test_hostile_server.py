"""Hostile clients against a real `mtbrief serve` (uvicorn on 127.0.0.1): oversized and malformed requests,
slow and vanishing clients, a port in use. Answers are JSON, connections are bounded in time, the log has no
traceback."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from hostile import ROOT, check_failure, cli
from servers import wait_until_healthy

from eval.speed.load import free_port

HEADER_TIMEOUT = 2  # seconds, through $MTBRIEF_HEADER_TIMEOUT


@pytest.fixture(scope="module")
def server(tiny_model_env, tmp_path_factory):
    """(port, log file) of a running server on the tiny model; its log is checked for tracebacks at the end."""
    port, log = free_port(), tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**tiny_model_env, "PYTHONPATH": str(ROOT), "MTBRIEF_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "mt.cli", "serve", "--port", str(port), "--beam-size", "1",
                                 "--char-limit", "300"], stdout=sink, stderr=subprocess.STDOUT, env=env)
    wait_until_healthy(port, proc, log, 180)
    yield port, log
    proc.terminate()
    proc.wait(30)
    assert "Traceback" not in log.read_text(), log.read_text()


def exchange(port: int, data: bytes, wait: float = 10) -> bytes:
    """Send raw bytes, read the answer until the server closes (or `wait` seconds pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def _request(head: str, body: bytes = b"") -> bytes:
    return head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


TOO_LARGE = "Request headers too large: the limit is 32768 bytes"
RAW_CASES = [  # (id, bytes sent, status, the whole error message)
    ("header-of-1-MB", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n", 431, TOO_LARGE),
    ("many-headers", b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(20000))
     + b"\r\n", 431, TOO_LARGE),
    ("garbage", b"\x16\x03\x01\x02\x00 hello\r\n\r\n", 400,
     "Invalid HTTP request: illegal request line: bytearray(b'\\x16\\x03\\x01\\x02\\x00 hello')"),
    ("http-0.9", b"GET /\r\n\r\n", 400, "Invalid HTTP request: illegal request line: bytearray(b'GET /')"),
    ("bad-content-length", _request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                    "Content-Length: abc"), 400, "Invalid HTTP request: bad Content-Length"),
    ("negative-content-length", _request("POST /translate HTTP/1.1\nHost: x\nContent-Length: -5"), 400,
     "Invalid HTTP request: bad Content-Length"),
    ("content-length-over-limit", _request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                           "Content-Length: 99999999"), 413,
     "Request body too large: the limit is 67936 bytes"),
    ("deep-json", _request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\nConnection: close\n"
                           "Content-Length: 60006", b'{"q":' + b"[" * 30_000 + b"]" * 30_000 + b"}"), 400,
     "Invalid request: the JSON body is nested too deeply"),
    ("get-translate", _request("GET /translate HTTP/1.1\nHost: x\nConnection: close"), 405,
     "Method not allowed: GET /translate; use POST"),
    ("unknown-api-path", _request("GET /frontend/nothing HTTP/1.1\nHost: x\nConnection: close"), 404,
     "Not found: /frontend/nothing is not an endpoint of this API (POST /brief, POST /detect, POST /digest, GET /docs, "
     "GET /docs/oauth2-redirect, GET /download_file/{name}, GET /frontend/settings, GET /health, GET /languages, "
     "GET /openapi.json, GET /redoc, POST /suggest, POST /translate, POST /translate_file)"),
]


@pytest.mark.parametrize(("data", "status", "message"), [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES])
def test_raw_requests_get_json_errors(server, data, status, message):
    answer = exchange(server[0], data)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert (head.split(b" ")[1], json.loads(body)) == (str(status).encode(), {"error": message}), answer[:300]


def _wait_for(what: str, log, count: int) -> str:
    """The server's log once `what` shows there `count` times; fails the test if it never does (a hang guard)."""
    deadline = time.monotonic() + 120
    while (text := log.read_text()).count(what) < count:
        assert time.monotonic() < deadline, f"never logged {count} times: {what}\n{text}"
        time.sleep(0.05)
    return text


def test_slow_clients_are_cut_off(server):
    port, log = server
    cut = f"closed a connection that sent no complete request within {HEADER_TIMEOUT:g} s"
    before = log.read_text().count(cut)

    def dawdle(_: int) -> bytes | None:
        """What the server sent before it closed the connection; None if it never closed it."""
        with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:  # a hang guard only
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            answer = b""
            try:
                while chunk := sock.recv(1024):
                    answer += chunk
            except TimeoutError:
                return None
        return answer

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(dawdle, range(50)))
    assert answers == [b""] * 50  # each closed by the server, without an answer
    _wait_for(cut, log, before + 50)
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).status == 200


def test_a_client_vanishing_mid_body_is_one_log_line(server):
    port, log = server
    gone = "went away before sending the whole request to POST /translate"
    before = log.read_text().count(gone)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                              "Content-Length: 1000", b'{"q": "ab'))
    _wait_for(gone, log, before + 1)
    # one more round trip on the same server before counting again: the vanished request is logged once
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).status == 200
    text = log.read_text()
    assert text.count(gone) == before + 1
    assert "Traceback" not in text and "ClientDisconnect" not in text


def test_a_port_in_use_fails_before_the_model_loads(server, tiny_model_env):
    result = cli(["serve", "--port", str(server[0]), "--model", "/no/such/model"], env=tiny_model_env, timeout=60)
    check_failure(result.returncode, result.stderr.decode(), 2,
                  rf"127\.0\.0\.1:{server[0]}: address already in use .*choose another --port")
    assert b"serving" not in result.stdout


@pytest.mark.parametrize(("host", "pattern"), [("no-such-host.invalid", r"unknown host"),
                                               ("192.0.2.1", r"not an address of this machine")])
def test_a_host_that_cannot_be_served_fails_in_one_line(tiny_model_env, host, pattern):
    env = {**tiny_model_env, "MTBRIEF_API_KEYS": "k"}
    result = cli(["serve", "--host", host, "--port", str(free_port()), "--model", "/no/such/model"], env=env,
                 timeout=60)
    check_failure(result.returncode, result.stderr.decode(), 2, pattern)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may listen on any port")
def test_a_privileged_port_fails_in_one_line(tiny_model_env):
    result = cli(["serve", "--port", "80", "--model", "/no/such/model"], env=tiny_model_env, timeout=60)
    check_failure(result.returncode, result.stderr.decode(), 2, r"permission denied")


def test_the_server_says_where_it_serves_once_the_engine_is_warm(server):
    _, log = server
    line = next(line for line in log.read_text().splitlines() if line.startswith("mtbrief: serving "))
    assert re.fullmatch(r"mtbrief: serving \S+ on http://127\.0\.0\.1:\d+/ \(API docs at /docs; engine warmed up in "
                        r"\d+\.\d s\)", line), line
