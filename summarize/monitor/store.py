"""The monitor's one store: SQLite in WAL mode, a schema version with migrations, FTS5 search.

Every change is one transaction (BEGIN IMMEDIATE ... COMMIT): a feed's new items together with its new ETag, one
report joining its story, the translations of a pass, one story's view. Killed at any moment (SIGKILL included),
the database holds either all of such a change or none of it, so the next run goes on from there.

Search: the FTS5 table indexes each report's title and text as light stems of the normalized Arabic (mt.arabic
normalization, spelling variants folded, clitics و ب ال ... and common suffixes off, as summarize.lang.text does)
and the English shown for it; a query is read the same way, so الأردن finds والأردن and بالأردن.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mt.errors import InputError

# Each entry migrates the schema from version N to N+1; a store is never opened by an mtbrief older than it.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY, source TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '',
        etag TEXT, modified TEXT, last_try TEXT, last_ok TEXT, error TEXT,
        items INTEGER NOT NULL DEFAULT 0, fetches INTEGER NOT NULL DEFAULT 0,
        not_modified INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE reports (
        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, feed TEXT NOT NULL, source TEXT NOT NULL,
        url TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, time TEXT NOT NULL, ts REAL NOT NULL,
        fetched TEXT NOT NULL,
        page TEXT NOT NULL DEFAULT 'feed',  -- feed: the feed's text; page: the article's; pending: fetch again
        page_error TEXT, story INTEGER, duplicate_of TEXT, textkey TEXT,
        vector BLOB, terms TEXT, alerted INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX reports_new ON reports(ts) WHERE story IS NULL;
    CREATE INDEX reports_story ON reports(story, ts);
    CREATE INDEX reports_ts ON reports(ts);
    CREATE INDEX reports_textkey ON reports(textkey);
    CREATE INDEX reports_pending ON reports(page) WHERE page = 'pending';
    CREATE TABLE stories (
        rowid INTEGER PRIMARY KEY, first REAL NOT NULL, last REAL NOT NULL, size INTEGER NOT NULL,
        vector BLOB, terms TEXT NOT NULL, norm2 REAL NOT NULL, dirty INTEGER NOT NULL DEFAULT 1,
        view TEXT, sentences INTEGER NOT NULL DEFAULT 0, grown REAL NOT NULL DEFAULT 0);
    CREATE INDEX stories_last ON stories(last);
    CREATE INDEX stories_dirty ON stories(dirty) WHERE dirty = 1;
    CREATE TABLE df (term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE shown (arabic TEXT PRIMARY KEY, english TEXT NOT NULL, qe TEXT NOT NULL);
    CREATE TABLE alerts (term TEXT NOT NULL, report TEXT NOT NULL, time TEXT NOT NULL, found TEXT NOT NULL,
                         PRIMARY KEY (term, report));
    CREATE VIRTUAL TABLE search USING fts5(title, body, english, tokenize = 'unicode61 remove_diacritics 0');
    """,
    # 2: reports are grouped by the digest's pair score (summarize.digest.similarity.story_score), which reads each
    # report's own rows: the stories' summed vectors and words (the centroid link of version 1) are gone, and a
    # report's `terms` hold its named sparse rows ({"words": ...}).
    """
    UPDATE reports SET terms = json_object('words', json(terms)) WHERE terms IS NOT NULL;
    CREATE TABLE stories2 (  -- a copy without the three columns (DROP COLUMN needs SQLite 3.35)
        rowid INTEGER PRIMARY KEY, first REAL NOT NULL, last REAL NOT NULL, size INTEGER NOT NULL,
        dirty INTEGER NOT NULL DEFAULT 1, view TEXT, sentences INTEGER NOT NULL DEFAULT 0,
        grown REAL NOT NULL DEFAULT 0);
    INSERT INTO stories2 SELECT rowid, first, last, size, dirty, view, sentences, grown FROM stories;
    DROP TABLE stories;
    ALTER TABLE stories2 RENAME TO stories;
    CREATE INDEX stories_last ON stories(last);
    CREATE INDEX stories_dirty ON stories(dirty) WHERE dirty = 1;
    """,
    # 3: each report's sentences and figures (JSON, summarize.monitor.shown.sentences_json), made the first time
    # its story is planned and read back every time after; NULL until then, and again when its page arrives.
    # And how many times its article page failed (retries are bounded and take the least tried first).
    """
    ALTER TABLE reports ADD COLUMN sentences TEXT;
    ALTER TABLE reports ADD COLUMN page_tries INTEGER NOT NULL DEFAULT 0;
    UPDATE reports SET page_tries = 1 WHERE page = 'pending';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def search_terms(text: str) -> list[str]:
    """The words of a text as the search index holds them: normalized, folded, clitics and suffixes off."""
    from mt.arabic import normalize
    from summarize.lang.text import stem, tokenize

    return [stem(token.norm.lower()) if not token.is_number else token.norm for token in tokenize(normalize(text))
            if token.norm.isalnum()]


def index_text(text: str) -> str:
    """The text as the FTS5 table stores it (search_terms joined by spaces)."""
    return " ".join(search_terms(text))


class Store:
    """An open monitor database (one connection; transactions through `transaction()`)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str, readonly: bool = False) -> Store:
        """Open (creating and migrating unless readonly) the store at path; InputError naming a bad --db."""
        file = check_store_path(path, readonly)
        try:
            uri = f"{file.resolve().as_uri()}?mode=ro" if readonly else None
            conn = sqlite3.connect(uri or path, uri=readonly, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            store = cls(conn, path)
            store._prepare(readonly)
        except sqlite3.DatabaseError as exc:
            raise InputError(path, f"not a usable monitor database ({exc})") from None
        return store

    def _prepare(self, readonly: bool) -> None:
        conn = self.conn
        conn.execute("PRAGMA busy_timeout = 30000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash loses at most the last commits, never order
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise InputError(self.path, f"schema version {version} is newer than this mtbrief's "
                             f"({SCHEMA_VERSION}): upgrade mtbrief")
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if version == 0 and tables:
            raise InputError(self.path, "is an SQLite database but not a monitor store (name a new file)")
        if readonly:
            if version < SCHEMA_VERSION:
                raise InputError(self.path, f"schema version {version}: run `mtbrief monitor run` once to upgrade")
            return
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in migration_statements(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
        if self.meta("store_id") is None:  # names the store in the Atom ids of its stories
            import uuid

            with self.transaction() as conn:
                self.set_meta(conn, "store_id", str(uuid.uuid4()))

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception, KeyboardInterrupt included)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def meta(self, key: str, default: str | None = None) -> str | None:
        """A value of the meta table."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        """Set a meta value (inside a transaction)."""
        conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                     (key, value, value))

    def counts(self) -> dict[str, int]:
        """How many reports, stories, translations and alerts the store holds."""
        out = {}
        for table in ("reports", "stories", "shown", "alerts", "feeds"):
            out[table] = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return out


def check_store_path(path: str, readonly: bool = False) -> Path:
    """The store's path, or InputError naming what is wrong with --db."""
    file = Path(path)
    if path in ("", "-") or file.is_dir():
        raise InputError(path or "--db", "is not a database file: name a file, e.g. --db monitor.sqlite")
    if readonly and not file.is_file():
        raise InputError(path, "no such monitor database (create it with `mtbrief monitor run --db FILE`)")
    if not readonly and not file.parent.is_dir():
        raise InputError(path, f"folder {file.parent} does not exist")
    return file


@contextmanager
def writer_lock(path: str) -> Iterator[None]:
    """Hold PATH.lock while a `monitor run` writes the store: two runs placing the same new reports would count
    them twice. The lock dies with its process (SIGKILL included); a second run is refused with InputError."""
    from filelock import FileLock, Timeout

    check_store_path(path)
    lock = FileLock(f"{path}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise InputError(path, f"another `mtbrief monitor run` is writing this store (it holds {path}.lock): "
                         "one run per store; let it finish, or stop it") from None
    except OSError as exc:  # the .lock is a folder, or the store's folder is read-only
        raise InputError(path, f"cannot take {path}.lock ({exc.strerror or exc}): the store's folder must be "
                         "writable and the .lock a file") from None
    try:
        yield
    finally:
        lock.release()


def migration_statements(script: str) -> list[str]:
    """The statements of a migration script (executescript would commit the open transaction)."""
    parts, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line.split("--")[0] + ("\n" if "--" in line else "")
        if sqlite3.complete_statement(current):
            parts.append(current.strip())
            current = ""
    return [p for p in parts if p]
