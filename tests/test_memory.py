"""The corrections memory: the SQLite store (keys, limits, concurrent writers), TMX/TSV exchange, the memory
command, and a stored correction used verbatim by the Translator, the CLI and the batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mt.cli import main
from mt.errors import InputError
from mt.memory.store import Correction, MemoryStore, memory_key
from mt.memory.tmx import read_tmx, to_tmx

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "قال ناشطون إن قوات المعارضة صدت هجوما."
CORRECTED = "Activists said opposition forces repelled an attack."


@pytest.fixture
def memory(tmp_path) -> MemoryStore:
    return MemoryStore(tmp_path / "m" / "memory.sqlite", max_chars=100)


def test_store_put_lookup_and_keys(memory):
    assert memory.lookup(["أي شيء"]) == {} and not memory.path.exists()  # reading never creates the file
    memory.put("ذهب إلى  المستشفى", "He went to hospital", origin="test")
    # the key: spaces collapsed and final ى/ي folded (the final-ya repair depends on the document)
    assert memory.lookup(["ذهب إلي المستشفي", "غير موجود"]) == {"ذهب إلي المستشفي": "He went to hospital"}
    assert memory_key("ذهب  إلى") == "ذهب إلي"
    memory.put("ذهب إلى المستشفى", "He went to the hospital")
    [entry] = memory.entries()
    assert (entry.source, entry.target, entry.origin) == ("ذهب إلى المستشفى", "He went to the hospital", "")
    assert memory.delete(["ذهب إلي المستشفي", "غير موجود"]) == 1 and memory.count() == 0


@pytest.mark.parametrize(("source", "target", "problem"), [
    ("", "x", "both the Arabic sentence and its English are needed"),
    ("حلب", "   ", "both the Arabic sentence and its English are needed"),
    ("حلب", "x" * 101, "the English has 101 characters; the memory keeps at most 100 per entry"),
    ("ح" * 101, "x", "the Arabic has 101 characters; the memory keeps at most 100 per entry"),
])
def test_store_refuses_empty_and_oversized(memory, source, target, problem):
    with pytest.raises(InputError, match=problem):
        memory.put(source, target)
    assert memory.count() == 0


def test_a_bad_file_is_an_input_error(tmp_path):
    path = tmp_path / "memory.sqlite"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(InputError, match="cannot open the corrections memory"):
        MemoryStore(path).lookup(["حلب"])


def test_concurrent_threads_lose_nothing(memory):
    memory.max_chars = 1000

    def write(worker: int) -> None:
        for i in range(40):
            memory.put(f"جملة رقم {worker} و {i}", f"sentence {worker}.{i}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert memory.count() == 240
    assert memory.get("جملة رقم 5 و 39") == "sentence 5.39"


WRITER = """
import sys
from mt.memory.store import MemoryStore
store = MemoryStore(sys.argv[1])
for i in range(int(sys.argv[3])):
    store.put(f"جملة من العملية {sys.argv[2]} رقم {i}", f"process {sys.argv[2]} sentence {i}")
