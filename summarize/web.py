"""The brief and the digest on the server: POST /brief, POST /digest and the web UI's Digest tab; ui.py mounts them.

Both read reports as `mtbrief digest` does (a bad report is listed as a failure and the others go on), take the
server's limits (reports as the batch limit, their characters as the character limit) and translate through the
server's micro-batcher, so digests share engine batches with every other request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mt.htmltext import has_arabic
from summarize.digest.reports import MAX_REPORTS, Report, ReportFailure, collect, file_reports, make_report
from summarize.views import render

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from mt.protocol import Translates
    from mt.server.limits import ServerSettings
    from summarize.digest.model import Digest

MAX_UPLOADS = 500  # files one Digest click takes (a folder's worth; a day of a JSONL is one file)


def records_to_reports(records: Sequence[dict[str, Any]]) -> tuple[list[Report], list[ReportFailure]]:
    """Reports from request records (id defaults to the record's position, 1-based); bad ones become failures."""
    items: list[Report | ReportFailure] = []
    for number, record in enumerate(records, 1):
        given = record.get("id") or f"report {number}"
        try:
            items.append(make_report(record, f"report {number}"))
        except ValueError as exc:
            items.append(ReportFailure(str(given), str(exc)))
    return collect(items)


def digest_dict(translator: Translates, reports: list[Report], failures: list[ReportFailure]) -> dict[str, Any]:
    """Digest the reports (translating through `translator`) as the JSON the API answers."""
    from summarize.digest.make import make_digest

    return make_digest(reports, translator, failures=failures).to_dict()


def add_brief_route(app: FastAPI) -> None:
    """POST /brief: translate q and answer the bilingual brief (Brief.to_dict())."""
    from fastapi import Request
    from pydantic import Field

    from mt.server.schemas import ERROR_RESPONSES, GLOSSARY_FIELD, ApiError, ApiRequest, GlossaryPairs, body_schema

    class BriefRequest(ApiRequest):
        """POST /brief."""

        q: str
        source: str = "ar"
        max_sentences: int = Field(5, ge=1, le=50)
        max_words: int = Field(0, ge=0, description="0: no limit")
        order: Literal["document", "score"] = "document"
        glossary: GlossaryPairs | None = GLOSSARY_FIELD

    service = app.state.service

    async def brief(request: Request) -> dict[str, Any]:
        """Translate q (Arabic) and brief it: headline, key points in both languages, key figures."""
        req = await service.admit(request, BriefRequest)
        service.check_pair(req.source, "en")
        text = service.check_texts(req.q)[0]
        if not text.strip():
            raise ApiError(400, "Invalid request: missing q parameter")
        if not has_arabic(text):  # as `mtbrief brief` (exit 2): a brief of nothing is a mistake, not a result
            raise ApiError(400, "Invalid request: q holds no Arabic sentence to brief")
        return await service.run(make_brief_dict, service.request_translator(1, req.glossary), text,
                                 req.max_sentences, req.max_words or None, req.order)

    brief.__annotations__["request"] = Request  # this module's annotations are strings FastAPI cannot resolve
    app.post("/brief", response_model=dict[str, Any], responses=ERROR_RESPONSES,
             openapi_extra=body_schema(BriefRequest))(brief)


def make_brief_dict(translator: Translates, text: str, max_sentences: int, max_words: int | None,
                    order: str) -> dict[str, Any]:
    """Brief one Arabic text, translating and checking only what the brief shows."""
    from summarize.brief.make import brief_text

    return brief_text(translator, text, max_sentences, max_words, order).to_dict()


def add_digest_route(app: FastAPI) -> None:
    """POST /digest: reports in, the digest's JSON out (Digest.to_dict())."""
    from fastapi import Request
    from pydantic import BaseModel, ConfigDict, Field

    from mt.server.schemas import ERROR_RESPONSES, GLOSSARY_FIELD, ApiError, ApiRequest, GlossaryPairs, body_schema

    class DigestReport(BaseModel):
        """One report of POST /digest."""

        model_config = ConfigDict(extra="ignore")
        text: str
        id: str | None = None
        title: str | None = None
        source: str | None = None
        time: str | None = Field(None, description="ISO 8601, e.g. 2018-03-01T05:53:40+00:00")
        url: str | None = None

    class DigestRequest(ApiRequest):
        """POST /digest."""

        reports: list[DigestReport] = Field(..., max_length=MAX_REPORTS)
        glossary: GlossaryPairs | None = GLOSSARY_FIELD

    service = app.state.service

    async def digest(request: Request) -> dict[str, Any]:
        """Group reports into the day's stories: headline, points in both languages, figures per source, conflicts."""
        req = await service.admit(request, DigestRequest)
        if not req.reports:
            raise ApiError(400, "Invalid request: reports is empty; send reports: [{text, id?, title?, ...}]")
        check_fields(req.reports, service.settings)
        reports, failures = records_to_reports([r.model_dump() for r in req.reports])
        if not reports:
            raise ApiError(400, f"Invalid request: no usable report ({failures[0].id}: {failures[0].problem})")
        return await service.run(digest_dict, service.request_translator(1, req.glossary), reports, failures)

    digest.__annotations__["request"] = Request  # this module's annotations are strings FastAPI cannot resolve
    app.post("/digest", response_model=dict[str, Any], responses=ERROR_RESPONSES,
             openapi_extra=body_schema(DigestRequest))(digest)


def check_fields(reports: Sequence[Any], settings: ServerSettings) -> None:
    """ApiError 400 for unpaired surrogates in any field of a report; 413 past the batch limit (reports), or when
    texts and titles (a title is translated as a headline) together pass the digest's character limit."""
    from mt.server.schemas import ApiError
    from mt.server.service import SURROGATE

    if settings.batch_limit and len(reports) > settings.batch_limit:
        raise ApiError(413, f"Request too large: {len(reports)} reports, the batch limit is {settings.batch_limit}")
    char_limit = settings.digest_char_limit
    for n, report in enumerate(reports):
        for name in ("text", "id", "title", "source", "time", "url"):
            value = getattr(report, name)
            if value and SURROGATE.search(value):
                raise ApiError(400, f"Invalid request: reports[{n}].{name} holds invalid Unicode (unpaired surrogates)")
    chars = sum(len(r.text) + len(r.title or "") for r in reports)
    if chars > char_limit:
        raise ApiError(413, f"Request too large: {chars} characters in texts and titles, the digest limit is "
                            f"{char_limit} (--digest-char-limit)")


def uploaded_reports(paths: Sequence[str] | None, settings: ServerSettings) -> tuple[list[Report],
                                                                                   list[ReportFailure]]:
    """The reports of the uploaded files, within the server's limits; InputError for a whole-input problem."""
    from mt.errors import InputError

    if not paths:
        raise InputError("upload", "no file: upload report files (.txt, .md, documents) or one .jsonl")
    if len(paths) > MAX_UPLOADS:
        raise InputError("upload", f"{len(paths)} files, at most {MAX_UPLOADS} at once")
    limit = min(settings.batch_limit or MAX_REPORTS, MAX_REPORTS)
    items = [item for path in paths for item in file_reports(Path(path), Path(path).name)]
    reports, failures = collect(items, limit, "upload")
    chars = sum(len(r.text) + len(r.title or "") for r in reports)  # a title is translated as a headline
    if chars > settings.digest_char_limit:
        raise InputError("upload", f"{chars:,} characters, a digest takes at most {settings.digest_char_limit:,} "
                                   "(split the reports by day, or start the server with a larger --digest-char-limit)")
    if not reports:
        raise InputError("upload", f"no usable report ({failures[0].id}: {failures[0].problem})")
    return reports, failures


def run_digest_tab(translator: Any, paths: Sequence[str] | None, settings: ServerSettings,
                   save: Callable[[dict[str, str]], list[str]]) -> tuple[str, str, list[str]]:
    """One Digest click: (the digest's HTML, a summary line, the HTML and JSON downloads); gr.Error if bad."""
    import gradio as gr

    from mt.batcher import Overloaded
    from mt.errors import MtbriefError
    from summarize.digest.make import make_digest

    try:
        reports, failures = uploaded_reports(paths, settings)
        digest: Digest = make_digest(reports, translator, failures=failures)
    except (MtbriefError, Overloaded) as exc:
        raise gr.Error(str(exc)) from None
    files = save({"digest.html": render(digest, "html"),
                  "digest.json": json.dumps(digest.to_dict(), ensure_ascii=False, indent=2)})
    failed = "; ".join(f"{f.id}: {f.problem}" for f in failures)
    count = len(digest.stories)
    summary = (f"{digest.reports} reports → {count} {'story' if count == 1 else 'stories'}"
               + (f". Skipped {len(failures)}: {failed}" if failures else ""))
    return render(digest, "html", standalone=False), summary, files


def digest_tab(translator: Any, settings: ServerSettings, save: Callable[[dict[str, str]], list[str]]) -> gr.Tab:
    """The Digest tab (call inside a gr.Blocks): upload reports, see the stories, download HTML and JSON."""
    import gradio as gr

    from mt.documents import DOCUMENT_SUFFIXES

    with gr.Tab("Digest", elem_id="digest-tab") as tab:
        gr.Markdown("Upload several reports, or one .jsonl of reports (`text`, `id`, `title`, `source`, `time`): "
                    "they are grouped into stories, each with its sources, figures and conflicts.")
        uploads = gr.File(label="Reports", file_count="multiple", type="filepath", elem_id="digest-upload",
                          file_types=[".txt", ".md", ".jsonl", *DOCUMENT_SUFFIXES])
        button = gr.Button("Digest", variant="primary", elem_id="digest-button")
        summary = gr.Markdown(elem_id="digest-info")
        stories = gr.HTML(elem_id="digest-output")
        files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="digest-downloads")
        button.click(lambda paths: run_digest_tab(translator, paths, settings, save), inputs=[uploads],
                     outputs=[stories, summary, files], api_visibility="private")
    return tab
