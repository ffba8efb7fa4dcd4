"""What the load benchmarks share (eval/speed/load.py, profile_server.py, peers.py): the served model, the
server process, unique request texts, the clients, and the counts a phase reports (cache answers, CPU seconds)."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "aleppo-report.ar.txt"
# Python code that runs `mtbrief serve` when the entry point is not installed yet (same register, same run).
SERVE_FALLBACK = ("import argparse, sys, ui\n"
                  "p = argparse.ArgumentParser(prog='mtbrief')\n"
                  "ui.register(p.add_subparsers(dest='command'))\n"
                  "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))")


@dataclass(frozen=True)
class LoadOptions:
    """What to run: clients, duration, sentences per request, and the server's own limits."""

    clients: tuple[int, ...] = (1, 5, 20)  # one phase per count
    duration: float = 60.0  # seconds per phase
    sentences: int = 2  # seed sentences per request
    timeout: float = 120.0  # per request
    server_concurrency: int = 32
    offline_requests: int = 40  # requests' texts translated offline in one translate_batch
    paired: int = 10  # texts timed both directly and through the server, one at a time
    pair_gap: float = 0.5  # seconds idle before each timed call, so the two sides never overlap
    output_tokens: int | None = None  # decode exactly this many tokens per sentence (random-weight models)
    server_jobs: int = 0  # the server's --jobs and --threads (0: its own defaults)
    server_threads: int = 0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command(model: str, port: int, concurrency: int, output_tokens: int | None = None, jobs: int = 0,
                  threads: int = 0) -> list[str]:
    """`mtbrief serve …` through the installed entry point, or through ui.register when it is missing; with
    output_tokens, the same command in eval.speed.load's server worker, which fixes the output length; jobs and
    threads: its --jobs and --threads (0: left to the server)."""
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--model", model,
            "--concurrency", str(concurrency), "--quiet"]
    args += [*(["--jobs", str(jobs)] if jobs else []), *(["--threads", str(threads)] if threads else [])]
    if output_tokens:
        return [sys.executable, "-m", "eval.speed.load", "--serve-fixed", str(output_tokens), *args]
    if any(ep.name == "serve" for ep in entry_points(group="mtbrief.commands")):
        return [sys.executable, "-m", "mt.cli", *args]
    return [sys.executable, "-c", SERVE_FALLBACK, *args]


def wait_ready(url: str, proc: subprocess.Popen | None, limit: float = 300.0) -> dict:
    """The server's /health once it answers (fails if the server process ends first)."""
    import httpx

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            response = httpx.get(url + "health", timeout=5)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url}health within {limit:.0f} s")


def seed_sentences() -> list[str]:
    """The seed report's sentences (split at '.', as the report ends them)."""
    text = SEED.read_text(encoding="utf-8")
    return [s.strip() + "." for s in re.split(r"\.\s+", text) if len(s.split()) >= 4]


def request_text(sentences: list[str], count: int, worker: int, n: int, run: int = 0) -> str:
    """Client `worker`'s n-th request: `count` seed sentences, each with a unique tag inside it (before its
    full stop), so no sentence of any request is ever a cache hit."""
    first = (worker * 7 + n) % len(sentences)
    picked = [sentences[(first + i) % len(sentences)] for i in range(count)]
    return " ".join(f"{s.rstrip('. ')} ({run}-{worker}-{n}-{i})." for i, s in enumerate(picked))


def client_loop(url: str, stop_at: float, worker: int, options: LoadOptions, sentences: list[str],
                records: list[tuple[float, float, int]], lock: threading.Lock, run: int = 0) -> None:
    """One client: POST /translate back to back until stop_at; records (start, seconds, status)."""
    import httpx

    n = 0
    with httpx.Client(timeout=options.timeout) as http:
        while time.monotonic() < stop_at:
            text = request_text(sentences, options.sentences, worker, n, run)
            start = time.monotonic()
            try:
                body = {"q": text, "source": "ar", "target": "en"}
                status = http.post(url + "translate", json=body).status_code
            except httpx.HTTPError:
                status = 0  # no answer at all (timeout, refused, reset)
            with lock:
                records.append((start, time.monotonic() - start, status))
            n += 1


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def server_stats(url: str) -> dict[str, int]:
    """The server's work counts since its start (GET /health's stats: cache hits, engine segments, ...)."""
    import httpx

    return httpx.get(url + "health", timeout=30).json().get("stats", {})


