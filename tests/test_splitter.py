"""mt.splitter: sentence rules, exact spans, cutting over-long sentences, the seed, FLORES recall, speed."""

from __future__ import annotations

import csv

import pytest
from conftest import FLORES, SEED

from mt.errors import InvalidOption
from mt.splitter import estimate_tokens, split_sentences
from mt.types import SourceSegment


def words(text: str) -> int:
    """A token counter that is easy to reason about: one token per whitespace-separated word."""
    return len(text.split())


def texts(text: str, **kwargs) -> list[str]:
    return [s.text for s in split_sentences(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ذهب. عاد! لماذا؟ حقا?", ["ذهب.", "عاد!", "لماذا؟", "حقا?"]),
        ("هل أنت بخير؟! نعم… ربما", ["هل أنت بخير؟!", "نعم…", "ربما"]),
        ("قال د. محمد إن الوضع خطير. وأضاف م. أحمد أنه يتحسن.",
         ["قال د. محمد إن الوضع خطير.", "وأضاف م. أحمد أنه يتحسن."]),
        ("راجع ص. 15 و ق. 3 من التقرير.", ["راجع ص. 15 و ق. 3 من التقرير."]),
        ("وقع ذلك عام 1990 م. وقال الشاهد إنه رأى كل شيء.",
         ["وقع ذلك عام 1990 م.", "وقال الشاهد إنه رأى كل شيء."]),
        ("Dr. Smith met Mr. J. K. Rowling at 10:08 p.m. on Monday. It was 3.5 degrees! Really?",
         ["Dr. Smith met Mr. J. K. Rowling at 10:08 p.m. on Monday.", "It was 3.5 degrees!", "Really?"]),
        ("This is e.g. fine. The U.S. Army arrived.", ["This is e.g. fine.", "The U.S. Army arrived."]),
        ("وصلت في 10:08 وبلغت الحرارة 3.5 درجات. ثم غادرت.",
         ["وصلت في 10:08 وبلغت الحرارة 3.5 درجات.", "ثم غادرت."]),
        ("زوروا www.example.com/a?b=1 أو اكتبوا إلى info@example.org. ثم انتظروا.",
         ["زوروا www.example.com/a?b=1 أو اكتبوا إلى info@example.org.", "ثم انتظروا."]),
        ('قال: "لا أعرف… ربما غدا". ثم غادر.', ['قال: "لا أعرف… ربما غدا".', "ثم غادر."]),
        ('قال: "لا أعرف... ربما غدا" ثم غادر.', ['قال: "لا أعرف... ربما غدا" ثم غادر.']),
        ('قال "انتهى الأمر." ثم رحل.', ['قال "انتهى الأمر."', "ثم رحل."]),
        ("قال «انتهى الأمر!» ثم رحل (بسرعة.) وانتهى.", ["قال «انتهى الأمر!»", "ثم رحل (بسرعة.)", "وانتهى."]),
        ("يهدد ¢باتخاذ إجراءات¢. من جانبها.", ["يهدد ¢باتخاذ إجراءات¢.", "من جانبها."]),
        ("1. البند الأول. 2. البند الثاني.", ["1. البند الأول.", "2. البند الثاني."]),
        ("ساعات عمل مرنة. (بريمر، 1998) يتيح الإنترنت ذلك.",
         ["ساعات عمل مرنة. (بريمر، 1998)", "يتيح الإنترنت ذلك."]),
        ("قال: «لا أعرف…» ثم غادر. وانتهى.", ["قال: «لا أعرف…» ثم غادر.", "وانتهى."]),
        ("موقع ياهو! و خدمات أخرى.", ["موقع ياهو! و خدمات أخرى."]),
        ("الصور، القصص... إلخ", ["الصور، القصص... إلخ"]),
        ("approx. twenty people came. Then left.", ["approx. twenty people came.", "Then left."]),
        ("الأول، الثاني؛ الثالث: الرابع, الخامس; السادس", ["الأول، الثاني؛ الثالث: الرابع, الخامس; السادس"]),
        ("نهاية.بلا مسافة", ["نهاية.بلا مسافة"]),
        ("حلب", ["حلب"]),
    ],
)
def test_sentence_rules(text, expected):
    assert texts(text) == expected


def test_paragraphs_and_exact_spans():
    text = " أولا. ثانيا!\r\n\n  ثالث؟ \u200f\n\t\nرابع"
    assert split_sentences(text) == [
        SourceSegment("أولا.", 0, (1, 6)),
        SourceSegment("ثانيا!", 0, (7, 13)),
        SourceSegment("ثالث؟", 2, (18, 23)),
        SourceSegment("رابع", 4, (28, 32)),
    ]


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n \n", "\u200f\u200e\ufeff", "\n\u200b\n"])
def test_blank_input_gives_no_segments(text):
    assert split_sentences(text) == []


@pytest.mark.parametrize(
    ("max_tokens", "expected"),
    [
        (3, ["الأول، الثاني الثالث،", "الرابع الخامس السادس؛", "السابع الثامن"]),
        (6, ["الأول، الثاني الثالث، الرابع الخامس السادس؛", "السابع الثامن"]),
        (2, ["الأول،", "الثاني الثالث،", "الرابع الخامس", "السادس؛", "السابع الثامن"]),
        (5, ["الأول، الثاني الثالث،", "الرابع الخامس السادس؛ السابع الثامن"]),
        (1, ["الأول،", "الثاني", "الثالث،", "الرابع", "الخامس", "السادس؛", "السابع", "الثامن"]),
    ],
)
def test_over_long_sentence_is_cut_at_commas_before_spaces(max_tokens, expected):
    text = "الأول، الثاني الثالث، الرابع الخامس السادس؛ السابع الثامن"
    assert texts(text, max_tokens=max_tokens, count_tokens=words) == expected


