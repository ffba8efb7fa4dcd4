"""The `mtbrief brief` subcommand: brief a report on the Arabic, translate and check what the brief shows."""

from __future__ import annotations

import argparse
import json

from mt.errors import InputError
from mt.htmltext import has_arabic
from summarize.brief import ORDERS, Brief, check_options
from summarize.rank import RANKERS

FORMATS = ("md", "html", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `brief` subcommand (entry point `mtbrief.commands: brief = summarize.cli:register`)."""
    from mt.cli import add_model_options
    from mt.memory.options import add_glossary_options

    p = subparsers.add_parser("brief", help="translate an Arabic report and write a bilingual brief")
    p.add_argument("input", metavar="FILE", help="Arabic UTF-8 text file, a document (.docx .pdf ...), or - for stdin")
    p.add_argument("--sentences", type=int, default=5, help="most key sentences (default: %(default)s)")
    p.add_argument("--words", type=int, default=None, help="most English words over all key sentences")
    p.add_argument("--format", default="md", choices=FORMATS, help="Markdown, HTML page or JSON")
    p.add_argument("--order", default="document", choices=ORDERS, help="document order or best first")
    p.add_argument("--ranker", default="auto", choices=RANKERS,
                   help="sentence encoder (use), TF-IDF, or auto: the encoder when installed")
    p.add_argument("--no-check", action="store_true", help="skip the quality flags (numbers, similarity)")
    p.add_argument("-o", "--output", default=None, help="output file, written atomically (default: stdout)")
    add_model_options(p)
    add_glossary_options(p)
    p.set_defaults(func=run)


def render(brief: Brief, fmt: str) -> str:
    """The brief in one of FORMATS."""
    if fmt == "json":
        return json.dumps(brief.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return brief.to_html(standalone=True)
    return brief.to_markdown()


def run(args: argparse.Namespace) -> int:
    """Read, plan the brief on the Arabic, translate and check what it shows, write; InputError (exit 2) for a
    text with no Arabic sentence."""
    from mt.cli import translator_from_args
    from mt.documents import is_document, read_document_text
    from mt.outputs import check_output_path
    from mt.textio import read_text_input, write_output
    from summarize.brief import brief_text

    check_options(args.sentences, args.words, args.order)  # before the model loads: fail fast
    text = read_document_text(args.input) if is_document(args.input) else read_text_input(args.input)
    if not has_arabic(text):  # the same test as the API's /brief
        raise InputError("<stdin>" if args.input == "-" else args.input, "no Arabic sentence to brief")
    check_output_path(args.output, [args.input])  # before the model loads: a bad -o loses no work
    # Only what the brief shows (headline, points, figure sentences) is translated and checked.
    brief = brief_text(translator_from_args(args), text, args.sentences, args.words, args.order,
                       ranker=args.ranker, check=not args.no_check)
    write_output(args.output, render(brief, args.format))
    return 0
