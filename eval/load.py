"""Load benchmark: N concurrent clients POST /translate against `mtbrief serve` for a fixed time.

    python eval/load.py                              # 20 clients, 60 s, a tiny random-weight model
    python eval/load.py --model opus-mt-ar-en        # a real model (must be cached)
    python eval/load.py --url http://127.0.0.1:7860/ # a server that is already running

Every request carries a unique number, so the translator's cache never answers it. Writes
eval/results/load-<date>.json with p50/p95 latency, throughput and the errors by status.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "aleppo-report.ar.txt"
RESULTS = ROOT / "eval" / "results"
# Python code that runs `mtbrief serve` when the entry point is not installed yet (same register, same run).
SERVE_FALLBACK = ("import argparse, sys, ui\n"
                  "p = argparse.ArgumentParser(prog='mtbrief')\n"
                  "ui.register(p.add_subparsers(dest='command'))\n"
                  "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))")


@dataclass(frozen=True)
class LoadOptions:
    """What to run: clients, duration, sentences per request, and the server's own limits."""

    clients: int = 20
    duration: float = 60.0
    sentences: int = 2  # seed sentences per request
    timeout: float = 120.0  # per request
    server_concurrency: int = 2


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command(model: str, port: int, concurrency: int) -> list[str]:
    """`mtbrief serve …` through the installed entry point, or through ui.register when it is missing."""
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--model", model,
            "--concurrency", str(concurrency), "--quiet"]
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


def client_loop(url: str, stop_at: float, worker: int, options: LoadOptions, sentences: list[str],
                records: list[tuple[float, float, int]], lock: threading.Lock) -> None:
    """One client: POST /translate back to back until stop_at; records (start, seconds, status)."""
    import httpx

    n = 0
    with httpx.Client(timeout=options.timeout) as http:
        while time.monotonic() < stop_at:
            first = (worker * 7 + n) % len(sentences)
            picked = [sentences[(first + i) % len(sentences)] for i in range(options.sentences)]
            text = " ".join(picked) + f" ({worker}-{n})"  # unique: never a cache hit
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


def run_load(url: str, options: LoadOptions) -> dict:
    """Drive the clients for options.duration seconds; summary of latencies, throughput and errors."""
    sentences = seed_sentences()
    records: list[tuple[float, float, int]] = []
    lock = threading.Lock()
    began = time.monotonic()
    stop_at = began + options.duration
    threads = [threading.Thread(target=client_loop, args=(url, stop_at, w, options, sentences, records, lock))
               for w in range(options.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    ok = [seconds for _, seconds, status in records if status == 200]
    statuses: dict[str, int] = {}
    for _, _, status in records:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    latency = {"p50": percentile(ok, 50), "p95": percentile(ok, 95), "p99": percentile(ok, 99),
               "max": max(ok), "mean": sum(ok) / len(ok)} if ok else {}
    return {
        "requests": len(records), "ok": len(ok), "statuses": statuses,
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "no_answer": statuses.get("0", 0), "wall_s": round(wall, 2),
        "throughput_rps": round(len(ok) / wall, 3),
        "latency_ms": {k: round(v * 1000, 1) for k, v in latency.items()},
    }


def start_server(model: str | None, options: LoadOptions, workdir: Path) -> tuple[str, subprocess.Popen, str]:
    """Start `mtbrief serve` on a free port (building the tiny model first when no model is given)."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}
    if model is None:
        from mt.testing import build_tiny_marian

        env.update(HF_HUB_OFFLINE="1", MTBRIEF_CACHE=str(workdir / "cache"), HF_HOME=str(workdir / "hf"))
        model = str(build_tiny_marian(workdir / "tiny-marian"))
        label = "tiny random-weight Marian (mt.testing.build_tiny_marian): outputs are token soup"
    else:
        label = model
    port = free_port()
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(serve_command(model, port, options.server_concurrency), cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    return f"http://127.0.0.1:{port}/", proc, label


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and save eval/results/load-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default: 60)")
    parser.add_argument("--sentences", type=int, default=2, help="seed sentences per request (default: 2)")
    parser.add_argument("--server-concurrency", type=int, default=2, help="the server's --concurrency")
    parser.add_argument("--model", default=None, help="model to serve (default: a tiny random-weight one)")
    parser.add_argument("--url", default=None, help="benchmark a running server instead of starting one")
    parser.add_argument("--output", default=None, help="JSON file (default: eval/results/load-<date>.json)")
    args = parser.parse_args(argv)
    options = LoadOptions(args.clients, args.duration, args.sentences,
                          server_concurrency=args.server_concurrency)
    with tempfile.TemporaryDirectory(prefix="mtbrief-load-") as tmp:
        proc = None
        if args.url:
            url, label = args.url.rstrip("/") + "/", args.model or "as served"
        else:
            url, proc, label = start_server(args.model, options, Path(tmp))
        try:
            health = wait_ready(url, proc)
            load_before = os.getloadavg()  # other work on the machine skews the figures: keep a trace
            summary = run_load(url, options)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    now = datetime.now(timezone.utc)
    report = {"date": now.isoformat(timespec="seconds"), "url": url, "model": label, "health": health,
              "options": asdict(options), **summary,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "loadavg_before": load_before,
                          "loadavg_after": os.getloadavg()}}
    out = Path(args.output) if args.output else RESULTS / f"load-{now:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("requests", "ok", "statuses", "server_errors", "throughput_rps",
                                             "latency_ms")}, indent=2))
    print(f"saved {out}")
    return 1 if summary["server_errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