def test_sentence_ends_inside_an_over_long_sentence_come_before_commas():
    text = 'قال: "هذا مهم. وهذا أيضا." ثم غادر الرجل بسرعة، كبيرة جدا'
    assert texts(text, max_tokens=4, count_tokens=words) == [
        'قال: "هذا مهم.', 'وهذا أيضا."', "ثم غادر الرجل بسرعة،", "كبيرة جدا",
    ]


def test_giant_word_is_cut_between_characters_keeping_marks_on_their_letter():
    assert texts("كَتَبَ" * 2, max_tokens=4, count_tokens=len) == ["كَتَ", "بَكَ", "تَبَ"]
    assert texts("ب" * 25, max_tokens=10, count_tokens=len) == ["ب" * 9, "ب" * 9, "ب" * 7]  # even pieces


def test_run_on_sentence_of_3000_words_loses_nothing():
    run_on = " ".join(f"كلمة{i}" for i in range(3000))
    segments = split_sentences(run_on, max_tokens=100)
    assert len(segments) > 10
    assert all(estimate_tokens(s.text) <= 100 for s in segments)
    assert all(run_on[s.span[0] : s.span[1]] == s.text for s in segments)
    assert "".join(s.text for s in segments).replace(" ", "") == run_on.replace(" ", "")
    assert [s.span[0] for s in segments] == sorted(s.span[0] for s in segments)


@pytest.mark.parametrize(
    ("max_tokens", "message"),
    [(0, "invalid max_tokens 0"), (-5, "invalid max_tokens -5"), (True, "invalid max_tokens True"),
     (2.5, "invalid max_tokens 2.5")],
)
def test_bad_max_tokens_is_refused(max_tokens, message):
    with pytest.raises(InvalidOption, match=message):
        split_sentences("حلب.", max_tokens=max_tokens)


def test_a_single_character_over_the_limit_is_refused_with_the_limit_it_needs():
    with pytest.raises(InvalidOption, match="at least 3: the single character 'ب'"):
        split_sentences("بب", max_tokens=2, count_tokens=lambda s: 3 * len(s))


@pytest.mark.parametrize(
    ("text", "expected"), [("", 0), ("حلب", 2), ("الولايات المتحدة.", 7), ("Hi, all!", 5)]
)
def test_estimate_tokens(text, expected):
    assert estimate_tokens(text) == expected


def test_seed_report_splits_into_its_29_sentences():
    text = SEED.read_text(encoding="utf-8")
    segments = split_sentences(text)
    assert len(segments) == 29  # read by hand: 29 periods, each followed by a space or the end
    assert all(text[s.span[0] : s.span[1]] == s.text and s.paragraph == 0 for s in segments)
    assert segments[0].text == "تجدد قصف الطيران الروسي والسوري علي عدة أحياء في مدينة حلب أمس."
    assert segments[3] == SourceSegment("علي صعيد متصل.", 0, (291, 305))
    assert segments[16].text == (
        "كما يهدد المشروع ¢باتخاذ إجراءات أخري¢ في حال لم تلتزم الأطراف بوقف إطلاق النار."
    )
    assert segments[22].text == "بل مع الشيطان نفسه¢."
    assert segments[-1].span[1] == len(text.rstrip())


def test_five_thousand_lines_split_whole():
    line = "السطر رقم {} فيه جملة أولى. وفيه د. محمد وجملة ثانية؟ نعم، «وثالثة…» هنا! (2) «رابعة.»"
    lines = [line.format(i) for i in range(5000)]
    text = "\n".join(lines)
    segments = split_sentences(text)  # its speed is eval/translation/splitter_recall.py's business, not a test's
    assert len(segments) == 5000 * 4
    assert segments[-1].paragraph == 4999
    assert all(text[s.span[0] : s.span[1]] == s.text for s in segments[::97])


def flores_documents() -> list[list[str]]:
    if not (FLORES / "arb_Arab.dev").is_file():
        pytest.skip(f"FLORES-200 dev not found at {FLORES} (set MTBRIEF_FLORES to its folder)")
    lines = (FLORES / "arb_Arab.dev").read_text(encoding="utf-8").split("\n")
    with (FLORES / "metadata_dev.tsv").open(encoding="utf-8", newline="") as handle:
        urls = [row[0] for row in csv.reader(handle, delimiter="\t")][1:]
    documents: list[list[str]] = []
    for i, line in enumerate(lines[: len(urls)]):
        if i and urls[i] == urls[i - 1]:
            documents[-1].append(line)
        else:
            documents.append([line])
    return documents


def test_flores_boundary_recall():
    joins = found = punctuated = punctuated_found = 0
    for doc in flores_documents():
        text = " ".join(doc)
        segments = split_sentences(text)
        assert all(text[s.span[0] : s.span[1]] == s.text for s in segments)
        ends = {s.span[1] for s in segments}
        offset = 0
        for line in doc[:-1]:
            end = offset + len(line.rstrip())  # the join is where the line's last visible character ends
            hit, marked = end in ends, line.rstrip().rstrip("\"»)").endswith((".", "!", "?", "؟", "…"))
            joins, found = joins + 1, found + hit
            punctuated, punctuated_found = punctuated + marked, punctuated_found + (hit and marked)
            offset += len(line) + 1
    assert joins == 716
    # 6 of the 716 FLORES line ends carry no sentence-final mark at all (؛ : ) or nothing); every join that
    # does is found, and overall recall is 710/716 = 0.9916 (see the report of eval/translation/splitter_recall.py).
    assert punctuated_found / punctuated >= 0.995
    assert found / joins >= 0.99
