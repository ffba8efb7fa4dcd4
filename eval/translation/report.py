"""Evaluation reports: the result JSON, a Markdown summary, a chrF++ figure, and paired comparisons."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from eval.translation.scoring import paired_bootstrap
from eval.translation.suites import file_sha256, read_lines
from mt.errors import InputError
from mt.textio import read_text_input, write_output

_SLUG_RE = re.compile(r"[^A-Za-z0-9._+-]+")


def model_slug(system: dict[str, Any]) -> str:
    """A file-name-safe name of the system: the model's last path part, or hyp-<file stem>."""
    if "hypotheses_file" in system:
        return "hyp-" + _SLUG_RE.sub("_", Path(system["hypotheses_file"]).stem)
    name = str(system.get("model", "model")).rstrip("/\\")
    return _SLUG_RE.sub("_", re.split(r"[/\\]", name)[-1]) or "model"


def result_stem(result: dict[str, Any], out_dir: Path) -> Path:
    """<suite>-<model>-<date>, with -2, -3 … added rather than overwrite an earlier run of the same day."""
    base = f"{_SLUG_RE.sub('_', result['suite'])}-{model_slug(result['signature']['system'])}-{date.today()}"
    stem, n = out_dir / base, 1
    while stem.with_suffix(".json").exists():
        n += 1
        stem = out_dir / f"{base}-{n}"
    return stem


