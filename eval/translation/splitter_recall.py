"""Sentence-boundary recall of mt.splitter on FLORES-200 dev documents, plus the Arabic repairs' footprint.

A document is a run of consecutive dev lines with the same URL in metadata_dev.tsv, joined by one space;
its true boundaries are the joins. Recall = joins found / joins. Splits inside a FLORES line are counted
as "inside-line splits" (most are real sentence ends: FLORES lines may hold several sentences).

Usage: python eval/translation/splitter_recall.py [--flores DIR] [--out eval/results]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eval.translation.suites import default_flores_dir, flores_documents, load_flores  # noqa: E402
from mt.arabic import find_joined_words, normalize, repair_joined_words, uses_final_ya  # noqa: E402
from mt.splitter import split_sentences  # noqa: E402

TERMINAL_RE = re.compile(r"[.!?؟…][\"'»”)\]]*$")
ARABIC_WORD_RE = re.compile(r"[\u0621-\u063a\u0641-\u064a]+")


def load_documents(flores: Path) -> list[list[str]]:
    """FLORES dev Arabic lines grouped into documents by consecutive equal URLs (eval.translation.suites' grouping)."""
    data = load_flores(flores)
    return [list(data.sources[d.first_line:d.first_line + len(d.spans)]) for d in flores_documents(data)]


def boundary_scores(documents: list[list[str]]) -> dict:
    """Recall over the joins, the splits found inside lines, and the missed joins."""
    joins = found = punctuated = punctuated_found = 0
    inside: list[str] = []
    missed: list[str] = []
    spans_ok = True
    for doc in documents:
        text = " ".join(doc)
        segments = split_sentences(text)
        spans_ok &= all(text[s.span[0] : s.span[1]] == s.text for s in segments)
        ends = {s.span[1] for s in segments}
        start = 0
        for k, line in enumerate(doc):
            end = start + len(line.rstrip())
            inside += [f"{text[max(start, e - 40) : e]} ⟂ {text[e : e + 25]}" for e in sorted(ends)
                       if start < e < end]
            if k < len(doc) - 1:
                hit, has_mark = end in ends, bool(TERMINAL_RE.search(line.rstrip()))
                joins, found = joins + 1, found + hit
                punctuated, punctuated_found = punctuated + has_mark, punctuated_found + (hit and has_mark)
                if not hit:
                    missed.append("…" + line.rstrip()[-50:] + " ⟂ " + doc[k + 1][:25])
            start += len(line) + 1
    return {
        "documents": len(documents), "true_boundaries": joins, "found": found, "recall": found / joins,
        "punctuated_boundaries": punctuated, "punctuated_found": punctuated_found,
        "recall_punctuated": punctuated_found / punctuated,
        "inside_line_splits": len(inside), "precision_vs_joins": found / (found + len(inside)),
        "spans_exact": spans_ok, "missed": missed, "inside_line_examples": inside,
    }


def repair_footprint(documents: list[list[str]], seed: int = 0, samples: int = 2000) -> dict:
    """What the repairs do to clean FLORES text, and how many synthetic joins the word repair undoes."""
    lines = [line for doc in documents for line in doc]
    changes = [pair for line in lines for pair in find_joined_words(normalize(line))]
    tokens = sum(len(normalize(line).split()) for line in lines)
    pairs = []
    for line in lines:
        words = normalize(line, remove_diacritics=True).split()
        pairs += [(a, b) for a, b in zip(words, words[1:], strict=False) if _glueable(a, b)]
    sample = random.Random(seed).sample(pairs, min(samples, len(pairs)))
    outcomes = [repair_joined_words(a + b) for a, b in sample]
    recovered = sum(out == f"{a} {b}" for out, (a, b) in zip(outcomes, sample, strict=False))
    wrong = [out for out, (a, b) in zip(outcomes, sample, strict=False) if out not in (a + b, f"{a} {b}")]
    return {
        "flores_tokens": tokens, "joined_word_changes": len(changes),
        "joined_word_changed": [f"{w} → {r}" for w, r in changes],
        "synthetic_joins": len(sample), "synthetic_recovered": recovered, "synthetic_wrong_splits": wrong,
        "final_ya_documents_repaired": sum(uses_final_ya(normalize(" ".join(d))) for d in documents),
        "final_ya_lines_repaired_if_alone": sum(uses_final_ya(normalize(line)) for line in lines),
    }


def _glueable(left: str, right: str) -> bool:
    """Two Arabic words whose gluing the repair is meant to undo (non-connector end, or ال start)."""
    words = ARABIC_WORD_RE.fullmatch(left) and ARABIC_WORD_RE.fullmatch(right)
    return bool(words) and (left[-1] in "اأإآدذرزوؤةى" or right.startswith("ال"))


def speed(documents: list[list[str]], n_lines: int = 5000) -> float:
    """Seconds to split n_lines FLORES lines given as one multi-line text."""
    lines = [line for doc in documents for line in doc]
    text = "\n".join((lines * (n_lines // len(lines) + 1))[:n_lines])
    start = time.perf_counter()
    split_sentences(text)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Print the figures and save them as eval/results/splitter-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flores", type=Path, default=default_flores_dir())
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results")
    args = parser.parse_args(argv)
    if not (args.flores / "arb_Arab.dev").is_file():
        print(f"FLORES dev not found in {args.flores}; pass --flores DIR", file=sys.stderr)
        return 2
    documents = load_documents(args.flores)
    result = {"date": dt.date.today().isoformat(), "flores": str(args.flores)}
    result.update(boundary_scores(documents))
    result.update(repair_footprint(documents))
    result["split_5000_lines_s"] = round(speed(documents), 3)
    print(f"documents {result['documents']}, true boundaries {result['true_boundaries']}, "
          f"found {result['found']}: recall {result['recall']:.4f}")
    print(f"boundaries after sentence-final punctuation {result['punctuated_boundaries']}, "
          f"found {result['punctuated_found']}: recall {result['recall_punctuated']:.4f}")
    print(f"splits inside FLORES lines {result['inside_line_splits']} "
          f"(precision vs joins {result['precision_vs_joins']:.4f}); spans exact: {result['spans_exact']}")
    for miss in result["missed"]:
        print("  missed:", miss)
    print(f"joined-word repair changes {result['joined_word_changes']} of {result['flores_tokens']} tokens: "
          f"{result['joined_word_changed']}")
    print(f"synthetic joins recovered {result['synthetic_recovered']}/{result['synthetic_joins']}, "
          f"wrong splits {len(result['synthetic_wrong_splits'])}")
    print(f"final-ya repair fires on {result['final_ya_documents_repaired']} documents, "
          f"{result['final_ya_lines_repaired_if_alone']} lines taken alone")
    print(f"split 5000 lines in {result['split_5000_lines_s']} s")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"splitter-{result['date']}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
