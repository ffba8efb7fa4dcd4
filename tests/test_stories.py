"""Stories of a report: transition phrases, segmentation of the seed roundup, the brief that covers every story,
translating only what the brief shows, and odd inputs."""

from __future__ import annotations

import json

import pytest

from mt.arabic import prepare_document
from mt.errors import InvalidOption
from mt.types import Segment, Signature, Translation
from summarize import Brief, BriefStory, brief_text, make_brief, render
from summarize.brief.plan import plan_brief
from summarize.brief.stories import StoryOptions, is_only_transition, transition_of

SIGNATURE = Signature("m", None, "ct2", "int8", 4)
# The first words of each of the seed's four stories (issue 19): Aleppo, Damascus countryside, the Security
# Council draft, the Russian-US exchange.
SEED_DEATH_TOLL = "كان 24 شخصا قد قتلوا"
SEED_STORIES = ("تجدد قصف الطيران", "أعلنت عدة فصائل", "بدأ مجلس الأمن", "قالت وزارة الخارجية الروسية")


def _arabic(text: str) -> list[Segment]:
    return [Segment(p.source.text, "", p.source.paragraph, p.source.span) for p in prepare_document(text)]


def _translation(text: str) -> Translation:
    """The text as a Translation whose English is a tag of its Arabic (no model: the brief ranks the Arabic)."""
    return Translation(text, tuple(Segment(s.source, f"EN{i}", s.paragraph, s.span)
                                   for i, s in enumerate(_arabic(text))), SIGNATURE)


def _seed_story_of(segments: list[Segment]) -> list[int]:
    """Each seed segment's story (0-3), by the first sentence of each story."""
    starts = [next(i for i, s in enumerate(segments) if s.source.startswith(words)) for words in SEED_STORIES]
    starts[1:] = [s - 1 for s in starts[1:]]  # the transition sentence before a story belongs to it
    return [sum(i >= s for s in starts) - 1 for i in range(len(segments))]


@pytest.mark.parametrize(("sentence", "phrase"), [
    ("من ناحية أخرى.", "من ناحية أخرى"),
    ("من ناحية أخري.", "من ناحية أخرى"),  # final ya for alef maqsura, as the seed writes it
    ("ومن ناحية أخرى، أعلن الجيش عن هجوم جديد.", "من ناحية أخرى"),
    ("علي صعيد أخر.", "على صعيد آخر"),
    ("وفي شأن آخر قالت الوزارة إن الاجتماع تأجل.", "في شأن آخر"),
    ("في سياق منفصل، ارتفعت أسعار النفط.", "في سياق منفصل"),
    ("من جانبها. قالت وزارة الخارجية", "من جانبها"),
    ("علي صعيد متصل.", ""),  # "on a related note": the same story goes on
    ("قال الوزير من ناحية أخرى إن", ""),  # only a sentence that opens with the phrase turns
    ("", ""),
])
def test_transition_phrases(sentence: str, phrase: str) -> None:
    assert transition_of(sentence) == phrase


@pytest.mark.parametrize(("sentence", "alone"), [
    ("من ناحية أخرى.", True), ("وعلى صعيد آخر", True), ("من ناحية أخرى، أعلن الجيش عن هجوم.", False),
    ("قتل خمسة.", False)])
def test_only_a_transition(sentence: str, alone: bool) -> None:
    assert is_only_transition(sentence) is alone


@pytest.mark.parametrize("ranker", ["tfidf", "use"])
def test_seed_is_four_stories_and_its_brief_covers_them(seed_text: str, ranker: str) -> None:
    brief = make_brief(_translation(seed_text), ranker=ranker)
    story = _seed_story_of(_arabic(seed_text))
    starts = [s.span[0] for s in brief.stories]
    assert [story[i] for i in starts] == [0, 1, 2, 3] and starts[1:] == [
        story.index(k) for k in (1, 2, 3)]
    assert brief.headline is not None and brief.headline.arabic.startswith(SEED_STORIES[0])
    assert {story[p.segments[0]] for p in brief.points} == {0, 1, 2, 3}
    # Story 1's title is the headline, so its point is its death toll (issue 27); the others open their story.
    for k, part in enumerate(brief.stories):
        assert part.title is not None and brief.points[part.title].arabic.startswith(
            SEED_DEATH_TOLL if k == 0 else SEED_STORIES[k])
        assert all(part.span[0] <= brief.points[p].segments[0] < part.span[1] for p in part.points)
        assert all(part.span[0] <= brief.figures[f].segment < part.span[1] for f in part.figures)
    assert not any(is_only_transition(p.arabic) for p in brief.points)


