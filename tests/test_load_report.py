"""eval/speed/load.py's pure parts: the request texts (unique, never cached) and the report table."""

from __future__ import annotations

import pytest

from eval.speed.load import percentile, request_text, seed_sentences, serve_command, to_markdown, work_counts


def test_request_texts_tag_every_sentence_so_none_repeats():
    sentences = ["أ.", "ب.", "ج.."]  # a sentence that ended its paragraph keeps a second full stop
    assert request_text(sentences, 2, worker=1, n=0, run=5) == "ب (5-1-0-0). ج (5-1-0-1)."
    texts = [request_text(sentences, 2, w, n, run) for w in range(20) for n in range(5) for run in (1, 20)]
    assert len({s for t in texts for s in t.split(". ")}) == 400  # every sentence of every request unique


def test_seed_requests_prepare_into_unique_segments_only():
    from mt.arabic import prepare_document

    seeds = seed_sentences()
    segments = [seg.mt_input for w in range(20) for n in range(30)
                for seg in prepare_document(request_text(seeds, 2, w, n, 20), count_tokens=lambda t: len(t.split()))]
    assert len(segments) == len(set(segments)) == 1200


def test_work_counts_report_cache_answers_and_batch_sizes():
    before = {"cache_hits": 5, "cache_misses": 9, "engine_batches": 3, "engine_segments": 40}
    after = {"cache_hits": 5, "cache_misses": 89, "engine_batches": 7, "engine_segments": 120}
    assert work_counts(before, after, 80) == {"sentences_sent": 80, "cache_answered": 0, "engine_segments": 80,
                                              "engine_batches": 4, "segments_per_batch": 20.0}


def test_percentile_is_nearest_rank():
    assert [percentile([4.0, 1.0, 3.0, 2.0], q) for q in (0, 50, 95, 100)] == [1.0, 2.0, 4.0, 4.0]


def test_markdown_puts_offline_first_ratios_beside_each_phase_and_the_paired_latency_last():
    report = {"model": "m", "options": {"sentences": 2, "duration": 40.0, "output_tokens": 32},
              "machine": {"loadavg_before": (1.0, 2.0, 3.0)},
              "offline": {"sentences_per_s": 4.0, "requests": 20, "served_as_one_request": {"sentences_per_s": 3.9},
                          "cache_answered": 0, "sentences_per_s_before": 4.2, "cpu_s_per_sentence": 0.1,
                          "after_phases": {"sentences_per_s": 3.8}},
              "paired": {"pairs": 10, "same_output": 10, "direct_ms": {"p50": 500.0}, "server_ms": {"p50": 512.0},
                         "ratio": {"median": 1.021, "min": 0.98, "max": 1.07, "of_sums": 1.02},
                         "overhead_ms_median": 11.0},
              "phases": [{"clients": 1, "sentences_per_s": 3.6, "ratio_to_offline": 0.9, "requests": 9,
                          "errors": 0, "latency_ms": {"p50": 520.0, "p95": 600.0},
                          "server_work": {"cache_answered": 0, "segments_per_batch": 2.0},
                          "cpu_s": {"clients": 0.4, "server": 30.0}, "cpu_s_per_sentence": 0.12,
                          "cpu_efficiency_vs_offline": 0.833},
                         {"clients": 20, "sentences_per_s": 3.8, "ratio_to_offline": 0.95, "requests": 80,
                          "errors": 0, "latency_ms": {"p50": 9000.0, "p95": 12000.0},
                          "server_work": {"cache_answered": 0, "segments_per_batch": 19.5},
                          "cpu_s": {"clients": 6.1, "server": 70.2}, "cpu_s_per_sentence": 0.11,
                          "cpu_efficiency_vs_offline": 0.909}]}
    lines = to_markdown(report).splitlines()
    assert lines[0].startswith("Model: m; 2 sentences per request, every sentence unique; 32 output tokens per "
                               "sentence; 40 s per phase")
    assert lines[4:] == [
        "| offline (translate_batch) (mean of 4.20 before and 3.80 after the phases) | 4.00 | 1.00 | | | 20 | 0 | 0 "
        "| | | 0.1 |",
        "| the same texts as one request | 3.90 | 0.97 | | | 1 | 0 | | | | |",
        "| 1 | 3.60 | 0.90 | 520 | 600 | 9 | 0 | 0 | 2.0 | 0.4 / 30.0 | 0.12 (0.833) |",
        "| 20 | 3.80 | 0.95 | 9000 | 12000 | 80 | 0 | 0 | 19.5 | 6.1 / 70.2 | 0.11 (0.909) |",
        "",
        "One client, paired (10 texts, each sent directly and to the server in alternating order; 10 identical "
        "outputs): server / direct latency median **1.021×** (min 0.980, max 1.070, ratio of sums 1.020); direct "
        "p50 500 ms, server p50 512 ms, median overhead 11 ms."]


@pytest.mark.parametrize(("tokens", "head"), [
    (None, ["-m", "mt.cli", "serve"]),
    (32, ["-m", "eval.speed.load", "--serve-fixed", "32", "serve"]),
])
def test_serve_command_fixes_the_output_length_only_when_asked(tokens, head):
    command = serve_command("some/model", 8123, 32, tokens)
    assert command[1: 1 + len(head)] == head
    assert command[-9:] == ["--host", "127.0.0.1", "--port", "8123", "--model", "some/model", "--concurrency",
                            "32", "--quiet"]
