"""The monitor on the server (`mtbrief serve --monitor DB`): GET /monitor/stories, /monitor/stories.atom,
/monitor/search, /monitor/alerts, /monitor/status, answering as the commands do, and the UI's Monitor tab (the
stories of the 24 hours up to the newest report, newest growth first, refreshed without a reload, alerts
marked, a search box). Every request reads the store through its own read-only connection: the monitor that
writes it runs beside the server, in its own process.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from summarize.monitor.store import Store

REFRESH_SECONDS = 60.0
PAGE_HOURS = 24.0


def open_store(db: str) -> Store:
    """The store, read-only (InputError when it is missing or not a monitor store)."""
    from summarize.monitor.store import Store

    return Store.open(db, readonly=True)


def _limit(value: str | None, default: int) -> int:
    from mt.errors import InvalidOption
    from summarize.monitor.views import MAX_LIMIT

    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidOption("limit", value, [f"an integer from 1 to {MAX_LIMIT}"]) from None


def _hours(value: str | None) -> float | None:
    from mt.errors import InvalidOption

    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidOption("hours", value, ["a number of hours > 0"]) from None


def _parameters(text: str) -> str:
    """A command line's option names in an error message (--since) as the query's parameters (since)."""
    return re.sub(r"--(since|until|hours)\b", r"\1", text)


def monitor_answer(db: str, kind: str, params: dict[str, str], fmt: str = "json") -> str | dict[str, Any]:
    """One GET's answer (a dict for JSON, else the rendered text); InputError / InvalidOption for bad input."""
    from mt.errors import InputError
    from summarize.monitor.views import Period, answer
    from summarize.views import render

    try:
        period = (Period.of(params.get("since") or None, params.get("until") or None, _hours(params.get("hours")))
                  if kind == "stories" else None)
        since = Period.of(params["since"]).since if kind == "alerts" and params.get("since") else None
    except InputError as exc:  # the commands' words (--since) as the query's (since)
        raise InputError(_parameters(exc.source), _parameters(exc.problem)) from None
    limit = _limit(params.get("limit"), 20) if kind == "search" else 20
    store = open_store(db)
    try:
        view = answer(store, kind, period, params.get("q", ""), limit, since)
    finally:
        store.close()
    return view.data if fmt == "json" else render(view, fmt)


def add_monitor_routes(app: FastAPI, db: str | None) -> None:
    """Mount GET /monitor/... on the app for the store db (none when db is None); bad input: 400 {"error": ...}."""
    if not db:
        return
    from fastapi import Request
    from fastapi.responses import JSONResponse, Response

    allowed = {"stories": {"since", "until", "hours"}, "search": {"q", "limit"}, "alerts": {"since"}, "status": set()}

    def params_of(request: Request, kind: str) -> dict[str, str]:
        """The request's query parameters; InputError for an unknown or a repeated one."""
        from mt.errors import InputError

        unknown = sorted(set(request.query_params) - allowed[kind])
        if unknown:
            takes = ", ".join(sorted(allowed[kind])) or "none"
            raise InputError(unknown[0], f"unknown parameter; {kind} takes: {takes}")
        if any(len(request.query_params.getlist(k)) > 1 for k in request.query_params):
            raise InputError("query", "a parameter given twice")
        return dict(request.query_params)

    def route(kind: str):
        """The GET handler of one view."""

        def answer(request: Request) -> JSONResponse:
            """The view as JSON, as `mtbrief monitor KIND --format json` writes it."""
            return JSONResponse(monitor_answer(db, kind, params_of(request, kind)))
        answer.__annotations__["request"] = Request
        answer.__annotations__["return"] = JSONResponse
        return answer

    def atom(request: Request) -> Response:
        """The stories of the period as an Atom feed, one entry per story."""
        text = monitor_answer(db, "stories", params_of(request, "stories"), "atom")
        return Response(str(text), media_type="application/atom+xml; charset=utf-8")

    atom.__annotations__.update({"request": Request, "return": Response})
    for kind in ("stories", "search", "alerts", "status"):
        app.get(f"/monitor/{kind}", summary=f"Monitor: {kind}", response_model=None)(route(kind))
    app.get("/monitor/stories.atom", summary="Monitor: the stories as an Atom feed", response_model=None)(atom)


def page_view(db: str) -> tuple[str, str]:
    """The Monitor tab's stories (HTML) and its summary line: the 24 hours up to the newest stored report."""
    import datetime as dt

    from summarize.monitor.views import Period, answer
    from summarize.views import render

    store = open_store(db)
    try:
        newest = store.conn.execute("SELECT max(ts) FROM reports").fetchone()[0]
        end = dt.datetime.fromtimestamp(newest, dt.timezone.utc) if newest else dt.datetime.now(dt.timezone.utc)
        view = answer(store, "stories", Period.of(hours=PAGE_HOURS, now=end))
        alerts = store.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    finally:
        store.close()
    data = view.data
    info = (f"{len(data['stories'])} stories, {data['reports']} reports from {data['since']} to {data['until']} · "
            f"{alerts} alerts in the store")
    return render(view, "html", standalone=False), info


def run_search(db: str, query: str) -> str:
    """The Monitor tab's search results (HTML); gr.Error for a bad query."""
    import gradio as gr

    from mt.errors import MtbriefError

    try:
        return str(monitor_answer(db, "search", {"q": query or "", "limit": "50"}, "html"))
    except MtbriefError as exc:
        raise gr.Error(str(exc)) from None


def monitor_tab(db: str, refresh: float | None = None) -> gr.Tab:
    """The Monitor tab (call inside a gr.Blocks); the stories are read again every `refresh` seconds."""
    import gradio as gr

    refresh = refresh or REFRESH_SECONDS

    with gr.Tab("Monitor", elem_id="monitor-tab") as tab:
        gr.Markdown(f"Stories from the monitored feeds, newest growth first, refreshed every {refresh:g} s; "
                    "stories with a watch-list alert are marked. Search the Arabic (any clitic form) or the "
                    "shown English.")
        with gr.Row():
            query = gr.Textbox(label="Search", elem_id="monitor-query", scale=4)
            button = gr.Button("Search", elem_id="monitor-search-button", scale=1)
        results = gr.HTML(elem_id="monitor-results")
        info = gr.Markdown(elem_id="monitor-info")
        stories = gr.HTML(elem_id="monitor-stories")
        timer = gr.Timer(refresh)
        timer.tick(lambda: page_view(db), outputs=[stories, info], api_visibility="private")
        tab.select(lambda: page_view(db), outputs=[stories, info], api_visibility="private")
        button.click(lambda q: run_search(db, q), inputs=[query], outputs=[results], api_visibility="private")
        query.submit(lambda q: run_search(db, q), inputs=[query], outputs=[results], api_visibility="private")
    return tab
