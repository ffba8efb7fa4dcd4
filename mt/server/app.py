"""The FastAPI app: LibreTranslate-compatible /translate, /detect, /languages, /health, errors as {"error": ...}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mt.batcher import Overloaded
from mt.errors import MtbriefError
from mt.htmltext import html_text
from mt.server.guard import install_guards
from mt.server.limits import ServerSettings
from mt.server.schemas import (
    ERROR_RESPONSES,
    ApiError,
    DetectedLanguage,
    DetectRequest,
    Health,
    LanguageInfo,
    TranslateRequest,
    TranslateResponse,
    body_schema,
)
from mt.server.service import ApiService, validation_message
from mt.server.suggest import register_suggest

if TYPE_CHECKING:
    from mt.translator import Translator


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
    app.add_exception_handler(Overloaded, lambda _, e: _error(503, str(e), {"Retry-After": str(e.retry_after)}))


def create_api(translator: Translator, settings: ServerSettings) -> FastAPI:
    """The FastAPI app with the translation endpoints (ui.create_app adds /brief, the body limit, the UI)."""
    from mt import __version__

    app = FastAPI(title="mtbrief", version=__version__, description="Arabic→English news translation; "
                  "LibreTranslate-compatible /translate, /detect and /languages.")
    service = app.state.service = ApiService(translator, settings)
    add_error_handlers(app)
    register_suggest(app, service)
    install_guards(app)

    @app.post("/translate", response_model=TranslateResponse, response_model_exclude_none=True,
              responses=ERROR_RESPONSES, openapi_extra=body_schema(TranslateRequest))
    async def translate(request: Request) -> dict[str, Any]:
        """Translate text or HTML (q: a string or a list of strings) from Arabic to English."""
        req = await service.admit(request, TranslateRequest)
        service.check_pair(req.source, req.target)
        if req.alternatives > service.max_alternatives:
            raise ApiError(400, f"Invalid request: alternatives must be 0..{service.max_alternatives}")
        texts = service.check_texts(req.q)
        outputs = await service.run(service.translate_request, texts, req.format, req.alternatives, req.glossary)
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
        """The loaded model and engine, and counts of the work done since the start."""
        sig = translator.signature
        return {"model": sig.model, "engine": sig.engine, "device": sig.device, "ready": True,
                "compute_type": sig.compute_type, "version": __version__, "signature": str(sig),
                "stats": service.stats()}

    from mt.server.files import add_file_routes

    add_file_routes(app)
    return app
