"""Container size and cold start: the image's size (and its layers'), and the time from `run` to the first /health
answer of a fresh container whose model is already in its volume (converted by an earlier start), side by side
with `mtbrief serve` started on this machine without a container, the two alternated round by round.

    python eval/speed/container_start.py               # `mtbrief bench`'s big shape (tc-big-ar-en), RANDOM weights
    python eval/speed/container_start.py --model tiny  # the tests' tiny random-weight model

Both starts include what `serve` does before it answers: import, load the CTranslate2 int8 model, warm it up.
Wall and CPU seconds are both kept: the CPU seconds of the server process (the container's PID 1) are the figure
a busy shared machine disturbs least. No sentence is translated (only /health is asked). Builds the image first
(cached layers reused) with the engine and base of eval/speed/container.py, and saves how long that took.
Writes eval/results/container-start-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from eval.results import RESULTS, save_results
from eval.speed import container as c
from eval.speed.loadgen import free_port, serve_command

ROOT = Path(__file__).resolve().parents[2]
TAG = "localhost/mtbrief:eval"
IN_VOLUME = "/data/models/served"


def model_folder(kind: str, flores: Path | None, workdir: Path) -> tuple[Path, str]:
    """(model folder on this machine, label): the bench's big shape with random weights, or the tiny model."""
    if kind == "tiny":
        from mt.testing import build_tiny_marian

        return build_tiny_marian(workdir / "tiny"), "tiny random-weight Marian (mt.testing)"
    from eval.speed.bench import SHAPES, build_bench_model

    folder = build_bench_model(SHAPES["big"], flores)
    return folder, f"`mtbrief bench` big shape (opus-mt-tc-big-ar-en), RANDOM weights ({folder.name})"


