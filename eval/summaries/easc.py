"""Score the brief's sentence choice against EASC's human extractive summaries (ROUGE-1/2/L F1, Arabic).

Systems, each picking k sentences per human summary (k = that summary's sentence count, see eval/easc_data):
the brief under each ranker (its learned weights cross-validated by article: every article is scored by
weights fitted without it), the brief with the shipped weights (fitted on all of easc-dev: optimistic),
the brief's earlier rankers (before EASC; the first EASC fit), lead-k, random-k (mean of 10 draws), a greedy
ROUGE-2 oracle, and each human against the other four. Scores: F1 against the summary, averaged over the five
summaries, then over articles; 95% bootstrap CIs over articles; paired brief - lead differences.
No MT model: the brief ranks the Arabic (the English is empty). Saves eval/results/easc-<date>.{json,md}.

    .venv/bin/python eval/summaries/easc.py [--data ../shared/data/easc-dev] [--rankers tfidf,use] [--limit N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from eval.results import save_results  # noqa: E402
from eval.summaries.easc_data import DEFAULT_DATA, Article, load_corpus, translation_of  # noqa: E402
from eval.summaries.rouge_ar import normalize_tokens, rouge, rouge_n  # noqa: E402

METRICS = ("rouge1", "rouge2", "rougeL")
RANDOM_DRAWS = 10
Selector = Callable[[Article, int, int], list[str]]  # (article, summary index, k) -> chosen sentences


def lead(article: Article, _: int, k: int) -> list[str]:
    """The first k sentences."""
    return list(article.sentences[:k])


def oracle(article: Article, summary: int, k: int) -> list[str]:
    """Greedy ROUGE-2 oracle: add the sentence that raises F1 most, up to k, stopping when none does."""
    reference = normalize_tokens(article.summaries[summary])
    tokens = [normalize_tokens(s) for s in article.sentences]
    chosen: list[int] = []
    best = 0.0
    while len(chosen) < k:
        gains = [(rouge_n(sum((tokens[j] for j in sorted([*chosen, i])), []), reference, 2), -i)
                 for i in range(len(tokens)) if i not in chosen]
        if not gains or max(gains)[0] <= best:
            break
        best, i = max(gains)
        chosen.append(-i)
    return [article.sentences[i] for i in sorted(chosen)]


def brief_selector(ranker: str, options_for: Callable[[Article], object] | None = None) -> Selector:
    """What the brief shows for k sentences: its headline and k - 1 points (document order), with RankOptions
    from options_for(article). The headline is never repeated as a point, so it counts as one of the k."""
    from summarize import make_brief

    def select(article: Article, _: int, k: int) -> list[str]:
        """The brief's shown sentences."""
        options = options_for(article) if options_for else None
        brief = make_brief(translation_of(article), max_sentences=max(k - 1, 1), ranker=ranker, options=options)
        shown = ([brief.headline] if brief.headline else []) + list(brief.points)[:max(k - 1, 0)]
        return [p.arabic for p in sorted(shown, key=lambda p: p.segments)]

    return select


def score_system(articles: Sequence[Article], selector: Selector) -> list[dict[str, float]]:
    """Per article: the mean over its summaries of ROUGE F1 of the selection against that summary."""
    out = []
    for article in articles:
        per = []
        for s, k in enumerate(article.ks):
            chosen = " ".join(selector(article, s, k))
            per.append({**rouge(chosen, article.summaries[s]), "words": len(normalize_tokens(chosen))})
        out.append({m: sum(p[m] for p in per) / len(per) for m in (*METRICS, "words")})
    return out


def score_random(articles: Sequence[Article], seed: int = 0) -> list[dict[str, float]]:
    """Per article: random-k (document order) scored like a system, averaged over RANDOM_DRAWS draws."""
    out = []
    for article in articles:
        rng = random.Random(f"{seed}-{article.id}")
        per = []
        for s, k in enumerate(article.ks):
            for _ in range(RANDOM_DRAWS):
                picks = sorted(rng.sample(range(len(article.sentences)), k))
                per.append(rouge(" ".join(article.sentences[i] for i in picks), article.summaries[s]))
        out.append({m: sum(p[m] for p in per) / len(per) for m in METRICS})
    return out


