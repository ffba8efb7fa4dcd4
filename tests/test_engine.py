"""The Translator on tiny real models: engine parity, special tokens, invariants, batching and cache."""

from __future__ import annotations

import pytest

from mt import BatchOptions, DecodeOptions, InvalidOption, Translator
from mt.engines import resolve_compute_type

SENTENCES = [
    "تجدد قصف الطيران الروسي والسوري على عدة أحياء في مدينة حلب أمس.",
    "قال ناشطون إن قوات المعارضة صدت هجوما عنيفا.",
    "استهدفت إحدى هذه الغارات مستشفى الصاخور.",
    "حلب",
]


@pytest.fixture(scope="module", params=["marian", "nllb"])
def engine_pair(request, tiny_marian_dir, tiny_nllb_dir):
    """The same tiny model on both engines, float32, greedy."""
    folder = str(tiny_marian_dir if request.param == "marian" else tiny_nllb_dir)
    return tuple(Translator.load(folder, engine=engine, device="cpu", compute_type="float32", beam_size=1)
                 for engine in ("ctranslate2", "transformers"))


def test_greedy_float32_gives_identical_tokens_on_both_engines(engine_pair):
    ct2, hf = engine_pair
    sources = ct2.codec.encode_many(SENTENCES)
    options = DecodeOptions(beam_size=1)
    ct2_tokens = ct2.engine.generate(sources, options)
    hf_tokens = hf.engine.generate(sources, options)
    assert ct2_tokens == hf_tokens
    assert all(len(hyps[0]) > 0 for hyps in ct2_tokens)
    assert [s.target for s in ct2.translate(" ".join(SENTENCES)).segments] == \
           [s.target for s in hf.translate(" ".join(SENTENCES)).segments]


def test_marian_source_ends_with_eos_and_output_has_no_special_tokens(tiny_marian_dir):
    tr = Translator.load(str(tiny_marian_dir), device="cpu", compute_type="float32", beam_size=1)
    tokens = tr.codec.encode(SENTENCES[0])
    assert tokens[-1] == "</s>" and "</s>" not in tokens[:-1]
    assert tr.codec.target_prefix is None
    hyps = tr.engine.generate([tokens], DecodeOptions(beam_size=1))
    assert not {"</s>", "<pad>"} & set(hyps[0][0])


def test_nllb_source_language_token_and_english_target_prefix(tiny_nllb_dir):
    tr = Translator.load(str(tiny_nllb_dir), device="cpu", compute_type="float32", beam_size=1)
    tokens = tr.codec.encode(SENTENCES[0])
    assert tokens[0] == "arb_Arab" and tokens[-1] == "</s>"
    assert tr.codec.target_prefix == ["eng_Latn"]
    hyps = tr.engine.generate([tokens], DecodeOptions(beam_size=1))
    assert hyps[0][0][0] != "eng_Latn"  # the prefix is stripped from the hypothesis


@pytest.mark.parametrize(("lengths", "options", "limit", "expected"), [
    ([10], DecodeOptions(), 512, 40),
    ([10, 100], DecodeOptions(), 512, 310),
    ([300], DecodeOptions(), 512, 512),
    ([5], DecodeOptions(max_length_ratio=2.0, max_length_extra=0), 512, 10),
    ([5, 500], DecodeOptions(fixed_length=32), 512, 32),
    ([], DecodeOptions(), 512, 10),
])
def test_output_bound_is_relative_to_the_longest_input(lengths, options, limit, expected):
    assert options.max_new_tokens(lengths, limit) == expected


def test_nbest_alternatives(tiny_translator):
    tr = tiny_translator.with_options(beam_size=4, num_alternatives=3)
    seg = tr.translate(SENTENCES[1]).segments[0]
    assert len(seg.alternatives) == 2
    assert seg.target not in seg.alternatives


@pytest.mark.parametrize(("options", "message"), [
    (dict(beam_size=0), r"invalid beam size 0: choose one of an integer >= 1"),
    (dict(beam_size=2, num_alternatives=3), r"invalid num_alternatives 3: choose one of 1\.\.beam_size \(2\)"),
])
def test_decode_options_are_validated(options, message):
    with pytest.raises(InvalidOption, match=message):
        DecodeOptions(**options)


