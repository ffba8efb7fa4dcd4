"""The brief: options, selection bookkeeping, rendering (Markdown, HTML, JSON) and the `brief` command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from mt.errors import InputError, InvalidOption
from mt.types import Flag, Segment, Signature, Translation
from summarize import QE, Brief, Figure, Point, check_translation, make_brief, render

SIGNATURE = Signature("m", None, "ct2", "int8", 4)
SOURCES = [
    "قصفت الطائرات الروسية أحياء مدينة حلب أمس وقتلت عشرات المدنيين.",
    "وقال ناشطون إن الطائرات الروسية قصفت أحياء في حلب وقتلت 24 مدنيا.",
    "علي صعيد متصل.",
    "وتحدث سكان عن قصف جوي روسي عنيف علي أحياء حلب أمس.",
    "من ناحية أخرى افتتح معرض الكتاب في القاهرة بمشاركة واسعة من دور النشر.",
]
TARGETS = ["Russian planes bombed Aleppo yesterday.", "Activists said 24 civilians were killed.",
           "On a related note.", "Residents spoke of heavy Russian air strikes.",
           "A book fair opened in Cairo."]


def _translation(sources: list[str] = SOURCES, targets: list[str] = TARGETS,
                 **extra: object) -> Translation:
    segments = tuple(Segment(s, t, 0, (0, len(s)), **extra) for s, t in zip(sources, targets, strict=True))
    return Translation(" ".join(sources), segments, SIGNATURE)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_sentences": 0}, "invalid max_sentences 0: choose one of an integer >= 1"),
    ({"max_sentences": True}, "invalid max_sentences True: choose one of an integer >= 1"),
    ({"max_sentences": "5"}, "invalid max_sentences '5': choose one of an integer >= 1"),
    ({"max_words": 0}, "invalid max_words 0: choose one of None, an integer >= 1"),
    ({"order": "random"}, "invalid order 'random': choose one of document, score"),
    ({"ranker": "bm25"}, "invalid ranker 'bm25': choose one of auto, use, tfidf"),
])
def test_invalid_options_name_the_choices(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidOption, match=f"^{message}$"):
        make_brief(_translation(), **kwargs)


@pytest.mark.parametrize("ranker", ["tfidf", "auto"])
def test_points_pair_the_arabic_with_the_engines_english(ranker: str) -> None:
    brief = make_brief(_translation(), max_sentences=3, ranker=ranker)
    assert len(brief.points) == 3 and brief.signature == SIGNATURE and brief.source_segments == 5
    for point in brief.points:
        assert point.arabic == " ".join(SOURCES[i] for i in point.segments)
        assert point.english == " ".join(TARGETS[i] for i in point.segments)
    assert all(p.segments != (2,) for p in brief.points)  # a connector is never a point
    assert [p.segments for p in brief.points] == sorted(p.segments for p in brief.points)


def test_order_score_puts_the_best_first() -> None:
    by_score = make_brief(_translation(), max_sentences=3, order="score", ranker="tfidf")
    by_document = make_brief(_translation(), max_sentences=3, ranker="tfidf")
    assert [p.score for p in by_score.points] == sorted((p.score for p in by_score.points), reverse=True)
    assert set(by_score.points) == set(by_document.points) and by_score.order == "score"
    assert by_score.headline is not None and by_score.headline not in by_score.points  # never repeated
    assert by_score.headline.score > by_score.points[0].score  # the best sentence is the headline


@pytest.mark.parametrize("max_words", [1, 6, 12, 100])
def test_max_words_caps_the_english(max_words: int) -> None:
    brief = make_brief(_translation(), max_sentences=5, max_words=max_words, ranker="tfidf")
    assert sum(len(p.english.split()) for p in brief.points) <= max_words
    assert (len(brief.points) == 0) == (max_words < 5)  # the shortest English point has 5 words


def test_points_carry_the_quality_of_their_segments() -> None:
    flag = Flag("number", "check number: x")
    brief = make_brief(_translation(flags=(flag,), similarity=0.7), max_sentences=1, ranker="tfidf")
    assert brief.points[0].qe == QE(0.7, (flag,))


def test_empty_translation_gives_an_empty_brief() -> None:
    brief = make_brief(Translation("", (), SIGNATURE))
    assert brief == Brief(None, (), (), "none", SIGNATURE, "document", 0)
    assert render(brief, "md") == ("# Brief\n\nNo Arabic sentence to brief.\n\n---\n\n*Ranker: none · "
                                   "Translation: model:m\\|rev:local\\|engine:ct2\\|compute:int8\\|beam:4\\|"
                                   "device:cpu*\n")
    assert Brief.from_dict(json.loads(json.dumps(brief.to_dict()))) == brief


@pytest.mark.parametrize("sentence", ["قتل خمسة.", "تجدد قصف الطيران الروسي علي عدة أحياء في مدينة حلب أمس."])
def test_a_one_sentence_report_is_its_own_brief(sentence: str) -> None:
    brief = make_brief(_translation([sentence], ["Five killed."]), ranker="tfidf")
    assert brief.headline is not None and brief.headline.arabic == sentence
    assert [(p.arabic, p.english) for p in brief.points] == [(sentence, "Five killed.")]


FLAG = Flag("number", "check number: سبعة (7) in the Arabic is missing from the English")
HANDMADE = Brief(
    headline=Point("هجوم <b>", 'Attack <b> | "x"', 0.9, 0, QE(0.8), (0,)),
    points=(Point("هجوم <b>", 'Attack <b> | "x"', 0.9, 0, QE(0.8), (0,)),
            Point("مقتل سبعة", "Killed *people*", 0.5, 1, QE(0.31, (FLAG,)), (3, 4))),
    figures=(Figure(7, "killed", "مقتل سبعة", "Killed *people*", "سبعة", "", 3),
             Figure(1500000, "money", "1.5 مليون دولار", "$1.5m", "1.5 مليون دولار", "dollars", 5)),
    ranker="use", signature=SIGNATURE)


def test_markdown_shape() -> None:
    assert render(HANDMADE, "md") == """# Brief

