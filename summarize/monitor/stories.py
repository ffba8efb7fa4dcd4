"""Stories that grow: each new report joins the stored story it is most alike, or starts one.

A report is read as the digest reads it (summarize.digest.grouping.key_text: title and lead); how alike it is
to a story blends the encoder's cosine with the story's centroid and the TF-IDF cosine of stemmed content words
with the story's summed terms (`story_similarity`, the one place that says it); it joins when that reaches the
centroid bar (CENTROID_THRESHOLD), inside GroupOptions' window. A story continues as long as its follow-ups come
inside the window of its latest report (window_hours), so a story told over three days keeps one id.
The same text again is a duplicate.

Incremental: a pass reads only the stories active inside the window (their centroids, one matrix) and its new
reports; the words of the few nearest stories are read per report. Word weights use document frequencies kept
in the store, so a report's TF-IDF row is made once, when it arrives. Each report's assignment is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mt.htmltext import has_arabic
from summarize.digest.grouping import GroupOptions, encode_reports, key_text, resolve_encoder, sparse_dot
from summarize.digest.reports import Report
from summarize.lang.text import content_terms, fold_spelling

if TYPE_CHECKING:
    import numpy as np

    from summarize.monitor.store import Store

# Weights are kept to DIGITS decimals and vector sums to float32, in memory as in the store: a pass that goes on
# from the store after a crash computes exactly what an uninterrupted one computed (and the store stays small).
DIGITS = 5
NOT_A_STORY = 0  # story of a report with no Arabic to group (kept and searchable, never shown as a story)


@dataclass
class Features:
    """What a report is, computed once when it arrives: its encoder vector (unit) and TF-IDF row (unit)."""

    vector: np.ndarray | None
    terms: dict[str, float]
    ts: float


@dataclass
class StoryState:
    """A stored story as the grouping sees it: its time span, size, summed vectors and summed terms."""

    rowid: int
    first: float
    last: float
    size: int
    vector: np.ndarray | None  # the sum of its reports' unit vectors
    terms: dict[str, float]  # the sum of its reports' TF-IDF rows
    norm2: float  # squared length of `terms`


# The centroid link's own bar: the values the digest's centroid grouping was tuned with (ANT dev 1-2 March) and the
# monitor was measured with (eval/speed/monitor_replay.py). The digest now links stories by the mean pair score
# (summarize.digest.similarity.story_score, bar 0.3): the monitor has not been moved to it yet.
CENTROID_THRESHOLD, CENTROID_TFIDF_THRESHOLD, CENTROID_ENCODER_WEIGHT = 0.42, 0.25, 0.5


def story_similarity(report: Features, story: StoryState, options: GroupOptions) -> float:
    """How alike a new report is to a stored story: the digest's blend of the encoder's cosine with the story's
    centroid and the TF-IDF cosine with its summed words (encoder_weight); words only without an encoder.

    For a story of one report this is the digest's pair similarity; for more, its centroid link.
    """
    words = sparse_dot(report.terms, story.terms) / math.sqrt(story.norm2 or 1.0)
    if report.vector is None or story.vector is None:
        return words
    norm = float(story.vector @ story.vector) ** 0.5
    cosine = float(report.vector @ story.vector) / max(norm, 1e-12)
    return CENTROID_ENCODER_WEIGHT * cosine + (1 - CENTROID_ENCODER_WEIGHT) * words


def in_window(report: Features, story: StoryState, options: GroupOptions) -> bool:
    """True when the report is a follow-up inside the window of the story's reports (or there is no window)."""
    if options.window_hours is None:
        return True
    window = options.window_hours * 3600
    return report.ts - story.last <= window and story.first - report.ts <= window


def text_key(text: str) -> str:
    """The key of a text that repeats another (spelling variants and spacing folded)."""
    return hashlib.sha1(" ".join(fold_spelling(text).split()).encode("utf-8")).hexdigest()


def tfidf_row(text: str, df: dict[str, int], documents: int) -> dict[str, float]:
    """A unit TF-IDF row as summarize.lang.vectors.tfidf_rows weighs it, with the store's document frequencies
    (this text counted among them)."""
    counts = Counter(content_terms(text))
    n = documents + 1
    row = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df.get(t, 0) + 1)) + 1) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in row.values())) or 1.0
    return {t: round(w / norm, DIGITS) for t, w in row.items()}


