"""Hostile input to `mtbrief monitor` and to GET /monitor/..., as tables. The commands: exit 2 and one line
naming the file or option, before any fetch or model load, nothing written; the endpoints: 4xx with {"error"}."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hostile import check_failure
from monitor_helpers import QUICK, small_replay

from mt.cli import main
from mt.server.limits import ServerSettings
from summarize.monitor.feeds import Fetcher, read_feeds_file
from summarize.monitor.run import run_pass
from summarize.monitor.store import Store


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, tiny_translator) -> Path:
    """A store after one pass over the small replay."""
    replay, server, base = small_replay()
    folder = tmp_path_factory.mktemp("hostile-monitor")
    (folder / "feeds.txt").write_text(f"{base}/rss/alpha.xml\n{base}/atom/beta.xml\n", encoding="utf-8")
    store = Store.open(str(folder / "m.sqlite"))
    run_pass(store, read_feeds_file(str(folder / "feeds.txt")), Fetcher(QUICK.fetch), lambda: tiny_translator, QUICK,
             watch=["الأردن"])
    store.close()
    server.shutdown()
    return folder / "m.sqlite"


def _feeds(d: Path, text: str | bytes = "http://127.0.0.1:9/feed.xml\n", name: str = "feeds.txt") -> str:
    path = d / name
    (path.write_bytes if isinstance(text, bytes) else lambda t: path.write_text(t, encoding="utf-8"))(text)
    return str(path)


def _other_sqlite(d: Path) -> str:
    with sqlite3.connect(d / "other.sqlite") as conn:
        conn.execute("CREATE TABLE t (x)")
    return str(d / "other.sqlite")


def _junk(d: Path) -> str:
    (d / "junk.sqlite").write_bytes(b"\x00garbage" * 1000)
    return str(d / "junk.sqlite")


def _lock_folder(d: Path) -> str:
    """A store path whose .lock is a folder."""
    (d / "m.sqlite.lock").mkdir()
    return str(d / "m.sqlite")


HELD: list = []  # locks the "store in use" case holds while its run is refused


def _in_use(d: Path) -> str:
    """A store path whose writer lock another run holds."""
    from filelock import FileLock

    lock = FileLock(f"{d / 'm.sqlite'}.lock")
    lock.acquire(timeout=0)
    HELD.append(lock)
    return str(d / "m.sqlite")


RUN_CASES = [  # (id, the arguments after `monitor run`, the error line's pattern)
    ("store in use", lambda d: ["--db", _in_use(d), "--feeds", _feeds(d), "--once"],
     r"m.sqlite: another `mtbrief monitor run` is writing this store \(it holds .*m.sqlite.lock\): one run per"),
    ("lock is a folder", lambda d: ["--db", _lock_folder(d), "--feeds", _feeds(d), "--once"],
     r"m.sqlite: cannot take .*m.sqlite.lock \(Is a directory\)"),
    ("db is a folder", lambda d: ["--db", str(d), "--feeds", _feeds(d), "--once"], r"is not a database file"),
    ("db in no folder", lambda d: ["--db", str(d / "no" / "m.sqlite"), "--feeds", _feeds(d), "--once"],
     r"folder .* does not exist"),
    ("db is junk", lambda d: ["--db", _junk(d), "--feeds", _feeds(d), "--once"], r"not a usable monitor database"),
    ("db of another program", lambda d: ["--db", _other_sqlite(d), "--feeds", _feeds(d), "--once"],
     r"an SQLite database but not a monitor store"),
    ("feeds missing", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", str(d / "none.txt"), "--once"],
     r"none.txt: no such file"),
    ("feeds empty", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d, ""), "--once"], r"feeds.txt: no feed"),
    ("feeds binary", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d, b"\x00\x01\x02" * 50), "--once"],
     r"feeds.txt: binary file"),
    ("feeds not URLs", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d, "javascript:alert(1)\n"),
                                  "--once"], r"feeds.txt:1: .* is not an http\(s\) URL"),
    ("feeds stdin", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", "-", "--once"], r"-: the feeds file must be"),
    ("feeds a folder", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", str(d), "--once"], r"is a directory"),
    ("watch empty", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--once", "--watch",
                               _feeds(d, "# none\n", "watch.txt")], r"watch.txt: no term"),
    ("every 0", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--every", "0"], r"invalid every 0"),
    ("every nan", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--every", "nan"],
     r"invalid every nan"),
    ("window -1", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--once", "--window", "-1"],
     r"invalid window -1"),
    ("model folder missing", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--once", "--model",
                                        str(d / "no-model")], r"no-model.*no such folder"),
    ("model folder empty", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--once", "--model",
                                      str(d)], r"config.json"),
    ("timeout inf", lambda d: ["--db", str(d / "m.sqlite"), "--feeds", _feeds(d), "--once", "--timeout", "inf"],
     r"invalid timeout inf"),
]


@pytest.mark.parametrize(("make", "pattern"), [c[1:] for c in RUN_CASES], ids=[c[0] for c in RUN_CASES])
def test_monitor_run_refuses_bad_input_before_any_work(tmp_path, capsys, no_model, make, pattern):
    args = make(tmp_path)
    code = main(["monitor", "run", *args])
    check_failure(code, capsys.readouterr().err, 2, pattern)
    assert not (tmp_path / "m.sqlite").exists()
    while HELD:
        HELD.pop().release()


VIEW_CASES = [  # (id, the arguments after `monitor`, the error line's pattern)
    ("stories since bad", ["stories", "--since", "noon"], r"--since: time 'noon' is not ISO 8601"),
    ("stories since after until", ["stories", "--since", "2018-03-02", "--until", "2018-03-01"], r"is after --until"),
    ("stories hours 0", ["stories", "--hours", "0"], r"invalid hours 0.0"),
    ("stories since year 0 in UTC", ["stories", "--since", "0001-01-01T00:00:00+01:00", "--until", "2018-01-01"],
     r"--since: time '0001-01-01T00:00:00\+01:00' is outside the years 1-9999 in UTC"),
    ("stories until year 10000 in UTC", ["stories", "--until", "9999-12-31T23:59:59-12:00"],
     r"--until: time '9999-12-31T23:59:59-12:00' is outside the years 1-9999 in UTC"),
    ("stories hours inf", ["stories", "--hours", "inf"], r"invalid hours inf"),
    ("stories hours past 100 years", ["stories", "--hours", "876001"], r"invalid hours 876001.0: .*at most 876,000"),
    ("stories since and hours", ["stories", "--since", "2018-03-01", "--hours", "3"], r"not both"),
    ("stories output in no folder", ["stories", "-o", "/no/such/folder/out.md"], r"/no/such/folder"),
    ("search empty", ["search", ""], r"query: no word to search for"),
    ("search punctuation", ["search", "?!؟"], r"query: no word to search for"),
    ("search huge", ["search", "ا" * 5000], r"query: 5,000 characters, at most 500"),
    ("search limit 0", ["search", "الأردن", "--limit", "0"], r"invalid limit 0"),
    ("search limit huge", ["search", "الأردن", "--limit", "10000000"], r"invalid limit 10000000"),
    ("alerts since bad", ["alerts", "--since", "2018-13-45"], r"--since: time '2018-13-45' is not ISO 8601"),
]


@pytest.mark.parametrize(("args", "pattern"), [c[1:] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_monitor_views_refuse_bad_input(store_path, capsys, args, pattern):
    code = main(["monitor", args[0], "--db", str(store_path), *args[1:]])
    check_failure(code, capsys.readouterr().err, 2, pattern)


@pytest.mark.parametrize("end", ["-wal", "-shm", ".lock"])
def test_a_view_never_writes_over_the_stores_own_files(store_path, tmp_path, capsys, end):
    import shutil

    from summarize.monitor.store import writer_lock

    db = tmp_path / "m.sqlite"
    shutil.copy(store_path, db)
    with writer_lock(str(db)):
        store = Store.open(str(db))  # open and written: its -wal and -shm files are there
        with store.transaction() as conn:
            store.set_meta(conn, "touched", "1")
        before = (tmp_path / f"m.sqlite{end}").read_bytes()
        code = main(["monitor", "status", "--db", str(db), "-o", str(tmp_path / f"m.sqlite{end}")])
        check_failure(code, capsys.readouterr().err, 2, rf"m.sqlite{end}: is the input file .*m.sqlite{end}")
        assert (tmp_path / f"m.sqlite{end}").read_bytes() == before
        store.close()


@pytest.mark.parametrize("view", ["stories", "alerts", "status", "search"])
def test_monitor_views_refuse_a_missing_or_foreign_store(tmp_path, capsys, view):
    extra = ["الأردن"] if view == "search" else []
    code = main(["monitor", view, "--db", str(tmp_path / "none.sqlite"), *extra])
    check_failure(code, capsys.readouterr().err, 2, r"none.sqlite: no such monitor database")
    code = main(["monitor", view, "--db", _other_sqlite(tmp_path), *extra])
    check_failure(code, capsys.readouterr().err, 2, r"an SQLite database but not a monitor store")


@pytest.mark.parametrize(("args", "expected"), [
    (["stories", "--since", "2018-03-01T00:00:00Z", "--until", "2018-03-02T00:00:00Z", "--format", "json"],
     '"stories": ['),
    (["stories", "--since", "2018-03-01T00:00:00Z", "--until", "2018-03-02T00:00:00Z", "--format", "atom"],
     "<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
    (["search", "بالأردن", "--format", "json"], '"id": "urn:ant:d1"'),
    (["alerts", "--format", "md"], r"- \[الأردن\] اجتماع وزاري (beta, 2018-03-01T12:00:00+00:00; story-"),
    (["status", "--format", "json"], '"source": "alpha"'),
])
def test_monitor_views_answer(store_path, capsys, args, expected):
    code = main(["monitor", args[0], "--db", str(store_path), *args[1:]])
    out = capsys.readouterr().out
    assert code == 0 and expected in out


def test_a_view_is_written_atomically_to_its_file(store_path, tmp_path, capsys):
    out = tmp_path / "stories.html"
    code = main(["monitor", "stories", "--db", str(store_path), "--since", "2018-03-01", "--format", "html",
                 "-o", str(out)])
    assert code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert capsys.readouterr().out == "" and sorted(p.name for p in tmp_path.iterdir()) == ["stories.html"]


@pytest.fixture(scope="module")
def client(store_path, tiny_translator) -> TestClient:
    """The server's app with the monitor mounted."""
    from ui import create_app

    return TestClient(create_app(tiny_translator, ServerSettings(), str(store_path)))


