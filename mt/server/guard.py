"""What the API answers clients that misbehave, always as {"error": ...}: a wrong method on an API path (405 with
Allow), an unknown path under the API (404; the web UI at / would otherwise answer it), a client that goes
away mid-body (one log line, no traceback). HEAD is answered wherever GET is (RFC 9110: the GET's headers, no
body), which monitoring probes and link checkers rely on."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect
from starlette.routing import Route

log = logging.getLogger("mtbrief.server")

# First path segments that belong to the API (ours and LibreTranslate's, so a LibreTranslate client asking for
# an endpoint we lack gets a JSON answer rather than the web page).
API_PREFIXES = frozenset({"translate", "detect", "languages", "health", "brief", "digest", "frontend", "translate_file",
                          "download_file", "suggest", "openapi.json", "docs", "redoc", "spec",
                          "monitor"})


class ApiPathGuard:
    """ASGI middleware: 405 + Allow for a method an API path does not take, 404 for an unknown API path."""

    def __init__(self, app: Any, api: FastAPI) -> None:
        self.app, self.api = app, api
        self._methods: dict[str, tuple[re.Pattern[str], set[str]]] | None = None

    def methods(self) -> dict[str, tuple[re.Pattern[str], set[str]]]:
        """Each API route's path template, its pattern and its methods (read once, after every route is added)."""
        if self._methods is None:
            found: dict[str, tuple[re.Pattern[str], set[str]]] = {}
            for route in self.api.routes:
                if not isinstance(route, Route):  # a mount or a websocket: no methods to answer for
                    continue
                path, methods = route.path, route.methods
                if methods and path.split("/")[1] in API_PREFIXES:
                    found.setdefault(path, (route.path_regex, set()))[1].update(
                        {*methods, "HEAD"} if "GET" in methods else methods)
            self._methods = found
        return self._methods

    def allowed(self, path: str) -> set[str] | None:
        """The methods of the route a concrete path matches (`/download_file/x` matches its template), or None."""
        matched = [methods for pattern, methods in self.methods().values() if pattern.match(path)]
        return set().union(*matched) if matched else None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """ASGI entry: answer a wrong method or an unknown API path; pass everything else on."""
        if scope["type"] != "http" or scope["path"].split("/")[1] not in API_PREFIXES:
            return await self.app(scope, receive, send)
        path = scope["path"].rstrip("/") or "/"
        methods = self.allowed(path)
        if methods is None:
            listed = ", ".join(f"{'/'.join(sorted(m - {'HEAD'}))} {p}" for p, (_, m) in sorted(self.methods().items()))
            body, status, headers = f"Not found: {scope['path']} is not an endpoint of this API ({listed})", 404, {}
        elif scope["method"] not in methods:
            allow = ", ".join(sorted(methods))
            body, status = f"Method not allowed: {scope['method']} {path}; use {allow}", 405
            headers = {"Allow": allow}
        elif scope["method"] == "HEAD" and "GET" in methods:
            return await self.app({**scope, "path": path, "method": "GET"}, receive, _headers_only(send))
        else:
            scope = {**scope, "path": path}  # /translate/ is /translate (a redirect would lose a POST body)
            return await self.app(scope, receive, send)
        await JSONResponse({"error": body}, status, headers)(scope, receive, send)
        return None


def _headers_only(send: Callable) -> Callable:
    """An ASGI send that passes the response's status and headers on and drops its body (a HEAD answer)."""

    async def send_headers(message: dict) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers


async def _client_gone(request: Request, _exc: Exception) -> Response:
    client = f"{request.client.host}:{request.client.port}" if request.client else "a client"
    log.warning("%s went away before sending the whole request to %s %s", client, request.method, request.url.path)
    return JSONResponse({"error": "the client disconnected"}, 400)


def install_guards(app: FastAPI) -> None:
    """Add the path guard and the disconnect handler to the API app (they also cover the UI mounted later)."""
    app.add_middleware(ApiPathGuard, api=app)
    app.add_exception_handler(ClientDisconnect, _client_gone)