"""


def test_concurrent_processes_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(p), "30"], env=env,
                              stderr=subprocess.PIPE) for p in range(4)]
    errors = [proc.communicate(timeout=300)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, errors
    store = MemoryStore(path)
    assert store.count() == 120
    assert store.get("جملة من العملية 3 رقم 29") == "process 3 sentence 29"


# -- exchange ------------------------------------------------------------------------------------------------

ENTRIES = [Correction("قصف مستشفى الصاخور.", "Al-Sakhour hospital was shelled.", "api", "2024-05-01T10:00:00+00:00"),
           Correction("قال <المرصد> & غيره", 'The "Observatory" & others said', "ui", "2024-05-02T11:30:00+00:00")]


def test_tmx_round_trip(tmp_path):
    path = tmp_path / "m.tmx"
    path.write_text(to_tmx(ENTRIES, "0.1.0"), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert '<tmx version="1.4">' in text and 'srclang="ar"' in text and 'changedate="20240501T100000Z"' in text
    assert list(read_tmx(str(path))) == [(e.source, e.target) for e in ENTRIES]


def test_tmx_from_another_tool(tmp_path):
    path = tmp_path / "other.tmx"
    path.write_text(
        '<?xml version="1.0"?><tmx version="1.4"><header srclang="AR-SA"/><body>'
        '<tu><tuv xml:lang="AR-SA"><seg>مرحبا <ph>&lt;b&gt;</ph>بكم</seg></tuv>'
        '<tuv xml:lang="en-US"><seg>Welcome <bpt i="1">{b}</bpt>all<ept i="1">{/b}</ept></seg></tuv></tu>'
        '<tu><tuv xml:lang="fr"><seg>Bonjour</seg></tuv><tuv xml:lang="en"><seg>Hello</seg></tuv></tu>'
        '</body></tmx>', encoding="utf-8")
    assert list(read_tmx(str(path))) == [("مرحبا بكم", "Welcome all")]
    path.write_text("<tmx><body><tu>", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TMX/XML"):
        list(read_tmx(str(path)))


@pytest.mark.parametrize("fmt", ["tmx", "tsv"])
def test_memory_command_export_import_list_delete(fmt, tmp_path, capsys):
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    MemoryStore(first).put_many([(e.source, e.target) for e in ENTRIES], origin="api")
    out = tmp_path / f"export.{fmt}"
    assert main(["memory", "export", str(out), "--memory", str(first)]) == 0
    assert main(["memory", "import", str(out), "--memory", str(second)]) == 0
    assert "imported 2 corrections" in capsys.readouterr().err
    assert [(e.source, e.target, e.origin) for e in MemoryStore(second).entries()] == [
        (e.source, e.target, "import") for e in MemoryStore(first).entries()]
    assert main(["memory", "list", "--memory", str(second)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert sorted(line.split("\t")[2:] for line in listed) == sorted([e.source, e.target] for e in ENTRIES)
    assert main(["memory", "delete", ENTRIES[0].source, "--memory", str(second)]) == 0
    assert MemoryStore(second).count() == 1
    assert main(["memory", "delete", "--all", "--memory", str(second)]) == 0
    assert MemoryStore(second).count() == 0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.tsv", "حلب\tAleppo\nإدلب\n", "bad.tsv: line 2: expected Arabic<TAB>English"),
    ("bad.tmx", "<tmx>", "bad.tmx: not valid TMX/XML (no element found: line 1, column 5)"),
    ("bad.txt", "x", "bad.txt: cannot tell the format from the name: add --format tmx or --format tsv"),
])
def test_memory_import_bad_file_exits_2(name, content, message, tmp_path, capsys):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["memory", "import", str(path), "--memory", str(tmp_path / "m.sqlite")]) == 2
    assert capsys.readouterr().err == f"mtbrief: error: {path}{message[len(name):]}\n"


# -- used verbatim ------------------------------------------------------------------------------------------

def test_translator_uses_the_correction_before_cache_and_model(tiny_translator, memory):
    [seg] = tiny_translator.prepare(SENTENCE)
    before = tiny_translator.translate(SENTENCE)  # now in the LRU cache
    memory.put(seg.mt_input, CORRECTED)
    with_memory = tiny_translator.with_options(memory=memory)
    [segment] = with_memory.translate(SENTENCE).segments
    assert (segment.target, segment.origin, segment.alternatives) == (CORRECTED, "memory", ())
    assert segment.to_dict()["origin"] == "memory"
    assert list(with_memory.translate_lines([SENTENCE, "", SENTENCE + " " + SENTENCE])) == [
        CORRECTED, "", f"{CORRECTED} {CORRECTED}"]
    assert tiny_translator.translate(SENTENCE).segments[0] == before.segments[0]  # --no-memory: the model's


def test_cli_and_batch_use_the_correction(tiny_marian_dir, tmp_path, capsys):
    memory = MemoryStore(tmp_path / "memory.sqlite")
    memory.put(SENTENCE, CORRECTED, origin="api")
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    (src_dir / "a.txt").write_text(f"{SENTENCE}\n\nحلب\n", encoding="utf-8")
    model = ["--model", str(tiny_marian_dir), "--memory", str(memory.path)]
    assert main(["translate", str(src_dir / "a.txt"), *model]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[0] == CORRECTED and lines[2] != ""
    assert main(["translate", str(src_dir / "a.txt"), *model, "--no-memory"]) == 0
    assert capsys.readouterr().out.split("\n")[0] != CORRECTED
    assert main(["translate", str(src_dir / "a.txt"), *model, "--format", "jsonl"]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (record["target"], record["origin"]) == (CORRECTED, "memory")
    assert main(["translate", str(src_dir), "-o", str(tmp_path / "out"), "-q", *model]) == 0
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8").split("\n")[0] == CORRECTED


def test_memory_env_variable_names_the_file(tiny_marian_dir, tmp_path, capsys, monkeypatch):
    memory = MemoryStore(tmp_path / "env.sqlite")
    memory.put(SENTENCE, CORRECTED)
    monkeypatch.setenv("MTBRIEF_MEMORY", str(memory.path))
    src = tmp_path / "a.txt"
    src.write_text(SENTENCE, encoding="utf-8")
    assert main(["translate", str(src), "--model", str(tiny_marian_dir)]) == 0
    assert capsys.readouterr().out == CORRECTED + "\n"
