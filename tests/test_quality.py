"""Quality flags: numbers kept by the English (written as digits, words, halves, duals...), similarity."""

from __future__ import annotations

import json

import pytest
from conftest import FLORES

from mt.errors import InvalidOption
from mt.types import Flag, Segment, Signature, Translation
from summarize.quality.check import SIMILARITY_THRESHOLD, check_translation, number_flags


def _problems(flags: list) -> list[tuple[str, object, object]]:
    """(problem, Arabic value, English value) of each number flag, the form the tables expect."""
    return [(f.detail["problem"], f.detail["arabic"], f.detail["english"]) for f in flags]


@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ("كان 24 شخصا قد قتلوا", "24 people were killed", []),
    ("مقتل سبعة أشخاص", "seven people were killed", []),
    ("مقتل سبعة أشخاص", "7 people were killed", []),
    ("بينهم اثنان من أفراد الطاقم الطبي", "including two members of the medical staff", []),
    ("المبرم في التاسع من سبتمبر الماضي", "concluded on 9 September", []),
    ("المبرم في التاسع من سبتمبر الماضي", "concluded on the ninth of September", []),
    ("وصل 1,000 جندي", "1000 soldiers arrived", []),
    ("وصل ألف وخمسمائة جندي", "1,500 soldiers arrived", []),
    ("بلغت الخسائر 1.5 مليون دولار", "losses reached $1.5 million", []),
    ("ارتفع التضخم إلي 30 في المائة", "inflation rose to 30 percent", []),
    ("قتل ٢٤ شخصا", "24 killed", []),
    ("قتل رجل واحد", "a man was killed", []),  # a word-written 1 is not checked
    ("تحطمت طائرة جاس-٣٩", "The JAS 39C Gripen crashed", []),  # digits inside a code count
    ("كان 24 شخصا قد قتلوا", "42 people were killed", [("changed", 24, 42)]),
    ("مقتل سبعة أشخاص", "people were killed", [("missing", 7, None)]),
    ("مقتل سبعة أشخاص", "eight people were killed", [("changed", 7, 8)]),
    ("مقتل سبعة أشخاص", "the second strike killed people", [("missing", 7, None)]),
    ("تجدد القصف أمس", "eight people were killed", []),  # a lone English word number is not flagged
    ("تجدد القصف أمس", "The shelling resumed on 12 May", [("added", None, 12)]),
    ("المبرم في التاسع من سبتمبر الماضي", "concluded on 9 October", [("missing", "9 September", None)]),
    ("المبرم في التاسع من سبتمبر الماضي", "concluded in September", [("missing", "9 September", None)]),
    ("عام 2016", "in 2015", [("changed", "2016", 2015)]),
    ("", "", []),
])
def test_number_flags(arabic: str, english: str, expected: list[tuple[str, object, object]]) -> None:
    flags = number_flags(arabic, english)
    assert _problems(flags) == expected
    assert all(f.kind == "number" and f.message.startswith("check number: ") for f in flags)


def test_number_flag_message_names_both_values() -> None:
    [flag] = number_flags("كان 24 شخصا قد قتلوا", "42 people were killed")
    assert flag.message == "check number: 24 (24) in the Arabic became 42 in the English"
    assert json.loads(json.dumps(flag.detail)) == flag.detail


def _translation(*pairs: tuple[str, str], flags: tuple[Flag, ...] = ()) -> Translation:
    segments = tuple(Segment(a, e, 0, (0, len(a)), flags=flags) for a, e in pairs)
    return Translation(" ".join(a for a, _ in pairs), segments, Signature("m", None, "ct2", "int8", 4))


def test_check_without_encoder_flags_numbers_and_keeps_other_flags() -> None:
    other = Flag("length", "check translation: too long")
    source = _translation(("مقتل سبعة أشخاص", "people were killed"), ("تجدد القصف", "Shelling resumed"),
                          flags=(other, Flag("number", "stale")))
    checked = check_translation(source, encoder="none")
    assert [[f.kind for f in s.flags] for s in checked.segments] == [["length", "number"], ["length"]]
    assert [s.similarity for s in checked.segments] == [None, None]
    assert source.segments[0].flags == (other, Flag("number", "stale"))  # the input is not changed
    assert (checked.source_text, checked.signature) == (source.source_text, source.signature)


