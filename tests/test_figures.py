"""The Arabic and English number readers and the key-figures extractor."""

from __future__ import annotations

import pytest

from mt.types import Segment
from summarize.lang.figures import Figure, extract_figures, key_figures
from summarize.lang.numbers_ar import parse_digits, read_numbers
from summarize.lang.numbers_en import english_months, read_english_numbers


@pytest.mark.parametrize(("text", "expected"), [
    ("كان 24 شخصا قد قتلوا", [(24, "cardinal", "24")]),
    ("قتل ٢٤ شخصا", [(24, "cardinal", "٢٤")]),
    ("قتل ۱۲ شخصا", [(12, "cardinal", "۱۲")]),
    ("مقتل سبعة أشخاص", [(7, "cardinal", "سبعة")]),
    ("سبع نساء", [(7, "cardinal", "سبع")]),
    ("بينهم اثنان من أفراد", [(2, "cardinal", "اثنان")]),
    ("أصيب اثنين", [(2, "cardinal", "اثنين")]),
    ("اثنتان من النساء", [(2, "cardinal", "اثنتان")]),
    ("عشرون جنديا", [(20, "cardinal", "عشرون")]),
    ("نحو عشرين جنديا", [(20, "cardinal", "عشرين")]),
    ("خمسة وعشرون ألفا", [(25000, "cardinal", "خمسة وعشرون ألفا")]),
    ("أحد عشر لاعبا", [(11, "cardinal", "أحد عشر")]),
    ("اثنتا عشرة امرأة", [(12, "cardinal", "اثنتا عشرة")]),
    ("مائة وخمسة وعشرون", [(125, "cardinal", "مائة وخمسة وعشرون")]),
    ("ثلاثمائة ألف دولار", [(300000, "cardinal", "ثلاثمائة ألف")]),
    ("مئتي شخص", [(200, "cardinal", "مئتي")]),
    ("ألفان", [(2000, "cardinal", "ألفان")]),
    ("3 آلاف جندي", [(3000, "cardinal", "3 آلاف")]),
    ("1.5 مليون دولار", [(1500000, "cardinal", "1.5 مليون")]),
    ("ثلاثة ملايين", [(3000000, "cardinal", "ثلاثة ملايين")]),
    ("1,000 شخص", [(1000, "cardinal", "1,000")]),
    ("783،562 كيلومتر", [(783562, "cardinal", "783،562")]),
    ("2,5 طن", [(2.5, "cardinal", "2,5")]),
    ("خمسة وستة", [(5, "cardinal", "خمسة"), (6, "cardinal", "وستة")]),
    ("30 في المائة", [(30, "cardinal", "30 في المائة")]),
    ("المبرم في التاسع من سبتمبر الماضي.", [("9 September", "date", "التاسع من سبتمبر الماضي")]),
    ("الحادي والعشرين من أيلول 2016", [("21 September 2016", "date", "الحادي والعشرين من أيلول 2016")]),
    ("9 كانون الثاني 2017", [("9 January 2017", "date", "9 كانون الثاني 2017")]),
    ("في 9 سبتمبر", [("9 September", "date", "9 سبتمبر")]),
    ("أيلول 2016", [("September 2016", "date", "أيلول 2016")]),
    ("عام 2016", [("2016", "date", "عام 2016")]),
    ("سبتمبر الماضي", []),
    ("يوم الاثنين", []),
    ("لست أدري", []),
    ("ألف رائعتين", []),
    ("الفصل السابع", []),
    ("القرن العشرين", []),
    ("الساعة 15:00", []),  # times, paragraph numbers and centuries are read only when asked (special=True)
    ("12 - قررت اللجنة", []),
    ("في 1.3.2018 قتل", [(1, "cardinal", "1.3.2018")]),  # a dotted date is no crash
    ("المواد 3,4,5 من القانون", [(3, "cardinal", "3,4,5")]),
    ("قتل " + "9" * 400 + " شخصا و 24 جريحا", [(24, "cardinal", "24")]),  # a code, past a float: not a figure
    ("الرقم 1234567890123456789 و 7 قتلى", [(7, "cardinal", "7")]),  # past 10**18: an id, not a count
    ("", []),
])
def test_read_numbers(text: str, expected: list[tuple[object, str, str]]) -> None:
    assert [(n.value, n.kind, n.text) for n in read_numbers(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("الفصل السابع", [(7, "ordinal")]),
    ("القرن العشرين", [(20, "ordinal")]),
    ("الثالث عشر", [(13, "ordinal")]),
])
def test_read_numbers_with_ordinals(text: str, expected: list[tuple[int, str]]) -> None:
    assert [(n.value, n.kind) for n in read_numbers(text, ordinals=True)] == expected


