"""Speed benchmark (`mtbrief bench`, eval/speed/bench.py): transformers vs CTranslate2 on the real OPUS-MT shapes.

Random weights, fixed output length: speed and memory, never quality. One fresh subprocess per measurement."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from eval.translation.suites import default_flores_dir
from mt.errors import InputError, InvalidOption, MtbriefError
from mt.textio import write_output

ROOT = Path(__file__).resolve().parents[2]
SEED = 1234
INIT_STD = 0.02  # the init_std of the real configs: logits finite and distinct, nothing degenerate
BUILD_VERSION = 1  # bump when the way models are built changes, so cached ones are rebuilt
CAVEAT = ("Random weights, fixed output length: every segment is decoded to exactly the same number of "
          "tokens, so these are speed and memory figures for the real model shapes, not translations.")


@dataclass(frozen=True)
class BenchShape:
    """A model architecture to reproduce with random weights (encoder+decoder layers, shared embeddings)."""

    name: str
    like: str  # the real model whose shape this is
    d_model: int
    heads: int
    ffn: int
    vocab_size: int
    activation: str
    max_positions: int
    spm_pieces: int = 8000
    layers: int = 6


SHAPES: dict[str, BenchShape] = {s.name: s for s in (
    BenchShape("base", "Helsinki-NLP/opus-mt-ar-en", 512, 8, 2048, 62_834, "swish", 512),
    # 61,109 is the vocabulary of a public copy of the tc-big-ar-en config (the real one is ~61k).
    BenchShape("big", "Helsinki-NLP/opus-mt-tc-big-ar-en", 1024, 16, 4096, 61_109, "relu", 1024),
    BenchShape("toy", "nothing (tests only)", 32, 2, 64, 1_000, "relu", 512, spm_pieces=500, layers=2),
)}
CONFIGS: dict[str, tuple[str, str]] = {  # name -> (engine, compute type)
    "transformers-fp32": ("transformers", "float32"), "ct2-float32": ("ctranslate2", "float32"),
    "ct2-int8": ("ctranslate2", "int8")}
TARGETS = {"base": 4.5, "big": 3.0}  # CT2 int8 / transformers fp32 tokens/s; RSS <= 1/3; overhead <= 10%


@dataclass(frozen=True)
class BenchOptions:
    """What to benchmark and how."""

    shapes: tuple[str, ...] = ("base", "big")
    configs: tuple[str, ...] = tuple(CONFIGS)
    sentences: int = 500
    beam_size: int = 4
    output_tokens: int = 32
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_batch_size: int = field(default_factory=lambda: _default_batch_size())  # sentences per engine call
    out_dir: Path = ROOT / "eval" / "results"
    flores: Path | None = None  # FLORES-200 dev folder; None: $MTBRIEF_FLORES or shared/ beside the repo

    def __post_init__(self) -> None:
        for name, values, choices in (("shape", self.shapes, SHAPES), ("config", self.configs, CONFIGS)):
            for value in values or ("",):
                if value not in choices:
                    raise InvalidOption(name, value, list(choices))
        for name in ("sentences", "beam_size", "output_tokens", "threads", "max_batch_size"):
            if getattr(self, name) < 1:
                raise InvalidOption(name.replace("_", " "), getattr(self, name), ["an integer >= 1"])


def _default_batch_size() -> int:
    from mt.translator import BatchOptions

    return BatchOptions().max_batch_size


def read_flores(flores: Path | str | None, count: int | None = None, name: str = "arb_Arab.dev") -> list[str]:
    """The first `count` lines of a FLORES-200 dev file, read by path (flores, $MTBRIEF_FLORES or shared/)."""
    path = Path(flores or default_flores_dir()) / name
    if not path.is_file():
        raise InputError(str(path), "FLORES-200 dev not found (pass --flores DIR or set MTBRIEF_FLORES)")
    lines = path.read_text(encoding="utf-8").splitlines()
    if count is not None and count > len(lines):
        raise InvalidOption("sentences", count, [f"1..{len(lines)} (the lines of {name})"])
    return lines[:count]


def build_bench_model(shape: BenchShape, flores: Path | None, cache: Path | None = None) -> Path:
    """A random-weight MarianMT folder with the shape's real sizes, built once into the cache."""
    from mt.models import mtbrief_cache_dir

    texts = read_flores(flores) + read_flores(flores, name="eng_Latn.dev")
    stamp = json.dumps([asdict(shape), SEED, INIT_STD, BUILD_VERSION, texts])
    parent = (cache or mtbrief_cache_dir()) / "bench-models"
    target = parent / f"{shape.name}-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}"
    if not (target / "bench.json").is_file():  # written last: without it the folder is a broken build
        shutil.rmtree(target, ignore_errors=True)
        _write_model(shape, texts, target)
    return target


