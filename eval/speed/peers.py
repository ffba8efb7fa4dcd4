"""mtbrief beside LibreTranslate and EasyNMT: one model, the same sentences, a fixed output length and beam.

The servers a user would pick instead: LibreTranslate (its Argos package built from the model) and EasyNMT (a
hub-cache entry pointing at it).

    python eval/speed/peers.py                       # all three; the peers' virtual environments are made if missing
    python eval/speed/peers.py --systems mtbrief,libretranslate --duration 30

The model is `mtbrief bench`'s random-weight opus-mt-ar-en shape (eval/speed/bench.py): RANDOM weights, so every system
decodes exactly --tokens tokens per sentence with beam --beam (a random model never ends a sentence by itself;
each server's engine call is wrapped to fix them, see eval/speed/peer_servers.py). Each peer runs from its own virtual
environment outside the repository ($MTBRIEF_PEERS_VENVS, default ../peers-venvs), torch==2.13.0 installed first
(the CPU wheel). Servers start one at a time; each gets the same warm-up request, then: one client (sequential
2-sentence requests, median latency), 20 clients for --duration seconds (sentences/s), one 80-sentence request.
Every sentence is unique (eval.speed.loadgen.request_text). Writes eval/results/peers-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from eval.results import RESULTS
from eval.speed.loadgen import (
    ROOT,
    free_port,
    percentile,
    process_cpu_s,
    request_text,
    seed_sentences,
    serve_command,
)

VENVS = Path(os.environ.get("MTBRIEF_PEERS_VENVS", ROOT.parent / "peers-venvs"))
# What each peer's environment gets after torch==2.13.0, one pip call per entry (spaCy's CLI wants rich >= 13,
# LibreTranslate's flask-limiter rich < 12: only spacy.blank is used, which works with either).
PEER_PACKAGES = {"libretranslate": (["libretranslate"], ["spacy"], ["rich<13"]),
                 "easynmt": (["easynmt"], ["fastapi", "uvicorn"])}
SYSTEMS = ("mtbrief", "libretranslate", "easynmt")


@dataclass(frozen=True)
class PeerOptions:
    """What each server is asked: output length, beam, how long 20 clients run, how many 1-client requests."""

    tokens: int = 32
    beam: int = 4
    clients: int = 20
    duration: float = 30.0
    single_requests: int = 8
    big_request: int = 80  # sentences in the one large request


@dataclass(frozen=True)
class Api:
    """How to ask a server for a translation: the path, the JSON body for a text, the answer's text."""

    path: str
    body: Callable[[str], dict]
    answer: str


APIS = {
    "mtbrief": Api("translate", lambda t: {"q": t, "source": "ar", "target": "en"}, "translatedText"),
    "libretranslate": Api("translate", lambda t: {"q": t, "source": "ar", "target": "en"}, "translatedText"),
    "easynmt": Api("translate", lambda t: {"text": t, "source_lang": "ar", "target_lang": "en"}, "translated"),
}


def ensure_venv(name: str, root: Path = VENVS) -> Path:
    """The peer's Python, its virtual environment made first if missing (torch==2.13.0 before the rest)."""
    python = root / name / "bin" / "python"
    if python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(root / name)], check=True)
    for packages in (["torch==2.13.0"], *PEER_PACKAGES[name]):
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def build_argos_package(model: Path, ct2_dir: Path, python: Path, out: Path) -> Path:
    """An installed Argos package ar→en from the model: its int8 CTranslate2 conversion, its sentencepiece model,
    and a blank spaCy pipeline as the sentence splitter (ARGOS_CHUNK_TYPE=SPACY: nothing to download)."""
    package = out / "packages" / "translate-ar_en"
    shutil.copytree(ct2_dir, package / "model")
    shutil.copy(model / "source.spm", package / "sentencepiece.model")
    (package / "metadata.json").write_text(json.dumps({
        "package_version": "1.0", "argos_version": "1.0", "from_code": "ar", "from_name": "Arabic",
        "to_code": "en", "to_name": "English", "type": "translate"}))
    subprocess.run([str(python), "-c", f"import spacy; spacy.blank('xx').to_disk({str(package / 'spacy')!r})"],
                   check=True, capture_output=True)
    return package


def argos_env(home: Path) -> dict[str, str]:
    """LibreTranslate offline: its own home, the package above, an empty local package index."""
    data = home / "data"
    (data / "argos-translate").mkdir(parents=True, exist_ok=True)
    (data / "argos-translate" / "index.json").write_text("[]")
    return {"HOME": str(home), "XDG_DATA_HOME": str(data), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"), "ARGOS_PACKAGES_DIR": str(home / "packages"),
            "ARGOS_CHUNK_TYPE": "SPACY", "ARGOS_DEVICE_TYPE": "cpu"}


