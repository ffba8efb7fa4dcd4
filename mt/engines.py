"""The two decoding engines (CTranslate2, transformers) and the tokenizer codec they share."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mt.errors import InvalidOption
from mt.models import NLLB_SOURCE_LANG, NLLB_TARGET_LANG

ENGINES = ("ctranslate2", "transformers")
DEVICES = ("auto", "cpu", "cuda")
COMPUTE_TYPES = {
    "ctranslate2": ("default", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
                    "bfloat16", "float32"),
    "transformers": ("default", "float32", "float16", "bfloat16"),
}


def check_ct2_quantization(quantization: str) -> None:
    """InvalidOption unless CTranslate2's converter can store weights as `quantization`."""
    stored = [t for t in COMPUTE_TYPES["ctranslate2"] if t != "default"]
    if quantization not in stored:
        raise InvalidOption("compute type for the CTranslate2 copy", quantization, stored)


@dataclass(frozen=True)
class DecodeOptions:
    """How to search: beam, n-best, and the output-length bound relative to the input length."""

    beam_size: int = 4
    num_alternatives: int = 1
    max_length_ratio: float = 3.0  # output tokens <= ratio * input tokens + extra (never a small fixed cap)
    max_length_extra: int = 10
    fixed_length: int | None = None  # benchmarks only: exactly this many output tokens
    length_penalty: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise InvalidOption("beam size", self.beam_size, ["an integer >= 1"])
        if not 1 <= self.num_alternatives <= max(self.beam_size, 1):
            raise InvalidOption("num_alternatives", self.num_alternatives, [f"1..beam_size ({self.beam_size})"])

    def max_new_tokens(self, source_lengths: list[int], model_limit: int) -> int:
        """The output bound for a batch: relative to its longest input, within the model's positions."""
        if self.fixed_length:
            return self.fixed_length
        longest = max(source_lengths, default=0)
        return min(model_limit, int(self.max_length_ratio * longest) + self.max_length_extra)


class Codec:
    """Text <-> model tokens, with each family's special tokens (Marian `</s>`; NLLB language codes)."""

    def __init__(self, model_path: Path, family: str) -> None:
        # The concrete classes, not AutoTokenizer: its config lookup imports torch, which the CT2 engine
        # never needs (5 s of load time and ~180 MB of memory).
        if family == "nllb":
            from transformers import NllbTokenizer

            self.tokenizer = NllbTokenizer.from_pretrained(str(model_path), src_lang=NLLB_SOURCE_LANG,
                                                           tgt_lang=NLLB_TARGET_LANG)
        else:
            from transformers import MarianTokenizer

            self.tokenizer = MarianTokenizer.from_pretrained(str(model_path))
        self.family = family
        self.target_prefix: list[str] | None = [NLLB_TARGET_LANG] if family == "nllb" else None

    def encode(self, text: str) -> list[str]:
        """Source tokens, special tokens included (what CTranslate2 takes)."""
        return self.tokenizer.convert_ids_to_tokens(self.tokenizer(text).input_ids)

    def encode_many(self, texts: list[str]) -> list[list[str]]:
        """Source tokens of several texts in one tokenizer call."""
        ids = self.tokenizer(texts).input_ids
        return [self.tokenizer.convert_ids_to_tokens(row) for row in ids]

    def count(self, text: str) -> int:
        """How many source tokens a text takes (what the model's input limit counts)."""
        return len(self.tokenizer(text).input_ids)

    def decode(self, tokens: list[str]) -> str:
        """English text from target tokens (prefix and special tokens dropped)."""
        ids = self.tokenizer.convert_tokens_to_ids(tokens)
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()


class Engine(Protocol):
    """What a decoding engine offers the Translator."""

    name: str
    device: str
    compute_type: str
    max_positions: int

    def generate(self, sources: list[list[str]], options: DecodeOptions) -> list[list[list[str]]]:
        """For each source, its n-best target token lists (without the target prefix)."""
        ...


