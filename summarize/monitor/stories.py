"""Stories that grow: each new report joins the stored story it is most alike, or starts one.

The rule is the digest's (summarize.digest.similarity): a report is read into ReportFeatures (title and lead, the
encoder's vector, TF-IDF rows), and it joins the story whose `story_score` — the mean of its pair scores with the
story's members inside the window around it — is best and reaches the digest's threshold; else it starts a story.
A story therefore continues for as long as follow-ups come inside the window of its reports, so a story told over
three days keeps one id. A report that repeats another (the same text, or title and lead alike by both measures
as the digest's duplicate rule says) joins that report's story and is marked a duplicate.

Incremental: a pass reads the features of the stored reports inside the window before its first new report (one
query; the rows were made once, when each report arrived), finds each new report's nearest of them (one matrix
product with the encoder, an inverted index without it) and scores only the stories of those neighbours. Word
weights use document frequencies kept in the store. Each report's placement is one transaction, and features
are kept in memory exactly as stored (rows rounded to DIGITS, vectors float32), so a pass that goes on from the
store after a crash decides what an uninterrupted one decided.
"""

from __future__ import annotations

import hashlib
import json
import threading
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
    report_features,
    sparse_dot,
    story_score,
)
from summarize.lang.text import content_terms, fold_spelling

if TYPE_CHECKING:
    import numpy as np

    from summarize.monitor.store import Store

DIGITS = 5  # decimals a stored TF-IDF weight keeps (memory and store agree; the store stays small)
NOT_A_STORY = 0  # story of a report with no Arabic to group (kept and searchable, never shown as a story)
ROWS = ("words", "title", "names")  # the sparse rows of ReportFeatures, stored as one JSON object
MAX_DF = 200  # without the encoder, words in more stored reports than this do not propose neighbours


def text_key(text: str) -> str:
    """The key of a text that repeats another (spelling variants and spacing folded)."""
    return hashlib.sha1(" ".join(fold_spelling(text).split()).encode("utf-8")).hexdigest()


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


class Window:
    """The stored reports a new report may meet in a story (those inside the window), with an index for finding a
    report's nearest of them: their unit vectors in one matrix, or their words in an inverted index."""

    def __init__(self, store: Store, since: float | None, use_vectors: bool, size_hint: int) -> None:
        import numpy as np

        where, args = ("AND ts >= ?", (since,)) if since is not None else ("", ())
        rows = store.conn.execute(f"SELECT id, story, ts, vector, terms, textkey FROM reports WHERE story > 0 "
                                  f"{where} ORDER BY ts, rowid", args).fetchall()
        self.ids: list[str] = []
        self.stories: list[int] = []
        self.features: list[ReportFeatures] = []
        self.members: dict[int, list[int]] = {}
        self.first_of_text: dict[str, int] = {}
        self.postings: dict[str, list[int]] = {}
        self.matrix = np.zeros((len(rows) + size_hint, 512), dtype=np.float32) if use_vectors else None
        for report_id, story, ts, vector, terms, key in rows:
            self.add(report_id, story, stored_features(ts, vector, terms), key)

    def add(self, report_id: str, story: int, features: ReportFeatures, key: str | None) -> None:
        """Count a placed report in."""
        n = len(self.ids)
        self.ids.append(report_id)
        self.stories.append(story)
        self.features.append(features)
        self.members.setdefault(story, []).append(n)
        if key is not None:
            self.first_of_text.setdefault(key, n)
        if self.matrix is not None and features.vector is not None:
            self.matrix[n] = features.vector
        for term in features.words:
            self.postings.setdefault(term, []).append(n)

    def nearest(self, report: ReportFeatures, k: int, window_hours: float | None) -> list[int]:
        """The indices of the report's k nearest stored reports inside the window, nearest first."""
        import numpy as np

        n = len(self.ids)
        if n == 0:
            return []
        if self.matrix is not None and report.vector is not None:
            sims = self.matrix[:n] @ report.vector
        else:
            sims = np.zeros(n, dtype=np.float32)
            for term, weight in report.words.items():
                posting = self.postings.get(term, ())
                if len(posting) <= MAX_DF:
                    for j in posting:
                        sims[j] += weight * self.features[j].words[term]
        if window_hours is not None and report.time is not None:
            times = np.array([f.time if f.time is not None else np.nan for f in self.features])
            sims[np.abs(times - report.time) > window_hours * 3600] = -np.inf
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k]
        return [int(i) for i in top[np.argsort(-sims[top], kind="stable")] if np.isfinite(sims[i])]


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
    since = None if options.window_hours is None else rows[0][4] - options.window_hours * 3600
    window = Window(store, since, use, len(rows))
    documents = int(store.meta("documents", "0") or 0)
    threshold = options.threshold if use else options.tfidf_threshold
    placed, v = 0, 0
    for (rowid, report_id, _title, text, ts), report, ok in zip(rows, reports, groupable, strict=True):
        if stop is not None and stop.is_set():
            break
        if not ok:
            with store.transaction() as conn:
                conn.execute("UPDATE reports SET story = ? WHERE rowid = ?", (NOT_A_STORY, rowid))
            continue
        features, terms = new_features(report, ts, vectors[v] if vectors is not None else None, store, documents,
                                       options)
        v += 1
        key = text_key(text)
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