def test_check_of_empty_translation() -> None:
    assert check_translation(_translation(), encoder="none").segments == ()


def test_check_flags_an_empty_english() -> None:
    [segment] = check_translation(_translation(("تجدد القصف علي حلب أمس", "")), encoder="none").segments
    expected = [("similarity", "check translation: the English is empty")]
    assert [(f.kind, f.message) for f in segment.flags] == expected


def test_invalid_encoder_names_the_choices() -> None:
    with pytest.raises(InvalidOption, match="invalid encoder 'bert': choose one of auto, use, none"):
        check_translation(_translation(), encoder="bert")


def test_similarity_flags_a_wrong_english_and_passes_a_right_one() -> None:
    source = _translation(
        ("كان 24 شخصا قد قتلوا وأصيب آخرون جراء القصف علي حلب.", "24 people were killed and others injured "
         "in the shelling of Aleppo."),
        ("استهدفت إحدي هذه الغارات مستشفي الصاخور.", "The weather was nice yesterday in Paris."),
        ("علي صعيد متصل.", "On a related note."),  # short: scored, never flagged
    )
    right, wrong, short = check_translation(source, encoder="use").segments
    assert right.similarity > SIMILARITY_THRESHOLD and right.flags == ()
    assert wrong.similarity < SIMILARITY_THRESHOLD
    assert [f.kind for f in wrong.flags] == ["similarity"]
    assert wrong.flags[0].message.startswith("check translation: the English is far from the Arabic (")
    assert short.similarity is not None and short.flags == ()


def test_number_check_rarely_flags_human_translations() -> None:
    if not (FLORES / "arb_Arab.dev").is_file():
        pytest.skip(f"FLORES-200 dev not found at {FLORES}")
    arabic = (FLORES / "arb_Arab.dev").read_text(encoding="utf-8").splitlines()
    english = (FLORES / "eng_Latn.dev").read_text(encoding="utf-8").splitlines()
    flagged = sum(bool(number_flags(a, e)) for a, e in zip(arabic, english, strict=True))
    assert flagged / len(arabic) <= 0.002  # 0 of 997 (6 before duals, halves and "triad" were understood)


# The number check's false alarms where the English writes a number differently, and controls that still fire.
@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ("سجل هدفين ومرر تمريرتين حاسمتين", "He had 2 goals and 2 assists", []),  # duals
    ("خلال خطابه الذي استمر ساعتين", "During his 2 hour speech", []),
    ("هناك رسم إضافي في حالة وجود أكثر من مسافرين", "There is a surcharge for more than 2 passengers", []),
    ("علي بعد ساعة ونصف بالسيارة", "a 1.5 hour drive away", []),  # an hour and a half
    ("علي بعد 1.5 ساعة بالسيارة", "an hour and a half away by car", []),
    ("بلغت الكلفة مليون ونصف دولار", "the cost reached 1.5 million dollars", []),
    ("بلغت الكلفة 2.5 مليون دولار", "the cost reached two and a half million dollars", []),
    ("قتل ما بين 10 و15 شخصا", "10-15 people were killed", []),  # ranges
    ("في موسم 2010-2011", "in the 2010-11 season", []),
    ("احتل المركز الثالث", "He finished 3rd", []),  # ordinals
    ("في الذكري الخامسة والعشرين", "on the 25th anniversary", []),
    ("وصلوا في 26 نوفمبر 2008", "They arrived on November 26, 2008", []),  # dates
    ("وصلوا في 26 نوفمبر 2008", "They arrived on Novemeber 26, 2008", []),  # a typo in the month
    ("وصلوا في 26 نوفمبر 2008", "They arrived on 26/11/2008", []),
    ("صوت نصف السكان", "50 percent of the population voted", []),  # percent and fractions
    ("حصل علي 25% من الأصوات", "He won a quarter of the votes", []),
    ("ارتفع بنسبة ثلاثين في المائة", "It rose by 30%", []),
    ("ثلاثة أعراض معتادة", "a classic triad of symptoms", []),  # words for numbers
    ("قتل سبعة أشخاص", "7 people were killed", []),
    ("قتل سبعة أشخاص", "two people were killed", [("changed", 7, 2)]),  # controls: real errors still fire
    ("علي بعد ساعة ونصف", "2.5 hours away", [("added", None, 2.5)]),
    ("في موسم 2010-2011", "in the 2012-13 season", [("changed", 2010, 2012), ("changed", 2011, 2013)]),
    ("وصلوا في 26 نوفمبر 2008", "They arrived on 26/10/2008", [("missing", "26 November 2008", None)]),
])
def test_number_check_reads_numbers_written_differently(arabic: str, english: str,
                                                        expected: list[tuple[str, object, object]]) -> None:
    assert _problems(number_flags(arabic, english)) == expected


