"""The brief: bilingual extractive briefs of translated Arabic reports, key figures and quality flags.
Imports mt (never eval or ui); only summarize.cli imports mt.cli.
"""

from summarize.brief import QE, Brief, Point, make_brief
from summarize.figures import Figure, extract_figures
from summarize.quality import SIMILARITY_THRESHOLD, check_translation, number_flags
from summarize.rank import RankOptions

__all__ = ["QE", "SIMILARITY_THRESHOLD", "Brief", "Figure", "Point", "RankOptions", "check_translation",
           "extract_figures", "make_brief", "number_flags"]
