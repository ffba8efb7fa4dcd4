"""The web UI (Gradio) and `mtbrief serve`: one FastAPI app with the UI at / and the HTTP API beside it."""

from __future__ import annotations

import argparse
import atexit
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
from typing import TYPE_CHECKING, Any

from mt.errors import InputError
from mt.htmltext import has_arabic
from summarize.monitor.web import add_monitor_routes, monitor_tab, open_store
from summarize.views import render
from summarize.views.monitor import MONITOR_STYLE
from summarize.web import add_brief_route, add_digest_route, digest_tab

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
       "#brief-output [dir=rtl] { text-align: right; } " + MONITOR_STYLE)
NO_ARABIC = "The text has no Arabic letters, so there is nothing to translate: it is returned unchanged."


@dataclass(frozen=True)
class UIResult:
    """What one Translate click shows."""

    english: str
    rows: list[list[Any]]  # the sentence table: number, Arabic, English, flags
    brief_html: str
    files: list[str]  # .txt, .md, .json downloads
    info: str  # model, engine, time taken
    translation: Any = None  # the checked Translation shown (kept for "Save corrections")


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
    """The text of an uploaded .txt/.md file or document; gr.Error when it cannot be read or is over the limit."""
    import gradio as gr

    from mt.documents import DocumentError, check_suffix, document_text, is_document, supported_list
    from mt.textio import decode_text

    if not path:
        return ""
    name = Path(path).name
    try:
        check_suffix(name)  # a .doc or .xlsx is named as such, not read as text
        data = Path(path).read_bytes()
        text = document_text(data, name) if is_document(name) else decode_text(data, name)
    except DocumentError as exc:  # its problem already names the supported formats
        raise gr.Error(f"Cannot read {name}: {exc.problem}.") from None
    except InputError as exc:
        raise gr.Error(f"Cannot read {name}: {exc.problem}. Upload a UTF-8 .txt or .md file "
                       f"or a document ({supported_list()}).") from None
    return check_text(text, char_limit)


def translate_upload(translator: Translator, path: str | None, text: str) -> dict[str, bytes]:
    """The uploaded document translated ({file name: bytes}), while the text box still holds its text."""
    from mt.documents import document_text, is_document, translate_document

    if not path or not is_document(path):
        return {}
    data = Path(path).read_bytes()
    if document_text(data, path) != text:
        return {}  # the text was edited after the upload: the document would not match what was translated
    result = translate_document(translator, data, Path(path).name)
    return {f"{Path(path).stem}.en{result.suffix}": result.data}


def sentence_rows(translation: Translation) -> list[list[Any]]:
    """The sentence table: one row per segment, its flags as one line."""
    return [[i + 1, s.source, s.target, "; ".join([f.message for f in s.flags]
                                                  + ["from the corrections memory"] * (s.origin == "memory"))]
            for i, s in enumerate(translation.segments)]


class Downloads:
    """A folder per result under one temporary root; old ones go, so the disk use stays bounded, and the root
    goes when the process exits."""

    def __init__(self, keep: int = 64) -> None:
        self.keep = keep
        self._dirs: deque[str] = deque()
        self._lock = threading.Lock()
        self._root: str | None = None

    def write(self, translation: Translation, brief: Any, documents: dict[str, bytes] | None = None) -> list[str]:
        """The English as .txt, the brief as .md, both as .json, and any translated document; their paths."""
        both = {"translation": translation.to_dict(), "brief": brief.to_dict()}
        return self.write_files({**(documents or {}), "translation.en.txt": translation.text + "\n",
                                 "brief.md": render(brief, "md"),
                                 "translation.json": json.dumps(both, ensure_ascii=False, indent=2)})

    def write_files(self, files: dict[str, str | bytes]) -> list[str]:
        """Each named text (UTF-8) or bytes in a new result folder; their paths, in order."""
        with self._lock:
            if self._root is None:
                self._root = tempfile.mkdtemp(prefix="mtbrief-ui-")
                atexit.register(self.close)  # results never outlive the server
            folder = tempfile.mkdtemp(dir=self._root)
            self._dirs.append(folder)
            while len(self._dirs) > self.keep:
                shutil.rmtree(self._dirs.popleft(), ignore_errors=True)
        for name, content in files.items():
            if isinstance(content, bytes):
                Path(folder, name).write_bytes(content)
            else:
                Path(folder, name).write_text(content, encoding="utf-8")
        return [str(Path(folder, name)) for name in files]

    def close(self) -> None:
        """Delete every result folder (also run when the process exits)."""
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._dirs.clear()
                self._root = None


