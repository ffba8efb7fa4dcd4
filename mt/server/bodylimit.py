"""The request-body limit of the server: 413 JSON over the limit, before any handler reads the body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send


class BodyLimitMiddleware:
    """413 for a request body over the limit, by Content-Length or, when chunked, by counting.

    path_limits: the paths with a limit of their own (documents: the upload limit; a digest: a day of reports).
    """

    def __init__(self, app: Any, limit: int, path_limits: dict[str, int] | None = None) -> None:
        self.app, self.limit, self.path_limits = app, limit, path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry: refuse, or pass the request on (a chunked body is read first, then replayed)."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.path_limits.get(scope["path"], self.limit)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            size = int(length) if length.isdigit() else -1
            if not 0 <= size <= limit:
                return await self._refuse(scope, receive, send, size, limit)
            return await self.app(scope, receive, send)  # the server reads no further than Content-Length
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                return await self._refuse(scope, receive, send, size, limit)
            if not message.get("more_body"):
                break
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replayed() -> Message:
            return replay.pop() if replay else await receive()

        return await self.app(scope, replayed, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int, limit: int) -> None:
        from fastapi.responses import JSONResponse

        status, text = ((400, "Invalid Content-Length header") if size < 0
                        else (413, f"Request body too large: the limit is {limit} bytes"))
        await JSONResponse({"error": text}, status)(scope, receive, send)