# Numbers as news writes them (issue 21), both directions: the same figure passes, a changed one is flagged.
@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ("بلغت قيمة الصفقة 2.8 مليار جنيه", "The deal was worth £2.8bn", []),
    ("بلغت قيمة الصفقة 2.8 مليار جنيه", "The deal was worth £3.8bn", [("changed", 2800000000, 3800000000)]),
    ("بلغت الكلفة 125 مليون جنيه", "It cost £125m", []),
    ("بلغت الكلفة 125 مليون جنيه", "It cost £152m", [("changed", 125000000, 152000000)]),
    ("تبرع بمبلغ 11 مليون جنيه", "He gave £11million", []),
    ("تبرع بمبلغ 11 مليون جنيه", "He gave £11billion", [("changed", 11000000, 11000000000)]),
    ("بلغ الدين 1.5 تريليون دولار", "The debt reached $1.5 trillion", []),
    ("بلغ الدين 1.5 تريليون دولار", "The debt reached $1.5 billion", [("changed", 1500000000000, 1500000000)]),
    ("استثمرت 3 مليارات دولار", "It invested US$3bn", []),
    ("استثمرت 3 مليارات دولار", "It invested US$3m", [("changed", 3000000000, 3000000)]),
    ("خصص 40 مليون يورو", "It set aside €40m", []),
    ("خصص 40 مليون يورو", "It set aside €14m", [("changed", 40000000, 14000000)]),
    ("٢٫٥ مليار دولار", "$2.5bn", []),
    ("2,5 مليون طن", "2.5mn tonnes", []),
    ("جائزة 5 آلاف دولار", "a $5k prize", []),
    ("ارتفع بنسبة 2.5 في المائة", "It rose 2.5 per cent", []),
    ("ارتفع بنسبة 2.5 في المائة", "It rose 2.5 percent", []),
    ("ارتفع بنسبة 2.5 في المائة", "It rose 3.5 per cent", [("changed", 2.5, 3.5)]),
    ("في بداية القرن الواحد والعشرين", "in the early 2000s", []),  # decades and centuries
    ("في بداية القرن الواحد والعشرين", "in the early 21st century", []),
    ("في القرن التاسع عشر", "in the 1890s", []),
    ("في التسعينيات", "in the 1990s", []),
    ("في تسعينيات القرن العشرين", "in the 1990s", []),
    ("في تسعينيات القرن العشرين", "in the 1790s", [("missing", 20, None)]),
    ("في بداية القرن الواحد والعشرين", "in the early 1900s", [("missing", 21, None)]),
    ("قتل نحو عشرة أشخاص", "about a dozen people were killed", []),  # round figures
    ("قتل عشرات الأشخاص", "dozens of people were killed", []),
    ("قتل عشرات الأشخاص", "a dozen people were killed", []),
    ("تظاهر عشرات الآلاف", "tens of thousands marched", []),
    ("قتل عشرون شخصا", "two dozen people were killed", []),
    ("قتل ثلاثة أشخاص", "a dozen people were killed", [("missing", 3, None)]),
    ("قتل عشرات الأشخاص", "112 people were killed", [("added", None, 112)]),
    ("أرسل 000 2 جندي", "2,000 soldiers were sent", []),  # UN digit groups
    ("أرسل 000 2 جندي", "3,000 soldiers were sent", [("changed", 2000, 3000)]),
    ("تعقد الجلسة الساعة 15:00", "The meeting is at 3 p.m.", []),  # clock times are not checked
    ("في كانون الأول/ديسمبر 2014", "in December 2014", []),
    ("في كانون الأول/ديسمبر 2014", "in December 2015", [("changed", "December 2014", 2015)]),
    ("12 - قررت اللجنة تأجيل الاجتماع", "The Committee decided to postpone the meeting", []),
    ("وفقا للمادة 2-1", "under article 2.1", []),
    ("القرار 683 (د-35)", "resolution 683 (XXXV)", []),
    ("في موسم 2019-20", "in the 2019–20 season", []),
])
def test_number_check_reads_news_notations(arabic: str, english: str,
                                           expected: list[tuple[str, object, object]]) -> None:
    assert _problems(number_flags(arabic, english)) == expected


