"""POST /suggest (LibreTranslate's: q, s, source, target, api_key) into the corrections memory, and
GET /frontend/settings (LibreTranslate's shape) saying whether suggestions are on and the character limit.

Unlike LibreTranslate, which stores suggestions and never reads them, a suggestion here is used verbatim for
that sentence from then on (see mt.enforce). A suggestion is one sentence: q must prepare into one segment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from pydantic import Field

from mt.errors import MtbriefError
from mt.htmltext import has_arabic
from mt.server.schemas import ERROR_RESPONSES, ApiError, ApiRequest, body_schema

if TYPE_CHECKING:
    from fastapi import FastAPI

    from mt.server.service import ApiService

DISABLED = "Suggestions are disabled on this server: start it with `mtbrief serve --suggestions` to enable them"


class SuggestRequest(ApiRequest):
    """POST /suggest."""

    q: str = Field(description="the original Arabic sentence")
    s: str = Field(description="the corrected English translation of q")
    source: str = Field("ar", json_schema_extra={"enum": ["ar", "auto"]})
    target: str = Field("en", json_schema_extra={"enum": ["en"]})


def frontend_settings(service: ApiService) -> dict[str, Any]:
    """GET /frontend/settings, LibreTranslate's fields."""
    from mt.server.files import file_settings

    settings = service.settings
    return {"charLimit": settings.char_limit, "frontendTimeout": 500, "apiKeys": bool(settings.api_keys),
            "keyRequired": bool(settings.api_keys), "suggestions": settings.suggestions, **file_settings(service),
            "language": {"source": {"code": "ar", "name": "Arabic"}, "target": {"code": "en", "name": "English"}}}


def store_suggestion(service: ApiService, q: str, s: str) -> None:
    """Check one suggestion and store it under q's prepared sentence (ApiError 400/413 when it cannot be)."""
    limit = service.settings.char_limit
    if not s.strip():
        raise ApiError(400, "Invalid request: missing s parameter (the corrected English)")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "Invalid request: s holds invalid Unicode (unpaired surrogates)") from None
    if len(s) > limit:
        raise ApiError(413, f"Request too large: s has {len(s)} characters, the limit is {limit} characters")
    if not has_arabic(q):
        raise ApiError(400, "Invalid request: q has no Arabic text; suggest a correction of an Arabic sentence")
    segments = service.translator.prepare(q)
    if len(segments) != 1:
        raise ApiError(400, f"Invalid request: q holds {len(segments)} sentences; the memory keeps corrections "
                            "per sentence, so suggest one sentence (and its English) at a time")
    memory = service.translator.memory
    if memory is None:  # not when served: register_suggest refuses --suggestions with --no-memory
        raise ApiError(403, "Suggestions need the corrections memory, and this server runs with --no-memory")
    try:
        memory.put(segments[0].mt_input, s, origin="api")
    except MtbriefError as exc:
        raise ApiError(400, f"Invalid request: {exc}") from None


def register_suggest(app: FastAPI, service: ApiService) -> None:
    """Add POST /suggest and GET /frontend/settings; with suggestions on, the translator must have a memory."""
    if service.settings.suggestions and service.translator.memory is None:
        raise MtbriefError("--suggestions stores corrections in the memory: drop --no-memory")

    @app.post("/suggest", response_model=dict[str, bool], responses=ERROR_RESPONSES,
              openapi_extra=body_schema(SuggestRequest))
    async def suggest(request: Request) -> dict[str, bool]:
        """Store a corrected translation; it is used verbatim for that sentence from then on."""
        if not service.settings.suggestions:
            raise ApiError(403, DISABLED)
        req = await service.admit(request, SuggestRequest)
        service.check_pair(req.source, req.target)
        service.check_texts(req.q)
        await service.run(store_suggestion, service, req.q, req.s)
        return {"success": True}

    @app.get("/frontend/settings")
    async def settings() -> dict[str, Any]:
        """Server settings a LibreTranslate front end reads (char limit, suggestions, keys)."""
        return frontend_settings(service)