def _write_model(shape: BenchShape, texts: list[str], out: Path) -> None:
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True)
    vocab = _train_vocab(texts, out, shape)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=shape.vocab_size, d_model=shape.d_model, encoder_layers=shape.layers,
        decoder_layers=shape.layers, encoder_attention_heads=shape.heads, decoder_attention_heads=shape.heads,
        encoder_ffn_dim=shape.ffn, decoder_ffn_dim=shape.ffn, activation_function=shape.activation,
        max_position_embeddings=shape.max_positions, pad_token_id=pad, eos_token_id=0,
        decoder_start_token_id=pad, forced_eos_token_id=0, scale_embedding=True,
        share_encoder_decoder_embeddings=True, init_std=INIT_STD)
    model = MarianMTModel(config)
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "layer_norm" not in name and "embed_positions" not in name:  # positions stay sinusoidal
                param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
        model.get_input_embeddings().weight[pad].zero_()
    model.generation_config = GenerationConfig(decoder_start_token_id=pad, eos_token_id=0, pad_token_id=pad,
                                               bad_words_ids=[[pad]], max_length=512, num_beams=4)
    model.save_pretrained(out)
    MarianTokenizer(source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
                    vocab=str(out / "vocab.json")).save_pretrained(out)
    info = {"shape": asdict(shape), "parameters": sum(p.numel() for p in model.parameters()), "seed": SEED}
    (out / "bench.json").write_text(json.dumps(info, indent=1), encoding="utf-8")