@pytest.mark.parametrize("ranker", ["tfidf", "use"])
def test_seed_brief_never_repeats_its_headline_and_gives_the_death_toll(seed_text: str, ranker: str) -> None:
    brief = make_brief(_translation(seed_text), 5, ranker=ranker)
    assert brief.headline is not None and brief.headline.arabic == (
        "تجدد قصف الطيران الروسي والسوري علي عدة أحياء في مدينة حلب أمس.")
    openings = [SEED_DEATH_TOLL, "استهدفت إحدي هذه الغارات مستشفي الصاخور", *SEED_STORIES[1:]]
    assert len(brief.points) == 5
    assert [p.arabic.startswith(opening) for p, opening in zip(brief.points, openings, strict=True)] == [True] * 5


def test_a_one_sentence_report_shows_its_sentence_as_headline_and_point() -> None:
    text = "قال مسؤولون إن الحكومة وافقت على الخطة الجديدة للنقل العام في العاصمة."
    brief = make_brief(_translation(text), ranker="tfidf")
    assert brief.headline is not None and [p.arabic for p in brief.points] == [text]


def test_the_brief_before_stories_covers_only_the_first(seed_text: str) -> None:
    brief = make_brief(_translation(seed_text), ranker="tfidf", stories=None)
    story = _seed_story_of(_arabic(seed_text))
    assert {story[p.segments[0]] for p in brief.points} == {0} and len(brief.stories) == 1


def test_more_stories_than_points_goes_to_the_first_then_the_longest(seed_text: str) -> None:
    brief = make_brief(_translation(seed_text), 2, ranker="tfidf")
    story = _seed_story_of(_arabic(seed_text))
    lengths = [s.span[1] - s.span[0] for s in brief.stories]
    longest_other = max(range(1, 4), key=lambda k: (lengths[k], -k))
    assert sorted(story[p.segments[0]] for p in brief.points) == [0, longest_other]
    assert [s.title is None for s in brief.stories].count(True) == 2


def test_order_document_keeps_reading_order_and_json_round_trips(seed_text: str) -> None:
    brief = make_brief(_translation(seed_text), 7, ranker="tfidf")
    assert [p.segments for p in brief.points] == sorted(p.segments for p in brief.points)
    data = json.loads(json.dumps(brief.to_dict()))
    assert data["version"] == 2 and [s["span"] for s in data["stories"]] == [list(s.span) for s in brief.stories]
    assert Brief.from_dict(data) == brief


def test_a_single_story_stays_one() -> None:
    text = ("قصفت الطائرات الروسية أحياء مدينة حلب أمس وقتلت عشرات المدنيين. وقال ناشطون إن الطائرات قصفت "
            "أحياء في حلب وقتلت 24 مدنيا. وتحدث سكان عن قصف جوي روسي عنيف علي أحياء حلب أمس.")
    assert len(make_brief(_translation(text), ranker="tfidf").stories) == 1


def test_markdown_and_html_show_the_stories(seed_text: str) -> None:
    brief = make_brief(_translation(seed_text), ranker="tfidf")
    md, page = render(brief, "md"), render(brief, "html", standalone=False)
    for k, story in enumerate(brief.stories, 1):
        heading = f"Story {k} · sentences {story.span[0] + 1}–{story.span[1]}"
        assert f"### {heading}\n" in md and f"<h3>{heading}</h3>" in page
    assert md.count("\n1. ") == 1 and "| Story | Kind | Value | Arabic | English |" in md
    assert page.count('<section class="story">') == 4 and "<th>Story</th>" in page


def test_a_story_without_a_point_says_so() -> None:
    brief = Brief(None, (), (), "tfidf", SIGNATURE, stories=(BriefStory((0, 2), None), BriefStory((2, 3), None)))
    assert "### Story 2 · sentence 3\n" not in render(brief, "md")  # no points: no key points section
    assert Brief.from_dict(json.loads(json.dumps(brief.to_dict()))) == brief


# -- odd inputs --------------------------------------------------------------------------------------------

ONLY_TRANSITIONS = "من ناحية أخرى. على صعيد آخر. في سياق منفصل. وفي شأن آخر."


@pytest.mark.parametrize(("text", "stories", "points"), [
    ("تجدد قصف الطيران الروسي علي عدة أحياء في مدينة حلب أمس.", 1, 1),
    ("قتل خمسة.", 1, 1),
    (ONLY_TRANSITIONS, 0, 0),  # nothing but turns: no point, no story: the usual empty brief
    ("من ناحية أخرى. تجدد قصف الطيران الروسي علي عدة أحياء في مدينة حلب أمس.", 1, 1),
])
def test_odd_reports(text: str, stories: int, points: int) -> None:
    brief = make_brief(_translation(text), ranker="tfidf")
    assert (len(brief.stories), len(brief.points)) == (stories, points)
    assert (brief.headline is None) == (points == 0)
    assert Brief.from_dict(json.loads(json.dumps(brief.to_dict()))) == brief


