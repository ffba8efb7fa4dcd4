"""The ranker: grouping of pieces, similarity, LexRank centrality, MMR selection, both rankers."""

from __future__ import annotations

import numpy as np
import pytest

from mt.errors import InvalidOption
from mt.types import Segment, Signature, Translation
from summarize.brief.make import make_brief
from summarize.lang.vectors import tfidf_similarity
from summarize.rank import (
    RankOptions,
    centrality,
    group_units,
    lead_prior,
    paragraph_starts,
    resolve_ranker,
    scores,
    select,
)

RANKERS = ["tfidf", "use"]  # the encoder is a required dependency: never skipped
SIGNATURE = Signature("m", None, "ct2", "int8", 4)

# The first sentence is what the others keep repeating in other words.
LEAD = "قصفت الطائرات الروسية أحياء مدينة حلب أمس وقتلت عشرات المدنيين."
REPORT = [
    LEAD,
    "وقال ناشطون إن الطائرات الروسية قصفت أحياء في حلب وقتلت مدنيين.",
    "وأكد مسعفون أن قصف الطائرات الروسية علي أحياء حلب أوقع قتلى مدنيين.",
    "وتحدث سكان عن قصف جوي روسي عنيف علي أحياء حلب أمس.",
    "من ناحية أخرى افتتح معرض الكتاب في القاهرة بمشاركة واسعة من دور النشر.",
]


def _translation(sources: list[str], paragraphs: list[int] | None = None) -> Translation:
    paragraphs = paragraphs or [0] * len(sources)
    segments = tuple(Segment(s, f"EN{i}", p, (0, len(s))) for i, (s, p) in enumerate(zip(sources, paragraphs,
                                                                                            strict=True)))
    return Translation("\n".join(sources), segments, SIGNATURE)


@pytest.mark.parametrize("ranker", RANKERS)
def test_the_lead_wins_when_the_others_repeat_it(ranker: str) -> None:
    brief = make_brief(_translation(REPORT), max_sentences=2, ranker=ranker)
    assert brief.ranker == ranker
    assert brief.headline is not None and brief.headline.arabic == LEAD
    assert LEAD not in [p.arabic for p in brief.points]  # the headline shows it: a point never repeats it


@pytest.mark.parametrize("ranker", RANKERS)
@pytest.mark.parametrize("copy", [
    LEAD,  # the same text
    "قصفت الطائرات الروسية أحياء مدينة حلب أمس، وقتلت عشرات المدنيين!",  # other punctuation
    "قصفت الطائرات الروسية أحياء مدينة حلب أمس وقتلت عشرات من المدنيين.",  # one more (stop) word
])
def test_a_duplicate_is_never_chosen_twice(ranker: str, copy: str) -> None:
    brief = make_brief(_translation([LEAD, copy, REPORT[4]]), max_sentences=3, ranker=ranker)
    assert brief.headline is not None and brief.headline.segments == (0,)
    assert [p.segments for p in brief.points] == [(2,)]  # neither the headline nor its copy again


def test_centrality_of_a_star_is_highest_at_its_centre() -> None:
    sim = np.eye(4)
    sim[0, 1:] = sim[1:, 0] = 0.8
    central = centrality(sim)
    assert central[0] == 1.0 and central[1] == pytest.approx(central[2]) and central[1] < 0.7


@pytest.mark.parametrize("n", [0, 1, 3])
def test_centrality_of_a_uniform_graph_is_flat(n: int) -> None:
    assert centrality(np.full((n, n), 0.5)).tolist() == pytest.approx([1.0] * n)


def test_lead_prior_decays() -> None:
    assert lead_prior(3).tolist() == pytest.approx([1.0, 1 / np.sqrt(2), 1 / np.sqrt(3)])


def test_scores_mix_the_lead_prior_paragraph_starts_centrality_and_lede() -> None:
    sim = np.eye(3)  # no edges: centrality is flat (1 each)
    options = RankOptions(lead_weight=0.7, paragraph_weight=0.1, figure_weight=0.1, first_weight=0.2,
                          lead_decay=1.0)
    bonus = np.array([0.0, 0.0, 1.0])
    starts = np.array([1.0, 0.0, 1.0])
    # 0.1 * centrality + 0.7 / (1 + i) + 0.1 * start + 0.1 * bonus, and the first one gets 0.2 more
    assert scores(sim, bonus, options, starts).tolist() == pytest.approx([1.1, 0.45, 0.1 + 0.7 / 3 + 0.2])
    assert scores(sim, bonus, options).tolist() == pytest.approx([1.0, 0.45, 0.1 + 0.7 / 3 + 0.1])
    assert scores(np.zeros((0, 0)), np.zeros(0), options, np.zeros(0)).tolist() == []


