"""The server's micro-batcher: results go back to the right request in order, requests share engine batches
fairly, a full queue answers 503 with Retry-After, cache hits never queue. No timing asserts: a gated engine
holds the decode thread while requests pile up, so every batch's content is exact."""

from __future__ import annotations

import threading
import time

import pytest

from mt.batcher import BatcherOptions, MicroBatcher, Overloaded
from mt.engines import DecodeOptions
from mt.errors import InvalidOption
from mt.translator import WARM_UP_SENTENCE, BatchOptions, Translator

AR = ["قتل 24 شخصا في القصف.", "تجدد قصف الطيران علي حلب.", "وصل الوفد إلى دمشق أمس.", "أعلنت الأمم المتحدة هدنة.",
      "ارتفعت الأسعار في السوق.", "عقد المجلس جلسة طارئة.", "غادر السفير العاصمة.", "انقطعت الكهرباء عن المدينة."]


class EchoEngine:
    """Gives each source back as its translation (a fake engine: routing, not numerics, is under test).

    Records every call's sources; with `gate` set, the first call waits until the test opens it."""

    name, device, compute_type, max_positions = "echo", "cpu", "none", 512

    def __init__(self, gate: bool = False, fail_on: str | None = None) -> None:
        self.calls: list[list[list[str]]] = []
        self.entered, self.gate = threading.Event(), threading.Event()
        if not gate:
            self.gate.set()
        self.fail_on = fail_on

    def generate(self, sources, options):
        self.calls.append(sources)
        self.entered.set()
        self.gate.wait(30)
        if self.fail_on and any(self.fail_on in "".join(s) for s in sources):
            raise RuntimeError("engine failure")
        return [[s[:-1]] * options.num_alternatives for s in sources]


def make(tiny_translator, engine, max_batch_size=8, cache_size=20_000, wait_ms=0.0, queue_limit=4096,
         refill_ms=0.0):
    """A Translator on `engine` (the tiny model's codec) and its MicroBatcher."""
    tr = Translator(engine, tiny_translator.codec, tiny_translator.model, DecodeOptions(beam_size=1),
                    BatchOptions(max_batch_size=max_batch_size, cache_size=cache_size))
    return tr, MicroBatcher(tr, BatcherOptions(max_wait_ms=wait_ms, queue_limit=queue_limit, refill_ms=refill_ms))


def echo(tr: Translator, text: str) -> str:
    """What EchoEngine makes of one prepared input."""
    return tr.codec.decode(tr.codec.encode(text)[:-1])


