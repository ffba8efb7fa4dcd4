"""The calibration table of the quality verdict: per case, the lengths, similarities, document offsets and numbers.

Sentence vectors are the slow part (USE on ~50,000 texts): they are kept in an .npz per domain under the
cache folder (text -> vector), so a refit after a change to the number readers or the features re-encodes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LENGTH_KEYS = ("source_chars", "target_chars", "source_words", "target_words", "target_content_words",
               "source_clauses", "target_clauses")
DEFAULT_CACHE = Path("/tmp/mtbrief-qe-vectors")


def cached_vectors(encoder, texts: list[str], path: Path | None) -> np.ndarray:
    """Vectors of texts, read from / added to the .npz at `path` (None: no cache)."""
    known: dict[str, np.ndarray] = {}
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as saved:
            known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, encoder.encode(missing), strict=True))
        encoder.clear_cache()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            names = list(known)
            np.savez(path.with_suffix(".tmp.npz"), texts=np.array(names), vectors=np.stack([known[t] for t in names]))
            path.with_suffix(".tmp.npz").replace(path)
    return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 512), dtype=np.float32)


def build_table(domain, cases, encoder, cache: Path | None) -> dict:
    """Per case: kind, line, document, lengths, similarity, best similarity with the Arabic of a line
    NEIGHBOUR_WINDOW or fewer lines away in the same document (-1 without one), Arabic numbers the English lost,
    and the kind of the Arabic line (title, quote, short line, sentence)."""
    from summarize.quality.check import number_flags
    from summarize.quality.line_kinds import line_kind
    from summarize.quality.omission import measure

    arabic, documents = list(domain.arabic), list(domain.documents)
    path = cache / f"{domain.name}.npz" if cache is not None else None
    src = cached_vectors(encoder, arabic, path)
    texts = list(dict.fromkeys(c.english for c in cases))
    index = {t: k for k, t in enumerate(texts)}
    tgt = cached_vectors(encoder, texts, path)
    lines = np.array([c.line for c in cases])
    vectors = tgt[[index[c.english] for c in cases]]
    table = {"kind": np.array([c.kind for c in cases]), "line": lines,
             "document": np.array([documents[c.line] for c in cases]),
             "similarity": (src[lines] * vectors).sum(axis=1),
             "neighbour": np.array([_neighbour(src, vector, c.line, documents) for c, vector in
                                    zip(cases, vectors, strict=True)])}
    measured = [measure(arabic[c.line], c.english) for c in cases]
    for key in LENGTH_KEYS:
        table[key] = np.array([getattr(m, key) for m in measured])
    flags = [number_flags(arabic[c.line], c.english) for c in cases]
    table["lost_numbers"] = np.array([sum(f.detail["problem"] != "added" for f in fl) for fl in flags])
    table["any_number_flag"] = np.array([bool(fl) for fl in flags])
    kinds = [line_kind(line) for line in arabic]
    table["line_kind"] = np.array([kinds[c.line] for c in cases])
    return table


def _neighbour(src, vector, line: int, documents: list[str]) -> float:
    from summarize.quality.omission import NEIGHBOUR_WINDOW

    near = [j for j in range(max(0, line - NEIGHBOUR_WINDOW), min(len(documents), line + NEIGHBOUR_WINDOW + 1))
            if j != line and documents[j] == documents[line]]
    return float((src[near] @ vector).max()) if near else -1.0
