"""Fit the ranker's score weights on EASC's human picks, and the folds that keep fitting and scoring apart.

Each article's units, duplicate keys, similarities and figures bonus are computed once per ranker, exactly as
make_brief computes them. A unit's label is the share of the five summaries that picked it; its features are
the terms of rank.scores (lead prior, first unit, paragraph start, centrality on TF-IDF). Centrality walks the
TF-IDF graph under every ranker (RankOptions.centrality_on), so one fit serves both rankers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from eval.summaries.easc_data import Article, translation_of
from eval.summaries.rouge_ar import normalize_tokens
from summarize import rank

FEATURES = ("lead_prior", "first", "paragraph_start", "centrality")  # what rank.scores mixes (figures: see fit)
PICKED = 0.6  # a unit is in a summary when this share of its bigrams is in it
RIDGE = 1.0


@dataclass(frozen=True)
class Prepared:
    """What the ranker sees of one article: units, duplicate keys, tokens, similarities, figures bonus."""

    units: tuple[rank.Unit, ...]
    keys: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]
    sim: object  # np.ndarray: the ranker's similarity (duplicates)
    central_sim: object  # np.ndarray: the similarity LexRank walks (TF-IDF by default)
    bonus: object  # np.ndarray


def prepare(article: Article, ranker: str, options: rank.RankOptions = rank.RankOptions()) -> Prepared:
    """The article as make_brief's ranking stage receives it, under one ranker."""
    from summarize.brief.plan import candidates
    from summarize.lang.figures import extract_figures

    segments = translation_of(article).segments
    figures = extract_figures(segments)
    units, keys = candidates(segments, figures, options)
    sim = rank.unit_similarity(units, segments, ranker)
    central_sim = sim if options.centrality_on == "ranker" or ranker == "tfidf" else rank.similarity(
        [u.arabic for u in units], "tfidf")
    return Prepared(tuple(units), tuple(keys), tuple(tuple(normalize_tokens(u.arabic)) for u in units), sim,
                    central_sim, rank.figure_bonus(units, figures))


def features(prepared: Prepared, options: rank.RankOptions = rank.RankOptions()):
    """Per unit: the lead prior, 1 for the first unit, 1 for a paragraph start, LexRank centrality."""
    import numpy as np

    central = rank.centrality(prepared.central_sim, options.damping)
    first = np.zeros(len(central))
    first[:1] = 1.0
    return np.stack([rank.lead_prior(len(central), options.lead_decay), first,
                     rank.paragraph_starts(prepared.units), central], axis=1)


def labels(article: Article, prepared: Prepared):
    """Per unit: the share of the article's summaries that picked it (>= PICKED of its bigrams in there)."""
    import numpy as np

    from eval.summaries.rouge_ar import ngrams

    references = [ngrams(normalize_tokens(s), 2) for s in article.summaries]
    out = []
    for tokens in prepared.tokens:
        grams = ngrams(tokens, 2)
        total = max(1, sum(grams.values()))
        out.append(np.mean([sum((grams & r).values()) / total >= PICKED for r in references]))
    return np.asarray(out)


def fit(tables: Sequence[tuple[object, object]]) -> rank.RankOptions:
    """Ridge regression of the labels on the features, centred per article (only the order within one counts).

    The weights, scaled so that lead prior + paragraph start + centrality = 1, become lead_weight,
    paragraph_weight and first_weight; the figures bonus is left at 0 (easc-dev's readers did not favour
    sentences with figures) and MMR's novelty term is off (lambda 1: near-duplicates are still refused).
    """
    import numpy as np

    x = np.concatenate([f - f.mean(axis=0) for f, _ in tables])
    y = np.concatenate([lab - lab.mean() for _, lab in tables])
    w = np.clip(np.linalg.solve(x.T @ x + RIDGE * np.eye(x.shape[1]), x.T @ y), 0.0, None)
    shares = w[0] + w[2] + w[3]  # rank.scores gives centrality what lead and paragraph weights leave
    lead, first, paragraph = (w[0] / shares, w[1] / shares, w[2] / shares) if shares > 0 else (1.0, 0.0, 0.0)
    return replace(rank.RankOptions(), lead_weight=round(float(lead), 3), first_weight=round(float(first), 3),
                   paragraph_weight=round(float(paragraph), 3), figure_weight=0.0, mmr_lambda=1.0)


def folds_by_article(n: int, k: int = 10) -> list[int]:
    """Fold of each article: round robin over the index order (which is by topic, so folds mix topics)."""
    return [i % k for i in range(n)]


def cross_validated(table: Sequence[tuple[object, object]], folds: Sequence[int]) -> dict[int, rank.RankOptions]:
    """Per fold, the options fitted on the other folds' articles (table[i]: article i's features and labels)."""
    return {fold: fit([table[i] for i in range(len(folds)) if folds[i] != fold]) for fold in sorted(set(folds))}


def describe(options: rank.RankOptions) -> dict[str, float | str]:
    """The fitted fields of an option set."""
    return {"lead_weight": options.lead_weight, "first_weight": options.first_weight,
            "paragraph_weight": options.paragraph_weight,
            "centrality": round(1 - options.lead_weight - options.paragraph_weight - options.figure_weight
                                - options.lede_weight, 3), "centrality_on": options.centrality_on,
            "figure_weight": options.figure_weight, "lead_decay": options.lead_decay, "mmr_lambda": options.mmr_lambda}