@pytest.mark.parametrize(("compute_type", "engine", "device", "expected"), [
    ("default", "ctranslate2", "cpu", "int8"),
    ("default", "ctranslate2", "cuda", "float16"),
    ("default", "transformers", "cpu", "float32"),
    ("default", "transformers", "cuda", "float16"),
    ("int8_float32", "ctranslate2", "cpu", "int8_float32"),
])
def test_compute_type_defaults(compute_type, engine, device, expected):
    assert resolve_compute_type(compute_type, engine, device) == expected


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(engine="onnx"), r"invalid engine 'onnx': choose one of ctranslate2, transformers"),
    (dict(compute_type="int8"), r"invalid compute type for transformers 'int8': choose one of default, float32"),
    (dict(engine="ctranslate2", device="tpu"), r"invalid device 'tpu': choose one of auto, cpu, cuda"),
])
def test_bad_load_options_name_the_valid_choices(tiny_marian_dir, kwargs, message):
    kwargs.setdefault("engine", "transformers")
    with pytest.raises(InvalidOption, match=message):
        Translator.load(str(tiny_marian_dir), **kwargs)


# -- invariants -----------------------------------------------------------------------------------------------

def test_sentences_in_equal_segments_out_on_the_seed(tiny_translator, seed_text):
    prepared = tiny_translator.prepare(seed_text)
    doc = tiny_translator.translate(seed_text)
    assert len(doc.segments) == len(prepared) > 20
    assert [s.span for s in doc.segments] == [p.source.span for p in prepared]
    assert all(seed_text[s.span[0]:s.span[1]] == s.source for s in doc.segments)
    assert all(s.target for s in doc.segments)
    assert doc.signature == tiny_translator.signature


@pytest.mark.parametrize(("text", "english"), [("", ""), ("   ", ""), ("\n\n", "\n\n")])
def test_empty_input_gives_an_empty_translation(tiny_translator, text, english):
    doc = tiny_translator.translate(text)
    assert doc.segments == ()
    assert doc.text == english


def test_blank_lines_stay_blank(tiny_translator):
    lines = ["حلب.", "", "  ", "مدينة حلب. قال ناشطون."]
    out = list(tiny_translator.translate_lines(lines))
    assert len(out) == 4
    assert out[1] == "" and out[2] == ""
    assert out[0] and out[3]
    doc = tiny_translator.translate("\n".join(lines))
    assert doc.text.split("\n")[1:3] == ["", ""]
    assert [s.paragraph for s in doc.segments] == [0, 3, 3]


def test_translate_lines_streams_with_bounded_read_ahead(tiny_marian_dir):
    tr = Translator.load(str(tiny_marian_dir), device="cpu", beam_size=1,
                         batching=BatchOptions(window=64, cache_size=0))
    consumed = 0

    def lines():
        nonlocal consumed
        for i in range(5000):
            consumed += 1
            yield "حلب" if i % 2 else ""

    stream = tr.translate_lines(lines())
    first = next(stream)
    assert first == "" and consumed == 64  # one window read, not the whole input
    rest = list(stream)
    assert len(rest) + 1 == 5000 and consumed == 5000
    assert all(line for line in rest[::2]) and not any(rest[1::2])


def test_run_on_sentence_is_translated_in_pieces_nothing_lost(tiny_marian_dir):
    tr = Translator.load(str(tiny_marian_dir), device="cpu", beam_size=1,
                         batching=BatchOptions(max_input_tokens=64))
    words = ["قصف", "الطيران", "مدينة", "حلب", "أمس", "القوات"] * 500  # 3,000 words, no punctuation
    text = " ".join(words)
    doc = tr.translate(text)
    assert len(doc.segments) > 10
    assert " ".join(s.source for s in doc.segments) == text
    assert all(tr.codec.count(p.mt_input) <= 64 for p in tr.prepare(text))
    assert all(s.target for s in doc.segments)


