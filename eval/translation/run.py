"""Run a quality evaluation; the same options as `mtbrief eval` (see `python eval/translation/run.py --help`).

    python eval/translation/run.py --suite flores200-dev --limit 200 --document-mode
    python eval/translation/run.py --compare eval/results/A.json eval/results/B.json
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Call `mtbrief eval` with these arguments."""
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:  # run from a checkout without `pip install -e .`
        sys.path.insert(0, root)
    from mt.cli import main as mtbrief

    return mtbrief(["eval", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