def wait_for(condition, what: str) -> None:
    """Poll until condition() holds (a wait, not a timed assert: the deadline only stops a hung test)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def run_threads(fn, args_list) -> list:
    """Run fn(*args) in one thread each; their results in order (exceptions re-raised)."""
    out: list = [None] * len(args_list)

    def work(i, args):
        try:
            out[i] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            out[i] = exc

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in out:
        if isinstance(result, BaseException):
            raise result
    return out


def test_results_return_to_their_request_in_order_under_concurrency(tiny_translator):
    tr, batcher = make(tiny_translator, EchoEngine(), max_batch_size=5)
    requests = [[f"{AR[(r + k) % len(AR)][:-1]} {r}-{k}." for k in range(1 + r % 4)] for r in range(40)]
    got = run_threads(lambda texts: batcher.translate_inputs(texts), [(q,) for q in requests])
    assert got == [[(echo(tr, t),) for t in q] for q in requests]
    assert batcher.stats["segments"] == sum(map(len, requests))


def test_documents_match_the_translator_exactly(tiny_translator, seed_text):
    tr, batcher = make(tiny_translator, EchoEngine())
    docs = [seed_text, AR[0] + " " + AR[1], "", "نص بلا نقطة", seed_text[:300]]
    got = run_threads(lambda d: batcher.translate(d), [(d,) for d in docs])
    direct = Translator(EchoEngine(), tr.codec, tr.model, tr.decode, BatchOptions(cache_size=0))
    assert [g.to_dict() for g in got] == [direct.translate(d).to_dict() for d in docs]


def test_requests_share_batches_and_a_huge_one_does_not_starve_small_ones(tiny_translator):
    engine = EchoEngine(gate=True)
    tr, batcher = make(tiny_translator, engine, max_batch_size=4)
    huge = [f"{AR[k % 8][:-1]} كبير {k}." for k in range(9)]  # same length class, so its order is kept
    small = [[f"صغير {r} {k}." for k in range(2)] for r in range(2)]
    first = threading.Thread(target=batcher.translate_inputs, args=(["أول."],))
    first.start()
    engine.entered.wait(30)  # the decode thread is busy with "أول."; everything else queues behind it
    waiting = threading.Thread(target=batcher.translate_inputs, args=(huge,))
    waiting.start()
    wait_for(lambda: batcher._waiting == 9, "the huge request queued")
    results = []
    smalls = [threading.Thread(target=lambda q=q: results.append(batcher.translate_inputs(q))) for q in small]
    for n, thread in enumerate(smalls, 1):
        thread.start()
        wait_for(lambda n=n: batcher._waiting == 9 + 2 * n, "a small request queued")
    engine.gate.set()
    for thread in (first, waiting, *smalls):
        thread.join(30)
    texts = [[tr.codec.decode(s[:-1]) for s in call] for call in engine.calls]
    assert texts[0] == ["أول."]
    smalls_out = {echo(tr, t) for q in small for t in q}
    # The window (8: twice the batch budget) takes huge, small 0, small 1, huge, ... in turn; the batch is the
    # huge request's turn plus its nearest shorter neighbours: the small ones, all served before huge's rest.
    shortest_huge = min(huge, key=lambda t: len(tr.codec.encode(t)))
    assert smalls_out <= set(texts[1]) | set(texts[2]) and echo(tr, shortest_huge) in texts[1]
    assert all(len(t) <= 4 for t in texts) and sum(map(len, texts)) == 1 + 9 + 4
    assert sorted(t for call in texts[1:] for t in call) == sorted([*smalls_out, *(echo(tr, h) for h in huge)])
    assert batcher.stats["shared_batches"] >= 1
    assert sorted(map(len, results)) == [2, 2]


def test_cache_hits_skip_the_queue(tiny_translator):
    engine = EchoEngine()
    tr, batcher = make(tiny_translator, engine)
    assert batcher.translate_inputs(AR[:2]) == [(echo(tr, t),) for t in AR[:2]]
    calls, segments = len(engine.calls), batcher.stats["segments"]
    engine.gate.clear()  # any engine call from now on would hang: a cache hit must never make one
    progress = []
    assert batcher.translate_inputs([AR[1], AR[0], " "], lambda d, t: progress.append((d, t))) == [
        (echo(tr, AR[1]),), (echo(tr, AR[0]),), ("",)]
    assert (len(engine.calls), batcher.stats["segments"], progress) == (calls, segments, [(3, 3)])


class SlowPreparer(Translator):
    """A Translator whose prepare() waits for `opened`: a caller caught on its way to the queue."""

    def __init__(self, base: Translator) -> None:
        super().__init__(base.engine, base.codec, base.model, base.decode, base.batching)
        self.opened, self.preparing = threading.Event(), threading.Event()

    def prepare(self, text, final_ya=None):
        self.preparing.set()
        self.opened.wait(30)
        return super().prepare(text, final_ya)


def test_a_lone_request_never_waits_for_company(tiny_translator):
    # A one-second wait would be paid on every batch if a lone caller waited; the batcher sees no one coming.
    engine = EchoEngine()
    tr, batcher = make(tiny_translator, engine, max_batch_size=8, wait_ms=1000)
    assert batcher.translate(f"{AR[0]} {AR[1]}").text == f"{echo(tr, AR[0])} {echo(tr, AR[1])}"
    assert batcher.translate_inputs(AR[2:5]) == [(echo(tr, t),) for t in AR[2:5]]
    assert batcher.stats["waits"] == 0 and batcher.stats["batches"] == 2 and batcher._callers == 0


def test_a_batch_waits_for_a_caller_on_its_way_and_shares_with_it(tiny_translator):
    engine = EchoEngine()
    tr, batcher = make(tiny_translator, engine, max_batch_size=8, wait_ms=1000)
    slow = SlowPreparer(tr)
    later = threading.Thread(target=batcher.translate_batch, args=([AR[1]], None, slow))
    later.start()
    slow.preparing.wait(30)  # the second caller is inside translate_batch, preparing its text
    first = threading.Thread(target=batcher.translate_inputs, args=([AR[0]],))
    first.start()
    wait_for(lambda: batcher.stats["waits"] == 1, "the first request's batch held for the caller on its way")
    slow.opened.set()
    for thread in (first, later):
        thread.join(30)
    assert [[tr.codec.decode(s[:-1]) for s in call] for call in engine.calls] == [[AR[0], AR[1]]]
    assert (batcher.stats["waits"], batcher.stats["shared_batches"], batcher._callers) == (1, 1, 0)


def test_after_a_shared_batch_the_next_one_waits_for_the_clients_coming_back(tiny_translator):
    engine = EchoEngine()
    tr, batcher = make(tiny_translator, engine, max_batch_size=8, wait_ms=1000, refill_ms=500)
    slow = SlowPreparer(tr)
    later = threading.Thread(target=batcher.translate_batch, args=([AR[1]], None, slow))
    later.start()
    slow.preparing.wait(30)
    first = threading.Thread(target=batcher.translate_inputs, args=([AR[0]],))
    first.start()
    wait_for(lambda: batcher.stats["waits"] == 1, "the first batch held for the caller on its way")
    slow.opened.set()
    for thread in (first, later):
        thread.join(30)
    assert batcher.stats["shared_batches"] == 1  # two requests answered: their clients may come back
    again = threading.Thread(target=batcher.translate_inputs, args=([AR[2]],))
    again.start()
    wait_for(lambda: batcher.stats["waits"] == 2, "the next batch held for the clients just answered")
    batcher.translate_inputs([AR[3]])
    again.join(30)
    calls = [sorted(tr.codec.decode(s[:-1]) for s in call) for call in engine.calls]
    pairs = ((AR[0], AR[1]), (AR[2], AR[3]))  # two batches, each shared by two requests
    assert calls == [sorted(echo(tr, tr.prepare(t)[0].mt_input) for t in pair) for pair in pairs]


def test_without_shared_batches_nothing_waits_for_a_refill(tiny_translator):
    engine = EchoEngine()
    tr, batcher = make(tiny_translator, engine, max_batch_size=8, refill_ms=1000)
    for text in AR[:3]:  # one client, request after request: a one-second refill wait would be paid each time
        assert batcher.translate(text).text == echo(tr, text)
    assert (batcher.stats["waits"], batcher.stats["batches"], batcher.stats["shared_batches"]) == (0, 3, 0)


def test_a_full_queue_refuses_new_work_but_cached_text_still_answers(tiny_translator):
    engine = EchoEngine(gate=True)
    tr, batcher = make(tiny_translator, engine, queue_limit=3)
    batcher.translate_inputs  # noqa: B018 - the facade exists before any thread starts
    engine.gate.set()
    batcher.translate_inputs([AR[7]])  # cached from now on
    engine.gate.clear()
    engine.entered.clear()
    busy = threading.Thread(target=batcher.translate_inputs, args=([AR[0]],))
    busy.start()
    engine.entered.wait(30)
    queued = threading.Thread(target=batcher.translate_inputs, args=(AR[1:4],))
    queued.start()
    wait_for(lambda: batcher._waiting == 3, "three segments queued")
    with pytest.raises(Overloaded, match=r"Server busy: 3 sentences are waiting .* holds 3\); retry in \d+ s"):
        batcher.translate_inputs([AR[4]])
    assert batcher.translate_inputs([AR[7]]) == [(echo(tr, AR[7]),)]
    engine.gate.set()
    busy.join(30)
    queued.join(30)
    assert batcher.stats["refused"] == 1


def test_an_engine_failure_reaches_the_callers_of_that_batch_only(tiny_translator):
    tr, batcher = make(tiny_translator, EchoEngine(fail_on="▁فشل"), max_batch_size=1)
    with pytest.raises(RuntimeError, match="engine failure"):
        batcher.translate_inputs(["فشل هنا.", AR[0]])
    assert batcher.translate_inputs([AR[1]]) == [(echo(tr, AR[1]),)]


def test_progress_counts_up_to_the_total(tiny_translator):
    tr, batcher = make(tiny_translator, EchoEngine(), max_batch_size=2)
    seen = []
    batcher.translate_inputs(AR[:5] + AR[:1], lambda d, t: seen.append((d, t)))
    assert seen[-1] == (5, 5) and all(t == 5 for _, t in seen) and [d for d, _ in seen] == sorted(
        d for d, _ in seen)


@pytest.mark.parametrize(("options", "match"), [
    ({"max_wait_ms": -1}, r"batch wait \(ms\).*0\.\.1000"),
    ({"refill_ms": 1001}, r"refill wait \(ms\).*0\.\.1000"),
    ({"queue_limit": 0}, "queue limit.*an integer >= 1"),
])
def test_bad_options(options, match):
    with pytest.raises(InvalidOption, match=match):
        BatcherOptions(**options)


class GatedEngine(EchoEngine):
    """The real engine behind EchoEngine's gate and record."""

    def __init__(self, inner) -> None:
        super().__init__(gate=True)
        self.inner = inner
        self.name, self.device, self.compute_type = inner.name, inner.device, inner.compute_type

    def generate(self, sources, options):
        self.calls.append(sources)
        self.entered.set()
        self.gate.wait(30)
        return self.inner.generate(sources, options)


