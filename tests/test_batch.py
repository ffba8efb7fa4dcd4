"""Batch translation of a folder: tree mirroring, .jsonl fields, globs, the manifest, failures, exit codes.

The tiny random-weight model writes token soup: the tests compare structure, counts and bytes between runs,
never English wording.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from mt.batch.files import DEFAULT_GLOBS, MANIFEST, Selection, read_manifest, select_files, translate_jsonl
from mt.cli import main
from mt.errors import InputError


def phrases(seed_text: str) -> list[str]:
    """Short sentences from the seed (its first four words each), so the tiny model is quick."""
    return [" ".join(s.split()[:4]) + "." for s in seed_text.split(".") if s.strip()]


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under root (str = UTF-8 text, bytes = raw)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root but the manifest and lock, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".mtbrief-")}


def batch(capsys, model: Path, src: Path, out: Path, *extra: str) -> tuple[int, str]:
    """Run `mtbrief translate SRC -o OUT -q ...` in this process; (exit code, stderr)."""
    capsys.readouterr()
    code = main(["translate", str(src), "-o", str(out), "-q", "--model", str(model), *extra])
    return code, capsys.readouterr().err


def counts(err: str) -> str:
    """The 'N ok, N failed, N skipped' part of the summary."""
    line = next(line for line in err.splitlines() if " ok, " in line)
    return line.removeprefix("mtbrief: ").split(";")[0]


@pytest.fixture
def small_tree(tmp_path: Path, seed_text: str) -> Path:
    """A folder of three documents, one in a subfolder, plus files the default globs leave out."""
    p = phrases(seed_text)
    return write_tree(tmp_path / "in", {
        "a.txt": f"{p[0]} {p[1]}\n\n{p[2]}",  # a blank line, no final newline
        "b.md": f"# {p[3]}\n{p[4]}\n",
        "sub/c.txt": f"{p[5]}\n",
        "notes.csv": "id,text\n",
        ".hidden.txt": p[6],
    })


@pytest.mark.parametrize("recursive, expected", [
    (False, ["a.txt", "b.md"]),
    (True, ["a.txt", "b.md", "sub/c.txt"]),
])
def test_tree_is_mirrored(capsys, tiny_marian_dir, small_tree, tmp_path, recursive, expected):
    out = tmp_path / "out"
    code, err = batch(capsys, tiny_marian_dir, small_tree, out, *(["--recursive"] if recursive else []))
    assert (code, counts(err)) == (0, f"{len(expected)} ok, 0 failed, 0 skipped")
    assert sorted(tree(out)) == expected
    for rel in expected:  # one line per input line, blank lines where they were
        source = (small_tree / rel).read_text(encoding="utf-8").rstrip("\n").split("\n")
        english = (out / rel).read_text(encoding="utf-8").split("\n")
        assert english[-1] == "" and len(english) - 1 == len(source)
        assert [not line for line in english[:-1]] == [not line.strip() for line in source]
    manifest = read_manifest(out / MANIFEST)
    assert sorted(manifest) == expected
    assert {e["options"] for e in manifest.values()} == {"document:text"}
    assert manifest["a.txt"]["segments"] == 3 and manifest["a.txt"]["output"] == "a.txt"


def test_document_equals_single_file_translation(capsys, tiny_marian_dir, small_tree, tmp_path):
    batch(capsys, tiny_marian_dir, small_tree, tmp_path / "out")
    assert main(["translate", str(small_tree / "a.txt"), "--model", str(tiny_marian_dir), "-q"]) == 0
    assert capsys.readouterr().out == (tmp_path / "out" / "a.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("globs, recursive, expected", [
    ((), False, ["a.txt", "b.md"]),
    (("*.md",), True, ["b.md"]),
    (("*.txt",), True, ["a.txt", "sub/c.txt"]),
    (("sub/*.txt",), True, ["sub/c.txt"]),
    (("*.csv", "*.md"), False, ["b.md", "notes.csv"]),
    (("*.none",), True, []),
])
def test_glob_selects_files(small_tree, tmp_path, globs, recursive, expected):
    selection = Selection(small_tree, tmp_path / "out", recursive, globs or DEFAULT_GLOBS)
    assert select_files(selection) == expected


def test_glob_on_the_command_line(capsys, tiny_marian_dir, small_tree, tmp_path):
    code, err = batch(capsys, tiny_marian_dir, small_tree, tmp_path / "out", "--recursive", "--glob", "c.*")
    assert (code, counts(err), sorted(tree(tmp_path / "out"))) == (0, "1 ok, 0 failed, 0 skipped", ["sub/c.txt"])


def test_empty_folder(capsys, tiny_marian_dir, tmp_path):
    (tmp_path / "in").mkdir()
    code, err = batch(capsys, tiny_marian_dir, tmp_path / "in", tmp_path / "out")
    assert (code, counts(err), tree(tmp_path / "out")) == (0, "0 ok, 0 failed, 0 skipped", {})
    assert ("matches *.txt *.md *.jsonl *.docx *.pptx *.odt *.odp *.html *.htm *.xhtml *.epub *.srt *.pdf "
            "(subfolders need --recursive)") in err


def test_jsonl_field_is_added(capsys, tiny_marian_dir, tmp_path, seed_text):
    p = phrases(seed_text)
    rows = [{"id": 1, "body": p[0], "meta": {"city": "حلب"}}, {"body": f"{p[1]}\n{p[2]}", "id": 2}]
    text = json.dumps(rows[0], ensure_ascii=False) + "\n\n" + json.dumps(rows[1], ensure_ascii=False) + "\n"
    src = write_tree(tmp_path / "in", {"news.jsonl": text, "plain.txt": p[3]})
    code, err = batch(capsys, tiny_marian_dir, src, tmp_path / "out", "--field", "body")
    assert (code, counts(err)) == (0, "2 ok, 0 failed, 0 skipped")
    lines = (tmp_path / "out" / "news.jsonl").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 4 and lines[1] == lines[3] == "" and "حلب" in lines[0]  # blank kept; ensure_ascii=False
    got = [json.loads(lines[0]), json.loads(lines[2])]
    assert [list(r) for r in got] == [["id", "body", "meta", "body_en"], ["body", "id", "body_en"]]
    assert [{k: v for k, v in r.items() if k != "body_en"} for r in got] == rows
    assert got[0]["body_en"] and got[1]["body_en"].count("\n") == 1
    assert read_manifest(tmp_path / "out" / MANIFEST)["news.jsonl"]["segments"] == 3


@pytest.mark.parametrize("line, problem", [
    ("not json", "line 2: not JSON (Expecting value at column 1)"),
    ('["text"]', "line 2: not a JSON object"),
    ('{"id": 7}', "line 2: no field 'text'"),
    ('{"text": 5}', "line 2: field 'text' is int, not a string"),
    ('{"text": null}', "line 2: field 'text' is NoneType, not a string"),
])
def test_jsonl_bad_line(tiny_translator, line, problem):
    with pytest.raises(InputError, match=f"^news.jsonl: {problem}$".replace("(", r"\(").replace(")", r"\)")):
        translate_jsonl(tiny_translator, '{"text": "حلب"}\n' + line + "\n", "news.jsonl", "text")


def test_format_jsonl_writes_segments(capsys, tiny_marian_dir, small_tree, tmp_path):
    code, _ = batch(capsys, tiny_marian_dir, small_tree, tmp_path / "out", "--format", "jsonl")
    assert code == 0 and sorted(tree(tmp_path / "out")) == ["a.txt.jsonl", "b.md.jsonl"]
    records = [json.loads(x) for x in (tmp_path / "out" / "a.txt.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["file"], r["paragraph"]) for r in records] == [("a.txt", 0), ("a.txt", 0), ("a.txt", 2)]


def test_rerun_skips_finished_files(capsys, tiny_marian_dir, small_tree, tmp_path):
    out = tmp_path / "out"
    batch(capsys, tiny_marian_dir, small_tree, out, "--recursive")
    stamps = {rel: (out / rel).stat().st_mtime_ns for rel in tree(out)}
    code, err = batch(capsys, tiny_marian_dir, small_tree, out, "--recursive")
    assert (code, counts(err)) == (0, "0 ok, 0 failed, 3 skipped")
    assert {rel: (out / rel).stat().st_mtime_ns for rel in tree(out)} == stamps  # not even rewritten
    (small_tree / "b.md").write_text("حلب.\n", encoding="utf-8")  # changed input
    (out / "sub" / "c.txt").unlink()  # lost output
    code, err = batch(capsys, tiny_marian_dir, small_tree, out, "--recursive")
    assert (code, counts(err)) == (0, "2 ok, 0 failed, 1 skipped")
    assert (out / "a.txt").stat().st_mtime_ns == stamps["a.txt"]


@pytest.mark.parametrize("change, expected, fragment", [
    ("--beam-size=2", "3 ok, 0 failed, 0 skipped", "|beam:2|"),
    ("--model=COPY", "3 ok, 0 failed, 0 skipped", "/other-model|rev:local|"),
    ("--field=body", "1 ok, 0 failed, 2 skipped", "|beam:4|"),  # another field redoes the .jsonl only
])
def test_a_changed_signature_redoes_the_files(capsys, tiny_marian_dir, small_tree, tmp_path, change, expected,
                                               fragment):
    out = tmp_path / "out"
    write_tree(small_tree, {"d.jsonl": '{"text": "حلب", "body": "سوريا"}\n'})
    batch(capsys, tiny_marian_dir, small_tree, out)
    model, extra = tiny_marian_dir, [change]
    if change == "--model=COPY":
        model, extra = shutil.copytree(tiny_marian_dir, tmp_path / "other-model"), []
    code, err = batch(capsys, model, small_tree, out, *extra)
    assert (code, counts(err)) == (0, expected)
    entries = read_manifest(out / MANIFEST)
    assert sorted(entries) == ["a.txt", "b.md", "d.jsonl"]
    assert [fragment in e["signature"] for e in entries.values()] == [True] * 3
    assert entries["d.jsonl"]["options"] == ("jsonl:field=body" if "field" in change else "jsonl:field=text")


def test_failures_are_listed_and_do_not_stop_the_batch(capsys, tiny_marian_dir, tmp_path, seed_text):
    src = write_tree(tmp_path / "in", {
        "good.txt": phrases(seed_text)[0], "binary.txt": b"PK\x03\x04\x00\x01", "latin1.txt": "café".encode("latin-1"),
        "empty.md": b"", "broken.jsonl": '{"text": "حلب"}\n{"text": \n',
    })
    out = tmp_path / "out"
    code, err = batch(capsys, tiny_marian_dir, src, out)
    assert (code, counts(err)) == (1, "1 ok, 4 failed, 0 skipped")
    assert f"mtbrief: the failed files and why: {out / 'failures.tsv'}" in err
    assert (out / "failures.tsv").read_text(encoding="utf-8") == (
        "path\treason\n"
        "binary.txt\tbinary file (NUL byte at byte offset 4), expected UTF-8 text\n"
        "broken.jsonl\tline 2: not JSON (Expecting value at column 10)\n"
        "empty.md\tempty file\n"
        "latin1.txt\tinvalid UTF-8 at byte offset 3\n")
    assert sorted(tree(out)) == ["failures.tsv", "good.txt"] and sorted(read_manifest(out / MANIFEST)) == ["good.txt"]
    for rel in ("binary.txt", "latin1.txt", "empty.md", "broken.jsonl"):
        (src / rel).unlink()
    code, err = batch(capsys, tiny_marian_dir, src, out)  # all fixed: the stale list goes away
    assert (code, counts(err), sorted(tree(out))) == (0, "0 ok, 0 failed, 1 skipped", ["good.txt"])


@pytest.mark.parametrize("argv, message", [
    (["{in}"], "{in}: is a folder: name an output folder with -o OUTDIR"),
    (["{in}", "-o", "-"], "{in}: is a folder: name an output folder with -o OUTDIR"),
    (["{in}", "-o", "{in}/sub/x"], "{in}/sub/x: is inside the input folder {in}; choose a folder outside it"),
    (["{in}", "-o", "{in}"], "{in}: is inside the input folder {in}; choose a folder outside it"),
    (["{in}/sub", "-o", "{in}"], "{in}: contains the input folder {in}/sub; choose a folder outside it"),
    (["{in}", "-o", "{in}/a.txt"], "{in}/a.txt: exists and is not a folder; -o names the output folder of a batch"),
    (["{in}", "{in}/a.txt", "-o", "{out}"],
     "{in} {in}/a.txt: a batch takes exactly one input folder and no other inputs"),
    (["{in}", "-o", "{out}", "--jobs", "0"],
     "invalid --jobs 0: choose one of an integer >= 1 (or leave it out: from the usable cores)"),
    (["{in}", "-o", "{out}", "--threads", "-1"],
     "invalid --threads -1: choose one of an integer >= 1 (or leave it out: from the usable cores)"),
    (["{in}", "-o", "{out}", "--pack-files", "0"], "invalid --pack-files 0: choose one of an integer >= 1"),
    (["{in}", "-o", "{out}", "--ray-actors", "2"], "--ray-actors: needs --engine ray"),
    (["{in}", "-o", "{out}", "--engine", "ray", "--jobs", "2"],
     "--jobs: sets this machine's engine; with --engine ray use --ray-actors N"),
    (["{in}", "-o", "{out}", "--engine", "ray", "--threads", "2"],
     "--threads: sets this machine's engine; with --engine ray use --ray-actors N"),
    (["{in}", "-o", "{out}", "--engine", "ray", "--ray-batch-size", "0"],
     "invalid --ray-batch-size 0: choose one of an integer >= 1"),
    (["{in}", "-o", "{out}", "--field", ""], "invalid --field '': choose one of a JSON key such as text"),
    (["{in}", "-o", "{out}", "--beam-size", "0"], "invalid beam size 0: choose one of an integer >= 1"),
    (["{in}/a.txt", "--engine", "ray"],
     "{in}/a.txt: --engine ray: only for a folder input (`mtbrief translate DIR -o OUTDIR`)"),
    (["{in}/a.txt", "--recursive", "--pack-files", "2"],
     "{in}/a.txt: --recursive, --pack-files: only for a folder input (`mtbrief translate DIR -o OUTDIR`)"),
])
def test_bad_arguments_exit_2(capsys, tiny_marian_dir, small_tree, tmp_path, argv, message):
    def fill(text: str) -> str:
        return text.replace("{in}", str(small_tree)).replace("{out}", str(tmp_path / "out"))

    capsys.readouterr()
    assert main(["translate", *map(fill, argv), "--model", str(tiny_marian_dir)]) == 2
    assert capsys.readouterr().err == f"mtbrief: error: {fill(message)}\n"
    assert not (tmp_path / "out").exists() and not (small_tree / "sub" / "x").exists()


def test_a_missing_model_exits_2_before_writing(capsys, small_tree, tmp_path):
    code, err = batch(capsys, tmp_path / "no-such-model", small_tree, tmp_path / "out")
    assert code == 2 and err.startswith(f"mtbrief: error: model '{tmp_path / 'no-such-model'}' is not available")
    assert not (tmp_path / "out").exists()


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal, so the progress bar shows."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet, bar_shown", [(False, True), (True, False)])
def test_progress_bar_on_a_terminal(capsys, monkeypatch, tiny_marian_dir, small_tree, tmp_path, quiet, bar_shown):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["translate", str(small_tree), "-o", str(tmp_path / "out"), "--model", str(tiny_marian_dir)]
    assert main(argv + ["-q"] * quiet) == 0
    shown = terminal.getvalue()
    assert (" 0/2 [" in shown) is bar_shown  # tqdm prints at start, then at most every 0.1 s
    assert shown.rstrip().endswith("sentences/s)") and "2 ok, 0 failed, 0 skipped" in shown


def test_a_torn_manifest_line_is_tolerated(capsys, tiny_marian_dir, small_tree, tmp_path):
    out = tmp_path / "out"
    batch(capsys, tiny_marian_dir, small_tree, out)
    manifest = out / MANIFEST
    first, second = manifest.read_text(encoding="utf-8").splitlines()
    torn = second[: len(second) // 2]
    manifest.write_text(first + "\n" + torn, encoding="utf-8")  # killed in the middle of writing b.md's line
    code, err = batch(capsys, tiny_marian_dir, small_tree, out)
    assert (code, counts(err)) == (0, "1 ok, 0 failed, 1 skipped")
    lines = manifest.read_text(encoding="utf-8").split("\n")
    assert lines[:2] == [first, torn] and json.loads(lines[2])["path"] == "b.md" and lines[3:] == [""]
    code, err = batch(capsys, tiny_marian_dir, small_tree, out)
    assert (code, counts(err)) == (0, "0 ok, 0 failed, 2 skipped")


def test_stale_temporary_files_are_removed(capsys, tiny_marian_dir, small_tree, tmp_path):
    out = tmp_path / "out"
    write_tree(out, {"sub/.mtbrief-x1y2.part": "half a file", "keep.part": "not ours"})
    code, _ = batch(capsys, tiny_marian_dir, small_tree, out)
    assert code == 0 and sorted(tree(out)) == ["a.txt", "b.md", "keep.part"]


def test_a_busy_output_folder_is_refused(capsys, tiny_marian_dir, small_tree, tmp_path):
    fcntl = pytest.importorskip("fcntl", reason="file locks need POSIX")
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".mtbrief-lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, err = batch(capsys, tiny_marian_dir, small_tree, out)
    assert (code, err) == (2, f"mtbrief: error: {out}: is in use by another mtbrief batch; wait for it to end\n")


def test_each_file_is_translated_as_if_alone(capsys, tiny_marian_dir, tmp_path, seed_text):
    from mt.batch.files import translate_document
    from mt.batch.spec import ModelSpec

    p = phrases(seed_text)  # neighbouring files share sentences: a cross-file cache would show here
    files = {f"f{i}.txt": f"{p[i]} {p[i + 1]}\n{p[i + 2]}\n" for i in range(8)}
    src = write_tree(tmp_path / "in", files)
    alone = ModelSpec(str(tiny_marian_dir), device="cpu").load()
    expected = {rel: translate_document(alone, text)[0].encode() for rel, text in files.items()}
    for jobs in ("1", "3"):
        code, _ = batch(capsys, tiny_marian_dir, src, tmp_path / jobs, "--jobs", jobs)
        assert code == 0 and tree(tmp_path / jobs) == expected


@pytest.mark.parametrize("workers, replicas", [(1, 1), (3, 3)])
def test_jobs_decode_in_parallel(tiny_marian_dir, workers, replicas):
    from mt.batch.spec import ModelSpec

    translator = ModelSpec(str(tiny_marian_dir), device="cpu").load(workers=workers)
    assert translator.engine.translator.num_translators == replicas  # CT2 workers sharing the weights
    assert translator.batching.cache_size == 0


def test_a_huge_document_keeps_every_line(capsys, tiny_marian_dir, tmp_path, seed_text):
    p = phrases(seed_text)
    lines = [p[i // 300] if i % 300 == 7 else "" for i in range(1500)]  # crosses the 512-line window
    src = write_tree(tmp_path / "in", {"long.txt": "\n".join(lines) + "\n"})
    code, _ = batch(capsys, tiny_marian_dir, src, tmp_path / "out")
    english = (tmp_path / "out" / "long.txt").read_text(encoding="utf-8").split("\n")
    assert code == 0 and len(english) == 1501 and english[-1] == ""
    assert [i for i, line in enumerate(english[:-1]) if line] == [7, 307, 607, 907, 1207]
    assert read_manifest(tmp_path / "out" / MANIFEST)["long.txt"]["segments"] == 5


def wait_for_manifest(path: Path, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Poll until the manifest has one finished file (the batch is midway), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and path.read_bytes().count(b"\n") >= 1:
            return
        if proc.poll() is not None:
            pytest.fail(f"the batch ended (exit {proc.returncode}) before any file was finished")
        time.sleep(0.002)
    pytest.fail("no file finished in time")


def test_a_killed_batch_resumes_to_the_same_bytes(capsys, tiny_marian_dir, tiny_model_env, tmp_path, seed_text):
    p = phrases(seed_text)
    files = {f"d{i // 10}/f{i:02}.txt": f"{p[i % len(p)]} {i}.\n\n{p[(i + 3) % len(p)]}" for i in range(40)}
    src, out = write_tree(tmp_path / "in", files), tmp_path / "out"
    command = [sys.executable, "-m", "mt.cli", "translate", str(src), "-o", str(out), "--recursive", "-q"]
    proc = subprocess.Popen([*command, "--jobs", "1"], env=tiny_model_env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_manifest(out / MANIFEST, proc)
        os.kill(proc.pid, signal.SIGSTOP)  # freeze it first, so the count below is the count it dies with
        finished = len(read_manifest(out / MANIFEST))
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert 1 <= finished < 40, f"{finished} files were finished when the batch was killed"
    rerun = subprocess.run([*command, "--jobs", "2"], env=tiny_model_env, cwd=ROOT, capture_output=True,
                           text=True, timeout=600)
    assert (rerun.returncode, counts(rerun.stderr)) == (0, f"{40 - finished} ok, 0 failed, {finished} skipped")
    code, _ = batch(capsys, tiny_marian_dir, src, tmp_path / "whole", "--recursive")
    assert code == 0 and len(tree(out)) == 40 and tree(out) == tree(tmp_path / "whole")
    assert [p.name for p in out.rglob("*") if p.name.endswith(".part")] == []
