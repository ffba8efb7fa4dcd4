"""summarize.lang.text: clitics off the front of a normalized Arabic word."""

from __future__ import annotations

import pytest

from summarize.lang.text import strip_prefixes


@pytest.mark.parametrize(("word", "known", "expected"), [
    ("قرن", {"قرن"}, "قرن"),
    ("القرن", {"قرن"}, "قرن"),
    ("والقرن", {"قرن"}, "قرن"),
    ("وبالمدينه", {"مدينه"}, "مدينه"),
    ("للمدينه", {"مدينه"}, "مدينه"),
    ("الالف", {"الف"}, "الف"),  # ال off, not ا
    ("والف", {"الف", "ف"}, "ف"),  # the longest prefix first: وال + ف, as the ordered list of prefixes gives
    ("والف", {"الف"}, "الف"),
    ("مدينه", {"قرن"}, None),
    ("", {"قرن"}, None),
    ("ال", {""}, ""),
])
def test_strip_prefixes_takes_the_longest_clitic_first(word: str, known: set[str], expected: str | None) -> None:
    assert strip_prefixes(word, frozenset(known)) == expected
