"""The brief of one report: its stories, the plan on the Arabic, the assembled bilingual brief."""