def test_a_thousand_sentences(seed_text: str) -> None:
    segments = _arabic(seed_text) * 35  # 1,015 sentences; the same four stories again and again
    plan = plan_brief(segments, 5, "tfidf")
    spans = [s.span for s in plan.stories]
    assert spans[0][0] == 0 and spans[-1][1] == len(segments)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))  # contiguous, every segment
    assert len(plan.chosen) == 5 and len({plan.story_of(u) for u in plan.chosen}) == 5


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"window": 0}, r"invalid window 0: choose one of an integer >= 1"),
    ({"min_units": 0}, r"invalid min_units 0: choose one of an integer >= 1"),
])
def test_bad_story_options(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidOption, match=f"^{message}$"):
        StoryOptions(**kwargs)


# -- translate only what the brief shows -------------------------------------------------------------------

def test_brief_text_translates_at_most_twelve_of_the_seeds_sentences(seed_text: str, tiny_translator,
                                                                      monkeypatch) -> None:
    translator = tiny_translator.with_options(beam_size=2)  # its own cache: nothing answered from memory
    sent: set[tuple[str, ...]] = set()  # distinct: a sentence past its own output bound is decoded again alone
    generate = translator.engine.generate

    def counting(tokens, options):
        sent.update(tuple(t) for t in tokens)
        return generate(tokens, options)

    monkeypatch.setattr(translator.engine, "generate", counting)
    brief = brief_text(translator, seed_text, ranker="tfidf")
    segments = translator.prepare(seed_text)
    assert len(segments) == 29 and len(sent) <= 12 and brief.translated_segments == len(sent)
    assert brief.source_segments == 29
    shown = {i for p in (brief.headline, *brief.points) for i in p.segments} | {f.segment for f in brief.figures}
    assert len(shown) == len(sent)
    story = _seed_story_of(_arabic(seed_text))
    assert {story[p.segments[0]] for p in brief.points} == {0, 1, 2, 3}
    assert all(p.english for p in brief.points) and all(f.english for f in brief.figures)
    again = dict(zip(sorted(shown), translator.translate_prepared(
        seed_text, [segments[i] for i in sorted(shown)]).segments, strict=True))
    for point in (brief.headline, *brief.points):
        assert point.english == " ".join(again[i].target.strip() for i in point.segments if again[i].target.strip())


@pytest.mark.parametrize(("max_words", "order"), [(None, "score"), (25, "document"), (1, "document")])
def test_brief_text_keeps_the_word_budget_and_order(seed_text: str, tiny_translator, max_words, order) -> None:
    brief = brief_text(tiny_translator, seed_text, 5, max_words, order, ranker="tfidf", check=False)
    words = sum(len(p.english.split()) for p in brief.points)
    assert max_words is None or words <= max_words
    if order == "score":
        assert [p.score for p in brief.points] == sorted((p.score for p in brief.points), reverse=True)
    else:
        assert [p.segments for p in brief.points] == sorted(p.segments for p in brief.points)
    titles = [s.title for s in brief.stories if s.title is not None]
    assert all(0 <= t < len(brief.points) for t in titles) and len(set(titles)) == len(titles)
    assert all(p.qe.flags == () and p.qe.similarity is None for p in brief.points)  # check=False: no check ran


def test_a_version_1_brief_still_reads(seed_text: str) -> None:
    data = make_brief(_translation(seed_text), ranker="tfidf", stories=None).to_dict()
    old = {k: v for k, v in data.items() if k not in ("stories", "translated_segments")} | {"version": 1}
    brief = Brief.from_dict(old)
    assert brief.stories == () and brief.translated_segments == brief.source_segments == 29
    assert brief.points == Brief.from_dict(data).points


@pytest.mark.parametrize("max_words", [1, 60, 200])
def test_a_word_budget_means_the_same_in_make_brief_and_brief_text(seed_text: str, tiny_translator,
                                                                   max_words: int) -> None:
    """`mtbrief brief --words` (brief_text) and a brief of a whole translation (make_brief) keep the same points."""
    planned = brief_text(tiny_translator, seed_text, 5, max_words, ranker="tfidf", check=False)
    whole = make_brief(tiny_translator.translate(seed_text), 5, max_words, ranker="tfidf")
    assert [p.arabic for p in planned.points] == [p.arabic for p in whole.points]
    assert sum(len(p.english.split()) for p in whole.points) <= max_words
