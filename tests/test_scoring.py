"""eval.translation (scoring, suites, report): sacrebleu scores and signatures, correlations, the QE function,
suites and line counts, document-mode alignment, paired tests and the written reports."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.error import URLError

import pytest

from eval.translation import report as evalreport
from eval.translation import scoring, suites
from eval.translation.suites import EvalData
from mt.errors import InputError, InvalidOption, MtbriefError

HYPS = ["the cat sat on the mat", "a quick brown fox jumps over the dog", "hello world"]
REFS = ["the cat sat on a mat", "the quick brown fox jumped over the lazy dog", "hello there world"]
REFS2 = ["a cat was sitting on the mat", "a fast brown fox jumps over the lazy dog", "hi world"]
VERSION = "version:2.6.0"
SIG_BLEU = "nrefs:{n}|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|" + VERSION
SIG_CHRF = "nrefs:{n}|bs:1000|seed:12345|case:mixed|eff:yes|nc:6|nw:2|space:no|" + VERSION
SIG_TER = "nrefs:{n}|bs:1000|seed:12345|case:lc|tok:tercom|norm:no|punct:yes|asian:no|" + VERSION

# Computed once with sacrebleu 2.6.0 (SACREBLEU_SEED=12345). TER checked by hand: 5 edits (the→a; a→the,
# jumps→jumped, +lazy; +there) over 18 reference words = 27.78.
EXPECTED = [
    ([REFS], {"BLEU": (30.3899, 31.1645, 26.8642), "chrF2++": (59.8746, 59.4532, 16.5845),
              "TER": (27.7778, 27.5591, 8.3333)}, [72.0304, 60.7692, 38.8615]),
    ([REFS, REFS2], {"BLEU": (61.9649, 60.0206, 33.78), "chrF2++": (64.5808, 63.796, 16.2197),
                     "TER": (22.2222, 22.807, 12.3077)}, [72.0304, 64.5056, 39.591]),
]


@pytest.fixture(autouse=True)
def _fixed_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SACREBLEU_SEED", "12345")  # the bootstrap intervals depend on it


def fake_similarity(sources: list[str], targets: list[str]) -> list[float]:
    """A stand-in QE function: the target/source length ratio."""
    return [len(t) / max(1, len(s)) for s, t in zip(sources, targets, strict=True)]


def make_data(sources: list[str], refs: list[list[str]], documents: list[str] | None = None) -> EvalData:
    return EvalData("custom", tuple(sources), tuple(tuple(r) for r in refs),
                    files={"source": "src.ar", "references": [f"ref{i}.en" for i in range(len(refs))]},
                    sha256={"source": "s" * 64, "references": ["r" * 64] * len(refs)},
                    documents=tuple(documents) if documents else None)


# -- metrics ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("refs", "expected", "sentence"), EXPECTED, ids=["one-ref", "two-refs"])
def test_corpus_scores_match_sacrebleu(refs, expected, sentence):
    scores = scoring.corpus_scores(HYPS, refs, n_bootstrap=1000)
    assert list(scores) == list(scoring.METRICS)
    for name, (score, mean, ci) in expected.items():
        assert scores[name]["score"] == pytest.approx(score, abs=0.01)
        assert scores[name]["bootstrap_mean"] == pytest.approx(mean, abs=0.01)
        assert scores[name]["ci95"] == pytest.approx(ci, abs=0.01)
    assert scoring.sentence_chrf(HYPS, refs) == pytest.approx(sentence, abs=0.01)


@pytest.mark.parametrize("n_refs", [1, 2])
def test_signatures_are_sacrebleus_exact_strings(n_refs):
    scores = scoring.corpus_scores(HYPS, [REFS, REFS2][:n_refs])
    assert {k: s["signature"] for k, s in scores.items()} == {
        "BLEU": SIG_BLEU.format(n=n_refs), "chrF2++": SIG_CHRF.format(n=n_refs),
        "TER": SIG_TER.format(n=n_refs)}
    assert scores["BLEU"]["line"].startswith(f"BLEU|{SIG_BLEU.format(n=n_refs)} = ")


def test_without_bootstrap_there_is_no_interval():
    scores = scoring.corpus_scores(HYPS, [REFS], n_bootstrap=1)
    assert "ci95" not in scores["BLEU"]
    assert scores["BLEU"]["signature"] == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|" + VERSION


def test_perfect_match_is_100():
    scores = scoring.corpus_scores(REFS, [REFS])
    assert [scores[m]["score"] for m in scoring.METRICS] == [pytest.approx(100.0), pytest.approx(100.0), 0.0]
    # a resample of only "hello there world" has no 4-gram, so even a perfect BLEU has a wide interval
    intervals = (scores["chrF2++"]["ci95"], scores["TER"]["ci95"], scores["BLEU"]["ci95"])
    assert intervals == (0.0, 0.0, pytest.approx(50.0))
    assert scoring.sentence_chrf(REFS, [REFS]) == [pytest.approx(100.0)] * 3


def test_a_resample_with_nothing_in_common_still_gets_an_interval():
    # Two of three lines share no character n-gram with their reference; some resamples hold only those.
    # sacrebleu 2.6's own chrF then raises "don't know how to coerce float and float32" (Python 0.0 beside
    # float32 scores); values computed once with SACREBLEU_SEED=12345.
    scores = scoring.corpus_scores(["zzz", "the cat sat on a mat", "qqq"], [REFS], n_bootstrap=1000)
    assert (scores["chrF2++"]["score"], scores["chrF2++"]["bootstrap_mean"], scores["chrF2++"]["ci95"]) == (
        pytest.approx(3.4701, abs=0.001), pytest.approx(3.0309, abs=0.001), pytest.approx(3.141, abs=0.001))
    assert scores["chrF2++"]["signature"] == SIG_CHRF.format(n=1)


def test_huge_input_is_scored():
    lines = [f"line {i} of a long test set with some words" for i in range(2000)]
    scores = scoring.corpus_scores(lines, [lines])
    assert scores["BLEU"]["score"] == pytest.approx(100.0)
    assert len(scoring.sentence_chrf(lines, [lines])) == 2000


# -- correlations -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    ([3.0, 1.0, 2.0], [3.0, 1.0, 2.0]),
    ([1.0, 2.0, 2.0, 3.0], [1.0, 2.5, 2.5, 4.0]),
    ([5.0, 5.0, 5.0], [2.0, 2.0, 2.0]),
    ([], []),
])
def test_ranks_average_ties(values, expected):
    assert scoring.ranks(values) == expected


@pytest.mark.parametrize(("xs", "ys", "r", "rho"), [
    ([1, 2, 3, 4, 5], [2, 4, 5, 4, 5], 0.7745967, 0.7378648),  # checked with numpy.corrcoef
    ([1, 2, 3], [30, 20, 10], -1.0, -1.0),
    ([1, 2, 3], [1, 4, 9], 0.9897433, 1.0),
    ([1, 2, 3], [7, 7, 7], None, None),  # a constant series has no correlation
    ([1], [2], None, None),
    ([], [], None, None),
])
def test_pearson_and_spearman(xs, ys, r, rho):
    for func, expected in ((scoring.pearson, r), (scoring.spearman, rho)):
        got = func(xs, ys)
        assert got is None if expected is None else got == pytest.approx(expected, abs=1e-6)


# -- quality estimate ---------------------------------------------------------------------------------------

def _qe(function):
    return ("tests:fake", function, "")


def test_quality_estimate_correlates_with_chrf():
    report, scores = scoring.quality_estimate(["ab", "abcd", "a"], ["abcd", "ab", "aaaa"], [10.0, 20.0, 30.0],
                                              _qe(fake_similarity))
    assert scores == [2.0, 0.5, 4.0]
    assert report == {"available": True, "function": "tests:fake", "n": 3,
                      "pearson": pytest.approx(0.5694948, abs=1e-6), "spearman": pytest.approx(0.5)}


def _broken(sources, targets):
    raise RuntimeError("encoder weights missing")


@pytest.mark.parametrize(("qe", "reason"), [
    (("", None, "no 'similarity' entry point"), "no 'similarity' entry point"),
    (_qe(_broken), "tests:fake failed: RuntimeError: encoder weights missing"),
    (_qe(lambda s, t: [0.5]), "tests:fake returned 1 scores for 2 lines"),
])
def test_quality_estimate_unavailable(qe, reason):
    report, scores = scoring.quality_estimate(["a", "b"], ["c", "d"], [1.0, 2.0], qe)
    assert (report, scores) == ({"available": False, "reason": reason}, None)


def test_the_quality_function_is_summarize_similarity():
    from summarize.quality.check import similarities

    assert scoring.quality_function() == ("summarize.quality.check:similarities", similarities, "")


# -- evaluate -----------------------------------------------------------------------------------------------

def test_evaluate_result_shape():
    data = make_data(["a1", "a22", "a333"], [REFS])
    result = scoring.evaluate(data, HYPS, {"model": "m"}, _qe(fake_similarity))
    assert set(result) == {"format", "suite", "created", "lines", "limit", "signature", "scores", "qe",
                           "sentences", "hypotheses", "document_mode"}
    assert (result["format"], result["lines"], result["hypotheses"]) == ("mtbrief-eval/1", 3, HYPS)
    sig = result["signature"]
    assert sig["system"] == {"model": "m"}
    assert sig["metrics"] == {"BLEU": SIG_BLEU.format(n=1), "chrF2++": SIG_CHRF.format(n=1),
                              "TER": SIG_TER.format(n=1)}
    expected_hash = hashlib.sha256("".join(h + "\n" for h in HYPS).encode()).hexdigest()
    assert sig["sha256"] == {"source": "s" * 64, "references": ["r" * 64], "hypotheses": expected_hash}
    assert [s["source_chars"] for s in result["sentences"]] == [2, 3, 4]
    assert [s["chrf"] for s in result["sentences"]] == pytest.approx([72.0304, 60.7692, 38.8615], abs=0.01)
    assert result["qe"]["available"] is True
    json.dumps(result)  # JSON-safe


@pytest.mark.parametrize(("hyps", "message"), [
    (HYPS[:2], "line counts differ: source src.ar 3, reference ref0.en 3, hypotheses h.en 2; "
               "each file needs one line per source line"),
    ([], "src.ar: no lines to evaluate"),
])
def test_evaluate_rejects_bad_hypotheses(hyps, message):
    with pytest.raises(InputError, match=f"^{message}$"):
        scoring.evaluate(make_data(["a", "b", "c"], [REFS]), hyps, {"hypotheses_file": "h.en"}, _qe(None))


# -- suites -------------------------------------------------------------------------------------------------

def _write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_load_files_hashes_and_head(tmp_path):
    src = _write(tmp_path / "s.ar", ["١", "٢", "٣"])
    ref = _write(tmp_path / "r.en", ["1", "2", "3"])
    data = suites.load_files(src, [ref])
    assert (data.suite, data.sources, data.references) == ("custom", ("١", "٢", "٣"), (("1", "2", "3"),))
    assert data.sha256["source"] == hashlib.sha256(Path(src).read_bytes()).hexdigest()
    head = data.head(2)
    assert (head.sources, head.references, head.limit) == (("١", "٢"), (("1", "2"),), 2)
    assert data.head(None) is data
    with pytest.raises(InvalidOption, match=r"^invalid --limit 0: choose one of an integer >= 1$"):
        data.head(0)


@pytest.mark.parametrize(("src_lines", "ref_lines", "message"), [
    (["a", "b"], ["x"], "line counts differ: source {src} 2, reference {ref} 1; "
                        "each file needs one line per source line"),
    ([], [], "{src}: no lines to evaluate"),
])
def test_load_files_rejects(tmp_path, src_lines, ref_lines, message):
    src, ref = _write(tmp_path / "s.ar", src_lines), _write(tmp_path / "r.en", ref_lines)
    with pytest.raises(InputError) as info:
        suites.load_files(src, [ref])
    assert str(info.value) == message.format(src=src, ref=ref)


def test_load_suite_choices(tmp_path):
    with pytest.raises(InvalidOption, match=r"^invalid --suite 'wmt99': choose one of flores200-dev, iwslt"):
        suites.load_suite("wmt99", None, [], None)
    src = _write(tmp_path / "s.ar", ["a"])
    with pytest.raises(InvalidOption, match=r"^invalid --suite 'flores200-dev'"):
        suites.load_suite("flores200-dev", src, [src], None)
    with pytest.raises(InputError, match=r"--ref needs --src"):
        suites.load_suite(None, None, [src], None)
    with pytest.raises(InputError, match=r"no such file; pass --data DIR"):
        suites.load_suite(None, None, [], str(tmp_path))
    assert suites.load_suite("my-label", src, [src], None).suite == "my-label"


def test_sacrebleu_suite_offline_says_it_needs_the_network(monkeypatch, tmp_path):
    from sacrebleu.dataset import DATASETS

    def offline(*args, **kwargs):
        raise URLError("Name or service not known")

    monkeypatch.setattr("sacrebleu.dataset.base.download_file", offline)
    monkeypatch.setattr(DATASETS["iwslt17"], "_outdir", str(tmp_path / "iwslt17"))
    monkeypatch.setattr(DATASETS["iwslt17"], "_rawdir", str(tmp_path / "iwslt17" / "raw"))
    message = (r"^suite 'iwslt17' \(ar-en\) is not downloaded and the download failed "
               r"\(.*Name or service not known.*\); it needs the network once")
    with pytest.raises(MtbriefError, match=message):
        suites.load_suite("iwslt17", None, [], None)


def test_flores_documents_and_spans():
    data = make_data(["ab.", "cde.", "f.", "gh."], [["1", "2", "3", "4"]], ["u1", "u1", "u2", "u3"])
    docs = suites.flores_documents(data)
    assert [(d.text, d.first_line, d.spans) for d in docs] == [
        ("ab. cde.", 0, ((0, 3), (4, 8))), ("f.", 2, ((0, 2),)), ("gh.", 3, ((0, 3),))]
    assert [docs[0].line_of(i) for i in (0, 2, 3, 4, 7)] == [0, 0, 0, 1, 1]
    with pytest.raises(InvalidOption, match=r"^invalid --document-mode suite 'custom'"):
        suites.flores_documents(make_data(["a"], [["b"]]))


def test_document_mode_aligns_segments_to_lines(tiny_translator):
    # The third line ends in "؛", not a sentence end: its document segment runs into the fourth line.
    lines = ["ذهب الولد إلى المدرسة.", "عاد إلى البيت مساء.", "قال الوزير؛", "إن الاجتماع انتهى."]
    data = make_data(lines, [["a", "b", "c", "d"]], ["u1", "u1", "u2", "u2"])
    line_hyps = list(tiny_translator.translate_lines(lines))
    doc = scoring.document_mode(tiny_translator, data, line_hyps, scoring.EvalOptions(n_bootstrap=10))
    assert (doc["documents"], doc["segments_line_mode"], doc["segments_document_mode"]) == (2, 4, 3)
    assert (doc["segment_counts_equal"], doc["segment_sources_identical"]) == (False, False)
    assert doc["straddling"] == [{"lines": [3, 4], "source": "قال الوزير؛ إن الاجتماع انتهى."}]
    assert doc["hypotheses"][:2] == line_hyps[:2]  # same sentences, same (cached) translations
    assert doc["hypotheses"][2] and doc["hypotheses"][3] == ""
    assert list(doc["scores"]) == list(scoring.METRICS)


# -- paired test and reports --------------------------------------------------------------------------------

def test_paired_bootstrap_prefers_the_perfect_system():
    refs = [f"sentence number {i} about the weather today" for i in range(30)]
    bad = [f"number {i} weather" for i in range(30)]
    result = scoring.paired_bootstrap([("bad", bad), ("perfect", refs)], [refs], n_samples=200)
    assert (result["baseline"], result["systems"], result["n_samples"]) == ("bad", ["bad", "perfect"], 200)
    assert result["signatures"]["BLEU"] == SIG_BLEU.format(n=1).replace("bs:1000", "bs:200")
    bleu = result["metrics"]["BLEU"]
    assert bleu[0]["p_value"] is None and bleu[1]["score"] == pytest.approx(100.0)
    assert bleu[1]["p_value"] < 0.01 and bleu[0]["score"] < 30


@pytest.mark.parametrize(("system", "slug"), [
    ({"model": "Helsinki-NLP/opus-mt-tc-big-ar-en"}, "opus-mt-tc-big-ar-en"),
    ({"model": "/tmp/x/tiny-marian/"}, "tiny-marian"),
    ({"model": "given hypotheses", "hypotheses_file": "out/my hyp.en"}, "hyp-my_hyp"),
])
def test_model_slug(system, slug):
    assert evalreport.model_slug(system) == slug


def test_write_result_files_and_markdown(tmp_path):
    result = scoring.evaluate(make_data(["a1", "a22", "a333"], [REFS]), HYPS, {"model": "org/m"},
                              ("", None, "no 'similarity' entry point"))
    first = evalreport.write_result(result, tmp_path)
    second = evalreport.write_result(result, tmp_path)  # same day, same model: never overwritten
    assert first["json"].name.startswith("custom-m-") and second["json"].stem == first["json"].stem + "-2"
    assert first["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(first["json"].read_text(encoding="utf-8"))["hypotheses"] == HYPS
    markdown = first["md"].read_text(encoding="utf-8")
    assert f"| BLEU | 30.39 | 31.16 ± 26.86 | `{SIG_BLEU.format(n=1)}` |" in markdown
    assert "qe: not available (no 'similarity' entry point)" in markdown
    assert f"![per-sentence chrF++]({first['png'].name})" in markdown