def test_translate_batch_matches_one_by_one(tiny_translator, seed_text):
    texts = [seed_text, "", "حلب. قال ناشطون."]
    together = tiny_translator.translate_batch(texts)
    assert [t.to_dict() for t in together] == [tiny_translator.translate(t).to_dict() for t in texts]


class CountingEngine:
    """Wraps an engine and counts the distinct sentences it decodes and the size of every call (a sentence that ran
    past its own output bound is decoded again alone: a call of 1, not a new sentence)."""

    def __init__(self, engine):
        self.inner, self.sizes, self.seen = engine, [], set()
        self.name, self.device = engine.name, engine.device
        self.compute_type, self.max_positions = engine.compute_type, engine.max_positions

    @property
    def sentences(self) -> int:
        """Distinct sentences decoded so far."""
        return len(self.seen)

    def generate(self, sources, options):
        self.sizes.append(len(sources))
        self.seen.update(tuple(s) for s in sources)
        return self.inner.generate(sources, options)


def test_cache_makes_retranslating_edited_text_decode_only_the_edit(tiny_translator, seed_text):
    counting = CountingEngine(tiny_translator.engine)
    tr = Translator(counting, tiny_translator.codec, tiny_translator.model, tiny_translator.decode)
    first = tr.translate(seed_text)
    decoded = counting.sentences
    assert decoded == len({p.mt_input for p in tr.prepare(seed_text)})
    edited = seed_text + " وأعلنت الأمم المتحدة هدنة جديدة."
    second = tr.translate(edited)
    assert counting.sentences == decoded + 1
    assert [s.target for s in second.segments[:-1]] == [s.target for s in first.segments]


def test_batches_respect_token_and_size_budgets(tiny_translator):
    counting = CountingEngine(tiny_translator.engine)
    tr = Translator(counting, tiny_translator.codec, tiny_translator.model, DecodeOptions(beam_size=1),
                    batching=BatchOptions(max_batch_size=4, max_batch_tokens=10_000, cache_size=0))
    tr.translate_inputs([f"حلب {i}" for i in range(10)])
    assert [n for n in counting.sizes if n > 1] == [4, 4, 2] and counting.sentences == 10


def test_final_ya_repair_is_decided_once_per_streamed_document(tiny_translator):
    # Alone, the second line (one علي) gives no evidence of Egyptian spelling; the first line does.
    lines = ["قال إنه ذهب إلي حلب حتي الصباح.", "وقع الهجوم علي المدينة."]
    assert tiny_translator.prepare(lines[1])[0].mt_input == "وقع الهجوم علي المدينة."
    streamed = list(tiny_translator.translate_lines(lines))
    repaired, unrepaired = (tiny_translator.translate_inputs([t])[0][0]
                            for t in ("وقع الهجوم على المدينة.", "وقع الهجوم علي المدينة."))
    assert repaired != unrepaired
    assert streamed[1] == repaired


def test_progress_is_reported_per_engine_batch(tiny_marian_dir, seed_text):
    tr = Translator.load(str(tiny_marian_dir), device="cpu", beam_size=1, batching=BatchOptions(max_batch_size=8),
                         workers=1)  # one batch at a time: progress comes in batch order
    steps: list[tuple[int, int]] = []
    doc = tr.translate(seed_text, on_progress=lambda done, total: steps.append((done, total)))
    total = len({s.mt_input for s in tr.prepare(seed_text)})
    assert steps == [(min(i + 8, total), total) for i in range(0, total, 8)]
    steps.clear()
    assert tr.translate(seed_text, on_progress=lambda done, total: steps.append((done, total))) == doc
    assert steps == [(total, total)]  # all cached: nothing decoded, completion reported once


def test_translate_lines_reports_lines_and_segments(tiny_translator):
    counts: list[tuple[int, int]] = []
    list(tiny_translator.translate_lines(["حلب. قال ناشطون.", "", "مدينة حلب."],
                                         on_progress=lambda n_lines, n_segments: counts.append((n_lines, n_segments))))
    assert counts == [(3, 3)]
