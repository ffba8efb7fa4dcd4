"""Request and response bodies of the API (pydantic), its error type and the OpenAPI helpers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ALTERNATIVES = 3  # n-best beyond the beam is impossible; beyond 3 it is rarely distinct
MAX_GLOSSARY_TERMS = 1000  # pairs in one request's glossary
GlossaryPairs = list[Annotated[list[str], Field(min_length=2, max_length=3)]]
GLOSSARY_FIELD = Field(None, max_length=MAX_GLOSSARY_TERMS,
                       description="terms to enforce: [[arabic, english], ...] (a third item is a note)")


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
    glossary: GlossaryPairs | None = GLOSSARY_FIELD


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
    # Since the start: cache lookups answered (cache_hits) or not, and what the engine decoded (eval/speed/load.py
    # reads them to show that no measured sentence came from the cache).
    stats: dict[str, int]


class ErrorBody(BaseModel):
    """Every error answer."""

    error: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (400, "bad request"), (403, "missing or bad API key"), (413, "too large"), (429, "rate limited"))}


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its local `#/$defs/...` references replaced by their definitions: inside an OpenAPI
    document they would point at the document's root, where no `$defs` are."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.rpartition("/")[2]])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        return [walk(v) for v in node] if isinstance(node, list) else node

    return walk(schema)


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI requestBody of a model sent as JSON or as a form (the handlers parse both)."""
    schema = inline_refs(model.model_json_schema())
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}}}}
