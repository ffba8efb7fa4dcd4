"""Evaluation and benchmarks: sacrebleu scoring and signatures, reports, suites, speed and load, QE calibration.
Imports mt and summarize (never ui); only eval.cli and scripts import mt.cli; nothing in mt or summarize imports eval.
"""