def process_cpu_s(pid: int | None = None) -> float | None:
    """CPU seconds (user + system) a process has used so far: this one by default (None where unknown)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def work_counts(before: dict, after: dict, sentences: int) -> dict:
    """What the server did between two stats snapshots: how many sentences the cache answered and the engine's
    batches (a phase's requests are unique, so cache_answered should be 0)."""
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    batches = delta.get("engine_batches", 0)
    return {"sentences_sent": sentences, "cache_answered": delta.get("cache_hits", 0),
            "engine_segments": delta.get("engine_segments", 0), "engine_batches": batches,
            "segments_per_batch": round(delta.get("engine_segments", 0) / batches, 2) if batches else 0.0}


def run_load(url: str, options: LoadOptions, clients: int, server_pid: int | None = None,
             run: int | None = None) -> dict:
    """Drive `clients` clients for options.duration seconds; summary of latencies, throughput, errors, the
    server's work (cache answers, engine batches) and the CPU seconds of the clients and of the server."""
    sentences = seed_sentences()
    records: list[tuple[float, float, int]] = []
    lock = threading.Lock()
    stats_before = server_stats(url)
    cpu_before = (process_cpu_s(), process_cpu_s(server_pid) if server_pid else None)
    began = time.monotonic()
    stop_at = began + options.duration
    threads = [threading.Thread(target=client_loop,
                                args=(url, stop_at, w, options, sentences, records, lock,
                                      clients if run is None else run))
               for w in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    cpu = [(after - before) if before is not None and after is not None else None
           for before, after in zip(cpu_before, (process_cpu_s(), process_cpu_s(server_pid) if server_pid else None),
                                    strict=True)]
    ok = [seconds for _, seconds, status in records if status == 200]
    statuses: dict[str, int] = {}
    for _, _, status in records:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    latency = {"p50": percentile(ok, 50), "p95": percentile(ok, 95), "p99": percentile(ok, 99),
               "max": max(ok), "mean": sum(ok) / len(ok)} if ok else {}
    return {
        "clients": clients, "requests": len(records), "ok": len(ok), "statuses": statuses,
        "errors": len(records) - len(ok),
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "no_answer": statuses.get("0", 0), "wall_s": round(wall, 2),
        "throughput_rps": round(len(ok) / wall, 3),
        "sentences_per_s": round(len(ok) * options.sentences / wall, 3),
        "latency_ms": {k: round(v * 1000, 1) for k, v in latency.items()},
        "server_work": work_counts(stats_before, server_stats(url), len(ok) * options.sentences),
        "cpu_s": {"clients": round(cpu[0], 1), "server": None if cpu[1] is None else round(cpu[1], 1)},
        # CPU seconds per sentence, the server's and the clients' together: what a shared machine's other work
        # does not change much (unlike sentences/s), so efficiency against offline is comparable between runs.
        "cpu_s_per_sentence": round((cpu[0] + cpu[1]) / (len(ok) * options.sentences), 4)
        if ok and cpu[1] is not None else None,
    }


def resolve_served_model(args: argparse.Namespace, workdir: Path) -> tuple[str, str, dict[str, str]]:
    """(model folder or name, label, extra environment): --model, --bench-model, or a tiny model built here."""
    if args.bench_model:
        from eval.speed.bench import SHAPES, build_bench_model

        folder = build_bench_model(SHAPES[args.bench_model], args.flores)
        return str(folder), f"`mtbrief bench` {args.bench_model} shape, RANDOM weights ({folder.name})", {}
    if args.model:
        return args.model, args.model, {}
    from mt.testing import build_tiny_marian

    env = {"HF_HUB_OFFLINE": "1", "MTBRIEF_CACHE": str(workdir / "cache"), "HF_HOME": str(workdir / "hf")}
    os.environ.update(env)  # the offline translator converts and caches where the server does
    model = str(build_tiny_marian(workdir / "tiny-marian"))
    return model, "tiny random-weight Marian (mt.testing.build_tiny_marian): outputs are token soup", env


def start_server(model: str, options: LoadOptions, workdir: Path, env: dict[str, str]) -> tuple[str,
                                                                                              subprocess.Popen]:
    """Start `mtbrief serve` on a free port."""
    env = {**os.environ, **env, "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}
    port = free_port()
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed with the process
    command = serve_command(model, port, options.server_concurrency, options.output_tokens, options.server_jobs,
                            options.server_threads)
    proc = subprocess.Popen(command, cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    return f"http://127.0.0.1:{port}/", proc
