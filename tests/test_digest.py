"""The digest: reading reports, grouping them into stories, conflicts, what gets translated, the three renderings."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from eval.shared_data import ANT_ARTICLES
from mt.errors import InputError, InvalidOption
from mt.translator import Translator
from mt.types import Flag
from summarize.digest.conflicts import Conflict, find_conflicts
from summarize.digest.grouping import GroupOptions, group_reports, nearest
from summarize.digest.make import DigestOptions, Line, make_digest
from summarize.digest.reports import MAX_REPORT_CHARS, Report, collect, jsonl_reports, make_report, read_reports
from summarize.lang.figures import Figure
from summarize.quality.qe import QE
from summarize.views import render

BOMB = ("انفجار سيارة مفخخة في سوق الموصل", "مقتل {n} شخصا في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة الموصل "
        "شمالي العراق صباح الخميس. وقالت الشرطة إن الانفجار وقع قرب مسجد في حي الزهور وأدى إلى دمار كبير. "
        "وأعلن تنظيم الدولة مسؤوليته عن الهجوم.")
FLOOD = ("فيضانات في إندونيسيا", "غمرت مياه الأمطار آلاف المنازل في جزيرة جاوة الإندونيسية بعد عاصفة استمرت ثلاثة "
         "أيام. وأجلت السلطات سكان القرى الساحلية إلى مراكز إيواء مؤقتة.")


class CountingEngine:
    """Wraps an engine and counts the distinct sentences it decodes (one past its own output bound is decoded again
    alone: not a new sentence)."""

    def __init__(self, engine):
        self.inner, self.seen = engine, set()
        self.name, self.device = engine.name, engine.device
        self.compute_type, self.max_positions = engine.compute_type, engine.max_positions

    @property
    def sentences(self) -> int:
        """Distinct sentences decoded so far."""
        return len(self.seen)

    def generate(self, sources, options):
        self.seen.update(tuple(s) for s in sources)
        return self.inner.generate(sources, options)


def bomb_reports() -> list[Report]:
    """Two outlets' reports of one bombing with different death tolls, and an unrelated flood report."""
    return [make_report({"id": "a1", "title": BOMB[0], "text": BOMB[1].format(n=24), "source": "alpha",
                         "time": "2018-03-01T08:00:00Z"}, "x"),
            make_report({"id": "b1", "title": BOMB[0] + " وسقوط ضحايا", "text": BOMB[1].format(n=31),
                         "source": "beta", "time": "2018-03-01T10:00:00+00:00"}, "x"),
            make_report({"id": "c1", "title": FLOOD[0], "text": FLOOD[1], "source": "gamma"}, "x")]


def test_two_tolls_of_one_bombing_are_a_conflict_with_both_values_and_their_sources(tiny_translator):
    digest = make_digest(bomb_reports(), tiny_translator)
    assert [s.reports for s in digest.stories] == [("a1", "b1"), ("c1",)]
    story = digest.stories[0]
    assert story.sources == ("alpha", "beta")
    assert [(c.kind, [(v.value, v.reports, v.sources) for v in c.values]) for c in story.conflicts] == [
        ("killed", [(24, ("a1",), ("alpha",)), (31, ("b1",), ("beta",))])]
    assert all(v.english for v in story.conflicts[0].values)  # the conflicting sentences were translated
    assert (story.first, story.last) == ("2018-03-01T08:00:00+00:00", "2018-03-01T10:00:00+00:00")
    data = json.loads(render(digest, "json"))
    assert data["stories"][0]["conflicts"] == [
        {"kind": "killed", "values": [
            {"value": 24, "reports": ["a1"], "sources": ["alpha"], "arabic": story.conflicts[0].values[0].arabic,
             "english": story.conflicts[0].values[0].english, "qe": story.conflicts[0].values[0].qe.to_dict()},
            {"value": 31, "reports": ["b1"], "sources": ["beta"], "arabic": story.conflicts[0].values[1].arabic,
             "english": story.conflicts[0].values[1].english, "qe": story.conflicts[0].values[1].qe.to_dict()}]}]
    assert data["reports"] == 3 and data["signature"]["model"] == tiny_translator.signature.model


def test_one_toll_in_every_report_is_no_conflict():
    figure = Figure(24, "killed", "قتل 24", "")
    assert find_conflicts([("a", "s", figure), ("b", "t", figure)]) == []


