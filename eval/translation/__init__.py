"""Translation quality: sacrebleu scoring, evaluation suites and reports, the splitter's recall."""
