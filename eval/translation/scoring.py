"""Quality evaluation: sacrebleu BLEU / chrF++ / TER with bootstrap intervals, per-sentence chrF++, the
correlation of a reference-free quality estimate with chrF++, document-mode alignment and paired tests.

The quality estimate comes from whichever package registers ``similarity`` in the entry-point group
``mtbrief.qe`` (summarize does), so the scoring works without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from eval.translation.suites import EvalData, check_counts, flores_documents, lines_sha256
from mt.errors import InputError, InvalidOption

if TYPE_CHECKING:
    from mt.translator import Translator

METRICS = ("BLEU", "chrF2++", "TER")  # sacrebleu's own names for BLEU(), CHRF(word_order=2), TER()
QE_FUNCTION = "summarize.quality.check:similarities"
RESULT_FORMAT = "mtbrief-eval/1"
QualityFn = Callable[[list[str], list[str]], list[float]]


@dataclass(frozen=True)
class EvalOptions:
    """How a run is scored."""

    n_bootstrap: int = 1000  # resamples for the 95% confidence intervals (sacrebleu's default is 1000)
    document_mode: bool = False

    def __post_init__(self) -> None:
        if self.n_bootstrap < 1:
            raise InvalidOption("n_bootstrap", self.n_bootstrap, ["an integer >= 1 (1 = no intervals)"])


def make_metrics() -> dict[str, Any]:
    """Fresh sacrebleu metric objects keyed by their score names."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    class FloatCHRF(CHRF):
        """sacrebleu's chrF, every score a Python float: its bootstrap scores float32 resamples, and a resample
        with no n-gram in common gives a Python 0.0 beside them, which statistics.mean refuses (TypeError)."""

        def _compute_f_score(self, statistics: Any) -> float:
            return float(super()._compute_f_score(statistics))

    return {"BLEU": BLEU(), "chrF2++": FloatCHRF(word_order=2), "TER": TER()}


def corpus_scores(hyps: Sequence[str], refs: Sequence[Sequence[str]], n_bootstrap: int = 1000
                  ) -> dict[str, dict[str, Any]]:
    """Corpus BLEU, chrF++ and TER, each with its sacrebleu signature and 95% bootstrap interval."""
    out: dict[str, dict[str, Any]] = {}
    for name, metric in make_metrics().items():
        score = metric.corpus_score(list(hyps), [list(r) for r in refs], n_bootstrap=n_bootstrap)
        signature = metric.get_signature().format()
        entry: dict[str, Any] = {"score": score.score, "signature": signature,
                                 "line": score.format(signature=signature)}
        if n_bootstrap > 1:
            # sacrebleu's interval: mean of the resampled scores ± half the 2.5–97.5 percentile range
            entry["bootstrap_mean"], entry["ci95"] = float(score._mean), float(score._ci)
        out[name] = entry
    return out