def test_the_real_engine_gives_each_request_its_own_translation(tiny_translator):
    # CTranslate2 on the tiny model, eight requests in one engine batch: each gets its own source's output.
    # (Not the output it gets alone: int8 results, and random weights amplify it, vary with batch company.)
    engine = GatedEngine(tiny_translator.engine)
    tr = Translator(engine, tiny_translator.codec, tiny_translator.model,
                    DecodeOptions(beam_size=4, fixed_length=12), BatchOptions(cache_size=0))
    batcher = MicroBatcher(tr)
    first = threading.Thread(target=batcher.translate_inputs, args=(["أول."],))
    first.start()
    engine.entered.wait(30)
    threads = [threading.Thread(target=lambda i=i, t=t: got.__setitem__(i, batcher.translate_inputs([t])[0]))
               for i, t in enumerate(AR)]
    got: list = [None] * len(AR)
    for thread in threads:
        thread.start()
    wait_for(lambda: batcher._waiting == len(AR), "all requests queued")
    engine.gate.set()
    for thread in (first, *threads):
        thread.join(60)
    assert [len(call) for call in engine.calls] == [1, len(AR)]  # one engine batch for the eight requests
    batch = engine.calls[1]
    rerun = tiny_translator.engine.generate(batch, tr.decode)  # the same batch again: deterministic
    by_source = {tuple(src): tuple(tr.codec.decode(h) for h in nbest)
                 for src, nbest in zip(batch, rerun, strict=True)}
    assert got == [by_source[tuple(tr.codec.encode(t))] for t in AR]
    assert len(set(got)) >= 3  # outputs differ, so a mix-up would show (the echo tests check every one)


