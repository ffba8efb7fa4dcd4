"""eval/load.py's pure parts: the request texts (unique, never cached) and the report table."""

from __future__ import annotations

import pytest

from eval.load import percentile, request_text, serve_command, to_markdown


def test_request_texts_are_unique_and_carry_the_seed_sentences():
    sentences = ["أ.", "ب.", "ج."]
    assert request_text(sentences, 2, worker=1, n=0, run=5) == "ب. ج. (5-1-0)"
    texts = {request_text(sentences, 2, w, n, run) for w in range(20) for n in range(5) for run in (1, 20)}
    assert len(texts) == 200


def test_percentile_is_nearest_rank():
    assert [percentile([4.0, 1.0, 3.0, 2.0], q) for q in (0, 50, 95, 100)] == [1.0, 2.0, 4.0, 4.0]


def test_markdown_puts_offline_first_ratios_beside_each_phase_and_the_paired_latency_last():
    report = {"model": "m", "options": {"sentences": 2, "duration": 40.0, "output_tokens": 32},
              "machine": {"loadavg_before": (1.0, 2.0, 3.0)},
              "offline": {"sentences_per_s": 4.0, "requests": 20, "served_as_one_request": {"sentences_per_s": 3.9}},
              "paired": {"pairs": 10, "same_output": 10, "direct_ms": {"p50": 500.0}, "server_ms": {"p50": 512.0},
                         "ratio": {"median": 1.021, "min": 0.98, "max": 1.07, "of_sums": 1.02},
                         "overhead_ms_median": 11.0},
              "phases": [{"clients": 1, "sentences_per_s": 3.6, "ratio_to_offline": 0.9, "requests": 9,
                          "errors": 0, "latency_ms": {"p50": 520.0, "p95": 600.0}},
                         {"clients": 20, "sentences_per_s": 3.8, "ratio_to_offline": 0.95, "requests": 80,
                          "errors": 0, "latency_ms": {"p50": 9000.0, "p95": 12000.0}}]}
    lines = to_markdown(report).splitlines()
    assert lines[0].startswith("Model: m; 2 sentences per request; 32 output tokens per sentence; 40 s per phase")
    assert lines[4:] == [
        "| offline (translate_batch) | 4.00 | 1.00 | | | 20 | 0 |",
        "| the same texts as one request | 3.90 | 0.97 | | | 1 | 0 |",
        "| 1 | 3.60 | 0.90 | 520 | 600 | 9 | 0 |",
        "| 20 | 3.80 | 0.95 | 9000 | 12000 | 80 | 0 |",
        "",
        "One client, paired (10 texts, each sent directly and to the server in alternating order; 10 identical "
        "outputs): server / direct latency median **1.021×** (min 0.980, max 1.070, ratio of sums 1.020); direct "
        "p50 500 ms, server p50 512 ms, median overhead 11 ms."]


@pytest.mark.parametrize(("tokens", "head"), [
    (None, ["-m", "mt.cli", "serve"]),
    (32, ["-m", "eval.load", "--serve-fixed", "32", "serve"]),
])
def test_serve_command_fixes_the_output_length_only_when_asked(tokens, head):
    command = serve_command("some/model", 8123, 32, tokens)
    assert command[1: 1 + len(head)] == head
    assert command[-9:] == ["--host", "127.0.0.1", "--port", "8123", "--model", "some/model", "--concurrency",
                            "32", "--quiet"]
