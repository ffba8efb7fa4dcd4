"""EASC (Essex Arabic Summaries Corpus) as the brief's benchmark: articles, their five human summaries, k.

Preparation, the same for every system scored:
* Articles are hard-wrapped as published: a line that does not end a sentence is joined to the next one
  (a blank line, or a line ending in . ! ? ؟ … :, ends a paragraph).
* The corpus cut sentences at every "." even without a following space ("نوح.و تعني"): a space is put after
  a terminator glued to an Arabic letter, so mt.splitter cuts the article where the annotators' tool did.
* k of a summary = its sentences: pieces between terminators (. ! ? ؟ …, a "." between digits excepted)
  holding at least one Arabic word, capped at the article's sentence count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from eval.shared_data import EASC_DEV as DEFAULT_DATA

ROOT = Path(__file__).resolve().parents[2]
LETTERS = "A", "B", "C", "D", "E"

_ENDS_SENTENCE = re.compile(r"[.!?؟…:][\"'»”)\]]*$")
_GLUED_TERMINATOR = re.compile(r"([.!?؟…])(?=[\u0621-\u064a])")
_SUMMARY_BREAK = re.compile(r"(?<!\d)[.!?؟…]+|[.!?؟…]+(?!\d)")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a]{2,}")


@dataclass(frozen=True)
class Article:
    """One EASC article (prepared text), its sentences and its human summaries with their k."""

    id: str
    topic: str
    text: str
    sentences: tuple[str, ...]
    summaries: tuple[str, ...]
    ks: tuple[int, ...]


def unwrap(text: str) -> str:
    """Rejoin hard-wrapped lines: a line joins the next unless it is blank or ends a sentence."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        if current and (not stripped or _ENDS_SENTENCE.search(stripped)):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def prepare_article(raw: str) -> str:
    """The article as the systems see it: unwrapped, glued terminators spaced."""
    return _GLUED_TERMINATOR.sub(r"\1 ", unwrap(raw.replace("\r", "")))


def count_sentences(summary: str) -> int:
    """How many sentences a human summary has (pieces between terminators with an Arabic word)."""
    return sum(1 for piece in _SUMMARY_BREAK.split(summary) if _ARABIC_WORD.search(piece))


def split_article(text: str) -> list[tuple[str, int, tuple[int, int]]]:
    """(sentence, paragraph, span) of a prepared article, cut by mt.splitter (the product's splitter)."""
    from mt.splitter import split_sentences

    return [(s.text, s.paragraph, s.span) for s in split_sentences(text)]


def load_corpus(data: Path = DEFAULT_DATA, limit: int | None = None) -> list[Article]:
    """The articles of an EASC folder (index.tsv order), each with its five summaries and their k."""
    index = data / "index.tsv"
    if not index.is_file():
        raise FileNotFoundError(f"{index} not found: give --data the EASC folder (index.tsv, articles/, summaries/)")
    rows = [line.split("\t") for line in index.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    articles = []
    for row in rows[:limit]:
        text = prepare_article((data / "articles" / f"{row[0]}.txt").read_text(encoding="utf-8"))
        sentences = tuple(s for s, _, _ in split_article(text))
        summaries = tuple((data / "summaries" / f"{row[0]}.{x}.txt").read_text(encoding="utf-8").strip()
                          for x in LETTERS)
        ks = tuple(max(1, min(count_sentences(s), len(sentences))) for s in summaries)
        articles.append(Article(row[0], row[1], text, sentences, summaries, ks))
    return articles


def translation_of(article: Article):
    """The article as a Translation with empty English (the brief ranks the Arabic only; no MT model)."""
    from mt.types import Segment, Signature, Translation

    segments = tuple(Segment(s, "", p, span) for s, p, span in split_article(article.text))
    return Translation(article.text, segments, Signature("none (Arabic only)", None, "none", "none", 1))