def test_a_repeated_article_is_a_duplicate_in_its_story_not_extra_coverage(tiny_translator):
    reports = bomb_reports()
    again = Report("a2", reports[0].text, reports[0].title, "alpha")
    digest = make_digest([*reports, again], tiny_translator)
    story = digest.stories[0]
    assert set(story.reports) == {"a1", "a2", "b1"} and story.duplicates == {"a2": "a1"}


def test_renderings_escape_and_mark_arabic_right_to_left(tiny_translator):
    reports = [*bomb_reports(), make_report({"id": "<x>", "title": "عنوان <script>", "text": "نص عربي <b> قصير هنا."},
                                            "x")]
    digest = make_digest(reports, tiny_translator)
    page = render(digest, "html")
    assert page.startswith("<!DOCTYPE html>") and 'dir="rtl" lang="ar"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page and 'class="conflict"' in page
    markdown = render(digest, "md")
    assert markdown.startswith("# Digest") and "\\<script\\>" in markdown and "Conflict — killed: 24; 31" in markdown


def test_time_window_splits_a_story_told_a_week_apart():
    reports = bomb_reports()[:2]
    late = Report("b1", reports[1].text, reports[1].title, "beta", reports[0].time.replace(day=9))
    options = GroupOptions(encoder="tfidf")
    assert group_reports([reports[0], late], options).stories == ((0,), (1,))
    unbounded = GroupOptions(encoder="tfidf", window_hours=None)
    assert group_reports([reports[0], late], unbounded).stories == ((0, 1),)


def test_nearest_neighbours_inside_a_time_window_equal_all_pairs_inside_it():
    import numpy as np

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    times = rng.uniform(0, 100, size=60)
    times[::7] = np.nan  # reports without a time may pair with any
    idx, _ = nearest(vectors, 3, block=8, times=times, window=20.0)
    full = vectors @ vectors.T
    near = np.abs(times[:, None] - times[None, :]) <= 20.0
    allowed = near | np.isnan(times)[:, None] | np.isnan(times)[None, :]
    full[~allowed] = -np.inf
    np.fill_diagonal(full, -np.inf)
    expected = [set(j for j in np.argsort(-row)[:3] if row[j] > -np.inf) for row in full]
    assert [set(int(j) for j in row if j >= 0) for row in idx] == expected


def test_nearest_neighbours_in_blocks_equal_all_pairs():
    import numpy as np

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    idx, _ = nearest(vectors, 3, block=7)
    full = vectors @ vectors.T
    np.fill_diagonal(full, -np.inf)
    assert [set(row) for row in idx] == [set(np.argsort(-row)[:3]) for row in full]


BAD_LINES = [
    ('[1, 2]', "not a JSON object but list"),
    ('{"text": ""}', "empty report"),
    ('{"text": "no arabic here"}', "no Arabic text"),
    ('{"title": "x"}', "no field 'text'"),
    ('{"text": 7}', "field 'text' is int"),
    ('{"text": "قتل", "time": "yesterday"}', "not ISO 8601"),
    ('{"text": "قتل", "source": {"a": 1}}', "field 'source' is dict"),
    ("{nope", "not JSON"),
    (json.dumps({"text": "ق" * (MAX_REPORT_CHARS + 1)}), "200,001 characters, more than the 200,000"),
]


@pytest.mark.parametrize(("line", "problem"), BAD_LINES)
def test_a_bad_jsonl_line_is_a_failure_named_by_file_and_line_and_loses_nothing(line, problem):
    text = "\n".join(['{"text": "قتل 24 شخصا.", "id": "ok1"}', line, '{"text": "نص آخر."}'])
    reports, failures = collect(jsonl_reports(text, "day.jsonl"))
    assert [r.id for r in reports] == ["ok1", "day.jsonl:3"]
    assert len(failures) == 1 and failures[0].id == "day.jsonl:2" and problem in failures[0].problem


@pytest.mark.parametrize(("given", "expected"), [
    (["a", "b"], ["a", "b"]),
    (["a", "a", "a"], ["a", "a#2", "a#3"]),
    (["a", "a#2", "a"], ["a", "a#2", "a#3"]),  # a renamed id never takes one a report already has
    (["a#2", "a", "a"], ["a#2", "a", "a#3"]),
    (["a", "a#2", "a", "a#2"], ["a", "a#2", "a#3", "a#2#2"]),
])
def test_repeated_ids_are_made_unique(given, expected):
    reports, _ = collect([make_report({"text": "خبر عربي."}, name) for name in given])
    assert [r.id for r in reports] == expected