def score_humans(articles: Sequence[Article]) -> list[dict[str, float]]:
    """Per article: each summary against each of the other four, averaged."""
    out = []
    for article in articles:
        sums = article.summaries
        per = [rouge(sums[a], sums[b]) for a in range(len(sums)) for b in range(len(sums)) if a != b]
        out.append({m: sum(p[m] for p in per) / len(per) for m in METRICS})
    return out


def bootstrap(values: Sequence[float], resamples: int = 2000, seed: int = 12345) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean, resampling articles."""
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summarize_scores(per_article: Sequence[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and 95% CI per metric."""
    out = {}
    for m in METRICS:
        values = [a[m] for a in per_article]
        lo, hi = bootstrap(values)
        out[m] = {"mean": round(sum(values) / len(values), 4), "ci95": [round(lo, 4), round(hi, 4)]}
    return out


def paired(a: Sequence[dict[str, float]], b: Sequence[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean of the per-article differences a - b, its 95% bootstrap CI and how many articles a wins."""
    out = {}
    for m in METRICS:
        diffs = [x[m] - y[m] for x, y in zip(a, b, strict=True)]
        lo, hi = bootstrap(diffs)
        out[m] = {"mean": round(sum(diffs) / len(diffs), 4), "ci95": [round(lo, 4), round(hi, 4)],
                  "wins": sum(d > 1e-12 for d in diffs), "losses": sum(d < -1e-12 for d in diffs)}
    return out


def corpus_hash(data: Path) -> str:
    """sha256 (first 16 hex) of index.tsv and every article and summary file, in name order."""
    digest = hashlib.sha256()
    for path in sorted([data / "index.tsv", *(data / "articles").glob("*.txt"), *(data / "summaries").glob("*.txt")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]



# Earlier rankers, scored for comparison: before any fit (LexRank on the ranker's similarity + lead prior +
# figures bonus + MMR), and the first EASC fit (lead prior + first sentence + centrality on the ranker's own).
PREVIOUS = {"lead_weight": 0.2, "figure_weight": 0.25, "mmr_lambda": 0.7, "lead_decay": 0.5, "first_weight": 0.0,
            "paragraph_weight": 0.0, "centrality_on": "ranker"}
FIRST_FIT = {"lead_weight": 0.796, "figure_weight": 0.0, "mmr_lambda": 1.0, "lead_decay": 0.5, "first_weight": 0.13,
             "paragraph_weight": 0.0, "centrality_on": "ranker"}


def fitted_options(articles: Sequence[Article], folds: int) -> tuple[dict, object, list]:
    """Per article its cross-validated options, the options fitted on all articles, and each fold's fit.

    The features do not depend on the ranker (centrality walks the TF-IDF graph), so one fit serves both.
    """
    from eval.summaries import easc_fit

    prepared = [easc_fit.prepare(a, "tfidf") for a in articles]
    table = [(easc_fit.features(p), easc_fit.labels(a, p)) for a, p in zip(articles, prepared, strict=True)]
    assignment = easc_fit.folds_by_article(len(articles), folds)
    per_fold = easc_fit.cross_validated(table, assignment)
    per_article = {a.id: per_fold[f] for a, f in zip(articles, assignment, strict=True)}
    return per_article, easc_fit.fit(table), [easc_fit.describe(per_fold[f]) for f in sorted(per_fold)]


def run(articles: Sequence[Article], rankers: Sequence[str], folds: int = 10) -> dict:
    """Score every system; the brief's weights cross-validated by article. Returns the report (no timings)."""
    from dataclasses import replace

    from eval.summaries.easc_fit import describe
    from summarize.rank import RankOptions

    per_article, everything, fold_fits = fitted_options(articles, folds)
    systems: dict[str, list[dict[str, float]]] = {"lead-k": score_system(articles, lead)}
    for ranker in rankers:
        systems[f"brief-{ranker} (cross-validated)"] = score_system(
            articles, brief_selector(ranker, lambda a: per_article[a.id]))
        systems[f"brief-{ranker} (fitted on all easc-dev: optimistic)"] = score_system(
            articles, brief_selector(ranker, lambda a: everything))
        systems[f"brief-{ranker} (first EASC fit, issue 10)"] = score_system(
            articles, brief_selector(ranker, lambda a: replace(RankOptions(), **FIRST_FIT)))
        systems[f"brief-{ranker} (ranker before EASC)"] = score_system(
            articles, brief_selector(ranker, lambda a: replace(RankOptions(), **PREVIOUS)))
    systems["random-k (10 draws)"] = score_random(articles)
    systems["greedy ROUGE-2 oracle"] = score_system(articles, oracle)
    systems["human vs the other four"] = score_humans(articles)
    lead_scores = systems["lead-k"]
    return {
        "systems": {name: {**summarize_scores(s), "words": round(sum(a.get("words", 0) for a in s) / len(s), 1)}
                    for name, s in systems.items()},
        "paired_vs_lead": {name: paired(s, lead_scores) for name, s in systems.items()
                           if name.startswith("brief")},
        "fitted_on_all": describe(everything), "fold_fits": fold_fits, "folds": folds,
        "per_article_rouge2": {name: [round(a["rouge2"], 4) for a in s] for name, s in systems.items()},
    }


def markdown(report: dict) -> str:
    """The report as a Markdown table plus the paired differences."""
    lines = [f"# EASC sentence selection ({report['corpus']['name']}, {report['corpus']['articles']} articles, "
             f"{report['corpus']['summaries']} summaries)", "",
             "Development figures: the weights were fitted on this half (cross-validated rows: by article).", "",
             "| system | ROUGE-1 F1 | ROUGE-2 F1 [95% CI] | ROUGE-L F1 | words |", "| --- | --- | --- | --- | --- |"]
    for name, row in report["systems"].items():
        r2 = row["rouge2"]
        lines.append(f"| {name} | {row['rouge1']['mean']:.4f} | {r2['mean']:.4f} [{r2['ci95'][0]:.4f}, "
                     f"{r2['ci95'][1]:.4f}] | {row['rougeL']['mean']:.4f} | {row['words']} |")
    lines += ["", "| paired vs lead-k (per-article difference) | ROUGE-2 mean [95% CI] | wins / losses |",
              "| --- | --- | --- |"]
    for name, row in report["paired_vs_lead"].items():
        r2 = row["rouge2"]
        lines.append(f"| {name} | {r2['mean']:+.4f} [{r2['ci95'][0]:+.4f}, {r2['ci95'][1]:+.4f}] | "
                     f"{r2['wins']} / {r2['losses']} |")
    spread = {key: (min(f[key] for f in report["fold_fits"]), max(f[key] for f in report["fold_fits"]))
              for key in ("lead_weight", "first_weight", "paragraph_weight", "centrality")}
    lines += ["", f"Weights fitted on all articles (shipped as RankOptions defaults): `{report['fitted_on_all']}`",
              "", "Weights of the {} fold fits (min-max): {}".format(
                  report["folds"], ", ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, (lo, hi) in spread.items())),
              "", f"Signature: `{report['signature']}`", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation, print the Markdown and save JSON + Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rankers", default="tfidf,use", help="comma-separated: tfidf, use")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles (a smoke test)")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results")
    args = parser.parse_args(argv)
    rankers = [r.strip() for r in args.rankers.split(",") if r.strip()]
    articles = load_corpus(args.data, args.limit)
    started = time.perf_counter()
    report = run(articles, rankers, min(args.folds, len(articles)))
    report["corpus"] = {"name": args.data.name, "articles": len(articles),
                        "summaries": sum(len(a.summaries) for a in articles), "sha256_16": corpus_hash(args.data),
                        "mean_k": round(sum(sum(a.ks) for a in articles) / sum(len(a.ks) for a in articles), 2)}
    report["signature"] = (f"easc-rouge|tok:ar-folded|n:{report['corpus']['articles']}|"
                           f"data:{report['corpus']['sha256_16']}|rankers:{','.join(rankers)}|folds:{args.folds}|"
                           f"bootstrap:2000|seed:12345")
    report["date"] = dt.date.today().isoformat()
    report["seconds"] = round(time.perf_counter() - started, 1)
    stem = f"easc-{args.data.name}-{report['date']}" + (f"-limit{args.limit}" if args.limit else "")
    save_results(args.out / f"{stem}.json", report, markdown(report))
    print(markdown(report))
    print(f"saved {args.out / stem}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
