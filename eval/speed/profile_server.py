"""Where the server's CPU goes under load: `mtbrief serve` driven by eval/speed/load.py's clients, sampled by py-spy.

    python -m eval.speed.profile_server --bench-model base --clients 20 --duration 40 --label before

Each thread's CPU seconds come from /proc (exact); py-spy's samples (Python threads only) split a Python thread's
seconds between what it was doing: HTTP, FastAPI/pydantic/JSON, Gradio, splitting and repairs, tokenization, the
batcher, detokenization, ... Threads py-spy does not see as Python threads are CTranslate2's own (its worker and
OpenMP threads): that is the engine. Needs py-spy (`pip install py-spy`). Writes eval/results/profile-<label>.json
and .md. Random-weight model, fixed output length: a benchmark of the architecture, not of a trained model.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

from eval.results import RESULTS
from eval.speed.loadgen import LoadOptions, resolve_served_model, run_load, start_server, wait_ready

# (category, pattern on a frame "function (file:line)"); the match nearest the leaf of a stack wins.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("engine call (Python side)", r"ctranslate2|generate \(mt/engines\.py"),
    ("tokenization", r"encode_many|\(mt/spm_codec\.py.*encode|EncodeAsPieces|Encode|count \(mt/"),
    ("detokenization", r"decode \(mt/(spm_codec|engines)\.py|DecodePieces|decode_batch"),
    ("splitting and repairs", r"\(mt/(arabic|splitter|enforce|guard|glossary|htmltext)\.py"),
    ("batcher", r"\(mt/batcher\.py"),
    ("translator (cache, assembly)", r"\(mt/(translator|types)\.py"),
    ("Gradio", r"gradio"),
    ("JSON / pydantic", r"json|pydantic|orjson"),
    ("FastAPI / Starlette / middleware", r"fastapi|starlette|anyio|mt/server/|\(ui\.py"),
    ("HTTP (uvicorn, h11, asyncio)", r"uvicorn|h11|httptools|asyncio|selectors|socket"),
    ("threading / waits", r"threading\.py|queue\.py|concurrent"),
)
ENGINE_THREADS = "engine (CTranslate2's native threads)"


def category(stack: list[str]) -> str:
    """The category of one sampled stack (root first): the pattern matching the frame nearest the leaf."""
    for frame in reversed(stack):
        for name, pattern in CATEGORIES:
            if re.search(pattern, frame):
                return name
    return "other Python"


def parse_raw(text: str) -> dict[int, Counter]:
    """py-spy's raw output (`thread (TID): name;frame;... count` per line) as samples per category per thread."""
    samples: dict[int, Counter] = defaultdict(Counter)
    for line in text.splitlines():
        m = re.match(r"thread \((?:0x)?([0-9A-Fa-f]+)\): [^;]*;?(.*) (\d+)$", line)
        if m:
            samples[int(m.group(1))][category(m.group(2).split(";") if m.group(2) else [])] += int(m.group(3))
    return samples


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of a process, by thread id."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def python_threads(dump: str) -> dict[int, str]:
    """The Python threads of `py-spy dump` output: thread id -> name."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(r'^Thread (\d+) \([^)]*\): "([^"]*)"', dump, re.M)}


def attribute(before: dict[int, float], after: dict[int, float], samples: dict[int, Counter],
              python: dict[int, str]) -> dict[str, float]:
    """CPU seconds per category: each Python thread's /proc seconds split by its samples; threads that are not
    Python threads are CTranslate2's (its worker and OpenMP threads)."""
    seconds: Counter = Counter()
    for tid, cpu in after.items():
        spent = cpu - before.get(tid, 0.0)
        if spent <= 0:
            continue
        counts = samples.get(tid)
        if not counts:
            seconds["Python, never sampled busy" if tid in python else ENGINE_THREADS] += spent
            continue
        total = sum(counts.values())
        for name, n in counts.items():
            seconds[name] += spent * n / total
    return {name: round(s, 2) for name, s in seconds.most_common()}


def to_markdown(report: dict) -> str:
    """The attribution as a Markdown table: CPU seconds, share of the server's CPU, and per request."""
    phase, cpu = report["phase"], report["cpu_s"]
    total = sum(cpu.values()) or 1.0
    requests = max(1, phase["ok"])
    lines = [f"Profile `{report['label']}`: {report['model']}; {phase['clients']} clients for "
             f"{report['options']['duration']:.0f} s, {phase['sentences_per_s']:.2f} sentences/s, {phase['ok']} "
             f"requests, {phase['errors']} errors, cache answered {phase['server_work']['cache_answered']}, "
             f"{phase['server_work']['segments_per_batch']} sentences per engine batch; load average "
             f"{report['loadavg']}; CPU seconds of the clients {phase['cpu_s']['clients']}, of the server "
             f"{phase['cpu_s']['server']} (shared 2-core machine)", "",
             "| where | CPU s | share of the server | ms per request |", "|---|--:|--:|--:|"]
    for name, seconds in cpu.items():
        lines.append(f"| {name} | {seconds:.1f} | {seconds / total:.0%} | {seconds * 1000 / requests:.0f} |")
    return "\n".join(lines) + "\n"


def profile(url: str, pid: int, options: LoadOptions, clients: int, workdir: Path) -> tuple[dict, dict]:
    """Drive `clients` clients while py-spy samples the server; (load phase summary, CPU seconds per category)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = workdir / "spy.txt"
    before = thread_cpu(pid)
    recorder = subprocess.Popen([spy, "record", "--nonblocking", "--threads", "-r", "50", "-f", "raw",
                                 "-d", str(int(options.duration)), "-o", str(raw), "-p", str(pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result: dict = {}
    driver = threading.Thread(target=lambda: result.update(run_load(url, options, clients, pid)))
    driver.start()
    time.sleep(min(5.0, options.duration / 2))  # mid-phase: every request thread exists
    dump = subprocess.run([spy, "dump", "--nonblocking", "-p", str(pid)], capture_output=True, text=True).stdout
    driver.join()
    after = thread_cpu(pid)
    recorder.wait(timeout=60)
    return result, attribute(before, after, parse_raw(raw.read_text()), python_threads(dump))


def main(argv: list[str] | None = None) -> int:
    """Profile the server under load and save eval/results/profile-<label>.json and .md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=40.0, help="seconds sampled under load (default: 40)")
    parser.add_argument("--bench-model", choices=["base", "big"], default="base")
    parser.add_argument("--model", default=None)
    parser.add_argument("--flores", type=Path, default=None)
    parser.add_argument("--output-tokens", type=int, default=32)
    parser.add_argument("--label", default="now", help="names the result files (e.g. before, after)")
    args = parser.parse_args(argv)
    options = LoadOptions((args.clients,), args.duration, output_tokens=args.output_tokens)
    with tempfile.TemporaryDirectory(prefix="mtbrief-profile-") as tmp:
        model, label, env = resolve_served_model(args, Path(tmp))
        url, proc = start_server(model, options, Path(tmp), env)
        try:
            wait_ready(url, proc)
            warm = LoadOptions((args.clients,), 5.0, output_tokens=args.output_tokens)
            run_load(url, warm, args.clients, run=999)  # other tags than the profiled phase's: nothing cached
            phase, cpu = profile(url, proc.pid, options, args.clients, Path(tmp))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "label": args.label,
              "model": label, "options": {"duration": args.duration, "output_tokens": args.output_tokens},
              "loadavg": os.getloadavg(), "phase": phase, "cpu_s": cpu}
    out = RESULTS / f"profile-{args.label}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(to_markdown(report), encoding="utf-8")
    print(to_markdown(report))
    print(f"saved {out} and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
