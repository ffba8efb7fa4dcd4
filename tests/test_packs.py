"""Batches at once and shared batches: the Translator's batches go to its workers side by side, a pack's files share
engine batches whatever the thread timing, a partly finished pack is decoded whole again, the server's batcher
splits a lone request between idle workers. A recording engine shows every batch exactly; no timing asserts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mt.batch.files import FileTask, translate_file
from mt.batch.packs import Member, PackOptions, cut_packs, translate_pack
from mt.batcher import BatcherOptions, MicroBatcher
from mt.engines import DecodeOptions
from mt.errors import InvalidOption
from mt.translator import BatchOptions, Translator

AR = ["قتل 24 شخصا في القصف.", "تجدد قصف الطيران علي حلب أمس.", "وصل الوفد إلى دمشق.",
      "أعلنت الأمم المتحدة هدنة جديدة.", "ارتفعت الأسعار في السوق.", "عقد المجلس جلسة طارئة مساء الأحد.",
      "غادر السفير.", "انقطعت الكهرباء عن المدينة."]


class RecordingEngine:
    """Gives each source back (minus its end token) and records the batches; `parallel` workers; with `meet`,
    the first two calls each wait until the other has started (a barrier): only side-by-side decoding passes."""

    name, device, compute_type, max_positions = "echo", "cpu", "none", 512

    def __init__(self, parallel: int = 1, meet: bool = False) -> None:
        self.parallel, self.calls, self.lock = parallel, [], threading.Lock()
        self.barrier = threading.Barrier(2, timeout=20) if meet else None

    def generate(self, sources, options):
        with self.lock:
            self.calls.append([" ".join(s) for s in sources])
            first_two = len(self.calls) <= 2
        if self.barrier is not None and first_two:
            self.barrier.wait()  # BrokenBarrierError after 20 s if the other batch never starts
        return [[s[:-1]] * options.num_alternatives for s in sources]


def make(tiny_translator, engine, max_batch_size=24) -> Translator:
    """A Translator on `engine` with the tiny model's codec, cache off."""
    return Translator(engine, tiny_translator.codec, tiny_translator.model, DecodeOptions(beam_size=1),
                      BatchOptions(max_batch_size=max_batch_size, cache_size=0))


def unique(n: int) -> list[str]:
    """n distinct sentences."""
    return [f"{AR[i % len(AR)][:-1]} {i}." for i in range(n)]


@pytest.mark.parametrize("parallel, count, max_batch, sizes", [
    (1, 2, 24, [2]),
    (2, 2, 24, [2]),  # too few to split: two batches of 1 cost twice the CPU of one of 2
    (2, 8, 24, [4, 4]),  # a short request uses both workers
    (2, 1, 24, [1]),
    (2, 30, 24, [15, 15]),
    (2, 60, 24, [15, 15, 15, 15]),  # whole waves of 2
    (4, 10, 24, [4, 4, 2]),
    (4, 30, 24, [8, 8, 8, 6]),
    (2, 6, 2, [2, 2, 2]),  # the batch budget below MIN_SPLIT
    (2, 0, 24, []),
])
def test_batches_are_spread_over_the_workers(tiny_translator, parallel, count, max_batch, sizes):
    engine = RecordingEngine(parallel)
    tr = make(tiny_translator, engine, max_batch)
    assert tr.parallel == parallel
    assert tr.translate_inputs(unique(count)) == [(echo(tr, t),) for t in unique(count)]
    assert sorted(map(len, engine.calls), reverse=True) == sizes


def echo(tr: Translator, text: str) -> str:
    """What RecordingEngine makes of one prepared input."""
    return tr.codec.decode(tr.codec.encode(text)[:-1])


def test_two_batches_decode_side_by_side(tiny_translator):
    engine = RecordingEngine(parallel=2, meet=True)  # each of the first two batches waits for the other
    tr = make(tiny_translator, engine, max_batch_size=4)
    texts = unique(8)
    assert tr.translate_inputs(texts) == [(echo(tr, t),) for t in texts]
    assert len(engine.calls) == 2


def test_an_engine_failure_reaches_the_caller(tiny_translator):
    class Failing(RecordingEngine):
        def generate(self, sources, options):
            raise RuntimeError("engine failure")

    with pytest.raises(RuntimeError, match="engine failure"):
        make(tiny_translator, Failing(parallel=2)).translate_inputs(unique(10))


@pytest.mark.parametrize("sizes, todo, options, expected", [
    ([10, 10, 10], [1, 1, 1], PackOptions(bytes=25), [[0, 1, 2]]),
    ([10, 10, 10, 10], [1, 1, 1, 1], PackOptions(bytes=20), [[0, 1], [2, 3]]),
    ([100, 1, 1], [1, 1, 1], PackOptions(bytes=50), [[0], [1, 2]]),  # a long document alone
    ([1] * 5, [1] * 5, PackOptions(files=2), [[0, 1], [2, 3], [4]]),
    ([10, 10, 10, 10], [0, 0, 1, 0], PackOptions(bytes=20), [[2, 3]]),  # finished packs left out
    ([10, 10, 10, 10], [0, 1, 0, 0], PackOptions(bytes=20), [[0, 1]]),  # a partly finished pack: whole
    ([], [], PackOptions(), []),
])
def test_cut_packs(tmp_path, sizes, todo, options, expected):
    tasks = []
    for i, size in enumerate(sizes):
        (tmp_path / f"{i}.txt").write_bytes(b"x" * size)
        tasks.append((FileTask(f"{i}.txt", str(tmp_path / f"{i}.txt"), f"{i}.txt", "document", "text", ""),
                      bool(todo[i])))
    packs = cut_packs(tasks, options)
    assert [[int(m.task.rel[0]) for m in pack] for pack in packs] == expected
    assert all(m.redo == bool(todo[int(m.task.rel[0])]) for pack in packs for m in pack)


