"""The `mtbrief` command: translate and models, plus the subcommands other packages register (brief, serve,
eval, bench). The top of the house: library modules never import this one; command modules may."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from mt.documents.base import check_suffix, is_document
from mt.errors import InputError
from mt.guard import run_command
from mt.htmltext import has_arabic
from mt.memory.options import add_glossary_options
from mt.outputs import check_output_path
from mt.progress import progress_bar
from mt.textio import (
    open_output,
    read_bytes_input,
    read_text_input,
    text_lines,
)
from mt.writers import write_segments_jsonl, write_unchanged

if TYPE_CHECKING:
    from mt.translator import Translator

# Subcommands of this package; the others arrive through the "mtbrief.commands" entry points,
# so mt never imports the packages built on top of it.
CORE_COMMANDS = ("mt.cli:register_translate", "mt.cli:register_models", "mt.memory.cli:register")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Add --model --engine --device --compute-type --beam-size --quiet to a subcommand."""
    from mt.models import DEFAULT_MODEL

    group = parser.add_argument_group("model")
    group.add_argument("--model", default=os.environ.get("MTBRIEF_MODEL", DEFAULT_MODEL),
                       help="preset name, hub id or local folder (default: %(default)s)")
    group.add_argument("--revision", default=None, help="hub revision (branch, tag or commit)")
    group.add_argument("--engine", default="ctranslate2", choices=["ctranslate2", "transformers"])
    group.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    group.add_argument("--compute-type", default="default",
                       help="int8 (CT2 CPU default), float16 (CUDA default), float32, ...")
    group.add_argument("--beam-size", type=int, default=4)
    group.add_argument("--jobs", type=int, default=None,
                       help="batches decoded at once (CTranslate2 workers; default: from the usable cores)")
    group.add_argument("--threads", type=int, default=None,
                       help="CPU threads per batch (default: from the usable cores; jobs x threads <= cores)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def translator_from_args(args: argparse.Namespace) -> Translator:
    """Load the Translator the model options of a parsed command line ask for (--jobs / --threads left out: from
    the machine, mt.machine.default_parallelism)."""
    from mt.machine import parallelism_from_args
    from mt.memory.options import steering_from_args
    from mt.translator import Translator

    workers, threads = parallelism_from_args(args)
    return Translator.load(model=args.model, engine=args.engine, device=args.device,
                           compute_type=args.compute_type, beam_size=args.beam_size, revision=args.revision,
                           workers=workers, threads=threads,
                           **steering_from_args(args, getattr(args, "char_limit", None)))



# -- translate --------------------------------------------------------------------------------------------

def register_translate(subparsers: argparse._SubParsersAction) -> None:
    """Add the `translate` subcommand."""
    # conflict_handler="resolve": translate redefines --engine to add the batch-only `ray` runner.
    p = subparsers.add_parser("translate", help="translate Arabic files, stdin or a folder to English",
                              conflict_handler="resolve")
    p.add_argument("inputs", nargs="*", default=["-"], metavar="FILE",
                   help="files, - for stdin (default), or one folder (batch mode: -o names the output folder)")
    p.add_argument("-o", "--output", default=None, help="output file (default: stdout) or output folder")
    p.add_argument("--format", default="text", choices=["text", "jsonl"],
                   help="text keeps paragraphs; jsonl gives one object per segment")
    p.add_argument("--bilingual", action="store_true",
                   help="documents: Arabic beside English (.docx table, .html side by side, .srt both lines)")
    add_model_options(p)
    add_glossary_options(p)
    batch = p.add_argument_group("folders (batch mode, resumable: see OUTDIR/.mtbrief-manifest.jsonl)")
    batch.add_argument("--engine", default="ctranslate2", choices=["ctranslate2", "transformers", "ray"],
                       help="ray: translate a folder on a Ray cluster, CTranslate2 in each actor")
    batch.add_argument("--recursive", action="store_true", help="also translate the subfolders")
    batch.add_argument("--glob", action="append", metavar="PATTERN",
                       help="files to take, repeatable (default: *.txt *.md *.jsonl and every document type)")
    batch.add_argument("--field", default=None, help="the key translated in .jsonl files (default: text; "
                       "the English goes in FIELD_en)")
    batch.add_argument("--pack-files", type=int, default=None, help="files whose sentences share engine batches, "
                       "at most (default: 64, or 16 KiB of input; 1: each file in batches of its own)")
    batch.add_argument("--ray-address", default=None, help="Ray cluster (auto, or host:port; default: local)")
    batch.add_argument("--ray-actors", type=int, default=None, help="Ray actors, one model each (default 2)")
    batch.add_argument("--ray-batch-size", type=int, default=None, help="files per actor call (default 4)")
    batch.add_argument("--ray-cpus-per-actor", type=float, default=None,
                       help="CPUs Ray reserves per actor (default 1): sets actors per node")
    p.set_defaults(func=run_translate)


def run_translate(args: argparse.Namespace) -> int:
    """Translate every input into one output; all inputs are checked before the model loads."""
    if any(Path(i).is_dir() for i in args.inputs if i != "-"):
        from mt.batch.runner import run_batch  # a folder means batch mode

        return run_batch(args)
    batch_only = [f"--{name.replace('_', '-')}" for name in ("glob", "field", "pack_files", "ray_address",
                  "ray_actors", "ray_batch_size", "ray_cpus_per_actor") if getattr(args, name) is not None]
    batch_only = ["--engine ray"] * (args.engine == "ray") + ["--recursive"] * args.recursive + batch_only
    if batch_only:
        raise InputError(args.inputs[0], f"{', '.join(batch_only)}: only for a folder input "
                         "(`mtbrief translate DIR -o OUTDIR`)")
    if args.bilingual or any(is_document(name) for name in [*args.inputs, args.output or ""]):
        return run_translate_document(args)
    for name in args.inputs:
        check_suffix(name)
    texts = [(name, read_text_input(name)) for name in args.inputs]
    check_output_path(args.output, args.inputs)  # before the model loads: a bad -o loses no work
    translator = translator_from_args(args)
    with open_output(args.output) as out:
        for name, text in texts:
            if not has_arabic(text):  # as the API does: the same text never gets two treatments
                write_unchanged(translator, text, name, args.format, out)
                continue
            if args.format == "jsonl":
                write_segments_jsonl(translator.translate(text), name, out)
                continue
            lines = text_lines(text)
            update = progress_bar(len(lines), args.quiet)
            for line in translator.translate_lines(lines, on_progress=update):
                out.write(line + "\n")
    return 0


def run_translate_document(args: argparse.Namespace) -> int:
    """One document in, one out (`translate report.docx -o report.en.docx`); the format from the suffixes."""
    from mt.documents import TEXT_OUTPUTS, default_output_name, load_document, output_suffix, translate_document

    if len(args.inputs) != 1 or args.inputs[0] == "-":
        raise InputError(" ".join(args.inputs), "documents are translated one at a time, from a file "
                         "(for many, put them in a folder: `mtbrief translate DIR -o OUTDIR`)")
    if args.format != "text":
        raise InputError(args.inputs[0], "--format jsonl is for text input; a document is written as a document")
    name = args.inputs[0]
    data = read_bytes_input(name)
    doc = load_document(data, name)  # a bad document fails before the model loads
    suffix = output_suffix(doc, None if args.output in (None, "-") else Path(args.output).suffix, args.bilingual)
    output = args.output or default_output_name(name, suffix)
    if output == "-" and suffix not in TEXT_OUTPUTS:
        raise InputError(name, f"a {suffix} document cannot go to stdout: name the output file with -o")
    check_output_path(output, [name])  # before the model loads: a bad -o loses no work
    translator = translator_from_args(args)
    result = translate_document(translator, data, name, suffix, args.bilingual)
    with open_output(output, binary=True) as out:
        out.write(result.data)
    if args.output is None:
        print(f"mtbrief: wrote {output}", file=sys.stderr)
    return 0


# -- models -----------------------------------------------------------------------------------------------

def register_models(subparsers: argparse._SubParsersAction) -> None:
    """Add the `models` subcommand (list, download, convert)."""
    p = subparsers.add_parser("models", help="list, download or convert translation models")
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="the presets, with licence, size and published score")
    for action in ("download", "convert"):
        q = sub.add_parser(action, help=f"{action} a model ahead of time")
        q.add_argument("name", help="preset name, hub id or folder")
        q.add_argument("--revision", default=None)
        if action == "convert":
            q.add_argument("--compute-type", default="int8", help="quantization of the CT2 copy")
    p.set_defaults(func=run_models)


