"""Write the brief, digest and quality-check outputs of this tree, or compare two such folders byte for byte.

A refactor's guard: on the seed report, every EASC dev article (a digest of their JSON and Markdown), two ANT dev
days and FLORES dev's human translations (checked 20 lines at a time), with the tiny random-weight model (its
English is noise, but the same noise on both sides) and the real sentence encoder. Run it on the tree before and
after a change, then compare; the model's temporary folder name is the one difference left out.

    python eval/summaries/same_outputs.py write OUT_DIR
    python eval/summaries/same_outputs.py compare BEFORE_DIR AFTER_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eval.shared_data import ANT_ARTICLES, EASC_DEV, FLORES_DEV, SEED_REPORT  # noqa: E402

_MODEL_DIR = re.compile(rb"/tmp/tmp[a-z0-9_]+")


def write(out: Path) -> None:
    """Every output of this tree into `out`."""
    from mt import Translator
    from mt.testing import build_tiny_marian
    from mt.types import Segment, Signature, Translation
    from summarize import DigestOptions, brief_text, check_translation, make_digest, read_reports, render

    out.mkdir(parents=True, exist_ok=True)
    translator = Translator.load(str(build_tiny_marian(Path(tempfile.mkdtemp()))), engine="ctranslate2")
    seed = SEED_REPORT.read_text(encoding="utf-8")
    for fmt in ("md", "html", "json"):
        (out / f"seed.{fmt}").write_text(render(brief_text(translator, seed), fmt), encoding="utf-8")
    (out / "seed-words40.md").write_text(render(brief_text(translator, seed, max_words=40), "md"), encoding="utf-8")
    digest = hashlib.sha256()
    for path in sorted((EASC_DEV / "articles").glob("*.txt")):
        brief = brief_text(translator, path.read_text(encoding="utf-8"), max_sentences=3)
        digest.update(_MODEL_DIR.sub(b"MODEL", render(brief, "json").encode()))
        digest.update(_MODEL_DIR.sub(b"MODEL", render(brief, "md").encode()))
    (out / "easc.sha").write_text(digest.hexdigest(), encoding="utf-8")
    reports, _ = read_reports([str(ANT_ARTICLES)], limit=5000)
    day = [r for r in reports if r.time and r.time.day in (1, 2)]
    result = make_digest(day, translator, DigestOptions())
    for fmt in ("md", "html", "json"):
        (out / f"ant-digest.{fmt}").write_text(render(result, fmt), encoding="utf-8")
    flores = FLORES_DEV
    arabic = (flores / "arb_Arab.dev").read_text(encoding="utf-8").splitlines()
    english = (flores / "eng_Latn.dev").read_text(encoding="utf-8").splitlines()
    signature, lines = Signature("human", None, "none", "none", 0), []
    for start in range(0, len(arabic), 20):
        pairs = list(zip(arabic[start:start + 20], english[start:start + 20], strict=True))
        segments = tuple(Segment(a, e, i, (0, len(a))) for i, (a, e) in enumerate(pairs))
        checked = check_translation(Translation("\n".join(a for a, _ in pairs), segments, signature))
        lines += [json.dumps([s.similarity, [(f.kind, f.message) for f in s.flags]], ensure_ascii=False)
                  for s in checked.segments]
    (out / "flores-qe.jsonl").write_text("\n".join(lines), encoding="utf-8")


def _normal(path: Path) -> bytes:
    return _MODEL_DIR.sub(b"MODEL", path.read_bytes())


def compare(before: Path, after: Path) -> int:
    """One line per output file: same or differs (the model folder's name left out); 1 if any differs."""
    differ = 0
    for old in sorted(before.iterdir()):
        new = after / old.name
        same = new.is_file() and _normal(old) == _normal(new)
        differ += not same
        print(f"{'same   ' if same else 'DIFFERS'} {old.name}")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    """write OUT | compare BEFORE AFTER."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("write").add_argument("out", type=Path)
    both = sub.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "write":
        write(args.out)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
