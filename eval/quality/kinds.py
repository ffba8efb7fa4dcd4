"""Per line kind (title, quote, short line, sentence: summarize.quality.line_kinds), the calibration's shifts of
the expected lengths and similarity, and the verdict's thresholds: each line is judged against human translations
of lines of its own kind.

A kind's shift is the median, over the training human translations of that kind, of each length measure's residual
(and the similarity) against the corpus norm and the line's own document, shrunk toward 0 as if KIND_PRIOR lines at
the norm were added: a kind seen a few times moves nothing. A kind's threshold is the probability that flags the
target share of the training human translations of that kind; a kind with fewer than MIN_KIND_LINES of them keeps
the common threshold.
"""

from __future__ import annotations

import numpy as np

from eval.quality.stats import weighted_quantile

KIND_PRIOR = 20
MIN_KIND_LINES = 100


def kind_shifts(table: dict, human, coef: dict, offsets: dict, lengths_of) -> dict:
    """kind -> {unit: log-length shift, "similarity": shift} from the human translations `human` (table rows of
    4+ Arabic words); offsets: per global line, its document's offsets; lengths_of(table, row) -> Lengths."""
    from summarize.quality.omission import residual

    out = {}
    for kind in sorted(set(table["line_kind"][human])):
        rows = human[table["line_kind"][human] == kind]
        n = len(rows)
        shrink = n / (n + KIND_PRIOR)
        shift = {}
        for unit, model in coef["length"].items():
            values = [residual(model, lengths_of(table, i))[0] - offsets.get(int(table["line"][i]), {}).get(unit, 0.0)
                      for i in rows]
            shift[unit] = round(float(np.median(values)) * shrink, 4)
        similarity = [float(table["similarity"][i]) - coef["similarity_norm"]
                      - offsets.get(int(table["line"][i]), {}).get("similarity", 0.0) for i in rows]
        shift["similarity"] = round(float(np.median(similarity)) * shrink, 4)
        out[str(kind)] = shift
    return out


def kind_thresholds(kinds, probs, weights, target: float, common: float) -> dict[str, float]:
    """kind -> the probability above which `target` of that kind's human translations (weighted) are flagged;
    the common threshold for a kind with fewer than MIN_KIND_LINES lines."""
    out = {}
    for kind in sorted(set(kinds)):
        mask = kinds == kind
        out[str(kind)] = (round(weighted_quantile(probs[mask], 1 - target, weights[mask]), 4)
                          if mask.sum() >= MIN_KIND_LINES else common)
    return out