def sentence_chrf(hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> list[float]:
    """chrF++ of every hypothesis against its references."""
    from sacrebleu.metrics import CHRF

    metric = CHRF(word_order=2)
    return [metric.sentence_score(hyp, [r[i] for r in refs]).score for i, hyp in enumerate(hyps)]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when undefined (fewer than 2 pairs or a constant series)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank (as scipy.stats.rankdata)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's r of the ranks."""
    return pearson(ranks(xs), ranks(ys)) if len(xs) == len(ys) else None


def quality_function() -> tuple[str, QualityFn | None, str]:
    """The quality function the reports correlate with chrF++: summarize's cross-lingual similarity."""
    from summarize.quality.check import similarities

    return QE_FUNCTION, similarities, ""


def quality_estimate(sources: Sequence[str], hyps: Sequence[str], chrf: Sequence[float],
                     qe: tuple[str, QualityFn | None, str]) -> tuple[dict[str, Any], list[float] | None]:
    """Per-sentence QE scores and their Pearson / Spearman correlation with chrF++, or why there are none."""
    target, function, reason = qe
    if function is None:
        return {"available": False, "reason": reason}, None
    try:
        scores = [float(s) for s in function(list(sources), list(hyps))]
    except Exception as exc:  # e.g. its encoder is not downloaded: the translation run is still worth keeping
        return {"available": False, "reason": f"{target} failed: {type(exc).__name__}: {exc}"}, None
    if len(scores) != len(hyps):
        reason = f"{target} returned {len(scores)} scores for {len(hyps)} lines"
        return {"available": False, "reason": reason}, None
    return {"available": True, "function": target, "n": len(scores), "pearson": pearson(scores, chrf),
            "spearman": spearman(scores, chrf)}, scores


def evaluate(data: EvalData, hyps: Sequence[str], system: dict[str, Any],
             qe: tuple[str, QualityFn | None, str], options: EvalOptions = EvalOptions()) -> dict[str, Any]:
    """Score hypotheses against a suite: the JSON-safe result of one run, hypotheses included."""
    if not hyps:
        raise InputError(data.files["source"], "no lines to evaluate")
    refs = zip(data.files["references"], data.references, strict=True)
    check_counts([("source", data.files["source"], len(data.sources)),
                  *[("reference", file, len(lines)) for file, lines in refs],
                  ("hypotheses", system.get("hypotheses_file", "(translated)"), len(hyps))])
    scores = corpus_scores(hyps, data.references, options.n_bootstrap)
    chrf = sentence_chrf(hyps, data.references)
    qe_report, qe_scores = quality_estimate(data.sources, hyps, chrf, qe)
    sentences = [{"line": i + 1, "source_chars": len(src), "chrf": chrf[i],
                  "qe": qe_scores[i] if qe_scores else None} for i, src in enumerate(data.sources)]
    signature = {"system": system, "metrics": {name: s["signature"] for name, s in scores.items()},
                 "sha256": {**data.sha256, "hypotheses": lines_sha256(hyps)},
                 "files": data.files, "langpair": data.langpair}
    return {"format": RESULT_FORMAT, "suite": data.suite, "created": _now(), "lines": len(hyps),
            "limit": data.limit, "signature": signature, "scores": scores, "qe": qe_report,
            "sentences": sentences, "hypotheses": list(hyps), "document_mode": None}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def document_mode(translator: Translator, data: EvalData, line_hyps: Sequence[str],
                  options: EvalOptions = EvalOptions()) -> dict[str, Any]:
    """Translate the rebuilt documents as running text, align segments back to lines, score both modes."""
    documents = flores_documents(data)
    translations = translator.translate_batch([d.text for d in documents])
    per_line: list[list[str]] = [[] for _ in data.sources]
    straddling = []
    for doc, translation in zip(documents, translations, strict=True):
        for seg in translation.segments:
            first, last = doc.line_of(seg.span[0]), doc.line_of(max(seg.span[1] - 1, seg.span[0]))
            if last != first:  # a sentence end the splitter did not see: the segment covers two lines
                straddling.append({"lines": [doc.first_line + first + 1, doc.first_line + last + 1],
                                   "source": seg.source})
            if seg.target:
                per_line[doc.first_line + first].append(seg.target)
    hyps = [" ".join(parts) for parts in per_line]
    line_sources = [p.source.text for line in data.sources for p in translator.prepare(line)]
    doc_sources = [seg.source for t in translations for seg in t.segments]
    return {
        "documents": len(documents),
        "segments_line_mode": len(line_sources),
        "segments_document_mode": len(doc_sources),
        "segment_counts_equal": len(line_sources) == len(doc_sources),
        "segment_sources_identical": line_sources == doc_sources,
        "straddling": straddling,
        "lines_differing_from_line_mode": sum(a != b for a, b in zip(hyps, line_hyps, strict=True)),
        "scores": corpus_scores(hyps, data.references, options.n_bootstrap),
        "line_mode_scores": {name: s["score"] for name, s in
                             corpus_scores(line_hyps, data.references, 1).items()},
        "hypotheses": hyps,
    }


def paired_bootstrap(named: list[tuple[str, list[str]]], refs: Sequence[Sequence[str]],
                     n_samples: int = 1000) -> dict[str, Any]:
    """sacrebleu's paired bootstrap test of systems against the first (the baseline), JSON-safe."""
    from sacrebleu.significance import PairedTest

    test = PairedTest(named, make_metrics(), [list(r) for r in refs], test_type="bs", n_samples=n_samples)
    signatures, table = test()
    systems = table.pop("System")

    def _cell(result: Any) -> dict[str, float | None]:
        return {key: None if value is None else float(value) for key, value in
                (("score", result.score), ("p_value", result.p_value), ("mean", result.mean),
                 ("ci95", result.ci))}

    return {"test": "paired bootstrap resampling", "n_samples": n_samples, "baseline": systems[0],
            "systems": list(systems), "signatures": {m: s.format() for m, s in signatures.items()},
            "metrics": {m: [_cell(r) for r in results] for m, results in table.items()}}