def build_easynmt_entry(model: Path, out: Path) -> tuple[Path, dict[str, str]]:
    """EasyNMT's OpusMT loads Helsinki-NLP/opus-mt-ar-en from the hub cache: an offline entry holding the model,
    and the EasyNMT folder (easynmt.json) that names that class."""
    snapshot = out / "hf" / "hub" / "models--Helsinki-NLP--opus-mt-ar-en" / "snapshots" / "bench"
    snapshot.mkdir(parents=True)
    for file in model.iterdir():
        if file.is_file() and file.name != "bench.json":
            (snapshot / file.name).symlink_to(file.resolve())
    refs = snapshot.parents[1] / "refs"
    refs.mkdir()
    (refs / "main").write_text("bench")
    folder = out / "easynmt-opus-mt"
    folder.mkdir()
    (folder / "easynmt.json").write_text(json.dumps({"model_class": "easynmt.models.OpusMT.OpusMT",
                                                     "model_args": {}, "lang_pairs": ["ar-en"]}))
    return folder, {"HF_HOME": str(out / "hf"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "EASYNMT_CACHE": str(out / "easynmt-cache")}


def start_system(name: str, model: Path, workdir: Path, options: PeerOptions) -> tuple[str, subprocess.Popen]:
    """Start one system's server on a free port (the peers from their own environments)."""
    port, env = free_port(), {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    if name == "mtbrief":
        command = serve_command(str(model), port, 32, options.tokens)
        if options.beam != 4:
            command += ["--beam-size", str(options.beam)]
        env["GRADIO_ANALYTICS_ENABLED"] = "False"
    else:
        python = ensure_venv(name)
        command = [str(python), str(ROOT / "eval" / "peer_servers.py"), name, "--port", str(port),
                   "--tokens", str(options.tokens), "--beam", str(options.beam)]
        if name == "libretranslate":
            from mt.models import ct2_model_dir, resolve_model

            home = workdir / "libretranslate"
            build_argos_package(model, ct2_model_dir(resolve_model(str(model)), "int8"), python, home)
            env.update(argos_env(home))
        else:
            folder, extra = build_easynmt_entry(model, workdir / "easynmt")
            command += ["--model", str(folder)]
            env.update(extra)
    log = open(workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return f"http://127.0.0.1:{port}/", proc


def ask(http: object, url: str, api: Api, text: str) -> tuple[float, int, str]:
    """(seconds, status, translated text) of one request; status 0 when no answer came."""
    import httpx

    start = time.perf_counter()
    try:
        response = http.post(url + api.path, json=api.body(text))
        status, body = response.status_code, response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        status, body = 0, {}
    return time.perf_counter() - start, status, str(body.get(api.answer, ""))


def wait_answering(url: str, api: Api, proc: subprocess.Popen, text: str, limit: float = 600.0) -> float:
    """Seconds until the server translates `text` (its warm-up request); fails if the process ends first."""
    import httpx

    began = time.monotonic()
    with httpx.Client(timeout=300) as http:
        while time.monotonic() - began < limit:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {proc.returncode}")
            seconds, status, _ = ask(http, url, api, text)
            if status == 200:
                return round(seconds, 2)
            if 400 <= status < 500:  # it answers, but refuses the request: waiting will not help
                raise RuntimeError(f"{url} refused the warm-up request with HTTP {status}")
            time.sleep(1.0)
    raise RuntimeError(f"no translation from {url} within {limit:.0f} s")


def many_clients(url: str, api: Api, options: PeerOptions, sentences: list[str]) -> dict:
    """options.clients clients, each posting 2-sentence requests back to back for options.duration seconds."""
    import httpx

    records: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + options.duration

    def client(worker: int) -> None:
        with httpx.Client(timeout=300) as http:
            n = 0
            while time.monotonic() < stop_at:
                seconds, status, _ = ask(http, url, api, request_text(sentences, 2, worker, n, run=20))
                with lock:
                    records.append((seconds, status))
                n += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(w,)) for w in range(options.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    ok = [s for s, status in records if status == 200]
    return {"requests": len(records), "errors": len(records) - len(ok), "wall_s": round(wall, 1),
            "sentences_per_s": round(2 * len(ok) / wall, 3),
            "p50_ms": round(percentile(ok, 50) * 1000) if ok else None}


def measure(name: str, url: str, proc: subprocess.Popen, options: PeerOptions) -> dict:
    """Warm-up, one client, many clients, one large request: the same requests for every system."""
    import httpx

    api, sentences = APIS[name], seed_sentences()
    warm_s = wait_answering(url, api, proc, request_text(sentences, 24, 0, 0, run=900))
    with httpx.Client(timeout=600) as http:
        single = [ask(http, url, api, request_text(sentences, 2, 0, n, run=1)) for n in range(options.single_requests)]
        cpu_before, client_before = process_cpu_s(proc.pid), process_cpu_s()
        crowd = {**many_clients(url, api, options, sentences), "loadavg": os.getloadavg()}
        crowd["cpu_s"] = {"server": round(process_cpu_s(proc.pid) - cpu_before, 1),
                          "clients": round(process_cpu_s() - client_before, 1)}
        big_s, big_status, big_text = ask(http, url, api, request_text(sentences, options.big_request, 0, 0, run=80))
    ok = [s for s, status, _ in single if status == 200]
    return {"warm_up_s": warm_s,
            "one_client": {"requests": len(single), "errors": len(single) - len(ok),
                           "p50_ms": round(percentile(ok, 50) * 1000) if ok else None,
                           "sample": single[0][2][:200]},
            "clients": crowd,
            "big_request": {"sentences": options.big_request, "status": big_status, "seconds": round(big_s, 2),
                            "sentences_per_s": round(options.big_request / big_s, 3),
                            "words_out": len(big_text.split())}}


def run_system(name: str, model: Path, options: PeerOptions) -> dict:
    """Start one server, measure it, stop it; an error (install, start) is reported, not raised."""
    with tempfile.TemporaryDirectory(prefix=f"mtbrief-peers-{name}-") as tmp:
        proc = None
        try:
            url, proc = start_system(name, model, Path(tmp), options)
            result = {"system": name, **measure(name, url, proc, options)}
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            log = Path(tmp) / f"{name}.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-5:] if log.exists() else []
            result = {"system": name, "error": f"{type(exc).__name__}: {exc}", "log_tail": tail}
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        result["version"] = version_of(name)
        return result


def version_of(name: str) -> str:
    """The installed version of a system ('?' where it cannot be read)."""
    if name == "mtbrief":
        from mt import __version__

        return __version__
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        return "?"
    found = subprocess.run([str(python), "-m", "pip", "show", name], capture_output=True, text=True)
    return next((line.split(":", 1)[1].strip() for line in found.stdout.splitlines()
                 if line.startswith("Version:")), "?")


def to_markdown(report: dict) -> str:
    """The systems side by side: 1-client latency, 20 clients' sentences/s, the 80-sentence request; ratios
    against mtbrief (a system that failed gets its error in place of figures)."""
    opts = report["options"]
    base = next((r for r in report["results"] if r["system"] == "mtbrief" and "error" not in r), None)
    lines = [f"Same random-weight model (`mtbrief bench` base shape), same unique sentences, {opts['tokens']} output "
             f"tokens per sentence, beam {opts['beam']}; servers one at a time; {opts['clients']} clients for "
             f"{opts['duration']:.0f} s; {report['machine']['cpus']} CPUs, load average before "
             f"{report['machine']['loadavg_before']} (a shared machine: figures are noisy, ratios matter)", "",
             f"| system | version | 1 client: ms per 2-sentence request (p50) | {opts['clients']} clients: "
             f"sentences/s | errors | {opts['big_request']}-sentence request: s | CPU s server / clients |",
             "|---|---|--:|--:|--:|--:|--:|"]
    for r in report["results"]:
        if "error" in r:
            lines.append(f"| {r['system']} | {r.get('version', '?')} | failed: {r['error']} | | | | |")
            continue
        one, crowd, big = r["one_client"], r["clients"], r["big_request"]
        ratio = ""
        if base is not None and r is not base and crowd["sentences_per_s"]:
            ratio = f" (mtbrief {base['clients']['sentences_per_s'] / crowd['sentences_per_s']:.1f}×)"
        lines.append(f"| {r['system']} | {r['version']} | {one['p50_ms']} | {crowd['sentences_per_s']:.2f}{ratio} | "
                     f"{crowd['errors'] + one['errors']} | {big['seconds']:.1f} | {crowd['cpu_s']['server']} / "
                     f"{crowd['cpu_s']['clients']} |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> tuple[tuple[str, ...], PeerOptions, Path | None]:
    """(systems, options, output file) from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma list (default: all three)")
    parser.add_argument("--tokens", type=int, default=32, help="output tokens per sentence (default: 32)")
    parser.add_argument("--beam", type=int, default=4, help="beam size for every system (default: 4)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default: 20)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds the clients run (default: 30)")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default: eval/results/peers-<date>.json)")
    args = parser.parse_args(argv)
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        parser.error(f"unknown system {', '.join(unknown) or '(none)'}: choose from {', '.join(SYSTEMS)}")
    return systems, PeerOptions(args.tokens, args.beam, args.clients, args.duration), args.output


def main(argv: list[str] | None = None) -> int:
    """Run every system and save eval/results/peers-<date>.json and .md."""
    from dataclasses import asdict

    from eval.speed.bench import SHAPES, build_bench_model

    systems, options, output = parse_args(argv)
    model = build_bench_model(SHAPES["base"], None)
    load_before = os.getloadavg()
    results = []
    for name in systems:
        print(f"peers: {name} ...", flush=True)
        results.append(run_system(name, model, options))
        print(f"peers: {json.dumps(results[-1], ensure_ascii=False)}", flush=True)
    now = datetime.now(timezone.utc)
    report = {"date": now.isoformat(timespec="seconds"), "model": f"{model.name} (RANDOM weights)",
              "options": asdict(options), "results": results,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg_before": load_before,
                          "loadavg_after": os.getloadavg()}}
    out = output or RESULTS / f"peers-{now:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(to_markdown(report), encoding="utf-8")
    print(to_markdown(report))
    print(f"saved {out} and .md")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
