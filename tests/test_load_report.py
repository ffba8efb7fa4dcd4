"""eval/load.py's pure parts: the request texts (unique, never cached) and the report table."""

from __future__ import annotations

from eval.load import percentile, request_text, to_markdown


def test_request_texts_are_unique_and_carry_the_seed_sentences():
    sentences = ["أ.", "ب.", "ج."]
    assert request_text(sentences, 2, worker=1, n=0, run=5) == "ب. ج. (5-1-0)"
    texts = {request_text(sentences, 2, w, n, run) for w in range(20) for n in range(5) for run in (1, 20)}
    assert len(texts) == 200


def test_percentile_is_nearest_rank():
    assert [percentile([4.0, 1.0, 3.0, 2.0], q) for q in (0, 50, 95, 100)] == [1.0, 2.0, 4.0, 4.0]


def test_markdown_puts_offline_first_and_ratios_beside_each_phase():
    report = {"model": "m", "options": {"sentences": 2, "duration": 40.0},
              "machine": {"loadavg_before": (1.0, 2.0, 3.0)},
              "offline": {"sentences_per_s": 4.0, "requests": 20, "direct_latency_ms": {"p50": 500.0}},
              "phases": [{"clients": 1, "sentences_per_s": 3.6, "ratio_to_offline": 0.9, "requests": 9,
                          "errors": 0, "latency_ms": {"p50": 520.0, "p95": 600.0}, "latency_vs_direct": 1.04},
                         {"clients": 20, "sentences_per_s": 3.8, "ratio_to_offline": 0.95, "requests": 80,
                          "errors": 0, "latency_ms": {"p50": 9000.0, "p95": 12000.0}}]}
    assert to_markdown(report).splitlines()[4:] == [
        "| offline (translate_batch) | 4.00 | 1.00 | direct translate p50 500 | | 20 | 0 |",
        "| 1 | 3.60 | 0.90 | 520 (1.04× direct) | 600 | 9 | 0 |",
        "| 20 | 3.80 | 0.95 | 9000 | 12000 | 80 | 0 |"]
