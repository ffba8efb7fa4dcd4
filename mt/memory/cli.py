"""`mtbrief memory list|export|import|delete`: look after the corrections memory (TMX 1.4 or TSV exchange)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mt.errors import InputError
from mt.memory.options import add_memory_option

FORMATS = ("tmx", "tsv")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `memory` subcommand."""
    p = subparsers.add_parser("memory", help="list, export, import or delete stored corrections")
    sub = p.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="the corrections as TSV: updated, origin, Arabic, English")
    listing.add_argument("--limit", type=int, default=None, help="at most this many (newest last)")
    export = sub.add_parser("export", help="write the corrections as TMX 1.4 or TSV")
    export.add_argument("file", help="output file (- for stdout), written atomically")
    imp = sub.add_parser("import", help="add corrections from a TMX or TSV file (Arabic source, English)")
    imp.add_argument("file", help="a .tmx or .tsv file")
    for q in (export, imp):
        q.add_argument("--format", choices=FORMATS, default=None, help="default: from the file extension")
    delete = sub.add_parser("delete", help="remove the corrections of some Arabic sentences, or all")
    delete.add_argument("sentences", nargs="*", metavar="ARABIC", help="Arabic sentences as translated")
    delete.add_argument("--all", action="store_true", help="remove every correction")
    for q in (listing, export, imp, delete):
        add_memory_option(q)
    p.set_defaults(func=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.file).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InputError(args.file, f"cannot tell the format from the name: add --format {' or --format '.join(FORMATS)}")


def run(args: argparse.Namespace) -> int:
    """Run one memory action; InputError (exit 2) for a bad file or request."""
    from mt.memory.options import memory_from_args

    memory = memory_from_args(args)
    assert memory is not None
    action = {"list": _list, "export": _export, "import": _import, "delete": _delete}[args.action]
    return action(args, memory)


def _list(args: argparse.Namespace, memory) -> int:
    entries = list(memory.entries())
    if args.limit is not None:
        entries = entries[-args.limit:] if args.limit > 0 else []
    for e in entries:
        print(f"{e.updated}\t{e.origin}\t{e.source}\t{e.target}")
    print(f"{memory.count()} corrections in {memory.path}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, memory) -> int:
    from mt import __version__
    from mt.memory.tmx import to_tmx, to_tsv
    from mt.outputs import check_output_path
    from mt.textio import write_output

    fmt = _format(args)
    check_output_path(args.file, [str(memory.path)])  # never over the memory it reads
    entries = list(memory.entries())
    text = to_tmx(entries, __version__) if fmt == "tmx" else to_tsv(entries)
    write_output(args.file, text)
    print(f"exported {len(entries)} corrections from {memory.path}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, memory) -> int:
    from mt.memory.store import prepare_key_text
    from mt.memory.tmx import read_tmx, read_tsv

    if not args.file.strip():
        raise InputError(repr(args.file), "empty file name")
    if Path(args.file).is_dir():
        raise InputError(args.file, "is a folder; name a .tmx or .tsv file")
    if not Path(args.file).is_file():
        raise InputError(args.file, "no such file")
    pairs = list(read_tmx(args.file) if _format(args) == "tmx" else read_tsv(args.file))
    prepared = [(prepare_key_text(ar), en) for ar, en in pairs]
    empty = sum(1 for ar, _ in prepared if not ar)
    for number, ((raw, en), (ar, _)) in enumerate(zip(pairs, prepared, strict=True), start=1):
        if not ar:
            continue
        try:  # before anything is stored: the file is imported whole or not at all; as written, then as stored
            memory.check(raw, en)
            memory.check(ar, en)
        except InputError as exc:
            raise InputError(args.file, f"entry {number}: {exc.problem}") from None
    count = memory.put_many([(ar, en) for ar, en in prepared if ar], origin="import")
    skipped = f" ({empty} with no Arabic text skipped)" if empty else ""
    print(f"imported {count} corrections into {memory.path}{skipped}", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace, memory) -> int:
    from mt.memory.store import prepare_key_text

    if args.all == bool(args.sentences):
        raise InputError("memory delete", "name the Arabic sentences to delete, or give --all (not both)")
    removed = memory.clear() if args.all else memory.delete(prepare_key_text(s) for s in args.sentences)
    print(f"deleted {removed} corrections from {memory.path}", file=sys.stderr)
    return 0 if removed or args.all else 1
