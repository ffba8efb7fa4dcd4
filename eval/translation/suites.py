"""Evaluation data: FLORES-200 dev, sacrebleu's downloadable test sets, or the user's own aligned files."""

from __future__ import annotations

import bisect
import csv
import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mt.errors import InputError, InvalidOption, MtbriefError
from mt.textio import read_text_input, text_lines

FLORES_SUITE = "flores200-dev"
FLORES_FILES = {"source": "arb_Arab.dev", "reference": "eng_Latn.dev", "metadata": "metadata_dev.tsv"}
LANGPAIR = "ar-en"
CUSTOM_SUITE = "custom"


@dataclass(frozen=True)
class EvalData:
    """Aligned source and reference lines, where they came from and their SHA-256 hashes."""

    suite: str
    sources: tuple[str, ...]
    references: tuple[tuple[str, ...], ...]  # one stream per reference file, each aligned with sources
    files: dict[str, Any]  # {"source": path, "references": [paths]}
    sha256: dict[str, Any]  # {"source": hex, "references": [hex, ...]} of the whole files
    langpair: str = LANGPAIR
    documents: tuple[str, ...] | None = None  # per line, the id (URL) of its document; FLORES only
    limit: int | None = None

    def head(self, n: int | None) -> EvalData:
        """The first n lines (all when n is None)."""
        if n is None:
            return self
        if n < 1:
            raise InvalidOption("--limit", n, ["an integer >= 1"])
        docs = self.documents[:n] if self.documents is not None else None
        return replace(self, sources=self.sources[:n], references=tuple(r[:n] for r in self.references),
                       documents=docs, limit=n)


@dataclass(frozen=True)
class Document:
    """Consecutive lines of one article joined by single spaces, with each line's span in the text."""

    text: str
    first_line: int  # index of its first line in the suite
    spans: tuple[tuple[int, int], ...]  # (start, end) of each line in text

    def line_of(self, offset: int) -> int:
        """Index (within this document) of the line whose span holds the character offset."""
        starts = [s for s, _ in self.spans]
        return max(bisect.bisect_right(starts, offset) - 1, 0)


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file (a final newline does not add an empty line)."""

    return text_lines(read_text_input(str(path)))


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (what `sha256sum` prints)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lines_sha256(lines: list[str] | tuple[str, ...]) -> str:
    """SHA-256 of lines written as a UTF-8 file with a newline after each line."""
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def check_counts(named_counts: list[tuple[str, str, int]]) -> None:
    """InputError naming every count when the (role, file, line count) triples disagree."""
    if len({count for _, _, count in named_counts}) > 1:
        parts = ", ".join(f"{role} {name} {count}" for role, name, count in named_counts)
        raise InputError("line counts differ", f"{parts}; each file needs one line per source line")


def default_flores_dir() -> Path:
    """$MTBRIEF_FLORES, else ../shared/data/flores200-dev next to the repository."""
    env = os.environ.get("MTBRIEF_FLORES")
    if env:
        return Path(env)
    from eval.shared_data import SHARED_DATA

    return SHARED_DATA / FLORES_SUITE


def load_files(src: str, refs: list[str], suite: str = CUSTOM_SUITE) -> EvalData:
    """A user's source file and one or more reference files, aligned line by line."""
    if not refs:
        raise InputError(src, "no reference given; add --ref FILE (one English line per source line)")
    sources = read_lines(src)
    references = [read_lines(ref) for ref in refs]
    check_counts([("source", src, len(sources))]
                 + [("reference", r, len(x)) for r, x in zip(refs, references, strict=True)])
    if not sources:
        raise InputError(src, "no lines to evaluate")
    return EvalData(suite, tuple(sources), tuple(tuple(r) for r in references),
                    files={"source": str(src), "references": [str(r) for r in refs]},
                    sha256={"source": file_sha256(src), "references": [file_sha256(r) for r in refs]})


