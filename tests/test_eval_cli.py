"""`mtbrief eval` end to end: given hypotheses, bad files (exit 2), the tiny model on FLORES dev in line and
document mode, --compare, sacrebleu suites offline, and the eval/translation/run.py script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.error import URLError

import pytest
from conftest import ROOT, flores_or_skip

from eval.translation import scoring
from eval.translation.suites import file_sha256
from mt.cli import main

SRC = ["ذهب الولد إلى المدرسة.", "عاد إلى البيت مساء.", "انتهى الاجتماع."]
REF = ["The boy went to school.", "He came home in the evening.", "The meeting ended."]
HYP = ["The boy went to the school.", "He returned home at night.", "The meeting is over."]
NO_QE = ("", None, "no quality function (switched off in these tests)")


def length_ratio(sources: list[str], targets: list[str]) -> list[float]:
    """A deterministic stand-in for the summarize QE function."""
    return [len(t) / max(1, len(s)) for s, t in zip(sources, targets, strict=True)]


@pytest.fixture(autouse=True)
def _no_real_qe(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests decide what QE the command finds (the encoder's similarity is tested in test_quality).
    monkeypatch.setattr(scoring, "quality_function", lambda: NO_QE)
    monkeypatch.setenv("SACREBLEU_SEED", "12345")


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    """A three-line source, reference and hypothesis file."""
    return {"src": _write(tmp_path / "src.ar", SRC), "ref": _write(tmp_path / "ref.en", REF),
            "hyp": _write(tmp_path / "hyp.en", HYP), "out": str(tmp_path / "results")}


def _eval(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["eval", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _json_written(out: str) -> dict:
    written = out.strip().splitlines()[-1].removeprefix("wrote ").split(", ")
    assert [Path(p).suffix for p in written] == [".json", ".md", ".png"]
    assert all(Path(p).is_file() for p in written)
    assert Path(written[2]).read_bytes()[:4] == b"\x89PNG"
    return json.loads(Path(written[0]).read_text(encoding="utf-8")) | {"_path": written[0]}


# -- given hypotheses and bad input -------------------------------------------------------------------------

def test_given_hypotheses(capsys, files):
    code, out, err = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["hyp"],
                           "-o", files["out"])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("BLEU|nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|"
                               "version:2.6.0 = ")
    assert lines[3] == f"qe: not available ({NO_QE[2]})"
    result = _json_written(out)
    assert Path(result["_path"]).name.startswith("custom-hyp-hyp-")
    assert result["signature"]["system"] == {"model": "given hypotheses", "hypotheses_file": files["hyp"]}
    assert result["signature"]["sha256"]["source"] == file_sha256(files["src"])
    assert result["signature"]["sha256"]["references"] == [file_sha256(files["ref"])]
    assert result["hypotheses"] == HYP and result["lines"] == 3


def test_references_as_hypotheses_score_100_and_limit(capsys, files):
    code, out, _ = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["ref"],
                         "--limit", "2", "--suite", "mine", "-o", files["out"])
    result = _json_written(out)
    assert (code, result["suite"], result["lines"], result["limit"]) == (0, "mine", 2, 2)
    scores = [result["scores"][m]["score"] for m in scoring.METRICS]
    assert scores == [pytest.approx(100), pytest.approx(100), 0]


@pytest.mark.parametrize(("change", "message"), [
    ({"ref": REF[:2]}, "line counts differ: source {src} 3, reference {ref} 2; "
                       "each file needs one line per source line"),
    ({"hyp": HYP + ["extra"]}, "line counts differ: source {src} 3, hypotheses {hyp} 4; "
                               "each file needs one line per source line"),
    ({"src": []}, "line counts differ: source {src} 0, reference {ref} 3; "
                  "each file needs one line per source line"),
    ({"src": [], "ref": [], "hyp": []}, "{src}: no lines to evaluate"),
])
def test_mismatched_files_exit_2(capsys, files, change, message):
    for role, lines in change.items():
        _write(Path(files[role]), lines)
    code, out, err = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["hyp"],
                           "-o", files["out"])
    assert (code, out, err) == (2, "", "mtbrief: error: " + message.format(**files) + "\n")
    assert not Path(files["out"]).exists()


@pytest.mark.parametrize("missing", ["src", "ref", "hyp"])
def test_missing_file_exit_2(capsys, files, missing):
    Path(files[missing]).unlink()
    code, _, err = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["hyp"])
    assert (code, err) == (2, f"mtbrief: error: {files[missing]}: no such file\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["--document-mode"], "invalid --document-mode 'with --hyp': choose one of the flores200-dev suite, "
                          "translated by a model (no --hyp)"),
    (["--limit", "0"], "invalid --limit 0: choose one of an integer >= 1"),
])
def test_bad_options_exit_2(capsys, files, argv, message):
    code, _, err = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["hyp"], *argv)
    assert (code, err) == (2, f"mtbrief: error: {message}\n")


def test_sacrebleu_suite_offline_exit_2(capsys, monkeypatch, tmp_path):
    from sacrebleu.dataset import DATASETS

    def offline(*args, **kwargs):
        raise URLError("Name or service not known")

    monkeypatch.setattr("sacrebleu.dataset.base.download_file", offline)
    monkeypatch.setattr(DATASETS["iwslt17"], "_outdir", str(tmp_path / "iwslt17"))
    monkeypatch.setattr(DATASETS["iwslt17"], "_rawdir", str(tmp_path / "iwslt17" / "raw"))
    code, _, err = _eval(capsys, "--suite", "iwslt17", "-o", str(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("mtbrief: error: suite 'iwslt17' (ar-en) is not downloaded and the download failed")
    assert "it needs the network once" in err


# -- --compare ----------------------------------------------------------------------------------------------

def test_compare_two_results(capsys, files):
    _, out_a, _ = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["hyp"],
                        "-o", files["out"])
    _, out_b, _ = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["ref"],
                        "-o", files["out"])
    a, b = _json_written(out_a)["_path"], _json_written(out_b)["_path"]
    code, out, err = _eval(capsys, "--compare", a, b, "-o", files["out"])
    assert (code, err) == (0, "")
    assert out.startswith(f"# Paired bootstrap resampling (1000 samples), baseline {Path(a).stem}\n")
    saved = json.loads(Path(files["out"], f"compare-{Path(a).stem}-vs-{Path(b).stem}.json").read_text())
    assert saved["systems"] == [Path(a).stem, Path(b).stem]
    assert saved["metrics"]["chrF2++"][1]["score"] == pytest.approx(100.0)
    assert saved["metrics"]["chrF2++"][0]["p_value"] is None
    assert 0 < saved["metrics"]["chrF2++"][1]["p_value"] <= 1
    assert saved["signatures"]["BLEU"].startswith("nrefs:1|bs:1000|seed:12345|")
    assert saved["results"][Path(b).stem]["system"]["hypotheses_file"] == files["ref"]


def test_compare_refuses_results_on_other_data(capsys, files, tmp_path):
    other = _write(tmp_path / "other.ar", SRC[::-1])
    _, out_a, _ = _eval(capsys, "--src", files["src"], "--ref", files["ref"], "--hyp", files["hyp"],
                        "-o", files["out"])
    _, out_b, _ = _eval(capsys, "--src", other, "--ref", files["ref"], "--hyp", files["hyp"],
                        "-o", files["out"])
    a, b = _json_written(out_a)["_path"], _json_written(out_b)["_path"]
    code, _, err = _eval(capsys, "--compare", a, b)
    assert (code, err) == (2, f"mtbrief: error: {b}: was scored on other source files than {a} "
                              "(sha256 differs)\n")
    Path(files["ref"]).write_text("changed\n" * 3, encoding="utf-8")
    code, _, err = _eval(capsys, "--compare", a, a)
    assert (code, err) == (2, f"mtbrief: error: {files['ref']}: sha256 differs from the reference the "
                              "results were scored on\n")


# -- the tiny model on FLORES dev ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_flores_run(tiny_marian_dir, tmp_path_factory):
    """`mtbrief eval` on 50 FLORES dev lines, line and document mode, with a stand-in QE function."""
    flores = flores_or_skip()
    out_dir = tmp_path_factory.mktemp("eval-results")
    argv = ["eval", "--suite", "flores200-dev", "--data", str(flores), "--limit", "50", "--document-mode",
            "--model", str(tiny_marian_dir), "--device", "cpu", "-q", "-o", str(out_dir)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scoring, "quality_function", lambda: ("tests:length_ratio", length_ratio, ""))
        mp.setenv("SACREBLEU_SEED", "12345")
        code = main(argv)
    return code, out_dir, flores


def test_tiny_model_line_and_document_mode(tiny_flores_run, tiny_translator):
    code, out_dir, flores = tiny_flores_run
    assert code == 0
    stems = sorted(p.name for p in out_dir.iterdir())
    assert [Path(s).suffix for s in stems] == [".json", ".md", ".png"]
    result = json.loads(next(out_dir.glob("*.json")).read_text(encoding="utf-8"))
    assert (result["suite"], result["lines"], result["limit"]) == ("flores200-dev", 50, 50)
    assert len(result["hypotheses"]) == len(result["sentences"]) == 50
    sig = result["signature"]
    assert sig["system"] == tiny_translator.signature.to_dict()  # random weights: the score is meaningless
    assert set(sig["metrics"]) == set(scoring.METRICS) and sig["langpair"] == "ar-en"
    assert sig["sha256"]["source"] == file_sha256(flores / "arb_Arab.dev")
    assert sig["sha256"]["references"] == [file_sha256(flores / "eng_Latn.dev")]
    assert sig["sha256"]["metadata"] == file_sha256(flores / "metadata_dev.tsv")
    assert set(result["qe"]) == {"available", "function", "n", "pearson", "spearman"}
    assert (result["qe"]["function"], result["qe"]["n"]) == ("tests:length_ratio", 50)
    doc = result["document_mode"]
    assert len(doc["hypotheses"]) == 50 and list(doc["scores"]) == list(scoring.METRICS)
    assert doc["documents"] == len(dict.fromkeys(_flores_urls(flores)[:50]))
    # every segment lost to a straddle is one fewer document segment, nothing else may differ
    assert doc["segments_line_mode"] - doc["segments_document_mode"] == len(doc["straddling"])
    assert all(1 <= s["lines"][0] < s["lines"][1] <= 50 for s in doc["straddling"])
    markdown = next(out_dir.glob("*.md")).read_text(encoding="utf-8")
    assert "## Document mode" in markdown and "segments: line mode" in markdown


def _flores_urls(flores: Path) -> list[str]:
    rows = (flores / "metadata_dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [row.split("\t")[0] for row in rows]


def test_compare_tiny_model_with_references(capsys, tiny_flores_run):
    _, out_dir, flores = tiny_flores_run
    tiny = str(next(out_dir.glob("*.json")))
    _, out, _ = _eval(capsys, "--data", str(flores), "--hyp", str(flores / "eng_Latn.dev"), "--limit", "50",
                      "-o", str(out_dir / "perfect"))
    perfect = _json_written(out)["_path"]
    code, out, err = _eval(capsys, "--compare", tiny, perfect, "-o", str(out_dir / "perfect"))
    assert (code, err) == (0, "")
    bleu_row = next(line for line in out.splitlines() if line.startswith("| BLEU |"))
    cells = bleu_row.split(" | ")
    assert cells[2].startswith("100.00") and float(cells[3].rstrip(" |")) <= 0.01


# -- the eval/translation/run.py script --------------------------------------------------------------------------------

def test_eval_run_script(files, tiny_model_env):
    script = ROOT / "eval" / "translation" / "run.py"
    proc = subprocess.run([sys.executable, str(script), "--src", files["src"], "--ref", files["ref"], "--hyp",
                           files["hyp"], "-o", files["out"], "--bootstrap", "10"],
                          capture_output=True, text=True, env=tiny_model_env, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("BLEU|nrefs:1|bs:10|seed:12345|")
    assert len(list(Path(files["out"]).glob("custom-hyp-hyp-*"))) == 3
