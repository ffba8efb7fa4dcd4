"""Hostile models, devices, signals and streams, as tables: broken model folders named file by file, options this
machine cannot run named with what it can, SIGTERM/SIGINT leaving no temporary file, stdout that cannot be written."""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile import AR, ROOT, check_failure, no_temporaries

from mt.cli import main


def _truncate(size: int | None = None, delta: int = 0):
    def edit(d: Path) -> None:
        weights = d / "model.safetensors"
        data = weights.read_bytes()
        weights.write_bytes(data[: (len(data) + delta) if size is None else size])
    return edit


def _write(name: str, data: bytes):
    return lambda d: (d / name).write_bytes(data)


def _remove(*names: str):
    return lambda d: [(d / n).unlink() for n in names]


def _bin_instead(d: Path) -> None:
    (d / "model.safetensors").unlink()
    (d / "pytorch_model.bin").write_bytes(b"PK\x03\x04" + b"\x00" * 100)  # a zip cut short


def _retype(model_type: str):
    def edit(d: Path) -> None:
        config = json.loads((d / "config.json").read_text())
        (d / "config.json").write_text(json.dumps({**config, "model_type": model_type}))
    return edit


BROKEN_MODELS = [
    ("weights-cut-in-header", _truncate(size=5000), r"model\.safetensors is truncated \(its header alone needs"),
    ("weights-cut-in-data", _truncate(delta=-100), r"model\.safetensors is truncated \(\d+ bytes, its header needs"),
    ("weights-empty", _truncate(size=0), r"model\.safetensors is truncated \(0 bytes\)"),
    ("weights-garbage", _write("model.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!"),
     r"model\.safetensors is damaged \(unreadable safetensors header\)"),
    ("no-weights", _remove("model.safetensors"), r"no weights \(model\.safetensors or pytorch_model\.bin\)"),
    ("bin-cut-short", _bin_instead, r"pytorch_model\.bin is truncated or damaged"),
    ("no-tokenizer", _remove("source.spm", "target.spm", "vocab.json"),
     r"tokenizer files missing: source\.spm, target\.spm, vocab\.json"),
    ("no-vocab", _remove("vocab.json"), r"tokenizer files missing: vocab\.json"),
    ("no-config", _remove("config.json"), r"config\.json is missing"),
    ("config-not-json", _write("config.json", b"{"), r"config\.json is not readable JSON"),
    ("config-a-list", _write("config.json", b"[]"), r"config\.json is not a JSON object"),
    ("config-not-utf8", _write("config.json", b"\xff\xfe{}"), r"config\.json is not readable JSON"),
    ("shard-index-broken", _write("model.safetensors.index.json", b"{}"), r"index\.json is not a readable shard"),
    ("not-a-translation-model", _retype("bert"), r"invalid model type 'bert': choose one of marian"),
]


@pytest.mark.parametrize("engine", ["ctranslate2", "transformers"])
@pytest.mark.parametrize(("edit", "pattern"), [c[1:] for c in BROKEN_MODELS], ids=[c[0] for c in BROKEN_MODELS])
def test_broken_model_folder(tiny_marian_dir, tmp_path, capsys, engine, edit, pattern):
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    edit(model)
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    code = main(["translate", str(src), "-o", str(tmp_path / "out.txt"), "--model", str(model), "--engine", engine])
    check_failure(code, capsys.readouterr().err, 2, pattern)
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize(("edit", "pattern"), [c[1:] for c in BROKEN_MODELS], ids=[c[0] for c in BROKEN_MODELS])
def test_models_convert_of_a_broken_folder_is_one_line(tiny_marian_dir, tmp_path, capsys, monkeypatch, edit,
                                                       pattern):
    monkeypatch.setenv("MTBRIEF_CACHE", str(tmp_path / "cache"))
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    edit(model)
    code = main(["models", "convert", str(model)])
    check_failure(code, capsys.readouterr().err, 2, pattern)
    assert not (tmp_path / "cache").exists()  # nothing half-converted left behind


