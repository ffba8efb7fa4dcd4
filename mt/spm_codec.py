"""A tokenizer codec without transformers: sentencepiece + the model's vocabulary (Marian), tokenizer.json (NLLB).

The CTranslate2 path needs only text <-> token strings. Importing transformers for that costs about 150 MB of
memory per process; these codecs give the same tokens and the same detokenized text (tests compare them with
the transformers tokenizers on the tiny Marian and NLLB models).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mt.errors import ModelUnavailable
from mt.models import NLLB_SOURCE_LANG, NLLB_TARGET_LANG

MARIAN_SPECIALS = ("</s>", "<unk>", "<pad>")


class MarianSpmCodec:
    """Marian (OPUS-MT): source.spm pieces looked up in vocab.json (unknown pieces -> <unk>), then `</s>`."""

    def __init__(self, model_path: Path) -> None:
        import sentencepiece as spm

        self.vocab: dict[str, int] = json.loads((model_path / "vocab.json").read_text(encoding="utf-8"))
        # A shared vocabulary (the only kind we load) decodes with the source model, as MarianTokenizer does.
        self.spm = spm.SentencePieceProcessor(model_file=str(model_path / "source.spm"))
        self.family, self.target_prefix = "marian", None
        # The transformers tokenizer cuts literal special tokens out of the text before sentencepiece.
        self._specials = re.compile("(" + "|".join(map(re.escape, MARIAN_SPECIALS)) + ")")

    def _pieces(self, text: str) -> list[str]:
        out: list[str] = []
        for i, part in enumerate(self._specials.split(text)):
            if i % 2:
                out.append(part)
            elif part:
                code, part = _language_code(part) if not out else ([], part)
                out += code + self.spm.encode(part, out_type=str)
        return [p if p in self.vocab else "<unk>" for p in out]

    def encode(self, text: str) -> list[str]:
        """Source tokens, `</s>` included (what CTranslate2 takes)."""
        return [*self._pieces(text), "</s>"]

    def encode_many(self, texts: list[str]) -> list[list[str]]:
        """Source tokens of several texts."""
        return [self.encode(text) for text in texts]

    def count(self, text: str) -> int:
        """How many source tokens a text takes (what the model's input limit counts)."""
        return len(self._pieces(text)) + 1

    def decode(self, tokens: list[str]) -> str:
        """English text from target tokens (special tokens dropped)."""
        kept = [t for t in tokens if t in self.vocab and t not in MARIAN_SPECIALS]
        return self.spm.decode_pieces(kept).replace("\u2581", " ").strip()


def _language_code(text: str) -> tuple[list[str], str]:
    # MarianTokenizer.remove_language_code: a leading >>xx<< is one token of its own.
    if text.startswith(">>") and (end := text.find("<<")) != -1:
        return [text[: end + 2]], text[end + 2:]
    return [], text


class NllbJsonCodec:
    """NLLB: the model's tokenizer.json through the `tokenizers` library; `arb_Arab` … `</s>` around the text."""

    def __init__(self, model_path: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.family, self.target_prefix = "nllb", [NLLB_TARGET_LANG]
        self._eos = "</s>"
        self._path = model_path

    def _ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def encode(self, text: str) -> list[str]:
        """Source tokens with the language code and `</s>` (what CTranslate2 takes)."""
        return self.encode_many([text])[0]

    def encode_many(self, texts: list[str]) -> list[list[str]]:
        """Source tokens of several texts in one tokenizer call."""
        return [[NLLB_SOURCE_LANG, *map(self._token, ids), self._eos] for ids in self._ids(texts)]

    def _token(self, i: int) -> str:
        token = self.tokenizer.id_to_token(i)
        if token is None:  # cannot happen: the ids come from this tokenizer's own encode
            raise ModelUnavailable(str(self._path), "", reason=f"tokenizer.json has no token for its own id {i}",
                                   fix="download the model's tokenizer.json again")
        return token

    def _id(self, token: str) -> int:
        i = self.tokenizer.token_to_id(token)
        if i is None:  # a token outside the vocabulary decodes as <unk>
            i = self.tokenizer.token_to_id("<unk>")
        if i is None:
            raise ModelUnavailable(str(self._path), "", reason=f"tokenizer.json has neither {token!r} nor <unk>",
                                   fix="use the model's own tokenizer.json (every NLLB tokenizer has <unk>)")
        return i

    def count(self, text: str) -> int:
        """How many source tokens a text takes (what the model's input limit counts)."""
        return len(self._ids([text])[0]) + 2

    def decode(self, tokens: list[str]) -> str:
        """English text from target tokens (language codes and special tokens dropped)."""
        return self.tokenizer.decode([self._id(t) for t in tokens], skip_special_tokens=True).strip()


def light_codec(model_path: Path, family: str) -> MarianSpmCodec | NllbJsonCodec | None:
    """The transformers-free codec for a model folder; None when its files are not there."""
    if family == "marian" and (model_path / "source.spm").is_file() and (model_path / "vocab.json").is_file():
        return MarianSpmCodec(model_path)
    if family == "nllb" and (model_path / "tokenizer.json").is_file():
        return NllbJsonCodec(model_path)
    return None