def run_translation(translator: Translator, text: str | None, char_limit: int,
                    progress: Callable[[int, int], None] | None = None,
                    downloads: Downloads | None = None, upload: str | None = None) -> UIResult:
    """One Translate click: check, translate, flag, brief; gr.Warning (text unchanged) without Arabic."""
    import gradio as gr

    text = check_text(text, char_limit)
    sig = translator.signature
    if not has_arabic(text):
        gr.Warning(NO_ARABIC)
        return UIResult(text, [], "", [], f"Model `{sig.model}` · nothing translated")
    start = time.perf_counter()
    translation = translator.translate(text, on_progress=progress)
    return _result(translator, translation, start, downloads, translate_upload(translator, upload, text))


def _result(translator: Translator, translation: Translation, start: float, downloads: Downloads | None,
            documents: dict[str, bytes] | None = None) -> UIResult:
    from summarize import make_brief
    from summarize.quality.check import check_translation

    sig = translator.signature
    checked = check_translation(translation)
    brief = make_brief(checked)
    elapsed = time.perf_counter() - start
    files = (downloads or Downloads()).write(checked, brief, documents)
    info = (f"Model `{sig.model}` · engine {sig.engine} ({sig.compute_type}, {sig.device}, "
            f"beam {sig.beam_size}) · {len(checked.segments)} sentences in {elapsed:.1f} s")
    return UIResult(checked.text, sentence_rows(checked), render(brief, "html", standalone=False), files, info, checked)


def save_corrections(translator: Translator, shown: Translation | None, table: Any,
                     downloads: Downloads | None = None) -> UIResult:
    """"Save corrections": store the table's edited English rows in the memory, then translate again."""
    import gradio as gr

    from mt.memory.corrections import store_corrections

    if shown is None or not shown.segments:
        raise gr.Error("Translate a text first, then edit the English column and save.")
    if translator.memory is None:
        raise gr.Error("The corrections memory is off on this server (started with --no-memory).")
    rows = table.values.tolist() if hasattr(table, "values") else list(table or [])
    try:
        saved = store_corrections(translator, shown, [str(row[2] or "") for row in rows])
    except InputError as exc:
        raise gr.Error(f"Cannot save the corrections: {exc}") from None
    gr.Info(f"{saved} correction{'s' * (saved != 1)} saved" if saved else "No English cell was changed.")
    start = time.perf_counter()
    return _result(translator, translator.translate(shown.source_text), start, downloads)


# -- the UI -------------------------------------------------------------------------------------------------

def ui_outputs(r: UIResult) -> tuple:
    """A result as the Translate tab's outputs: English, sentence rows, brief, downloads, info, translation."""
    return r.english, r.rows, r.brief_html, r.files or None, r.info, r.translation


def build_demo(translator: Translator, settings: ServerSettings | None = None, monitor: str | None = None) -> gr.Blocks:
    """The Gradio Blocks: Arabic in (typed, pasted or uploaded), English, sentence table, brief, downloads."""
    import gradio as gr

    from mt.batcher import Overloaded
    from mt.documents import DOCUMENT_SUFFIXES
    from mt.server.limits import ServerSettings

    limit = (settings or ServerSettings()).char_limit
    downloads = Downloads()

    def on_translate(text: str, uploaded: str | None, progress: gr.Progress = gr.Progress()) -> tuple:
        def report(done: int, total: int) -> None:
            progress((done, total), desc="Translating", unit="sentences")

        try:
            r = run_translation(translator, text, limit, progress=report, downloads=downloads, upload=uploaded)
        except Overloaded as exc:
            raise gr.Error(str(exc)) from None
        return ui_outputs(r)

    def on_save(shown: Translation | None, rows: Any) -> tuple:
        return ui_outputs(save_corrections(translator, shown, rows, downloads))

    with gr.Blocks(title="mtbrief: Arabic → English", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as demo:
        gr.Markdown("## mtbrief — Arabic → English news translation, with a bilingual brief\n"
                    "Machine translation: check names and figures against the Arabic. "
                    "HTTP API: [/docs](/docs)")
        with gr.Tab("Translate", elem_id="translate-tab"):
            with gr.Row():
                with gr.Column():
                    arabic = gr.Textbox(label="Arabic text", lines=12, max_lines=30, rtl=True,
                                        elem_id="arabic-input", placeholder="الصق النص العربي هنا")
                    upload = gr.File(label="…or upload a .txt / .md file (UTF-8) or a document: " + " ".join(
                                     DOCUMENT_SUFFIXES), file_types=[".txt", ".md", *DOCUMENT_SUFFIXES],
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
                                 interactive=True, static_columns=[0, 1, 3], type="array", elem_id="sentence-table",
                                 label="Sentences (edit the English, then Save corrections: reused verbatim)",
                                 column_widths=["5%", "35%", "35%", "25%"])
            save = gr.Button("Save corrections", elem_id="save-corrections")
            shown = gr.State(None)
            files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="downloads")
            upload.upload(lambda path: load_upload(path, limit), inputs=[upload], outputs=[arabic],
                          api_visibility="private")
            outputs = [english, table, brief, files, info, shown]
            button.click(on_translate, inputs=[arabic, upload], outputs=outputs, api_visibility="private")
            save.click(on_save, inputs=[shown, table], outputs=outputs, api_visibility="private")
        digest_tab(translator, settings or ServerSettings(), downloads.write_files)
        if monitor:
            monitor_tab(monitor)
    return demo