@pytest.mark.parametrize(("digits", "value"), [
    ("24", 24), ("1,000", 1000), ("1.000.000", 1000000), ("1.5", 1.5), ("2,5", 2.5), ("0", 0),
    ("1.3.2018", 1), ("3,4,5", 3), ("1,5,2018", 1), ("3.4.5.6", 3),  # several numbers joined: read as the first
])
def test_parse_digits(digits: str, value: float) -> None:
    assert parse_digits(digits) == value
    assert type(parse_digits(digits)) is type(value)


@pytest.mark.parametrize(("text", "expected"), [
    ("24 people were killed", [(24, False)]),
    ("seven people, including two medical staff", [(7, False), (2, False)]),
    ("on the ninth of September", [(9, True)]),
    ("on September 9th, 2016", [(9, True), (2016, False)]),
    ("$1.5 million", [(1500000, False)]),
    ("twenty-four thousand five hundred and six", [(24506, False)]),
    ("a thousand soldiers", [(1000, False)]),
    ("between three and six months", [(3, False), (6, False)]),
    ("two-dozen awards", [(24, False)]),
    ("1,000 people", [(1000, False)]),
    ("the 1930s and 90s, 2.2 million km2", [(2200000, False)]),
    ("no numbers here", []),
    ("9" * 400 + " people and 24 more", [(24, False)]),  # a code, past a float: not a figure
    ("9" * 20 + " million, then 7", [(7, False)]),  # past 10**18
    ("", []),
])
def test_read_english_numbers(text: str, expected: list[tuple[float, bool]]) -> None:
    assert [(n.value, n.ordinal) for n in read_english_numbers(text)] == expected


@pytest.mark.parametrize(("text", "months"), [
    ("on 9 September", {9}), ("in Sept. and Oct.", {9, 10}), ("they may march", set()), ("in May", {5}),
])
def test_english_months(text: str, months: set[int]) -> None:
    assert english_months(text) == months


def _segments(*sources: str) -> tuple[Segment, ...]:
    return tuple(Segment(s, f"EN{i}", 0, (0, len(s))) for i, s in enumerate(sources))


@pytest.mark.parametrize(("sources", "expected"), [
    (["مقتل 5 وإصابة 10 آخرين"], [(5, "killed"), (10, "injured")]),
    (["كان 24 شخصا قد قتلوا وأصيب آخرون"], [(24, "killed")]),
    (["أصيب 12 شخصا بجروح"], [(12, "injured")]),
    (["بلغت الخسائر 1.5 مليون دولار في 2016"], [(1500000, "money"), ("2016", "date")]),
    (["ارتفع التضخم إلي 30 في المائة"], [(30, "percent")]),
    (["ارتفعت الأسعار 5%"], [(5, "percent")]),
    (["وصل 300 جندي"], [(300, "count")]),
    (["في محيط اللواء 75 وبلدة الديرخبية"], [(75, "number")]),
    (["مما أدي إلي مقتل سبعة أشخاص.", "بينهم اثنان من أفراد الطاقم الطبي."], [(7, "killed"), (2, "killed")]),
    (["وصل سبعة أشخاص.", "بينهم اثنان من الأطفال."], [(7, "count"), (2, "count")]),
    ([], []),
])
def test_extract_figures(sources: list[str], expected: list[tuple[object, str]]) -> None:
    assert [(f.value, f.kind) for f in extract_figures(_segments(*sources))] == expected


def test_figures_carry_their_sentence_and_its_english() -> None:
    figures = extract_figures(_segments("تجدد القصف.", "مما أدي إلي مقتل سبعة أشخاص."))
    assert figures == [Figure(7, "killed", "مما أدي إلي مقتل سبعة أشخاص.", "EN1", "سبعة", "", 1)]
    assert Figure.from_dict(figures[0].to_dict()) == figures[0]


def test_money_figure_keeps_its_currency_words() -> None:
    [figure] = extract_figures(_segments("بلغت الخسائر 1.5 مليون دولار"))
    assert (figure.text, figure.unit) == ("1.5 مليون دولار", "dollars")


def test_key_figures_drop_names_and_repeats_and_put_casualties_first() -> None:
    figures = extract_figures(_segments("وصل 300 جندي إلي اللواء 75.", "قتل 4 أشخاص.", "قتل 4 أشخاص آخرين."))
    expected = [(4, "killed", 1), (300, "count", 0)]
    assert [(f.value, f.kind, f.segment) for f in key_figures(figures)] == expected
    assert key_figures(figures, limit=1) == key_figures(figures)[:1]


