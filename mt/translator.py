"""The Translator: one engine loaded once; documents in, sentence-aligned translations out."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from mt.arabic import PreparedSegment, PrepOptions, normalize, prepare_document, uses_final_ya
from mt.enforce import Decoded, decode_inputs
from mt.engines import (
    Codec,
    CTranslate2Engine,
    DecodeOptions,
    Engine,
    TransformersEngine,
    resolve_compute_type,
    resolve_device,
)
from mt.errors import InvalidOption
from mt.models import DEFAULT_MODEL, ResolvedModel, ct2_model_dir, resolve_model
from mt.protocol import Progress
from mt.spm_codec import MarianSpmCodec, NllbJsonCodec, light_codec
from mt.types import Segment, Signature, Translation

if TYPE_CHECKING:
    from mt.glossary import Glossary
    from mt.memory.store import MemoryStore

# What the Translator tokenizes with: the light sentencepiece / tokenizers codecs, or transformers' tokenizer.
AnyCodec = Codec | MarianSpmCodec | NllbJsonCodec



# Batches are split between idle workers only into parts of at least this many sentences: on the shared 2-core
# machine a lone 2-sentence request as 2 batches of 1 took 0.44 CPU s per sentence against 0.31 as one batch
# (docs/speed.md), and its latency did not improve.
MIN_SPLIT = 4

WARM_UP_SENTENCE = "أعلنت وزارة الصحة أن عدد الضحايا ارتفع إلى 24 قتيلا و63 جريحا في القصف الذي استهدف المدينة أمس."


@dataclass(frozen=True)
class BatchOptions:
    """How segments are grouped for the engine."""

    max_batch_tokens: int = 4096  # padded source tokens per engine call
    max_batch_size: int = 24  # CPU, beam 4: as fast as 32 and 15% smaller at peak; 64 was slower (README "Speed")
    window: int = 512  # segments read ahead and sorted by length; bounds memory when streaming
    cache_size: int = 20_000  # translated segments kept (LRU), keyed by signature + normalized text
    max_input_tokens: int = 256  # longer sentences are cut (at ، ؛ : then spaces) before translation

    def __post_init__(self) -> None:
        for name in ("max_batch_tokens", "max_batch_size", "window", "max_input_tokens"):
            if getattr(self, name) < 1:
                raise InvalidOption(name, getattr(self, name), ["an integer >= 1"])

    def fits(self, count: int, width: int) -> bool:
        """Whether `count` inputs padded to `width` tokens make one engine batch."""
        return count <= self.max_batch_size and count * width <= self.max_batch_tokens


class Translator:
    """Arabic→English translation with one loaded model; thread-safe."""

    def __init__(self, engine: Engine, codec: AnyCodec, model: ResolvedModel, decode: DecodeOptions,
                 batching: BatchOptions = BatchOptions(), prep: PrepOptions = PrepOptions(),
                 glossary: Glossary | None = None, memory: MemoryStore | None = None) -> None:
        self.engine, self.codec, self.model = engine, codec, model
        self.decode, self.batching, self.prep = decode, batching, prep
        self.glossary, self.memory = glossary, memory  # see mt.enforce: memory, then glossary-aware decoding
        self._wide: dict[int, Translator] = {}
        self.signature = Signature(model.model_id, model.revision, engine.name, engine.compute_type,
                                   decode.beam_size, engine.device)
        self._cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._counts = {"hits": 0, "misses": 0}  # cache lookups, shared like the cache (see cache_info)
        self._scores: OrderedDict[str, float] = OrderedDict()  # the best hypothesis's score, same keys and bound
        self._pool = _DecodePool(self.parallel)  # one per loaded engine: clones share it

    @property
    def parallel(self) -> int:
        """How many batches the engine decodes at once (CTranslate2's workers; 1 for transformers)."""
        return max(1, int(getattr(self.engine, "parallel", 1) or 1))

    @classmethod
    def load(cls, model: str = DEFAULT_MODEL, engine: str = "ctranslate2", device: str = "auto",
             compute_type: str = "default", beam_size: int = 4, num_alternatives: int = 1,
             revision: str | None = None, batching: BatchOptions = BatchOptions(),
             prep: PrepOptions = PrepOptions(), decode: DecodeOptions | None = None,
             workers: int = 0, threads: int = 0, glossary: Glossary | None = None,
             memory: MemoryStore | None = None) -> Translator:
        """Load a preset name, hub id or local folder on an engine ('ctranslate2' or 'transformers').

        workers (CTranslate2): batches decoded at once; threads: CPU threads for each; 0: chosen from the usable
        cores so that workers x threads never exceeds them (mt.machine.default_parallelism).
        """
        device = resolve_device(device, engine)
        compute_type = resolve_compute_type(compute_type, engine, device)
        decode = decode or DecodeOptions(beam_size=beam_size, num_alternatives=num_alternatives)
        resolved = resolve_model(model, revision)
        # CT2 needs only token strings: sentencepiece / tokenizers instead of transformers (~150 MB less).
        codec: AnyCodec
        if engine == "ctranslate2":
            codec = light_codec(resolved.path, resolved.family) or Codec(resolved.path, resolved.family)
            ct2_dir = ct2_model_dir(resolved, compute_type)
            backend: Engine = CTranslate2Engine(ct2_dir, resolved.path, codec.target_prefix, device, compute_type,
                                                workers=workers, threads=threads)
        else:
            codec = full = Codec(resolved.path, resolved.family)  # transformers decodes with the full tokenizer
            backend = TransformersEngine(resolved.path, full, device, compute_type, threads=threads)
        return cls(backend, codec, resolved, decode, batching, prep, glossary, memory)

    def with_options(self, glossary: Any = ..., memory: Any = ..., **decode_changes: Any) -> Translator:
        """The same loaded model with other decoding options (e.g. beam_size=1, num_alternatives=3), or
        another glossary / memory (None: none; omitted: the same); same decoding shares the cache."""
        clone = Translator(self.engine, self.codec, self.model, replace(self.decode, **decode_changes),
                           self.batching, self.prep, self.glossary if glossary is ... else glossary,
                           self.memory if memory is ... else memory)
        if not decode_changes:  # the cached n-best of the same search stays valid
            clone._cache, clone._cache_lock, clone._wide = self._cache, self._cache_lock, self._wide
            clone._counts = self._counts
        clone._pool = self._pool  # the same engine: the same decoding threads
        return clone

    def widened(self, n: int) -> Translator:
        """This model searching n hypotheses (beam at least n), without glossary or memory; made once."""
        with self._cache_lock:
            if n not in self._wide:
                self._wide[n] = self.with_options(None, None, beam_size=max(n, self.decode.beam_size),
                                                  num_alternatives=n)
            return self._wide[n]

    # -- documents ---------------------------------------------------------------------------------------

    def prepare(self, text: str, final_ya: bool | None = None) -> list[PreparedSegment]:
        """Split and normalize a document into model-sized segments (spans in the original text)."""
        return prepare_document(text, options=self.prep, max_tokens=self.batching.max_input_tokens,
                                count_tokens=self.codec.count, final_ya=final_ya)

    def translate(self, text: str, on_progress: Progress | None = None) -> Translation:
        """Translate one document; every sentence comes back as one segment. on_progress(done, total)."""
        return self.translate_batch([text], on_progress)[0]

    def translate_batch(self, texts: list[str], on_progress: Progress | None = None,
                        decode_plain: Callable[..., list[tuple[str, ...]]] | None = None) -> list[Translation]:
        """Translate several documents at once (their sentences share batches). on_progress(done, total).

        decode_plain: what turns the prepared inputs that neither the memory nor the glossary claims into n-best
        lists (default: translate_inputs; the server's MicroBatcher passes its own, which shares engine batches
        with other requests).
        """
        prepared = [self.prepare(text) for text in texts]
        flat = [seg.mt_input for segs in prepared for seg in segs]
        hyps = iter(decode_inputs(self, flat, on_progress, decode_plain))
        return [self._assemble(text, segs, hyps) for text, segs in zip(texts, prepared, strict=False)]

    def translate_prepared(self, text: str, segments: list[PreparedSegment], on_progress: Progress | None = None,
                           decode_plain: Callable[..., list[tuple[str, ...]]] | None = None) -> Translation:
        """Translate only some prepared segments of `text` (e.g. those a brief shows); decode_plain as in
        translate_batch. The Translation holds just those segments, in the order given."""
        hyps = iter(decode_inputs(self, [seg.mt_input for seg in segments], on_progress, decode_plain))
        return self._assemble(text, segments, hyps)

    def _assemble(self, text: str, segs: list[PreparedSegment], hyps: Iterator[Decoded]) -> Translation:
        segments = []
        for seg in segs:
            got = next(hyps)
            src = seg.source
            score = self.score_of(seg.mt_input) if got.origin == "model" else None
            segments.append(Segment(src.text, got.nbest[0], src.paragraph, src.span, flags=got.flags,
                                    alternatives=got.nbest[1:], origin=got.origin, score=score))
        return Translation(text, tuple(segments), self.signature)

    def translate_lines(self, lines: Iterable[str], on_progress: Progress | None = None,
                        decode_plain: Callable[..., list[tuple[str, ...]]] | None = None) -> Iterator[str]:
        """Stream: exactly one English line per input line (blank stays blank), memory bounded by window.

        on_progress(lines, segments): how many lines and segments each finished window held; decode_plain as in
        translate_batch.
        """
        iterator = iter(lines)
        while chunk := list(islice(iterator, self.batching.window)):
            chunk = [line.rstrip("\r\n") for line in chunk]
            # Whether the text writes final ى as ي is a property of the document, not of one short line.
            final_ya = self.prep.repair_final_ya and uses_final_ya(normalize("\n".join(chunk)))
            prepared = [self.prepare(line, final_ya) for line in chunk]
            hyps = iter(decode_inputs(self, [s.mt_input for segs in prepared for s in segs], None, decode_plain))
            for segs in prepared:
                yield " ".join(t for t in (next(hyps).nbest[0] for _ in segs) if t)
            if on_progress:
                on_progress(len(chunk), sum(map(len, prepared)))

    # -- the batched, cached core ------------------------------------------------------------------------

    def translate_inputs(self, inputs: list[str], on_progress: Progress | None = None) -> list[tuple[str, ...]]:
        """N-best translations of prepared model inputs, in order; batched by length, cached.

        on_progress(done, total) after each engine batch (once, if all are cached), counting distinct inputs.
        """
        results, pending = self.split_known(inputs)
        total = len(results) + len(pending)
        done = len(results)

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if on_progress:
                on_progress(done, total)

        if not pending:
            advance(0)  # all cached: say so once, so a progress display still completes
        for start in range(0, len(pending), self.batching.window):
            window = pending[start: start + self.batching.window]
            for text, nbest in zip(window, self._translate_window(window, advance), strict=True):
                results[text] = nbest
                self._cache_put(text, nbest)
        return [results[text] for text in inputs]

    def lookup(self, text: str) -> tuple[str, ...] | None:
        """A prepared input's n-best without decoding (cached, or blank); None when it must be decoded."""
        cached = self._cache_get(text)
        if cached is not None:
            return cached
        return ("",) * self.decode.num_alternatives if not text.strip() else None

    def split_known(self, inputs: Iterable[str]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
        """The distinct inputs answered by `lookup`, and those left to decode (in first-seen order)."""
        results: dict[str, tuple[str, ...]] = {}
        pending: list[str] = []
        for text in dict.fromkeys(inputs):
            known = self.lookup(text)
            if known is None:
                pending.append(text)
            else:
                results[text] = known
        return results, pending

    def decode_batch(self, tokens: list[list[str]], texts: list[str] | None = None) -> list[tuple[str, ...]]:
        """One engine call: the n-best texts of a batch of tokenized inputs (not cached; the engine's score of
        each best hypothesis is kept under its prepared text, when texts are given)."""
        hyps, scores = self._generate(tokens)
        if len(tokens) > 1:
            for i in self._past_own_bound(tokens, hyps):
                (hyps[i],), own_scores = self._generate([tokens[i]])
                if scores is not None and own_scores is not None:
                    scores[i] = own_scores[0]
        if texts is not None and scores is not None and len(scores) == len(texts):
            for text, nbest_scores in zip(texts, scores, strict=True):
                self._score_put(text, nbest_scores[0])
        return [tuple(self.codec.decode(h) for h in nbest) for nbest in hyps]

    def _generate(self, tokens: list[list[str]]) -> tuple[list[list[list[str]]], list[list[float]] | None]:
        hyps = list(self.engine.generate(tokens, self.decode))
        # Scores come on the side (per thread), so wrappers of `generate` keep working; an engine without them
        # (a test double) still translates, and its segments get score None.
        last = getattr(self.engine, "last_scores", None)
        scores = last() if last else None
        return hyps, None if scores is None else list(scores)

    def _past_own_bound(self, tokens: list[list[str]], hyps: list[list[list[str]]]) -> list[int]:
        """The inputs whose hypothesis ran past the output bound their own length gives.

        A batch's bound comes from its longest input, so a sentence that never ends (a loop) would be cut later in
        a batch with longer neighbours than alone: decoded again alone, it gets the same output in any batch."""
        prefix = len(self.codec.target_prefix or ())
        limit = getattr(self.engine, "max_positions", 512)
        return [i for i, (source, nbest) in enumerate(zip(tokens, hyps, strict=True))
                if max(map(len, nbest), default=0) + prefix > self.decode.max_new_tokens([len(source)], limit)]

    def warm_up(self) -> None:
        """Decode a full batch of a sample sentence per worker, uncached: a server does it before its first request.

        A process that has run a full batch decodes later small ones faster (single 2-sentence requests: about 10%,
        eval/speed/load.py), so the first users of a fresh server are not the ones who pay for it."""
        tokens = self.codec.encode_many([WARM_UP_SENTENCE])[0]
        full = list(range(self.batching.max_batch_size))
        # One full batch per worker, side by side, so every worker has decoded one before the first request.
        for _ in self._pool.map_unordered(lambda batch: self.decode_batch([tokens] * len(batch)),
                                          [full] * self.parallel):
            pass

    def remember(self, text: str, nbest: tuple[str, ...]) -> None:
        """Keep a decoded input's n-best in the cache."""
        self._cache_put(text, nbest)

    def _translate_window(self, texts: list[str], advance: Callable[[int], None]) -> list[tuple[str, ...]]:
        tokens = self.codec.encode_many(texts)
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        out: list[tuple[str, ...]] = [()] * len(texts)

        def decode(batch: list[int]) -> list[tuple[str, ...]]:
            return self.decode_batch([tokens[i] for i in batch], [texts[i] for i in batch])

        for batch, nbests in self._pool.map_unordered(decode, list(self._batches(order, tokens))):
            for i, nbest in zip(batch, nbests, strict=True):
                out[i] = nbest
            advance(len(batch))
        return out

    def _batches(self, order: list[int], tokens: list[list[str]]) -> Iterator[list[int]]:
        # At least `parallel` batches of even size when there are enough inputs, so every worker has one: two
        # sentences on 2 workers decode as 2 batches of 1 side by side instead of 1 batch on 1 worker.
        count = max(self.parallel, math.ceil(len(order) / self.batching.max_batch_size))
        count = math.ceil(count / self.parallel) * self.parallel  # whole waves: no worker idle in the last one
        most = max(min(MIN_SPLIT, self.batching.max_batch_size), math.ceil(len(order) / count))
        batch: list[int] = []
        for i in order:  # sorted by length, so the newest member is the widest
            width = len(tokens[i])
            if batch and (len(batch) >= most or not self.batching.fits(len(batch) + 1, width)):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def _cache_get(self, text: str) -> tuple[str, ...] | None:
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
            self._counts["misses" if hit is None else "hits"] += 1
            return hit

    def _cache_put(self, text: str, nbest: tuple[str, ...]) -> None:
        if self.batching.cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[text] = nbest
            while len(self._cache) > self.batching.cache_size:
                self._cache.popitem(last=False)

    def _score_put(self, text: str, score: float) -> None:
        with self._cache_lock:
            self._scores[text] = score
            while len(self._scores) > max(self.batching.cache_size, self.batching.window):
                self._scores.popitem(last=False)

    def score_of(self, mt_input: str) -> float | None:
        """The engine's score of the best translation of a prepared input, while it is remembered."""
        with self._cache_lock:
            return self._scores.get(mt_input)

    def cache_info(self) -> dict[str, int]:
        """How many translated segments the LRU cache holds, and how many lookups it answered (hits) or not."""
        with self._cache_lock:
            return {"size": len(self._cache), "max_size": self.batching.cache_size, **self._counts}


class _DecodePool:
    """The threads that hand batches to the engine, `size` at a time (CTranslate2 decodes that many at once)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def map_unordered(self, func: Callable[[list[int]], list[tuple[str, ...]]],
                      batches: list[list[int]]) -> Iterator[tuple[list[int], list[tuple[str, ...]]]]:
        """Each batch with func(batch), as they finish; in this thread when one at a time is all there is."""
        if self.size == 1 or len(batches) == 1:
            for batch in batches:
                yield batch, func(batch)
            return
        with self._lock:
            if self._executor is None:  # made on first use: no threads for a translator that never batches
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="mtbrief-decode")
            executor = self._executor
        futures: dict[Future, list[int]] = {executor.submit(func, batch): batch for batch in batches}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:  # a failed batch (or a caller that stopped reading): the batches not started yet are dropped
            for future in futures:
                future.cancel()
