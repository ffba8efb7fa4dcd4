"""Hostile folders for the batch, as a table: one odd file (a name that is not UTF-8, a pipe, a dangling link,
UTF-16, a name too long for its output...) among good ones never stops the batch: the good files are translated,
the odd one is translated or listed in failures.tsv (valid UTF-8, escaped), and a rerun agrees."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hostile import AR, check_failure, no_temporaries

from mt.batch.files import FAILURES, MANIFEST
from mt.cli import main


def _file(data: bytes):
    return lambda path: path.write_bytes(data)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone.txt")


def _folder(path: Path) -> None:
    path.mkdir()


# (id, file name (bytes), how it is made, --format, the failure reason or None when it must be translated)
ODD_FILES = [
    ("name-not-utf8", b"\xff\xfe.txt", _file(AR.encode()), "text", None),
    ("name-not-utf8-jsonl", b"\xff\xfe.txt", _file(AR.encode()), "jsonl", None),
    ("name-not-utf8-records", b"\xff\xfe.jsonl", _file(json.dumps({"text": AR.strip()}).encode()), "text", None),
    ("name-with-tab-and-newline", b"a\tb\nc.txt", _file(AR.encode()), "text", None),
    ("name-too-long-for-jsonl", b"y" * 250 + b".txt", _file(AR.encode()), "jsonl", r"File name too long"),
    ("fifo", b"pipe.txt", _fifo, "text", r"not a regular file"),
    ("dangling-link", b"link.txt", _dangling, "text", r"cannot read: No such file or directory"),
    ("folder-named-like-a-file", b"dir.txt", _folder, "text", None),
    ("utf16", b"u.txt", _file(AR.encode("utf-16")), "text", r"looks like UTF-16"),
    ("empty", b"e.txt", _file(b""), "text", r"empty file"),
    ("binary", b"b.txt", _file(b"\x89PNG\r\n\x1a\n\x00\x00"), "text", r"binary file"),
    ("jsonl-not-json", b"r.jsonl", _file(b"{nope\n"), "text", r"line 1: not JSON"),
    ("jsonl-deep-nesting", b"r.jsonl", _file(b"[" * 100_000 + b"]" * 100_000 + b"\n"), "text",
     r"line 1: not usable JSON \(RecursionError"),
    ("jsonl-huge-number", b"r.jsonl", _file(b'{"text": 1' + b"0" * 5000 + b"}\n"), "text",
     r"line 1: not usable JSON \(ValueError"),
    ("jsonl-field-not-text", b"r.jsonl", _file(b'{"text": 5}\n'), "text", r"field 'text' is int, not a string"),
    ("jsonl-array", b"r.jsonl", _file(b"[1, 2]\n"), "text", r"line 1: not a JSON object"),
    ("latin-only", b"l.txt", _file(b"Hello world.\n"), "text", None),
]


@pytest.mark.parametrize(("name", "make", "fmt", "reason"), [c[1:] for c in ODD_FILES], ids=[c[0] for c in ODD_FILES])
def test_one_odd_file_never_stops_a_batch(tiny_marian_dir, tmp_path, capsys, name, make, fmt, reason):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for good in ("a.txt", "zz.txt"):  # sorted before and after the odd one
        (src / good).write_text(AR, encoding="utf-8")
    make(Path(os.fsdecode(bytes(src) + b"/" + name)))
    args = ["translate", str(src), "-o", str(out), "--model", str(tiny_marian_dir), "-q", "--beam-size", "1",
            "--format", fmt]
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    suffix = ".jsonl" if fmt == "jsonl" else ""
    assert (out / f"a.txt{suffix}").is_file() and (out / f"zz.txt{suffix}").is_file()
    manifest = [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]
    if reason is None:
        assert code == 0 and not (out / FAILURES).exists(), err
        if not name.endswith(b"dir.txt"):
            assert Path(os.fsdecode(bytes(out) + b"/" + name + suffix.encode())).is_file()
            assert len(manifest) == 3
    else:
        assert code == 1, err
        rows = (out / FAILURES).read_text(encoding="utf-8").splitlines()  # valid UTF-8
        assert len(rows) == 2 and rows[1].startswith(os.fsdecode(name).encode("utf-8", "surrogateescape")
                                                      .decode("utf-8", "backslashreplace"))
        assert re.search(reason, rows[1]), rows[1]
    assert no_temporaries(out) == []
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name not in (MANIFEST, FAILURES)}
    assert main(args) == code  # a rerun: the finished files are skipped, the odd one is retried
    assert f"0 ok, {0 if reason is None else 1} failed, {len(manifest)} skipped" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before


BATCH_ARGUMENTS = [
    ("output-is-a-file", lambda d: [str(d / "in"), "-o", str(d / "in" / "a.txt")], r"exists and is not a folder"),
    ("output-under-a-file", lambda d: [str(d / "in"), "-o", str(d / "f.txt" / "out")],
     r"cannot be created: .*f\.txt is a file, not a folder"),
    ("output-inside-input", lambda d: [str(d / "in"), "-o", str(d / "in" / "out")], r"is inside the input folder"),
    ("output-is-input", lambda d: [str(d / "in"), "-o", str(d / "in")], r"is inside the input folder"),
    ("input-inside-output", lambda d: [str(d / "in"), "-o", str(d)], r"contains the input folder"),
    ("no-output", lambda d: [str(d / "in")], r"is a folder: name an output folder with -o OUTDIR"),
    ("jobs-0", lambda d: [str(d / "in"), "-o", str(d / "out"), "--jobs", "0"], r"invalid --jobs 0"),
    ("two-folders", lambda d: [str(d / "in"), str(d / "in"), "-o", str(d / "out")], r"exactly one input folder"),
    ("field-empty", lambda d: [str(d / "in"), "-o", str(d / "out"), "--field", ""], r"invalid --field ''"),
]


@pytest.mark.parametrize(("args", "pattern"), [c[1:] for c in BATCH_ARGUMENTS], ids=[c[0] for c in BATCH_ARGUMENTS])
def test_bad_batch_arguments_fail_before_anything_is_written(tmp_path, capsys, monkeypatch, args, pattern):
    from mt.translator import Translator

    monkeypatch.setattr(Translator, "load", lambda *a, **k: pytest.fail("the model loaded"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "f.txt").write_text("x")
    before = sorted(tmp_path.rglob("*"))
    code = main(["translate", *args(tmp_path)])
    check_failure(code, capsys.readouterr().err, 2, pattern)
    assert sorted(tmp_path.rglob("*")) == before
