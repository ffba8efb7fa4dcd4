"""The three calibration domains of the quality verdict: FLORES-200 dev, TICO-19 test and UN v1.0 dev.

Each is read by path from ../shared/data (never copied into the repository) with a document id per line, so that
the calibration can estimate a segment's document length ratio from the other lines of its document, as
check_translation does from the other segments of a report. Long documents (TICO-19's Wikipedia and PubMed
collections run to hundreds of lines) are cut into runs of REPORT_LINES consecutive lines: one report's worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eval.shared_data import TICO19_TEST, UNPC_DEV
from eval.translation.suites import default_flores_dir, file_sha256, load_flores, read_lines

REPORT_LINES = 40  # a document longer than a report is judged in runs of this many lines


@dataclass(frozen=True)
class Domain:
    """Aligned Arabic/English lines of one kind of text, with a document id per line."""

    name: str
    arabic: tuple[str, ...]
    english: tuple[str, ...]
    documents: tuple[str, ...]
    description: str
    sha256: dict[str, str]

    def head(self, n: int | None) -> Domain:
        """The first n lines (all when n is None)."""
        if n is None:
            return self
        return Domain(self.name, self.arabic[:n], self.english[:n], self.documents[:n], self.description,
                      self.sha256)


def report_runs(documents: list[str], size: int = REPORT_LINES) -> tuple[str, ...]:
    """Document ids cut so that no run of consecutive lines of one document is longer than `size`."""
    out: list[str] = []
    start = 0
    for i, doc in enumerate(documents):
        if i == 0 or doc != documents[i - 1]:
            start = i
        out.append(f"{doc}#{(i - start) // size}")
    return tuple(out)


def load_flores_domain(folder: Path | None = None) -> Domain:
    """FLORES-200 dev, documents from metadata_dev.tsv URLs."""
    data = load_flores(folder or default_flores_dir())
    return Domain("flores", data.sources, data.references[0], report_runs(list(data.documents or ())),
                  "FLORES-200 dev arb_Arab / eng_Latn (Wikinews, Wikivoyage, Wikibooks; CC-BY-SA-4.0)",
                  {"arabic": data.sha256["source"], "english": data.sha256["references"][0]})


def load_tico(folder: Path = TICO19_TEST) -> Domain:
    """TICO-19 test (English originals, professional Arabic; CC0): the document is the id before ':'."""
    ar, en, info = (folder / f"tico19-test.{ext}" for ext in ("ar", "en", "en.info"))
    docs = [line.split("\t", 1)[0].rsplit(":", 1)[0] for line in read_lines(info)]
    return _domain("tico19", ar, en, docs, "TICO-19 test, medical and COVID-19 news-like text (CC0)")


def load_unpc(folder: Path = UNPC_DEV) -> Domain:
    """UN Parallel Corpus v1.0 dev (formal UN text): the document is the symbol in the .ids file."""
    ar, en, ids = (folder / f"UNv1.0.devset.{ext}" for ext in ("ar", "en", "ids"))
    docs = [line.split()[0] for line in read_lines(ids)]
    return _domain("unpc", ar, en, docs, "UN Parallel Corpus v1.0 dev, formal UN text (UN terms of use)")


def _domain(name: str, ar: Path, en: Path, docs: list[str], description: str) -> Domain:
    arabic, english = read_lines(ar), read_lines(en)
    if not len(arabic) == len(english) == len(docs):
        raise ValueError(f"{ar.parent}: {len(arabic)} Arabic, {len(english)} English, {len(docs)} id lines")
    return Domain(name, tuple(arabic), tuple(english), report_runs(docs), description,
                  {"arabic": file_sha256(ar), "english": file_sha256(en)})


LOADERS = {"flores": load_flores_domain, "tico19": load_tico, "unpc": load_unpc}


def available() -> dict[str, str]:
    """Which domains' files are present (name -> folder), for a skip with a reason where one is absent."""
    folders = {"flores": default_flores_dir(), "tico19": TICO19_TEST, "unpc": UNPC_DEV}
    return {name: str(folder) for name, folder in folders.items() if folder.is_dir()}
