"""Glossaries: the TSV format, matching on prepared Arabic (prefixes, article, longest first) and enforcement
by reranking the tiny model's own n-best (never by editing the English)."""

from __future__ import annotations

import json
import re

import pytest

from mt.enforce import WIDE_HYPOTHESES, choose
from mt.errors import InputError
from mt.glossary import Glossary, Term, contains_english, load_glossary, parse_glossary

GLOSSARY = parse_glossary("# places\nحلب\tAleppo\nالرقة\tRaqqa\tthe city\nمستشفى الرازي\tAl-Razi Hospital\n"
                          "الرازي\tAl-Razi\nسخور\tSakhour\nإدلب\tIdlib\n")


@pytest.mark.parametrize(("text", "expected"), [
    ("وصل إلى حلب", [("حلب", "Aleppo")]),
    ("وحلب فحلب بحلب لحلب كحلب وبحلب فلحلب", [(w, "Aleppo") for w in
                                              ("وحلب", "فحلب", "بحلب", "لحلب", "كحلب", "وبحلب", "فلحلب")]),
    ("ووحلب بوحلب", []),  # one conjunction, before the preposition
    ("في الرقة وبالرقة وللرقة والرقة وكالرقة فالرقة", [(w, "Raqqa") for w in
                                                   ("الرقة", "وبالرقة", "وللرقة", "والرقة", "وكالرقة", "فالرقة")]),
    ("رقة", []),  # the term has the article: the bare word is another word
    ("حي السخور والسخور وسخور", [("السخور", "Sakhour"), ("والسخور", "Sakhour"), ("وسخور", "Sakhour")]),
    ("نقل إلى مستشفى الرازي ثم إلى الرازي", [("مستشفى الرازي", "Al-Razi Hospital"), ("الرازي", "Al-Razi")]),
    ("بمستشفي الرازي", [("بمستشفي الرازي", "Al-Razi Hospital")]),  # final ي folded
    ("في ادلب وإِدْلِب", [("ادلب", "Idlib"), ("وإِدْلِب", "Idlib")]),  # alef folded, diacritics ignored
    ("حلبي وحلبية ومحلب", []),  # whole words only
    ("", []),
])
def test_matching_table(text, expected):
    found = GLOSSARY.find(text)
    assert [(m.surface, m.term.english) for m in found] == expected
    assert all(text[m.span[0]:m.span[1]] == m.surface for m in found)


def test_match_reports_span_in_the_text():
    [match] = GLOSSARY.find("قصف مدينة حلب")
    assert match.to_dict() == {"arabic": "حلب", "english": "Aleppo", "note": "", "span": [10, 13],
                               "surface": "حلب"}


@pytest.mark.parametrize(("hyp", "term", "found"), [
    ("The hospital in Aleppo was hit", "aleppo", True),
    ("The ALEPPO front", "Aleppo", True),
    ("Al-Razi  Hospital reopened", "Al-Razi Hospital", True),
    ("Aleppos", "Aleppo", False),
    ("BigAleppo", "Aleppo", False),
])
def test_english_whole_words_any_case(hyp, term, found):
    assert contains_english(hyp, term) is found


@pytest.mark.parametrize(("tsv", "problem"), [
    ("حلب\tAleppo\nإدلب\n", "line 2: expected Arabic<TAB>English[<TAB>note], found 1 column"),
    ("# c\n\nحلب\tAleppo\ta\tb\n", "line 3: expected Arabic<TAB>English[<TAB>note], found 4 columns"),
    ("Aleppo\tحلب\n", "line 1: the first column must be the Arabic term"),
    ("حلب\t\n", "line 1: the second column must be the English"),
    ("ب\tin\n", "line 1: the Arabic term 'ب' is too short"),
    ("حلب\tAleppo\nحلب\tHalab\n", "line 2: 'حلب' is already in the glossary \\(line 1\\) as 'Aleppo'"),
])
def test_bad_rows_name_the_line(tsv, problem):
    with pytest.raises(InputError, match=re.escape("g.tsv: ") + problem.replace("[<TAB>note]", r"\[<TAB>note\]")):
        parse_glossary(tsv, "g.tsv")


def test_same_term_twice_with_the_same_english_is_fine():
    assert len(parse_glossary("حلب\tAleppo\nحلب\taleppo\n")) == 1


def test_glossary_file_errors(tmp_path):
    bad = tmp_path / "g.tsv"
    bad.write_bytes(b"\xff\x41")
    with pytest.raises(InputError, match="g.tsv: invalid UTF-8"):
        load_glossary(bad)
    bad.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no term"):
        load_glossary(bad)
    with pytest.raises(InputError, match="cannot read the glossary"):
        load_glossary(tmp_path / "missing.tsv")


def test_request_pairs_and_merge():
    extra = Glossary.from_pairs([["حلب", "Halab"], ["دير الزور", "Deir ez-Zor", "governorate"]])
    merged = GLOSSARY.merged(extra)
    assert {t.arabic: t.english for t in merged.terms}["حلب"] == "Halab"
    assert len(merged) == len(GLOSSARY) + 1
    with pytest.raises(InputError, match="entry 0: expected \\[arabic, english\\]"):
        Glossary.from_pairs([["حلب"]])


