"""Story coverage of the brief on roundups built from real news (ANT dev days), and story segmentation P/R.

A roundup joins 3-5 unrelated articles of one day (the first 2-3 paragraphs of each), in one paragraph or
several, with or without a transition phrase before each new story; the brief is asked for as many points as
there are stories. Reported: the share of stories the brief touches (a point inside the story) beside lead-k and
the brief before stories, with 95% bootstrap intervals over roundups; the share of roundups with every story
covered; boundary precision/recall, exact and within one sentence. Development figures: ANT dev days (the story
weights were chosen on such roundups); the held-out days are kept apart.

    python eval/summaries/roundups.py [--roundups 80] [--seed 19] [--ranker auto]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.results import RESULTS
from eval.shared_data import ANT_ARTICLES

ROOT = Path(__file__).resolve().parents[2]
# The turns the issue quotes from Arabic roundups; the detector knows more (summarize.brief.stories.TRANSITIONS).
PHRASES = ("من ناحية أخرى", "على صعيد آخر", "من جانبها", "على الجانب الآخر", "في سياق منفصل", "وفي شأن آخر")
MIN_WORDS = 8  # a paragraph shorter than this (a caption, stray markup) is not taken


@dataclass(frozen=True)
class Roundup:
    """A built roundup: its text, each story's character range, and how it was built."""

    id: str
    text: str
    stories: tuple[tuple[int, int], ...]
    articles: tuple[str, ...]
    layout: str  # "one paragraph" | "paragraphs"
    transitions: bool


def load_articles(path: Path = ANT_ARTICLES) -> dict[str, list[dict]]:
    """ANT dev articles with at least two usable paragraphs, by day; duplicates (same title) dropped."""
    from mt.htmltext import has_arabic

    days: dict[str, list[dict]] = defaultdict(list)
    titles: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            paragraphs = [p.strip() for p in article["text"].split("\n")
                          if has_arabic(p) and len(p.split()) >= MIN_WORDS]
            if len(paragraphs) < 2 or article["title"] in titles:
                continue
            titles.add(article["title"])
            days[article["date"]].append({**article, "paragraphs": paragraphs})
    return days


def _title_terms(article: dict) -> frozenset[str]:
    from summarize.lang.text import content_terms

    return frozenset(content_terms(article["title"]))


def unrelated(article: dict, chosen: Sequence[dict]) -> bool:
    """Another story: little title overlap with every chosen one, and another category or none at all."""
    terms = _title_terms(article)
    for other in chosen:
        theirs = _title_terms(other)
        overlap = len(terms & theirs) / max(1, len(terms | theirs))
        if overlap >= 0.15 or (article["category"] == other["category"] and overlap > 0):
            return False
    return True


def _pick(day: list[dict], count: int, rng: random.Random) -> list[dict]:
    chosen: list[dict] = []
    for article in rng.sample(day, len(day)):
        if unrelated(article, chosen):
            chosen.append(article)
            if len(chosen) == count:
                break
    return chosen


def build_roundup(number: int, day: list[dict], rng: random.Random) -> Roundup:
    """One roundup of 3-5 unrelated articles of a day, laid out and marked at random (seeded)."""
    articles = _pick(day, rng.randint(3, 5), rng)
    layout = rng.choice(("one paragraph", "paragraphs"))
    transitions = rng.random() < 0.5
    joiner = " " if layout == "one paragraph" else "\n"
    text, spans = "", []
    for k, article in enumerate(articles):
        paragraphs = list(article["paragraphs"][:rng.randint(2, 3)])
        if k and transitions:
            phrase = rng.choice(PHRASES)
            alone = rng.random() < 0.5  # "من ناحية أخرى." as its own sentence, or opening the next one
            paragraphs[0] = f"{phrase}. {paragraphs[0]}" if alone else f"{phrase}، {paragraphs[0]}"
        start = len(text) + (len(joiner) if text else 0)
        text = f"{text}{joiner}{joiner.join(paragraphs)}" if text else joiner.join(paragraphs)
        spans.append((start, len(text)))
    return Roundup(f"roundup-{number:03d}", text, tuple(spans), tuple(a["id"] for a in articles), layout,
                   transitions)


