"""The speed benchmark at toy scale: options, report shape, files, and that both timings see the same batches.

Never a timed assert: the machine is shared, so only structure and exact bookkeeping are checked."""

from __future__ import annotations

import argparse
import json
import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import flores_or_skip

from eval.speed import bench
from mt.errors import InputError, InvalidOption


@pytest.mark.parametrize(("changes", "message"), [
    ({"shapes": ()}, "invalid shape '': choose one of base, big, toy"),
    ({"shapes": ("base", "huge")}, "invalid shape 'huge'"),
    ({"configs": ()}, "invalid config ''"),
    ({"configs": ("ct2-int4",)}, "invalid config 'ct2-int4': choose one of transformers-fp32, ct2-float32"),
    ({"sentences": 0}, "invalid sentences 0: choose one of an integer >= 1"),
    ({"beam_size": -1}, "invalid beam size -1"),
    ({"output_tokens": 0}, "invalid output tokens 0"),
    ({"threads": 0}, "invalid threads 0"),
    ({"max_batch_size": 0}, "invalid max batch size 0"),
])
def test_options_reject(changes: dict, message: str) -> None:
    with pytest.raises(InvalidOption, match=message):
        bench.BenchOptions(**changes)


def test_options_defaults() -> None:
    options = bench.BenchOptions()
    assert (options.shapes, options.configs, options.sentences, options.beam_size, options.output_tokens) == (
        ("base", "big"), ("transformers-fp32", "ct2-float32", "ct2-int8"), 500, 4, 32)
    assert options.threads == (os.cpu_count() or 1) and options.max_batch_size == 24  # the Translator's


def test_real_shapes() -> None:
    base, big = bench.SHAPES["base"], bench.SHAPES["big"]
    assert (base.d_model, base.heads, base.ffn, base.vocab_size, base.activation, base.layers) == (
        512, 8, 2048, 62_834, "swish", 6)
    assert (big.d_model, big.heads, big.ffn, big.vocab_size, big.activation, big.layers) == (
        1024, 16, 4096, 61_109, "relu", 6)


@pytest.mark.parametrize(("count", "expected"), [(1, 1), (997, 997), (None, 997)])
def test_read_flores_counts(count: int | None, expected: int) -> None:
    lines = bench.read_flores(flores_or_skip(), count)
    assert len(lines) == expected
    assert all(line.strip() for line in lines)


def test_read_flores_limits(tmp_path: Path) -> None:
    with pytest.raises(InvalidOption, match=r"invalid sentences 998: choose one of 1\.\.997"):
        bench.read_flores(flores_or_skip(), 998)
    with pytest.raises(InputError, match="arb_Arab.dev: FLORES-200 dev not found"):
        bench.read_flores(tmp_path, 1)


def _row(shape: str, config: str, tokens_per_s: float, raw: float, rss: float) -> dict:
    return {"shape": shape, "config": config, "tokens_per_s": tokens_per_s, "raw_tokens_per_s": raw,
            "peak_rss_mb": rss}


@pytest.mark.parametrize(("rows", "expected"), [
    ([], {}),
    ([_row("base", "transformers-fp32", 10, 20, 900)], {}),  # no CT2 int8 row: no ratio
    ([_row("base", "transformers-fp32", 10, 20, 900), _row("base", "ct2-float32", 15, 25, 800),
      _row("base", "ct2-int8", 50, 80, 300)],
     {"base": {"int8_speedup": 5.0, "int8_raw_speedup": 4.0, "int8_rss_ratio": 1 / 3}}),
    ([_row("big", "ct2-int8", 30, 30, 500), _row("base", "ct2-int8", 8, 8, 100),
      _row("big", "transformers-fp32", 10, 15, 1000)],
     {"big": {"int8_speedup": 3.0, "int8_raw_speedup": 2.0, "int8_rss_ratio": 0.5}}),
])
def test_ratios(rows: list[dict], expected: dict) -> None:
    assert bench.ratios(rows) == expected


def _report(arenas: str | None = None) -> dict:
    row = {"shape": "base", "config": "ct2-int8", "sentences_per_s": 2.0, "tokens_per_s": 64.0,
           "peak_rss_mb": 300.4, "load_s": 1.234, "convert_s": None, "pipeline_s": 50.0, "raw_s": 48.0,
           "overhead_pct": 4.1666, "outside_engine_pct": 1.25}
    return {"date": "2026-01-02", "caveat": bench.CAVEAT, "rows": [row],
            "settings": {"sentences": 100, "beam_size": 4, "output_tokens": 32, "threads": 2, "max_batch_size": 24,
                         "malloc_arena_max": arenas},
            "machine": {"cpu": "Test CPU", "cores": 2, "torch": "1", "ctranslate2": "2", "transformers": "3"},
            "shapes": {"base": {"parameters": 76_833_792}},
            "ratios": {"base": {"int8_speedup": 5.0, "int8_raw_speedup": 4.5, "int8_rss_ratio": 0.25}}}


@pytest.mark.parametrize(("arenas", "note"), [(None, ""), ("8", ", MALLOC_ARENA_MAX=8 (CT2's own arena cap off)")])
def test_markdown_exact_rows(arenas: str | None, note: str) -> None:
    lines = bench.to_markdown(_report(arenas)).splitlines()
    assert lines[0] == "# mtbrief speed benchmark, 2026-01-02"
    assert lines[2] == f"**{bench.CAVEAT}**"
    assert "Random weights, fixed output length" in lines[2]
    assert lines[4] == ("100 FLORES-200 dev Arabic sentences, beam 4, 32 output tokens per segment, 2 threads, "
                        f"batches of at most 24 sentences{note}. Machine: Test CPU, 2 cores; torch 1, ctranslate2 2, "
                        "transformers 3.")
    assert "| base | ct2-int8 | 2.00 | 64.0 | 300 | 1.23 | — | 50.0 | 48.0 | 4.2 | 1.2 |" in lines
    assert "| base | 76.8M | 5.00× (4.50×) | ≥ 4.5× | 0.25 | ≤ 0.33 |" in lines