def resolve_device(device: str, engine: str) -> str:
    """'cpu' or 'cuda' from 'auto' | 'cpu' | 'cuda'."""
    if device not in DEVICES:
        raise InvalidOption("device", device, DEVICES)
    if device == "cuda":
        _require_cuda(engine)
    if device != "auto":
        return device
    if engine == "ctranslate2":
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_compute_type(compute_type: str, engine: str, device: str) -> str:
    """The concrete compute type: 'default' is int8 (CT2) / float32 (torch) on CPU, float16 on CUDA."""
    if engine not in ENGINES:
        raise InvalidOption("engine", engine, ENGINES)
    if compute_type not in COMPUTE_TYPES[engine]:
        raise InvalidOption(f"compute type for {engine}", compute_type, COMPUTE_TYPES[engine])
    if compute_type != "default":
        if engine == "ctranslate2":
            _require_ct2_support(compute_type, device)
        return compute_type
    if device == "cuda":
        return "float16"
    return "int8" if engine == "ctranslate2" else "float32"


def _require_cuda(engine: str) -> None:
    """InvalidOption for --device cuda where the engine sees no CUDA GPU (rather than a failure at load)."""
    if engine == "ctranslate2":
        import ctranslate2

        found = ctranslate2.get_cuda_device_count()
    else:
        import torch

        found = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if not found:
        raise InvalidOption(f"device for {engine} (no CUDA GPU is visible on this machine)", "cuda", ["cpu", "auto"])


def _require_ct2_support(compute_type: str, device: str) -> None:
    """InvalidOption naming what this device supports, for a compute type CTranslate2 cannot run here."""
    import ctranslate2

    try:
        supported = ctranslate2.get_supported_compute_types(device)
    except (RuntimeError, ValueError):
        return  # the device itself is checked (and reported) by resolve_device
    if compute_type not in supported:
        raise InvalidOption(f"compute type for ctranslate2 on this {device}", compute_type,
                            ["default", *sorted(supported)])


def _model_positions(model_path: Path) -> int:
    import json

    config = json.loads((model_path / "config.json").read_text(encoding="utf-8"))
    return int(config.get("max_position_embeddings") or 512)


class CTranslate2Engine:
    """CTranslate2 decoding of a converted model (thread-safe; int8 on CPU by default)."""

    name = "ctranslate2"

    def __init__(self, ct2_dir: Path, hf_path: Path, prefix: list[str] | None, device: str, compute_type: str,
                 workers: int = 0, threads: int = 0) -> None:
        import ctranslate2

        from mt.machine import default_parallelism

        if workers < 0 or threads < 0:
            raise InvalidOption("workers/threads", (workers, threads), ["integers >= 0 (0: from the machine)"])
        # CT2's own default is 4 threads whatever the machine; workers x threads fit the usable cores instead.
        plan = default_parallelism(device, workers=workers, threads=threads)
        workers, threads = plan.workers, plan.threads
        self.parallel = workers  # batches decoded at once (by callers on as many threads)
        if device == "cpu":
            from mt.malloc import limit_malloc_arenas

            limit_malloc_arenas(workers)  # before CT2 starts its threads: see mt/malloc.py
        # `workers` batches decode at once (callers on several threads), sharing one copy of the weights.
        self.translator = ctranslate2.Translator(str(ct2_dir), device=device, compute_type=compute_type,
                                                 inter_threads=workers, intra_threads=threads)
        self.device, self.compute_type, self.prefix = device, compute_type, prefix
        self.max_positions = _model_positions(hf_path)
        self._last = threading.local()  # per calling thread: workers decode batches at once

    def generate(self, sources: list[list[str]], options: DecodeOptions) -> list[list[list[str]]]:
        """Decode a batch; hypotheses come back without the target prefix (scores: see last_scores)."""
        max_len = options.max_new_tokens([len(s) for s in sources], self.max_positions)
        results = self.translator.translate_batch(
            sources, target_prefix=[self.prefix] * len(sources) if self.prefix else None,
            beam_size=options.beam_size, num_hypotheses=options.num_alternatives,
            length_penalty=options.length_penalty, repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size, max_input_length=self.max_positions,
            max_decoding_length=max_len, min_decoding_length=options.fixed_length or 1, return_scores=True,
        )
        skip = len(self.prefix or ())
        # CT2's score: log-probability / length^length_penalty, i.e. per token at the default penalty.
        self._last.scores = [[float(score) for score in r.scores] for r in results]
        return [[hyp[skip:] for hyp in r.hypotheses] for r in results]

    def last_scores(self) -> list[list[float]] | None:
        """The scores of the hypotheses this thread's last `generate` call returned, in the same shape."""
        return getattr(self._last, "scores", None)