def test_a_folder_reads_every_format_and_names_unreadable_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "one.txt").write_text("قتل 24 شخصا في القصف.", encoding="utf-8")
    (tmp_path / "day.jsonl").write_text('{"id": "j1", "text": "خبر عربي."}\n', encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01")
    reports, failures = read_reports([str(tmp_path)])
    assert sorted(r.id for r in reports) == ["j1", "sub/one.txt"]
    assert sorted((f.id, f.problem.split(" (")[0]) for f in failures) == [
        ("bin.txt", "binary file"), ("empty.txt", "empty report"),
        ("gone.txt", "cannot read: No such file or directory")]


@pytest.mark.parametrize(("inputs", "limit", "message"), [
    ([], 10, "no input given"), (["/nonexistent/x.jsonl"], 10, "no such file or folder"),
    (["MANY"], 2, "more than 2 reports")])
def test_whole_input_errors_raise_one_input_error(tmp_path, inputs, limit, message):
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"text": f"خبر {i}."}) + "\n" for i in range(3)), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_reports([str(many) if i == "MANY" else i for i in inputs], limit)


@pytest.mark.parametrize(("options", "name"), [({"threshold": 1.5}, "threshold"), ({"encoder": "bert"}, "encoder"),
                                               ({"neighbours": 0}, "neighbours"),
                                               ({"window_hours": float("nan")}, "window_hours nan"),
                                               ({"window_hours": float("inf")}, "window_hours inf"),
                                               ({"window_hours": 0}, "window_hours 0"),
                                               ({"window_hours": -2.0}, "window_hours -2")])
def test_bad_grouping_options_name_the_choices(options, name):
    with pytest.raises(InvalidOption, match=name):
        GroupOptions(**options)


def test_no_reports_make_an_empty_digest(tiny_translator):
    digest = make_digest([], tiny_translator, DigestOptions())
    assert digest.stories == () and digest.translated == 0 and render(digest, "md").startswith("# Digest")


@pytest.mark.parametrize("odd", ["في 1.3.2018 قتل 24 شخصا في القصف.", "تنص المواد 3,4,5 من القانون على ذلك."])
def test_numbers_joined_by_dots_or_commas_are_digested(tiny_translator, odd):
    reports = [make_report({"text": odd, "title": "خبر"}, "odd"), make_report({"text": "خبر آخر عن شيء آخر."}, "b")]
    digest = make_digest(reports, tiny_translator, DigestOptions(check=False))
    assert sorted(r for s in digest.stories for r in s.reports) == ["b", "odd"]


@pytest.mark.slow
@pytest.mark.skipif(not ANT_ARTICLES.is_file(), reason="needs ../shared/data/ant-dev (the shared ANT dev data)")
def test_a_day_of_ant_translates_at_most_15_percent_of_its_sentences(tiny_translator):
    rows = [json.loads(line) for line in ANT_ARTICLES.read_text(encoding="utf-8").splitlines()]
    day = [make_report({k: r[k] for k in ("id", "text", "title", "source", "time")}, r["id"])
           for r in rows if r["date"] == "20180301"]
    counting = CountingEngine(tiny_translator.engine)
    fresh = Translator(counting, tiny_translator.codec, tiny_translator.model, tiny_translator.decode)
    digest = make_digest(day, fresh)
    assert len(day) == 168 and digest.sentences > 1500
    assert 0 < counting.sentences <= 0.15 * digest.sentences
    assert counting.sentences <= digest.translated  # what the engine decoded is what the digest counts (or less)
    multi = [s for s in digest.stories if len(s.reports) - len(s.duplicates) > 1]
    assert multi and all(s.points for s in multi) and all(s.headline.english for s in digest.stories)
    assert all(len({p.arabic for p in s.points}) == len(s.points) for s in digest.stories)


# A third outlet's report of the bombing, worded its own way (b1 repeats a1, so the story's points come from a1, d1).
SOURCES_SAID = "قالت مصادر أمنية عراقية إن 31 شخصا لقوا حتفهم في تفجير سيارة مفخخة بسوق شعبي في الموصل صباح الخميس."
WOUNDED = "وأضافت المصادر أن عشرات الجرحى نقلوا إلى مستشفيات المدينة."
THIRD = {"id": "d1", "title": "تفجير دام في الموصل", "text": f"{SOURCES_SAID} {WOUNDED}", "source": "delta",
         "time": "2018-03-01T11:00:00Z"}
