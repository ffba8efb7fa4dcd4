"""The `mtbrief` command: translate, models, bench, eval, and subcommands other packages register."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import IO, TYPE_CHECKING

from mt.errors import InputError, MtbriefError

if TYPE_CHECKING:
    from mt.translator import Translator
    from mt.types import Translation

# Subcommands of this package; others (brief, serve) arrive through the "mtbrief.commands" entry points,
# so mt never imports the packages built on top of it.
CORE_COMMANDS = ("mt.cli:register_translate", "mt.cli:register_models", "mt.scoring:register", "mt.bench:register")


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
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def translator_from_args(args: argparse.Namespace) -> Translator:
    """Load the Translator the model options of a parsed command line ask for."""
    from mt.translator import Translator

    return Translator.load(model=args.model, engine=args.engine, device=args.device,
                           compute_type=args.compute_type, beam_size=args.beam_size, revision=args.revision)


def read_text_input(path: str) -> str:
    """The text of a file ('-' = stdin), or InputError naming the file and the problem."""
    if path == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        file = Path(path)
        if file.is_dir():
            raise InputError(path, "is a directory; to translate a folder use `mtbrief translate DIR -o OUTDIR`")
        try:
            data, name = file.read_bytes(), path
        except FileNotFoundError:
            raise InputError(path, "no such file") from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror}") from None
    return decode_text(data, name)


def text_lines(text: str) -> list[str]:
    """The lines of a text; a final newline ends the last line rather than adding an empty one."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text from bytes (BOM dropped, CRLF kept as LF), or InputError for binary / invalid UTF-8."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary file (NUL byte at byte offset {nul}), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"invalid UTF-8 at byte offset {exc.start}") from None
    return text.replace("\r\n", "\n")


TMP_PREFIX, TMP_SUFFIX = ".mtbrief-", ".part"  # how a file being written is named until it is complete


@functools.cache
def _file_mode() -> int:
    umask = os.umask(0o22)  # the umask can only be read by setting it: put it straight back
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def open_output(path: str | None) -> Iterator[IO[str]]:
    """A text stream to a file, written to a temporary file and renamed on success ('-'/None = stdout)."""
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=target.parent)
    try:
        os.fchmod(fd, _file_mode())  # mkstemp makes 0600 files; outputs are ordinary files
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_output(path: str | None, text: str) -> None:
    """Write a whole text atomically (None or '-' = stdout)."""
    with open_output(path) as out:
        out.write(text)


def progress_bar(total: int, quiet: bool, unit: str = "line") -> Callable[..., None]:
    """A tqdm bar on stderr (off when quiet or stderr is not a terminal); returns update(n, *ignored)."""
    if quiet or not sys.stderr.isatty():
        return lambda n, *_: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False)
    return lambda n, *_: bar.update(n)  # translate_lines also reports segments: the bar counts lines


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
    add_model_options(p)
    batch = p.add_argument_group("folders (batch mode, resumable: see OUTDIR/.mtbrief-manifest.jsonl)")
    batch.add_argument("--engine", default="ctranslate2", choices=["ctranslate2", "transformers", "ray"],
                       help="ray: translate a folder on a Ray cluster, CTranslate2 in each actor")
    batch.add_argument("--recursive", action="store_true", help="also translate the subfolders")
    batch.add_argument("--glob", action="append", metavar="PATTERN",
                       help="files to take, repeatable (default: *.txt *.md *.jsonl)")
    batch.add_argument("--field", default=None, help="the key translated in .jsonl files (default: text; "
                       "the English goes in FIELD_en)")
    batch.add_argument("--jobs", type=int, default=None, help="files at once (threads sharing one model; default 1)")
    batch.add_argument("--ray-address", default=None, help="Ray cluster (auto, or host:port; default: local)")
    batch.add_argument("--ray-actors", type=int, default=None, help="Ray actors, one model each (default 2)")
    batch.add_argument("--ray-batch-size", type=int, default=None, help="files per actor call (default 4)")
    batch.add_argument("--ray-cpus-per-actor", type=float, default=None,
                       help="CPUs Ray reserves per actor (default 1): sets actors per node")
    p.set_defaults(func=run_translate)


def run_translate(args: argparse.Namespace) -> int:
    """Translate every input into one output; all inputs are checked before the model loads."""
    if any(Path(i).is_dir() for i in args.inputs if i != "-"):
        from mt.batch import run_batch  # a folder means batch mode

        return run_batch(args)
    batch_only = [f"--{name.replace('_', '-')}" for name in ("glob", "field", "jobs", "ray_address", "ray_actors",
                  "ray_batch_size", "ray_cpus_per_actor") if getattr(args, name) is not None]
    batch_only = ["--engine ray"] * (args.engine == "ray") + ["--recursive"] * args.recursive + batch_only
    if batch_only:
        raise InputError(args.inputs[0], f"{', '.join(batch_only)}: only for a folder input "
                         "(`mtbrief translate DIR -o OUTDIR`)")
    texts = [(name, read_text_input(name)) for name in args.inputs]
    translator = translator_from_args(args)
    with open_output(args.output) as out:
        for name, text in texts:
            if args.format == "jsonl":
                write_segments_jsonl(translator.translate(text), name, out)
                continue
            lines = text_lines(text)
            update = progress_bar(len(lines), args.quiet)
            for line in translator.translate_lines(lines, on_progress=update):
                out.write(line + "\n")
    return 0


def write_segments_jsonl(translation: Translation, name: str, out: IO[str]) -> None:
    """One JSON object per segment: file, paragraph, span, source, target."""
    for seg in translation.segments:
        record = {"file": name, "paragraph": seg.paragraph, "span": list(seg.span), "source": seg.source,
                  "target": seg.target}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


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
    """Entry point of `mtbrief`: errors become one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MtbriefError as exc:
        print(f"mtbrief: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
