"""Time `check_translation` on a 40-sentence report for two source trees side by side (base commit vs this one).

Each round runs one fresh process per tree, alternately (so both see the same machine load), and each process
times the check as eval/speed/brief_own_time.py does: the first 40 FLORES-200 dev lines with their reference English,
every memo emptied before each run ("nothing cached": encoding included), and with only the sentence vectors
kept ("vectors cached": the number check and the verdict's own work, which is what changes). Real USE weights,
no MT model. Saves eval/results/bench-check-<date>.json.

    git archive BASE | tar -x -C /tmp/base            # the tree to compare with (../shared beside it:
    ln -s "$PWD/../shared" /tmp/shared                 # the same FLORES report on both sides, checked)
    nice -n 10 .venv/bin/python eval/speed/check_speed.py --base /tmp/base [--rounds 3] [--repeat 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from eval.results import save_results

ROOT = Path(__file__).resolve().parents[2]
_CHILD = """
import json, sys, time
sys.path.insert(0, {tree!r})
from eval.speed.brief_own_time import clear_memos, report
from summarize import check_translation
from summarize.lang import numbers_ar as numbers
from summarize.lang import text
from summarize.lang.vectors import load_encoder
translation, source = report({sentences})
encoder = load_encoder()
check_translation(translation, encoder="use")
def run(clear):
    times = []
    for _ in range({repeat}):
        clear()
        started = time.perf_counter()
        check_translation(translation, encoder="use")
        times.append(time.perf_counter() - started)
    return times
def memos_only():
    text.clear_memos()
    numbers.clear_memo()
print(json.dumps({{"report": source, "nothing_cached": run(lambda: clear_memos(encoder)),
                  "vectors_cached": run(memos_only),
                  "flags": sum(len(s.flags) for s in check_translation(translation, encoder="use").segments)}}))
"""


def run_tree(tree: Path, sentences: int, repeat: int) -> dict:
    """Time the check in a fresh process that imports `tree`'s code."""
    code = _CHILD.format(tree=str(tree), sentences=sentences, repeat=repeat)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the rounds, print the medians and save the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="an extracted tree of the commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results")
    args = parser.parse_args(argv)
    if not (args.base / "summarize/quality/check.py").is_file():
        print(f"{args.base}: not a checkout of this project (no summarize/quality/check.py)", file=sys.stderr)
        return 2
    trees = {"base": args.base.resolve(), "this": ROOT}
    rounds: list[dict] = []
    for _ in range(args.rounds):
        rounds.append({name: run_tree(tree, args.sentences, args.repeat) for name, tree in trees.items()})
        if rounds[-1]["base"]["report"] != rounds[-1]["this"]["report"]:  # e.g. ../shared missing beside the base
            print(f"the trees timed different reports: {rounds[-1]['base']['report']!r} vs "
                  f"{rounds[-1]['this']['report']!r}", file=sys.stderr)
            return 2
    summary = {name: {kind: [round(statistics.median(r[name][kind]), 4) for r in rounds]
                      for kind in ("nothing_cached", "vectors_cached")}
               | {"flags": rounds[0][name]["flags"], "report": rounds[0][name]["report"]}
               for name in trees}
    results = {"date": dt.date.today().isoformat(), "sentences": args.sentences, "rounds": args.rounds,
               "repeat": args.repeat, "base": str(args.base), "cpus": os.cpu_count(),
               "note": "median seconds per round; rounds alternate base/this; 2 shared cores, other jobs running",
               "median_per_round": summary, "runs": rounds}
    path = save_results(args.out / f"bench-check-{results['date']}.json", results)
    print(json.dumps(summary, indent=2))
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
