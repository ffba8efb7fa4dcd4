"""Hostile input on the command line, as tables: output paths, inputs and encodings, odd file names, text with no
Arabic. Every failure: exit 2, one line naming the path and the problem, no traceback, nothing written or
clobbered, the input intact; checks of the output path come before the model loads."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
import threading
from pathlib import Path

import pytest
from hostile import AR, NOBODY, can_switch_user, check_failure, cli, no_temporaries, open_folder

from mt.cli import main


@pytest.fixture
def run(tiny_marian_dir, capsys, monkeypatch):
    """`mtbrief ARGS` in-process; with model=True on the tiny model. Returns (code, stdout, stderr)."""

    def _run(*args: str, stdin: bytes = b"", model: bool = True) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        extra = ["--model", str(tiny_marian_dir), "--beam-size", "1", "-q"] if model else []
        if model and args[0] == "brief":
            extra.append("--ranker=tfidf")
        code = main([*args, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return _run



def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes (links as their target path)."""
    return {str(p.relative_to(folder)): (os.readlink(p).encode() if p.is_symlink() else p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


def _hard_link(d: Path) -> Path:
    os.link(d / "in.txt", d / "sub" / "same.txt")
    return d / "sub" / "same.txt"


def _sym_link(d: Path) -> Path:
    (d / "sub" / "link.txt").symlink_to(d / "in.txt")
    return d / "sub" / "link.txt"


OUTPUT_CASES = [
    ("missing-folder", lambda d: d / "nodir" / "out.txt", r"out\.txt: the folder .*nodir does not exist"),
    ("missing-folders", lambda d: d / "a" / "b" / "out.txt", r"the folder .*a/b does not exist"),
    ("parent-is-a-file", lambda d: d / "in.txt" / "out.txt", r"in\.txt is a file, not a folder"),
    ("existing-folder", lambda d: d / "sub", r"sub: is a folder; -o names an output file"),
    ("the-input", lambda d: d / "in.txt", r"is the input file .*in\.txt: it would be overwritten"),
    ("the-input-spelt-otherwise", lambda d: d / "sub" / ".." / "in.txt", r"is the input file"),
    ("a-hard-link-to-the-input", _hard_link, r"same\.txt: is the input file"),
    ("a-symlink-to-the-input", _sym_link, r"link\.txt: is the input file"),
    ("name-too-long", lambda d: d / ("x" * 300 + ".txt"), r"file name is too long for this file system"),
    ("empty-name", lambda d: "", r"'': empty output file name"),
    ("blank-name", lambda d: "  ", r"'  ': empty output file name"),
]


@pytest.mark.parametrize("command", ["translate", "brief"])
@pytest.mark.parametrize(("target", "pattern"), [c[1:] for c in OUTPUT_CASES], ids=[c[0] for c in OUTPUT_CASES])
def test_bad_output_path(run, no_model, tmp_path, command, target, pattern):
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    out = str(target(tmp_path))
    before = files_of(tmp_path)
    code, stdout, err = run(command, str(src), "-o", out, model=False)
    check_failure(code, err, 2, pattern)
    assert files_of(tmp_path) == before and stdout == ""


EVAL_OUTPUT_CASES = [
    ("an-existing-file", lambda d: d / "in.txt", r"in\.txt: exists and is not a folder"),
    ("under-a-file", lambda d: d / "in.txt" / "results", r"cannot be created: .*in\.txt is a file, not a folder"),
]


@pytest.mark.parametrize(("target", "pattern"), [c[1:] for c in EVAL_OUTPUT_CASES],
                         ids=[c[0] for c in EVAL_OUTPUT_CASES])
def test_bad_eval_output_folder(run, no_model, tmp_path, target, pattern):
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    before = files_of(tmp_path)
    code, _, err = run("eval", "--src", str(src), "--ref", str(src), "-o", str(target(tmp_path)), model=False)
    check_failure(code, err, 2, pattern)
    assert files_of(tmp_path) == before


READ_ONLY_CASES = [
    ("translate-into-read-only-folder", ["translate", "{src}", "-o", "{ro}/out.txt"], r"ro is not writable"),
    ("translate-over-read-only-file", ["translate", "{src}", "-o", "{rw}/locked.txt"], r"locked\.txt: is read-only"),
    ("brief-into-read-only-folder", ["brief", "{src}", "-o", "{ro}/brief.md"], r"ro is not writable"),
    ("eval-under-read-only-folder", ["eval", "--src", "{src}", "--ref", "{src}", "-o", "{ro}/results"],
     r"results: cannot be created: the folder .*ro is not writable"),
    ("batch-under-read-only-folder", ["translate", "{rw}/in", "-o", "{ro}/out"], r"out: cannot be created"),
    ("batch-into-read-only-folder", ["translate", "{rw}/in", "-o", "{ro}"], r"ro: is not writable"),
    ("unreadable-input", ["translate", "{rw}/secret.txt"], r"secret\.txt: cannot read: Permission denied"),
]


@pytest.mark.skipif(not can_switch_user(), reason="read-only cases need root, setpriv and a checkout nobody can "
                                                  "read, to run as nobody (root itself may write anywhere)")
@pytest.mark.parametrize(("args", "pattern"), [c[1:] for c in READ_ONLY_CASES], ids=[c[0] for c in READ_ONLY_CASES])
def test_read_only_places(args, pattern):
    top = open_folder()
    for name, mode in (("ro", 0o555), ("rw", 0o777), ("rw/in", 0o755)):
        (top / name).mkdir()
        (top / name).chmod(mode)  # not mkdir's mode: the umask would change it
    for path in (top / "rw" / "in" / "a.txt", top / "rw" / "src.txt", top / "rw" / "locked.txt",
                 top / "rw" / "secret.txt"):
        path.write_text(AR, encoding="utf-8")
    (top / "rw" / "locked.txt").chmod(0o444)
    (top / "rw" / "secret.txt").chmod(0o600)  # root's, unreadable for nobody
    os.chown(top / "rw" / "locked.txt", NOBODY, NOBODY)
    before = files_of(top)
    names = {"src": str(top / "rw" / "src.txt"), "ro": str(top / "ro"), "rw": str(top / "rw")}
    result = cli([a.format(**names) for a in args], user=NOBODY, timeout=60, cwd=top)
    check_failure(result.returncode, result.stderr.decode(), 2, pattern)
    assert files_of(top) == before


BAD_INPUTS = [
    ("utf16-le-bom", "قتل 24 شخصا".encode("utf-16"), r"looks like UTF-16.*`iconv -f UTF-16 -t UTF-8"),
    ("utf16-be-bom", b"\xfe\xff" + "قتل 24".encode("utf-16-be"), r"looks like UTF-16"),
    ("utf16-le-latin", "hello world\n".encode("utf-16-le"), r"looks like UTF-16"),
    ("utf16-le-arabic", AR.encode("utf-16-le"), r"looks like UTF-16"),
    ("utf16-be-arabic", AR.encode("utf-16-be"), r"looks like UTF-16"),
    ("utf32", AR.encode("utf-32"), r"looks like UTF-32.*iconv -f UTF-32"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"binary file \(NUL byte at byte offset 8\)"),
    ("latin1", "café".encode("latin-1"), r"invalid UTF-8 at byte offset 3"),
    ("cp1256-arabic", "قتل".encode("cp1256"), r"invalid UTF-8 at byte offset 0"),
    ("nul-inside", AR.encode() + b"\x00" + AR.encode(), rf"binary file \(NUL byte at byte offset {len(AR.encode())}\)"),
    ("cut-mid-character", "قتل".encode()[:-1], r"invalid UTF-8 at byte offset 4"),
]


# What only the brief refuses: it needs an Arabic sentence, and it compares every sentence with every other.
BAD_BRIEF_INPUTS = [
    ("empty", b"", r"no Arabic sentence to brief$"),
    ("blank", b" \n\t\n", r"no Arabic sentence to brief$"),
    ("huge", "قتل 24 شخصا في القصف. ".encode() * 22_728,  # 500,016 characters
     r"500,016 characters; a brief reads at most 500,000 \(one report: split a collection, or give its reports "
     r"to `mtbrief digest`\)$"),
]


BAD_BYTES = [(command, *c) for command in ("translate", "brief") for c in BAD_INPUTS] + [
    ("brief", *c) for c in BAD_BRIEF_INPUTS]


@pytest.mark.parametrize("via", ["file", "stdin"])
@pytest.mark.parametrize(("command", "data", "pattern"), [(c[0], *c[2:]) for c in BAD_BYTES],
                         ids=[f"{c[0]}-{c[1]}" for c in BAD_BYTES])
def test_bad_input_bytes(run, no_model, tmp_path, via, command, data, pattern):
    src = tmp_path / "in.txt"
    src.write_bytes(data)
    out = tmp_path / "out.txt"
    args = [str(src)] if via == "file" else ["-"]
    code, stdout, err = run(command, *args, "-o", str(out), stdin=data, model=False)
    check_failure(code, err, 2, (r"in\.txt: " if via == "file" else r"<stdin>: ") + pattern)
    assert not out.exists() and src.read_bytes() == data and stdout == ""


INPUT_ERRORS = [
    ("missing-file", lambda d: [str(d / "nope.txt")], r"nope\.txt: no such file"),
    ("missing-odd-name", lambda d: [os.fsdecode(bytes(d) + b"/\xff\xfe.txt")], r"\\xff\\xfe\.txt: no such file"),
    ("folder-without-o", lambda d: [str(d)], r"is a folder: name an output folder with -o OUTDIR"),
    ("glob-without-folder", lambda d: [str(d / "in.txt"), "--glob", "*.txt"], r"--glob: only for a folder input"),
    ("folder-and-file", lambda d: [str(d), str(d / "in.txt"), "-o", str(d / "x")],
     r"a batch takes exactly one input folder"),
]


@pytest.mark.parametrize(("args", "pattern"), [c[1:] for c in INPUT_ERRORS], ids=[c[0] for c in INPUT_ERRORS])
def test_input_errors(run, no_model, tmp_path, args, pattern):
    (tmp_path / "in.txt").write_text(AR, encoding="utf-8")
    code, _, err = run("translate", *args(tmp_path), model=False)
    check_failure(code, err, 2, pattern)


NO_ARABIC = ["Hello world. Second sentence.\n", "🙂🙂🙂\n", "12345 67\n", "Hello\n\nWorld\n", "a\tb  \n"]


@pytest.mark.parametrize("text", NO_ARABIC)
def test_text_without_arabic_comes_back_unchanged_with_a_note(run, tmp_path, text):
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    code, out, err = run("translate", str(src))
    assert (code, out) == (0, text)
    assert f"mtbrief: note: {src}: no Arabic letter; written unchanged" in err.splitlines()
    code, out, _ = run("translate", str(src), "--format", "jsonl")
    assert code == 0 and all(r["source"] == r["target"] for r in map(json.loads, out.splitlines()))


def test_the_api_agrees_on_text_without_arabic(tiny_translator):
    from mt.server.limits import ServerSettings
    from mt.server.service import ApiService

    service = ApiService(tiny_translator, ServerSettings())
    assert [t[0] for t in service.translate_texts(NO_ARABIC)] == NO_ARABIC


def test_special_targets_are_written_not_replaced(run, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    code, out, err = run("translate", str(src), "-o", "/dev/stdout")
    assert code == 0 and out.count("\n") == 1, err  # /dev/stdout is our stdout
    code, out, _ = run("translate", str(src), "-o", "/dev/null")
    assert (code, out) == (0, "") and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    for target in (fifo, tmp_path / "link"):
        got: list[bytes] = []
        reader = threading.Thread(target=lambda box=got: box.append(Path(fifo).read_bytes()))
        reader.start()
        code, _, err = run("translate", str(src), "-o", str(target))
        reader.join(30)
        assert code == 0 and got and got[0].count(b"\n") == 1, err
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and (tmp_path / "link").is_symlink()
    assert no_temporaries(tmp_path) == []


def test_a_link_to_a_file_writes_the_file_and_keeps_the_link_and_mode(run, tmp_path):
    src, real, link = tmp_path / "in.txt", tmp_path / "real.txt", tmp_path / "link.txt"
    src.write_text(AR, encoding="utf-8")
    real.write_text("old\n")
    real.chmod(0o640)
    link.symlink_to(real)
    code, _, err = run("translate", str(src), "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and real.read_text() != "old\n" and stat.S_IMODE(real.stat().st_mode) == 0o640


def test_a_full_device_fails_in_one_line(run, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    code, _, err = run("translate", str(src), "-o", "/dev/full")
    check_failure(code, err, 2, r"/dev/full: cannot write: No space left on device")


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux /sys (a folder no one may write)")
def test_a_folder_that_refuses_files_fails_in_one_line(run, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    code, _, err = run("translate", str(src), "-o", "/sys/kernel/mtbrief-out.txt")
    check_failure(code, err, 2, r"/sys/kernel/mtbrief-out\.txt: (cannot write: Permission denied|.*not writable)")


@pytest.mark.parametrize("to_file", [False, True])
def test_odd_file_names_give_valid_utf8_json(tiny_model_env, tmp_path, to_file):
    odd = os.fsdecode(bytes(tmp_path) + b"/\xff\xfe.txt")
    Path(odd).write_text(AR, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["translate", odd, "--format", "jsonl", "-q", "--beam-size", "1"] + (["-o", str(out)] if to_file else [])
    result = cli(args, env=tiny_model_env)
    assert result.returncode == 0, result.stderr.decode()
    data = out.read_bytes() if to_file else result.stdout
    record = json.loads(data.decode("utf-8"))
    assert record["file"].endswith("/\\xff\\xfe.txt") and record["source"] == AR.strip()


# The brief's odd reports (issue 19): sane output, never a traceback; only what the brief shows is translated.
ONLY_TURNS = "من ناحية أخرى. على صعيد آخر. في سياق منفصل. وفي شأن آخر.\n"
ODD_BRIEFS = [
    ("one-sentence", AR, 1, 1),
    ("only-transition-phrases", ONLY_TURNS, 0, 0),
    ("a-thousand-sentences", "".join(f"قتل {i} أشخاص في قصف على المدينة رقم {i}.\n" for i in range(1, 1001)), 5, 1),
]


@pytest.mark.parametrize(("text", "points", "stories"), [c[1:] for c in ODD_BRIEFS], ids=[c[0] for c in ODD_BRIEFS])
def test_odd_reports_give_a_sane_brief(run, tmp_path, text, points, stories):
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    code, out, err = run("brief", str(src), "--format", "json")
    assert code == 0 and "Traceback" not in err, err
    brief = json.loads(out)
    assert (len(brief["points"]), len(brief["stories"])) == (points, stories)
    assert brief["translated_segments"] <= 12 and all(p["english"] for p in brief["points"])


@pytest.mark.parametrize("text", NO_ARABIC)
def test_brief_of_text_without_arabic_fails_in_one_line(run, no_model, tmp_path, text):
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    code, out, err = run("brief", str(src), model=False)
    check_failure(code, err, 2, rf"{re.escape(str(src))}: no Arabic sentence to brief")
    assert out == ""
