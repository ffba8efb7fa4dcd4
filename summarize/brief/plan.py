"""Plan a brief on the Arabic alone: its stories, the units to show, the figures; then only those are translated.

plan_brief ranks and selects without any English; BriefPlan.segments_to_translate names the segments the brief
will show (headline, points, figure sentences); make_brief and brief_text (summarize.brief.make) fill them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mt.types import Segment
from summarize import rank
from summarize.brief.stories import Story, StoryOptions, find_stories
from summarize.lang.figures import NEWS_KINDS, Figure, extract_figures, key_figures
from summarize.lang.text import word_count

if TYPE_CHECKING:
    import numpy as np

# The figures that make a sentence the news of its story: a point shows them before anything else.
HEADLINE_KINDS = ("killed", "injured", "money")


@dataclass(frozen=True)
class BriefPlan:
    """What a brief will show, chosen on the Arabic: units (rank.Unit), their scores, stories and figures."""

    units: tuple[rank.Unit, ...]
    score: tuple[float, ...]
    stories: tuple[Story, ...]
    head: int | None  # the headline's unit: the first story's title
    chosen: tuple[int, ...]  # units shown as points, in selection order (story titles first)
    titles: tuple[int | None, ...]  # per story: its title unit when it got a point
    figures: tuple[Figure, ...]  # grouped by story, casualties first inside one
    ranker: str

    def segments_to_translate(self) -> list[int]:
        """Indices of every segment the brief shows, in document order."""
        shown = {i for u in self.chosen for i in self.units[u].segments}
        if self.head is not None:
            shown.update(self.units[self.head].segments)
        shown.update(f.segment for f in self.figures)
        return sorted(shown)

    def story_of(self, unit: int) -> int:
        """The index of the story that holds a unit."""
        return next(k for k, s in enumerate(self.stories) if s.units[0] <= unit < s.units[1])


def _story_scores(central_sim: np.ndarray, bonus: np.ndarray, starts: np.ndarray, stories: Sequence[Story],
                  options: rank.RankOptions) -> np.ndarray:
    """Each story ranked on its own: its first sentence is its lead (one story: the usual ranking)."""
    import numpy as np

    score = np.zeros(len(bonus))
    for story in stories:
        a, b = story.units
        block = starts[a:b].copy()
        score[a:b] = rank.scores(central_sim[a:b, a:b], bonus[a:b], options, block)
    return score


def story_order(stories: Sequence[Story]) -> list[int]:
    """Stories by importance: the lead story first, then the longer ones (in document order on ties)."""
    rest = sorted(range(1, len(stories)), key=lambda k: (-(stories[k].units[1] - stories[k].units[0]), k))
    return [0, *rest] if stories else []


def select_by_story(score: np.ndarray, sim: np.ndarray, keys: Sequence[str], k: int, stories: Sequence[Story],
                    options: rank.RankOptions, start_bonus: float = 0.0, headline: int | None = None,
                    newsworthy: np.ndarray | None = None) -> tuple[list[int], list[int | None]]:
    """(chosen units, each story's title unit): one point per story first, then more for the longer ones, each
    unit's rank raised by start_bonus x the probability that a story opens there (reports of 2+ stories only).

    headline: a unit shown as the headline, so never a point (nor its duplicates). newsworthy: units that carry
    a death toll, an injury count or money; a story's point is its best such unit when it has one, and extra
    points go to such units first. Duplicates are refused by rank.Selection, the engine rank.select uses too.
    """
    import numpy as np

    news = np.zeros(len(score), dtype=bool) if newsworthy is None else newsworthy

    owner = np.zeros(len(score), dtype=int)
    for s, story in enumerate(stories):
        owner[story.units[0]:story.units[1]] = s
    selection = rank.Selection(sim, keys, options.duplicate_threshold)
    chosen, open_ = selection.chosen, selection.open
    if headline is not None:
        selection.shown_elsewhere(headline)
    titles: list[int | None] = [None] * len(stories)

    for s in story_order(stories):
        while len(chosen) < k and (mask := open_ & (owner == s)).any():
            mask = mask & news if (mask & news).any() else mask
            best = int(np.argmax(np.where(mask, score, -np.inf)))
            if selection.take(best):
                titles[s] = best
                break
    sizes = np.array([max(1, st.units[1] - st.units[0]) for st in stories], dtype=float)
    weight = np.sqrt(sizes / sizes.max())
    # In a roundup (2+ stories found), a unit where a story may begin (a gap just under the bar) is worth more: a
    # missed story. A report found to be one story is ranked as before stories.
    start_bonus = start_bonus if len(stories) > 1 else 0.0
    odds = np.concatenate([np.asarray(st.odds or [0.0] * (st.units[1] - st.units[0])) for st in stories])
    hint = 1.0 + start_bonus * (1.0 / (1.0 + np.exp(-np.clip(odds, -50, 50))))
    while len(chosen) < k and open_.any():
        taken = np.bincount(owner[chosen], minlength=len(stories)) if chosen else np.zeros(len(stories))
        pool = open_ & news if (open_ & news).any() else open_
        gain = np.where(pool, score * hint * weight[owner] / (1.0 + taken[owner]), -np.inf)
        selection.take(int(np.argmax(gain)))
    return chosen, titles


def story_figures(figures: Sequence[Figure], stories: Sequence[Story], shown: set[int],
                  extra_sentences: int, limit: int | None) -> list[Figure]:
    """The key figures grouped by story: those in shown segments, then casualties or money from at most
    `extra_sentences` other sentences; one per kind and value, casualties first inside a story."""
    seen: set[tuple[str, object]] = set()
    extra: set[int] = set()
    accepted: list[Figure] = []
    for figure in figures:
        key = (figure.kind, figure.value)
        if figure.kind == "number" or key in seen:
            continue
        if figure.segment not in shown:  # a duplicate never spends one of the extra sentences
            if figure.kind not in NEWS_KINDS or (figure.segment not in extra and len(extra) >= extra_sentences):
                continue
            extra.add(figure.segment)
        seen.add(key)
        accepted.append(figure)

    def story_of(figure: Figure) -> int:
        return next(s for s, st in enumerate(stories) if st.span[0] <= figure.segment < st.span[1])

    # key_figures orders by kind (casualties first), document order inside a kind; then by story (a stable sort)
    return sorted(key_figures(accepted), key=story_of)[:limit]


def candidates(segments: Sequence[Segment], figures: Sequence[Figure],
               options: rank.RankOptions) -> tuple[list[rank.Unit], list[str]]:
    """The rankable units and their duplicate keys ("" = may not be a point: too short, or only a transition)."""
    from summarize.brief.stories import is_only_transition

    units = rank.group_units(segments, {f.segment for f in figures if f.kind != "number"},
                             options.min_words, options.max_unit_segments)
    keys = [rank.dedup_key(u.arabic) if word_count(u.arabic) >= options.min_words
            and not is_only_transition(u.arabic) else "" for u in units]
    if not any(keys):  # only short pieces (a one-line report): every segment is a candidate
        units = rank.group_units(segments, set(), 0, 1)
        keys = [rank.dedup_key(u.arabic) if not is_only_transition(u.arabic) else "" for u in units]
    return units, keys


@dataclass(frozen=True)
class PlanOptions:
    """How a brief is planned: ranking weights, story finding (None: the report is one story), figures."""

    rank: rank.RankOptions = rank.RankOptions()
    stories: StoryOptions | None = StoryOptions()
    max_figures: int | None = 12
    figure_sentences: int = 3  # sentences shown only for their figures (each one is translated)


def plan_brief(segments: Sequence[Segment], max_sentences: int, ranker: str = "use",
               options: PlanOptions = PlanOptions()) -> BriefPlan:
    """Rank the Arabic of `segments` (their English may be empty), find the stories, choose what to show.

    ranker: 'use' or 'tfidf' (resolved). A word budget is spent later, on the English (brief.make.assemble).
    """
    import numpy as np

    figures = extract_figures(segments)
    units, keys = candidates(segments, figures, options.rank)
    if not any(keys):
        return BriefPlan(tuple(units), (), (Story((0, len(segments)), (0, len(units))),), None, (), (None,),
                         (), "none")
    sim = rank.unit_similarity(units, segments, ranker)  # judges duplicates
    central = sim if options.rank.centrality_on == "ranker" or ranker == "tfidf" else rank.similarity(
        [u.arabic for u in units], "tfidf")
    # Stories are found on TF-IDF under either ranker (the fit: the encoder's vectors added nothing to it).
    tfidf = sim if ranker == "tfidf" else central if central is not sim else rank.similarity(
        [u.arabic for u in units], "tfidf")
    stories = find_stories(units, segments, [tfidf], options.stories) if options.stories else [
        Story((0, len(segments)), (0, len(units)))]
    score = _story_scores(central, rank.figure_bonus(units, figures), rank.paragraph_starts(units), stories,
                          options.rank)
    first = [i for i in range(*stories[0].units) if keys[i]]
    head = max(first or [i for i, key in enumerate(keys) if key], key=lambda i: score[i])
    news = {f.segment for f in figures if f.kind in HEADLINE_KINDS}
    newsworthy = np.array([any(s in news for s in unit.segments) for unit in units], dtype=bool)
    # The headline is shown above the points: a point repeating it would say nothing new. A report with a
    # single rankable unit has nothing else to show, so there the headline is also its point.
    chosen, titles = select_by_story(score, sim, keys, max_sentences, stories, options.rank,
                                     options.stories.start_bonus if options.stories else 0.0,
                                     head if sum(map(bool, keys)) > 1 else None, newsworthy)
    shown = {s for i in [*chosen, head] for s in units[i].segments}
    shown_figures = story_figures(figures, stories, shown, options.figure_sentences, options.max_figures)
    return BriefPlan(tuple(units), tuple(float(x) for x in score), tuple(stories), head, tuple(chosen),
                     tuple(titles), tuple(shown_figures), ranker)
