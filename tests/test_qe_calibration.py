"""The calibration's data plumbing: domains and their documents, synthetic cases, the side-by-side bench guard."""

from __future__ import annotations

import pytest

from eval.qe_cases import KINDS, drop_words, make_cases, repeat_words
from eval.qe_domains import LOADERS, available, report_runs


@pytest.mark.parametrize(("documents", "size", "expected"), [
    (["a", "a", "a", "b"], 2, ("a#0", "a#0", "a#1", "b#0")),
    (["a", "b", "a"], 40, ("a#0", "b#0", "a#0")),
    ([], 40, ()),
])
def test_report_runs_cut_long_documents(documents: list[str], size: int, expected: tuple[str, ...]) -> None:
    assert report_runs(documents, size) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The minister said ten people died.", "The minister said ten people died ten people died."),
    ("One two three four", "One two three four three four"),
    ("Too short.", None),
])
def test_repeat_words_says_the_last_half_again(text: str, expected: str | None) -> None:
    assert repeat_words(text, 0.5) == expected


def test_make_cases_builds_every_kind() -> None:
    import numpy as np

    english = ["The minister said that ten people died, and others fled.", "Schools closed on Monday in the city.",
               "Rain fell for three days in the north of the country."]
    cases = make_cases(english, ["d1", "d1", "d2"], np.random.default_rng(0))
    assert {c.kind for c in cases} == set(KINDS)
    assert [c.english for c in cases if c.kind == "drop_last_50"][0] == drop_words(english[0], 0.5, "last")


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_domains_load_aligned_with_documents(name: str) -> None:
    if name not in available():
        pytest.skip(f"{name} not found under ../shared/data")
    domain = LOADERS[name]()
    lines = {"flores": 997, "tico19": 2100, "unpc": 4000}[name]
    assert len(domain.arabic) == len(domain.english) == len(domain.documents) == lines
    assert 1 < len(set(domain.documents)) < lines
    assert all(s.strip() for s in domain.arabic[:50]) and domain.head(5).arabic == domain.arabic[:5]


def test_bench_check_refuses_a_base_that_is_no_checkout(tmp_path, capsys) -> None:
    from eval.bench_check import main

    assert main(["--base", str(tmp_path)]) == 2
    assert "not a checkout of this project" in capsys.readouterr().err
