"""The web UI (Gradio) and `mtbrief serve`: one FastAPI app with the UI at / and the HTTP API beside it."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mt.errors import InputError
from mt.htmltext import has_arabic

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from mt.server.limits import ServerSettings
    from mt.translator import Translator
    from mt.types import Translation

SEED = Path(__file__).resolve().parent / "seeds" / "aleppo-report.ar.txt"
TABLE_HEADERS = ["#", "Arabic", "English", "Flags"]
# Machine output may hold very long "words" (random test models do): wrap them instead of widening the page.
CSS = ("#brief-output, #sentence-table td { overflow-wrap: anywhere; } "
       "#brief-output [dir=rtl] { text-align: right; }")
NO_ARABIC = "The text has no Arabic letters, so there is nothing to translate: it is returned unchanged."


@dataclass(frozen=True)
class UIResult:
    """What one Translate click shows."""

    english: str
    rows: list[list[Any]]  # the sentence table: number, Arabic, English, flags
    brief_html: str
    files: list[str]  # .txt, .md, .json downloads
    info: str  # model, engine, time taken


# -- the UI's logic, plain functions (tests call them directly) ---------------------------------------------

def check_text(text: str | None, char_limit: int) -> str:
    """The text to translate; gr.Error when it is empty or over the character limit."""
    import gradio as gr

    if not text or not text.strip():
        raise gr.Error("Enter or upload some Arabic text first: the text box is empty.")
    if len(text) > char_limit:
        raise gr.Error(f"The text has {len(text):,} characters; the limit is {char_limit:,}. "
                       f"Translate it in parts.")
    return text


def load_upload(path: str | None, char_limit: int) -> str:
    """The text of an uploaded .txt/.md file; gr.Error when it is not UTF-8 text or is over the limit."""
    import gradio as gr

    from mt.textio import decode_text

    if not path:
        return ""
    name = Path(path).name
    try:
        text = decode_text(Path(path).read_bytes(), name)
    except InputError as exc:
        raise gr.Error(f"Cannot read {name}: {exc.problem}. Upload a UTF-8 .txt or .md file.") from None
    return check_text(text, char_limit)


def sentence_rows(translation: Translation) -> list[list[Any]]:
    """The sentence table: one row per segment, its flags as one line."""
    return [[i + 1, s.source, s.target, "; ".join(f.message for f in s.flags)]
            for i, s in enumerate(translation.segments)]


class Downloads:
    """A folder per result under one temporary root; old ones go, so the disk use stays bounded."""

    def __init__(self, keep: int = 64) -> None:
        self.keep = keep
        self._dirs: deque[str] = deque()
        self._lock = threading.Lock()

    def write(self, translation: Translation, brief: Any) -> list[str]:
        """The English as .txt, the brief as .md, both as .json; returns their paths."""
        folder = tempfile.mkdtemp(prefix="mtbrief-ui-")
        with self._lock:
            self._dirs.append(folder)
            while len(self._dirs) > self.keep:
                shutil.rmtree(self._dirs.popleft(), ignore_errors=True)
        both = {"translation": translation.to_dict(), "brief": brief.to_dict()}
        files = {"translation.en.txt": translation.text + "\n", "brief.md": brief.to_markdown(),
                 "translation.json": json.dumps(both, ensure_ascii=False, indent=2)}
        for name, content in files.items():
            Path(folder, name).write_text(content, encoding="utf-8")
        return [str(Path(folder, name)) for name in files]


def run_translation(translator: Translator, text: str | None, char_limit: int,
                    progress: Callable[[int, int], None] | None = None,
                    downloads: Downloads | None = None) -> UIResult:
    """One Translate click: check, translate, flag, brief; gr.Warning (text unchanged) without Arabic."""
    import gradio as gr

    from summarize import make_brief
    from summarize.quality import check_translation

    text = check_text(text, char_limit)
    sig = translator.signature
    if not has_arabic(text):
        gr.Warning(NO_ARABIC)
        return UIResult(text, [], "", [], f"Model `{sig.model}` · nothing translated")
    start = time.perf_counter()
    translation = translator.translate(text, on_progress=progress)
    checked = check_translation(translation)
    brief = make_brief(checked)
    elapsed = time.perf_counter() - start
    files = (downloads or Downloads()).write(checked, brief)
    info = (f"Model `{sig.model}` · engine {sig.engine} ({sig.compute_type}, {sig.device}, "
            f"beam {sig.beam_size}) · {len(checked.segments)} sentences in {elapsed:.1f} s")
    return UIResult(checked.text, sentence_rows(checked), brief.to_html(), files, info)


# -- the UI -------------------------------------------------------------------------------------------------

def build_demo(translator: Translator, settings: ServerSettings | None = None) -> gr.Blocks:
    """The Gradio Blocks: Arabic in (typed, pasted or uploaded), English, sentence table, brief, downloads."""
    import gradio as gr

    from mt.server.limits import ServerSettings

    limit = (settings or ServerSettings()).char_limit
    downloads = Downloads()

    def on_translate(text: str, progress: gr.Progress = gr.Progress()) -> tuple:
        def report(done: int, total: int) -> None:
            progress((done, total), desc="Translating", unit="sentences")

        from mt.batcher import Overloaded

        try:
            r = run_translation(translator, text, limit, progress=report, downloads=downloads)
        except Overloaded as exc:
            raise gr.Error(str(exc)) from None
        return r.english, r.rows, r.brief_html, r.files or None, r.info

    with gr.Blocks(title="mtbrief: Arabic → English", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as demo:
        gr.Markdown("## mtbrief — Arabic → English news translation, with a bilingual brief\n"
                    "Machine translation: check names and figures against the Arabic. "
                    "HTTP API: [/docs](/docs)")
        with gr.Row():
            with gr.Column():
                arabic = gr.Textbox(label="Arabic text", lines=12, max_lines=30, rtl=True,
                                    elem_id="arabic-input", placeholder="الصق النص العربي هنا")
                upload = gr.File(label="…or upload a .txt / .md file (UTF-8)", file_types=[".txt", ".md"],
                                 type="filepath", elem_id="upload")
                button = gr.Button("Translate", variant="primary", elem_id="translate-button")
            with gr.Column():
                english = gr.Textbox(label="English", lines=12, max_lines=30, interactive=False,
                                     elem_id="english-output", buttons=["copy"])
                info = gr.Markdown(elem_id="run-info")
        if SEED.is_file():
            gr.Examples([[SEED.read_text(encoding="utf-8")]], inputs=[arabic], label="Example",
                        example_labels=["Aleppo report (sample)"])
        brief = gr.HTML(elem_id="brief-output")
        table = gr.Dataframe(headers=TABLE_HEADERS, datatype=["number", "str", "str", "str"], wrap=True,
                             interactive=False, label="Sentences", elem_id="sentence-table",
                             column_widths=["5%", "35%", "35%", "25%"])
        files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="downloads")
        upload.upload(lambda path: load_upload(path, limit), inputs=[upload], outputs=[arabic],
                      api_visibility="private")
        button.click(on_translate, inputs=[arabic], outputs=[english, table, brief, files, info],
                     api_visibility="private")
    return demo


# -- the server: /brief and the app -------------------------------------------------------------------------

def add_brief_route(app: FastAPI) -> None:
    """POST /brief: translate q and answer the bilingual brief (Brief.to_dict())."""
    from fastapi import Request
    from pydantic import Field

    from mt.server.schemas import ERROR_RESPONSES, ApiError, ApiRequest, body_schema

    class BriefRequest(ApiRequest):
        """POST /brief."""

        q: str
        source: str = "ar"
        max_sentences: int = Field(5, ge=1, le=50)
        max_words: int = Field(0, ge=0, description="0: no limit")
        order: Literal["document", "score"] = "document"

    service = app.state.service

    async def brief(request: Request) -> dict[str, Any]:
        """Translate q (Arabic) and brief it: headline, key points in both languages, key figures."""
        req = await service.admit(request, BriefRequest)
        service.check_pair(req.source, "en")
        text = service.check_texts(req.q)[0]
        if not text.strip():
            raise ApiError(400, "Invalid request: missing q parameter")
        return await service.run(make_brief_dict, service.batched(), text, req.max_sentences,
                                 req.max_words or None, req.order)

    brief.__annotations__["request"] = Request  # this module's annotations are strings FastAPI cannot resolve
    app.post("/brief", response_model=dict[str, Any], responses=ERROR_RESPONSES,
             openapi_extra=body_schema(BriefRequest))(brief)


def make_brief_dict(translator: Translator, text: str, max_sentences: int, max_words: int | None,
                    order: str) -> dict[str, Any]:
    """Translate, check and brief one text (text without Arabic gives an empty brief)."""
    from mt.types import Translation
    from summarize import make_brief
    from summarize.quality import check_translation

    translation = (translator.translate(text) if has_arabic(text)
                   else Translation(text, (), translator.signature))
    return make_brief(check_translation(translation), max_sentences, max_words, order).to_dict()


class BodyLimitMiddleware:
    """413 for a request body over the limit, by Content-Length or, when chunked, by counting."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """ASGI entry: refuse, or pass the request on (a chunked body is read first, then replayed)."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            size = int(length) if length.isdigit() else -1
            if not 0 <= size <= self.limit:
                return await self._refuse(scope, send, size)
            return await self.app(scope, receive, send)  # the server reads no further than Content-Length
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await self._refuse(scope, send, size)
            if not message.get("more_body"):
                break
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replayed() -> dict:
            return replay.pop() if replay else await receive()

        return await self.app(scope, replayed, send)

    async def _refuse(self, scope: dict, send: Callable, size: int) -> None:
        from fastapi.responses import JSONResponse

        status, text = ((400, "Invalid Content-Length header") if size < 0
                        else (413, f"Request body too large: the limit is {self.limit} bytes"))
        await JSONResponse({"error": text}, status)(scope, None, send)


