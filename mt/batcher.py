"""Dynamic micro-batching for the server: segments of concurrent requests share engine batches.

Each request prepares and tokenizes its text in its own thread, takes what the Translator already knows
(`Translator.split_known`: blank or cached), and queues the rest, shortest first. Decode threads (one per
batch the engine can run at once) build each batch from a window of waiting segments taken round-robin across
the requests (interleaved by segment), around the segment whose turn it is, with its neighbours by length, as
the Translator's batch budget allows (`BatchOptions.fits`): a huge request never starves a small one, batches
pad little, and a lone request gets the same batches as `Translator.translate`. A batch that is not full waits
at most `max_wait_ms` for company, and only while another caller is on its way (inside translate_batch, its
segments not yet queued): a lone request never waits. After a batch shared by several requests, a batch that is
not full also waits until `refill_ms` after that one ended, for the clients just answered. A full queue refuses new
work with `Overloaded`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mt.errors import InvalidOption, MtbriefError
from mt.translator import MIN_SPLIT

if TYPE_CHECKING:
    from mt.translator import Progress, Translator
    from mt.types import Translation


@dataclass(frozen=True)
class BatcherOptions:
    """How long a batch waits for company and how many segments may wait for the engine."""

    max_wait_ms: float = 5.0  # a batch that is not full waits this long for more segments
    queue_limit: int = 4096  # segments waiting for the engine; beyond it, new requests get Overloaded
    # After a batch shared by several requests, the next batch that is not full waits until this long after that
    # batch ended: the clients just answered come back within a round trip, and a fuller batch costs less CPU per
    # sentence (24 sentences: 7-9% less than 18, README "Load"). A lone request's batches are never shared.
    refill_ms: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.max_wait_ms <= 1000:
            raise InvalidOption("batch wait (ms)", self.max_wait_ms, ["0..1000"])
        if not 0 <= self.refill_ms <= 1000:
            raise InvalidOption("refill wait (ms)", self.refill_ms, ["0..1000"])
        if self.queue_limit < 1:
            raise InvalidOption("queue limit", self.queue_limit, ["an integer >= 1"])


class Overloaded(MtbriefError):
    """The batcher's queue is full: try again after `retry_after` seconds (HTTP 503 + Retry-After)."""

    def __init__(self, waiting: int, limit: int, retry_after: int) -> None:
        self.waiting, self.limit, self.retry_after = waiting, limit, retry_after
        super().__init__(f"Server busy: {waiting} sentences are waiting for the model (the queue holds "
                         f"{limit}); retry in {retry_after} s")


class _Job:
    """One request's segments to decode, shortest first, and what came back."""

    def __init__(self, texts: list[str], tokens: list[list[str]]) -> None:
        self.texts, self.tokens = texts, tokens
        self.left = list(range(len(texts)))  # segments not yet handed to a decode thread
        self.done = 0
        self.results: dict[str, tuple[str, ...]] = {}
        self.error: BaseException | None = None
        self.changed = threading.Condition()