ENDPOINT_CASES = [  # (id, path, status, pattern of the error)
    ("search no q", "/monitor/search", 400, "query: no word to search for"),
    ("search empty q", "/monitor/search?q=", 400, "query: no word to search for"),
    ("search limit text", "/monitor/search?q=x&limit=ten", 400, "invalid limit 'ten'"),
    ("search limit 0", "/monitor/search?q=x&limit=0", 400, "invalid limit 0"),
    ("search limit huge", "/monitor/search?q=x&limit=99999999999999999999", 400, "invalid limit"),
    ("search huge q", "/monitor/search?q=" + "ا" * 2000, 400, "at most 500"),
    ("search q twice", "/monitor/search?q=a&q=b", 400, "a parameter given twice"),
    ("search unknown param", "/monitor/search?q=a&sort=x", 400, "sort: unknown parameter; search takes: limit, q"),
    ("search NUL", "/monitor/search?q=%00", 400, "no word to search for"),
    ("stories since bad", "/monitor/stories?since=tomorrow", 400, "since: time 'tomorrow' is not ISO 8601"),
    ("stories since year 0 in UTC", "/monitor/stories?since=0001-01-01T00:00:00%2B01:00&until=2018-01-01", 400,
     "since: time '0001-01-01T00:00:00+01:00' is outside the years 1-9999 in UTC"),
    ("atom until year 10000 in UTC", "/monitor/stories.atom?since=2018-01-01&until=9999-12-31T23:59:59-12:00", 400,
     "until: time '9999-12-31T23:59:59-12:00' is outside the years 1-9999 in UTC"),
    ("stories hours nan", "/monitor/stories?hours=nan", 400, "invalid hours nan"),
    ("stories hours past 100 years", "/monitor/stories?hours=1e9", 400, "invalid hours 1000000000.0"),
    ("stories hours text", "/monitor/stories?hours=many", 400, "invalid hours 'many'"),
    ("stories hours negative", "/monitor/stories?hours=-5", 400, "invalid hours -5.0"),
    ("atom since after until", "/monitor/stories.atom?since=2019-01-01&until=2018-01-01", 400, "is after until"),
    ("alerts since bad", "/monitor/alerts?since=%F0%9F%98%80", 400, "is not ISO 8601"),
    ("status with params", "/monitor/status?x=1", 400, "x: unknown parameter; status takes: none"),
]