def _train_vocab(texts: list[str], out: Path, shape: BenchShape) -> dict[str, int]:
    """Train source/target.spm on the texts; the OPUS-MT vocab (`</s>` 0, `<unk>` 1, `<pad>` last), padded."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_prefix=str(out / "source"), vocab_size=shape.spm_pieces,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False, minloglevel=2,
        num_threads=os.cpu_count() or 1, unk_id=1, bos_id=-1, eos_id=0, pad_id=-1)
    (out / "source.model").rename(out / "source.spm")
    (out / "source.vocab").unlink()
    shutil.copyfile(out / "source.spm", out / "target.spm")
    processor = spm.SentencePieceProcessor(model_file=str(out / "source.spm"))
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(processor.get_piece_size()):
        vocab.setdefault(processor.id_to_piece(i), len(vocab))
    # Dummies never come out of the tokenizer; they give the embedding and output layer their real size.
    for i in range(shape.vocab_size - 1 - len(vocab)):
        vocab[f"<dummy{i}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    if len(vocab) != shape.vocab_size:  # more trained pieces than the real vocabulary: a shape mistake
        raise InvalidOption("vocabulary size", shape.vocab_size, [f"more than the {len(vocab) - 1} pieces"])
    return vocab


def measure(task: dict) -> dict:
    """Load one config; time the pipeline on the sentences, then the raw engine on the batches it sent."""
    from mt.engines import DecodeOptions
    from mt.translator import BatchOptions

    sentences = read_flores(task["flores"], task["sentences"])
    decode = DecodeOptions(beam_size=task["beam_size"], fixed_length=task["output_tokens"])
    start = time.perf_counter()
    batching = BatchOptions(cache_size=0, max_batch_size=task["max_batch_size"])  # no cache: all decoded
    translator = _load(task, decode, batching)
    load_s, rss_loaded = time.perf_counter() - start, _peak_rss_mb()
    list(translator.translate_lines(sentences[:2]))  # warm-up: first-call allocations are not throughput
    engine, generate, inside, sent = translator.engine, translator.engine.generate, [0.0], []

    def recording_generate(sources, options):
        begin = time.perf_counter()
        result = generate(sources, options)
        inside[0] += time.perf_counter() - begin
        sent.append(sources)
        return result

    engine.generate = recording_generate  # an instance attribute: only this process's Translator sees it
    start = time.perf_counter()
    out = list(translator.translate_lines(sentences))
    pipeline_s = time.perf_counter() - start
    if len(out) != len(sentences):
        raise MtbriefError(f"pipeline returned {len(out)} lines for {len(sentences)}")
    start = time.perf_counter()  # the raw engine on exactly the batches the pipeline split and tokenized
    lengths = [len(nbest[0]) for batch in sent for nbest in generate(batch, decode)]
    raw_s = time.perf_counter() - start
    return {"load_s": load_s, "raw_s": raw_s, "pipeline_s": pipeline_s, "engine_in_pipeline_s": inside[0],
            "segments": len(lengths), "mean_output_tokens": sum(lengths) / len(lengths),
            "batches": len(sent), "source_tokens": sum(len(src) for batch in sent for src in batch),
            "rss_after_load_mb": rss_loaded, "torch_imported": "torch" in sys.modules,
            "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    # Not ru_maxrss: Linux carries the parent's peak into a fork+exec'd child. VmHWM is this process's own.
    status = Path("/proc/self/status").read_text(encoding="utf-8") if sys.platform == "linux" else ""
    hwm = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(hwm[0]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def _load(task: dict, decode, batching):
    from mt.translator import Translator

    if task["engine"] == "transformers":
        import torch

        torch.set_num_threads(task["threads"])  # Translator.load's threads are CTranslate2's only
    return Translator.load(task["model"], engine=task["engine"], device="cpu", decode=decode,
                           batching=batching, compute_type=task["compute_type"], threads=task["threads"])


def convert_seconds(folder: Path, compute_type: str) -> float:
    """Convert a model to CTranslate2 once (cached); the seconds it took (about 0 when it was cached)."""
    from mt.models import ct2_model_dir, resolve_model

    start = time.perf_counter()
    ct2_model_dir(resolve_model(str(folder)), compute_type)
    return time.perf_counter() - start


def run_worker(task: dict) -> dict:
    """Run one task in a fresh Python process (so it has its own peak RSS); its JSON result."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, "-m", "eval.speed.bench", "--worker"], input=json.dumps(task, default=str),
                          text=True, stdout=subprocess.PIPE, env=env, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise MtbriefError(f"benchmark worker ({task['config']}) failed with exit code "
                           f"{proc.returncode}; its error is on stderr above")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_bench(options: BenchOptions, log: Callable[[str], None] = print) -> dict:
    """Benchmark every shape x config; the report (also written as JSON and Markdown into out_dir)."""
    read_flores(options.flores, options.sentences)  # fail before building anything
    report = {"date": datetime.date.today().isoformat(), "machine": machine_info(), "caveat": CAVEAT,
              "settings": {"sentences": options.sentences, "beam_size": options.beam_size,
                           "output_tokens": options.output_tokens, "threads": options.threads,
                           "max_batch_size": options.max_batch_size,
                           "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX")},
              "shapes": {}, "rows": []}
    for name in options.shapes:
        start = time.perf_counter()
        folder = build_bench_model(SHAPES[name], options.flores)
        info = json.loads((folder / "bench.json").read_text(encoding="utf-8"))
        report["shapes"][name] = {**asdict(SHAPES[name]), "parameters": info["parameters"],
                                  "model_dir": str(folder), "build_s": time.perf_counter() - start}
        for config in options.configs:
            log(f"bench: {name} / {config} ...")
            report["rows"].append(_measure_config(options, name, folder, config))
    report["ratios"] = ratios(report["rows"])
    save_report(report, options.out_dir)
    return report