# The English of every sentence of these reports; b1 and d1 lose their toll ("Dozens", "dozens" for 31).
ENGLISH = {
    BOMB[0]: "Car bomb explosion in Mosul market",
    BOMB[0] + " وسقوط ضحايا": "Car bomb explosion in Mosul market and casualties",
    BOMB[1].format(n=24).split(". ")[0] + ".": "24 people were killed in a car bomb explosion that targeted a "
                                               "popular market in the city of Mosul in northern Iraq on Thursday "
                                               "morning.",
    BOMB[1].format(n=31).split(". ")[0] + ".": "Dozens of people were killed in a car bomb explosion that targeted a "
                                               "popular market in the city of Mosul in northern Iraq on Thursday "
                                               "morning.",
    "وقالت الشرطة إن الانفجار وقع قرب مسجد في حي الزهور وأدى إلى دمار كبير.": "Police said the explosion occurred "
                                                                             "near a mosque in the Al-Zuhur "
                                                                             "district and caused great damage.",
    "وأعلن تنظيم الدولة مسؤوليته عن الهجوم.": "The Islamic State claimed responsibility for the attack.",
    FLOOD[0]: "Floods in Indonesia",
    THIRD["title"]: "A deadly bombing in Mosul",
    SOURCES_SAID: "Iraqi security sources said dozens of people died in a car bomb attack on a popular market in Mosul "
                  "on Thursday morning.",
    WOUNDED: "The sources added that dozens of wounded were taken to the city's hospitals.",
}
LOST = Flag("number", "check number: 31 (31) in the Arabic is missing from the English",
            {"problem": "missing", "arabic": 31, "arabic_text": "31", "english": None, "english_text": ""})


class TableTranslator:
    """The tiny model's Translations with each segment's English taken from a table (a KeyError for any other)."""

    def __init__(self, inner: Translator, table: dict[str, str]):
        self.inner, self.table, self.signature = inner, table, inner.signature

    def translate_batch(self, texts):
        return [t.with_segments([replace(s, target=self.table[s.source]) for s in t.segments])
                for t in self.inner.translate_batch(texts)]


def number_flags_of(lines) -> dict[str, list[Flag]]:
    """Arabic -> its number flags, for every shown line that has some."""
    return {line.arabic: [f for f in line.qe.flags if f.kind == "number"] for line in lines
            if any(f.kind == "number" for f in line.qe.flags)}


def checked_digest(tiny_translator: Translator, check: bool = True):
    """The digest of the bombing told by three outlets (one repeating another) and a flood, on the ENGLISH table."""
    reports = [*bomb_reports(), make_report(THIRD, "x")]
    return make_digest(reports, TableTranslator(tiny_translator, ENGLISH), DigestOptions(check=check))


@pytest.mark.parametrize(("check", "points", "values"), [
    (True, {SOURCES_SAID: [LOST]}, {BOMB[1].format(n=31).split(". ")[0] + ".": [LOST]}), (False, {}, {})])
def test_a_shown_sentence_whose_english_loses_a_number_is_flagged_unless_check_is_off(tiny_translator, check,
                                                                                        points, values):
    digest = checked_digest(tiny_translator, check)
    story = digest.stories[0]
    assert [p.report for p in story.points] == ["a1", "d1"]
    conflicting = [v for c in story.conflicts for v in c.values]
    assert number_flags_of([story.headline, *story.points]) == points  # d1's 31 is lost in its English
    assert number_flags_of(conflicting) == values  # and b1's, the sentence of the conflicting value 31
    lines = [line for s in digest.stories for line in (s.headline, *s.points)] + conflicting
    assert {line.arabic for line in lines if line.qe.flags} == set(points) | set(values)  # the right English passes
    assert all((line.qe.similarity is not None) == check for line in lines)  # every shown sentence was checked
    assert check or all(line.qe == QE() for line in lines)
    markdown, page = render(digest, "md"), render(digest, "html")
    assert (f"   > ⚠ {LOST.message}" in markdown) == check and (f">   ⚠ {LOST.message}" in markdown) == check
    assert page.count(f'<p class="flag" lang="en" data-kind="number">{LOST.message}</p>') == 2 * check


def test_the_json_of_shown_lines_and_conflicts_keeps_their_flags(tiny_translator):
    digest = checked_digest(tiny_translator)
    story = json.loads(render(digest, "json"))["stories"][0]
    lines = [Line.from_dict(d) for d in [story["headline"], *story["points"]]]
    assert lines == [digest.stories[0].headline, *digest.stories[0].points]
    assert [Conflict.from_dict(c) for c in story["conflicts"]] == list(digest.stories[0].conflicts)
    assert any(LOST in line.qe.flags for line in lines)
    old = {"arabic": "ق", "english": "e", "report": "r", "source": "s"}  # a digest written before the check
    assert Line.from_dict(old) == Line("ق", "e", "r", "s", QE())