def load_flores(data_dir: str | Path | None = None) -> EvalData:
    """FLORES-200 dev (arb_Arab → eng_Latn) with each line's document URL from metadata_dev.tsv."""
    folder = Path(data_dir) if data_dir else default_flores_dir()
    paths = {role: folder / name for role, name in FLORES_FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise InputError(str(path), "no such file; pass --data DIR with the FLORES-200 dev files "
                             f"({', '.join(FLORES_FILES.values())}) or set MTBRIEF_FLORES")
    data = load_files(str(paths["source"]), [str(paths["reference"])], FLORES_SUITE)
    documents = _flores_urls(paths["metadata"])
    check_counts([("source", str(paths["source"]), len(data.sources)),
                  ("metadata rows", str(paths["metadata"]), len(documents))])
    files = {**data.files, "metadata": str(paths["metadata"])}
    sha = {**data.sha256, "metadata": file_sha256(paths["metadata"])}
    return replace(data, documents=tuple(documents), files=files, sha256=sha)


def _flores_urls(metadata: Path) -> list[str]:
    with open(metadata, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0][:1] != ["URL"]:
        raise InputError(str(metadata), "expected a header row starting with URL")
    return [row[0] if row else "" for row in rows[1:]]


def sacrebleu_suites(langpair: str = LANGPAIR) -> list[str]:
    """Names of sacrebleu's test sets that have the language pair."""
    from sacrebleu.dataset import DATASETS

    return sorted(name for name, dataset in DATASETS.items() if langpair in dataset.langpairs)


def load_sacrebleu(name: str, langpair: str = LANGPAIR) -> EvalData:
    """One of sacrebleu's test sets, downloaded into ~/.sacrebleu on first use."""
    from sacrebleu import utils

    choices = sacrebleu_suites(langpair)
    if name not in choices:
        raise InvalidOption("--suite", name, [FLORES_SUITE, *choices, "or --src FILE --ref FILE"])
    try:
        src = utils.get_source_file(name, langpair)
        refs = utils.get_reference_files(name, langpair)
    except (OSError, SystemExit) as exc:  # urllib's URLError is an OSError; sacrebleu exits on SSL errors
        raise MtbriefError(
            f"suite {name!r} ({langpair}) is not downloaded and the download failed ({exc}); it needs the "
            f"network once, after which it is read from {utils.SACREBLEU_DIR}/{name}"
        ) from None
    return load_files(src, list(refs), name)


def load_suite(suite: str | None, src: str | None, refs: list[str], data_dir: str | None) -> EvalData:
    """The evaluation data a command line asks for: --src/--ref files, FLORES, or a sacrebleu test set."""
    if src is not None:
        if suite == FLORES_SUITE or (suite and suite in sacrebleu_suites()):
            raise InvalidOption("--suite", suite, ["a label of your own with --src/--ref",
                                                   "or drop --src/--ref to use the built-in suite"])
        return load_files(src, refs, suite or CUSTOM_SUITE)
    if refs:
        raise InputError(refs[0], "--ref needs --src (the source lines it is aligned with)")
    suite = suite or FLORES_SUITE
    if suite == FLORES_SUITE:
        return load_flores(data_dir)
    return load_sacrebleu(suite)


def flores_documents(data: EvalData) -> list[Document]:
    """Rebuild the articles: consecutive lines with the same URL, joined by single spaces."""
    if data.documents is None:
        raise InvalidOption("--document-mode suite", data.suite,
                            [f"{FLORES_SUITE} (its metadata gives the document boundaries)"])
    documents: list[Document] = []
    start = 0
    for i in range(1, len(data.sources) + 1):
        if i == len(data.sources) or data.documents[i] != data.documents[start]:
            documents.append(_join(data.sources[start:i], start))
            start = i
    return documents


def _join(lines: tuple[str, ...], first_line: int) -> Document:
    spans, offset = [], 0
    for line in lines:
        spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return Document(" ".join(lines), first_line, tuple(spans))