def write_result(result: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write <stem>.json, .md and .png into out_dir; returns their paths."""

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = result_stem(result, folder)
    paths = {kind: stem.with_suffix(f".{kind}") for kind in ("json", "md", "png")}
    plot_sentences(result, paths["png"])
    write_output(str(paths["md"]), to_markdown(result, paths["png"].name))
    write_output(str(paths["json"]), json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    return paths


def plot_sentences(result: dict[str, Any], path: Path) -> None:
    """Per-sentence chrF++ against source length, and its histogram, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt

    lengths = [s["source_chars"] for s in result["sentences"]]
    chrf = [s["chrf"] for s in result["sentences"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.scatter(lengths, chrf, s=8, alpha=0.6)
    left.set(xlabel="source length (characters)", ylabel="chrF++", ylim=(0, 100),
             title="per-sentence chrF++ vs source length")
    right.hist(chrf, bins=20, range=(0, 100))
    right.set(xlabel="chrF++", ylabel="sentences", title="distribution of per-sentence chrF++")
    fig.suptitle(f"{result['suite']} — {model_slug(result['signature']['system'])} ({result['lines']} lines)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def score_rows(scores: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown table rows: metric, score, 95% interval, sacrebleu signature."""
    rows = ["| metric | score | 95% CI (bootstrap mean ± half-width) | sacrebleu signature |",
            "|---|---|---|---|"]
    for name, s in scores.items():
        ci = f"{s['bootstrap_mean']:.2f} ± {s['ci95']:.2f}" if "ci95" in s else "n/a"
        rows.append(f"| {name} | {s['score']:.2f} | {ci} | `{s['signature']}` |")
    return rows


def qe_line(qe: dict[str, Any]) -> str:
    """One line on the quality estimate: its correlations with chrF++, or why it is missing."""
    if not qe["available"]:
        return f"qe: not available ({qe['reason']})"
    return (f"qe: {qe['function']}: correlation with per-sentence chrF++ over {qe['n']} lines: "
            f"Pearson {_fmt(qe['pearson'], 3)}, Spearman {_fmt(qe['spearman'], 3)}")


def document_lines(doc: dict[str, Any]) -> list[str]:
    """Markdown lines on document mode: segment counts, straddling segments, scores of both modes."""
    verdict = "equal" if doc["segment_counts_equal"] else "DIFFERENT"
    lines = [f"- documents: {doc['documents']}; segments: line mode {doc['segments_line_mode']}, "
             f"document mode {doc['segments_document_mode']} ({verdict}); identical segment sources: "
             f"{'yes' if doc['segment_sources_identical'] else 'no'}",
             f"- lines whose translation differs from line mode: {doc['lines_differing_from_line_mode']}",
             f"- segments straddling two lines: {len(doc['straddling'])}"]
    lines += [f"  - lines {s['lines'][0]}–{s['lines'][1]}: {s['source'][:80]}"
              for s in doc["straddling"][:20]]
    lines += ["", "| metric | line mode | document mode |", "|---|---|---|"]
    lines += [f"| {name} | {doc['line_mode_scores'][name]:.2f} | {s['score']:.2f} |"
              for name, s in doc["scores"].items()]
    return lines


def to_markdown(result: dict[str, Any], png_name: str | None = None) -> str:
    """The run as a Markdown report."""
    sig = result["signature"]
    system = ", ".join(f"{k}: {v}" for k, v in sig["system"].items())
    limit = f" (first {result['limit']})" if result.get("limit") else ""
    lines = [f"# Evaluation: {result['suite']} — {model_slug(sig['system'])}", "",
             f"{result['lines']} lines{limit}, {sig['langpair']}, run {result['created']}", "",
             *score_rows(result["scores"]), "", qe_line(result["qe"]), "", "## Signature", "",
             f"- system: {system}"]
    lines += [f"- {role}: {sig['files'][role]} sha256 {sig['sha256'][role]}"
              for role in ("source", "metadata") if role in sig["files"]]
    lines += [f"- reference: {f} sha256 {h}"
              for f, h in zip(sig["files"]["references"], sig["sha256"]["references"], strict=True)]
    lines.append(f"- hypotheses sha256 {sig['sha256']['hypotheses']} (lines as scored, each + newline)")
    if result.get("document_mode"):
        lines += ["", "## Document mode", "", *document_lines(result["document_mode"])]
    if png_name:
        lines += ["", f"![per-sentence chrF++]({png_name})"]
    return "\n".join(lines) + "\n"


def summary(result: dict[str, Any], paths: dict[str, Path]) -> str:
    """What `mtbrief eval` prints: sacrebleu-style score lines, QE, document mode and the files written."""
    lines = [s["line"] for s in result["scores"].values()]
    lines.append(qe_line(result["qe"]))
    doc = result.get("document_mode")
    if doc:
        lines.append(f"document mode: {doc['documents']} documents, "
                     f"segments line {doc['segments_line_mode']} / "
                     f"document {doc['segments_document_mode']}, straddling {len(doc['straddling'])}; "
                     + ", ".join(f"{n} {s['score']:.2f}" for n, s in doc["scores"].items()))
    lines.append("wrote " + ", ".join(str(p) for p in paths.values()))
    return "\n".join(lines)


# -- --compare ----------------------------------------------------------------------------------------------

def load_result(path: str) -> dict[str, Any]:
    """A result JSON written by `mtbrief eval`, or InputError."""

    try:
        result = json.loads(read_text_input(path))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not a result JSON ({exc})") from None
    if not isinstance(result, dict) or "hypotheses" not in result or "signature" not in result:
        raise InputError(path, "not a result of `mtbrief eval` (no hypotheses / signature)")
    return result


def comparable_references(a: dict[str, Any], b: dict[str, Any], names: list[str], refs: list[str]
                          ) -> list[list[str]]:
    """The reference lines both results were scored on, checked against their stored SHA-256 hashes."""
    sa, sb = a["signature"], b["signature"]
    for key in ("source", "references"):
        if sa["sha256"][key] != sb["sha256"][key]:
            raise InputError(names[1], f"was scored on other {key} files than {names[0]} (sha256 differs)")
    if a["lines"] != b["lines"]:
        raise InputError(names[1], f"has {b['lines']} lines, {names[0]} has {a['lines']}; "
                         "use the same --limit")
    files = refs or sa["files"]["references"]
    if len(files) != len(sa["sha256"]["references"]):
        raise InputError(files[0], f"{len(files)} reference files given, the results used "
                         f"{len(sa['sha256']['references'])}")
    for file, digest in zip(files, sa["sha256"]["references"], strict=True):
        if not Path(file).is_file():
            raise InputError(file, "reference not found; pass the reference files again with --ref")
        if file_sha256(file) != digest:
            raise InputError(file, "sha256 differs from the reference the results were scored on")
    return [read_lines(f)[: a["lines"]] for f in files]


def run_compare(paths: list[str], refs: list[str], out_dir: str, n_samples: int) -> int:
    """`mtbrief eval --compare A.json B.json`: paired bootstrap of B against baseline A; print and save."""

    a, b = load_result(paths[0]), load_result(paths[1])
    references = comparable_references(a, b, paths, refs)
    names = [Path(p).stem for p in paths]
    if names[0] == names[1]:
        names = [f"A:{names[0]}", f"B:{names[1]}"]
    comparison = paired_bootstrap([(names[0], a["hypotheses"]), (names[1], b["hypotheses"])], references,
                                  max(n_samples, 2))
    comparison["results"] = {name: {"file": p, "system": r["signature"]["system"]}
                             for name, p, r in zip(names, paths, (a, b), strict=True)}
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"compare-{_SLUG_RE.sub('_', names[0])}-vs-{_SLUG_RE.sub('_', names[1])}"
    text = compare_markdown(comparison)
    write_output(str(stem.with_suffix(".json")), json.dumps(comparison, ensure_ascii=False, indent=1) + "\n")
    write_output(str(stem.with_suffix(".md")), text)
    print(text + f"\nwrote {stem.with_suffix('.json')}, {stem.with_suffix('.md')}")
    return 0


def compare_markdown(comparison: dict[str, Any]) -> str:
    """The paired test as a Markdown table: score (mean ± CI) per system, p-value against the baseline."""
    systems = comparison["systems"]
    lines = [f"# Paired bootstrap resampling ({comparison['n_samples']} samples), baseline {systems[0]}", "",
             "| metric | " + " | ".join(systems) + " | p-value |", "|---|" + "---|" * (len(systems) + 1)]
    for metric, cells in comparison["metrics"].items():
        shown = [f"{c['score']:.2f} (μ {_fmt(c['mean'])} ± {_fmt(c['ci95'])})" for c in cells]
        lines.append(f"| {metric} | " + " | ".join(shown) + f" | {_fmt(cells[-1]['p_value'], 4)} |")
    lines += ["", *[f"- {m}: `{s}`" for m, s in comparison["signatures"].items()]]
    return "\n".join(lines) + "\n"
