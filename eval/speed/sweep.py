"""Sweep of the batch command's speed settings on this machine: threads per batch x batches at once x batch size.

    python -m eval.speed.sweep                       # 40 short news files and 4 long documents from ant-dev
    python -m eval.speed.sweep --rounds 3 --quick    # fewer grid points, more head-to-head rounds

`mtbrief translate DIR -o OUT` runs on two folders written into a temporary folder from
../shared/data/ant-dev/articles.jsonl (never into the repo): short news articles, one a file, and the longest
articles as long documents. The model is `mtbrief bench`'s random-weight opus-mt-ar-en base shape, CTranslate2
int8, beam 4, every sentence decoded to exactly --output-tokens tokens: speed figures, not translations.

Phase 1, the grid: every setting once on each folder (order reversed on the second folder). Phase 2, head to head:
the defaults (what `mtbrief translate` picks with no flag), the grid's best and the old defaults (one file at a
time, 1 batch x all cores: the code before issue 29) in alternating order for --rounds rounds; the defaults'
share of the best is the median of the per-round ratios, with their spread. Every run is a fresh process; its
sentences/s excludes the model load; CPU seconds (user + system, all threads) per sentence are reported beside
it; /proc/loadavg is recorded with every run, since the machine is shared. Writes eval/results/sweep-<date>.json
and .md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from eval.results import RESULTS, save_results
from eval.shared_data import ANT_ARTICLES
from mt.batch.recorder import Recorder

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One way to run the batch: batches at once, threads per batch, sentences per batch, files sharing batches."""

    workers: int  # 0: the default (from the usable cores)
    threads: int  # 0: the default
    batch: int  # 0: the Translator's default
    packed: bool = True  # files share batches (packs); False: one file at a time, its own batches
    files_at_once: int = 1  # unpacked only: files translated at once

    @property
    def label(self) -> str:
        """e.g. '2x1 b24 packs'; 'defaults' for the settings `mtbrief translate` picks itself."""
        if (self.workers, self.threads, self.batch, self.packed) == (0, 0, 0, True):
            return "defaults"
        packing = "packs" if self.packed else f"{self.files_at_once} file{'s' * (self.files_at_once > 1)} at once"
        return f"{self.workers} batches x {self.threads} threads, batch {self.batch}, {packing}"


DEFAULTS = Setting(0, 0, 0)


def old_defaults(cores: int) -> Setting:
    """What `mtbrief translate DIR -o OUT` did before: one file at a time, one batch on every core, batch 24."""
    return Setting(1, cores, 24, packed=False)


def grid(cores: int, sizes: tuple[int, ...]) -> list[Setting]:
    """Batches at once x threads (each up to the cores, products up to twice them: oversubscription is measured,
    not assumed) x batch sizes; and the old defaults and one file per worker without shared batches."""
    pairs = [(w, t) for w in _powers(cores) for t in _powers(cores) if w * t <= 2 * cores]
    return [Setting(w, t, b) for w, t in pairs for b in sizes] + [old_defaults(cores), Setting(cores, 1, 24, False, 2)]


def _powers(limit: int) -> list[int]:
    return [n for n in (1, 2, 4, 8, 16, 32, 64, 128) if n <= limit]