def test_large_glossary_and_long_text():
    big = Glossary([Term(f"مدينة{i:05d}".replace("0", "ث"), f"City {i}") for i in range(3000)]
                   + [Term("حلب", "Aleppo")])
    text = "قصف حلب " * 5000
    assert len(big.find(text)) == 5000


# -- enforcement on the tiny model's own n-best -------------------------------------------------------------

SENTENCE = "مما أدى إلى مقتل سبعة أشخاص في حلب."


def _nbest(translator, sentence=SENTENCE):
    [seg] = translator.prepare(sentence)
    return translator.widened(WIDE_HYPOTHESES).translate_inputs([seg.mt_input])[0]


def _word_only_in(nbest, k):
    """A word of hypothesis k that no better-scored hypothesis holds (None if there is none)."""
    for word in nbest[k].split():
        if not any(contains_english(h, word) for h in nbest[:k]):
            return word
    return None


def test_reranking_picks_the_hypothesis_with_the_term(tiny_translator):
    nbest = _nbest(tiny_translator)
    assert len(nbest) == WIDE_HYPOTHESES
    k, word = next((k, w) for k in range(1, len(nbest)) if (w := _word_only_in(nbest, k)))
    assert not contains_english(nbest[0], word)  # the model's best lacks it: only reranking can satisfy it
    steered = tiny_translator.with_options(glossary=Glossary([Term("حلب", word)]))
    [segment] = steered.translate(SENTENCE).segments
    assert segment.target == nbest[k]
    assert segment.flags == () and segment.origin == "model"
    plain = tiny_translator.translate(SENTENCE).segments[0]
    assert plain.target != segment.target  # without the glossary the model's usual best comes back


def test_term_no_hypothesis_has_is_flagged_and_the_best_kept(tiny_translator):
    nbest = _nbest(tiny_translator)
    steered = tiny_translator.with_options(glossary=parse_glossary("حلب\tAleppo\tthe city\n"))
    [segment] = steered.translate(SENTENCE).segments
    assert segment.target == nbest[0]
    [flag] = segment.flags
    assert flag.kind == "term"
    assert "«حلب»" in flag.message and '"Aleppo"' in flag.message
    at = SENTENCE.index("حلب")
    assert flag.detail == {"arabic": "حلب", "english": "Aleppo", "note": "the city", "span": [at, at + 3],
                           "surface": "حلب", "hypotheses": WIDE_HYPOTHESES}


def test_choose_needs_every_term_and_keeps_the_order():
    two = parse_glossary("حلب\tAleppo\nإدلب\tIdlib\n")
    matches = two.find("بين حلب وإدلب")
    nbest = ("Aleppo only", "Idlib only", "idlib and ALEPPO", "Aleppo, Idlib")
    got = choose(nbest, matches, keep=2)
    assert got.nbest == ("idlib and ALEPPO", "Aleppo only") and got.flags == ()
    missing = choose(("Aleppo only", "none"), matches, keep=1)
    assert missing.nbest == ("Aleppo only",)
    assert [f.detail["english"] for f in missing.flags] == ["Idlib"]


def test_term_flag_in_jsonl_and_brief(tmp_path, tiny_marian_dir, capsys):
    from mt.cli import main

    glossary = tmp_path / "g.tsv"
    glossary.write_text("حلب\tAleppo\n", encoding="utf-8")
    src = tmp_path / "r.txt"
    src.write_text(SENTENCE, encoding="utf-8")
    common = ["--model", str(tiny_marian_dir), "--glossary", str(glossary), "--no-memory"]
    assert main(["translate", str(src), "--format", "jsonl", *common]) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["origin"] == "model"
    assert [(f["kind"], f["detail"]["arabic"], f["detail"]["english"]) for f in record["flags"]] == [
        ("term", "حلب", "Aleppo")]
    assert main(["brief", str(src), "--format", "json", "--ranker", "tfidf", *common]) == 0
    brief = json.loads(capsys.readouterr().out)
    points = [brief["headline"], *brief["points"]]
    assert "term" in [f["kind"] for p in points if p for f in p["qe"]["flags"]]


@pytest.mark.parametrize("command", ["translate", "brief", "serve"])
def test_cli_bad_glossary_row_exits_2_naming_the_line(command, tmp_path, tiny_marian_dir, capsys):
    from mt.cli import main

    glossary = tmp_path / "g.tsv"
    glossary.write_text("حلب\tAleppo\nإدلب Idlib\n", encoding="utf-8")
    src = tmp_path / "r.txt"
    src.write_text(SENTENCE, encoding="utf-8")
    args = [] if command == "serve" else [str(src)]
    code = main([command, *args, "--model", str(tiny_marian_dir), "--glossary", str(glossary)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"mtbrief: error: {glossary}: line 2: expected Arabic<TAB>English[<TAB>note], found 1 column\n"