class TransformersEngine:
    """The reference engine: transformers `generate` under a lock (torch modules are not re-entrant)."""

    name = "transformers"
    parallel = 1  # one batch at a time: torch modules are not re-entrant

    def __init__(self, hf_path: Path, codec: Codec, device: str, compute_type: str, threads: int = 0) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        if device == "cpu":
            from mt.machine import usable_cores

            torch.set_num_threads(threads or usable_cores())

        dtype = getattr(torch, compute_type)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(str(hf_path), dtype=dtype).to(device).eval()
        self.codec, self.device, self.compute_type = codec, device, compute_type
        self.max_positions = _model_positions(hf_path)
        self._lock = threading.Lock()
        self._last = threading.local()
        tok = codec.tokenizer
        self._forced_bos = tok.convert_tokens_to_ids(codec.target_prefix[0]) if codec.target_prefix else None
        self._drop = {tok.pad_token_id, tok.eos_token_id, self.model.generation_config.decoder_start_token_id}

    def generate(self, sources: list[list[str]], options: DecodeOptions) -> list[list[list[str]]]:
        """Decode a batch with beam search (or greedy at beam 1); same token and score contract as CT2."""
        import torch

        tok = self.codec.tokenizer
        rows = [tok.convert_tokens_to_ids(s) for s in sources]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        max_len = options.max_new_tokens([len(r) for r in rows], self.max_positions)
        kwargs = {"forced_bos_token_id": self._forced_bos} if self._forced_bos is not None else {}
        with self._lock, torch.inference_mode():
            out = self.model.generate(
                input_ids=ids.to(self.device), attention_mask=mask.to(self.device), do_sample=False,
                num_beams=options.beam_size, num_return_sequences=options.num_alternatives,
                max_new_tokens=max_len, min_new_tokens=options.fixed_length or 1, max_length=None,
                length_penalty=options.length_penalty, repetition_penalty=options.repetition_penalty,
                no_repeat_ngram_size=options.no_repeat_ngram_size, **kwargs)
            n = options.num_alternatives
            scores = self._scores(ids.to(self.device), mask.to(self.device), out[::n], options)
        hyps = [self._tokens(row) for row in out.tolist()]
        self._last.scores = [[scores[i]] + [math.nan] * (n - 1) for i in range(len(rows))]
        return [hyps[i * n: (i + 1) * n] for i in range(len(rows))]

    def last_scores(self) -> list[list[float]] | None:
        """Scores of this thread's last `generate` call, in its shape; only each best hypothesis is scored (NaN)."""
        return getattr(self._last, "scores", None)

    def _scores(self, ids: Any, mask: Any, best: Any, options: DecodeOptions) -> list[float]:  # torch tensors
        """Log-probability per token (over length^length_penalty, as CT2) of each best hypothesis, by one
        teacher-forced pass: generate's own output_scores would keep a vocabulary-wide row per step and beam."""
        import torch

        eos, vocab = self.codec.tokenizer.eos_token_id, self.model.config.vocab_size
        targets = best[:, 1:]
        valid = torch.ones_like(targets, dtype=torch.bool)
        for r, row in enumerate(targets.tolist()):
            end = row.index(eos) + 1 if eos in row else len(row)
            valid[r, end:] = False
        if self._forced_bos is not None:
            valid[:, 0] = False  # the forced language code is not the model's choice
        chunk = max(1, (1 << 26) // max(1, targets.shape[1] * vocab))  # ~256 MB of logits at a time
        result: list[float] = []
        for start in range(0, len(best), chunk):
            part = slice(start, start + chunk)
            logits = self.model(input_ids=ids[part], attention_mask=mask[part],
                                decoder_input_ids=best[part, :-1]).logits.float()
            logp = torch.log_softmax(logits, dim=-1).gather(-1, targets[part, :, None]).squeeze(-1)
            kept = valid[part]
            totals, counts = (logp * kept).sum(dim=1), kept.sum(dim=1).clamp(min=1)
            result += [float(t) / float(c) ** options.length_penalty for t, c in zip(totals, counts, strict=True)]
        return result

    def _tokens(self, row: list[int]) -> list[str]:
        row = row[1:]  # the decoder start token
        if self._forced_bos is not None and row[:1] == [self._forced_bos]:
            row = row[1:]
        eos = self.codec.tokenizer.eos_token_id
        if eos in row:
            row = row[: row.index(eos)]
        return self.codec.tokenizer.convert_ids_to_tokens([t for t in row if t not in self._drop])