def write_folders(tmp: Path, short: int, long: int) -> dict[str, dict]:
    """Short news files (median-length articles, one a file) and the longest articles; their sizes."""
    if not ANT_ARTICLES.is_file():
        raise SystemExit(f"sweep: {ANT_ARTICLES} not found (the ant-dev articles, ../shared beside the repo)")
    rows = [json.loads(line) for line in ANT_ARTICLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [f"{row['title']}\n\n{row['text']}" for row in rows if row.get("text")]
    by_length = sorted(texts, key=len)
    middle = len(by_length) // 2
    folders = {"short news": by_length[middle - short // 2: middle - short // 2 + short],
               "long documents": by_length[-long:]}
    info, seen = {}, set()
    for name, chosen in folders.items():
        folder = tmp / name.replace(" ", "-")
        folder.mkdir()
        kept, dropped = [], 0
        for i, text in enumerate(chosen):
            # A line met before (an outlet's boilerplate) is left out: every measured sentence is decoded.
            given = [line for line in text.splitlines() if line.strip()]
            lines = [line for line in given if line not in seen]
            seen.update(lines)
            kept, dropped = kept + lines, dropped + len(given) - len(lines)
            (folder / f"{i:03}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        info[name] = {"path": str(folder), "files": len(chosen), "bytes": sum(len(t.encode()) for t in kept),
                      "lines": len(kept), "repeated_lines_left_out": dropped}
    return info


def measure(task: dict) -> dict:
    """In a fresh process: the batch command on the folder with one setting; wall and CPU seconds after the load."""
    from mt.batch.files import Selection, plan_batch
    from mt.batch.packs import PackOptions
    from mt.batch.runner import run_local
    from mt.batch.spec import ModelSpec
    from mt.machine import default_parallelism
    from mt.translator import BatchOptions

    setting = Setting(**task["setting"])
    spec, signature = ModelSpec(task["model"], device="cpu", compute_type="int8", threads=setting.threads,
                                max_batch_size=setting.batch, output_tokens=task["output_tokens"]).resolved()
    out = Path(task["out"])
    out.mkdir(parents=True)
    plan = plan_batch(Selection(Path(task["input"]), out), signature)
    packing = PackOptions() if setting.packed else PackOptions(files=1, in_flight=setting.files_at_once)
    with _TimedRecorder(out, signature, len(plan.todo), True) as recorder:
        run_local(spec, plan, recorder, setting.workers, packing)
        seconds, cpu = time.perf_counter() - recorder.started, _cpu_s() - recorder.cpu_started
    engine = default_parallelism("cpu", workers=setting.workers, threads=setting.threads)  # what the engine got
    from eval.speed.bench import _peak_rss_mb

    return {"seconds": seconds, "cpu_s": cpu, "peak_rss_mb": round(_peak_rss_mb()), "sentences": recorder.segments,
            "files": recorder.ok,
            "failed": len(recorder.failures), "workers": engine.workers, "threads": engine.threads,
            "max_batch_size": setting.batch or BatchOptions().max_batch_size}


def _cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _TimedRecorder(Recorder):
    """A Recorder that also notes the process's CPU seconds when the clock starts (after the model load)."""

    cpu_started = 0.0

    def start(self) -> None:
        """Start the clock and note the CPU seconds so far."""
        super().start()
        self.cpu_started = _cpu_s()


def run_one(model: str, folder: dict, setting: Setting, output_tokens: int, tmp: Path) -> dict:
    """One run in a fresh process; sentences/s, CPU s per sentence and the load average beside it."""
    out = Path(tempfile.mkdtemp(dir=tmp, prefix="out-"))
    task = {"model": model, "input": folder["path"], "out": str(out / "o"), "setting": asdict(setting),
            "output_tokens": output_tokens}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, "-m", "eval.speed.sweep", "--worker"], input=json.dumps(task), text=True,
                          stdout=subprocess.PIPE, env=env, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"sweep: the run of {setting.label} failed (exit {proc.returncode}); see stderr above")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"setting": setting.label, **r, "out": task["out"], "sentences_per_s": r["sentences"] / r["seconds"],
            "cpu_s_per_sentence": r["cpu_s"] / r["sentences"], "loadavg": os.getloadavg()}