def _measure_config(options: BenchOptions, shape: str, folder: Path, config: str) -> dict:
    engine, compute_type = CONFIGS[config]
    task = {**asdict(options),
            "model": folder, "engine": engine, "compute_type": compute_type, "config": config}
    convert_s = convert_seconds(folder, compute_type) if engine == "ctranslate2" else None
    r = run_worker(task)
    tokens, inside = r["segments"] * options.output_tokens, r["engine_in_pipeline_s"]
    return {"shape": shape, "config": config, "engine": engine, "compute_type": compute_type,
            "sentences": options.sentences, **r, "convert_s": convert_s,
            "sentences_per_s": options.sentences / r["pipeline_s"], "tokens_per_s": tokens / r["pipeline_s"],
            "raw_tokens_per_s": tokens / r["raw_s"],
            "overhead_pct": 100 * (r["pipeline_s"] - r["raw_s"]) / r["raw_s"],
            "outside_engine_pct": 100 * (r["pipeline_s"] - inside) / inside}


def ratios(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per shape where both ran: CT2 int8 / transformers fp32 tokens/s (pipeline, raw) and peak RSS."""
    by_key = {(r["shape"], r["config"]): r for r in rows}
    pairs = {s: (by_key.get((s, "transformers-fp32")), by_key.get((s, "ct2-int8"))) for s, _ in by_key}
    return {shape: {"int8_speedup": int8["tokens_per_s"] / fp32["tokens_per_s"],
                    "int8_raw_speedup": int8["raw_tokens_per_s"] / fp32["raw_tokens_per_s"],
                    "int8_rss_ratio": int8["peak_rss_mb"] / fp32["peak_rss_mb"]}
            for shape, (fp32, int8) in pairs.items() if fp32 and int8}


def machine_info() -> dict:
    """CPU model, core count, OS and the versions of the libraries measured."""
    from importlib.metadata import version

    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").is_file() else ""
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    info = {"cpu": names[0] if names else platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version(), "os": platform.platform()}
    return info | {name: version(name) for name in ("torch", "ctranslate2", "transformers", "sentencepiece")}


COLUMNS = (("sentences/s", "sentences_per_s", 2), ("target tokens/s", "tokens_per_s", 1), ("peak RSS MB",
           "peak_rss_mb", 0), ("load s", "load_s", 2), ("CT2 convert s", "convert_s", 1), ("pipeline s",
           "pipeline_s", 1), ("raw engine s", "raw_s", 1), ("overhead %", "overhead_pct", 1),
           ("outside engine %", "outside_engine_pct", 1))


def to_markdown(report: dict) -> str:
    """The report as Markdown: settings, machine, one row per shape x config, the ratios vs the targets."""
    s, m = report["settings"], report["machine"]
    lines = [f"# mtbrief speed benchmark, {report['date']}", "", f"**{report['caveat']}**", "",
             f"{s['sentences']} FLORES-200 dev Arabic sentences, beam {s['beam_size']}, {s['output_tokens']} "
             f"output tokens per segment, {s['threads']} threads, batches of at most "
             f"{s.get('max_batch_size', 32)} sentences{_arena_note(s)}. Machine: {m['cpu']}, {m['cores']} cores; "
             f"torch {m['torch']}, ctranslate2 {m['ctranslate2']}, transformers {m['transformers']}.", "",
             "| shape | config | " + " | ".join(title for title, _, _ in COLUMNS) + " |",
             "|---|---|" + "--:|" * len(COLUMNS)]
    for r in report["rows"]:
        cells = [r["shape"], r["config"], *("—" if r[k] is None else f"{r[k]:,.{d}f}" for _, k, d in COLUMNS)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| shape | params | CT2 int8 / transformers fp32 tokens/s (raw engine) | target "
              "| CT2 int8 / transformers fp32 peak RSS | target |", "|---|--:|--:|--:|--:|--:|"]
    for shape, q in report["ratios"].items():
        target = f"≥ {TARGETS[shape]:.1f}×" if shape in TARGETS else "—"
        params = report["shapes"][shape]["parameters"] / 1e6
        lines.append(f"| {shape} | {params:.1f}M | {q['int8_speedup']:.2f}× ({q['int8_raw_speedup']:.2f}×) "
                     f"| {target} | {q['int8_rss_ratio']:.2f} | ≤ 0.33 |")
    lines += ["", "Target tokens = segments × output tokens (a line the splitter cuts in two counts twice). "
              "Overhead % = (pipeline − raw engine) / raw engine on the same batches; outside engine % = the "
              "pipeline's time outside `engine.generate` / its time inside (target for both: ≤ 10%).", ""]
    return "\n".join(lines)


def _arena_note(settings: dict) -> str:
    arenas = settings.get("malloc_arena_max")
    return f", MALLOC_ARENA_MAX={arenas} (CT2's own arena cap off)" if arenas else ""


def save_report(report: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write bench-<date>.json and bench-<date>.md into out_dir; their paths."""

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"bench-{report['date']}.json", out_dir / f"bench-{report['date']}.md"
    write_output(str(json_path), json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    write_output(str(md_path), to_markdown(report))
    return json_path, md_path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `bench` subcommand."""
    p = subparsers.add_parser("bench", help="speed benchmark on random-weight models of the real shapes")
    csv = lambda text: tuple(filter(None, map(str.strip, text.split(","))))  # noqa: E731
    p.add_argument("--shapes", type=csv, default=("base", "big"), help=f"comma list of {','.join(SHAPES)}")
    p.add_argument("--configs", type=csv, default=tuple(CONFIGS), help=f"comma list of {','.join(CONFIGS)}")
    p.add_argument("--sentences", type=int, default=500, help="FLORES dev sentences (default: 500)")
    p.add_argument("--beam-size", type=int, default=4, help="the product's default: 4")
    p.add_argument("--output-tokens", type=int, default=32, help="fixed output length per segment")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="default: all %(default)s cores")
    p.add_argument("--max-batch-size", type=int, default=_default_batch_size(),
                   help="sentences per engine call (default: the Translator's, %(default)s)")
    p.add_argument("-o", "--output-dir", dest="out_dir", type=Path, default=ROOT / "eval" / "results",
                   help="where bench-<date>.json and .md go (default: eval/results)")
    p.add_argument("--flores", type=Path, default=None, help="FLORES-200 dev folder")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed options and print its Markdown report."""
    options = BenchOptions(**{f.name: getattr(args, f.name) for f in fields(BenchOptions)})
    report = run_bench(options, log=lambda text: print(text, file=sys.stderr))
    print(to_markdown(report))
    print(f"saved {options.out_dir}/bench-{report['date']}.json and .md", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """eval/speed/bench.py: the `bench` subcommand alone (its options, errors as one line + exit 2)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--worker"]:  # one measurement for run_worker: task JSON in, result JSON out
        print(json.dumps(measure(json.loads(sys.stdin.read()))))
        return 0
    parser = argparse.ArgumentParser(prog="eval/speed/bench.py")
    register(parser.add_subparsers(required=True))
    args = parser.parse_args(["bench", *argv])
    try:
        return args.func(args)
    except MtbriefError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
