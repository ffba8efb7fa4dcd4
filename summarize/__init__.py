"""The brief: bilingual extractive briefs of translated Arabic reports, key figures and quality flags.
Imports mt (never eval or ui); only summarize.cli imports mt.cli.
"""

from summarize.brief.make import QE, Brief, BriefStory, Point, brief_text, make_brief
from summarize.lang.figures import Figure, extract_figures
from summarize.quality.check import SIMILARITY_THRESHOLD, check_translation, number_flags
from summarize.rank import RankOptions

__all__ = ["QE", "SIMILARITY_THRESHOLD", "Brief", "BriefStory", "Figure", "Point", "RankOptions", "brief_text",
           "check_translation", "extract_figures", "make_brief", "number_flags"]
