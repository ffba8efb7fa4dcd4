"""`mtbrief brief` (a report's brief, planned on the Arabic: only what it shows is translated) and `mtbrief digest`
(many reports' stories)."""

from __future__ import annotations

import argparse
import sys

from mt.errors import InputError, printable
from mt.htmltext import has_arabic
from summarize.brief.make import ORDERS, check_options
from summarize.digest.reports import MAX_REPORTS, ReportFailure
from summarize.rank import RANKERS
from summarize.views import FORMATS, render

# The ranker compares every sentence with every other: 2.4 MB (20,000 sentences) took 6 minutes and 11.5 GB
# (tfidf, measured once on a shared machine). A report, even a long roundup, is under 100,000 characters; past
# this bound the brief refuses before any work.
MAX_BRIEF_CHARS = 500_000


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


def run(args: argparse.Namespace) -> int:
    """Read, plan the brief on the Arabic, translate and check what it shows, write; InputError (exit 2) for a
    text with no Arabic sentence."""
    from mt.cli import translator_from_args
    from mt.documents import is_document, read_document_text
    from mt.outputs import check_output_path
    from mt.textio import read_text_input, write_output
    from summarize.brief.make import brief_text

    check_options(args.sentences, args.words, args.order)  # before the model loads: fail fast
    text = read_document_text(args.input) if is_document(args.input) else read_text_input(args.input)
    name = "<stdin>" if args.input == "-" else args.input
    if len(text) > MAX_BRIEF_CHARS:
        raise InputError(name, f"{len(text):,} characters; a brief reads at most {MAX_BRIEF_CHARS:,} (one report: "
                               "split a collection, or give its reports to `mtbrief digest`)")
    if not has_arabic(text):  # the same test as the API's /brief
        raise InputError(name, "no Arabic sentence to brief")
    check_output_path(args.output, [args.input])  # before the model loads: a bad -o loses no work
    # Only what the brief shows (headline, points, figure sentences) is translated and checked.
    brief = brief_text(translator_from_args(args), text, args.sentences, args.words, args.order,
                       ranker=args.ranker, check=not args.no_check)
    write_output(args.output, render(brief, args.format))
    return 0


# -- digest ---------------------------------------------------------------------------------------------------


def register_digest(subparsers: argparse._SubParsersAction) -> None:
    """Add the `digest` subcommand (entry point `mtbrief.commands: digest = summarize.cli:register_digest`)."""
    from mt.cli import add_model_options
    from mt.memory.options import add_glossary_options

    p = subparsers.add_parser("digest", help="group many Arabic reports into stories and write a bilingual digest")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="report files, folders of them, or .jsonl files (one report a line: text, id, title, "
                        "source, time, url)")
    p.add_argument("-o", "--output", default=None, help="output file, written atomically (default: stdout)")
    p.add_argument("--format", default="md", choices=FORMATS,
                   help="Markdown, standalone HTML page or JSON")
    p.add_argument("--points", type=int, default=4, help="most points per story (default: %(default)s)")
    p.add_argument("--window", type=float, default=48.0,
                   help="hours a story may span, for reports with a time (default: %(default)s; 0: no bound)")
    p.add_argument("--max-reports", type=int, default=MAX_REPORTS, help="refuse more reports (default: %(default)s)")
    p.add_argument("--no-check", action="store_true", help="skip the quality flags (numbers, similarity)")
    add_model_options(p)
    add_glossary_options(p)
    p.set_defaults(func=run_digest)


def digest_options(args: argparse.Namespace):
    """DigestOptions from the command line (InvalidOption for a bad value, before anything is read)."""
    from dataclasses import replace

    from mt.errors import InvalidOption
    from summarize.digest.make import DigestOptions

    window = window_hours(args.window)
    if args.max_reports < 1:
        raise InvalidOption("max-reports", args.max_reports, ["an integer >= 1"])
    options = DigestOptions(max_points=args.points, check=not args.no_check)
    return replace(options, grouping=replace(options.grouping, window_hours=window))


def window_hours(hours: float) -> float | None:
    """`--window` as GroupOptions.window_hours (0: no bound); InvalidOption, before anything is read, otherwise."""
    import math

    from mt.errors import InvalidOption

    if not (math.isfinite(hours) and hours >= 0):
        raise InvalidOption("window", hours, ["hours >= 0 (0: no bound)"])
    return hours or None


def report_failures(failures: list[ReportFailure]) -> None:
    """One stderr line per report that failed (the digest lists them too)."""
    for failure in failures:
        print(f"mtbrief: skipped {printable(failure.id)}: {failure.problem}", file=sys.stderr)


def run_digest(args: argparse.Namespace) -> int:
    """Read, group, plan, translate what is shown, write; exit 1 when some reports failed, 2 when none is usable."""
    from mt.cli import translator_from_args
    from mt.outputs import check_output_path
    from mt.textio import write_output
    from summarize.digest.make import make_digest
    from summarize.digest.reports import read_reports

    options = digest_options(args)
    check_output_path(args.output, args.inputs)  # before anything is read: a bad -o loses no work
    reports, failures = read_reports(args.inputs, args.max_reports)
    if not reports:
        detail = f"; {failures[0].id}: {failures[0].problem}" if failures else ""
        raise InputError(" ".join(args.inputs), f"no usable report ({len(failures)} failed{detail})")
    digest = make_digest(reports, translator_from_args(args), options, failures)
    write_output(args.output, render(digest, args.format))
    report_failures(failures)
    return 1 if failures else 0