def run_sweep(model: str, folders: dict[str, dict], grids: dict[str, list[Setting]], rounds: int,
              output_tokens: int, tmp: Path, log=print) -> dict:
    """Phase 1 (the grid, once), phase 2 (defaults, best and old defaults alternated) and the neighbour check
    (the defaults' outputs against each file translated alone) on every folder."""
    report: dict = {"grid": {}, "head_to_head": {}, "neighbours": {}}
    for n, (name, folder) in enumerate(folders.items()):
        settings = grids[name]
        order = settings if n % 2 == 0 else settings[::-1]
        rows = []
        for setting in order:
            rows.append({**run_one(model, folder, setting, output_tokens, tmp), "setting_fields": asdict(setting)})
            log(f"sweep: {name}: {rows[-1]['setting']}: {rows[-1]['sentences_per_s']:.2f} sentences/s, "
                f"{rows[-1]['cpu_s_per_sentence']:.3f} CPU s per sentence, load {rows[-1]['loadavg'][0]:.1f}")
        report["grid"][name] = rows
        best = max(rows, key=lambda row: row["sentences_per_s"])
        contenders = [DEFAULTS, Setting(**best["setting_fields"]), old_defaults(_cores())]
        report["head_to_head"][name] = head_to_head(model, folder, contenders, rounds, output_tokens, tmp, log)
        alone = run_one(model, folder, Setting(0, 0, 0, packed=False), output_tokens, tmp)
        packed = report["head_to_head"][name]["contenders"]["defaults"]["runs"][0]
        report["neighbours"][name] = compare_outputs(Path(packed["out"]), Path(alone["out"]))
        log(f"sweep: {name}: neighbours {report['neighbours'][name]}")
    return report


def compare_outputs(packed: Path, alone: Path) -> dict:
    """How many files, lines and words of the packed run differ from one file at a time (same engine settings)."""
    files = lines = words = changed_files = changed_lines = changed_words = 0
    for path in sorted(alone.glob("*.txt")):
        a = path.read_text(encoding="utf-8").splitlines()
        b = (packed / path.name).read_text(encoding="utf-8").splitlines()
        files, lines = files + 1, lines + len(a)
        changed_files += a != b
        for x, y in zip(a, b, strict=True):
            changed_lines += x != y
            wx, wy = x.split(), y.split()
            words += len(wx)
            changed_words += sum(p != q for p, q in zip(wx, wy, strict=False)) + abs(len(wx) - len(wy))
    return {"files": files, "files_changed": changed_files, "lines": lines, "lines_changed": changed_lines,
            "words": words, "words_changed": changed_words}


def head_to_head(model: str, folder: dict, contenders: list[Setting], rounds: int, output_tokens: int, tmp: Path,
                 log=print) -> dict:
    """The contenders in alternating order, `rounds` times; per-round ratios to the best of the grid."""
    runs: dict[str, list[dict]] = {s.label: [] for s in contenders}
    for r in range(rounds):
        for setting in contenders if r % 2 == 0 else contenders[::-1]:
            runs[setting.label].append(run_one(model, folder, setting, output_tokens, tmp))
            log(f"sweep: head to head {r + 1}: {setting.label}: {runs[setting.label][-1]['sentences_per_s']:.2f}")
    best_label = contenders[1].label
    summary = {}
    for label, rows in runs.items():
        ratios = [row["sentences_per_s"] / ref["sentences_per_s"] for row, ref in zip(rows, runs[best_label],
                                                                                       strict=True)]
        summary[label] = {"sentences_per_s": [round(row["sentences_per_s"], 3) for row in rows],
                          "cpu_s_per_sentence": [round(row["cpu_s_per_sentence"], 4) for row in rows],
                          "ratio_to_best": {"median": round(statistics.median(ratios), 3),
                                            "min": round(min(ratios), 3), "max": round(max(ratios), 3)},
                          "loadavg": [row["loadavg"] for row in rows], "runs": rows}
    return {"best": best_label, "contenders": summary}


def _cores() -> int:
    from mt.machine import usable_cores

    return usable_cores()


