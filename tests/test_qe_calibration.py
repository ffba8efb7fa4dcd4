"""The calibration's data plumbing: domains and their documents, synthetic cases, the side-by-side bench guard."""

from __future__ import annotations

import pytest

from eval.quality.cases import KINDS, drop_words, make_cases, repeat_words
from eval.quality.domains import LOADERS, available, report_runs


@pytest.mark.parametrize(("documents", "size", "expected"), [
    (["a", "a", "a", "b"], 2, ("a#0", "a#0", "a#1", "b#0")),
    (["a", "b", "a"], 40, ("a#0", "b#0", "a#0")),
    ([], 40, ()),
])
def test_report_runs_cut_long_documents(documents: list[str], size: int, expected: tuple[str, ...]) -> None:
    assert report_runs(documents, size) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The minister said ten people died.", "The minister said ten people died ten people died."),
    ("One two three four", "One two three four three four"),
    ("Too short.", None),
])
def test_repeat_words_says_the_last_half_again(text: str, expected: str | None) -> None:
    assert repeat_words(text, 0.5) == expected


def test_make_cases_builds_every_kind() -> None:
    import numpy as np

    english = ["The minister said that ten people died, and others fled.", "Schools closed on Monday in the city.",
               "Rain fell for three days in the north of the country."]
    cases = make_cases(english, ["d1", "d1", "d2"], np.random.default_rng(0))
    assert {c.kind for c in cases} == set(KINDS)
    assert [c.english for c in cases if c.kind == "drop_last_50"][0] == drop_words(english[0], 0.5, "last")


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_domains_load_aligned_with_documents(name: str) -> None:
    if name not in available():
        pytest.skip(f"{name} not found under ../shared/data")
    domain = LOADERS[name]()
    lines = {"flores": 997, "tico19": 2100, "unpc": 4000}[name]
    assert len(domain.arabic) == len(domain.english) == len(domain.documents) == lines
    assert 1 < len(set(domain.documents)) < lines
    assert all(s.strip() for s in domain.arabic[:50]) and domain.head(5).arabic == domain.arabic[:5]


def test_bench_check_refuses_a_base_that_is_no_checkout(tmp_path, capsys) -> None:
    from eval.speed.check_speed import main

    assert main(["--base", str(tmp_path)]) == 2
    assert "not a checkout of this project" in capsys.readouterr().err


def _readers(*labels: dict) -> list[dict]:
    return [dict(reader) for reader in labels]


# Flags on lines both readers call faithful are false alarms; a split or an unread line counts as one too.
@pytest.mark.parametrize(("a", "b", "expected"), [
    ({("d", 0): "faithful", ("d", 1): "numbers_differ"}, {("d", 0): "faithful", ("d", 1): "numbers_differ"},
     (1, 0, 0, 0, {"numbers_differ": 1})),
    ({("d", 0): "faithful", ("d", 1): "numbers_differ"}, {("d", 0): "misaligned", ("d", 1): "numbers_differ"},
     (1, 0, 0, 1, {"numbers_differ": 1})),
    ({("d", 0): "faithful"}, {("d", 0): "faithful"}, (2, 1, 1, 0, {})),
    ({("d", 0): "misaligned", ("d", 1): "content_added"}, {("d", 0): "misaligned", ("d", 1): "content_added"},
     (0, 0, 0, 0, {"misaligned": 1, "content_added": 1})),
    ({("d", 0): "misaligned", ("d", 1): "content_added"}, {("d", 0): "content_missing", ("d", 1): "numbers_differ"},
     (0, 0, 0, 2, {"misaligned": 1, "content_added": 1})),  # both not faithful, for different reasons
])
def test_audit_summary_counts_confirmed_false_alarms(a: dict, b: dict, expected: tuple) -> None:
    from eval.quality.audit import audit_summary

    flagged = [("d", 100, "verdict"), ("d", 101, "verdict+number")]
    out = audit_summary(flagged, _readers(a, b), {"d": 100}, {"d": 1000})["d"]
    assert (out["false_alarms"], out["number_false_alarms"], out["unlabelled"], out["readers_split"],
            out["confirmed_by_label"]) == expected
    assert out["flagged"] == 2 and out["number_flagged_share"] == 0.001
    assert out["false_alarm_share"] == expected[0] / 1000


