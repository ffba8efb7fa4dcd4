"""Command-line options shared by translate, brief, the batch and serve: --glossary, --memory, --no-memory."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mt.glossary import Glossary
    from mt.memory.store import MemoryStore


def add_memory_option(parser: argparse._ActionsContainer) -> None:
    """Add --memory PATH (the corrections memory file)."""
    parser.add_argument("--memory", default=None, metavar="PATH",
                        help="corrections memory (SQLite; default $MTBRIEF_MEMORY or ~/.cache/mtbrief/memory.sqlite)")


def add_glossary_options(parser: argparse.ArgumentParser) -> None:
    """Add --glossary FILE, --memory PATH and --no-memory to a subcommand."""
    group = parser.add_argument_group("glossary and corrections memory")
    group.add_argument("--glossary", default=None, metavar="FILE",
                       help="TSV of terms: Arabic<TAB>English[<TAB>note] ('#' comments); see docs/glossary-memory.md")
    add_memory_option(group)
    group.add_argument("--no-memory", action="store_true", help="ignore the stored corrections")


def memory_from_args(args: argparse.Namespace, max_chars: int | None = None) -> MemoryStore | None:
    """The memory the options name (None with --no-memory)."""
    from mt.errors import InputError
    from mt.memory.store import DEFAULT_MAX_CHARS, MemoryStore, default_memory_path

    if getattr(args, "no_memory", False):
        return None
    if args.memory is not None and not args.memory.strip():  # not a silent fall back to the default memory
        raise InputError(repr(args.memory), "empty memory file name (--memory PATH)")
    return MemoryStore(args.memory or default_memory_path(), max_chars or DEFAULT_MAX_CHARS)


def glossary_from_args(args: argparse.Namespace) -> Glossary | None:
    """The glossary of --glossary (read and checked now: a bad row is exit 2 before the model loads)."""
    from mt.glossary import load_glossary

    path = getattr(args, "glossary", None)
    return load_glossary(path) if path else None


def steering_from_args(args: argparse.Namespace, max_chars: int | None = None) -> dict[str, Any]:
    """Translator.load keywords (glossary, memory) for commands that have the options; {} for the others."""
    if not hasattr(args, "no_memory"):
        return {}  # e.g. eval and bench: scores must never come from stored corrections
    return {"glossary": glossary_from_args(args), "memory": memory_from_args(args, max_chars)}