def to_blob(vector: np.ndarray | None) -> bytes | None:
    """A vector as stored (float32 bytes)."""
    return None if vector is None else vector.astype("float32").tobytes()


def from_blob(blob: bytes | None) -> np.ndarray | None:
    """A stored vector (float64 for sums)."""
    import numpy as np

    return None if blob is None else np.frombuffer(blob, dtype=np.float32).astype(np.float64)


class ActiveStories:
    """The stories a new report may join (those inside the window): normalized centroids in one matrix, for the
    nearest few by one product; their words are read from the store only for those few."""

    def __init__(self, store: Store, since: float | None, use_vectors: bool, size_hint: int) -> None:
        import numpy as np

        self.store = store
        where, args = ("WHERE last >= ?", (since,)) if since is not None else ("", ())
        rows = store.conn.execute(f"SELECT rowid, first, last, size, vector FROM stories {where}", args).fetchall()
        self.ids = [r[0] for r in rows]
        self.position = {rowid: n for n, rowid in enumerate(self.ids)}
        self.span = {r[0]: (r[1], r[2], r[3]) for r in rows}
        self.use_vectors = use_vectors
        self.matrix = np.zeros((len(rows) + size_hint, 512), dtype=np.float32) if use_vectors else None
        self.sums: dict[int, np.ndarray] = {}
        for n, r in enumerate(rows):
            total = from_blob(r[4]) if use_vectors else None
            if total is not None:
                self._put(n, total)
        self._terms: dict[int, tuple[dict[str, float], float]] = {}

    def _put(self, n: int, total: np.ndarray) -> None:
        self.sums[self.ids[n]] = total
        norm = float(total @ total) ** 0.5
        self.matrix[n] = total / max(norm, 1e-12)  # type: ignore[index]

    def candidates(self, features: Features, k: int) -> list[int]:
        """The rowids of the k stories nearest the report (all active ones without an encoder)."""
        import numpy as np

        if not self.use_vectors or features.vector is None or len(self.ids) <= k:
            return list(self.ids)
        sims = self.matrix[:len(self.ids)] @ features.vector.astype(np.float32)  # type: ignore[index]
        top = np.argpartition(-sims, k - 1)[:k]
        return [self.ids[int(i)] for i in top[np.argsort(-sims[top])]]

    def state(self, rowid: int) -> StoryState:
        """A candidate story's state (its words read from the store once per pass)."""
        if rowid not in self._terms:
            terms, norm2 = self.store.conn.execute("SELECT terms, norm2 FROM stories WHERE rowid = ?",
                                                   (rowid,)).fetchone()
            self._terms[rowid] = (json.loads(terms), norm2)
        first, last, size = self.span[rowid]
        terms, norm2 = self._terms[rowid]
        return StoryState(rowid, first, last, size, self.sums.get(rowid), terms, norm2)

    def update(self, story: StoryState) -> None:
        """Keep the in-memory copy of a story that grew or began."""
        if story.rowid not in self.position:
            self.position[story.rowid] = len(self.ids)
            self.ids.append(story.rowid)
        self.span[story.rowid] = (story.first, story.last, story.size)
        self._terms[story.rowid] = (story.terms, story.norm2)
        if self.use_vectors and story.vector is not None:
            self._put(self.position[story.rowid], story.vector)


def grow(story: StoryState | None, features: Features, rowid: int = 0) -> StoryState:
    """The story with the report added (a new story of it alone when story is None)."""
    if story is None:
        vector = None if features.vector is None else features.vector.astype("float64")
        return StoryState(rowid, features.ts, features.ts, 1, vector, dict(features.terms),
                          sum(w * w for w in features.terms.values()))
    terms = dict(story.terms)
    for term, weight in features.terms.items():
        terms[term] = round(terms.get(term, 0.0) + weight, DIGITS)
    vector = (None if story.vector is None or features.vector is None
              else (story.vector + features.vector).astype("float32").astype("float64"))
    norm2 = sum(w * w for w in terms.values())  # from the rounded sums, as a pass reading them back gets it
    return StoryState(story.rowid, min(story.first, features.ts), max(story.last, features.ts), story.size + 1,
                      vector, terms, norm2)


