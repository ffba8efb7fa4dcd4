"""Fit the story-boundary weights (summarize.brief.stories.StoryOptions) on ANT dev days; report single-story splits.

Gaps between rankable units are examples: those of 80 seeded roundups (eval/summaries/roundups.py; gap is positive where
a new article begins, gaps after a strong transition phrase left out: those always open a story) and those of
whole ANT dev articles (every 7th article with 4+ paragraphs: one story, all negative). A logistic regression
(numpy, L2 1e-4, features as summarize.brief.stories.FEATURES) gives the weights; per threshold it prints the share of
boundaries found and how many whole ANT articles and EASC dev articles would be split (EASC is not fitted on:
it is the single-story check). Development data only; the held-out days are not read.

    python eval/summaries/roundups_fit.py [--seed 19] [--roundups 80]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THRESHOLDS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.25, 0.5)


def gaps(segments: list, gold: set[int], ranker: str = "tfidf") -> tuple[list, list[int]]:
    """(feature rows, labels) of a text's gaps, strong transitions left out; ([], []) with under 2 units."""
    from summarize import rank
    from summarize.brief.plan import candidates
    from summarize.brief.stories import StoryOptions, gap_evidence, gap_features
    from summarize.lang.figures import extract_figures

    units, _ = candidates(segments, extract_figures(segments), rank.RankOptions())
    if len(units) < 2:
        return [], []
    sims = [rank.similarity([u.arabic for u in units], "tfidf")]
    if ranker == "use":
        sims.insert(0, rank.unit_similarity(units, segments, "use"))
    features, _ = gap_features(units, segments, sims, StoryOptions().window)
    strong, _ = gap_evidence(units, segments, sims, StoryOptions())
    rows, labels = [], []
    for g in range(len(units) - 1):
        if strong[g] == float("inf"):
            continue
        first, last = units[g].segments[-1] + 1, units[g + 1].segments[0]
        rows.append(features[g])
        labels.append(int(any(first <= s <= last for s in gold)))
    return rows, labels


def fit(rows, labels, l2: float = 1e-4, steps: int = 30000, rate: float = 4.0):
    """Logistic regression by gradient descent: (weights, bias)."""
    import numpy as np

    x = np.hstack([np.asarray(rows), np.ones((len(rows), 1))])
    y = np.asarray(labels, dtype=float)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        w -= rate * (x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0])
    return w[:-1], float(w[-1])


def auc(scores, labels) -> float:
    """Area under the ROC curve (rank statistic)."""
    import numpy as np

    scores, labels = np.asarray(scores), np.asarray(labels) == 1
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores)] = np.arange(len(scores))
    return float((ranks[labels].mean() - (labels.sum() - 1) / 2) / (~labels).sum())


def collect(seed: int, count: int, ranker: str = "tfidf") -> dict:
    """The gap tables: roundups (labelled), whole ANT articles and EASC articles (per article, all negative)."""
    from eval.summaries import roundups as R
    from eval.summaries.easc_data import load_corpus, translation_of

    days = R.load_articles()
    table: dict = {"roundups": [], "articles": [], "easc": []}
    for roundup in R.build_roundups(days, count, seed):
        segments = R.arabic_segments(roundup.text)
        table["roundups"].append(gaps(segments, R.boundaries(R.gold_of(roundup, segments)), ranker))
    articles = [a for day in sorted(days) for a in days[day]][::7]
    for article in (a for a in articles if len(a["paragraphs"]) >= 4):
        table["articles"].append(gaps(R.arabic_segments("\n".join(article["paragraphs"])), set(), ranker))
    table["easc"] = [gaps(list(translation_of(a).segments), set(), ranker) for a in load_corpus()]
    return table


def report(table: dict) -> dict:
    """Fit on roundups + whole ANT articles; per threshold: boundaries found, articles split."""
    import numpy as np

    from summarize.brief.stories import FEATURES

    rows = [r for part in ("roundups", "articles") for doc in table[part] for r in doc[0]]
    labels = [y for part in ("roundups", "articles") for doc in table[part] for y in doc[1]]
    weights, bias = fit(rows, labels)

    def logits(doc):
        """The fitted log-odds of a document's gaps."""
        return np.asarray(doc[0]) @ weights + bias if doc[0] else np.zeros(0)

    positives = np.concatenate([logits(d)[np.asarray(d[1]) == 1] for d in table["roundups"] if d[0]])
    out = {"weights": dict(zip(FEATURES, np.round(weights, 2).tolist(), strict=True)), "bias": round(bias, 2),
           "auc": round(auc(np.asarray(rows) @ weights, labels), 3),
           "feature_auc": {f: round(auc(np.asarray(rows)[:, j], labels), 3) for j, f in enumerate(FEATURES)},
           "gaps": len(labels), "boundaries": int(sum(labels)), "thresholds": {}}
    for t in THRESHOLDS:
        out["thresholds"][t] = {
            "boundaries_found": round(float((positives >= t).mean()), 3),
            "ant_articles_split": f"{sum(bool((logits(d) >= t).any()) for d in table['articles'])}/"
                                  f"{len(table['articles'])}",
            "easc_articles_split": f"{sum(bool((logits(d) >= t).any()) for d in table['easc'])}/{len(table['easc'])}"}
    return out


def main(argv: list[str] | None = None) -> int:
    """Collect, fit, print and save eval/results/roundups-fit-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--roundups", type=int, default=80)
    parser.add_argument("--ranker", default="tfidf", choices=("use", "tfidf"),
                        help="the similarities the features use: the encoder's and TF-IDF (use), or TF-IDF alone")
    args = parser.parse_args(argv)
    result = {"seed": args.seed, "roundups": args.roundups, "ranker": args.ranker,
              **report(collect(args.seed, args.roundups, args.ranker))}
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    (ROOT / "eval" / "results" / f"roundups-fit-{args.ranker}-{time.strftime('%Y-%m-%d')}.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
