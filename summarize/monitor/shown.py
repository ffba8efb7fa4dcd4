"""What the monitor shows: each story that grew is planned again on the Arabic as the digest plans a story
(summarize.digest.make.plan_story: headline, points, figures, conflicts) and only the shown Arabic that the store
has not translated yet goes through the one Translator, in one batch per pass; its English and quality flags are
stored, so nothing is translated twice, even across a crash. Watch-list alerts are matched here too, once each
report's shown English is known.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarize.digest.grouping import Grouping, resolve_encoder
from summarize.digest.make import DigestOptions, build_story, plan_story, story_conflicts, translate_shown
from summarize.digest.reports import Report, parse_time
from summarize.quality.qe import QE

if TYPE_CHECKING:
    import numpy as np

    from mt.types import Segment
    from summarize.digest import plan
    from summarize.lang.figures import Figure
    from summarize.monitor.store import Store

# A story's latest reports, which its headline, points and figures are chosen from: what is new in a story that
# runs for days, at a cost per pass that does not grow with the story (ranking its candidate points encodes them).
MAX_PLANNED = 12
CHUNK = 200  # stories planned and translated together
SENTENCES_FORMAT = 1  # of the stored sentences: raise it when the splitter or the figure reader changes


@dataclass
class StoryWork:
    """A story planned on the Arabic, with the reports it was planned from."""

    rowid: int
    reports: list[Report]
    rowids: list[int]
    plan: plan.StoryPlan
    grouping: Grouping
    sentences: int

    def shown(self) -> list[str]:
        """The Arabic this story shows: headline, points, the sentences of conflicting figures."""
        texts = [self.plan.headline] + [c.arabic for c in self.plan.points]
        return texts + [v.arabic for c in story_conflicts(self.plan, self.reports) for v in c.values]


@dataclass
class StoredStory:
    """A stored story's latest reports as the digest's planner reads them."""

    rowid: int
    reports: list[Report]
    rowids: list[int]
    duplicate_of: dict[int, int]
    vectors: np.ndarray | None
    sentences: plan.Sentences

    @property
    def originals(self) -> tuple[int, ...]:
        """Its reports that repeat no other (all of them when every one does)."""
        members = tuple(range(len(self.reports)))
        return tuple(i for i in members if i not in self.duplicate_of) or members


def sentences_json(text: str, segments: Sequence[Segment], figures: Sequence[Figure]) -> str:
    """A report's sentences and figures as the store keeps them: JSON of spans into its text, each sentence's own
    text only where it is not that slice, each figure's sentence left out where it is its segment's."""
    rows = [[s.paragraph, *s.span] + ([] if text[s.span[0]:s.span[1]] == s.source else [s.source])
            for s in segments]
    kept = []
    for figure in figures:
        row = figure.to_dict()
        if not figure.english and figure.arabic == segments[figure.segment].source:
            del row["arabic"], row["english"]
        kept.append(row)
    return json.dumps({"made_by": sentences_maker(), "segments": rows, "figures": kept}, ensure_ascii=False,
                      separators=(",", ":"))


def sentences_maker() -> str:
    """What made stored sentences: mtbrief's version and the format's; others' are made again, as a newer splitter
    or figure reader may read a text otherwise."""
    from mt import __version__

    return f"mtbrief {__version__}, format {SENTENCES_FORMAT}"


def sentences_from_json(text: str, stored: str) -> tuple[list[Segment], list[Figure]] | None:
    """The sentences and figures of the report `text` that sentences_json stored (None: another maker's)."""
    from mt.types import Segment
    from summarize.lang.figures import Figure

    data = json.loads(stored)
    if data.get("made_by") != sentences_maker():
        return None
    segments = [Segment(row[3] if len(row) > 3 else text[row[1]:row[2]], "", row[0], (row[1], row[2]))
                for row in data["segments"]]
    figures = [Figure.from_dict({"arabic": segments[f["segment"]].source, "english": "", **f})
               for f in data["figures"]]
    return segments, figures


def stored_sentences(store: Store, rowids: Sequence[int], stored: Sequence[str | None],
                     reports: Sequence[Report]) -> plan.Sentences:
    """The reports' sentences and figures: read back where the store has them, else made once and stored."""
    from summarize.digest import plan

    read = [None if text is None else sentences_from_json(report.text, text)
            for report, text in zip(reports, stored, strict=True)]
    made = {i: plan.Sentences.of([reports[i]]) for i, pair in enumerate(read) if pair is None}
    if made:
        with store.transaction() as conn:
            conn.executemany("UPDATE reports SET sentences = ? WHERE rowid = ?",
                             [(sentences_json(reports[i].text, m.segments[0], m.figures[0]), rowids[i])
                              for i, m in made.items()])
    pairs = [(made[i].segments[0], made[i].figures[0]) if pair is None else pair for i, pair in enumerate(read)]
    return plan.Sentences([p[0] for p in pairs], [p[1] for p in pairs])


def load_story(store: Store, rowid: int, options: DigestOptions) -> StoredStory:
    """A story's latest MAX_PLANNED reports, their vectors, sentences and figures."""
    import numpy as np

    rows = store.conn.execute("SELECT rowid, id, title, text, time, source, url, duplicate_of, vector, sentences "
                              "FROM reports WHERE story = ? ORDER BY ts DESC, rowid DESC LIMIT ?",
                              (rowid, MAX_PLANNED)).fetchall()
    rows.reverse()
    reports = [Report(r[1], r[3], r[2], r[5], parse_time(r[4]), r[6]) for r in rows]
    index = {r.id: i for i, r in enumerate(reports)}
    duplicate_of = {index[r[1]]: index[r[7]] for r in rows if r[7] in index}
    encoder = resolve_encoder(options.grouping.encoder)
    vectors = (np.stack([np.frombuffer(r[8], dtype=np.float32) for r in rows])
               if encoder == "use" and all(r[8] is not None for r in rows) else None)
    rowids = [r[0] for r in rows]
    sentences = stored_sentences(store, rowids, [r[9] for r in rows], reports)
    return StoredStory(rowid, reports, rowids, duplicate_of, vectors, sentences)


def plan_stored_story(story: StoredStory, options: DigestOptions) -> StoryWork:
    """Plan a stored story as the digest plans one (summarize.digest.make.plan_story)."""
    encoder = resolve_encoder(options.grouping.encoder)
    members = tuple(range(len(story.reports)))
    story_plan = plan_story(members, story.originals, story.reports, story.sentences, story.vectors, options, encoder)
    return StoryWork(story.rowid, story.reports, story.rowids, story_plan,
                     Grouping((members,), story.duplicate_of, encoder), sum(map(len, story.sentences.segments)))


def encode_candidates(stories: Sequence[StoredStory], options: DigestOptions) -> None:
    """Encode the candidate points of all these stories in one call: the encoder streams its weights once per
    batch, so one call for a pass's stories costs a fraction of one per story, whose ranking then reads the
    encoder's cache."""
    from summarize import rank
    from summarize.digest import plan
    from summarize.lang.vectors import load_encoder

    if resolve_encoder(options.grouping.encoder) != "use":
        return
    texts = [c.arabic for s in stories if len(s.originals) > 1 for i in s.originals
             for c in plan.report_candidates(i, s.sentences.segments[i], s.sentences.figures[i], options.per_report,
                                             rank.RankOptions())]
    load_encoder().encode(list(dict.fromkeys(texts)))


def known_english(store: Store, texts: Sequence[str]) -> dict[str, tuple[str, QE]]:
    """The stored English (and quality check) of those texts the store has translated."""
    out: dict[str, tuple[str, QE]] = {}
    texts = list(texts)
    for start in range(0, len(texts), 500):
        part = texts[start:start + 500]
        marks = ",".join("?" * len(part))
        for arabic, english, qe in store.conn.execute(
                f"SELECT arabic, english, qe FROM shown WHERE arabic IN ({marks})", part):
            out[arabic] = (english, QE.from_dict(json.loads(qe)))
    return out


def refresh_stories(store: Store, translator: Callable[[], Any], options: DigestOptions = DigestOptions(),
                    stop: threading.Event | None = None) -> tuple[int, int]:
    """Plan every story that grew, translate what they show and the store lacks, store each story's view:
    (stories refreshed, segments sent to the translator)."""
    dirty = [r[0] for r in store.conn.execute("SELECT rowid FROM stories WHERE dirty = 1 ORDER BY rowid")]
    done = translated = 0
    for start in range(0, len(dirty), CHUNK):
        if stop is not None and stop.is_set():
            break
        stories = [load_story(store, rowid, options) for rowid in dirty[start:start + CHUNK]]
        encode_candidates(stories, options)
        works = [plan_stored_story(story, options) for story in stories]
        texts = list(dict.fromkeys(t for w in works for t in w.shown()))
        english = known_english(store, texts)
        missing = [t for t in texts if t not in english]
        if missing:
            engine = translator()
            new, segments = translate_shown(missing, engine, options.check)
            with store.transaction() as conn:  # stored before any view uses it: never translated twice
                conn.executemany("INSERT OR IGNORE INTO shown(arabic, english, qe) VALUES (?, ?, ?)",
                                 [(a, e, json.dumps(q.to_dict())) for a, (e, q) in new.items()])
                signature = getattr(engine, "signature", None)
                if signature is not None:
                    store.set_meta(conn, "signature", json.dumps(signature.to_dict()))
                store.set_meta(conn, "translated", str(int(store.meta("translated", "0") or 0) + segments))
            english.update(new)
            translated += segments
        for work in works:
            if stop is not None and stop.is_set():
                break
            save_view(store, work, english)
            done += 1
    return done, translated


def save_view(store: Store, work: StoryWork, english: dict[str, tuple[str, QE]]) -> None:
    """Store a story's view (the digest's Story JSON, its stable id) and index its reports' shown English."""
    story = build_story(work.rowid, work.plan, work.reports, work.grouping, english)
    by_report: dict[str, list[str]] = {}
    for line in (story.headline, *story.points):
        by_report.setdefault(line.report, []).append(line.english)
    for conflict in story.conflicts:
        for value in conflict.values:
            for report in value.reports:
                by_report.setdefault(report, []).append(value.english)
    from summarize.monitor.store import index_text

    rowid_of = {r.id: n for r, n in zip(work.reports, work.rowids, strict=True)}
    with store.transaction() as conn:
        conn.execute("UPDATE stories SET view = ?, dirty = 0, sentences = ? WHERE rowid = ?",
                     (json.dumps(story.to_dict(), ensure_ascii=False), work.sentences, work.rowid))
        conn.executemany("UPDATE search SET english = ? WHERE rowid = ?",
                         [(index_text(" ".join(texts)), rowid_of[report]) for report, texts in by_report.items()
                          if report in rowid_of])


def fts_query(terms: Sequence[str]) -> str:
    """An FTS5 query that needs every search term of the text (each quoted: no query syntax gets through)."""
    return " ".join(f'"{t}"' for t in terms)


def match_alerts(store: Store, watch: Sequence[str]) -> int:
    """Record an alert for each new report (shown, not yet checked) that a watch-list term matches; how many."""
    from summarize.monitor.store import search_terms

    rows = store.conn.execute("SELECT r.rowid, r.id, r.time FROM reports r JOIN stories s ON s.rowid = r.story "
                              "WHERE r.alerted = 0 AND s.dirty = 0").fetchall()
    if not rows:
        return 0
    found = []
    ids = {r[0]: (r[1], r[2]) for r in rows}
    rowids = list(ids)
    for term in watch:
        terms = search_terms(term)
        for start in range(0, len(rowids) if terms else 0, 500):  # SQLite's bound on a statement's parameters
            part = rowids[start:start + 500]
            hits = store.conn.execute(f"SELECT rowid FROM search WHERE search MATCH ? AND rowid IN "
                                      f"({','.join('?' * len(part))})", [fts_query(terms), *part]).fetchall()
            found += [(term, *ids[h[0]]) for h in hits]
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with store.transaction() as conn:
        conn.executemany("INSERT OR IGNORE INTO alerts(term, report, time, found) VALUES (?, ?, ?, ?)",
                         [(term, report, time, now) for term, report, time in found])
        conn.executemany("UPDATE reports SET alerted = 1 WHERE rowid = ?", [(r,) for r in ids])
    return len(found)