def test_agreement_on_faithful_with_kappa() -> None:
    from eval.quality.audit import agreement

    a = {("d", i): "faithful" if i < 8 else "numbers_differ" for i in range(10)}
    b = dict(a) | {("d", 0): "content_missing"}
    # kappa: (0.9 observed - 0.62 expected by chance) / (1 - 0.62)
    assert agreement([a, b]) == {"lines": 10, "same_label": 9, "same_faithful": 0.9, "kappa_faithful": 0.737}


def test_agreement_without_shared_lines() -> None:
    from eval.quality.audit import agreement

    assert agreement([{("d", 0): "faithful"}, {("d", 1): "faithful"}])["lines"] == 0


@pytest.mark.parametrize(("row", "message"), [
    ("d\t3\tfaithfull\t", r"line 3 of d: label 'faithfull' is not one of faithful, numbers_differ"),
    ("d\t3\t\t", r"label '' is not one of"),
])
def test_read_labels_names_the_bad_label(tmp_path, row: str, message: str) -> None:
    from eval.quality.audit import read_labels

    path = tmp_path / "reader.tsv"
    path.write_text("domain\tline\tlabel\tnote\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_labels(path)


def test_write_sheet_writes_domain_lines_in_one_line_each(tmp_path) -> None:
    from eval.quality.audit import write_sheet

    path = tmp_path / "sheet.tsv"
    texts = {"d": (["عربي\nسطر", "ثان"], ["English\tline", "second"], 10)}
    assert write_sheet(path, [("d", 11, "number"), ("d", 10, "verdict")], texts) == 2
    assert path.read_text(encoding="utf-8").splitlines() == [
        "domain\tline\tflags\tarabic\tenglish", "d\t1\tnumber\tثان\tsecond", "d\t0\tverdict\tعربي سطر\tEnglish line"]
    # A sheet for readers shows no flag kinds and leaves the label and note to them.
    assert write_sheet(path, [("d", 11, "number")], texts, blind=True) == 1
    assert path.read_text(encoding="utf-8").splitlines() == [
        "domain\tline\tarabic\tenglish\tlabel\tnote", "d\t1\tثان\tsecond\t\t"]


@pytest.mark.slow
@pytest.mark.skipif(not __import__("os").environ.get("MTBRIEF_REFIT"),
                    reason="a refit re-reads ../shared/data and takes minutes: set MTBRIEF_REFIT=1 to run it")
def test_the_shipped_model_file_is_what_a_refit_writes(tmp_path) -> None:
    import json

    from eval.quality.calibrate import main
    from summarize.quality.omission import MODEL_FILE

    if set(available()) != set(LOADERS):
        pytest.skip(f"the calibration domains are not all under ../shared/data: {sorted(available())}")
    assert main(["--out", str(tmp_path)]) == 0
    [report] = tmp_path.glob("qe-calibration-*.json")
    assert json.loads(report.read_text(encoding="utf-8"))["shipped"] == json.loads(
        MODEL_FILE.read_text(encoding="utf-8"))


def test_unlabelled_keeps_the_flagged_lines_a_reader_has_not_read() -> None:
    from eval.quality.audit import READERS, ROOT, read_labels, unlabelled

    labelled = sorted(read_labels(ROOT / READERS[0]))[0]
    read = {labelled[0]: {"base": 100}}
    sheet = [(labelled[0], labelled[1] + 100, "verdict"), (labelled[0], 10**6, "number")]
    assert unlabelled(sheet, read) == [(labelled[0], 10**6, "number")]
    assert unlabelled([], read) == []


_REPORT = {"leave_one_domain_out": {"with_similarity": {"unpc": {
    "human_any_flag": 0.0295, "human_number_flags": 0.007, "flagged": {"drop_last_50": 0.98, "drop_last_30": 0.72},
    "by_line_kind": {"title": {"human_lines": 482, "human": 0.031, "drop_last_50": 0.9, "drop_last_30": 0.5}}}}},
    "audit": {"held_out_domains": {"unpc": {"lines": 4000, "false_alarm_share": 0.0203,
                                            "number_false_alarm_share": 0.0005, "unlabelled": 3}}}}


def test_summary_prints_the_audited_rate_beside_the_raw_one(tmp_path, capsys) -> None:
    import json

    from eval.quality.summary import main

    path = tmp_path / "qe-calibration-x.json"
    path.write_text(json.dumps(_REPORT), encoding="utf-8")
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "| UN dev (4000) | 2.9% (0.70%) | 2.0% (0.05%) | 3 | 98.0% | 72.0% |" in lines
    assert "| UN dev | title | 482 | 3.1% | 90.0% | 50.0% |" in lines


@pytest.mark.parametrize(("content", "error"), [
    (None, "no calibration report"),
    ("not json", "not a calibration report"),
    ("{}", "not a calibration report"),
])
def test_summary_refuses_a_missing_or_broken_report(tmp_path, capsys, content: str | None, error: str) -> None:
    from eval.quality.summary import main

    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert error in err and len(err.strip().splitlines()) == 1


_HEADER = "domain\tline\tarabic\tenglish\tlabel\tnote\n"
_READER = "domain\tline\tlabel\tnote\nflores\t1\tfaithful\t\n"


@pytest.mark.parametrize(("sheet", "added", "file"), [
    (_HEADER + "unpc\t7\tعربي\tEnglish\tnumbers_differ\t1992  vs 1999\n", 1,
     _READER + "unpc\t7\tnumbers_differ\t1992 vs 1999\n"),
    (_HEADER + "flores\t1\tعربي\tEnglish\tfaithful\t\n", 0, _READER),  # already there, same label
    (_HEADER, 0, _READER),  # an empty sheet
])
def test_add_labels_appends_the_new_lines(tmp_path, capsys, sheet: str, added: int, file: str) -> None:
    from eval.quality.add_labels import main

    (tmp_path / "sheet.tsv").write_text(sheet, encoding="utf-8")
    (tmp_path / "reader.tsv").write_text(_READER, encoding="utf-8")
    assert main([str(tmp_path / "sheet.tsv"), str(tmp_path / "reader.tsv")]) == 0
    assert (tmp_path / "reader.tsv").read_text(encoding="utf-8") == file
    assert f"{added} labels added" in capsys.readouterr().out


@pytest.mark.parametrize(("sheet", "error"), [
    (_HEADER + "unpc\t7\tعربي\tEnglish\tgood\t\n", "label 'good' is not one of faithful"),
    (_HEADER + "flores\t1\tعربي\tEnglish\tmisaligned\t\n", "1 lines already labelled otherwise"),
    (_HEADER + "unpc\tseven\tعربي\tEnglish\tfaithful\t\n", "invalid literal"),
    ("domain\tline\n" + "unpc\t7\n", "no 'label' column"),
    (None, "No such file"),
])
def test_add_labels_refuses_a_bad_sheet_and_leaves_the_file(tmp_path, capsys, sheet: str | None,
                                                            error: str) -> None:
    from eval.quality.add_labels import main

    if sheet is not None:
        (tmp_path / "sheet.tsv").write_text(sheet, encoding="utf-8")
    (tmp_path / "reader.tsv").write_text(_READER, encoding="utf-8")
    assert main([str(tmp_path / "sheet.tsv"), str(tmp_path / "reader.tsv")]) == 2
    err = capsys.readouterr().err
    assert error in err and len(err.strip().splitlines()) == 1 and "sheet.tsv" in err
    assert (tmp_path / "reader.tsv").read_text(encoding="utf-8") == _READER
    assert main(["only-one-argument"]) == 2


def test_the_comparison_run_is_never_shipped(capsys) -> None:
    from eval.quality.calibrate import main

    assert main(["--ship", "--without-kinds"]) == 2
    err = capsys.readouterr().err
    assert "never shipped" in err and len(err.strip().splitlines()) == 1
