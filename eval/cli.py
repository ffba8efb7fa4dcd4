"""`mtbrief eval`: translate (or read) hypotheses, score them with sacrebleu, write the reports.

A command module: it may import mt.cli (model options); the scoring itself lives in eval.translation.scoring.
"""

from __future__ import annotations

import argparse
from typing import Any

from eval.translation import report, scoring
from eval.translation.scoring import EvalOptions, document_mode, evaluate
from eval.translation.suites import EvalData, check_counts, load_suite, read_lines
from mt.cli import add_model_options, translator_from_args
from mt.errors import InvalidOption
from mt.outputs import check_output_folder
from mt.progress import progress_bar


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `eval` subcommand."""
    p = subparsers.add_parser("eval", help="score translations with BLEU / chrF++ / TER (sacrebleu)")
    p.add_argument("--suite", default=None,
                   help="flores200-dev (default), a sacrebleu test set with ar-en (iwslt17), "
                        "or a label for --src/--ref files")
    p.add_argument("--src", default=None, help="Arabic source file, one sentence per line")
    p.add_argument("--ref", action="append", default=[], help="English reference file (repeat for more)")
    p.add_argument("--hyp", default=None, help="score these hypotheses instead of translating")
    p.add_argument("--data", default=None,
                   help="FLORES-200 dev folder (default: ../shared/data/flores200-dev)")
    p.add_argument("--limit", type=int, default=None, help="only the first N lines")
    p.add_argument("--document-mode", action="store_true",
                   help="FLORES only: also translate whole articles and align the output back to lines")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), default=None,
                   help="paired bootstrap test between two stored results (B against baseline A)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default %(default)s)")
    p.add_argument("-o", "--output", default="eval/results", help="results folder (default %(default)s)")
    add_model_options(p)
    p.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    """Translate (or read) hypotheses, score them, write JSON / Markdown / PNG and print a summary."""
    options = EvalOptions(n_bootstrap=args.bootstrap, document_mode=args.document_mode)
    check_output_folder(args.output)  # before any translation: a bad -o loses no work
    if args.compare:
        return report.run_compare(args.compare, args.ref, args.output, options.n_bootstrap)
    data = load_suite(args.suite, args.src, args.ref, args.data)
    if options.document_mode and (args.hyp or data.documents is None):
        raise InvalidOption("--document-mode", f"with {'--hyp' if args.hyp else 'suite ' + data.suite}",
                            ["the flores200-dev suite, translated by a model (no --hyp)"])
    if args.hyp:
        hyps = read_lines(args.hyp)
        check_counts([("source", data.files["source"], len(data.sources)),
                      ("hypotheses", args.hyp, len(hyps))])
        data = data.head(args.limit)
        hyps, system = hyps[: len(data.sources)], {"model": "given hypotheses", "hypotheses_file": args.hyp}
        result = evaluate(data, hyps, system, scoring.quality_function(), options)
    else:
        result = _translate_and_evaluate(args, data.head(args.limit), options)
    paths = report.write_result(result, args.output)
    print(report.summary(result, paths))
    return 0


def _translate_and_evaluate(args: argparse.Namespace, data: EvalData, options: EvalOptions) -> dict[str, Any]:
    translator = translator_from_args(args)
    update = progress_bar(len(data.sources), args.quiet)
    hyps = list(translator.translate_lines(data.sources, on_progress=update))
    result = evaluate(data, hyps, translator.signature.to_dict(), scoring.quality_function(), options)
    if options.document_mode:
        result["document_mode"] = document_mode(translator, data, hyps, options)
    return result
