"""The pure parts of eval/speed/profile_server.py (where a server's CPU goes) and peers.py (the peer table)."""

from __future__ import annotations

import pytest

from eval.speed.peers import APIS, PeerOptions, parse_args, to_markdown
from eval.speed.profile_server import ENGINE_THREADS, attribute, category, parse_raw, python_threads


@pytest.mark.parametrize(("stack", "expected"), [
    ("run (anyio/_backends/_asyncio.py:1);prepare (mt/translator.py:120);split (mt/splitter.py:40);sub (re.py:1)",
     "splitting and repairs"),
    ("run (anyio/x.py:1);_submit (mt/batcher.py:140);encode_many (mt/spm_codec.py:40)", "tokenization"),
    ("_loop (mt/batcher.py:200);decode_batch (mt/translator.py:220);decode (mt/spm_codec.py:60)", "detokenization"),
    ("_loop (mt/batcher.py:200);generate (mt/engines.py:240)", "engine call (Python side)"),
    ("run (uvicorn/server.py:1);data_received (uvicorn/protocols/http/h11_impl.py:1)",
     "HTTP (uvicorn, h11, asyncio)"),
    ("app (starlette/routing.py:1);serialize_response (fastapi/routing.py:1);dumps (json/__init__.py:1)",
     "JSON / pydantic"),
    ("_loop (mt/batcher.py:200);wait (threading.py:300)", "threading / waits"),
    ("<module> (x.py:1)", "other Python"),
])
def test_a_stack_counts_where_its_nearest_known_frame_belongs(stack, expected):
    assert category(stack.split(";")) == expected


def test_cpu_seconds_split_by_samples_and_non_python_threads_are_the_engines():
    raw = ("thread (11): AnyIO worker thread;run (anyio/x.py:1);prepare (mt/arabic.py:40) 3\n"
           "thread (11): AnyIO worker thread;run (anyio/x.py:1);encode_many (mt/spm_codec.py:40) 1\n"
           "not a sample line\n")
    dump = 'Thread 10 (idle): "MainThread"\n    wait (threading.py:1)\nThread 11 (active): "AnyIO worker thread"\n'
    samples = parse_raw(raw)
    assert python_threads(dump) == {10: "MainThread", 11: "AnyIO worker thread"}
    assert attribute({11: 1.0, 99: 2.0}, {10: 0.5, 11: 3.0, 99: 7.0, 12: 0.0}, samples, python_threads(dump)) == {
        ENGINE_THREADS: 5.0, "splitting and repairs": 1.5, "Python, never sampled busy": 0.5, "tokenization": 0.5}


def _result(system: str, per_s: float, **extra: object) -> dict:
    return {"system": system, "version": "1.0", "one_client": {"p50_ms": 500, "errors": 0},
            "clients": {"sentences_per_s": per_s, "errors": 0, "cpu_s": {"server": 50.0, "clients": 1.0}},
            "big_request": {"seconds": 12.34}, **extra}


def test_the_peer_table_puts_each_system_beside_mtbrief_and_names_a_failure():
    report = {"options": {"tokens": 32, "beam": 4, "clients": 20, "duration": 30.0, "big_request": 80},
              "machine": {"cpus": 2, "loadavg_before": (1.0, 1.0, 1.0)},
              "results": [_result("mtbrief", 10.0), _result("libretranslate", 2.5),
                          {"system": "easynmt", "version": "2.0.2", "error": "RuntimeError: no translation"}]}
    lines = to_markdown(report).splitlines()
    assert lines[0].startswith("Same random-weight model (`mtbrief bench` base shape), same unique sentences, 32 "
                               "output tokens per sentence, beam 4")
    assert lines[2:] == [
        "| system | version | 1 client: ms per 2-sentence request (p50) | 20 clients: sentences/s | errors | "
        "80-sentence request: s | CPU s server / clients |",
        "|---|---|--:|--:|--:|--:|--:|",
        "| mtbrief | 1.0 | 500 | 10.00 | 0 | 12.3 | 50.0 / 1.0 |",
        "| libretranslate | 1.0 | 500 | 2.50 (mtbrief 4.0×) | 0 | 12.3 | 50.0 / 1.0 |",
        "| easynmt | 2.0.2 | failed: RuntimeError: no translation | | | | |"]


def test_peer_arguments_and_the_request_shape_of_each_system():
    assert parse_args(["--systems", "mtbrief,easynmt", "--duration", "10"])[:2] == (
        ("mtbrief", "easynmt"), PeerOptions(duration=10.0))
    with pytest.raises(SystemExit):
        parse_args(["--systems", "deepl"])
    assert APIS["easynmt"].body("نص") == {"text": "نص", "source_lang": "ar", "target_lang": "en"}
    assert APIS["libretranslate"].body("نص") == APIS["mtbrief"].body("نص") == {"q": "نص", "source": "ar",
                                                                              "target": "en"}
