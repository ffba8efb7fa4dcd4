"""Hostile input to `mtbrief memory list|export|import|delete`, as tables: every failure is exit 2 and one line naming
the file and the problem, with no traceback; the memory and the files around it are left as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile import check_failure

from mt.cli import main
from mt.memory.store import MemoryStore

ALEPPO = ("حلب", "Aleppo")
NOT_A_DATABASE = b"not a database" * 100


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A folder holding m.sqlite (one correction), a corrupt bad.sqlite, a sub folder and good.tsv; cwd there."""
    MemoryStore(tmp_path / "m.sqlite").put(*ALEPPO, origin="api")
    (tmp_path / "bad.sqlite").write_bytes(NOT_A_DATABASE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "good.tsv").write_text("حلب\tAleppo\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes, but the good memory, whose bytes a reader may checkpoint (its
    corrections are compared instead)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("m.sqlite")}


def _memory(place: Path) -> list[tuple[str, str, str]]:
    return [(e.source, e.target, e.origin) for e in MemoryStore(place / "m.sqlite").entries()]


# (id, arguments after `memory`, the whole error line after "mtbrief: error: ")
COMMAND_ERRORS = [
    ("list-corrupt-memory", ["list", "--memory", "bad.sqlite"],
     "bad.sqlite: cannot open the corrections memory: file is not a database"),
    ("list-memory-is-a-folder", ["list", "--memory", "sub"],
     "sub: cannot open the corrections memory: unable to open database file"),
    ("list-empty-memory-name", ["list", "--memory", ""], "'': empty memory file name (--memory PATH)"),
    ("list-blank-memory-name", ["list", "--memory", "  "], "'  ': empty memory file name (--memory PATH)"),
    ("export-corrupt-memory", ["export", "out.tsv", "--memory", "bad.sqlite"],
     "bad.sqlite: cannot open the corrections memory: file is not a database"),
    ("export-over-the-memory", ["export", "m.sqlite", "--format", "tsv", "--memory", "m.sqlite"],
     "m.sqlite: is the input file m.sqlite: it would be overwritten; choose another output file"),
    ("export-into-a-folder", ["export", "sub", "--format", "tsv", "--memory", "m.sqlite"],
     "sub: is a folder; -o names an output file (a folder input writes a folder of outputs)"),
    ("export-missing-folder", ["export", "nodir/out.tsv", "--memory", "m.sqlite"],
     "nodir/out.tsv: the folder {place}/nodir does not exist"),
    ("export-empty-name", ["export", "", "--format", "tsv", "--memory", "m.sqlite"], "'': empty output file name"),
    ("export-unknown-format", ["export", "out.doc", "--memory", "m.sqlite"],
     "out.doc: cannot tell the format from the name: add --format tmx or --format tsv"),
    ("import-into-corrupt-memory", ["import", "good.tsv", "--memory", "bad.sqlite"],
     "bad.sqlite: cannot open the corrections memory: file is not a database"),
    ("import-missing-file", ["import", "nothere.tsv", "--memory", "m.sqlite"], "nothere.tsv: no such file"),
    ("import-a-folder", ["import", "sub", "--memory", "m.sqlite"], "sub: is a folder; name a .tmx or .tsv file"),
    ("import-empty-name", ["import", "", "--memory", "m.sqlite"], "'': empty file name"),
    ("import-tsv-as-tmx", ["import", "good.tsv", "--format", "tmx", "--memory", "m.sqlite"],
     "good.tsv: not valid TMX/XML (syntax error: line 1, column 0)"),
    ("delete-nothing-named", ["delete", "--memory", "m.sqlite"],
     "memory delete: name the Arabic sentences to delete, or give --all (not both)"),
    ("delete-both", ["delete", "حلب", "--all", "--memory", "m.sqlite"],
     "memory delete: name the Arabic sentences to delete, or give --all (not both)"),
    ("delete-from-corrupt-memory", ["delete", "--all", "--memory", "bad.sqlite"],
     "bad.sqlite: cannot open the corrections memory: file is not a database"),
    ("delete-from-a-folder", ["delete", "حلب", "--memory", "sub"],
     "sub: cannot open the corrections memory: unable to open database file"),
]


@pytest.mark.parametrize(("args", "line"), [c[1:] for c in COMMAND_ERRORS], ids=[c[0] for c in COMMAND_ERRORS])
def test_a_bad_memory_command_is_one_line(place, capsys, args, line):
    before = files_of(place)
    code = main(["memory", *args])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", f"mtbrief: error: {line.format(place=place)}\n")
    assert files_of(place) == before and _memory(place) == [(*ALEPPO, "api")]


def _bomb() -> bytes:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    return (f'<?xml version="1.0"?><!DOCTYPE tmx [{entities}]><tmx><body><tu><tuv xml:lang="ar"><seg>حلب</seg>'
            '</tuv><tuv xml:lang="en"><seg>&e9;</seg></tuv></tu></body></tmx>').encode()


