"""The transformers-free codecs give exactly the transformers tokenizers' tokens and detokenized text."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from mt.engines import Codec
from mt.spm_codec import MarianSpmCodec, NllbJsonCodec, light_codec
from tests.conftest import FLORES, ROOT, SEED

EDGE_CASES = ["", " ", "a  b", " lead", "trail ", ">>fra<< قال", "x </s> y", "<unk>", "a<pad>b", "emoji 😀 ok",
              "\t tab\n nl", "ﻻ ﷺ", "١٢٣ 123", "Ünïcödé", "x  <unk>  y", "&amp; “quotes” — dash", "don't .",
              "قال " * 300]


def sample_texts() -> list[str]:
    """The tiny corpus, the seed report's sentences, FLORES lines when present, and edge cases."""
    texts = (ROOT / "mt" / "data" / "tiny_corpus.txt").read_text(encoding="utf-8").splitlines()
    texts += SEED.read_text(encoding="utf-8").split(".")
    for name in ("arb_Arab.dev", "eng_Latn.dev"):
        if (FLORES / name).is_file():
            texts += (FLORES / name).read_text(encoding="utf-8").splitlines()[:200]
    return texts + EDGE_CASES


@pytest.fixture(scope="module", params=["marian", "nllb"])
def codecs(request, tiny_marian_dir: Path, tiny_nllb_dir: Path) -> tuple[Codec, object]:
    """(transformers codec, light codec) for one tiny model."""
    folder = tiny_marian_dir if request.param == "marian" else tiny_nllb_dir
    return Codec(folder, request.param), light_codec(folder, request.param)


def test_light_codec_kind(tiny_marian_dir: Path, tiny_nllb_dir: Path, tmp_path: Path) -> None:
    assert isinstance(light_codec(tiny_marian_dir, "marian"), MarianSpmCodec)
    assert isinstance(light_codec(tiny_nllb_dir, "nllb"), NllbJsonCodec)
    assert light_codec(tmp_path, "marian") is None  # no tokenizer files: the caller keeps transformers


def test_same_source_tokens(codecs) -> None:
    ref, light = codecs
    texts = sample_texts()
    assert [light.encode(t) for t in texts] == [ref.encode(t) for t in texts]
    assert light.encode_many(texts) == ref.encode_many(texts)
    assert [light.count(t) for t in texts] == [ref.count(t) for t in texts]
    assert light.target_prefix == ref.target_prefix


def test_same_detokenized_text(codecs) -> None:
    ref, light = codecs
    vocab = sorted(ref.tokenizer.get_vocab())
    rng = random.Random(7)
    cases = [ref.encode(t) for t in sample_texts()]
    cases += [[rng.choice(vocab) for _ in range(rng.randint(0, 20))] for _ in range(300)]  # specials included
    cases += [["not-a-token", *cases[0]]]
    assert [light.decode(c) for c in cases] == [ref.decode(c) for c in cases]


def test_ct2_translator_uses_light_codec_and_never_imports_transformers(tiny_marian_dir: Path) -> None:
    from mt.models import ct2_model_dir, resolve_model

    ct2_model_dir(resolve_model(str(tiny_marian_dir)), "int8")  # converting imports transformers: do it here
    code = ("import sys; from mt import Translator; t = Translator.load(sys.argv[1], device='cpu'); "
            "t.translate('قال الرئيس'); print(type(t.codec).__name__, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tiny_marian_dir)], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.split() == ["MarianSpmCodec", "False"]
