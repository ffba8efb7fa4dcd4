"""Line kinds for the quality verdict: titles, quotes, short lines and sentences, read from the Arabic."""

from __future__ import annotations

import pytest

from summarize.quality.line_kinds import LINE_KINDS, line_kind


@pytest.mark.parametrize(("arabic", "kind"), [
    ("الرئيس يصل إلى باريس في زيارة رسمية", "title"),  # a headline: no closing mark
    ("ثالثا - الاستنتاجات والتوصيات", "title"),
    ("«لن نتراجع عن مواقفنا مهما كانت الضغوط»، قال الوزير.", "quote"),
    ('"جميعنا قلقون للغاية بسبب مستويات الانتشار."', "quote"),
    ("قال الوزير: «لن نتراجع عن مواقفنا مهما كانت الضغوط الدولية علينا».", "quote"),  # mostly quoted
    ("وصل الرئيس إلى باريس أمس.", "short"),
    ("وصل الرئيس إلى باريس أمس في زيارة رسمية تستمر ثلاثة أيام يلتقي خلالها نظيره الفرنسي.", "sentence"),
    ("وإذ تحيط علما بتقرير الأمين العام عن تنفيذ القرار،", "short"),  # a clause ending in a comma is no title
    # A long line without its stop is a sentence that lost it, not a heading.
    (" ".join(["كلمة"] * 30), "sentence"),
    ("", "short"),
    ("   ", "short"),
])
def test_line_kind(arabic: str, kind: str) -> None:
    assert line_kind(arabic) == kind and kind in LINE_KINDS


def test_a_huge_line_is_read_once() -> None:
    assert line_kind("«" + "قال الوزير كلاما كثيرا " * 20000 + "»") == "quote"
