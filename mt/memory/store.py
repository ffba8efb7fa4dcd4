"""The corrections memory: an embedded SQLite database of analyst-approved English, keyed by prepared Arabic.

One row per sentence: the key is the prepared Arabic (what the model receives, see mt.arabic) with final ى
folded to ي, so a sentence matches whether or not its document triggered the final-ya repair. The file is
opened in WAL mode with a busy timeout, so several server workers and batch jobs read and write it at once;
every write is one transaction committed before the call returns (synchronous=FULL), so a killed process
loses nothing it reported as saved. Reads never create the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mt.errors import InputError

DEFAULT_MAX_CHARS = 20_000  # per side of an entry; a server passes its --char-limit
BUSY_TIMEOUT_S = 30.0
_SCHEMA = ("CREATE TABLE IF NOT EXISTS corrections (key TEXT PRIMARY KEY, source TEXT NOT NULL, "
           "target TEXT NOT NULL, origin TEXT NOT NULL DEFAULT '', updated TEXT NOT NULL) WITHOUT ROWID")
_LOOKUP_CHUNK = 500  # below SQLite's bound-parameter limit


def default_memory_path() -> Path:
    """$MTBRIEF_MEMORY, else memory.sqlite in the mtbrief cache ($MTBRIEF_CACHE or ~/.cache/mtbrief)."""
    from mt.models import mtbrief_cache_dir

    env = os.environ.get("MTBRIEF_MEMORY")
    return Path(env) if env else mtbrief_cache_dir() / "memory.sqlite"


def memory_key(prepared: str) -> str:
    """The lookup key of a prepared Arabic sentence: spaces collapsed, final-ya spelling folded."""
    return " ".join(prepared.split()).replace("ى", "ي")


def prepare_key_text(text: str) -> str:
    """Prepared Arabic for a sentence given without a model (imports, `memory delete`)."""
    from mt.arabic import prepare_document

    return " ".join(seg.mt_input for seg in prepare_document(text))


@dataclass(frozen=True)
class Correction:
    """One stored correction."""

    source: str  # the prepared Arabic sentence
    target: str  # the English to use verbatim
    origin: str = ""  # where it came from: api, ui, import, ...
    updated: str = ""  # UTC, ISO 8601


class MemoryStore:
    """Thread-safe access to one memory file (a connection per thread; processes share it through WAL)."""

    def __init__(self, path: str | Path, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.path, self.max_chars = Path(path), max_chars
        self._local = threading.local()

    def __getstate__(self) -> dict[str, object]:  # connections stay behind (e.g. sent to a Ray actor)
        return {"path": self.path, "max_chars": self.max_chars}

    def __setstate__(self, state: dict[str, Any]) -> None:
        MemoryStore.__init__(self, state["path"], state["max_chars"])

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if not create and not self.path.exists():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            conn.execute("PRAGMA synchronous = FULL")
            _retry_busy(lambda: conn.execute(_SCHEMA))
        except sqlite3.DatabaseError as exc:
            raise InputError(str(self.path), f"cannot open the corrections memory: {exc}") from None
        self._local.conn = conn
        return conn

    def _write(self, sql: str, rows: Sequence[tuple[str, ...]]) -> int:
        """Run one statement over rows in one transaction; the rows changed."""
        conn = self._connect(create=True)
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock between writers
        try:
            changed = conn.executemany(sql, rows).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return changed

    def check(self, source: str, target: str) -> None:
        """InputError unless both sides are non-empty and within max_chars."""
        if not source.strip() or not target.strip():
            raise InputError("correction", "both the Arabic sentence and its English are needed")
        for side, text in (("Arabic", source), ("English", target)):
            if len(text) > self.max_chars:
                raise InputError("correction", f"the {side} has {len(text)} characters; the memory keeps at "
                                               f"most {self.max_chars} per entry")

    def put(self, source: str, target: str, origin: str = "") -> None:
        """Store (or replace) the English for a prepared Arabic sentence, committed before returning."""
        self.put_many([(source, target)], origin)

    def put_many(self, pairs: Iterable[tuple[str, str]], origin: str = "") -> int:
        """Store several corrections in one transaction; how many."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = []
        for source, target in pairs:
            source, target = " ".join(source.split()), " ".join(target.split())
            self.check(source, target)
            rows.append((memory_key(source), source, target, origin, now))
        if rows:
            self._write("INSERT INTO corrections (key, source, target, origin, updated) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET source = excluded.source, target = excluded.target, "
                        "origin = excluded.origin, updated = excluded.updated", rows)
        return len(rows)

    def lookup(self, sources: Iterable[str]) -> dict[str, str]:
        """The stored English of those prepared sentences that have one."""
        conn = self._connect(create=False)
        wanted: dict[str, list[str]] = {}
        for source in sources:
            wanted.setdefault(memory_key(source), []).append(source)
        if conn is None or not wanted:
            return {}
        keys, found = list(wanted), dict[str, str]()
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start: start + _LOOKUP_CHUNK]
            sql = f"SELECT key, target FROM corrections WHERE key IN ({','.join('?' * len(chunk))})"
            for key, target in conn.execute(sql, chunk):
                found.update((source, target) for source in wanted[key])
        return found

    def get(self, source: str) -> str | None:
        """The stored English of one prepared sentence, or None."""
        return self.lookup([source]).get(source)

    def delete(self, sources: Iterable[str]) -> int:
        """Remove the corrections of these prepared sentences; how many there were."""
        keys = [(k,) for k in dict.fromkeys(memory_key(s) for s in sources)]
        if not keys or self._connect(create=False) is None:
            return 0
        return self._write("DELETE FROM corrections WHERE key = ?", keys)

    def clear(self) -> int:
        """Remove every correction; how many there were."""
        if self._connect(create=False) is None:
            return 0
        return self._write("DELETE FROM corrections", [()])

    def count(self) -> int:
        """How many corrections are stored."""
        conn = self._connect(create=False)
        return 0 if conn is None else conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]

    def entries(self) -> Iterator[Correction]:
        """Every correction, oldest change first."""
        conn = self._connect(create=False)
        if conn is None:
            return
        yield from (Correction(*row) for row in
                    conn.execute("SELECT source, target, origin, updated FROM corrections ORDER BY updated, key"))


def _retry_busy(action: object, attempts: int = 50) -> None:
    # Switching to WAL (and creating the table) on a brand-new file can report "locked" to a second process
    # without waiting on the busy handler; it clears as soon as the first one is done.
    for attempt in range(attempts):
        try:
            action()  # type: ignore[operator]
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