def test_seed_report_figures(seed_text: str) -> None:
    from mt.splitter import split_sentences

    segments = tuple(Segment(s.text, "", s.paragraph, s.span) for s in split_sentences(seed_text))
    found = {(f.value, f.kind): f.arabic for f in key_figures(extract_figures(segments))}
    assert "24 شخصا قد قتلوا" in found[(24, "killed")] and "عندان" in found[(24, "killed")]
    assert "مقتل سبعة أشخاص" in found[(7, "killed")]
    assert "اثنان من أفراد الطاقم الطبي" in found[(2, "killed")]
    assert "التاسع من سبتمبر الماضي" in found[("9 September", "date")]
    assert set(found) == {(24, "killed"), (7, "killed"), (2, "killed"), ("9 September", "date")}


# Numbers as news writes them (issue 21): money and magnitudes, glued forms, per cent, round figures.
@pytest.mark.parametrize(("text", "expected"), [
    ("£2.8bn", [(2800000000, False)]),
    ("£125m", [(125000000, False)]),
    ("£11million", [(11000000, False)]),
    ("$1.5 trillion", [(1500000000000, False)]),
    ("US$3bn", [(3000000000, False)]),
    ("€40m", [(40000000, False)]),
    ("a 5m wall", []),  # a bare m without a currency is metres
    ("5bn barrels and 2.5mn tonnes, 7tn", [(5000000000, False), (2500000, False), (7000000000000, False)]),
    ("$5k prize", [(5000, False)]),
    ("2.5 per cent", [(2.5, False)]),
    ("a dozen", [(12, True)]),
    ("two dozen", [(24, True)]),
    ("dozens of people, tens of thousands", []),
    ("3,250,000, while", [(3250000, False)]),
    ("at 9.30 a.m. and 3 p.m.", []),  # clock times are not quantities
    ("12. The combined reports", []),  # a paragraph number opening the line
])
def test_read_english_notations(text: str, expected: list[tuple[float, bool]]) -> None:
    assert [(n.value, n.approximate) for n in read_english_numbers(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("بلغت 2.8 مليار جنيه", [(2800000000, "cardinal", "2.8 مليار")]),
    ("٢٫٥ مليار دولار", [(2500000000, "cardinal", "٢٫٥ مليار")]),
    ("2,5 مليون", [(2500000, "cardinal", "2,5 مليون")]),
    ("125 مليون", [(125000000, "cardinal", "125 مليون")]),
    ("11 ألف", [(11000, "cardinal", "11 ألف")]),
    ("خمسة تريليونات ريال", [(5000000000000, "cardinal", "خمسة تريليونات")]),
    ("وصل مليوني شخص", [(2000000, "cardinal", "مليوني")]),
    ("بداية القرن الواحد والعشرين", [(21, "century", "القرن الواحد والعشرين")]),
    ("في القرن الـ21", [(21, "century", "القرن الـ21")]),
    ("القرن التاسع عشر", [(19, "century", "القرن التاسع عشر")]),
    ("عشرات الآلاف", []),  # round figures: never read as numbers
    ("عشرات القتلى ومئات الجرحى وآلاف النازحين", []),
    ("ما يزيد على 000 2 رجل", [(2000, "cardinal", "000 2")]),  # UN groups, low group first
    ("مبلغ 680 151 دولارا", [(151680, "cardinal", "680 151")]),
    ("731.5 1 مليون دولار", [(1731500000, "cardinal", "731.5 1 مليون")]),
    ("بين 100-200 ميل", [(100, "cardinal", "100"), (200, "cardinal", "200")]),
    ("في كانون الثاني/يناير 2015", [("January 2015", "date", "كانون الثاني/يناير 2015")]),
    ("في تشرين الأول/أكتوبر", [(1, "ordinal", "الأول")]),  # no "1 October" date (ordinals are not checked)
    ("فيروس كوف-2) مليون", [(2, "cardinal", "2"), (1000000, "cardinal", "مليون")]),  # a code: no 2 million
    ("الساعة 15:00", [(1500, "time", "15:00")]),
    ("الساعة 00/10", [(1000, "time", "00/10")]),  # UN writes the low part first
    ("12 - قررت اللجنة", [(12, "label", "12")]),
    ("3-2-1 إحراز تقدم", [(3, "label", "3-2-1")]),
])
def test_read_arabic_notations(text: str, expected: list[tuple[object, str, str]]) -> None:
    assert [(n.value, n.kind, n.text) for n in read_numbers(text, ordinals=True, special=True)] == expected
