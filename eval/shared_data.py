"""Where the shared data sets live: ../shared beside the checkout, read by path and never copied into the repo."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"
SEED_REPORT = SHARED / "seeds" / "aleppo-report.ar.txt"
ANT_ARTICLES = SHARED_DATA / "ant-dev" / "articles.jsonl"  # 1,291 articles of five outlets, 1-10 March 2018
EASC_DEV = SHARED_DATA / "easc-dev"
FLORES_DEV = SHARED_DATA / "flores200-dev"
TICO19_TEST = SHARED_DATA / "tico19-test"
UNPC_DEV = SHARED_DATA / "unpc-dev"