@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ("وصل نصف مليون لاجئ", "half a million refugees arrived", []),  # a fraction of a scale
    ("وصل نصف مليون لاجئ", "500,000 refugees arrived", []),
    ("وصل نصف مليون لاجئ", "400,000 refugees arrived", [("changed", 1000000, 400000)]),
    ("جزر فوكلاند (مالفيناس)(1)، وجبل طارق", "the Falkland Islands (Malvinas), Gibraltar", []),  # footnote marks
    ("قدم تقرير اللجنة الاستشارية", "the report of the Advisory Committee,3 and requests", []),
    ("في تشرين الأول/أكتوبر وتشرين الثاني/نوفمبر 2014", "in October and November 2014", []),
    ("في تشرين الأول/أكتوبر وتشرين الثاني/نوفمبر 2014", "in October and November 2013",
     [("changed", "November 2014", 2013)]),
])
def test_number_check_reads_fractions_footnotes_and_month_pairs(arabic: str, english: str,
                                                               expected: list[tuple[str, object, object]]) -> None:
    assert _problems(number_flags(arabic, english)) == expected


# Formal and UN notations (issue 21, second round), both directions: the same figure passes, a changed one fires.
@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ("'3` حشد الموارد المالية لتنفيذ الاتفاقيات", "Mobilization of financial resources", []),  # list labels
    ("(6) يستند الالتزام إلى المادة 4", "The commitment rests on Article 4", []),
    ("(6) يستند الالتزام إلى المادة 4", "The commitment rests on Article 5", [("changed", 4, 5)]),
    ("لم ينشئ مائة وأحد عشر بلدا أي نظام", "One hundred and eleven countries had no system", []),
    ("لم ينشئ مائة وأحد عشر بلدا أي نظام", "One hundred and twelve countries had no system",
     [("changed", 111, 112)]),
    ("أقرتها الجمعية الحادية والثلاثون بعد المائة", "Endorsed by the 131st Assembly", []),  # ordinal past 100
    ("أقرتها الجمعية الحادية والثلاثون بعد المائة", "Endorsed by the 132nd Assembly", [("added", None, 132)]),
    ("بلغت الإيرادات 43.3 ملايين دولار", "Income was $43.3 million", []),  # a decimal before a plural scale
    ("بلغت الإيرادات 43.3 ملايين دولار", "Income was $34.3 million", [("changed", 43300000, 34300000)]),
    ("قتل في 2014 آلاف المدنيين", "Thousands of civilians were killed in 2014", []),  # a year, then a plural
    ("بلغت الصفقة ثلاثة آلاف مليون دولار", "The deal was worth $3 billion", []),  # thousand million
    ("بلغت الصفقة ثلاثة آلاف مليون دولار", "The deal was worth $3 million", [("changed", 3000000000, 3000000)]),
    ("لمدة سنتين ونصف", "for 2.5 years", []),  # a dual and a half
    ("لمدة سنتين ونصف", "for 3.5 years", [("added", None, 3.5)]),
    ("خلال الألف يوم الأولى من حياة الطفل", "during the first 1,000 days of a child's life", []),
    ("خلال الألف يوم الأولى من حياة الطفل", "during the first 100 days of a child's life", [("added", None, 100)]),
    ("من 21 تموز/يوليه 2014 إلى 22 تموز/يوليه 2015", "21 July 2014-22 July 2015", []),  # not a season
    ("في موسم 2014-2015", "in the 2014-22 season", [("changed", 2015, 2022)]),
    ("تساهم أستراليا بمبلغ 000 45 دولار أسترالي", "Australia is contributing $A45,000", []),  # $A, NZ$
    ("تساهم أستراليا بمبلغ 000 45 دولار أسترالي", "Australia is contributing $A54,000",
     [("changed", 45000, 54000)]),
    ("تقرير الأمين العام المعنون \"استعراض عام\"()", 'Report of the Secretary-General entitled "Overview"18', []),
    ("تقرير بعنوان \"18 ساعة\"", 'A report entitled "18 hours"', []),
    ("تقرير بعنوان \"18 ساعة\"", 'A report entitled "19 hours"', [("changed", 18, 19)]),
    ("خطط العمل لفترة السنتين 2014-2015", "the business plans for the biennium 20142015", []),  # a lost dash
    ("النساء بين 15 و64 سنة", "women aged 1564", []),
    ("النساء بين 15 و64 سنة", "women aged 1565", [("changed", 15, 1565), ("missing", 64, None)]),
    ("ارتفع عدد القتلى من 10 إلى 15", "the death toll rose to 1015", [("changed", 10, 1015), ("missing", 15, None)]),
    ("قتل 13 شخصا وأصيب 18 آخرون", "1318 people were killed", [("changed", 13, 1318), ("missing", 18, None)]),
    ("تتم متابعة التوصيات كل ثلاثة أشهر", "Recommendations are followed up quarterly", []),  # words for numbers
    ("تتم متابعة التوصيات كل ثلاثة أشهر", "Recommendations are followed up weekly", [("missing", 3, None)]),
    ("تبث البرامج على مدار الساعة وطوال أيام الأسبوع", "programmes broadcast 24 hours a day, 7 days a week", []),
    ("تبث البرامج على مدار الساعة", "programmes broadcast 24/7", []),
    ("تبث البرامج 20 ساعة يوميا", "programmes broadcast 24 hours a day", [("changed", 20, 24)]),
    ("تبث البرامج 24 ساعة يوميا", "programmes broadcast 24 hours a day", []),
    ("يسمح للسجناء بالخروج ساعتين يوميا", "prisoners may go out 24 hours a day", [("added", None, 24)]),
    ("يعمل المتجر 6 أيام في الأسبوع", "the shop is open 7 days a week", [("changed", 6, 7)]),
    ("المادة 10-103 (د) من الباب 18", "s.10.103(d), Title 18", []),  # a dotted section number
    ("المادة 10-103 (د) من الباب 18", "s.10.104(d), Title 18", [("changed", 103, 104)]),
])
def test_number_check_reads_formal_notations(arabic: str, english: str,
                                             expected: list[tuple[str, object, object]]) -> None:
    assert _problems(number_flags(arabic, english)) == expected


