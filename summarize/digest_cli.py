"""The `mtbrief digest` subcommand: many reports in, the day's stories across outlets out."""

from __future__ import annotations

import argparse
import sys

from mt.errors import InputError, printable
from summarize.digest_render import FORMATS
from summarize.reports import MAX_REPORTS, ReportFailure


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `digest` subcommand (entry point `mtbrief.commands: digest = summarize.digest_cli:register`)."""
    from mt.cli import add_model_options
    from mt.memory.options import add_glossary_options

    p = subparsers.add_parser("digest", help="group many Arabic reports into stories and write a bilingual digest")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="report files, folders of them, or .jsonl files (one report a line: text, id, title, "
                        "source, time, url)")
    p.add_argument("-o", "--output", default=None, help="output file, written atomically (default: stdout)")
    p.add_argument("--format", default="md", choices=FORMATS, help="Markdown, standalone HTML page or JSON")
    p.add_argument("--points", type=int, default=4, help="most points per story (default: %(default)s)")
    p.add_argument("--window", type=float, default=48.0,
                   help="hours a story may span, for reports with a time (default: %(default)s; 0: no bound)")
    p.add_argument("--max-reports", type=int, default=MAX_REPORTS, help="refuse more reports (default: %(default)s)")
    add_model_options(p)
    add_glossary_options(p)
    p.set_defaults(func=run)


def options_from_args(args: argparse.Namespace):
    """DigestOptions from the command line (InvalidOption for a bad value, before anything is read)."""
    from dataclasses import replace

    from mt.errors import InvalidOption
    from summarize.digest import DigestOptions

    if args.window < 0:
        raise InvalidOption("window", args.window, ["hours >= 0 (0: no bound)"])
    if args.max_reports < 1:
        raise InvalidOption("max-reports", args.max_reports, ["an integer >= 1"])
    options = DigestOptions(max_points=args.points)
    return replace(options, grouping=replace(options.grouping, window_hours=args.window or None))


def report_failures(failures: list[ReportFailure]) -> None:
    """One stderr line per report that failed (the digest lists them too)."""
    for failure in failures:
        print(f"mtbrief: skipped {printable(failure.id)}: {failure.problem}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Read, group, plan, translate what is shown, write; exit 1 when some reports failed, 2 when none is usable."""
    from mt.cli import translator_from_args
    from mt.outputs import check_output_path
    from mt.textio import write_output
    from summarize.digest import make_digest
    from summarize.digest_render import render_digest
    from summarize.reports import read_reports

    options = options_from_args(args)
    check_output_path(args.output, args.inputs)  # before anything is read: a bad -o loses no work
    reports, failures = read_reports(args.inputs, args.max_reports)
    if not reports:
        detail = f"; {failures[0].id}: {failures[0].problem}" if failures else ""
        raise InputError(" ".join(args.inputs), f"no usable report ({len(failures)} failed{detail})")
    digest = make_digest(reports, translator_from_args(args), options, failures)
    write_output(args.output, render_digest(digest, args.format))
    report_failures(failures)
    return 1 if failures else 0
