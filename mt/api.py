"""The HTTP API, LibreTranslate-compatible: /translate /detect /languages /health; limits, keys, rates."""

from __future__ import annotations

import hmac
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mt.errors import InvalidOption, MtbriefError
from mt.htmltext import has_arabic, html_text, translate_html
from mt.types import Translation

if TYPE_CHECKING:
    from mt.translator import Translator

PAIR_MESSAGE = "this server translates Arabic to English only: use source 'ar' (or 'auto') and target 'en'"
# Plausible languages around Arabic news; a small set keeps lingua fast and its guesses sharp.
DETECT_LANGUAGES = ("ARABIC", "PERSIAN", "URDU", "HEBREW", "TURKISH", "ENGLISH", "FRENCH", "GERMAN",
                    "SPANISH", "ITALIAN", "RUSSIAN", "CHINESE")
MAX_ALTERNATIVES = 3  # n-best beyond the beam is impossible; beyond 3 it is rarely distinct
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ServerSettings:
    """What `mtbrief serve` listens on and enforces; every limit is checked before any model work."""

    host: str = "127.0.0.1"
    port: int = 7860
    char_limit: int = 20_000  # characters per request, all texts of a batch together
    batch_limit: int | None = None  # texts per request (None: bounded by char_limit only)
    api_keys: frozenset[str] = frozenset()  # empty: no key needed
    requests_per_minute: int | None = None  # per key when keys are set, else per client IP
    concurrency: int = 2  # translations running at once (API and UI each)
    max_body_bytes: int | None = None  # None: derived from char_limit

    def __post_init__(self) -> None:
        for name in ("char_limit", "concurrency", "batch_limit", "requests_per_minute", "max_body_bytes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidOption(name.replace("_", "-"), value, ["an integer >= 1"])
        if not 0 <= self.port <= 65535:
            raise InvalidOption("port", self.port, ["0..65535"])

    @property
    def body_limit(self) -> int:
        """Largest request body accepted, in bytes (JSON may spend 6 bytes on one escaped character)."""
        return self.max_body_bytes or 65_536 + 8 * self.char_limit


class RateLimiter:
    """Sliding window: at most `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one request: 0.0 when allowed, else the seconds until one more would be."""
        now = self.clock()
        with self._lock:
            if len(self._hits) > 10_000:  # many idle clients: drop the expired ones so memory stays bounded
                self._hits = {k: h for k, h in self._hits.items() if h and h[-1] > now - self.window}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            return 0.0


class ApiError(Exception):
    """An error answer: HTTP status and the message of the `{"error": ...}` body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


class ApiRequest(BaseModel):
    """Fields every POST endpoint takes."""

    model_config = ConfigDict(extra="ignore")  # LibreTranslate clients send more (e.g. "secret")
    api_key: str = ""


class TranslateRequest(ApiRequest):
    """POST /translate."""

    q: str | list[str]
    # Checked by check_pair, whose message names the supported pair; the enums document it.
    source: str = Field("ar", json_schema_extra={"enum": ["ar", "auto"]})
    target: str = Field("en", json_schema_extra={"enum": ["en"]})
    format: Literal["text", "html"] = "text"
    alternatives: int = Field(0, ge=0, le=MAX_ALTERNATIVES)


class DetectRequest(ApiRequest):
    """POST /detect."""

    q: str | list[str]


class DetectedLanguage(BaseModel):
    """One language guess; confidence in percent."""

    language: str
    confidence: float


class TranslateResponse(BaseModel):
    """What /translate answers (lists when q was a list)."""

    translatedText: str | list[str]  # noqa: N815 - LibreTranslate's field names
    detectedLanguage: DetectedLanguage | list[DetectedLanguage] | None = None  # noqa: N815
    alternatives: list[str] | list[list[str]] | None = None


class LanguageInfo(BaseModel):
    """An entry of GET /languages."""

    code: str
    name: str
    targets: list[str]


class Health(BaseModel):
    """GET /health."""

    model: str
    engine: str
    device: str
    compute_type: str
    version: str
    ready: bool
    signature: str


class ErrorBody(BaseModel):
    """Every error answer."""

    error: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (400, "bad request"), (403, "missing or bad API key"), (413, "too large"), (429, "rate limited"))}


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI requestBody of a model sent as JSON or as a form (the handlers parse both)."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}}}}


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
        if keys and not api_key:
            raise ApiError(403, "Missing API key: send api_key with the request")
        if keys and not any(hmac.compare_digest(api_key.encode(), k.encode()) for k in keys):
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
        if any(_SURROGATE.search(t) for t in texts):
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

    def translate_texts(self, texts: list[str], alternatives: int = 0) -> list[tuple[str, ...]]:
        """For each text: its translation, then its alternatives; a text without Arabic comes back as is."""
        n = 1 + alternatives
        out = [(t,) * n for t in texts]
        todo = [i for i, t in enumerate(texts) if has_arabic(t)]
        if todo:
            done = self.variant(n).translate_batch([texts[i] for i in todo])
            for i, translation in zip(todo, done, strict=True):
                out[i] = (translation.text, *(alternative_text(translation, k) for k in range(n - 1)))
        return out

    def translate_request(self, texts: list[str], fmt: str, alternatives: int) -> list[tuple[str, ...]]:
        """Plain text or HTML documents: for each, the translation then its alternatives."""
        if fmt == "html":
            def many(xs: list[str]) -> list[tuple[str, ...]]:
                return self.translate_texts(xs, alternatives)

            return [tuple(translate_html(t, many, 1 + alternatives)) for t in texts]
        return self.translate_texts(texts, alternatives)

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
    data = _fields(request.query_params.multi_items())
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Invalid request: the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid request: the JSON body must be an object")
        data.update(body)
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        data.update(_fields(form.multi_items()))
    elif await request.body():
        raise ApiError(400, "Invalid request: send a JSON object or a form (x-www-form-urlencoded)")
    return data


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


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    """Every error as {"error": ...}; validation errors are 400, not FastAPI's 422."""
    app.add_exception_handler(ApiError, lambda _, e: _error(e.status, e.message, e.headers))
    app.add_exception_handler(StarletteHTTPException,
                              lambda _, e: _error(e.status_code, str(e.detail), e.headers))
    app.add_exception_handler(RequestValidationError,
                              lambda _, e: _error(400, validation_message(e.errors())))
    app.add_exception_handler(MtbriefError, lambda _, e: _error(400, str(e)))


def create_api(translator: Translator, settings: ServerSettings) -> FastAPI:
    """The FastAPI app with the translation endpoints (ui.create_app adds /brief, the body limit, the UI)."""
    from mt import __version__

    app = FastAPI(title="mtbrief", version=__version__, description="Arabic→English news translation; "
                  "LibreTranslate-compatible /translate, /detect and /languages.")
    service = app.state.service = ApiService(translator, settings)
    add_error_handlers(app)

    @app.post("/translate", response_model=TranslateResponse, response_model_exclude_none=True,
              responses=ERROR_RESPONSES, openapi_extra=body_schema(TranslateRequest))
    async def translate(request: Request) -> dict[str, Any]:
        """Translate text or HTML (q: a string or a list of strings) from Arabic to English."""
        req = await service.admit(request, TranslateRequest)
        service.check_pair(req.source, req.target)
        if req.alternatives > service.max_alternatives:
            raise ApiError(400, f"Invalid request: alternatives must be 0..{service.max_alternatives}")
        texts = service.check_texts(req.q)
        outputs = await service.run(service.translate_request, texts, req.format, req.alternatives)
        one = isinstance(req.q, str)
        body: dict[str, Any] = {"translatedText": outputs[0][0] if one else [o[0] for o in outputs]}
        if req.alternatives:
            body["alternatives"] = list(outputs[0][1:]) if one else [list(o[1:]) for o in outputs]
        if req.source == "auto":
            plain = [html_text(t) for t in texts] if req.format == "html" else texts
            found = await service.run(lambda: [service.detect(t, top=1)[0] for t in plain])
            body["detectedLanguage"] = found[0] if one else found
        return body

    @app.post("/detect", response_model=list[DetectedLanguage] | list[list[DetectedLanguage]],
              responses=ERROR_RESPONSES, openapi_extra=body_schema(DetectRequest))
    async def detect(request: Request) -> list[Any]:
        """Guess the language of q (a list of guesses; a list of those when q is a list)."""
        req = await service.admit(request, DetectRequest)
        texts = service.check_texts(req.q)
        found = await service.run(lambda: [service.detect(t) for t in texts])
        return found[0] if isinstance(req.q, str) else found

    @app.get("/languages", response_model=list[LanguageInfo])
    async def languages() -> list[dict[str, Any]]:
        """The languages this server reads and writes, LibreTranslate's shape."""
        return [{"code": "ar", "name": "Arabic", "targets": ["en"]},
                {"code": "en", "name": "English", "targets": []}]

    @app.get("/health", response_model=Health)
    async def health() -> dict[str, Any]:
        """The loaded model and engine."""
        sig = translator.signature
        return {"model": sig.model, "engine": sig.engine, "device": sig.device, "ready": True,
                "compute_type": sig.compute_type, "version": __version__, "signature": str(sig)}

    return app