def test_paragraph_starts_mark_each_paragraphs_first_unit() -> None:
    segments = _translation(["أ ب ج د.", "ه و ز ح.", "ط ي ك ل.", "م ن س ع."], [0, 0, 1, 1]).segments
    units = group_units(segments, set(), min_words=0, max_segments=1)
    assert paragraph_starts(units).tolist() == [1.0, 0.0, 1.0, 0.0]
    assert paragraph_starts([]).tolist() == []


def test_invalid_centrality_names_the_choices() -> None:
    with pytest.raises(InvalidOption, match="invalid centrality_on 'bm25': choose one of tfidf, ranker"):
        RankOptions(centrality_on="bm25")


def test_select_is_mmr_and_respects_the_budget() -> None:
    score = np.array([1.0, 0.95, 0.7, 0.4])
    sim = np.array([[1, 0.8, 0.1, 0.1], [0.8, 1, 0.1, 0.1], [0.1, 0.1, 1, 0.1], [0.1, 0.1, 0.1, 1]])
    options = RankOptions(mmr_lambda=0.7)  # the default (1.0) has no novelty term
    # 0.7 * 0.95 - 0.3 * 0.8 (like 0) < 0.7 * 0.7 - 0.3 * 0.1: the novel 2 comes before the better 1
    assert select(score, sim, ["a", "b", "c", "d"], 2, options) == [0, 2]
    assert select(score, sim, ["a", "b", "c", "d"], 4, options) == [0, 2, 1, 3]
    assert select(score, sim, ["a", "", "c", "d"], 4, options, fits=lambda i: i != 2) == [0, 3]
    assert select(score, sim, ["a", "a", "c", "d"], 4, options) == [0, 2, 3]  # same key: a duplicate


def test_group_units_glues_pieces_and_drops_connectors() -> None:
    sources = ["تجدد القصف الروسي علي حلب أمس.", "علي صعيد متصل.", "استهدفت إحدي الغارات مستشفي الصاخور.",
               "مما أدي إلي مقتل سبعة أشخاص.", "بينهم اثنان من أفراد الطاقم.", "قتل خمسة.",
               "بدأ مجلس الأمن مفاوضات."]
    segments = _translation(sources, [0, 0, 0, 0, 0, 0, 1]).segments
    units = group_units(segments, figure_segments={3, 4, 5})
    assert [u.segments for u in units] == [(0,), (2, 3, 4, 5), (6,)]
    assert units[1].arabic == " ".join(sources[2:6])
    assert units[1].english == "EN2 EN3 EN4 EN5"
    assert [u.paragraph for u in units] == [0, 0, 1]
    assert [u.segments for u in group_units(segments, set(), max_segments=2)] == [(0,), (2, 3), (4,), (6,)]


def test_tfidf_similarity_folds_arabic_spelling() -> None:
    sim = tfidf_similarity(["ذهب إلى المستشفى", "ذهب الي المستشفي", "افتتح معرض الكتاب"])
    assert sim[0, 1] == pytest.approx(1.0) and sim[0, 2] == 0.0
    assert np.diag(sim).tolist() == [1.0, 1.0, 1.0]
    assert tfidf_similarity([]).shape == (0, 0)


def test_invalid_ranker_names_the_choices() -> None:
    with pytest.raises(InvalidOption, match="invalid ranker 'bm25': choose one of auto, use, tfidf"):
        resolve_ranker("bm25")


def test_auto_ranker_is_the_encoder_when_installed() -> None:
    assert resolve_ranker("auto") == "use"


def _huge(n: int) -> list[str]:
    places = ["حلب", "دمشق", "حمص", "إدلب", "درعا", "الرقة", "دير الزور", "اللاذقية"]
    return [f"قصفت الطائرات حي رقم {i} في مدينة {places[i % 8]} وقتلت {i % 50 + 2} أشخاص وأصابت آخرين."
            for i in range(n)]


@pytest.mark.parametrize("ranker", RANKERS)
def test_huge_input_gives_five_distinct_points(ranker: str) -> None:
    sources = _huge(2000)
    if ranker == "use":
        sources = sources[:200] * 10  # 2,000 segments, 200 texts to encode: the graph is full size
    brief = make_brief(_translation(sources), max_sentences=5, ranker=ranker)
    assert len(brief.points) == 5 and brief.source_segments == 2000
    assert len({p.arabic for p in brief.points}) == 5