def test_the_api_answers_503_json_with_retry_after_when_the_queue_is_full(tiny_translator):
    from fastapi.testclient import TestClient

    from mt.server.app import create_api
    from mt.server.limits import ServerSettings

    engine = EchoEngine(gate=True)
    tr = Translator(engine, tiny_translator.codec, tiny_translator.model, DecodeOptions(beam_size=1))
    app = create_api(tr, ServerSettings(queue_limit=2))
    client = TestClient(app)
    engine.gate.set()
    assert client.post("/translate", json={"q": AR[7], "source": "ar", "target": "en"}).status_code == 200
    engine.gate.clear()
    engine.entered.clear()
    batcher = app.state.service.batched()
    busy = [threading.Thread(target=batcher.translate_inputs, args=(q,)) for q in ([AR[0]], AR[1:3])]
    busy[0].start()
    engine.entered.wait(30)
    busy[1].start()
    wait_for(lambda: batcher._waiting == 2, "the queue is full")
    response = client.post("/translate", json={"q": AR[4], "source": "ar", "target": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit() and int(response.headers["Retry-After"]) >= 1
    assert response.json() == {"error": "Server busy: 2 sentences are waiting for the model (the queue holds 2); "
                                        f"retry in {response.headers['Retry-After']} s"}
    cached = client.post("/translate", json={"q": AR[7], "source": "ar", "target": "en"})
    assert cached.status_code == 200 and cached.json()["translatedText"] == echo(tr, AR[7])
    engine.gate.set()
    for thread in busy:
        thread.join(30)


def test_brief_and_translate_requests_go_through_the_shared_batcher(tiny_translator):
    from fastapi.testclient import TestClient

    from mt.server.app import create_api
    from mt.server.limits import ServerSettings
    from summarize.web import add_brief_route

    tr = Translator(EchoEngine(), tiny_translator.codec, tiny_translator.model, DecodeOptions(beam_size=1))
    app = create_api(tr, ServerSettings())
    add_brief_route(app)
    client = TestClient(app)
    assert client.post("/brief", json={"q": f"{AR[0]} {AR[1]}"}).status_code == 200
    assert client.post("/translate", json={"q": [AR[2], AR[0]], "source": "ar", "target": "en"}).json() == {
        "translatedText": [echo(tr, AR[2]), echo(tr, AR[0])]}
    assert app.state.service.batched().stats["segments"] == 3  # AR[0] came from the cache the second time


def test_warm_up_decodes_one_full_batch_and_caches_nothing(tiny_translator):
    engine = EchoEngine()
    tr, batcher = make(tiny_translator, engine, max_batch_size=6)
    tr.warm_up()
    assert [len(call) for call in engine.calls] == [6]
    assert len({tuple(source) for source in engine.calls[0]}) == 1  # the sample sentence, six times
    assert tr.split_known([tr.prepare(WARM_UP_SENTENCE)[0].mt_input])[1]  # still to decode: not cached