def build_roundups(days: dict[str, list[dict]], count: int, seed: int) -> list[Roundup]:
    """`count` roundups, each of one day drawn at random (seeded)."""
    rng = random.Random(seed)
    names = sorted(days)
    return [build_roundup(n, days[rng.choice(names)], rng) for n in range(count)]


def arabic_segments(text: str) -> list:
    """The text split as the Translator prepares it (estimated token counts), as Segments with no English."""
    from mt.arabic import prepare_document
    from mt.types import Segment

    return [Segment(p.source.text, "", p.source.paragraph, p.source.span) for p in prepare_document(text)]


def gold_of(roundup: Roundup, segments: Sequence) -> list[int]:
    """Each segment's story (the story whose characters hold the segment's start)."""
    return [next(k for k, (a, b) in enumerate(roundup.stories) if a <= s.span[0] < b) for s in segments]


def boundaries(labels: Sequence[int]) -> set[int]:
    """Indices where a new story begins (the first segment never counts)."""
    return {i for i in range(1, len(labels)) if labels[i] != labels[i - 1]}


def covered(units: Sequence, chosen: Sequence[int], labels: Sequence[int]) -> set[int]:
    """The stories that the chosen units touch (a unit belongs to the story of its first segment)."""
    return {labels[units[u].segments[0]] for u in chosen}


def matched(predicted: set[int], gold: set[int], tolerance: int) -> int:
    """How many predicted boundaries fall within `tolerance` sentences of a gold one (each gold used once)."""
    free = set(gold)
    hits = 0
    for b in sorted(predicted):
        near = [g for g in sorted(free) if abs(g - b) <= tolerance]
        if near:
            free.discard(min(near, key=lambda g: abs(g - b)))
            hits += 1
    return hits


def score_roundup(roundup: Roundup, ranker: str, story_options: object = None) -> dict:
    """Coverage of the brief, the brief without stories and lead-k, and the boundaries found, for one roundup."""
    from summarize.brief.plan import PlanOptions, plan_brief
    from summarize.brief.stories import StoryOptions

    segments = arabic_segments(roundup.text)
    labels = gold_of(roundup, segments)
    k = len(roundup.stories)
    plan = plan_brief(segments, k, ranker, PlanOptions(stories=story_options or StoryOptions()))
    before = plan_brief(segments, k, ranker, PlanOptions(stories=None))
    lead = [u for u, unit in enumerate(plan.units) if len(unit.arabic.split()) >= 4][:k]
    found = {story.span[0] for story in plan.stories[1:]}
    gold = boundaries(labels)
    return {"id": roundup.id, "stories": k, "sentences": len(segments), "layout": roundup.layout,
            "transitions": roundup.transitions,
            "coverage": {"brief": len(covered(plan.units, plan.chosen, labels)) / k,
                         "brief before stories": len(covered(before.units, before.chosen, labels)) / k,
                         "lead-k": len(covered(plan.units, lead, labels)) / k},
            "found": len(plan.stories), "boundaries": {"gold": len(gold), "found": len(found),
                                                       "exact": matched(found, gold, 0),
                                                       "within1": matched(found, gold, 1)}}


def bootstrap(values: Sequence[float], resamples: int = 2000, seed: int = 12345) -> list[float]:
    """95% percentile bootstrap interval of the mean, resampling roundups."""
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    means = data[np.random.default_rng(seed).integers(0, len(data), (resamples, len(data)))].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def summary(rows: Sequence[dict]) -> dict:
    """Mean coverage (95% CI) and all-covered share per system; boundary P/R (micro), exact and within 1."""
    out: dict = {"roundups": len(rows), "coverage": {}}
    for system in rows[0]["coverage"]:
        values = [r["coverage"][system] for r in rows]
        out["coverage"][system] = {"mean": round(sum(values) / len(values), 4), "ci95": bootstrap(values),
                                   "all_covered": round(sum(v >= 1.0 for v in values) / len(values), 4)}
    totals = {key: sum(r["boundaries"][key] for r in rows) for key in ("gold", "found", "exact", "within1")}
    out["boundaries"] = {**totals, **{f"{m}_{kind}": round(totals[kind] / max(1, totals[base]), 4)
                                      for kind in ("exact", "within1")
                                      for m, base in (("precision", "found"), ("recall", "gold"))}}
    return out


