"""Shared pieces of the monitor's tests: a replay server, options that keep passes quick, a counting engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from test_digest import CountingEngine

from eval.shared_data import ANT_ARTICLES
from eval.summaries.feed_replay import Replay, serve
from mt.translator import Translator
from summarize.digest.grouping import GroupOptions
from summarize.digest.make import DigestOptions
from summarize.monitor.feeds import FetchOptions
from summarize.monitor.run import MonitorOptions

CATEGORIES = ("middleEast", "internationalNews")
# TF-IDF grouping and no quality check: passes of a few seconds (the encoder's path has its own test).
QUICK = MonitorOptions(DigestOptions(check=False, grouping=GroupOptions(encoder="tfidf")),
                       FetchOptions(connect_timeout=1.0, read_timeout=2.0, deadline=5.0))
WITH_ENCODER = replace(QUICK, digest=replace(QUICK.digest, grouping=GroupOptions(encoder="use")))


def end_of(day: int) -> dt.datetime:
    """The replay's clock at the end of a March 2018 day."""
    return dt.datetime(2018, 3, day, 23, 59, 59, tzinfo=dt.timezone.utc)


def counting_translator(tiny: Translator) -> tuple[Translator, CountingEngine]:
    """A Translator on the tiny model with its own (empty) cache, and the counter of what it decodes."""
    counting = CountingEngine(tiny.engine)
    return Translator(counting, tiny.codec, tiny.model, tiny.decode), counting


def small_articles() -> list[dict]:
    """Five short made-up reports: a bombing told by two outlets, Jordan in three clitic forms, a flood."""
    bomb = ("مقتل {n} شخصا في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة الموصل شمالي العراق صباح الخميس. "
            "وقالت الشرطة إن الانفجار وقع قرب مسجد في حي الزهور.")
    rows = [("a1", "alpha", "2018-03-01T08:00:00+00:00", "انفجار سيارة مفخخة في سوق الموصل", bomb.format(n=24)),
            ("b1", "beta", "2018-03-01T10:00:00+00:00", "انفجار سيارة مفخخة في الموصل", bomb.format(n=31)),
            ("c1", "alpha", "2018-03-01T11:00:00+00:00", "زيارة ملكية", "وصل الملك إلى عمان والأردن يستعد للقمة."),
            ("d1", "beta", "2018-03-01T12:00:00+00:00", "اجتماع وزاري", "عقد الوزراء اجتماعا بالأردن أمس."),
            ("e1", "alpha", "2018-03-01T13:00:00+00:00", "فيضانات", "غمرت مياه الأمطار آلاف المنازل في جزيرة جاوة.")]
    return [{"id": i, "source": s, "category": "middleEast", "date": "20180301", "time": t, "url": f"https://x/{i}",
             "title": title, "abstract": text.split(".")[0] + ".", "text": text} for i, s, t, title, text in rows]


def small_replay() -> tuple[Replay, object, str]:
    """The small articles served (alpha as RSS with pages, beta as Atom), clock after all of them."""
    replay = Replay(small_articles())
    replay.until = end_of(1)
    server, base = serve(replay)
    return replay, server, base


def ant_available() -> bool:
    """True when the shared ANT dev data is there."""
    return ANT_ARTICLES.is_file()
