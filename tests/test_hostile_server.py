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
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
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


RAW_CASES = [
    ("header-of-1-MB", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n", 431,
     r"Request headers too large: the limit is 32768 bytes"),
    ("many-headers", b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(20000))
     + b"\r\n", 431, r"Request headers too large"),
    ("garbage", b"\x16\x03\x01\x02\x00 hello\r\n\r\n", 400, r"Invalid HTTP request"),
    ("http-0.9", b"GET /\r\n\r\n", 400, r"Invalid HTTP request"),
    ("bad-content-length", _request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                    "Content-Length: abc"), 400, r"."),
    ("negative-content-length", _request("POST /translate HTTP/1.1\nHost: x\nContent-Length: -5"), 400, r"."),
    ("content-length-over-limit", _request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                           "Content-Length: 99999999"), 413, r"Request body too large"),
    ("deep-json", _request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\nConnection: close\n"
                           "Content-Length: 60006", b'{"q":' + b"[" * 30_000 + b"]" * 30_000 + b"}"), 400,
     r"nested too deeply"),
    ("get-translate", _request("GET /translate HTTP/1.1\nHost: x\nConnection: close"), 405, r"Method not allowed"),
    ("unknown-api-path", _request("GET /frontend/nothing HTTP/1.1\nHost: x\nConnection: close"), 404, r"Not found"),
]


@pytest.mark.parametrize(("data", "status", "pattern"), [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES])
def test_raw_requests_get_json_errors(server, data, status, pattern):
    import re

    answer = exchange(server[0], data)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode(), answer[:300]
    assert re.search(pattern, json.loads(body)["error"])


def test_slow_clients_are_cut_off(server):
    port = server[0]

    def dawdle(_: int) -> float:
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=HEADER_TIMEOUT * 10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            try:
                while sock.recv(1024):
                    pass
            except (TimeoutError, ConnectionResetError):
                return float("inf")
        return time.monotonic() - start

    with ThreadPoolExecutor(50) as pool:
        held = list(pool.map(dawdle, range(50)))
    assert max(held) < HEADER_TIMEOUT + 5, held
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).status == 200


def test_a_client_vanishing_mid_body_is_one_log_line(server):
    port, log = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_request("POST /translate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                              "Content-Length: 1000", b'{"q": "ab'))
        time.sleep(0.5)
    time.sleep(1)
    text = log.read_text()
    assert text.count("went away before sending the whole request to POST /translate") == 1
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
