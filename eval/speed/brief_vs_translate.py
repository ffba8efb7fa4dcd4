"""Time `mtbrief brief` against `mtbrief translate` on a 40-sentence report, side by side in one process.

The model is a random-weight MarianMT of the real opus-mt-ar-en shape (eval/speed/bench.py builds it; CTranslate2
int8, beam 4, CPU) decoding a fixed number of tokens per sentence, with no cache: speed, not translations.
Both commands run through their own code (argparse and the command functions; the loaded translator is handed
to them, so model loading is left out of both), alternately, after one untimed warm-up of each; also timed:
the brief as it was before issue 19 (translate everything, check everything, then brief). The report is the
first 40 FLORES-200 dev sentences, one paragraph each.

    python eval/speed/brief_vs_translate.py [--sentences 40] [--repeat 3] [--output-tokens 40] [--shape base]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def load(shape: str, output_tokens: int, threads: int):
    """The random-weight model of the real shape, CTranslate2 int8, fixed output length, no cache."""
    from eval.speed.bench import SHAPES, build_bench_model
    from mt.engines import DecodeOptions
    from mt.translator import BatchOptions, Translator

    folder = build_bench_model(SHAPES[shape], None)
    return Translator.load(str(folder), engine="ctranslate2", device="cpu", compute_type="int8",
                           decode=DecodeOptions(beam_size=4, fixed_length=output_tokens),
                           batching=BatchOptions(cache_size=0), threads=threads)


def counting(translator) -> list[int]:
    """Count the sentences the engine receives (an instance attribute: only this translator)."""
    sent = [0]
    generate = translator.engine.generate

    def recording(tokens, options):
        """The engine's generate, counting its inputs."""
        sent[0] += len(tokens)
        return generate(tokens, options)

    translator.engine.generate = recording
    return sent


def commands(translator, report: Path, out: Path) -> dict:
    """name -> a function running it once: the two commands (their argparse + run), and the brief before."""
    import mt.cli
    from summarize import check_translation, make_brief

    mt.cli.translator_from_args = lambda args: translator  # both commands take the loaded model

    def command(*argv: str):
        """`mtbrief ARGV` parsed once, as a function that runs it."""
        parser = argparse.ArgumentParser(prog="mtbrief")
        subparsers = parser.add_subparsers(dest="command", required=True)
        mt.cli.register_translate(subparsers)
        from summarize.cli import register

        register(subparsers)
        args = parser.parse_args([*argv, "-q"] if argv[0] == "translate" else list(argv))
        return lambda: args.func(args)

    text = report.read_text(encoding="utf-8")
    return {"mtbrief translate": command("translate", str(report), "-o", str(out / "en.txt")),
            "mtbrief brief": command("brief", str(report), "-o", str(out / "brief.md")),
            "brief before issue 19 (translate all, check all, brief)":
                lambda: make_brief(check_translation(translator.translate(text)), stories=None)}


def measure(args: argparse.Namespace) -> dict:
    """Warm up each, then time them alternately `repeat` times; medians and engine inputs."""
    from eval.speed.bench import machine_info, read_flores

    translator = load(args.shape, args.output_tokens, args.threads)
    sent = counting(translator)
    with tempfile.TemporaryDirectory(prefix="mtbrief-speed-") as tmp:
        report = Path(tmp) / "report.ar.txt"
        report.write_text("\n".join(read_flores(None, args.sentences)) + "\n", encoding="utf-8")
        runs = commands(translator, report, Path(tmp))
        times: dict[str, list[float]] = {name: [] for name in runs}
        inputs: dict[str, int] = {}
        for run in runs.values():  # warm-up: the encoder and first-call allocations, alike for all
            run()
        for _ in range(args.repeat):
            for name, run in runs.items():
                sent[0] = 0
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
                inputs[name] = sent[0]
    rows = {name: {"median_s": round(statistics.median(t), 3), "min_s": round(min(t), 3),
                   "engine_inputs": inputs[name]} for name, t in times.items()}
    base = rows["mtbrief translate"]["median_s"]
    for row in rows.values():
        row["vs_translate"] = round(row["median_s"] / base, 3)
    return {"sentences": args.sentences, "shape": args.shape, "output_tokens": args.output_tokens,
            "repeat": args.repeat, "threads": args.threads, "rows": rows, "machine": machine_info(),
            "caveat": "random weights of the real opus-mt-ar-en shape, CTranslate2 int8, beam 4, "
                      f"{args.output_tokens} output tokens per sentence, no cache; model load excluded"}


def main(argv: list[str] | None = None) -> int:
    """Measure, print a table, save eval/results/brief-speed-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output-tokens", type=int, default=40)
    parser.add_argument("--shape", default="base", choices=("base", "big"))
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    result = measure(args)
    print(f"{result['sentences']}-sentence report; {result['caveat']}")
    for name, row in result["rows"].items():
        print(f"{name}: {row['median_s']} s median (x{row['vs_translate']} of translate), "
              f"{row['engine_inputs']} sentences sent to the model")
    path = ROOT / "eval" / "results" / f"brief-speed-{time.strftime('%Y-%m-%d')}.json"
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"saved {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
