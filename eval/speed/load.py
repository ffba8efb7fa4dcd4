"""Load benchmark: 1, 5 and 20 concurrent clients POST /translate against `mtbrief serve`, each for a fixed time,
compared in the same run with the same model translating the same kind of requests offline.

    python eval/speed/load.py                              # a tiny random-weight model
    python eval/speed/load.py --bench-model base           # `mtbrief bench`'s random-weight opus-mt-ar-en shape
    python eval/speed/load.py --model opus-mt-ar-en        # a real model (must be cached)
    python eval/speed/load.py --url http://127.0.0.1:7860/ --model M  # a running server serving M

Every sentence of every request carries a unique tag (inside it, before its full stop), so the cache never answers
one; each phase reports how many sentences it did answer (the server's /health stats; it should be 0), the
engine's batch sizes, and the CPU seconds of the clients and of the server. The offline figure is one
`Translator.translate_batch` call on the requests' texts (the engine's best batching), warmed up as the server is,
measured before and after the phases (the mean is the reference). CPU seconds per sentence, offline's over the
server's and clients' together, is the efficiency figure a shared machine disturbs least. The 1-client latency is
paired: the same texts go to a direct `Translator.translate` call and to the server, alternately, one at a time,
and the figure is the median of the per-text ratios (same text, same decoding work, so length and machine noise
cancel). With `--bench-model` every sentence decodes to a fixed number of tokens, as in `mtbrief bench`: a
random-weight model never ends a sentence by itself. On a shared machine the ratios, measured side by side, are
the figures that matter. Writes eval/results/load-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from eval.results import RESULTS, save_results
from eval.speed.loadgen import (  # noqa: F401 - free_port, percentile, request_text, ... are this script's API too
    LoadOptions,
    free_port,
    percentile,
    process_cpu_s,
    request_text,
    resolve_served_model,
    run_load,
    seed_sentences,
    serve_command,
    start_server,
    wait_ready,
    work_counts,
)

if TYPE_CHECKING:
    from mt.translator import Translator

def load_translator(model: str, output_tokens: int | None) -> Translator:
    """What `mtbrief serve --model M` loads (the same defaults), with the output length fixed if asked."""
    from mt.translator import Translator

    translator = Translator.load(model)
    return translator.with_options(fixed_length=output_tokens) if output_tokens else translator


def offline_texts(options: LoadOptions, sentences: list[str], run: int = 100) -> list[str]:
    """What 20 clients' first requests hold (other tags than the phases' requests, so nothing is cached)."""
    return [request_text(sentences, options.sentences, i % 20, i // 20, run=run)
            for i in range(options.offline_requests)]


def measure_offline(translator: Translator, options: LoadOptions, sentences: list[str], run: int = 100) -> dict:
    """The served model in this process: one translate_batch over requests' texts (none of them cached)."""
    texts = offline_texts(options, sentences, run)
    hits, cpu = translator.cache_info()["hits"], process_cpu_s()
    start = time.perf_counter()
    translator.translate_batch(texts)
    batch_s = time.perf_counter() - start
    sentences = len(texts) * options.sentences
    return {"requests": len(texts), "sentences": sentences, "batch_s": round(batch_s, 2),
            "sentences_per_s": round(sentences / batch_s, 3),
            "cpu_s_per_sentence": round((process_cpu_s() - cpu) / sentences, 4),
            "cache_answered": translator.cache_info()["hits"] - hits}


def measure_served_batch(url: str, options: LoadOptions, sentences: list[str]) -> dict:
    """The offline texts as one request (q: a list) to the server: the same work, so both processes have
    decoded the same batches before they are compared (the engine runs small batches faster once it has)."""
    import httpx

    texts = offline_texts(options, sentences)
    httpx.post(url + "translate", json={"q": "تجربة.", "source": "ar", "target": "en"}, timeout=options.timeout)
    start = time.perf_counter()
    response = httpx.post(url + "translate", json={"q": texts, "source": "ar", "target": "en"},
                          timeout=options.timeout)
    response.raise_for_status()
    batch_s = time.perf_counter() - start
    return {"batch_s": round(batch_s, 2), "sentences_per_s": round(len(texts) * options.sentences / batch_s, 3)}