# -- the server: /brief and the app -------------------------------------------------------------------------

def create_app(translator: Translator, settings: ServerSettings, monitor: str | None = None) -> FastAPI:
    """One FastAPI app: the API routes first (they win), then the Gradio UI mounted at /."""
    import gradio as gr

    from mt.server.app import create_api
    from mt.server.bodylimit import BodyLimitMiddleware
    app = create_api(translator, settings)
    add_brief_route(app)
    add_digest_route(app)
    add_monitor_routes(app, monitor)  # none without --monitor
    app.add_middleware(BodyLimitMiddleware, limit=settings.body_limit, path_limits=settings.path_limits())
    demo = build_demo(app.state.service.batched(), settings, monitor)  # UI requests share batches with the API's
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=64)
    return gr.mount_gradio_app(app, demo, path="/", server_name=settings.host, server_port=settings.port,
                               footer_links=["gradio"], run_history=False, ssr_mode=False, mcp_server=False,
                               max_file_size=settings.upload_limit, css=CSS)


# -- the `serve` command ------------------------------------------------------------------------------------

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand (entry point: serve = "ui:register")."""
    from mt.cli import add_model_options
    from mt.memory.options import add_glossary_options

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
    p.add_argument("--suggestions", action="store_true",
                   help="enable POST /suggest: corrections are stored in the memory and reused verbatim")
    p.add_argument("--file-size-limit", type=int, default=10, metavar="MB",
                   help="largest uploaded document, in MB (default: 10)")
    p.add_argument("--digest-char-limit", type=int, default=1_000_000,
                   help="characters of one digest's reports, POST /digest and the Digest tab (default: 1000000, "
                        "a day of many outlets; only what a digest shows is translated)")
    p.add_argument("--monitor", metavar="DB", help="add the Monitor tab and GET /monitor/... (`monitor run`'s store)")
    add_model_options(p)
    add_glossary_options(p)
    p.set_defaults(func=run_serve)


def settings_from_args(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> ServerSettings:
    """The server settings a parsed `serve` command line asks for."""
    from mt.server.limits import ServerSettings, load_api_keys

    return ServerSettings(host=args.host, port=args.port, char_limit=args.char_limit,
                          batch_limit=args.batch_limit, api_keys=load_api_keys(args.api_keys, env),
                          requests_per_minute=args.requests_per_minute, concurrency=args.concurrency,
                          suggestions=getattr(args, "suggestions", False),
                          file_size_limit=getattr(args, "file_size_limit", 10),
                          digest_char_limit=getattr(args, "digest_char_limit", 1_000_000),
                          queue_limit=args.queue_limit, batch_wait_ms=args.batch_wait_ms)


def run_serve(args: argparse.Namespace, load: Callable[[argparse.Namespace], Translator] | None = None) -> int:
    """Check the settings, load the model once (with `load`; default: the model options), serve until stopped."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = settings_from_args(args)
    from mt.cli import translator_from_args
    from mt.server.listen import bind_listener, serve

    if getattr(args, "monitor", None):  # a bad store fails now, before the port and the model
        open_store(args.monitor).close()
    listener = bind_listener(settings.host, settings.port)  # before the model loads: a taken port fails now
    translator = load(args) if load else translator_from_args(args)
    start = time.perf_counter()
    translator.warm_up()  # so the first users are not the ones who pay for a cold engine
    warm_s = time.perf_counter() - start
    app = create_app(translator, settings, getattr(args, "monitor", None))
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.api_keys:
        print(f"mtbrief: warning: listening on {settings.host} without API keys (see --api-keys)", flush=True)
    print(f"mtbrief: serving {translator.signature.model} on http://{settings.host}:{listener.getsockname()[1]}/ "
          f"(API docs at /docs; engine warmed up in {warm_s:.1f} s)", flush=True)
    serve(app, listener, log_level="warning" if args.quiet else "info")
    return 0
