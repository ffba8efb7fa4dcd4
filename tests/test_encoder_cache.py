"""The encoder's vector cache: reuse across calls, LRU eviction, thread safety; the brief reuses the check's."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from mt.types import Segment, Signature, Translation
from summarize import rank
from summarize.lang.vectors import SentenceEncoder


class CountingModel:
    """A stand-in for USE: a fixed unit vector per text (from its characters), and a log of what it encoded."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        """One 512-d unit vector per text."""
        self.encoded += texts
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text:
                out[row, ord(char) % 512] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


@pytest.fixture
def encoder() -> tuple[SentenceEncoder, CountingModel]:
    model = CountingModel()
    return SentenceEncoder(model, cache_size=3), model


def test_a_text_is_encoded_once(encoder: tuple[SentenceEncoder, CountingModel]) -> None:
    enc, model = encoder
    first = enc.encode(["أ ب", "ج د", "أ ب"])
    again = enc.encode(["ج د", "أ ب"])
    assert model.encoded == ["أ ب", "ج د"]
    assert np.array_equal(again, first[[1, 0]])
    assert (enc.hits, enc.misses) == (3, 2)
    assert enc.encode([]).shape == (0, 512)


def test_the_least_recently_used_vector_goes_first(encoder: tuple[SentenceEncoder, CountingModel]) -> None:
    enc, model = encoder
    enc.encode(["a", "b", "c"])
    enc.encode(["a"])  # b is now the oldest
    enc.encode(["d"])
    assert enc.cached() == 3
    model.encoded.clear()
    enc.encode(["a", "c", "d"])
    assert model.encoded == []
    enc.encode(["b"])
    assert model.encoded == ["b"]


def test_more_texts_than_the_cache_holds_still_come_back(encoder: tuple[SentenceEncoder, CountingModel]) -> None:
    enc, _ = encoder
    texts = [f"text {i}" for i in range(10)]
    vectors = enc.encode(texts)
    assert vectors.shape == (10, 512) and enc.cached() == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_threads_share_one_cache_without_losing_vectors() -> None:
    model = CountingModel()
    enc = SentenceEncoder(model, cache_size=10_000)
    texts = [f"جملة {i}" for i in range(200)]
    expected = CountingModel().encode(texts)
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            order = texts[offset:] + texts[:offset]
            results.append(np.roll(enc.encode(order), offset, axis=0))
        except BaseException as exc:  # noqa: BLE001 - a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i * 25,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 8
    assert all(np.allclose(r, expected) for r in results)
    assert sorted(model.encoded) == sorted(texts)  # each text encoded by exactly one thread


def test_unit_vectors_reuse_the_segments_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    model = CountingModel()
    enc = SentenceEncoder(model)
    monkeypatch.setattr("summarize.lang.vectors.load_encoder", lambda: enc)
    sources = ["قصفت الطائرات حلب أمس.", "مما أدي إلي مقتل سبعة.", "افتتح معرض الكتاب في القاهرة."]
    segments = tuple(Segment(s, f"EN{i}", 0, (0, len(s))) for i, s in enumerate(sources))
    enc.encode(sources)  # what the quality check did
    model.encoded.clear()
    units = rank.group_units(Translation("", segments, Signature("m", None, "ct2", "int8", 1)).segments, set())
    assert [u.segments for u in units] == [(0, 1), (2,)]
    sim = rank.unit_similarity(units, segments, "use")
    assert model.encoded == []  # nothing new to encode: the glued unit is the mean of its pieces
    glued = expected_mean(model, sources[:2])
    assert sim[0, 1] == pytest.approx(float(glued @ model.encode([sources[2]])[0]), abs=1e-6)
    assert np.diag(sim) == pytest.approx([1.0, 1.0], abs=1e-6)


def expected_mean(model: CountingModel, texts: list[str]) -> np.ndarray:
    """The normalized mean of the texts' vectors."""
    total = model.encode(texts).sum(axis=0)
    return total / np.linalg.norm(total)