PRESETS = "opus-mt-tc-big-ar-en, opus-mt-ar-en, nllb-200-distilled-600M, nllb-200-distilled-1.3B"
STORED = "int8, int8_float32, int8_float16, int8_bfloat16, int16, float16, bfloat16, float32"
CONVERT_ERRORS = [  # (id, arguments after `models convert` ({model}: the tiny model), the whole error line)
    ("unknown-compute-type", ["{model}", "--compute-type", "int4"],
     f"invalid compute type for the CTranslate2 copy 'int4': choose one of {STORED}"),
    ("empty-compute-type", ["{model}", "--compute-type", ""],
     f"invalid compute type for the CTranslate2 copy '': choose one of {STORED}"),
    ("default-is-for-loading", ["{model}", "--compute-type", "default"],
     f"invalid compute type for the CTranslate2 copy 'default': choose one of {STORED}"),
    ("empty-name", [""], f"invalid model '': choose one of {PRESETS}, a hub id like Helsinki-NLP/opus-mt-ar-en, "
                         "a folder"),
    ("not-a-hub-id", ["not a model!"], f"invalid model 'not a model!': choose one of {PRESETS}, a hub id like "
                                       "Helsinki-NLP/opus-mt-ar-en, a folder"),
    ("a-file", ["{tmp}/notes.txt"], "{tmp}/notes.txt: is a file, not a model folder; pass the folder that holds "
                                    "config.json"),
    ("no-such-folder", ["{tmp}/nothere"], "model '{tmp}/nothere' is not available offline (no such folder); looked "
     "in the cache {hub}. Fix: connect to the internet once and run `mtbrief models download {tmp}/nothere`, or "
     "pass --model /path/to/a/local/model/folder"),
    ("hub-id-offline", ["someone/some-model"], "model 'someone/some-model' is not available offline (not in the "
     "cache and HF_HUB_OFFLINE is set); looked in the cache {hub}. Fix: connect to the internet once and run "
     "`mtbrief models download someone/some-model`, or pass --model /path/to/a/local/model/folder"),
]


@pytest.mark.parametrize(("args", "line"), [c[1:] for c in CONVERT_ERRORS], ids=[c[0] for c in CONVERT_ERRORS])
def test_models_convert_refuses_in_one_line(tiny_marian_dir, tmp_path, capsys, monkeypatch, args, line):
    from mt.models import hub_cache_dir

    monkeypatch.setenv("MTBRIEF_CACHE", str(tmp_path / "cache"))
    (tmp_path / "notes.txt").write_text("x")
    names = {"model": tiny_marian_dir, "tmp": tmp_path, "hub": hub_cache_dir()}
    code = main(["models", "convert", *(a.format(**names) for a in args)])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", f"mtbrief: error: {line.format(**names)}\n")
    assert not (tmp_path / "cache").exists()


def _ct2_types(device: str) -> set[str]:
    import ctranslate2

    return set(ctranslate2.get_supported_compute_types(device))


def _has_cuda() -> bool:
    import ctranslate2

    return ctranslate2.get_cuda_device_count() > 0


OPTION_CASES = [
    ("float16-on-cpu", ["--device", "cpu", "--compute-type", "float16"], "float16",
     r"invalid compute type for ctranslate2 on this cpu 'float16': choose one of default, .*int8"),
    ("bfloat16-on-cpu", ["--device", "cpu", "--compute-type", "bfloat16"], "bfloat16",
     r"invalid compute type for ctranslate2 on this cpu 'bfloat16'"),
    ("int8-bfloat16-on-cpu", ["--device", "cpu", "--compute-type", "int8_bfloat16"], "int8_bfloat16",
     r"on this cpu 'int8_bfloat16'"),
    ("unknown-compute-type", ["--compute-type", "int4"], None,
     r"invalid compute type for ctranslate2 'int4': choose one of default, int8"),
    ("int8-on-transformers", ["--engine", "transformers", "--compute-type", "int8"], None,
     r"invalid compute type for transformers 'int8': choose one of default, float32, float16, bfloat16"),
    ("beam-size-0", ["--beam-size", "0"], None, r"invalid beam size 0: choose one of an integer >= 1"),
    ("beam-size-negative", ["--beam-size", "-3"], None, r"invalid beam size -3"),
    ("no-such-folder", ["--model", "/no/such/model"], None, r"model '/no/such/model' is not available .*no such "
                                                              r"folder"),
    ("not-a-hub-id", ["--model", "not a model!"], None, r"invalid model 'not a model!': choose one of "),
    ("hub-id-offline", ["--model", "someone/some-model"], None,
     r"model 'someone/some-model' is not available offline \(not in the cache and HF_HUB_OFFLINE is set\)"),
]