def measure_paired(url: str, translator: Translator, options: LoadOptions, sentences: list[str]) -> dict:
    """One client, paired: each text goes to a direct translate call and to the server, in alternating order."""
    import httpx

    pairs, same = [], 0
    with httpx.Client(timeout=options.timeout) as http:
        for n in range(options.paired):
            text = request_text(sentences, options.sentences, 0, n, run=102)  # new to both caches
            timed: dict[str, float] = {}
            for side in (("direct", "server") if n % 2 == 0 else ("server", "direct")):
                time.sleep(options.pair_gap)
                start = time.perf_counter()
                if side == "direct":
                    english = translator.translate(text).text
                else:
                    response = http.post(url + "translate", json={"q": text, "source": "ar", "target": "en"})
                    response.raise_for_status()
                    served = response.json()["translatedText"]
                timed[side] = time.perf_counter() - start
            same += served == english
            pairs.append((timed["direct"], timed["server"]))
    ratios = [server / direct for direct, server in pairs]
    # same_output is a check, not a condition: a random-weight model's near-tied scores can flip a token.
    return {"pairs": len(pairs), "same_output": same,
            "direct_ms": {"p50": round(percentile([d for d, _ in pairs], 50) * 1000, 1)},
            "server_ms": {"p50": round(percentile([s for _, s in pairs], 50) * 1000, 1)},
            "ratio": {"median": round(percentile(ratios, 50), 3), "min": round(min(ratios), 3),
                      "max": round(max(ratios), 3),
                      "of_sums": round(sum(s for _, s in pairs) / sum(d for d, _ in pairs), 3)},
            "overhead_ms_median": round(percentile([(s - d) * 1000 for d, s in pairs], 50), 1)}


def run_phases(url: str, model: str, options: LoadOptions, server_pid: int | None = None) -> dict:
    """Offline first (the server idle), then each client count; ratios against offline from this same run."""

    sentences = seed_sentences()
    translator = load_translator(model, options.output_tokens)
    translator.warm_up()  # as `mtbrief serve` does before its first request: warm-up treated alike
    offline = {**measure_offline(translator, options, sentences), "loadavg": os.getloadavg()}
    print(f"load: offline {json.dumps(offline)}", flush=True)  # progress: a phase takes minutes
    offline["served_as_one_request"] = measure_served_batch(url, options, sentences)
    paired = {**measure_paired(url, translator, options, sentences), "loadavg": os.getloadavg()}
    print(f"load: paired {json.dumps(paired)}", flush=True)
    phases = []
    for clients in options.clients:
        phase = {**run_load(url, options, clients, server_pid), "loadavg_after": os.getloadavg()}
        phases.append(phase)
        print(f"load: {json.dumps(phase)}", flush=True)
    # Offline once more after the phases (other tags): on a shared machine the rate drifts; the ratios use the mean.
    after = measure_offline(translator, options, sentences, run=103)
    offline["after_phases"] = {**after, "loadavg": os.getloadavg()}
    offline["sentences_per_s_before"] = offline["sentences_per_s"]
    offline["sentences_per_s"] = round((offline["sentences_per_s"] + after["sentences_per_s"]) / 2, 3)
    offline["cpu_s_per_sentence"] = round((offline["cpu_s_per_sentence"] + after["cpu_s_per_sentence"]) / 2, 4)
    for phase in phases:
        phase["ratio_to_offline"] = round(phase["sentences_per_s"] / offline["sentences_per_s"], 3)
        if phase.get("cpu_s_per_sentence"):
            phase["cpu_efficiency_vs_offline"] = round(offline["cpu_s_per_sentence"] / phase["cpu_s_per_sentence"], 3)
    return {"offline": offline, "paired": paired, "phases": phases}


