"""Hostile input to `mtbrief digest`, as tables. A whole-input problem (no usable report, too many reports, a missing
path, a bad option or -o) exits 2 with one line, nothing written, before the model loads; a bad report (empty, not a
JSON object, no Arabic, 10 MB, unreadable) is skipped with one line naming it, listed in the digest, and the others
are digested (exit 1, as a batch with some files failed)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from hostile import check_failure

from mt.cli import main

GOOD = {"id": "good", "title": "انفجار في سوق الموصل", "text": "مقتل 24 شخصا في انفجار سيارة مفخخة في سوق الموصل.",
        "source": "alpha", "time": "2018-03-01T08:00:00Z"}


@pytest.fixture
def run(tiny_marian_dir, capsys, monkeypatch):
    """`mtbrief digest ARGS` in-process on the tiny model; returns (code, stdout, stderr)."""

    def _run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        code = main(["digest", *args, "--model", str(tiny_marian_dir), "--beam-size", "1", "-q"])
        out, err = capsys.readouterr()
        return code, out, err

    return _run



def _jsonl(d: Path, *records: object) -> str:
    path = d / "day.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in records), encoding="utf-8")
    return str(path)


def _unreadable_folder(d: Path) -> str:
    (d / "in").mkdir()
    (d / "in" / "good.txt").write_text(GOOD["text"], encoding="utf-8")
    (d / "in" / "gone.txt").symlink_to(d / "nowhere")
    return str(d / "in")


BAD_REPORTS = [  # (id, make the input, the failed report's name, its problem)
    ("empty report", lambda d: _jsonl(d, GOOD, {"text": "  "}), "day.jsonl:2", "empty report"),
    ("line not an object", lambda d: _jsonl(d, GOOD, "[1, 2]"), "day.jsonl:2", "not a JSON object"),
    ("line not JSON", lambda d: _jsonl(d, GOOD, "{oops"), "day.jsonl:2", "not JSON"),
    ("no Arabic", lambda d: _jsonl(d, GOOD, {"id": "en", "text": "English only."}), "en", "no Arabic text"),
    ("10 MB report", lambda d: _jsonl(d, GOOD, {"id": "huge", "text": "خبر " * 2_500_000}), "huge",
     "more than the 200,000"),
    ("unreadable file in folder", _unreadable_folder, "gone.txt", "cannot read"),
]


@pytest.mark.parametrize(("make", "name", "problem"), [c[1:] for c in BAD_REPORTS], ids=[c[0] for c in BAD_REPORTS])
def test_a_bad_report_is_skipped_named_and_listed_and_the_rest_digested(run, tmp_path, make, name, problem):
    (tmp_path / "src").mkdir()
    given = make(tmp_path / "src")
    before = {p: p.read_bytes() for p in (tmp_path / "src").rglob("*") if p.is_file()}
    out = tmp_path / "digest.json"
    code, _, err = run(given, "-o", str(out), "--format", "json")
    assert code == 1 and "Traceback" not in err
    skipped = [line for line in err.splitlines() if line.startswith("mtbrief: skipped ")]
    assert len(skipped) == 1 and re.match(rf"mtbrief: skipped (\S*/)?{re.escape(name)}: ", skipped[0])
    assert problem in skipped[0]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["reports"] == 1 and [f["id"].rpartition("/")[2] for f in data["failures"]] == [name]
    assert [len(s["reports"]) for s in data["stories"]] == [1]
    assert {p: p.read_bytes() for p in (tmp_path / "src").rglob("*") if p.is_file()} == before  # inputs intact


def _write(d: Path, name: str, text: str) -> str:
    (d / name).write_text(text, encoding="utf-8")
    return str(d / name)


WHOLE_INPUT = [  # (id, args from the folder, the error line's pattern)
    ("only bad reports", lambda d: [_jsonl(d, {"text": ""}, "[1]")], r"no usable report \(2 failed; .*day\.jsonl:1"),
    ("more reports than the limit", lambda d: [_jsonl(d, GOOD, GOOD, GOOD), "--max-reports", "2"],
     r"more than 2 reports; digest at most 2"),
    ("missing input", lambda d: [str(d / "nope.jsonl")], r"nope\.jsonl: no such file or folder"),
    ("empty folder", lambda d: [str(d)], r"no usable report \(0 failed\)"),
    ("bad window", lambda d: [_jsonl(d, GOOD), "--window", "-1"], r"invalid window -1"),
    ("window not a number", lambda d: [_jsonl(d, GOOD), "--window", "nan"], r"invalid window nan"),
    ("endless window", lambda d: [_jsonl(d, GOOD), "--window", "inf"], r"invalid window inf"),
    ("output is the input", lambda d: [_jsonl(d, GOOD), "-o", str(d / "day.jsonl")], r"day\.jsonl: .*input"),
    ("output is a folder", lambda d: [_jsonl(d, GOOD), "-o", str(d)], r"is a folder"),
]


@pytest.mark.parametrize(("make", "pattern"), [c[1:] for c in WHOLE_INPUT], ids=[c[0] for c in WHOLE_INPUT])
def test_a_whole_input_error_is_one_line_exit_2_nothing_written(run, no_model, tmp_path, make, pattern):
    (tmp_path / "in").mkdir()
    args = make(tmp_path / "in")
    before = sorted(p.name for p in (tmp_path / "in").iterdir())
    code, out, err = run(*args)
    check_failure(code, err, 2, pattern)
    assert out == "" and sorted(p.name for p in (tmp_path / "in").iterdir()) == before


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_digest_is_written_in_each_format(run, tmp_path, fmt):
    given = _jsonl(tmp_path, GOOD, {**GOOD, "id": "second", "source": "beta",
                                    "text": GOOD["text"].replace("24", "31")})
    code, out, err = run(given, "--format", fmt)
    assert code == 0 and err == ""
    expected = {"md": "# Digest", "html": "<!DOCTYPE html>", "json": "{"}[fmt]
    assert out.startswith(expected) and ("31" in out and "24" in out)


@pytest.mark.parametrize(("flag", "checked"), [((), True), (("--no-check",), False)])
def test_no_check_skips_the_quality_check_of_the_shown_sentences(run, tmp_path, monkeypatch, flag, checked):
    import summarize.quality.check as quality

    calls: list[str] = []
    real = quality.check_translation

    def spy(translation, **kwargs):
        calls.append(translation.source_text)
        return real(translation, **kwargs)

    monkeypatch.setattr(quality, "check_translation", spy)
    code, out, err = run(_jsonl(tmp_path, GOOD), "--format", "json", *flag)
    story = json.loads(out)["stories"][0]
    assert code == 0 and "Traceback" not in err
    assert calls == ([GOOD["title"]] if checked else [])  # the one shown sentence: a lone report's headline
    assert (story["headline"]["qe"] == {"similarity": None, "flags": []}) != checked