class MicroBatcher:
    """A Translator-like facade (translate, translate_batch, translate_inputs) that batches across callers."""

    def __init__(self, translator: Translator, options: BatcherOptions = BatcherOptions(),
                 decoders: int | None = None) -> None:
        self.translator, self.options = translator, options
        self.signature, self.model, self.decode = translator.signature, translator.model, translator.decode
        self.decoders = decoders or engine_parallelism(translator)
        self._jobs: deque[_Job] = deque()  # round robin: the job at the left gives the next segment
        self._waiting = 0  # segments queued, not yet taken
        self._lock = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._callers = 0  # callers inside translate_batch / translate_inputs (each counted once)
        self._decoding = 0  # decode threads inside an engine call
        self._local = threading.local()  # this thread's nesting depth, so a caller counts once
        self._rate = 0.0  # segments/s, smoothed: what Retry-After is estimated from
        self._shared_done = -math.inf  # when the last batch shared by several requests ended (monotonic)
        self.stats = {"batches": 0, "segments": 0, "shared_batches": 0, "largest_batch": 0, "refused": 0,
                      "waits": 0}

    # -- the Translator-like facade ---------------------------------------------------------------------

    def prepare(self, text: str, final_ya: bool | None = None) -> list:
        """As Translator.prepare."""
        return self.translator.prepare(text, final_ya)

    def translate(self, text: str, on_progress: Progress | None = None) -> Translation:
        """As Translator.translate, its segments decoded in batches shared with other callers."""
        return self.translate_batch([text], on_progress)[0]

    @property
    def memory(self) -> Any:
        """The wrapped translator's corrections memory (None: off)."""
        return self.translator.memory

    def translate_batch(self, texts: list[str], on_progress: Progress | None = None,
                        via: Translator | None = None) -> list[Translation]:
        """As Translator.translate_batch, its segments decoded in batches shared with other callers.

        via: a translator with other glossary or memory but the same model and decoding options (e.g. a request's
        own glossary): it prepares, consults its memory and glossary, and its plain segments join the queue.
        """
        with self._caller():
            return (via or self.translator).translate_batch(texts, on_progress, self.translate_inputs)

    def translate_prepared(self, text: str, segments: list, on_progress: Progress | None = None,
                           via: Translator | None = None) -> Translation:
        """As Translator.translate_prepared, its segments decoded in batches shared with other callers."""
        with self._caller():
            return (via or self.translator).translate_prepared(text, segments, on_progress, self.translate_inputs)

    def translate_inputs(self, inputs: list[str], on_progress: Progress | None = None) -> list[tuple[str, ...]]:
        """As Translator.translate_inputs: known inputs answer at once, the rest wait for shared batches."""
        with self._caller():
            results, pending = self.translator.split_known(inputs)
            total = len(results) + len(pending)
            if pending:
                job = self._submit(pending)
                self._wait(job, len(results), total, on_progress)
                results.update(job.results)
            elif on_progress:
                on_progress(total, total)
            return [results[text] for text in inputs]

    @contextmanager
    def _caller(self) -> Iterator[None]:
        """Count this thread as a caller while it is inside (once, however deeply nested)."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        if depth == 0:
            with self._lock:
                self._callers += 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._lock:
                    self._callers -= 1
                    self._lock.notify_all()  # a batch waiting for this caller need not wait any more

    # -- queue --------------------------------------------------------------------------------------------

    def _submit(self, pending: list[str]) -> _Job:
        tokens = self.translator.codec.encode_many(pending)  # in the caller's thread, not the decoder's
        order = sorted(range(len(pending)), key=lambda i: len(tokens[i]))
        job = _Job([pending[i] for i in order], [tokens[i] for i in order])
        with self._lock:
            # An empty queue takes any request, so one larger than the limit is still served.
            if self._waiting and self._waiting + len(pending) > self.options.queue_limit:
                self.stats["refused"] += 1
                raise Overloaded(self._waiting, self.options.queue_limit, self._retry_after())
            self._start()
            self._jobs.append(job)
            self._waiting += len(pending)
            self._lock.notify()
        return job

    def _retry_after(self) -> int:
        return max(1, min(120, math.ceil(self._waiting / self._rate))) if self._rate > 0 else 1

    def _wait(self, job: _Job, known: int, total: int, on_progress: Progress | None) -> None:
        reported = -1
        while True:
            with job.changed:
                while job.done == reported and job.error is None:
                    job.changed.wait()
                done, error = job.done, job.error
            if error is not None:
                raise error
            if on_progress:  # in the caller's thread: UIs update from their own request
                on_progress(known + done, total)
            if done == len(job.texts):
                return
            reported = done

    def _start(self) -> None:
        if self._threads:
            return
        for i in range(self.decoders):
            thread = threading.Thread(target=self._loop, name=f"mtbrief-batcher-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop the decode threads once the queue is empty."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    # -- decode threads -----------------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._jobs and not self._closed:
                    self._lock.wait()
                if not self._jobs:
                    return
                self._wait_for_company()
                batch = self._take()
                self._decoding += 1
                if self._jobs:  # what this batch left is for another decode thread, if one is idle
                    self._lock.notify()
            try:
                self._decode(batch)
            finally:
                with self._lock:
                    self._decoding -= 1

    def _wait_for_company(self) -> None:
        """Hold a batch that is not full for at most max_wait_ms while callers are on their way, and until
        refill_ms after the end of the last shared batch (lock held)."""
        deadline = time.monotonic() + self.options.max_wait_ms / 1000
        refill_until = self._shared_done + self.options.refill_ms / 1000
        counted = False
        while self._waiting < self.translator.batching.max_batch_size and not self._closed:
            # A caller whose segments are queued has a job; any caller beyond those is still preparing its text.
            until = max(deadline, refill_until) if self._callers > len(self._jobs) else refill_until
            left = until - time.monotonic()
            if left <= 0:
                return
            if not counted:  # counted as the wait starts, so a test can see a batch being held
                self.stats["waits"] += 1
                counted = True
            self._lock.wait(left)

    def _take(self) -> list[tuple[_Job, int]]:
        """One engine batch around the oldest turn's segment, from a window of segments in turn order.

        The window takes segments round-robin across the waiting requests (interleaved by segment); the batch
        is the anchor (the next turn's segment) plus its nearest neighbours by length within the window, as
        many as the batch budget holds. Sorted by length, batches pad little, as the Translator's do; the turn
        passes to the next request each batch, so every request is served within a round of batches.
        """
        budget = self.translator.batching
        window = self._window(2 * budget.max_batch_size)
        ordered = sorted(window, key=lambda item: len(item[0].tokens[item[1]]))
        width = [len(job.tokens[i]) for job, i in ordered]
        # Idle decode threads share what is waiting (as Translator._batches does, in parts of MIN_SPLIT or more): a
        # lone 8-sentence request on 2 workers decodes as 2 batches of 4 side by side; under load every thread is
        # busy and batches are full.
        most = max(MIN_SPLIT, math.ceil(self._waiting / max(1, self.decoders - self._decoding)))

        def fits(count: int, widest: int) -> bool:
            return count <= most and budget.fits(count, widest)

        lo = hi = ordered.index(window[0])
        while lo > 0 and fits(hi - lo + 2, width[hi]):
            lo -= 1
        while hi + 1 < len(ordered) and fits(hi - lo + 2, width[hi + 1]):
            hi += 1
        batch = ordered[lo: hi + 1]
        for job in {job for job, _ in batch}:
            chosen = {i for j, i in batch if j is job}
            job.left = [i for i in job.left if i not in chosen]
        self._jobs.rotate(-1)  # the turn passes on
        for job in [job for job in self._jobs if not job.left]:
            self._jobs.remove(job)
        self._waiting -= len(batch)
        return batch

    def _window(self, size: int) -> list[tuple[_Job, int]]:
        """Up to `size` waiting segments in turn order: each request's next, then each one's second, ..."""
        window: list[tuple[_Job, int]] = []
        for depth in range(size):
            row = [(job, job.left[depth]) for job in self._jobs if depth < len(job.left)]
            if not row:
                break
            window += row[: size - len(window)]
            if len(window) == size:
                break
        return window

    def _decode(self, batch: list[tuple[_Job, int]]) -> None:
        jobs = list(dict.fromkeys(job for job, _ in batch))
        start = time.monotonic()
        failure: Exception | None
        try:
            hyps = self.translator.decode_batch([job.tokens[i] for job, i in batch], [job.texts[i] for job, i in batch])
        except Exception as exc:  # every waiting caller hears of it; the decode thread goes on
            hyps, failure = [], exc
            self._drop(jobs)
        else:
            failure = None
        for (job, i), nbest in zip(batch, hyps, strict=False):
            job.results[job.texts[i]] = nbest
            self.translator.remember(job.texts[i], nbest)
        self._account(len(batch), len(jobs), time.monotonic() - start)
        for job in jobs:
            with job.changed:
                if failure is not None:
                    job.error = failure
                job.done += sum(1 for j, _ in batch if j is job)
                job.changed.notify_all()

    def _drop(self, jobs: list[_Job]) -> None:
        """Take failed jobs' remaining segments out of the queue: their callers are told already."""
        with self._lock:
            for job in jobs:
                if job in self._jobs:
                    self._jobs.remove(job)
                    self._waiting -= len(job.left)

    def _account(self, size: int, jobs: int, seconds: float) -> None:
        with self._lock:
            s = self.stats
            s["batches"] += 1
            s["segments"] += size
            s["shared_batches"] += jobs > 1
            if jobs > 1:
                self._shared_done = time.monotonic()
            s["largest_batch"] = max(s["largest_batch"], size)
            rate = size / max(seconds, 1e-6)
            self._rate = rate if self._rate == 0 else 0.8 * self._rate + 0.2 * rate


class RequestView:
    """A request's own translator (e.g. with the request's glossary) whose plain segments join the shared batches."""

    def __init__(self, batcher: MicroBatcher, via: Translator) -> None:
        self.batcher, self.via = batcher, via
        self.signature, self.memory = via.signature, via.memory

    def prepare(self, text: str, final_ya: bool | None = None) -> list:
        """As Translator.prepare."""
        return self.via.prepare(text, final_ya)

    def translate(self, text: str, on_progress: Progress | None = None) -> Translation:
        """As Translator.translate, through the shared batches."""
        return self.translate_batch([text], on_progress)[0]

    def translate_batch(self, texts: list[str], on_progress: Progress | None = None) -> list[Translation]:
        """As Translator.translate_batch, through the shared batches."""
        return self.batcher.translate_batch(texts, on_progress, self.via)

    def translate_prepared(self, text: str, segments: list, on_progress: Progress | None = None) -> Translation:
        """As Translator.translate_prepared, through the shared batches."""
        return self.batcher.translate_prepared(text, segments, on_progress, self.via)


def engine_parallelism(translator: Translator) -> int:
    """How many batches the engine decodes at once (CTranslate2's workers; 1 for transformers)."""
    return translator.parallel

