"""The state the endpoints share and the checks every request passes: keys, rate, sizes, the language pair."""

from __future__ import annotations

import hmac
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from fastapi import Request
from pydantic import BaseModel, ValidationError

from mt.batcher import BatcherOptions, MicroBatcher, RequestView
from mt.htmltext import has_arabic, translate_html
from mt.server.limits import RateLimiter, ServerSettings
from mt.server.schemas import MAX_ALTERNATIVES, ApiError
from mt.types import Translation

if TYPE_CHECKING:
    from mt.translator import Translator

PAIR_MESSAGE = "this server translates Arabic to English only: use source 'ar' (or 'auto') and target 'en'"
# Plausible languages around Arabic news; a small set keeps lingua fast and its guesses sharp.
DETECT_LANGUAGES = ("ARABIC", "PERSIAN", "URDU", "HEBREW", "TURKISH", "ENGLISH", "FRENCH", "GERMAN",
                    "SPANISH", "ITALIAN", "RUSSIAN", "CHINESE")
SURROGATE = re.compile("[\ud800-\udfff]")  # unpaired surrogates: valid JSON, not valid text


def alternative_text(translation: Translation, k: int) -> str:
    """The document with every segment's k-th alternative (its best where it has fewer)."""
    segments = [replace(s, target=s.alternatives[k]) if k < len(s.alternatives) else s
                for s in translation.segments]
    return translation.with_segments(segments).text