def run_models(args: argparse.Namespace) -> int:
    """List presets, or download / convert one model into the caches."""
    from mt import models

    if args.action == "list":
        print(models_table())
        return 0
    if args.action == "convert":  # checked before the model is read; "default" is a choice at load time only
        from mt.engines import check_ct2_quantization

        check_ct2_quantization(args.compute_type)
    resolved = models.resolve_model(args.name, args.revision)
    print(f"{resolved.model_id} @ {resolved.revision or 'local'}: {resolved.path}")
    if args.action == "convert":
        print(f"CTranslate2 ({args.compute_type}): {models.ct2_model_dir(resolved, args.compute_type)}")
    return 0


def models_table() -> str:
    """The presets as a Markdown table."""
    from mt.models import DEFAULT_MODEL, PRESETS

    rows = ["| preset | hub id | licence | size | published score | notes |", "|---|---|---|---|---|---|"]
    for p in PRESETS.values():
        name = f"{p.name} (default)" if p.name == DEFAULT_MODEL else p.name
        rows.append(f"| {name} | {p.hub_id} | {p.license} | {p.size} | {p.published_score} | {p.notes} |")
    return "\n".join(rows)


# -- main -------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The full command-line parser, plugins included."""
    from mt import __version__

    parser = argparse.ArgumentParser(prog="mtbrief", description="Arabic→English news translation and briefs")
    parser.add_argument("--version", action="version", version=f"mtbrief {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    targets = list(CORE_COMMANDS) + [ep.value for ep in entry_points(group="mtbrief.commands")]
    for target in targets:
        module, _, func = target.partition(":")
        getattr(import_module(module), func)(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `mtbrief`: every failure becomes one line on stderr and an exit code (mt.guard)."""
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    raise SystemExit(main())