# (id, file name, its bytes, the problem named after "NAME: ")
BAD_IMPORTS = [
    ("binary", "x.tsv", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file (NUL byte at byte offset 8), expected UTF-8 text"),
    ("latin1", "x.tsv", "café\tx\n".encode("latin-1"), "invalid UTF-8 at byte offset 3"),
    ("utf16-bom", "x.tsv", "حلب\tAleppo\n".encode("utf-16"),
     "looks like UTF-16, expected UTF-8 text; convert it with `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`"),
    ("utf16-no-bom", "x.tsv", "حلب\tAleppo\n".encode("utf-16-le"),
     "looks like UTF-16, expected UTF-8 text; convert it with `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`"),
    ("three-columns", "x.tsv", "حلب\tAleppo\tx\n".encode(), "line 1: expected Arabic<TAB>English"),
    ("no-english", "x.tsv", "حلب\tAleppo\nإدلب\t \n".encode(), "line 2: expected Arabic<TAB>English"),
    ("english-too-long", "x.tsv", f"حلب\tAleppo\nإدلب\t{'x' * 20_001}\n".encode(),
     "entry 2: the English has 20001 characters; the memory keeps at most 20000 per entry"),
    ("arabic-too-long", "x.tsv", f"{'ح' * 20_001}\tx\n".encode(),
     "entry 1: the Arabic has 20001 characters; the memory keeps at most 20000 per entry"),
    ("empty-tmx", "x.tmx", b"", "not valid TMX/XML (no element found: line 1, column 0)"),
    ("cut-tmx", "x.tmx", b"<tmx><body><tu>", "not valid TMX/XML (no element found: line 1, column 15)"),
    ("html-as-tmx", "x.tmx", b"<html><body>hi</body></html>",
     "not a TMX document (its root element is <html>, expected <tmx>)"),
    ("entity-bomb", "x.tmx", _bomb(), "not valid TMX/XML (limit on input amplification factor (from DTD and "
                                      "entities) breached: line 1, column 629)"),
    ("external-entity", "x.tmx", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                 b'<tmx><body><tu><tuv xml:lang="ar"><seg>x</seg></tuv><tuv xml:lang="en"><seg>&e;'
                                 b"</seg></tuv></tu></body></tmx>",
     "not valid TMX/XML (undefined entity &e;: line 1, column 151)"),
]


@pytest.mark.parametrize(("name", "data", "problem"), [c[1:] for c in BAD_IMPORTS], ids=[c[0] for c in BAD_IMPORTS])
def test_a_bad_import_file_is_one_line_and_imports_nothing(place, capsys, name, data, problem):
    (place / name).write_bytes(data)
    before = files_of(place)
    code = main(["memory", "import", name, "--memory", "m.sqlite"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", f"mtbrief: error: {name}: {problem}\n")
    assert files_of(place) == before and _memory(place) == [(*ALEPPO, "api")]


# Odd but acceptable: (id, arguments after `memory`, exit code, stdout, stderr, the memory after)
ODD_OK = [
    ("list-a-memory-not-made-yet", ["list", "--memory", "new.sqlite"], 0, "", "0 corrections in new.sqlite\n", None),
    ("list-limit-0", ["list", "--limit", "0", "--memory", "m.sqlite"], 0, "", "1 corrections in m.sqlite\n", None),
    ("list-limit-negative", ["list", "--limit", "-1", "--memory", "m.sqlite"], 0, "",
     "1 corrections in m.sqlite\n", None),
    ("export-to-stdout", ["export", "-", "--format", "tsv", "--memory", "m.sqlite"], 0, "حلب\tAleppo\n",
     "exported 1 corrections from m.sqlite\n", None),
    ("export-a-memory-not-made-yet", ["export", "-", "--format", "tsv", "--memory", "new.sqlite"], 0, "",
     "exported 0 corrections from new.sqlite\n", None),
    ("import-an-empty-tsv", ["import", "empty.tsv", "--memory", "m.sqlite"], 0, "",
     "imported 0 corrections into m.sqlite\n", None),
    ("delete-what-is-not-there", ["delete", "دمشق", "--memory", "m.sqlite"], 1, "",
     "deleted 0 corrections from m.sqlite\n", None),
    ("delete-an-empty-sentence", ["delete", "", "--memory", "m.sqlite"], 1, "",
     "deleted 0 corrections from m.sqlite\n", None),
    ("delete-all", ["delete", "--all", "--memory", "m.sqlite"], 0, "", "deleted 1 corrections from m.sqlite\n", []),
]


@pytest.mark.parametrize(("args", "code", "out", "err", "after"), [c[1:] for c in ODD_OK], ids=[c[0] for c in ODD_OK])
def test_odd_but_valid_memory_commands(place, capsys, args, code, out, err, after):
    (place / "empty.tsv").write_bytes(b"")
    assert (main(["memory", *args]), *capsys.readouterr()) == (code, out, err)
    assert _memory(place) == ([(*ALEPPO, "api")] if after is None else after)


def test_an_export_over_a_link_to_the_memory_is_refused(place, capsys):
    os.symlink(place / "m.sqlite", place / "link.tsv")
    assert main(["memory", "export", "link.tsv", "--memory", "m.sqlite"]) == 2
    check_failure(2, capsys.readouterr().err, 2, r"^mtbrief: error: link\.tsv: is the input file m\.sqlite: it would "
                                                 r"be overwritten; choose another output file$")
    assert _memory(place) == [(*ALEPPO, "api")]
