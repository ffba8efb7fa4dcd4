"""Stories that grow: each new report joins the stored story it is most alike, or starts one.

The rule is the digest's (summarize.digest.similarity): a report is read into ReportFeatures (title and lead, the
encoder's vector, TF-IDF rows), and it joins the story whose `story_score` — the mean of its pair scores with the
story's members inside the window around it — is best and reaches the digest's threshold; else it starts a story.
A story therefore continues for as long as follow-ups come inside the window of its reports, so a story told over
three days keeps one id. A report that repeats another (the same text, or title and lead alike by both measures
as the digest's duplicate rule says) joins that report's story and is marked a duplicate.

Incremental: a pass reads the features of the stored reports inside the window around its new reports (the rows
were made once, when each report arrived), finds each new report's nearest of them (one matrix product with the
encoder, an inverted index without it) and scores only the stories of those neighbours. Word weights use document
frequencies kept in the store. Each report's placement is one transaction, and features are kept in memory exactly
as stored (rows rounded to DIGITS, vectors float32), so a pass that goes on from the store after a crash decides
what an uninterrupted one decided (with the encoder, up to its vectors' last bits, which vary with the batch a text
is encoded in).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mt.htmltext import has_arabic
from summarize.digest.grouping import GroupOptions, encode_reports, key_text, resolve_encoder
from summarize.digest.reports import Report
from summarize.digest.similarity import (
    Idf,
    ReportFeatures,
    decay,
    pair_score,
    repeat_key,
    report_features,
    sparse_dot,
    story_score,
)
from summarize.lang.text import content_terms

if TYPE_CHECKING:
    import numpy as np

    from summarize.monitor.store import Store

DIGITS = 5  # decimals a stored TF-IDF weight keeps (memory and store agree; the store stays small)
NOT_A_STORY = 0  # story of a report with no Arabic to group (kept and searchable, never shown as a story)
ROWS = ("words", "title", "names")  # the sparse rows of ReportFeatures, stored as one JSON object
MAX_DF = 200  # without the encoder, words in more stored reports than this do not propose neighbours


def text_key(report: Report) -> str:
    """The stored key of what a report repeats (summarize.digest.similarity.repeat_key)."""
    return hashlib.sha1(repeat_key(report).encode("utf-8")).hexdigest()


def rows_json(features: ReportFeatures) -> str:
    """A report's sparse rows as stored (the empty ones left out)."""
    return json.dumps({name: getattr(features, name) for name in ROWS if getattr(features, name)})


def stored_features(ts: float, vector: bytes | None, rows: str | None) -> ReportFeatures:
    """A stored report's features, as they were when it was placed."""
    import numpy as np

    parsed = json.loads(rows) if rows else {}
    return ReportFeatures(ts, None if vector is None else np.frombuffer(vector, dtype=np.float32),
                          *(parsed.get(name, {}) for name in ROWS))


def new_features(report: Report, ts: float, vector: np.ndarray | None, store: Store, documents: int,
                 options: GroupOptions) -> tuple[ReportFeatures, list[str]]:
    """A new report's features, weighted by the store's document frequencies with the report counted among them,
    rounded as stored; and its distinct terms (what it adds to those frequencies)."""
    terms = list(dict.fromkeys(content_terms(key_text(report, options.lead_words))))
    df = _frequencies(store, terms)
    idf = Idf({t: df.get(t, 0) + 1 for t in terms}, documents + 1)
    vectors = None if vector is None else vector.astype("float32")[None, :]
    made = report_features([report], options, vectors, idf)[0]
    rounded = {name: {t: round(w, DIGITS) for t, w in getattr(made, name).items()} for name in ROWS}
    return replace(made, time=ts, vector=None if vectors is None else vectors[0], **rounded), terms


def spans(times: Sequence[float], window: float | None) -> list[tuple[float, float]] | None:
    """The time spans stored reports can share a story with reports at these times in: each time +- the window,
    overlapping spans merged (None: no window, every stored report). A report dated long ago adds a span of its
    own instead of stretching one span over everything stored since."""
    if window is None:
        return None
    out: list[tuple[float, float]] = []
    for t in sorted(times):
        if out and t - window <= out[-1][1]:
            out[-1] = (out[-1][0], t + window)
        else:
            out.append((t - window, t + window))
    return out


