"""Tiny random-weight translation models, built offline, for tests and examples.

They load with the real classes (MarianMTModel + MarianTokenizer, M2M100ForConditionalGeneration +
NllbTokenizer) and real sentencepiece models trained on `mt/data/tiny_corpus.txt`, so every code path of
the engine runs; their output is random text, never a translation.

    python -m mt.testing tiny-marian DIR
    python -m mt.testing tiny-nllb DIR
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TypedDict

CORPUS = Path(__file__).with_name("data") / "tiny_corpus.txt"
SEED = 1234
# Large enough init spread that greedy choices are clear-cut, so both engines pick the same tokens.
INIT_STD = 0.5


class TinyDims(TypedDict):
    """The shape of a tiny model: keyword arguments of MarianConfig and M2M100Config."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    encoder_attention_heads: int
    decoder_attention_heads: int
    encoder_ffn_dim: int
    decoder_ffn_dim: int


TINY_DIMS = TinyDims(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                     decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64)


def _train_spm(prefix: Path, vocab_size: int, *, unk_id: int, bos_id: int, eos_id: int, pad_id: int) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        input=str(CORPUS), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, hard_vocab_limit=False, minloglevel=2, num_threads=1,
        unk_id=unk_id, bos_id=bos_id, eos_id=eos_id, pad_id=pad_id,
    )
    return prefix.with_suffix(".model")


def _spm_pieces(model_file: Path) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def _randomize(model, pad_token_id: int | None) -> None:
    """Spread the weights so logits are far apart; keep the pad embedding at zero as real models do."""
    import torch

    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "layer_norm" in name or "layernorm" in name:
                continue
            param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
        if pad_token_id is not None:
            model.get_input_embeddings().weight[pad_token_id].zero_()


def build_tiny_marian(out_dir: str | Path) -> Path:
    """Build a tiny MarianMT model (shared vocabulary, `</s>` = 0, `<pad>` last, as in OPUS-MT)."""
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = _train_spm(Path(tmp) / "spm", 400, unk_id=1, bos_id=-1, eos_id=0, pad_id=-1)
        pieces = [p for p in _spm_pieces(spm_file) if p not in ("</s>", "<unk>")]
        vocab = {"</s>": 0, "<unk>": 1, **{p: i + 2 for i, p in enumerate(pieces)}}
        vocab["<pad>"] = len(vocab)
        for name in ("source.spm", "target.spm"):
            (out / name).write_bytes(spm_file.read_bytes())
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
                                vocab=str(out / "vocab.json"))
    pad = vocab["<pad>"]
    config = MarianConfig(vocab_size=len(vocab), pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
                          forced_eos_token_id=0, max_position_embeddings=512, scale_embedding=True,
                          share_encoder_decoder_embeddings=True, **TINY_DIMS)
    model = MarianMTModel(config)
    _randomize(model, pad)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=pad, eos_token_id=0, pad_token_id=pad, bad_words_ids=[[pad]],
        max_length=512, num_beams=4)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_tiny_nllb(out_dir: str | Path) -> Path:
    """Build a tiny NLLB (M2M100) model whose tokenizer has the real fairseq ids and language codes."""
    from transformers import GenerationConfig, M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spm_file = _train_spm(out / "spm", 400, unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    spm_file.rename(out / "sentencepiece.bpe.model")
    (out / "spm.vocab").unlink()
    # Loading from the bare sentencepiece file does not add the 202 language codes: pass them explicitly.
    tokenizer = NllbTokenizer.from_pretrained(out, src_lang="arb_Arab", tgt_lang="eng_Latn",
                                              extra_special_tokens=FAIRSEQ_LANGUAGE_CODES)
    config = M2M100Config(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, bos_token_id=0,
                          eos_token_id=2, decoder_start_token_id=2, max_position_embeddings=512,
                          scale_embedding=True, **TINY_DIMS)
    model = M2M100ForConditionalGeneration(config)
    _randomize(model, tokenizer.pad_token_id)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=2, eos_token_id=2, pad_token_id=tokenizer.pad_token_id, bos_token_id=0,
        max_length=512)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


BUILDERS = {"tiny-marian": build_tiny_marian, "tiny-nllb": build_tiny_nllb}


def main(argv: list[str] | None = None) -> int:
    """Command line: build one tiny model into a folder."""
    parser = argparse.ArgumentParser(prog="python -m mt.testing", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(BUILDERS))
    parser.add_argument("out_dir")
    args = parser.parse_args(argv)
    print(BUILDERS[args.kind](args.out_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