def create_app(translator: Translator, settings: ServerSettings) -> FastAPI:
    """One FastAPI app: the API routes first (they win), then the Gradio UI mounted at /."""
    import gradio as gr

    from mt.server.app import create_api

    app = create_api(translator, settings)
    add_brief_route(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.body_limit)
    demo = build_demo(app.state.service.batched(), settings)  # UI requests share batches with the API's
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=64)
    return gr.mount_gradio_app(app, demo, path="/", server_name=settings.host, server_port=settings.port,
                               footer_links=["gradio"], run_history=False, ssr_mode=False, mcp_server=False,
                               max_file_size=settings.body_limit, css=CSS)


# -- the `serve` command ------------------------------------------------------------------------------------

def load_api_keys(path: str | None, env: Mapping[str, str] = os.environ) -> frozenset[str]:
    """Keys from a file (one a line, '#' comments) and from $MTBRIEF_API_KEYS (comma-separated)."""
    keys = {k.strip() for k in env.get("MTBRIEF_API_KEYS", "").split(",")}
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(path, f"cannot read the API keys file: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InputError(path, "the API keys file is not UTF-8 text") from None
        keys.update(line.strip() for line in lines if not line.lstrip().startswith("#"))
    keys.discard("")
    if path and not keys:
        raise InputError(path, "the API keys file holds no key")
    return frozenset(keys)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand (entry point: serve = "ui:register")."""
    from mt.cli import add_model_options

    p = subparsers.add_parser("serve", help="web UI and LibreTranslate-compatible HTTP API")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s: this machine)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--char-limit", type=int, default=20_000, help="characters per request (default: 20000)")
    p.add_argument("--batch-limit", type=int, default=None, help="texts per request (default: no limit)")
    p.add_argument("--api-keys", default=None, metavar="FILE",
                   help="require an API key: one per line (also $MTBRIEF_API_KEYS, comma-separated)")
    p.add_argument("--requests-per-minute", type=int, default=None,
                   help="per API key, or per client IP without keys (default: unlimited)")
    p.add_argument("--concurrency", type=int, default=32,
                   help="requests translated at once, API and UI each; their sentences share engine batches "
                        "(default: 32)")
    p.add_argument("--queue-limit", type=int, default=4096,
                   help="sentences waiting for the engine; beyond it, 503 with Retry-After (default: 4096)")
    p.add_argument("--batch-wait-ms", type=float, default=5.0,
                   help="how long a batch that is not full waits for other requests' sentences (default: 5)")
    add_model_options(p)
    p.set_defaults(func=run_serve)


def settings_from_args(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> ServerSettings:
    """The server settings a parsed `serve` command line asks for."""
    from mt.server.limits import ServerSettings

    return ServerSettings(host=args.host, port=args.port, char_limit=args.char_limit,
                          batch_limit=args.batch_limit, api_keys=load_api_keys(args.api_keys, env),
                          requests_per_minute=args.requests_per_minute, concurrency=args.concurrency,
                          queue_limit=args.queue_limit, batch_wait_ms=args.batch_wait_ms)


def run_serve(args: argparse.Namespace) -> int:
    """Check the settings, load the model once, then serve until interrupted."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = settings_from_args(args)
    from mt.cli import translator_from_args

    translator = translator_from_args(args)
    import uvicorn

    app = create_app(translator, settings)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.api_keys:
        print(f"mtbrief: warning: listening on {settings.host} without API keys (see --api-keys)", flush=True)
    print(f"mtbrief: serving {translator.signature.model} on http://{settings.host}:{settings.port}/ "
          f"(API docs at /docs)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning" if args.quiet else "info")
    return 0
