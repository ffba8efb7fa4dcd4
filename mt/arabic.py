"""Arabic input preparation: normalization, Egyptian-orthography repairs, and model-sized segments.

``prepare_document`` splits the ORIGINAL text (so spans index it), then per segment: ``normalize`` →
``repair_final_ya`` (decided once per document) → ``repair_joined_words`` → whitespace collapsed.

Final-ya repair (``علي`` → ``على``). A word ending in ي is a *candidate* if it is on a short list of
function words (``علي إلي حتي متي لدي مدي أخري إحدي أدي مستشفي سوي`` …) or if, in wordfreq's Arabic list,
its ى-form has zipf >= 3 and is at least 10x (1 zipf) more frequent than the ي-form (``مشفي تري موسي``…).
``علي``/``وعلي`` stay when the context shows the name Ali: a title or kinship word before it (الشيخ، السيد،
الرئيس، الإمام، الدكتور، د.، بن، أبو …), a given name, ``عبد…`` or ``بن`` after it, or punctuation/the end
right after it (the preposition never ends a clause). Document rule (``uses_final_ya``): repair only when
the candidates outside name contexts outnumber the words that end in ى, and there are at least two of them
or one is a core function word (``إلي حتي متي أخري إحدي مستشفي`` …, hardly ever right with ي); correctly
spelled text has many ى-words (على، إلى), so it is left alone.
Known misses: a text whose only evidence is one ``علي`` or one frequency-list word is not repaired (it may be
the name, or a real ي-word such as يسمّي "calls" or جري "running"); in a repaired document those real ي-words,
``لدي`` ("I have") and Ali followed by an unlisted family name (``علي لاريجاني``) become ى-forms; a text that
mixes both spellings is judged by its majority.

Joined-word repair (``الأممالمتحدة`` → ``الأمم المتحدة``): a word rarer than zipf 2 is split where a part
ends in a non-connecting letter (ا أ إ آ د ذ ر ز و ؤ ة ى) or the next part starts with ال, if every part is
a word of its own: 4+ letters with zipf >= 3.5, 3 letters with zipf >= 5 (a first part و/ف + 2 letters, like
وكل, is refused), 2 letters only from a short list (في من عن …; as a first part only before ال); no part a
bare suffix (ها ات ين …), no split after عبد/أبو, and the parts' mean zipf >= 4.75. Splits are tried
recursively; the one whose rarest part is most frequent wins. Transliterated names made of common words
(a made-up ``مترو بلس``) are the known risk; on FLORES dev it changes 2 words, both real missing spaces.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from mt.errors import MtbriefError
from mt.splitter import FORMAT_CHARS, TokenCounter, cut_to_fit, estimate_tokens, split_sentences, word_set
from mt.types import SourceSegment

_LETTERS = "\u0621-\u063a\u0641-\u064a\u0671-\u06d3"
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640"
_HARAKAT = "\u0610-\u061a\u064b-\u0652\u0656-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_DIACRITICS_RE = re.compile(f"[{_HARAKAT}]")
_INVISIBLE_RE = re.compile(f"[\u0640\u00ad{FORMAT_CHARS}]")  # tatweel and soft hyphen too
_KEEP_FROM_NFKC_RE = re.compile("([\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u215f\u2189]+)")
_CENT_QUOTE_RE = re.compile(r"(?<![\d$])¢")
_TRANSLATION = str.maketrans(
    {**{c: '"' for c in "«»“”„‟″‶〝〞〟"}, **{c: "'" for c in "‘’‚‛"}, "٫": ".", "٬": ",", "٪": "%",
     **{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_WORD_RE = re.compile(f"[{_LETTERS}][{_LETTERS}{_MARKS}]*")
_RUN_RE = re.compile(r"\S+")
_FINAL_MAQSURA_RE = re.compile(f"[{_LETTERS}][{_MARKS}]*ى[{_MARKS}]*(?![{_LETTERS}])")

_ALWAYS_YA = word_set(
    "علي وعلي إلي وإلي حتي وحتي متي لدي مدي أخري الأخري اخري الاخري إحدي احدي أدي مستشفي المستشفي سوي"
)
_ALI = frozenset({"علي", "وعلي"})
_CORE_EVIDENCE = _ALWAYS_YA - _ALI - {"لدي"}  # ي-forms hardly ever right in news text
_TITLES = word_set(
    "الشيخ السيد الرئيس الإمام الامام الدكتور الأستاذ الاستاذ المهندس الحاج اللواء العميد العقيد الفريق "
    "المشير الملك الأمير الامير الوزير النائب القاضي المستشار المحامي الشاعر الكاتب الفنان اللاعب الطفل "
    "الشاب المواطن الزميل سيدنا الخليفة المرشد السلطان الصحفي الناشط المدرب النجم الشهيد الإعلامي الاعلامي "
    "الباحث العلامة مولاي سماحة فضيلة آية د. أ. م. بن ابن أبو ابو أبي ابي أبا ابا بنت ابنة أم ام"
)
_NAMES_AFTER_ALI = word_set(
    "بن ابن بنت محمد أحمد احمد محمود حسن حسين حسنين صالح سالم سعيد خالد كمال جمعة زين يوسف عمر عثمان إبراهيم "
    "ابراهيم إسماعيل اسماعيل مصطفى مصطفي موسى موسي عيسى عيسي جمال فهمي شريف أكبر رضا بابا مبارك ماهر منصور "
    "ناصر عزت خامنئي لاريجاني السيستاني الحسيني"
)
# Words the preposition على can never govern: after them, علي is the name (محمد وعلي إلي المدرسة).
_NEVER_AFTER_ALA = word_set("إلى إلي في عن مع قد لم لن سوف إن إنه إنها إنهم كان قال")
_NON_CONNECTORS = frozenset("اأإآٱدذرزوؤةى")
_NO_SPLIT_AFTER = frozenset({"عبد", "أبو", "ابو", "أبا", "ابا", "ذو", "ذوو"})
_BARE_SUFFIXES = word_set("ها هم هما هن كم كما كن نا ني تي ين ون ات ان تين تان تهم تها تهما تنا تكم ية يه وا")
_SHORT_WORDS = word_set("في من عن مع لم لن قد ثم أو أن إن لا ما هو هي كل")


@dataclass(frozen=True)
class PrepOptions:
    """Which preparation steps run on each segment before it goes to the model."""

    remove_diacritics: bool = False
    repair_final_ya: bool = True
    repair_joined_words: bool = True


@dataclass(frozen=True)
class PreparedSegment:
    """A source segment (original characters and span) and the text the model receives for it."""

    source: SourceSegment
    mt_input: str


def normalize(text: str, *, remove_diacritics: bool = False) -> str:
    """NFKC; no tatweel, zero-width or bidi controls; one quote mark; ASCII digits; letters never folded."""
    # NFKC is applied around super/subscripts and vulgar fractions, which it would flatten (m² → m2).
    parts = _KEEP_FROM_NFKC_RE.split(text)
    text = "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))
    text = _INVISIBLE_RE.sub("", text)
    if remove_diacritics:
        text = _DIACRITICS_RE.sub("", text)
    return _CENT_QUOTE_RE.sub('"', text).translate(_TRANSLATION)


def uses_final_ya(text: str) -> bool:
    """Whether a document writes final ى as ي (Egyptian style), by the rule in the module docstring."""
    edits = _final_ya_edits(text)
    core = sum(_strip_marks(word) in _CORE_EVIDENCE for _, word in edits)
    return (core >= 1 or len(edits) >= 2) and len(edits) > len(_FINAL_MAQSURA_RE.findall(text))


def repair_final_ya(text: str, *, document_uses_ya: bool | None = None) -> str:
    """Write candidate words ending in ي with ى (على، إلى، مستشفى) unless they name Ali (see module doc)."""
    if document_uses_ya is None:
        document_uses_ya = uses_final_ya(text)
    if not document_uses_ya:
        return text
    chars = list(text)
    for index, _ in _final_ya_edits(text):
        chars[index] = "ى"
    return "".join(chars)


def repair_joined_words(text: str) -> str:
    """Put the spaces back into glued words (روسياوالولاياتالمتحدة → روسيا والولايات المتحدة)."""
    return _WORD_RE.sub(lambda m: " ".join(_split_joined(m.group()) or [m.group()]), text)


def find_joined_words(text: str) -> list[tuple[str, str]]:
    """(word, repaired form) for every word that repair_joined_words would change, in text order."""
    return [(w, " ".join(parts)) for w in _WORD_RE.findall(text) if (parts := _split_joined(w))]


def prepare_document(
    text: str,
    options: PrepOptions = PrepOptions(),
    max_tokens: int = 256,
    count_tokens: TokenCounter | None = None,
    *,
    final_ya: bool | None = None,
) -> list[PreparedSegment]:
    """Split the original text and prepare each piece for the model; no mt_input exceeds max_tokens.

    final_ya: None decides the final-ya repair from this text; True/False forces it (e.g. to reuse one
    decision for every line of a streamed document).
    """
    count = count_tokens or estimate_tokens
    if options.repair_final_ya and final_ya is None:
        final_ya = uses_final_ya(normalize(text, remove_diacritics=options.remove_diacritics))
    final_ya = bool(final_ya and options.repair_final_ya)
    prep = functools.partial(_prepare_text, options=options, final_ya=final_ya)
    prepared: list[PreparedSegment] = []
    for segment in split_sentences(text, max_tokens=max_tokens, count_tokens=count):
        prepared.extend(_fit_prepared(text, segment, prep, max_tokens, count))
    return prepared


def _prepare_text(text: str, *, options: PrepOptions, final_ya: bool) -> str:
    text = normalize(text, remove_diacritics=options.remove_diacritics)
    if final_ya:
        text = repair_final_ya(text, document_uses_ya=True)
    if options.repair_joined_words:
        text = repair_joined_words(text)
    return " ".join(text.split())


def _fit_prepared(
    text: str, segment: SourceSegment, prep: Callable[[str], str], max_tokens: int, count: TokenCounter
) -> list[PreparedSegment]:
    """The segment prepared, re-cut on the original text while normalization made it exceed max_tokens."""
    mt_input = prep(segment.text)
    if not mt_input:
        return []  # only invisible characters or tatweel: nothing to translate
    size = count(mt_input)
    if size <= max_tokens:
        return [PreparedSegment(segment, mt_input)]
    start, end = segment.span
    budget = max(1, min(max_tokens - 1, max_tokens * max_tokens // size))
    while True:  # shrink the budget on the original until it yields pieces (normalization may expand text)
        pieces = cut_to_fit(text, start, end, budget, count, strict=False)
        if len(pieces) > 1 or budget == 1:
            break
        budget //= 2
    if len(pieces) > 1:
        out: list[PreparedSegment] = []
        for a, b in pieces:
            piece = SourceSegment(text[a:b], segment.paragraph, (a, b))
            out.extend(_fit_prepared(text, piece, prep, max_tokens, count))
        return out
    # One original character that normalizes into more than max_tokens (e.g. ﷺ): cut the model text itself;
    # every piece then keeps that character as its source.
    parts = cut_to_fit(mt_input, 0, len(mt_input), max_tokens, count)
    return [PreparedSegment(segment, mt_input[a:b]) for a, b in parts]


# -- final ya -----------------------------------------------------------------------------------------------


def _final_ya_edits(text: str) -> list[tuple[int, str]]:
    """(offset of the final ي, the word) for every candidate word outside a name context."""
    runs = list(_RUN_RE.finditer(text))
    edits: list[tuple[int, str]] = []
    for k, run in enumerate(runs):
        for match in _WORD_RE.finditer(run.group()):
            key = _strip_marks(match.group())
            if not key.endswith("ي") or not _is_ya_candidate(key):
                continue
            if key in _ALI and _names_ali(runs, k, match):
                continue
            edits.append((run.start() + match.start() + match.group().rfind("ي"), match.group()))
    return edits


def _is_ya_candidate(key: str) -> bool:
    if key in _ALWAYS_YA:
        return True
    alternative = _zipf(key[:-1] + "ى")
    return alternative >= 3.0 and alternative - _zipf(key) >= 1.0


def _names_ali(runs: list[re.Match[str]], k: int, match: re.Match[str]) -> bool:
    """Whether the علي in runs[k] is the name Ali, judging from the words around it."""
    run = runs[k].group()
    if match.end() < len(run) or k + 1 == len(runs):
        return True  # punctuation or the end right after it: the preposition never ends a clause
    if match.start() == 0 and k > 0 and _is_title(_strip_marks(runs[k - 1].group()).rstrip("،,")):
        return True
    word = _WORD_RE.match(_strip_marks(runs[k + 1].group()))
    following = word.group() if word else ""
    return following in _NAMES_AFTER_ALI or following in _NEVER_AFTER_ALA or following.startswith("عبد")


def _is_title(word: str) -> bool:
    """A title or kinship word, also behind a proclitic (والشيخ، بالسيد، للرئيس)."""
    if word in _TITLES:
        return True
    if word.startswith("لل") and "ال" + word[2:] in _TITLES:
        return True
    return word[:1] in ("و", "ف", "ب", "ل", "ك") and word[1:] in _TITLES


# -- joined words -------------------------------------------------------------------------------------------


def _split_joined(word: str) -> list[str] | None:
    """The parts of a glued word (diacritics kept), or None when it should stay as it is."""
    key = _strip_marks(word)
    if len(key) < 6 or _zipf(key) >= 2.0:
        return None
    parts = _best_split_cached(key, 0)
    if not parts:
        return None
    scores = [_zipf(p) for p in parts]
    if min(scores) < 3.5 or sum(scores) / len(scores) < 4.75:
        return None
    if key == word:
        return list(parts)
    letters = [i for i, c in enumerate(word) if not _DIACRITICS_RE.match(c) and c != "\u0640"]
    cuts, seen = [], 0
    for part in parts[:-1]:
        seen += len(part)
        cuts.append(letters[seen])  # the offset of the first letter of the next part
    bounds = [0, *cuts, len(word)]
    return [word[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@functools.lru_cache(maxsize=65536)
def _best_split_cached(word: str, depth: int) -> tuple[str, ...] | None:
    best: tuple[str, ...] | None = None
    best_score = float("-inf")
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        glued = word[i - 1] in _NON_CONNECTORS or right.startswith("ال")
        first_ok = _is_part(left, first=True) or (left in _SHORT_WORDS and right.startswith("ال"))
        if not glued or left in _NO_SPLIT_AFTER or not first_ok:
            continue
        if _is_part(right, first=False):
            rest: tuple[str, ...] | None = (right,)
        else:
            rest = _best_split_cached(right, depth + 1) if depth < 3 and _zipf(right) < 2.0 else None
        if rest is None:
            continue
        candidate = (left, *rest)
        score = min(_zipf(p) for p in candidate) - 0.01 * len(candidate)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _is_part(part: str, *, first: bool) -> bool:
    """Whether a piece of a glued word is a word of its own; short pieces must be very common."""
    if part in _BARE_SUFFIXES:
        return False
    if len(part) >= 4:
        return _zipf(part) >= 3.5
    if len(part) == 3:  # a first part like وكل or وما is و + a 2-letter word: too easy to find by chance
        return _zipf(part) >= 5.0 and not (first and part[0] in "وف")
    return not first and part in _SHORT_WORDS


# -- word frequencies ---------------------------------------------------------------------------------------


def _strip_marks(word: str) -> str:
    return _DIACRITICS_RE.sub("", word).replace("\u0640", "")


def _zipf(word: str) -> float:
    """wordfreq's zipf frequency of an Arabic word; 0.0 below zipf 2, which every rule treats as unknown."""
    return _frequencies().get(word, 0.0)


@functools.lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    """Zipf frequencies of the ~200k Arabic words with zipf >= 2 (a third of wordfreq's list; ~60 MB)."""
    try:
        import wordfreq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MtbriefError(
            "the Arabic repairs need the wordfreq package: pip install wordfreq, or switch them off with "
            "PrepOptions(repair_final_ya=False, repair_joined_words=False)"
        ) from exc
    # Read the packed list directly: wordfreq's own get_frequency_dict would keep all 620k words cached.
    buckets = wordfreq.read_cBpack(wordfreq.available_languages("best")["ar"])
    zipf: dict[str, float] = {}
    for index, bucket in enumerate(buckets[:701]):  # bucket i holds the words of zipf 9 - i/100
        for word in bucket:
            zipf.setdefault(word, round(9.0 - index / 100, 2))
    return zipf