@pytest.mark.parametrize("field, value", [("bytes", 0), ("files", -1), ("in_flight", 0)])
def test_pack_options_are_checked(field, value):
    with pytest.raises(InvalidOption, match=rf"invalid pack {field} {value}: choose one of an integer >= 1"):
        PackOptions(**{field: value})


def pack_files(tmp_path: Path, texts: list[str]) -> list[Member]:
    """Files holding texts, as a pack (all to do)."""
    members = []
    for i, text in enumerate(texts):
        path = tmp_path / f"f{i}.txt"
        path.write_text(text, encoding="utf-8")
        members.append(Member(FileTask(path.name, str(path), path.name, "document", "text", "")))
    return members


def test_a_packs_files_share_batches(tiny_translator, tmp_path):
    texts = ["\n".join(unique(40)[i::5]) + "\n" for i in range(5)]  # 5 files of 8 lines
    pack = pack_files(tmp_path, texts)
    seen = []
    for _ in range(3):
        engine = RecordingEngine(parallel=2)
        tr = make(tiny_translator, engine, max_batch_size=16)
        results = translate_pack(tr, pack)
        alone = [translate_file(make(tiny_translator, RecordingEngine()), m.task) for m in pack]
        assert [r.error for r in results] == [None] * 5
        assert [r.text for r in results] == [r.text for r in alone]
        seen.append(sorted(map(tuple, engine.calls)))
    assert [sorted(map(len, calls), reverse=True) for calls in seen] == [[10, 10, 10, 10]] * 3  # 40 lines, 2 waves of 2
    assert seen[0] == seen[1] == seen[2]


def test_a_partly_finished_pack_is_decoded_whole(tiny_translator, tmp_path):
    texts = ["\n".join(unique(12)[i::3]) + "\n" for i in range(3)]
    members = pack_files(tmp_path, texts)
    engine = RecordingEngine(parallel=1)
    whole = translate_pack(make(tiny_translator, engine), members)
    again = RecordingEngine(parallel=1)
    redo = [members[0], Member(members[1].task, redo=False), members[2]]
    partial = translate_pack(make(tiny_translator, again), redo)
    assert [r.rel for r in partial] == ["f0.txt", "f2.txt"]  # the finished file is not given back
    assert [r.text for r in partial] == [whole[0].text, whole[2].text]
    assert again.calls == engine.calls  # the same batches: the finished file's sentences are neighbours again


def test_a_failing_file_does_not_hold_the_round(tiny_translator, tmp_path):
    members = pack_files(tmp_path, [AR[0] + "\n", AR[1] + "\n"])
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"")
    members.insert(1, Member(FileTask("broken.txt", str(broken), "broken.txt", "document", "text", "")))
    results = translate_pack(make(tiny_translator, RecordingEngine()), members)
    assert [(r.rel, r.error is None) for r in results] == [("f0.txt", True), ("broken.txt", False), ("f1.txt", True)]


def test_an_engine_failure_is_every_files_error(tiny_translator, tmp_path):
    class Failing(RecordingEngine):
        def generate(self, sources, options):
            raise RuntimeError("engine failure")

    results = translate_pack(make(tiny_translator, Failing()), pack_files(tmp_path, [AR[0] + "\n", AR[1] + "\n"]))
    assert [r.error for r in results] == ["RuntimeError: engine failure"] * 2


def test_a_pack_without_arabic_decodes_nothing(tiny_translator, tmp_path):
    engine = RecordingEngine()
    results = translate_pack(make(tiny_translator, engine), pack_files(tmp_path, ["hello\n", "123\n"]))
    assert [(r.text, r.error) for r in results] == [("hello\n", None), ("123\n", None)]
    assert engine.calls == []


def test_a_lone_request_is_split_between_idle_decoders(tiny_translator):
    engine = RecordingEngine(parallel=2, meet=True)  # passes only if both halves decode side by side
    tr = make(tiny_translator, engine)
    batcher = MicroBatcher(tr, BatcherOptions(max_wait_ms=0, refill_ms=0))
    try:
        assert batcher.decoders == 2
        out = batcher.translate_inputs(AR)
    finally:
        batcher.close()
    assert out == [(echo(tr, t),) for t in AR]
    assert sorted(map(len, engine.calls)) == [4, 4]


def test_warm_up_gives_every_worker_a_full_batch_side_by_side(tiny_translator):
    engine = RecordingEngine(parallel=2, meet=True)  # passes only if the two batches decode at once
    tr = make(tiny_translator, engine, max_batch_size=5)
    tr.warm_up()
    assert [len(call) for call in engine.calls] == [5, 5]


def test_a_sentence_past_its_own_bound_is_decoded_again_alone(tiny_translator):
    class Looping(RecordingEngine):
        """Every hypothesis as long as the batch's bound allows: a sentence that never ends."""

        def generate(self, sources, options):
            with self.lock:
                self.calls.append([" ".join(s) for s in sources])
            bound = options.max_new_tokens([len(s) for s in sources], self.max_positions)
            return [[["▁x"] * bound] for _ in sources]

    engine = Looping()
    tr = make(tiny_translator, engine)
    short, long = "حلب.", "تجدد قصف الطيران الروسي والسوري على عدة أحياء في مدينة حلب أمس."
    together = tr.translate_inputs([short, long])
    alone = make(tiny_translator, Looping()).translate_inputs([short])
    assert together[0] == alone[0]  # cut where its own length cuts it, not where its long neighbour's does
    assert [len(call) for call in engine.calls] == [2, 1]  # the batch, then the short one again alone
