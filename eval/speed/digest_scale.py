"""Scale of the digest: grouping 200, 2,000 and 20,000 reports (time and peak memory), encoder cost in and out.

The reports are ANT dev articles (1,291, ../shared/data/ant-dev), reused to reach the larger sizes: copy c of an
article is moved c weeks later (so a story window keeps copies apart, as the same outlets' later weeks would be),
its digits are redrawn and its title gets a copy mark, so every text is unique (nothing answered from a cache:
the encoder's cache is cleared and every key text is new) and copies are not exact duplicates. Each size runs in
its own process, so its peak RSS is its own. Timed per size: the encoder over the key texts (real USE weights),
grouping given the vectors (neighbour search + linkage), and with --digest the whole digest (planning + the
translation of what it shows) on the tiny random-weight test model (its speed is not a real model's: the number
of segments a real model would decode is reported beside it). Saves eval/results/bench-digest-<date>.json.

    .venv/bin/python eval/speed/digest_scale.py [--sizes 200,2000,20000] [--digest-sizes 200,2000] [--random-vectors]

--random-vectors times the grouping alone on seeded random unit vectors in place of the encoder's (the encoder's
cost is then not measured, and the neighbour structure is not a real one's): for a machine too busy to encode
20,000 texts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eval.results import RESULTS, save_results  # noqa: E402 - importable once the checkout is on the path
from eval.shared_data import ANT_ARTICLES  # noqa: E402


def synthesize(n: int, seed: int = 0) -> list:
    """n unique reports from ANT dev articles (see the module docstring)."""
    from summarize.digest.reports import make_report

    with ANT_ARTICLES.open(encoding="utf-8") as f:
        articles = [json.loads(line) for line in f if line.strip()]
    rng = random.Random(seed)
    reports = []
    for k in range(n):
        article, copy = articles[k % len(articles)], k // len(articles)
        text, title = article["text"], article["title"]
        when = dt.datetime.fromisoformat(article["time"]) + dt.timedelta(weeks=copy)
        if copy:
            text = re.sub(r"\d", lambda _: str(rng.randrange(10)), text)
            title = f"{title} ({copy})"
        reports.append(make_report({"id": f"{article['id']}~{copy}", "text": text, "title": title,
                                    "source": article["source"], "time": when.isoformat()}, "x"))
    return reports


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_one(n: int, digest: bool, random_vectors: bool = False) -> dict:
    """Time and memory of grouping (and optionally digesting) n synthesized reports, in this process."""
    from summarize.digest.grouping import GroupOptions, encode_reports, group_reports
    from summarize.lang.vectors import load_encoder

    reports = synthesize(n)
    options = GroupOptions()
    encoder = load_encoder()
    encoder.clear_cache()
    misses = encoder.misses
    base = peak_rss_mb()
    started = time.perf_counter()
    vectors = random_unit_vectors(n) if random_vectors else encode_reports(reports, options)
    encoding = time.perf_counter() - started
    started = time.perf_counter()
    grouping = group_reports(reports, options, vectors)
    grouping_s = time.perf_counter() - started
    row = {"reports": n, "encode_s": round(encoding, 2), "group_s": round(grouping_s, 2),
           "group_with_encoder_s": round(encoding + grouping_s, 2), "encoded_texts": encoder.misses - misses,
           "candidate_pairs": grouping.pairs, "stories": len(grouping.stories),
           "multi_stories": sum(len(s) > 1 for s in grouping.stories), "duplicates": len(grouping.duplicate_of),
           "rss_before_mb": round(base, 1), "peak_rss_grouping_mb": round(peak_rss_mb(), 1)}
    if digest:
        row.update(measure_digest(reports))
    return row


def random_unit_vectors(n: int, dim: int = 512, seed: int = 0):
    """n seeded random unit vectors (the encoder's shape), for timing the grouping alone."""
    import numpy as np

    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def measure_digest(reports: list) -> dict:
    """The whole digest on the tiny random-weight model (built in a temporary folder)."""
    import tempfile

    from mt.testing import build_tiny_marian
    from mt.translator import Translator
    from summarize.digest.make import make_digest

    with tempfile.TemporaryDirectory() as folder:
        translator = Translator.load(str(build_tiny_marian(folder)), engine="ctranslate2", device="cpu")
        started = time.perf_counter()
        digest = make_digest(reports, translator)
        seconds = time.perf_counter() - started
    return {"digest_s_tiny_model": round(seconds, 2), "digest_sentences": digest.sentences,
            "digest_translated_segments": digest.translated, "peak_rss_digest_mb": round(peak_rss_mb(), 1)}


def main(argv: list[str] | None = None) -> int:
    """Run each size in its own process, print a table, save the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,2000,20000")
    parser.add_argument("--digest-sizes", default="200,2000", help="sizes also digested whole (tiny model)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--digest", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--random-vectors", action="store_true", help="time the grouping on random unit vectors")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one, args.digest, args.random_vectors)))
        return 0
    if not ANT_ARTICLES.is_file():
        print(f"skipped: {ANT_ARTICLES} not found (the shared ANT dev data)")
        return 0
    digest_sizes = {int(s) for s in args.digest_sizes.split(",") if s}
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        command = [sys.executable, __file__, "--one", str(n), *(["--digest"] if n in digest_sizes else []),
                   *(["--random-vectors"] if args.random_vectors else [])]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    for previous, row in zip(rows, rows[1:], strict=False):
        factor = row["reports"] / previous["reports"]
        print(f"{previous['reports']} -> {row['reports']} reports (x{factor:g}): grouping x"
              f"{row['group_s'] / max(previous['group_s'], 1e-3):.1f}, encoder x"
              f"{row['encode_s'] / max(previous['encode_s'], 1e-3):.1f}")
    load = os.getloadavg()
    results = {"rows": rows, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                         "load_average": [round(x, 2) for x in load]},
               "note": ("grouping on seeded random unit vectors, not the encoder's (encoder not timed)"
                        if args.random_vectors else "grouping uses real USE weights")
               + "; the digest column uses the tiny random-weight test model "
                 "(its translation speed is not a real model's); the machine is shared"}
    out = save_results(RESULTS / f"bench-digest-{'random-vectors-' if args.random_vectors else ''}"
                             f"{dt.date.today().isoformat()}.json", results)
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