@pytest.mark.parametrize(("path", "status", "pattern"), [c[1:] for c in ENDPOINT_CASES],
                         ids=[c[0] for c in ENDPOINT_CASES])
def test_hostile_monitor_requests_are_4xx_json(client, path, status, pattern):
    response = client.get(path)
    assert response.status_code == status and pattern in response.json()["error"], response.text


@pytest.mark.parametrize(("method", "path", "status", "error", "allow"), [
    ("POST", "/monitor/stories", 405, "Method not allowed: POST /monitor/stories; use GET, HEAD", "GET, HEAD"),
    ("DELETE", "/monitor/alerts", 405, "Method not allowed: DELETE /monitor/alerts; use GET, HEAD", "GET, HEAD"),
    ("PUT", "/monitor/stories.atom", 405, "Method not allowed: PUT /monitor/stories.atom; use GET, HEAD",
     "GET, HEAD"),
    ("GET", "/monitor/feeds", 404, "Not found: /monitor/feeds is not an endpoint of this API", None),
])
def test_a_wrong_method_or_path_under_monitor_is_json_not_the_web_page(client, method, path, status, error, allow):
    response = client.request(method, path)
    assert response.status_code == status and response.json()["error"].startswith(error), response.text
    assert response.headers.get("allow") == allow


def test_the_endpoints_answer_as_the_commands(client, store_path, capsys):
    found = client.get("/monitor/search", params={"q": "الأردن", "limit": "5"})
    main(["monitor", "search", "--db", str(store_path), "الأردن", "--limit", "5", "--format", "json"])

    assert found.status_code == 200 and found.json() == json.loads(capsys.readouterr().out)
    atom = client.get("/monitor/stories.atom", params={"since": "2018-03-01T00:00:00Z", "until": "2018-03-02"})
    assert atom.headers["content-type"].startswith("application/atom+xml") and atom.text.count("<entry>") == 4
    assert [a["report"] for a in client.get("/monitor/alerts").json()["alerts"]] == ["urn:ant:d1", "c1"]
    assert client.get("/monitor/status").json()["counts"]["reports"] == 5


def test_serve_refuses_a_bad_monitor_store_before_loading_the_model(tmp_path, capsys, no_model):
    code = main(["serve", "--monitor", str(tmp_path / "none.sqlite"), "--port", "0"])
    check_failure(code, capsys.readouterr().err, 2, r"none.sqlite: no such monitor database")