def test_save_report_writes_both(tmp_path: Path) -> None:
    json_path, md_path = bench.save_report(_report(), tmp_path / "new")
    assert (json_path.name, md_path.name) == ("bench-2026-01-02.json", "bench-2026-01-02.md")
    assert json.loads(json_path.read_text(encoding="utf-8")) == _report()
    assert md_path.read_text(encoding="utf-8") == bench.to_markdown(_report())


def test_command_line_options() -> None:
    parser = argparse.ArgumentParser()
    bench.register(parser.add_subparsers())
    args = parser.parse_args(["bench", "--shapes", "base, big,", "--configs", "ct2-int8", "--sentences", "7",
                              "-o", "out", "--threads", "1"])
    assert (args.shapes, args.configs, args.sentences, args.out_dir, args.threads) == (
        ("base", "big"), ("ct2-int8",), 7, Path("out"), 1)
    assert args.func is bench.run_command
    commands = {ep.name: ep.value for ep in entry_points(group="mtbrief.commands")}
    assert commands["bench"] == "eval.speed.bench:register"


@pytest.mark.parametrize(("argv", "message"), [
    (["--shapes", "nope"], "bench: error: invalid shape 'nope'"),
    (["--sentences", "0"], "bench: error: invalid sentences 0"),
    (["--sentences", "100000"], "bench: error: invalid sentences 100000: choose one of 1..997"),
    (["--max-batch-size", "0"], "bench: error: invalid max batch size 0"),
])
def test_main_errors_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    flores_or_skip()
    assert bench.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize(("engine", "compute_type"), [("ctranslate2", "int8"), ("transformers", "float32")])
def test_measure_in_process(engine: str, compute_type: str, tiny_marian_dir: Path) -> None:
    """In-process measurement: the fixed length is really decoded; the bookkeeping adds up."""
    import torch

    threads = torch.get_num_threads()
    task = {"model": str(tiny_marian_dir), "engine": engine, "compute_type": compute_type, "sentences": 4,
            "flores": str(flores_or_skip()), "beam_size": 2, "output_tokens": 3, "threads": 1,
            "max_batch_size": 24}
    try:
        result = bench.measure(task)
    finally:
        torch.set_num_threads(threads)  # the worker sets it for its own process; give this one its own back
    assert result["mean_output_tokens"] == 3.0
    assert result["segments"] >= 4 and 1 <= result["batches"] <= result["segments"]
    assert result["source_tokens"] > result["segments"]
    assert 0 < result["engine_in_pipeline_s"] <= result["pipeline_s"] and result["raw_s"] > 0
    assert 0 < result["rss_after_load_mb"] <= result["peak_rss_mb"]
    assert result["load_s"] > 0 and result["torch_imported"] is True  # this test process has torch anyway


@pytest.mark.slow
def test_toy_benchmark_end_to_end(tmp_path: Path) -> None:
    options = bench.BenchOptions(shapes=("toy",), sentences=3, beam_size=2, output_tokens=4, threads=1,
                                 out_dir=tmp_path, flores=flores_or_skip(), max_batch_size=2)
    report = bench.run_bench(options, log=lambda text: None)
    assert set(report) == {"date", "machine", "caveat", "settings", "shapes", "rows", "ratios"}
    assert report["settings"] == {"sentences": 3, "beam_size": 2, "output_tokens": 4, "threads": 1,
                                  "max_batch_size": 2, "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX")}
    assert [(r["shape"], r["config"], r["engine"], r["compute_type"]) for r in report["rows"]] == [
        ("toy", "transformers-fp32", "transformers", "float32"),
        ("toy", "ct2-float32", "ctranslate2", "float32"), ("toy", "ct2-int8", "ctranslate2", "int8")]
    for row in report["rows"]:
        assert row["mean_output_tokens"] == 4.0  # the fixed length is really decoded, by both engines
        assert row["segments"] >= 3 and row["batches"] >= 2 and row["sentences"] == 3  # 2 per batch at most
        assert row["tokens_per_s"] == pytest.approx(row["segments"] * 4 / row["pipeline_s"])
        assert row["overhead_pct"] == pytest.approx(100 * (row["pipeline_s"] - row["raw_s"]) / row["raw_s"])
        assert 0 < row["rss_after_load_mb"] <= row["peak_rss_mb"]
        assert (row["convert_s"] is None) == (row["engine"] == "transformers")
    # Same sentences, same splitter, same tokenizer, same batching: every config decodes the same work.
    assert len({(r["segments"], r["source_tokens"], r["batches"]) for r in report["rows"]}) == 1
    assert set(report["ratios"]) == {"toy"}
    folder = Path(report["shapes"]["toy"]["model_dir"])
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    assert (len(vocab), vocab["<pad>"], vocab["</s>"], vocab["<unk>"]) == (1000, 999, 0, 1)
    assert json.loads((folder / "config.json").read_text(encoding="utf-8"))["vocab_size"] == 1000
    assert bench.build_bench_model(bench.SHAPES["toy"], options.flores) == folder  # cached, not rebuilt
    saved = json.loads((tmp_path / f"bench-{report['date']}.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(report))
    assert (tmp_path / f"bench-{report['date']}.md").read_text(encoding="utf-8") == bench.to_markdown(report)