def image_figures(engine: c.Engine, tag: str) -> dict:
    """The image's size and its layers' (bytes), biggest first."""
    size = int(engine("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())
    if engine.name == "podman":  # podman's history gives bytes only as JSON
        history = json.loads(engine("history", "--format", "json", tag).stdout)
        rows = [(row["size"], row["CreatedBy"]) for row in history]
    else:
        lines = engine("history", "--human=false", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", tag).stdout
        rows = [(int(n), step) for n, _, step in (line.partition("\t") for line in lines.splitlines())]
    layers = [{"bytes": n, "step": step_text(step)} for n, step in rows if n > 0]
    return {"bytes": size, "mb": round(size / 1e6), "layers": sorted(layers, key=lambda x: -x["bytes"])}


def step_text(created_by: str) -> str:
    """A layer's Dockerfile step, short: without the build arguments and the secret mount every RUN starts with."""
    step = " ".join(created_by.split()).split("/bin/sh -c ", 1)[-1]
    for prefix in ("--mount=type=secret,id=pip_cert ", "set -eu; ", "#(nop) "):
        step = step.removeprefix(prefix)
    return step[:120]


def container_start(engine: c.Engine, volume: str) -> tuple[float, float]:
    """(wall, CPU) seconds from `run` to the first /health answer of a fresh container, which is then removed."""
    name = f"mtbrief-eval-{uuid.uuid4().hex[:8]}"
    start = time.perf_counter()
    try:
        port = c.start(engine, TAG, name, volume, env={"MTBRIEF_MODEL": IN_VOLUME, "HF_HUB_OFFLINE": "1"})
        c.wait_healthy(engine, name, port, timeout=900)
        seconds = time.perf_counter() - start
        # the server is PID 1: after ")" come state (field 3) ... utime, stime, cutime, cstime (fields 14-17)
        stat = engine("exec", name, "cat", "/proc/1/stat").stdout.rsplit(")", 1)[1].split()
        cpu = sum(int(ticks) for ticks in stat[11:15]) / os.sysconf("SC_CLK_TCK")
        c.terminate(engine, name, timeout=60)
        return seconds, cpu
    finally:
        c.remove(engine, name)


def host_start(model: Path, cache: Path) -> tuple[float, float]:
    """(wall, CPU) seconds from starting `mtbrief serve` here (no container) to its first /health answer."""
    import psutil

    env = {**os.environ, "MTBRIEF_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(serve_command(str(model), port, 32), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        c.first_answer(f"http://127.0.0.1:{port}/health", lambda: proc.poll() is None, timeout=900)
        seconds = time.perf_counter() - start
        times = psutil.Process(proc.pid).cpu_times()
        return seconds, times.user + times.system + times.children_user + times.children_system
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def summary(values: list[float]) -> dict:
    """Median, min and max, rounded."""
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2), "runs": [round(v, 2) for v in values]}


def measure(engine: c.Engine, model: Path, rounds: int, workdir: Path, log=print) -> dict:
    """First starts (which convert the model), then `rounds` rounds of one container and one host start,
    alternating which goes first."""
    volume = f"mtbrief-eval-{uuid.uuid4().hex[:8]}"
    engine("volume", "create", volume)
    starts = {"container": lambda: container_start(engine, volume),
              "host": lambda: host_start(model, workdir / "cache")}
    try:
        c.copy_into_volume(engine, TAG, volume, model, IN_VOLUME)
        first = {side: start()[0] for side, start in starts.items()}
        log(f"first starts (converting the model): container {first['container']:.1f} s, host {first['host']:.1f} s")
        wall: dict[str, list[float]] = {"container": [], "host": []}
        cpu: dict[str, list[float]] = {"container": [], "host": []}
        for i in range(rounds):
            for side in ("container", "host") if i % 2 == 0 else ("host", "container"):
                seconds, cpu_s = starts[side]()
                wall[side].append(seconds)
                cpu[side].append(cpu_s)
                log(f"round {i + 1}: {side} {seconds:.2f} s wall, {cpu_s:.2f} s CPU")
    finally:
        c.remove(engine, volumes=(volume,))
    return {"first_start_with_conversion_s": {k: round(v, 2) for k, v in first.items()},
            "cold_start_s": {side: summary(values) for side, values in wall.items()},
            "cold_start_cpu_s": {side: summary(values) for side, values in cpu.items()},
            "container_over_host": {name: summary([a / b for a, b in zip(by["container"], by["host"], strict=True)])
                                    for name, by in (("wall", wall), ("cpu", cpu))}}


def main(argv: list[str] | None = None) -> int:
    """Build the image, measure, print and save eval/results/container-start-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["big", "tiny"], default="big",
                        help="big: the bench's opus-mt-tc-big-ar-en shape, random weights (default); tiny: tests'")
    parser.add_argument("--rounds", type=int, default=5, help="container and host starts each (default: 5)")
    parser.add_argument("--flores", type=Path, default=None, help="FLORES-200 dev folder (the big model's vocab)")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default: eval/results/...)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: give 1 or more")
    with tempfile.TemporaryDirectory(prefix="mtbrief-container-") as tmp:
        workdir = Path(tmp)
        engine = c.find_engine(workdir)
        base = c.base_image(engine, workdir / "build.log")
        build_s = c.build_image(engine, TAG, base, workdir / "build.log")
        image = image_figures(engine, TAG)
        model, label = model_folder(args.model, args.flores, workdir)
        load_before = os.getloadavg()
        figures = measure(engine, model, args.rounds, workdir)
    now = datetime.now(timezone.utc)
    report = {"date": now.isoformat(timespec="seconds"), "engine": engine.name, "base": base, "model": label,
              "build_s": round(build_s, 1), "image": image, **figures,
              "load_average_before": [round(x, 2) for x in load_before], "cpus": os.cpu_count(),
              "note": "only /health is asked: no sentence is translated; the host start runs the same `mtbrief "
                      "serve` from this checkout's environment"}
    out = args.output or RESULTS / f"container-start-{now:%Y-%m-%d}.json"
    save_results(out, report)
    wall, cpu, ratio = report["cold_start_s"], report["cold_start_cpu_s"], report["container_over_host"]
    print(f"image {report['image']['mb']} MB ({base}); cold start to /health, model in the volume (median of "
          f"{args.rounds}): container {wall['container']['median']} s wall / {cpu['container']['median']} s CPU, "
          f"host {wall['host']['median']} s / {cpu['host']['median']} s; container/host {ratio['wall']['median']}x "
          f"wall, {ratio['cpu']['median']}x CPU; {label}\nsaved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