class ApiService:
    """The state the endpoints share: one translator (and its n-best variants), the detector, the limits."""

    def __init__(self, translator: Translator, settings: ServerSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.translator, self.settings = translator, settings
        rpm = settings.requests_per_minute
        self.limiter = RateLimiter(rpm, 60.0, clock) if rpm else None
        self._variants: dict[int, Translator] = {1: translator}
        self._detector: Any = None
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._batchers: dict[int, MicroBatcher] = {}

    @property
    def max_alternatives(self) -> int:
        """How many alternatives a request may ask for (n-best is bounded by the beam)."""
        return min(MAX_ALTERNATIVES, self.translator.decode.beam_size - 1)

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking model work in the threadpool, at most `concurrency` at once."""
        from starlette.concurrency import run_in_threadpool

        def guarded() -> Any:
            with self._slots:
                return fn(*args)

        return await run_in_threadpool(guarded)

    async def admit(self, request: Request, model: type[BaseModel]) -> Any:
        """Parse a JSON or form body, check key and rate, then validate it as `model`."""
        raw = await read_payload(request)
        key = raw.get("api_key")
        self.check_access(request, None if key is None else str(key))
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise ApiError(400, validation_message(exc.errors())) from None

    def check_access(self, request: Request, api_key: str | None) -> None:
        """403 for a missing or unknown key (when keys are set), 429 over the requests-per-minute."""
        keys = self.settings.api_keys
        if keys:
            if not api_key:
                raise ApiError(403, "Missing API key: send api_key with the request")
            if not any(hmac.compare_digest(api_key.encode(), k.encode()) for k in keys):
                raise ApiError(403, "Invalid API key")
        if self.limiter is None:
            return
        who = f"key:{api_key}" if keys else f"ip:{request.client.host if request.client else '-'}"
        wait = self.limiter.hit(who)
        if wait:
            raise ApiError(429, f"Too many requests: the limit is {self.limiter.limit} per minute",
                           {"Retry-After": str(max(1, math.ceil(wait)))})

    def check_texts(self, q: str | list[str]) -> list[str]:
        """The texts of `q`; 400 when missing or not valid text, 413 over the batch or character limit."""
        texts = [q] if isinstance(q, str) else list(q)
        if q == "" or q == []:
            raise ApiError(400, "Invalid request: missing q parameter")
        if any(SURROGATE.search(t) for t in texts):
            raise ApiError(400, "Invalid request: q holds invalid Unicode (unpaired surrogates)")
        limit = self.settings.batch_limit
        if isinstance(q, list) and limit and len(texts) > limit:
            raise ApiError(413, f"Request too large: {len(texts)} texts, the batch limit is {limit}")
        chars = sum(len(t) for t in texts)
        if chars > self.settings.char_limit:
            raise ApiError(413, f"Request too large: {chars} characters, the limit is "
                                f"{self.settings.char_limit} characters")
        return texts

    def check_pair(self, source: str, target: str) -> None:
        """400 unless the pair is Arabic (or auto) to English."""
        if source not in ("ar", "auto") or target != "en":
            raise ApiError(400, f"Unsupported language pair {source!r} -> {target!r}: {PAIR_MESSAGE}")

    def variant(self, n: int) -> Translator:
        """The shared translator giving n hypotheses (same loaded model, its own cache)."""
        with self._lock:
            if n not in self._variants:
                self._variants[n] = self.translator.with_options(num_alternatives=n)
            return self._variants[n]

    def batched(self, n: int = 1) -> MicroBatcher:
        """The translator giving n hypotheses behind the shared micro-batcher (API and UI requests both)."""
        translator = self.variant(n)
        with self._lock:
            if n not in self._batchers:
                options = BatcherOptions(self.settings.batch_wait_ms, self.settings.queue_limit)
                self._batchers[n] = MicroBatcher(translator, options)
            return self._batchers[n]

    def stats(self) -> dict[str, int]:
        """Since the start: cache lookups that hit or missed, and the engine batches and segments decoded."""
        cache = self.translator.cache_info()
        with self._lock:
            batchers = [b.stats for b in self._batchers.values()]
        return {"cache_hits": cache["hits"], "cache_misses": cache["misses"],
                "engine_batches": sum(b["batches"] for b in batchers),
                "engine_segments": sum(b["segments"] for b in batchers)}

    def request_translator(self, n: int, pairs: list[list[str]] | None) -> MicroBatcher | RequestView:
        """n hypotheses through the shared batches, with the request's glossary added to the server's (400 if
        bad): the glossary's terms are matched and enforced for this request only."""
        batcher = self.batched(n)
        if not pairs:
            return batcher
        from mt.glossary import Glossary

        translator = self.variant(n)
        extra = Glossary.from_pairs(pairs, "glossary")
        own = translator.with_options(glossary=translator.glossary.merged(extra) if translator.glossary else extra)
        return RequestView(batcher, own)

    def translate_texts(self, texts: list[str], alternatives: int = 0,
                        glossary: list[list[str]] | None = None) -> list[tuple[str, ...]]:
        """For each text: its translation, then its alternatives; a text without Arabic comes back as is."""
        n = 1 + alternatives
        out = [(t,) * n for t in texts]
        todo = [i for i, t in enumerate(texts) if has_arabic(t)]
        if todo:
            done = self.request_translator(n, glossary).translate_batch([texts[i] for i in todo])
            for i, translation in zip(todo, done, strict=True):
                out[i] = (translation.text, *(alternative_text(translation, k) for k in range(n - 1)))
        return out

    def translate_request(self, texts: list[str], fmt: str, alternatives: int,
                          glossary: list[list[str]] | None = None) -> list[tuple[str, ...]]:
        """Plain text or HTML documents: for each, the translation then its alternatives."""
        if fmt == "html":
            def many(xs: list[str]) -> list[tuple[str, ...]]:
                return self.translate_texts(xs, alternatives, glossary)

            return [tuple(translate_html(t, many, 1 + alternatives)) for t in texts]
        return self.translate_texts(texts, alternatives, glossary)

    def detect(self, text: str, top: int = 3) -> list[dict[str, Any]]:
        """Language guesses for a text, best first, confidence in percent ('und' when there is nothing)."""
        with self._lock:
            if self._detector is None:
                from lingua import Language, LanguageDetectorBuilder

                self._detector = LanguageDetectorBuilder.from_languages(
                    *(getattr(Language, name) for name in DETECT_LANGUAGES)).build()
        values = self._detector.compute_language_confidence_values(text)
        guesses = [{"language": v.language.iso_code_639_1.name.lower(), "confidence": round(v.value * 100, 1)}
                   for v in values[:top]]
        return [g for g in guesses if g["confidence"] > 0] or [{"language": "und", "confidence": 0.0}]


async def read_payload(request: Request) -> dict[str, Any]:
    """Query parameters, then the JSON object or the form fields of the body (as LibreTranslate reads)."""
    _require_utf8(request.scope.get("query_string", b""), "the query string")
    data = _fields(request.query_params.multi_items())
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Invalid request: the body is not valid JSON") from None
        except RecursionError:  # json gives up on deep nesting this way
            raise ApiError(400, "Invalid request: the JSON body is nested too deeply") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid request: the JSON body must be an object")
        data.update(body)
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        from starlette.exceptions import HTTPException

        if ctype == "application/x-www-form-urlencoded":
            _require_utf8(await request.body(), "the form body")
        try:
            form = await request.form()
        except HTTPException as exc:  # starlette's answer to a broken multipart body, e.g. no boundary
            raise ApiError(400, f"Invalid request: unreadable form body ({exc.detail})") from None
        data.update(_fields(form.multi_items()))
    elif await request.body():
        raise ApiError(400, "Invalid request: send a JSON object or a form (x-www-form-urlencoded)")
    return data


def _require_utf8(encoded: bytes, what: str) -> None:
    # starlette decodes percent-escapes with errors="replace": bad bytes would reach the model as U+FFFD
    from urllib.parse import unquote_to_bytes

    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, f"Invalid request: {what} is not valid UTF-8 once percent-decoded") from None


def _fields(items: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in items:
        if not isinstance(value, str):
            raise ApiError(400, f"Invalid request: {name} must be text, not a file")
        if name == "q" and "q" in data:  # a repeated q is a batch
            data["q"] = [*data["q"], value] if isinstance(data["q"], list) else [data["q"], value]
        else:
            data[name] = value
    return data


def validation_message(errors: list[Any]) -> str:
    """One line from pydantic's errors, e.g. 'Invalid request: missing q parameter'."""
    parts = []
    for error in errors[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        missing = error.get("type") == "missing"
        parts.append(f"missing {where} parameter" if missing else f"{where}: {error['msg']}")
    return "Invalid request: " + "; ".join(dict.fromkeys(parts))