@pytest.mark.parametrize(("args", "needs", "pattern"), [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES])
def test_options_this_machine_cannot_run(tiny_marian_dir, tmp_path, capsys, args, needs, pattern):
    if needs and needs in _ct2_types("cpu"):
        pytest.skip(f"this CPU supports {needs}")
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    model = [] if "--model" in args else ["--model", str(tiny_marian_dir)]
    code = main(["translate", str(src), "-o", str(tmp_path / "out.txt"), *model, *args])
    check_failure(code, capsys.readouterr().err, 2, pattern)
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.skipif(_has_cuda(), reason="this machine has a CUDA GPU")
@pytest.mark.parametrize("engine", ["ctranslate2", "transformers"])
def test_cuda_without_a_gpu(tiny_marian_dir, tmp_path, capsys, engine):
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    code = main(["translate", str(src), "--model", str(tiny_marian_dir), "--engine", engine, "--device", "cuda"])
    check_failure(code, capsys.readouterr().err, 2,
                  rf"invalid device for {engine} \(no CUDA GPU is visible on this machine\) 'cuda': choose one of cpu")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", ["translate", "brief"])
def test_a_signal_mid_run_leaves_no_temporary_file(tiny_model_env, tmp_path, sig, code, command):
    src, out = tmp_path / "big.txt", tmp_path / "out.txt"
    # distinct lines, so the sentence cache cannot finish the run before the signal comes
    src.write_text("".join(f"قتل {i} شخصا في القصف. وأصيب {i + 7} آخرون بجروح.\n" for i in range(3000)),
                   encoding="utf-8")
    # The brief translates only what it shows and writes at the end: encoding the 6,000 sentences to rank them is
    # its long part, so the run says (a file, from a hook on the encoder) when that starts. Translate writes as it
    # goes: its .part file is the sign that the model works.
    started = tmp_path / "encoding-started"
    hook = f"""if True:
        import pathlib
        from summarize.lang.vectors import SentenceEncoder
        encode = SentenceEncoder.encode
        def announced(self, texts):
            if len(texts) > 1:  # not the one-text warm-up of the loader
                pathlib.Path({str(started)!r}).touch()
            return encode(self, texts)
        SentenceEncoder.encode = announced
        from mt.cli import main
        raise SystemExit(main())
    """
    extra = ["--ranker", "use", "--no-check"] if command == "brief" else []
    # SIGINT as a terminal sends it, even when pytest runs in the background (where the shell ignores it)
    proc = subprocess.Popen([sys.executable, "-c", hook, command, str(src), "-o", str(out), "-q", *extra],
                            env={**tiny_model_env, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300  # a hang guard only: the signal goes as soon as the work has begun
    while proc.poll() is None and not (started.exists() if command == "brief" else no_temporaries(tmp_path)):
        assert time.monotonic() < deadline, "the run never began its work"
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err
    assert no_temporaries(tmp_path) == [] and not out.exists()


def test_stdout_on_a_full_disk_is_one_line(tiny_model_env, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(AR * 2000, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "mt.cli", "translate", str(src), "-q"], stdout=full,
                                stderr=subprocess.PIPE, env={**tiny_model_env, "PYTHONPATH": str(ROOT)}, timeout=300)
    check_failure(result.returncode, result.stderr.decode(), 2, r"<stdout>: cannot write: No space left on device")
    assert b"Exception ignored" not in result.stderr


def test_a_reader_that_goes_away_is_not_an_error(tiny_model_env, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(AR * 3000, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "mt.cli", "translate", str(src), "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**tiny_model_env, "PYTHONPATH": str(ROOT)})
    proc.stdout.read(10)
    proc.stdout.close()  # `| head -c 10`
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 0 and err.count(b"mtbrief: error") == 0 and b"Traceback" not in err, err


def test_brief_of_text_without_arabic_is_one_line(tiny_marian_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Hello world.\n"), encoding="utf-8"))
    code = main(["brief", "-", "--model", str(tiny_marian_dir)])
    check_failure(code, capsys.readouterr().err, 2, r"<stdin>: no Arabic sentence to brief")


@pytest.mark.parametrize("where", ["under-a-file", "a-file"])
def test_a_conversion_cache_that_cannot_be_written_is_named(tiny_marian_dir, tmp_path, capsys, monkeypatch, where):
    (tmp_path / "f.txt").write_text("x")
    monkeypatch.setenv("MTBRIEF_CACHE", str(tmp_path / "f.txt" / "cache" if where == "under-a-file"
                                            else tmp_path / "f.txt"))
    src = tmp_path / "in.txt"
    src.write_text(AR, encoding="utf-8")
    code = main(["translate", str(src), "--model", str(tiny_marian_dir)])
    check_failure(code, capsys.readouterr().err, 2, r"cannot be used \(cannot convert it for CTranslate2 into .*"
                  r"Fix: free disk space there, or set MTBRIEF_CACHE to a writable folder")