def segmentation_time(days: dict[str, list[dict]], sentences: int = 1000, ranker: str = "tfidf") -> dict:
    """Seconds to plan a brief (stories included) of a report of about `sentences` sentences, and its stories."""
    from summarize.brief.plan import plan_brief

    text, segments = "", []
    for article in (a for day in sorted(days) for a in days[day]):
        text += "\n".join(article["paragraphs"]) + "\n"
        segments = arabic_segments(text)
        if len(segments) >= sentences:
            break
    segments = segments[:sentences]
    start = time.perf_counter()
    plan = plan_brief(segments, 5, ranker)
    return {"sentences": len(segments), "ranker": ranker, "seconds": round(time.perf_counter() - start, 2),
            "stories": len(plan.stories)}


def evaluate(count: int, seed: int, ranker: str) -> dict:
    """Build the roundups, score them all and sum up (by layout and transitions too)."""
    days = load_articles()
    roundups = build_roundups(days, count, seed)
    start = time.perf_counter()
    rows = [score_roundup(r, ranker) for r in roundups]
    seconds = time.perf_counter() - start
    groups = {f"{layout}, {'with' if marked else 'without'} transitions":
              [r for r in rows if r["layout"] == layout and r["transitions"] == marked]
              for layout in ("one paragraph", "paragraphs") for marked in (True, False)}
    return {"data": str(ANT_ARTICLES.relative_to(ROOT.parent)), "days": sorted(days), "seed": seed, "ranker": ranker,
            "all": summary(rows), "by_kind": {name: summary(g) for name, g in groups.items() if g},
            "seconds": round(seconds, 1), "segmentation_1000": segmentation_time(days),
            "roundups": [{**r, "articles": list(x.articles)} for r, x in zip(rows, roundups, strict=True)]}


def markdown(report: dict) -> str:
    """The report as Markdown tables."""
    lines = [f"# Story coverage on {report['all']['roundups']} roundups (ANT dev days, seed {report['seed']}, "
             f"ranker {report['ranker']})", "", "Development figures: the story weights were fitted on the seed-19 "
             "roundups of these days (eval/summaries/roundups_fit.py); held-out days kept apart.", "",
             "| roundups | system | stories covered [95% CI] | all stories covered |", "| --- | --- | --- | --- |"]
    for name, part in [("all", report["all"]), *report["by_kind"].items()]:
        for system, row in part["coverage"].items():
            lines.append(f"| {name} ({part['roundups']}) | {system} | {row['mean']:.3f} [{row['ci95'][0]:.3f}, "
                         f"{row['ci95'][1]:.3f}] | {row['all_covered']:.3f} |")
    lines += ["", "| roundups | boundaries (gold / found) | precision exact | recall exact | precision ±1 | "
              "recall ±1 |", "| --- | --- | --- | --- | --- | --- |"]
    for name, part in [("all", report["all"]), *report["by_kind"].items()]:
        b = part["boundaries"]
        lines.append(f"| {name} | {b['gold']} / {b['found']} | {b['precision_exact']:.3f} | {b['recall_exact']:.3f}"
                     f" | {b['precision_within1']:.3f} | {b['recall_within1']:.3f} |")
    seg = report["segmentation_1000"]
    lines += ["", f"Planning a brief of a {seg['sentences']}-sentence report (stories included, ranker "
              f"{seg['ranker']}): {seg['seconds']} s, {seg['stories']} stories found. Whole run: "
              f"{report['seconds']} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run, print the Markdown, save JSON + Markdown under eval/results/."""
    from summarize.rank import resolve_ranker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roundups", type=int, default=80)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--ranker", default="auto", choices=("auto", "use", "tfidf"))
    parser.add_argument("--out", default=None, help="file stem (default: eval/results/roundups-<date>)")
    args = parser.parse_args(argv)
    report = evaluate(args.roundups, args.seed, resolve_ranker(args.ranker))
    text = markdown(report)
    print(text)
    stem = Path(args.out) if args.out else RESULTS / f"roundups-{time.strftime('%Y-%m-%d')}"
    stem.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
