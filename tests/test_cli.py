"""`mtbrief translate` and `mtbrief models`: outputs, formats and every bad-input path (exit 2, one line)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mt.cli import main
from mt.textio import text_lines

LINES = ["قال ناشطون إن قوات المعارضة صدت هجوما. وقتلت عددا من الجنود.", "", "حلب"]


@pytest.fixture
def run(tiny_marian_dir, capsys, monkeypatch):
    """Run `mtbrief ARGS` in-process on the tiny model; returns (exit code, stdout, stderr)."""

    def _run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        model = ["--model", str(tiny_marian_dir)] if args[0] == "translate" else []
        code = main([*args, *model, "--beam-size", "1"] if model else list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_translate_file_keeps_one_line_per_line(run, tmp_path):
    src = tmp_path / "report.ar.txt"
    src.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    code, out, err = run("translate", str(src))
    assert code == 0, err
    lines = out.split("\n")
    assert len(lines) == 4 and lines[3] == ""  # three lines, each ended by a newline
    assert lines[0] and lines[1] == "" and lines[2]


def test_translate_stdin_to_output_file(run, tmp_path):
    out_file = tmp_path / "out.txt"
    code, out, _ = run("translate", "-", "-o", str(out_file), stdin="\n".join(LINES).encode())
    assert code == 0 and out == ""
    assert len(out_file.read_text(encoding="utf-8").split("\n")) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left
    umask = os.umask(0o22)
    os.umask(umask)
    assert out_file.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not mkstemp's 0600


def test_jsonl_gives_one_object_per_segment(run, tmp_path):
    src = tmp_path / "r.txt"
    src.write_text("\n".join(LINES), encoding="utf-8")
    code, out, _ = run("translate", str(src), "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(r["paragraph"], r["source"]) for r in records] == [
        (0, "قال ناشطون إن قوات المعارضة صدت هجوما."), (0, "وقتلت عددا من الجنود."), (2, "حلب")]
    assert all(set(r) == {"file", "paragraph", "span", "source", "target", "origin", "flags"} and r["target"]
               for r in records)
    assert {(r["origin"], len(r["flags"])) for r in records} == {("model", 0)}


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("bad.txt", "حلب".encode() + b"\xff\xfe more", "bad.txt: invalid UTF-8 at byte offset 6"),
    ("image.bin", b"\x89PNG\x00\x00data", "image.bin: binary file (NUL byte at byte offset 4), expected UTF-8 text"),
    (None, b"", "missing.txt: no such file"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(run, tmp_path, name, content, problem):
    good = tmp_path / "good.txt"
    good.write_text("حلب", encoding="utf-8")
    bad = tmp_path / (name or "missing.txt")
    if name:
        bad.write_bytes(content)
    out_file = tmp_path / "out.txt"
    code, out, err = run("translate", str(good), str(bad), "-o", str(out_file))
    assert code == 2 and out == ""
    assert err == f"mtbrief: error: {tmp_path / problem}\n"
    assert not out_file.exists()


def test_unreachable_model_exits_2_naming_the_fixes(capsys, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("حلب", encoding="utf-8")
    code = main(["translate", str(src), "--model", "opus-mt-ar-en"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("mtbrief: error: model 'Helsinki-NLP/opus-mt-ar-en' is not available offline")
    assert "mtbrief models download" in err and "--model /path/to" in err


def test_models_list_prints_the_presets(run):
    code, out, _ = run("models", "list")
    assert code == 0
    assert [line.split(" | ")[0] for line in out.splitlines()[2:]] == [
        "| opus-mt-tc-big-ar-en (default)", "| opus-mt-ar-en", "| nllb-200-distilled-600M",
        "| nllb-200-distilled-1.3B"]


def test_models_convert_a_local_folder(run, tiny_marian_dir):
    code, out, _ = run("models", "convert", str(tiny_marian_dir), "--compute-type", "int8")
    assert code == 0
    assert out.splitlines()[1].startswith("CTranslate2 (int8): ") and out.rstrip().endswith("--int8")


def test_installed_command_translates_stdin(tiny_model_env):
    command = str(Path(sys.executable).with_name("mtbrief"))
    proc = subprocess.run([command, "translate", "-q", "--beam-size", "1"], input="حلب\n\nمدينة حلب.\n",
                          capture_output=True, text=True, env=tiny_model_env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    assert len(lines) == 4 and lines[0] and lines[1] == "" and lines[2]


@pytest.mark.parametrize(("text", "lines"), [
    ("", []), ("حلب", ["حلب"]), ("حلب\n", ["حلب"]), ("حلب\n\n", ["حلب", ""]), ("\n", [""]), ("a\nb", ["a", "b"]),
])
def test_a_final_newline_ends_the_last_line(text, lines):
    assert text_lines(text) == lines