def to_markdown(report: dict) -> str:
    """The phases as a Markdown table, offline first: throughput, latency, what the cache answered, engine batch
    sizes and the CPU seconds of the clients and of the server in each phase."""
    off, opts = report["offline"], report["options"]
    fixed = f"{opts['output_tokens']} output tokens per sentence; " if opts.get("output_tokens") else ""
    before = off.get("sentences_per_s_before")
    mean = (f" (mean of {before:.2f} before and {off['after_phases']['sentences_per_s']:.2f} after the phases)"
            if before is not None and "after_phases" in off else "")
    lines = [f"Model: {report['model']}; {opts['sentences']} sentences per request, every sentence unique; {fixed}"
             f"{opts['duration']:.0f} s per phase; load average {report['machine']['loadavg_before']}",
             "", "| clients | sentences/s | × offline | p50 latency ms | p95 ms | requests | errors | cache answered "
                 "| sentences per engine batch | CPU s clients / server | CPU s per sentence (offline's / this) |",
             "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
             f"| offline (translate_batch){mean} | {off['sentences_per_s']:.2f} | 1.00 | | | {off['requests']} | 0 | "
             f"{off.get('cache_answered', '')} | | | {off.get('cpu_s_per_sentence', '')} |"]
    if one := off.get("served_as_one_request"):
        lines.append(f"| the same texts as one request | {one['sentences_per_s']:.2f} | "
                     f"{one['sentences_per_s'] / off['sentences_per_s']:.2f} | | | 1 | 0 | | | | |")
    for p in report["phases"]:
        lat = p["latency_ms"] or {"p50": float("nan"), "p95": float("nan")}
        work, cpu = p.get("server_work", {}), p.get("cpu_s", {})
        lines.append(f"| {p['clients']} | {p['sentences_per_s']:.2f} | {p['ratio_to_offline']:.2f} | "
                     f"{lat['p50']:.0f} | {lat['p95']:.0f} | {p['requests']} | {p['errors']} | "
                     f"{work.get('cache_answered', '')} | {work.get('segments_per_batch', '')} | "
                     f"{cpu.get('clients', '')} / {cpu.get('server', '')} | {p.get('cpu_s_per_sentence', '')} "
                     f"({p.get('cpu_efficiency_vs_offline', '')}) |")
    if paired := report.get("paired"):
        r = paired["ratio"]
        lines += ["", f"One client, paired ({paired['pairs']} texts, each sent directly and to the server in "
                      f"alternating order; {paired['same_output']} identical outputs): server / direct latency "
                      f"median **{r['median']:.3f}×** (min {r['min']:.3f}, max {r['max']:.3f}, ratio of sums "
                      f"{r['of_sums']:.3f}); direct p50 {paired['direct_ms']['p50']:.0f} ms, server p50 "
                      f"{paired['server_ms']['p50']:.0f} ms, median overhead {paired['overhead_ms_median']:.0f} ms."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and save eval/results/load-<date>.json (and .md)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,5,20", help="comma list of client counts (default: 1,5,20)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (default: 60)")
    parser.add_argument("--sentences", type=int, default=2, help="seed sentences per request (default: 2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default: 120)")
    parser.add_argument("--offline-requests", type=int, default=40, help="requests' texts run offline")
    parser.add_argument("--paired", type=int, default=10, help="texts timed directly and served (default: 10)")
    parser.add_argument("--output-tokens", type=int, default=None,
                        help="fixed output tokens per sentence (default: 32 with --bench-model, else none)")
    parser.add_argument("--server-concurrency", type=int, default=32, help="the server's --concurrency")
    parser.add_argument("--server-jobs", type=int, default=0, help="the server's --jobs (default: its own)")
    parser.add_argument("--server-threads", type=int, default=0, help="the server's --threads (default: its own)")
    parser.add_argument("--model", default=None, help="model to serve (default: a tiny random-weight one)")
    parser.add_argument("--bench-model", choices=["base", "big"], default=None,
                        help="serve `mtbrief bench`'s random-weight model of this shape")
    parser.add_argument("--flores", type=Path, default=None, help="FLORES-200 dev folder (for --bench-model)")
    parser.add_argument("--url", default=None, help="benchmark a running server (serving --model) instead")
    parser.add_argument("--output", default=None, help="JSON file (default: eval/results/load-<date>.json)")
    args = parser.parse_args(argv)
    output_tokens = args.output_tokens or (32 if args.bench_model else None)
    options = LoadOptions(tuple(int(c) for c in args.clients.split(",")), args.duration, args.sentences,
                          timeout=args.timeout, server_concurrency=args.server_concurrency,
                          offline_requests=args.offline_requests, paired=args.paired, output_tokens=output_tokens,
                          server_jobs=args.server_jobs, server_threads=args.server_threads)
    with tempfile.TemporaryDirectory(prefix="mtbrief-load-") as tmp:
        model, label, env = resolve_served_model(args, Path(tmp))
        proc = None
        if args.url:
            url = args.url.rstrip("/") + "/"
        else:
            url, proc = start_server(model, options, Path(tmp), env)
        try:
            health = wait_ready(url, proc)
            load_before = os.getloadavg()  # other work on the machine skews the figures: keep a trace
            summary = run_phases(url, model, options, proc.pid if proc is not None else None)
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:  # still decoding for clients that gave up: stop it
                    proc.kill()
                    proc.wait()
    now = datetime.now(timezone.utc)
    report = {"date": now.isoformat(timespec="seconds"), "url": url, "model": label, "health": health,
              "options": asdict(options), **summary,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "loadavg_before": load_before,
                          "loadavg_after": os.getloadavg()}}
    out = Path(args.output) if args.output else RESULTS / f"load-{now:%Y-%m-%d}.json"
    save_results(out, report, to_markdown(report))
    print(to_markdown(report))
    print(f"saved {out} and .md")
    return 1 if any(p["server_errors"] for p in report["phases"]) else 0


def serve_fixed(argv: list[str]) -> int:
    """`--serve-fixed N serve ARGS`: `mtbrief serve ARGS`, every sentence decoded to exactly N tokens."""
    import ui
    from mt.cli import translator_from_args

    tokens, rest = int(argv[0]), argv[1:]
    parser = argparse.ArgumentParser(prog="mtbrief")
    ui.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(rest)
    return ui.run_serve(args, load=lambda a: translator_from_args(a).with_options(
        fixed_length=tokens))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-fixed"]:
        raise SystemExit(serve_fixed(sys.argv[2:]))
    raise SystemExit(main())