@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ("الخلايا الرئوية من النوع 1 والنوع 2", "type-I and type-II pneumocytes", []),  # Roman numerals after type
    ("بروتين غشائي من النوع 1", "a type I membrane protein", []),
    ("بروتين غشائي من النوع 1", "a type II membrane protein", [("missing", 1, None)]),
    ("قلت إن 5 أشخاص قتلوا", "I said 5 people were killed", []),  # the pronoun stays a pronoun
    ("قلت إن 5 أشخاص قتلوا", "I said 6 people were killed", [("changed", 5, 6)]),
    ("تتراوح أعمارها بين مليوني وثلاثة ملايين عام", "two million to three million years old", []),  # two numbers
    ("تتراوح أعمارها بين مليوني وثلاثة ملايين عام", "two million to four million years old",
     [("changed", 3000000, 4000000)]),
    ("بلغ الإنتاج مليونين وثلاثمائة ألف طن", "output reached 2.3 million tonnes", []),
    ("شارك فيه أكثر من 42000 شخص", "with more than 42.000 participants", []),  # thousands grouped with a dot
    ("شارك فيه أكثر من 42000 شخص", "with more than 43.000 participants", [("changed", 42000, 43)]),
    ("خصصت الكود يو 07.1 للوفيات", "assigned the code U07.1 to deaths", []),  # codes glued to letters
])
def test_number_check_reads_technical_notations(arabic: str, english: str,
                                                expected: list[tuple[str, object, object]]) -> None:
    assert _problems(number_flags(arabic, english)) == expected
