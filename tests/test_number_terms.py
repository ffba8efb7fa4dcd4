"""Numbers inside terms and idioms, sports scores and records, fractions: the number check in both directions.

Each table row is one (Arabic, English) pair. The same figure (or a term whose number names a thing, rendered
without it) raises no flag; a changed figure beside the same term is flagged, with the exact message.
"""

from __future__ import annotations

import pytest

from summarize.lang.number_terms import arabic_term_tokens, english_terms
from summarize.lang.numbers_en import fraction_values, read_english_numbers
from summarize.lang.text import tokenize
from summarize.quality.check import number_flags


def _messages(arabic: str, english: str) -> list[str]:
    return [f.message.removeprefix("check number: ") for f in number_flags(arabic, english)]


# The same figures, or a term rendered without its number: no flag.
@pytest.mark.parametrize(("arabic", "english"), [
    ('كانت مباراة من طرف واحد.', 'It was a one-sided match.'),
    ('شاهد الأحداث بنفسه.', 'He saw the events first-hand.'),
    ('باع سيارة مستعملة.', 'He sold a second-hand car.'),
    ('وهو أحد أبرز اللاعبين.', 'He is one of the top players.'),
    ('قاد الفريق وحده إلى الفوز.', 'He single-handedly led the team to victory.'),
    ('اشترى سيارة ذات دفع رباعي.', 'He bought a four-wheel drive car.'),
    ('اشترى سيارة ذات دفع رباعي.', 'He bought a 4x4.'),
    ('تحطمت طائرة بوينغ 737 أمس.', 'A Boeing jet crashed yesterday.'),
    ('أسقطت طائرة إف-16 قرب الحدود.', 'A fighter jet was shot down near the border.'),
    ('تحطمت طائرة في ذكرى أحداث 11 سبتمبر.', 'A plane crashed on the anniversary of 9/11.'),
    ('ارتفعت إصابات فيروس كورونا المستجد في البلاد.', 'Covid-19 cases rose in the country.'),
    ('فاز الفريق بهدف نظيف.', 'The team won 1-0.'),
    ('فاز الفريق بثلاثية نظيفة.', 'The team won 3-0.'),
    ('تعادل الفريقان سلبيا.', 'The teams drew 0-0.'),
    ('تعادل الفريقان 0-0 في المباراة.', 'The teams played out a goalless draw.'),
    ('فاز بثلاثة أهداف لهدفين.', 'He won 3-2.'),
    ('فاز بثلاثة أهداف مقابل هدف.', 'He won 3-1.'),
    ('تأهل الفريق إلى دور الثمانية.', 'The team reached the quarter-finals.'),
    ('تأهل الفريق إلى دور الستة عشر.', 'The team reached the knockout stage.'),
    ('ينتمي إلى الطائفة الاثني عشرية.', 'He belongs to the Twelver sect.'),
    ('اشترى سيارة بالدفع بالعجلات الأربع.', 'He bought an SUV.'),
    ('أنا متأكد مئة في المئة.', 'I am absolutely sure.'),
    ('لعب خمس جولات وثلث.', 'He pitched 5 1/3 innings.'),
    ('لعب 5 1/3 جولات.', 'He pitched 5 1/3 innings.'),
    ('لعب 5.1 جولات.', 'He pitched 5 1/3 innings.'),
    ('سجل ثلاثية في المباراة.', 'He scored a hat-trick in the match.'),
    ('سجل ثلاثة أهداف في المباراة.', 'He scored a hat-trick in the match.'),
    ('سجل هدفين.', 'He scored a brace.'),
    ('فاز بنتيجة 3 و2.', 'He won 3&2.'),
    ('معدل 3.10 في الموسم.', 'A 3.10 ERA this season.'),
    ('معدل ٣٫١٠ في الموسم.', 'A 3.10 ERA this season.'),
    ('معدل 3,10 في الموسم.', 'A 3.10 ERA this season.'),
    ('فاز بهدفين مقابل هدف وحيد.', 'He won 2-1.'),
    ('معدل 3.1 في الموسم.', 'A 3.10 ERA this season.'),
    ('سجل الفريق 12 فوزا و4 هزائم.', 'The team is 12-4.'),
    ('تحت 20 عاما.', 'The U-20 team.'),
    ('منتخب تحت 21 عاما.', 'The under-21 side.'),
    ('شارك في سباق الفورمولا 1.', 'He took part in the Formula One race.'),
    ('شارك في سباق الفورمولا وان.', 'He took part in the Formula 1 race.'),
])
def test_the_same_figure_raises_no_flag(arabic: str, english: str) -> None:
    assert _messages(arabic, english) == []