class Window:
    """The stored reports a new report may meet in a story (those inside the window of some new report), with an
    index for finding a report's nearest of them: their unit vectors in one matrix, or their words in an inverted
    index."""

    def __init__(self, store: Store, periods: list[tuple[float, float]] | None, use_vectors: bool,
                 size_hint: int) -> None:
        import numpy as np

        query = "SELECT id, story, ts, vector, terms, textkey, rowid FROM reports WHERE story > 0"
        if periods is None:
            rows = store.conn.execute(query).fetchall()
        else:
            rows = [r for lo, hi in periods for r in store.conn.execute(f"{query} AND ts BETWEEN ? AND ?", (lo, hi))]
        rows.sort(key=lambda r: (r[2], r[6]))
        self.ids: list[str] = []
        self.stories: list[int] = []
        self.features: list[ReportFeatures] = []
        self.members: dict[int, list[int]] = {}
        self.first_of_text: dict[str, int] = {}
        self.postings: dict[str, list[int]] = {}
        self.matrix = np.zeros((len(rows) + size_hint, 512), dtype=np.float32) if use_vectors else None
        self.times = np.full(len(rows) + size_hint, np.nan)
        for report_id, story, ts, vector, terms, key, _ in rows:
            self.add(report_id, story, stored_features(ts, vector, terms), key)

    def add(self, report_id: str, story: int, features: ReportFeatures, key: str | None) -> None:
        """Count a placed report in."""
        import numpy as np

        n = len(self.ids)
        self.ids.append(report_id)
        self.stories.append(story)
        self.features.append(features)
        self.members.setdefault(story, []).append(n)
        if key is not None:
            self.first_of_text.setdefault(key, n)
        if n == len(self.times):  # more than the pass foresaw: double the room
            self.times = np.concatenate([self.times, np.full(max(n, 1), np.nan)])
            if self.matrix is not None:
                self.matrix = np.concatenate([self.matrix, np.zeros((max(n, 1), 512), dtype=np.float32)])
        if self.matrix is not None and features.vector is not None:
            self.matrix[n] = features.vector
        self.times[n] = features.time if features.time is not None else np.nan
        for term in features.words:
            self.postings.setdefault(term, []).append(n)

    def nearest(self, report: ReportFeatures, k: int, window_hours: float | None) -> list[int]:
        """The indices of the report's k nearest stored reports inside the window (alike at all: similarity > 0),
        nearest first, ties in time order."""
        import numpy as np

        n = len(self.ids)
        if n == 0:
            return []
        inside = np.ones(n, dtype=bool)
        if window_hours is not None and report.time is not None:
            # a NaN gap (a report without a time) compares False: always inside
            inside = ~(np.abs(self.times[:n] - report.time) > window_hours * 3600)
        if self.matrix is not None and report.vector is not None:
            sims = self.matrix[:n] @ report.vector
        else:
            sims = np.zeros(n, dtype=np.float32)
            for term, weight in report.words.items():
                # the words of too many reports inside the window propose no neighbours (as the digest's index)
                posting = [j for j in self.postings.get(term, ()) if inside[j]]
                if len(posting) <= MAX_DF:
                    for j in posting:
                        sims[j] += weight * self.features[j].words[term]
        sims = np.where(inside & (sims > 0), sims, -np.inf)
        order = np.argsort(-sims, kind="stable")[:k]
        return [int(i) for i in order if np.isfinite(sims[i])]


def choose_story(window: Window, report: ReportFeatures, key: str, options: GroupOptions,
                 threshold: float) -> tuple[int | None, str | None]:
    """The story the report joins (None: a new one) and the stored report it repeats, if any."""
    same = window.first_of_text.get(key)
    if same is not None and decay(window.features[same], report, options) > 0:
        return window.stories[same], window.ids[same]  # the same text inside the window
    near = window.nearest(report, options.neighbours, options.window_hours)
    for i in near:
        other = window.features[i]
        alike = min(pair_score(other, report, options), sparse_dot(other.words, report.words))
        if alike >= options.duplicate_threshold:
            return window.stories[i], window.ids[i]
    best, best_score = None, threshold
    for story in dict.fromkeys(window.stories[i] for i in near):
        score = story_score([window.features[m] for m in window.members[story]], report, options)
        if score >= best_score:
            best, best_score = story, score
    return best, None


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
    window = Window(store, spans([r[4] for r in rows], options.window_seconds), use, len(rows))
    documents = int(store.meta("documents", "0") or 0)
    threshold = options.threshold if use else options.tfidf_threshold
    placed, v = 0, 0
    for (rowid, report_id, *_, ts), report, ok in zip(rows, reports, groupable, strict=True):
        if stop is not None and stop.is_set():
            break
        if not ok:
            with store.transaction() as conn:
                conn.execute("UPDATE reports SET story = ? WHERE rowid = ?", (NOT_A_STORY, rowid))
            continue
        features, terms = new_features(report, ts, vectors[v] if vectors is not None else None, store, documents,
                                       options)
        v += 1
        key = text_key(report)
        story, duplicate_of = choose_story(window, features, key, options, threshold)
        with store.transaction() as conn:
            story = _save_story(conn, story, ts)
            conn.execute("UPDATE reports SET story = ?, duplicate_of = ?, textkey = ?, vector = ?, terms = ? "
                         "WHERE rowid = ?", (story, duplicate_of, key, _blob(features.vector), rows_json(features),
                                             rowid))
            conn.executemany("INSERT INTO df(term, n) VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET n = n + 1",
                             [(t,) for t in terms])
            documents += 1
            store.set_meta(conn, "documents", str(documents))
            store.set_meta(conn, "encoder", "use" if use else "tfidf")
        window.add(report_id, story, features, key)
        placed += 1
    return placed


def _blob(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else vector.astype("float32").tobytes()


def _frequencies(store: Store, terms: list[str]) -> dict[str, int]:
    if not terms:
        return {}
    marks = ",".join("?" * len(terms))
    return dict(store.conn.execute(f"SELECT term, n FROM df WHERE term IN ({marks})", terms).fetchall())


def _save_story(conn, story: int | None, ts: float) -> int:
    """The story grown by a report at ts (a new row when story is None), marked to be shown again; its rowid."""
    import time

    if story is not None:
        conn.execute("UPDATE stories SET first = min(first, ?), last = max(last, ?), size = size + 1, dirty = 1, "
                     "grown = ? WHERE rowid = ?", (ts, ts, time.time(), story))
        return story
    cursor = conn.execute("INSERT INTO stories(first, last, size, dirty, grown) VALUES (?, ?, 1, 1, ?)",
                          (ts, ts, time.time()))
    return int(cursor.lastrowid)