**هجوم \\<b\\>**

Attack \\<b\\> \\| "x"

## Key points

1. هجوم \\<b\\>

   Attack \\<b\\> \\| "x"

2. مقتل سبعة

   Killed \\*people\\*

   > ⚠ check number: سبعة (7) in the Arabic is missing from the English

## Key figures

| Kind | Value | Arabic | English |
| --- | --- | --- | --- |
| killed | 7 | مقتل سبعة | Killed \\*people\\* |
| money | 1,500,000 dollars | 1.5 مليون دولار | $1.5m |

---

*Ranker: use · Translation: model:m\\|rev:local\\|engine:ct2\\|compute:int8\\|beam:4\\|device:cpu*
"""


def test_html_marks_arabic_rtl_and_escapes_everything() -> None:
    page = render(HANDMADE, "html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    assert '<p class="ar" dir="rtl" lang="ar">هجوم &lt;b&gt;</p>' in page
    assert '<p class="en" lang="en">Attack &lt;b&gt; | &quot;x&quot;</p>' in page
    assert '<td dir="rtl" lang="ar">مقتل سبعة</td><td lang="en">Killed *people*</td>' in page
    assert f'<p class="flag" lang="en" data-kind="number">{FLAG.message}</p>' in page
    assert "<b>" not in page and page.count("<li>") == 2 and page.endswith("</html>\n")
    assert render(HANDMADE, "html", standalone=False) == page.split("<body>\n")[1].split("</body>")[0]


def test_json_round_trip_is_exact() -> None:
    brief = make_brief(check_translation(_translation(), encoder="none"), ranker="tfidf")
    text = json.dumps(brief.to_dict(), ensure_ascii=False)
    assert Brief.from_dict(json.loads(text)) == brief
    assert Brief.from_dict(json.loads(json.dumps(HANDMADE.to_dict()))) == HANDMADE
    assert json.loads(text)["ranker"] == "tfidf" and json.loads(text)["signature"]["model"] == "m"


def test_seed_report_brief(seed_text: str, tiny_translator) -> None:
    translation = check_translation(tiny_translator.translate(seed_text))
    brief = make_brief(translation)
    segments = translation.segments
    assert brief.ranker in ("use", "tfidf") and brief.signature == translation.signature
    assert 1 <= len(brief.points) <= 5 and brief.source_segments == len(segments)
    for point in brief.points:
        assert point.english == " ".join(segments[i].target.strip() for i in point.segments)
        assert point.qe.flags == tuple(f for i in point.segments for f in segments[i].flags)
    kinds = {(f.value, f.kind) for f in brief.figures}
    assert {(24, "killed"), (7, "killed"), (2, "killed")} <= kinds
    assert Brief.from_dict(json.loads(json.dumps(brief.to_dict()))) == brief


# -- the `brief` command -------------------------------------------------------------------------------

def _run(argv: list[str]) -> int:
    from summarize.cli import register

    parser = argparse.ArgumentParser(prog="mtbrief")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["brief", *argv])
    return args.func(args)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_command_writes_the_brief(fmt: str, tmp_path: Path, tiny_marian_dir: Path) -> None:
    source = tmp_path / "report.txt"
    source.write_text("\n".join(SOURCES), encoding="utf-8")
    out = tmp_path / f"brief.{fmt}"
    argv = [str(source), "--sentences", "2", "--format", fmt, "-o", str(out), "--model", str(tiny_marian_dir)]
    assert _run([*argv, "--ranker", "tfidf"]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert len(Brief.from_dict(json.loads(text)).points) == 2
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and 'dir="rtl" lang="ar"' in text
    else:
        assert text.startswith("# Brief\n") and "## Key points" in text


def test_command_rejects_text_without_arabic(tmp_path: Path, tiny_marian_dir: Path) -> None:
    source = tmp_path / "empty.txt"
    source.write_text("  \n 123 hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty.txt: no Arabic sentence to brief"):
        _run([str(source), "--model", str(tiny_marian_dir)])


def test_command_checks_options_before_loading_a_model(tmp_path: Path) -> None:
    with pytest.raises(InvalidOption, match="invalid max_sentences 0"):
        _run([str(tmp_path / "missing.txt"), "--sentences", "0", "--model", str(tmp_path / "no-model")])


def test_mtbrief_main_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import mt.cli

    source = tmp_path / "latin.txt"
    source.write_text("no Arabic here\n", encoding="utf-8")
    assert mt.cli.main(["brief", str(source)]) == 2
    err = capsys.readouterr().err
    assert err == f"mtbrief: error: {source}: no Arabic sentence to brief\n"
