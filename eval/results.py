"""Where the measurement scripts keep their figures: eval/results/, one JSON file per run (and its Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def save_results(path: Path, data: object, markdown: str | None = None) -> Path:
    """Write data as indented UTF-8 JSON at path (its folder made), and markdown beside it as .md; the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if markdown is not None:
        path.with_suffix(".md").write_text(markdown, encoding="utf-8")
    return path