# A changed figure beside the same term, score or fraction: flagged.
@pytest.mark.parametrize(("arabic", "english", "expected"), [
    ('قتل 3 أشخاص في ذكرى أحداث 11 سبتمبر.', 'Four people were killed on the anniversary of 9/11.',
     ['3 (3) in the Arabic became four in the English']),
    ('ارتفعت إصابات فيروس كورونا المستجد إلى 19 حالة.', 'Covid-19 cases rose to 20.',
     ['20 in the English is not in the Arabic']),
    ('فاز الفريق بهدف نظيف.', 'The team won 2-0.',
     ['2 in the English is not in the Arabic']),
    ('فاز الفريق بثلاثية نظيفة.', 'The team won 4-0.',
     ['4 in the English is not in the Arabic']),
    ('تعادل الفريقان 1-1 في المباراة.', 'The teams played out a goalless draw.',
     ['1 (1) in the Arabic is missing from the English', '1 (1) in the Arabic is missing from the English']),
    ('فاز بثلاثة أهداف مقابل هدف.', 'He won 3-2.',
     ['2 in the English is not in the Arabic']),
    ('تأهل الفريق إلى دور الثمانية بعد فوزه 2-1.', 'The team reached the quarter-finals after a 3-1 win.',
     ['2 (2) in the Arabic became 3 in the English']),
    ('تأهل الفريق إلى دور الثمانية.', 'The team reached the last 16.',
     ['16 in the English is not in the Arabic']),
    ('اشترى 5 سيارات بالدفع بالعجلات الأربع.', 'He bought 6 four-wheel drive cars.',
     ['5 (5) in the Arabic became 6 in the English']),
    ('لعب 5.2 جولات.', 'He pitched 5 1/3 innings.',
     ['5.2 (5.2) in the Arabic became 5 1/3 in the English']),
    ('لعب خمس جولات وثلث.', 'He pitched 5 2/3 innings.',
     ['5 2/3 in the English is not in the Arabic']),
    ('معدل 3.10 في الموسم.', 'A 3.20 ERA this season.',
     ['3.10 (3.1) in the Arabic became 3.20 in the English']),
    ('فاز بنتيجة 3 و2.', 'He won 4&3.',
     ['2 (2) in the Arabic became 4 in the English']),
    ('سجل ثلاثة أهداف في المباراة.', 'He scored two goals in the match.',
     ['ثلاثة (3) in the Arabic became two in the English']),
    ('شارك في سباق الفورمولا 1 للمرة 5.', 'He took part in the Formula One race for the 6th time.',
     ['5 (5) in the Arabic became 6th in the English']),
    ('ينتمي 12 نائبا إلى الطائفة الاثني عشرية.', '11 MPs belong to the Twelver sect.',
     ['12 (12) in the Arabic became 11 in the English']),
    ('أنا متأكد مئة في المئة من أن 30 شخصا قتلوا.', 'I am absolutely sure that 40 people were killed.',
     ['30 (30) in the Arabic became 40 in the English']),
    ('قرار من جانب واحد اتخذته 3 دول.', 'A one-sided decision taken by four countries.',
     ['3 (3) in the Arabic became four in the English']),
    ('باع 7 سيارات مستعملة.', 'He sold 8 second-hand cars.',
     ['7 (7) in the Arabic became 8 in the English']),
    ('كان واحدا من 10 لاعبين.', 'He was one of 11 players.',
     ['10 (10) in the Arabic became 11 in the English']),
    ('سجل الفريق 12 فوزا و5 هزائم.', 'The team is 12-4.',
     ['5 (5) in the Arabic became 4 in the English']),
    ('فاز الفريق 3-1.', 'The team won 2-1.',
     ['3 (3) in the Arabic became 2 in the English']),
    ('لعب ست جولات.', 'He pitched 5 1/3 innings.',
     ['ست (6) in the Arabic became 5 1/3 in the English']),
    ('تحطمت طائرة بوينغ 737 أمس.', 'A Boeing 747 crashed yesterday.', ['747 in the English is not in the Arabic']),
    # «بهدف» outside a score is "in order to": no 1 there.
    ('اجتمعوا بهدف تعزيز التعاون.', 'They met to strengthen cooperation in 1 area.',
     ['1 in the English is not in the Arabic']),
])
def test_a_changed_figure_is_flagged(arabic: str, english: str, expected: list[str]) -> None:
    assert _messages(arabic, english) == expected



@pytest.mark.parametrize(("text", "terms", "left"), [
    ("Covid-19 and four-wheel drive cars.", ["Covid-19", "four-wheel drive"], "  and   cars."),
    ("He is one of them.", ["one of"], "He is   them."),
    ("Ten people died.", [], "Ten people died."),
    ("", [], ""),
])
def test_english_terms_are_blanked_and_kept(text: str, terms: list[str], left: str) -> None:
    assert english_terms(text) == (left, terms)


@pytest.mark.parametrize(("arabic", "expected"), [
    ("تأهل إلى دور الثمانية أمس", {2, 3}),  # إلى is token 1
    ("وصل إلى دور الـ16", {2, 3, 4}),
    ("قتل ثمانية أشخاص في الدور الأول", set()),  # a round and a number apart: no term
    ("", set()),
])
def test_arabic_terms_cover_their_tokens(arabic: str, expected: set[int]) -> None:
    assert arabic_term_tokens(tokenize(arabic)) == expected


@pytest.mark.parametrize(("text", "values", "read"), [
    ("5 1/3 innings", [5.3333, 5.1], [5.3333]),
    ("2/3 of the votes", [0.6667], [0.6667]),
    ("on 9/11 and 24/7", [], [9, 11, 24, 7]),  # a date and an idiom are no fractions
    ("", [], []),
])
def test_fractions_are_one_number(text: str, values: list[float], read: list[float]) -> None:
    assert fraction_values(text) == values
    assert [n.value for n in read_english_numbers(text)] == read


def test_a_huge_text_of_terms_reads_in_one_pass() -> None:
    arabic = "تأهل الفريق إلى دور الثمانية بعد فوزه بثلاثية نظيفة. " * 2000
    english = "The team reached the quarter-finals after a 3-0 win. " * 2000
    assert _messages(arabic, english) == []
