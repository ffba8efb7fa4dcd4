"""mt.arabic: normalization, the final-ya and joined-word repairs, and prepare_document."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import FLORES, SEED

from mt.arabic import (
    PreparedSegment,
    PrepOptions,
    find_joined_words,
    normalize,
    prepare_document,
    repair_final_ya,
    repair_joined_words,
    uses_final_ya,
)
from mt.errors import InvalidOption
from mt.types import SourceSegment


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize(
    ("text", "expected", "expected_without_diacritics"),
    [
        ("", "", ""),
        ("ﻋﻠﻰ ﺍﻷﺭﺽ", "على الأرض", "على الأرض"),  # presentation forms → letters
        ("الـــعـربية", "العربية", "العربية"),
        ("\ufeffنص\u200f مع\u200e علامات\u202b\u202c \u2066x\u2069 كلمة\u200cمركبة",
         "نص مع علامات x كلمةمركبة", "نص مع علامات x كلمةمركبة"),
        ("سعر ٣٫٥ دولار و١٬٠٠٠ و۱۲۳۴ و٪٥٠",
         "سعر 3.5 دولار و1,000 و1234 و%50", "سعر 3.5 دولار و1,000 و1234 و%50"),
        ("«مرحبا» “أهلا” „هنا‟ ‘نعم’", '"مرحبا" "أهلا" "هنا" \'نعم\'', '"مرحبا" "أهلا" "هنا" \'نعم\''),
        ("¢باتخاذ إجراءات أخري¢", '"باتخاذ إجراءات أخري"', '"باتخاذ إجراءات أخري"'),
        ("50¢ و$5¢", "50¢ و$5¢", "50¢ و$5¢"),  # a cent sign after a number stays
        ("m² H₂O ½", "m² H₂O ½", "m² H₂O ½"),  # NFKC would flatten these; they are kept
        ("ﷲ ABC １２３ …", "الله ABC 123 ...", "الله ABC 123 ..."),
        ("عَلَى الأَرْضِ هٰذا", "عَلَى الأَرْضِ هٰذا", "على الأرض هذا"),
        ("مدرسة مستشفى أحمد إسلام آمن", "مدرسة مستشفى أحمد إسلام آمن", "مدرسة مستشفى أحمد إسلام آمن"),
    ],
)
def test_normalize(text, expected, expected_without_diacritics):
    assert normalize(text) == expected
    assert normalize(text, remove_diacritics=True) == expected_without_diacritics


def test_normalize_never_folds_letters():
    letters = "ة ى ي أ إ آ ا ه ؤ ئ"
    assert normalize(letters, remove_diacritics=True) == letters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وصل الوفد إلي صنعاء علي متن طائرة حتي الصباح.", "وصل الوفد إلى صنعاء على متن طائرة حتى الصباح."),
        ("استهدفت إحدي الغارات مستشفي الصاخور مما أدي إلي مقتل سبعة.",
         "استهدفت إحدى الغارات مستشفى الصاخور مما أدى إلى مقتل سبعة."),
        ("متي تصل إلي المدينة؟ من ناحية أخري لا تري موسكو فرصا.",
         "متى تصل إلى المدينة؟ من ناحية أخرى لا ترى موسكو فرصا."),
        ("القصف علي حلب علي مدار اليوم", "القصف على حلب على مدار اليوم"),
        # the name Ali survives: title, kinship, following name, following إن, punctuation after it
        ("قال الشيخ علي إن القصف علي المدينة مستمر حتي الآن.",
         "قال الشيخ علي إن القصف على المدينة مستمر حتى الآن."),
        ("التقى أبو علي بالسيد علي في مشفي المدينة. وذهب إلي البيت.",
         "التقى أبو علي بالسيد علي في مشفى المدينة. وذهب إلى البيت."),
        ("أكد الرئيس علي عبدالله صالح أن الوفد وصل إلي صنعاء.",
         "أكد الرئيس علي عبدالله صالح أن الوفد وصل إلى صنعاء."),
        ("كان علي بن أبي طالب رابع الخلفاء. وقال علي إنه سيعود إلي بلده.",
         "كان علي بن أبي طالب رابع الخلفاء. وقال علي إنه سيعود إلى بلده."),
        ("وصل الدكتور علي حسن إلي القاهرة. وقال د. علي إن الوضع مستقر حتي الآن.",
         "وصل الدكتور علي حسن إلى القاهرة. وقال د. علي إن الوضع مستقر حتى الآن."),
        ("وأعلن زين العابدين بن علي حتي اللحظة رفضه.", "وأعلن زين العابدين بن علي حتى اللحظة رفضه."),
        ("ذهب محمد وعلي إلي المدرسة علي الفور.", "ذهب محمد وعلي إلى المدرسة على الفور."),
        ("قابلت علي. ثم ذهبت إلي البيت.", "قابلت علي. ثم ذهبت إلى البيت."),
        # correctly spelled text (ى-words dominate) is untouched, even a stray ي-form in it
        ("ذهب إلى المدرسة على الفور حتى الآن وقال علي كلاما.",
         "ذهب إلى المدرسة على الفور حتى الآن وقال علي كلاما."),
        ("وصل إلى القاهرة على متن طائرة حتي الصباح.", "وصل إلى القاهرة على متن طائرة حتي الصباح."),
        # too little evidence: one علي may be the name, one يسمي may be the verb "calls"
        ("القصف علي حلب", "القصف علي حلب"),
        ("يسمي العلماء هذه العملية الانبعاث المحفز.", "يسمي العلماء هذه العملية الانبعاث المحفز."),
        ("في الذي التي الكندي حي كي عسكري", "في الذي التي الكندي حي كي عسكري"),
        ("", ""),
    ],
)
def test_repair_final_ya(text, expected):
    assert repair_final_ya(text) == expected


@pytest.mark.parametrize(
    ("text", "forced", "expected"),
    [("القصف علي حلب", True, "القصف على حلب"), ("حتي إلي", False, "حتي إلي"),
     ("عَلَي الأرض", True, "عَلَى الأرض")],
)
def test_repair_final_ya_with_the_decision_given(text, forced, expected):
    assert repair_final_ya(text, document_uses_ya=forced) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("إلي البيت", True), ("علي حلب وعلي دمشق", True), ("علي حلب", False), ("على حلب وعلي دمشق", False),
     ("قال علي. وقال علي.", False), ("", False)],
)
def test_uses_final_ya(text, expected):
    assert uses_final_ya(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("الولاياتالمتحدة", "الولايات المتحدة"),
        ("روسياوالولاياتالمتحدة", "روسيا والولايات المتحدة"),
        ("ميثاق الأممالمتحدة الذي", "ميثاق الأمم المتحدة الذي"),
        ("تتميزعلى غيرها", "تتميز على غيرها"),
        ("منالأفضل أن", "من الأفضل أن"),
        ("تُظهرالصورة", "تُظهر الصورة"),  # diacritics stay on their letters
        # real words, names and rare forms stay whole
        ("عبدالله عبدالرحمن أبوظبي الديرخبية دارفور الإسكندرية واشنطن",
         "عبدالله عبدالرحمن أبوظبي الديرخبية دارفور الإسكندرية واشنطن"),
        ("بهاواي ومانارولا وكلاليك نوافذها للاتحادات المقصودين",
         "بهاواي ومانارولا وكلاليك نوافذها للاتحادات المقصودين"),
        ("Hello الولايات", "Hello الولايات"),
        ("", ""),
    ],
)
def test_repair_joined_words(text, expected):
    assert repair_joined_words(text) == expected


def test_find_joined_words_on_the_seed():
    assert find_joined_words(SEED.read_text(encoding="utf-8")) == [
        ("روسياوالولاياتالمتحدة", "روسيا والولايات المتحدة"),
        ("الأممالمتحدة", "الأمم المتحدة"),
        ("روسياوالولاياتالمتحدة", "روسيا والولايات المتحدة"),
        ("الولاياتالمتحدة", "الولايات المتحدة"),
        ("الولاياتالمتحدة", "الولايات المتحدة"),
    ]


def test_repairs_barely_touch_clean_flores_text():
    if not (FLORES / "arb_Arab.dev").is_file():
        pytest.skip(f"FLORES-200 dev not found at {FLORES} (set MTBRIEF_FLORES to its folder)")
    lines = (FLORES / "arb_Arab.dev").read_text(encoding="utf-8").splitlines()
    changes = [pair for line in lines for pair in find_joined_words(normalize(line))]
    # both are real missing spaces in FLORES dev
    assert changes == [("تُظهرالصورة", "تُظهر الصورة"), ("تتميزعلى", "تتميز على")]
    assert not uses_final_ya(normalize("\n".join(lines)))


def test_prepare_document_on_the_seed():
    text = SEED.read_text(encoding="utf-8")
    prepared = prepare_document(text)
    assert len(prepared) == 29
    assert all(isinstance(p, PreparedSegment) and text[p.source.span[0] : p.source.span[1]] == p.source.text
               for p in prepared)
    assert prepared[3] == PreparedSegment(SourceSegment("علي صعيد متصل.", 0, (291, 305)), "على صعيد متصل.")
    assert prepared[6].mt_input == "استهدفت إحدى هذه الغارات مستشفى الصاخور."
    assert prepared[7].mt_input == "مما أدى إلى مقتل سبعة أشخاص."
    assert prepared[16].mt_input == (
        'كما يهدد المشروع "باتخاذ إجراءات أخرى" في حال لم تلتزم الأطراف بوقف إطلاق النار.'
    )
    assert prepared[17].mt_input.startswith(
        "إلا أنه لا يدعو إلى تفعيل الفصل السابع من ميثاق الأمم المتحدة الذي"
    )
    assert "يدعو روسيا والولايات المتحدة إلى اتخاذ" in prepared[12].mt_input
    joined = " ".join(p.mt_input for p in prepared)
    assert not re.search(r"(?<!\S)(علي|إلي|حتي|أخري|إحدي|أدي|مستشفي|مشفي|تري)(?!\S)", joined)
    assert "¢" not in joined and "الولاياتالمتحدة" not in joined and "الأممالمتحدة" not in joined


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (PrepOptions(), "وعلى الأرض قال الأمم المتحدة."),
        (PrepOptions(repair_final_ya=False), "وعلي الأرض قال الأمم المتحدة."),
        (PrepOptions(repair_joined_words=False), "وعلى الأرض قال الأممالمتحدة."),
        (PrepOptions(remove_diacritics=True), "وعلى الأرض قال الأمم المتحدة."),
    ],
)
def test_prepare_options(options, expected):
    text = "وعلي  الأَرْضِ\u200f قال الأممالمتحدة. حتي"
    prepared = prepare_document(text, options=options)
    assert [p.source.text for p in prepared] == ["وعلي  الأَرْضِ\u200f قال الأممالمتحدة.", "حتي"]
    first = prepared[0].mt_input
    assert ("ْ" in first) is not options.remove_diacritics
    assert re.sub("[\u064b-\u0652]", "", first) == expected


def test_prep_options_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError, match="repair_final_ya"):
        PrepOptions().repair_final_ya = False  # type: ignore[misc]


def test_final_ya_decision_can_be_forced_for_streamed_lines():
    assert prepare_document("القصف علي حلب")[0].mt_input == "القصف علي حلب"
    assert prepare_document("القصف علي حلب", final_ya=True)[0].mt_input == "القصف على حلب"
    assert prepare_document("إلي حلب", final_ya=False)[0].mt_input == "إلي حلب"


@pytest.mark.parametrize("text", ["", " ", "\n\n \t\n", "\u200f\u200b", "ـــ", " \n\ufeff\n"])
def test_blank_documents_give_nothing(text):
    assert prepare_document(text) == []


@pytest.mark.parametrize("max_tokens", [1, 2, 3, 5, 40])
def test_no_prepared_piece_exceeds_the_limit(max_tokens):
    text = "قال ﷺ كلاما، ثم روسياوالولاياتالمتحدة علي الأرض إلي الأبد.\nﷺ ﷺ " + "كلمة " * 60
    prepared = prepare_document(text, max_tokens=max_tokens, count_tokens=words)
    assert all(words(p.mt_input) <= max_tokens for p in prepared)
    assert all(text[p.source.span[0] : p.source.span[1]] == p.source.text for p in prepared)
    assert " ".join(p.mt_input for p in prepared).split()[:4] == ["قال", "صلى", "الله", "عليه"]
    assert sum(words(p.mt_input) for p in prepared) == words(normalize(text)) + 2  # the repairs' two spaces


def test_one_expanding_character_is_cut_in_the_model_text_and_keeps_its_source():
    prepared = prepare_document("ﷺ", max_tokens=2, count_tokens=words)
    assert prepared == [PreparedSegment(SourceSegment("ﷺ", 0, (0, 1)), "صلى الله"),
                        PreparedSegment(SourceSegment("ﷺ", 0, (0, 1)), "عليه وسلم")]


def test_prepare_refuses_a_bad_limit():
    with pytest.raises(InvalidOption, match="invalid max_tokens 0"):
        prepare_document("حلب", max_tokens=0)


def test_prepare_a_huge_document():
    line = "تجدد القصف علي حلب. وقال الشيخ علي إن روسياوالولاياتالمتحدة تتفاوض إلي الآن!"
    text = "\n".join([line] * 5000)
    prepared = prepare_document(text, max_tokens=256)
    assert len(prepared) == 10000
    assert prepared[-1].source.paragraph == 4999
    assert prepared[1].mt_input == "وقال الشيخ علي إن روسيا والولايات المتحدة تتفاوض إلى الآن!"
    assert all(text[p.source.span[0] : p.source.span[1]] == p.source.text for p in prepared[::101])
