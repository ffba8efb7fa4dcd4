"""Small statistics of the quality calibration: ROC AUC, weighted logistic regression, weighted quantiles."""

from __future__ import annotations

import numpy as np

L2 = 1e-3  # the logistic regression's ridge penalty (not on the bias)


def roc_auc(positive, negative) -> float:
    """Mann-Whitney ROC AUC (ties count half): P(a human translation scores above a bad one)."""
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks over ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def fit_logistic(x, y, weight):
    """Weighted L2-regularized logistic regression by Newton's method: (bias, weights)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = L2 * np.eye(len(beta))
    penalty[0, 0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -50, 50)))
        gradient = design.T @ (weight * (p - y)) + penalty @ beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return float(beta[0]), beta[1:]


def weighted_quantile(values, q: float, weights) -> float:
    """The q-quantile of values, each weighing its weight."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])