def assign_new(store: Store, options: GroupOptions = GroupOptions(), stop: threading.Event | None = None) -> int:
    """Put every report without a story into one (a transaction each); how many were placed."""
    rows = store.conn.execute("SELECT rowid, id, title, text, ts FROM reports WHERE story IS NULL "
                              "ORDER BY ts, rowid").fetchall()
    if not rows:
        return 0
    reports = [Report(r[1], r[3], r[2]) for r in rows]
    groupable = [has_arabic(f"{r.title}\n{r.text}") for r in reports]
    use = resolve_encoder(options.encoder) == "use"
    vectors = encode_reports([r for r, ok in zip(reports, groupable, strict=True) if ok], options) if use else None
    window = None if options.window_hours is None else options.window_hours * 3600
    active = ActiveStories(store, rows[0][4] - window if window is not None else None, use, len(rows))
    documents = int(store.meta("documents", "0") or 0)
    threshold = CENTROID_THRESHOLD if use else CENTROID_TFIDF_THRESHOLD
    placed, v = 0, 0
    for (rowid, _id, _title, text, ts), report, ok in zip(rows, reports, groupable, strict=True):
        if stop is not None and stop.is_set():
            break
        if not ok:
            with store.transaction() as conn:
                conn.execute("UPDATE reports SET story = ? WHERE rowid = ?", (NOT_A_STORY, rowid))
            continue
        key = key_text(report, options.lead_words)
        terms = list(dict.fromkeys(content_terms(key)))
        df = _frequencies(store, terms)
        features = Features(vectors[v] if vectors is not None else None, tfidf_row(key, df, documents), ts)
        v += 1
        story, duplicate_of = _choose(store, active, features, text, options, threshold)
        story = grow(story, features)
        with store.transaction() as conn:
            story = _save_story(conn, story)
            conn.execute("UPDATE reports SET story = ?, duplicate_of = ?, textkey = ?, vector = ?, terms = ? "
                         "WHERE rowid = ?", (story.rowid, duplicate_of, text_key(text), to_blob(features.vector),
                                             json.dumps(features.terms), rowid))
            conn.executemany("INSERT INTO df(term, n) VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET n = n + 1",
                             [(t,) for t in terms])
            documents += 1
            store.set_meta(conn, "documents", str(documents))
            store.set_meta(conn, "encoder", "use" if use else "tfidf")
        active.update(story)
        placed += 1
    return placed


def _frequencies(store: Store, terms: list[str]) -> dict[str, int]:
    if not terms:
        return {}
    marks = ",".join("?" * len(terms))
    return dict(store.conn.execute(f"SELECT term, n FROM df WHERE term IN ({marks})", terms).fetchall())


def _choose(store: Store, active: ActiveStories, features: Features, text: str, options: GroupOptions,
            threshold: float) -> tuple[StoryState | None, str | None]:
    """The story the report joins (None: a new one) and the report it repeats, if any."""
    same = store.conn.execute("SELECT id, story FROM reports WHERE textkey = ? AND story > 0 ORDER BY ts, rowid "
                              "LIMIT 1", (text_key(text),)).fetchone()
    if same and same[1] in active.span:
        story = active.state(same[1])
        if in_window(features, story, options):
            return story, same[0]
    best, best_score = None, threshold
    for rowid in active.candidates(features, options.neighbours):
        story = active.state(rowid)
        if not in_window(features, story, options):
            continue
        score = story_similarity(features, story, options)
        if score >= best_score:
            best, best_score = story, score
    return best, None


def _save_story(conn, story: StoryState) -> StoryState:
    """Write the story's state (a new row when its rowid is 0), marked to be shown again."""
    import time

    values = (story.first, story.last, story.size, to_blob(story.vector), json.dumps(story.terms), story.norm2,
              time.time())
    if story.rowid:
        conn.execute("UPDATE stories SET first = ?, last = ?, size = ?, vector = ?, terms = ?, norm2 = ?, "
                     "dirty = 1, grown = ? WHERE rowid = ?", (*values, story.rowid))
        return story
    cursor = conn.execute("INSERT INTO stories(first, last, size, vector, terms, norm2, dirty, grown) "
                          "VALUES (?, ?, ?, ?, ?, ?, 1, ?)", values)
    return StoryState(int(cursor.lastrowid), story.first, story.last, story.size, story.vector, story.terms,
                      story.norm2)