def to_markdown(report: dict) -> str:
    """The grid (per folder, best first) and the head-to-head table."""
    lines = [f"# Batch speed sweep, {report['date']}", "", f"**{report['caveat']}**", "",
             f"Machine: {report['machine']}; defaults picked: {report['defaults']}.", ""]
    for name, folder in report["folders"].items():
        lines += [f"## {name}: {folder['files']} files, {folder['bytes']:,} bytes, {folder['lines']} lines "
                  "(each line once)", "", "Head to head (alternated, "
                  f"{report['rounds']} rounds; ratio = median of per-round ratios to the best, min-max):", "",
                  "| setting | sentences/s | CPU s / sentence | × best | peak RSS MB | load average (1 min) |",
                  "|---|--:|--:|--:|--:|--:|"]
        for label, c in report["head_to_head"][name]["contenders"].items():
            q = c["ratio_to_best"]
            lines.append(f"| {label} | {' / '.join(f'{v:.2f}' for v in c['sentences_per_s'])} | "
                         f"{statistics.median(c['cpu_s_per_sentence']):.3f} | {q['median']:.3f} "
                         f"({q['min']:.2f}-{q['max']:.2f}) | {max(r['peak_rss_mb'] for r in c['runs'])} | "
                         f"{' / '.join(f'{a[0]:.1f}' for a in c['loadavg'])} |")
        nb = report["neighbours"][name]
        lines += ["", f"Batch neighbours: against each file translated alone with the same settings, "
                      f"{nb['files_changed']} of {nb['files']} files, {nb['lines_changed']} of {nb['lines']} lines "
                      f"and {nb['words_changed']} of {nb['words']} words differ (int8, random weights)."]
        lines += ["", "Grid (one run each):", "", "| setting | sentences/s | CPU s / sentence | load average |",
                  "|---|--:|--:|--:|"]
        for row in sorted(report["grid"][name], key=lambda row: -row["sentences_per_s"]):
            lines.append(f"| {row['setting']} | {row['sentences_per_s']:.2f} | {row['cpu_s_per_sentence']:.3f} | "
                         f"{row['loadavg'][0]:.1f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the sweep, print the Markdown report, save eval/results/sweep-<date>.json and .md."""
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--worker"]:
        print(json.dumps(measure(json.loads(sys.stdin.read()))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=24, help="short news files (default: 24)")
    parser.add_argument("--long", type=int, default=2, help="long documents (default: 2)")
    parser.add_argument("--rounds", type=int, default=3, help="head-to-head rounds (default: 3)")
    parser.add_argument("--output-tokens", type=int, default=32, help="fixed output length (default: 32)")
    parser.add_argument("--sizes", default="12,24,48", help="batch sizes of the grid on short news (default: "
                        "12,24,48; the long documents' grid takes 24 only)")
    parser.add_argument("--flores", type=Path, default=None, help="FLORES-200 dev folder (builds the model's vocab)")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default: eval/results/sweep-<date>.json)")
    args = parser.parse_args(argv)
    from eval.speed.bench import CAVEAT, SHAPES, build_bench_model, convert_seconds, machine_info
    from mt.machine import default_parallelism

    model = build_bench_model(SHAPES["base"], args.flores)
    convert_seconds(model, "int8")  # converted once, before any run is timed
    cores = _cores()
    with tempfile.TemporaryDirectory(prefix="mtbrief-sweep-") as name:
        tmp = Path(name)
        folders = write_folders(tmp, args.short, args.long)
        report = {"date": datetime.date.today().isoformat(), "caveat": CAVEAT, "machine": machine_info(),
                  "usable_cores": cores, "defaults": default_parallelism("cpu", cores).describe(),
                  "rounds": args.rounds, "output_tokens": args.output_tokens, "loadavg_before": os.getloadavg(),
                  "folders": folders}
        sizes = tuple(int(size) for size in args.sizes.split(","))
        grids = {"short news": grid(cores, sizes), "long documents": grid(cores, (24,))}
        report |= run_sweep(str(model), folders, grids, args.rounds, args.output_tokens, tmp,
                            log=lambda text: print(text, file=sys.stderr, flush=True))
    report["loadavg_after"] = os.getloadavg()
    out = args.output or RESULTS / f"sweep-{report['date']}.json"
    save_results(out, report, to_markdown(report))
    print(to_markdown(report))
    print(f"saved {out} and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
