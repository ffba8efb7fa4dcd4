"""How alike two reports are: the one pairwise score that the digest's grouping and the monitor share.

A report is read once into ReportFeatures (`report_features`): its time, the sentence encoder's unit vector of
its title and lead (optional), and three unit-length sparse rows over stemmed Arabic content words:

- `words`: TF-IDF of the title and the first `lead_words` words (what the report is about);
- `title`: TF-IDF of the title alone (the outlet's own one-line statement of the event);
- `names`: the event's particulars — the words of the title and lead rarer than `name_zipf` in general Arabic
  (wordfreq: people, places, organisations of the event, spelled as this day's reports spell them) and the
  numbers of two digits or more (a death toll, 48 aircraft, 25 journalists), each weighted by its IDF. The idea:
  a topic shares its common words (Syria, Trump, the army), one event its particulars. On the tuning days neither
  the particulars nor the title raised F1, so both are off by default (weight 0: not even read).

The IDF is the reports' own (the digest: the reports it is given). An incremental caller passes `idf` (a document
frequency table and its document count, see `Idf`) so that features computed on different days stay comparable;
the thresholds were chosen with the IDF of two-day batches (120-175 reports), a store's has not been evaluated.

`pair_score(a, b, options)` is the weighted mean of the cosines of these four (the encoder's share left out when
either report has no vector, the particulars' when either names none), multiplied by a time decay: halved every
`half_life_hours` between the two reports (no decay when either has no time); 0 beyond `window_hours`.

`story_score(members, report, options)` is the score of a report against a story: average linkage, the mean of its
pair scores with the story's members inside the window around the report (a story that runs for days is judged by
its recent reports). Two stories merge, and a report joins a story, when that mean reaches `threshold`
(`tfidf_threshold` without the encoder). An incremental caller (the monitor) keeps each report's ReportFeatures,
finds a new report's candidate stories through its nearest stored neighbours, and joins the best story whose
story_score reaches the threshold, else starts one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from mt.errors import InvalidOption
from summarize.digest.reports import Report
from summarize.lang.text import content_terms, fold_spelling, stem, tokenize
from summarize.lang.vectors import VECTOR_KINDS

if TYPE_CHECKING:
    import numpy as np

ENCODERS = VECTOR_KINDS  # the ranker's kinds of sentence vectors
_WEIGHTS = ("encoder_weight", "words_weight", "title_weight", "names_weight")


@dataclass(frozen=True)
class GroupOptions:
    """How reports are grouped into stories (defaults chosen on ANT dev 1-2 and 5-6 March: development figures)."""

    # Chosen on ANT dev 1-2 and 5-6 March (issue 26; eval/summaries/grouping.py): the title, the particulars and the
    # time decay did not raise F1 there at any weight tried, so they are off by default (options, tested).
    threshold: float = 0.3  # average linkage a report needs with a story (or two stories) to join
    tfidf_threshold: float = 0.175  # the same without the encoder: word-only cosines run lower
    encoder_weight: float = 0.5  # shares of a pair's score: the encoder's cosine ...
    words_weight: float = 1.0  # ... the TF-IDF cosine of title and lead ...
    title_weight: float = 0.0  # ... of the titles alone ...
    names_weight: float = 0.0  # ... and of the particulars (rare words, numbers)
    name_zipf: float = 4.0  # a word rarer than this in general Arabic (wordfreq Zipf scale) is a particular
    half_life_hours: float | None = None  # the score halves every this many hours between two reports; None: flat
    neighbours: int = 20  # candidate partners per report (nearest by the encoder, or by TF-IDF)
    window_hours: float | None = 48.0  # a story spans at most this much time (reports that give one); None: any
    duplicate_threshold: float = 0.9  # title+lead this alike (both measures): the same article again
    lead_words: int = 120  # words of the text after the title that TF-IDF reads
    encoder_words: int = 30  # ... and that the encoder reads (its cost grows with the length)
    encoder: str = "auto"  # "use", "tfidf" (no encoder), or auto: the encoder when installed
    block: int = 1024  # rows per similarity block (memory: block x reports floats)

    def __post_init__(self) -> None:
        if self.encoder not in ENCODERS:
            raise InvalidOption("encoder", self.encoder, ENCODERS)
        for name in ("threshold", "tfidf_threshold", "duplicate_threshold", *_WEIGHTS):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidOption(name, value, ["a number from 0 to 1"])
        if sum(getattr(self, name) for name in _WEIGHTS[1:]) <= 0:
            raise InvalidOption("words_weight", self.words_weight, ["weights of words, title, names summing > 0"])
        for name in ("neighbours", "lead_words", "encoder_words", "block"):
            if getattr(self, name) < 1:
                raise InvalidOption(name, getattr(self, name), ["an integer >= 1"])
        for name in ("window_hours", "half_life_hours"):
            hours = getattr(self, name)
            if hours is not None and not (math.isfinite(hours) and hours > 0):  # nan would join nothing, silently
                raise InvalidOption(name, hours, ["None (no bound)", "a finite number of hours > 0"])
        if not (math.isfinite(self.name_zipf) and 0 <= self.name_zipf <= 8):
            raise InvalidOption("name_zipf", self.name_zipf, ["a Zipf frequency from 0 to 8"])

    @property
    def window_seconds(self) -> float | None:
        """The window in seconds (None: no bound)."""
        return None if self.window_hours is None else self.window_hours * 3600


@dataclass(frozen=True)
class Idf:
    """Document frequencies and the number of documents they were counted over (a store keeps them growing)."""

    df: dict[str, int] = field(default_factory=dict)
    docs: int = 0

    def weight(self, term: str) -> float:
        """Smoothed IDF, as tfidf_rows computes it."""
        return math.log((1 + self.docs) / (1 + self.df.get(term, 0))) + 1

    @classmethod
    def count(cls, documents: Iterable[Iterable[str]]) -> Idf:
        """The table of a set of documents (each its terms)."""
        df: Counter[str] = Counter()
        docs = 0
        for terms in documents:
            df.update(set(terms))
            docs += 1
        return cls(dict(df), docs)


@dataclass(frozen=True)
class ReportFeatures:
    """What the score reads of one report, computed once (a store can keep it)."""

    time: float | None  # seconds since the epoch; None: the report gives no time
    vector: np.ndarray | None  # the encoder's unit vector of title and lead; None without the encoder
    words: dict[str, float]  # unit TF-IDF row of title and lead
    title: dict[str, float]  # unit TF-IDF row of the title (empty when title_weight is 0: not read)
    names: dict[str, float]  # unit IDF-weighted row of the particulars (empty when names_weight is 0: not read)


def key_text(report: Report, lead_words: int = 120) -> str:
    """What a report is about: its title and the first `lead_words` words of its text."""
    words = report.text.split()[:lead_words]
    return f"{report.title.strip()}\n{' '.join(words)}".strip()


def repeat_key(report: Report) -> str:
    """What two reports share when one repeats the other: the text with spelling variants and spacing folded, or
    the title when there is no text (a title-only item repeats only a title-only item with the same title)."""
    text = " ".join(fold_spelling(report.text).split())
    return text or "title: " + " ".join(fold_spelling(report.title).split())


def sparse_dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product of two sparse rows."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def unit_row(counts: Mapping[str, float], weight: Callable[[str], float]) -> dict[str, float]:
    """Sublinear tf times weight, scaled to unit length (empty stays empty)."""
    row = {t: (1 + math.log(c)) * weight(t) for t, c in counts.items() if c > 0}
    norm = math.sqrt(sum(w * w for w in row.values())) or 1.0
    return {t: w / norm for t, w in row.items()}


@lru_cache(maxsize=65536)
def _is_rare(word: str, zipf: float) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "ar") < zipf


def particulars(text: str, zipf: float = 4.0) -> list[str]:
    """The stemmed particulars of a text: Arabic words of 3+ letters rarer than `zipf`, numbers of 2+ digits."""
    out = []
    for token in tokenize(text):
        norm = token.norm.lower()
        if token.is_number:
            if sum(ch.isdigit() for ch in norm) >= 2:
                out.append(norm)
        elif len(norm) >= 3 and not norm.isascii() and _is_rare(token.text, zipf) and _is_rare(
                _bare(token.text), zipf):  # a known word behind a clitic (والأردن) is not rare
            out.append(stem(norm))
    return out


def _bare(word: str) -> str:
    """The word without one leading conjunction or preposition letter (و، ف، ب، ل) when 4+ letters remain."""
    return word[1:] if word[:1] in "وفبل" and len(word) >= 5 else word


def report_features(reports: Sequence[Report], options: GroupOptions = GroupOptions(),
                    vectors: np.ndarray | None = None, idf: Idf | None = None) -> list[ReportFeatures]:
    """Each report's features; idf: a table to weigh by (None: the reports' own, as the digest does)."""
    keys = [key_text(r, options.lead_words) for r in reports]
    words = [Counter(content_terms(k)) for k in keys]
    titles = [Counter(content_terms(r.title)) if options.title_weight else Counter() for r in reports]
    # Particulars are content words too (a subset), so leaving them out when unweighted changes no IDF.
    names = [Counter(particulars(k, options.name_zipf)) if options.names_weight else Counter() for k in keys]
    table = idf if idf is not None else Idf.count([w.keys() | n.keys() for w, n in zip(words, names, strict=True)])
    out = []
    for n, report in enumerate(reports):
        out.append(ReportFeatures(
            time=report.time.timestamp() if report.time else None,
            vector=vectors[n] if vectors is not None else None,
            words=unit_row(words[n], table.weight), title=unit_row(titles[n], table.weight),
            names=unit_row(names[n], table.weight)))
    return out


def decay(a: ReportFeatures, b: ReportFeatures, options: GroupOptions) -> float:
    """The time factor of a pair: 0 beyond the window, halved every half-life, 1 without times."""
    if a.time is None or b.time is None:
        return 1.0
    hours = abs(a.time - b.time) / 3600
    if options.window_hours is not None and hours > options.window_hours:
        return 0.0
    return 0.5 ** (hours / options.half_life_hours) if options.half_life_hours else 1.0


def pair_score(a: ReportFeatures, b: ReportFeatures, options: GroupOptions) -> float:
    """How alike two reports are, from 0 to 1 (see the module docstring)."""
    factor = decay(a, b, options)
    if factor == 0.0:
        return 0.0
    parts = [(options.words_weight, sparse_dot(a.words, b.words)),
             (options.title_weight, sparse_dot(a.title, b.title))]
    if a.names and b.names:  # a report that names no particulars is no evidence either way
        parts.append((options.names_weight, sparse_dot(a.names, b.names)))
    if a.vector is not None and b.vector is not None:
        parts.append((options.encoder_weight, float(a.vector @ b.vector)))
    total = sum(w for w, _ in parts)
    return factor * sum(w * s for w, s in parts) / total if total else 0.0


def story_score(members: Sequence[ReportFeatures], report: ReportFeatures, options: GroupOptions) -> float:
    """A report's score against a story: the mean of its pair scores with the story's members inside its window."""
    near = [m for m in members if decay(m, report, options) > 0.0]
    return sum(pair_score(m, report, options) for m in near) / len(near) if near else 0.0
