"""Listening safely: the port bound before anything is announced, and bounds on what one connection may hold
(header size, time to send the headers, idle time between requests)."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from http import HTTPStatus
from typing import Any

from mt.errors import InputError, InvalidOption

HEADER_LIMIT = 32 * 1024  # bytes of request line and headers; more gets 431 {"error": ...}
# Seconds from a request's first byte to its last header, then the connection is closed ($MTBRIEF_HEADER_TIMEOUT).
HEADER_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5  # seconds an idle keep-alive connection is kept
_BIND_PROBLEMS = {
    errno.EADDRINUSE: "address already in use (another server listens there); choose another --port",
    errno.EACCES: "permission denied (ports below 1024 need privileges); choose a --port above 1023",
    errno.EADDRNOTAVAIL: "not an address of this machine; choose another --host (127.0.0.1, 0.0.0.0, ...)",
}


def bind_listener(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or InputError naming the address and the problem (before any model
    loads, so `serve` never announces an address it cannot serve)."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(where, f"unknown host ({exc}); choose another --host") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart without waiting
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        known = _BIND_PROBLEMS.get(exc.errno) if exc.errno is not None else None
        raise InputError(where, known or f"cannot listen: {exc.strerror}") from None
    return sock


def guarded_protocol(header_timeout: float | None = None) -> type:
    """uvicorn's h11 protocol with a time limit on receiving a request's headers (uvicorn has none: a client
    sending them slowly holds its connection forever) and JSON bodies for the parser's 400 and 431."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    timeout = (header_timeout if header_timeout is not None
               else _seconds(os.environ.get("MTBRIEF_HEADER_TIMEOUT"), HEADER_TIMEOUT))

    class GuardedH11Protocol(H11Protocol):
        _header_timer: Any = None
        _refused = False

        def connection_made(self, transport: Any) -> None:
            """A new connection: its first request's headers must arrive in time."""
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            """The connection is gone: no timer left behind."""
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            """Bytes in: parse them (or drop them after a refusal) and keep the header timer right."""
            if self._refused:
                return  # the rest of a refused request: read and dropped, so the client can read the answer
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # the headers are in: the request runs under the app's own limits
            elif self._header_timer is None:
                self._arm()  # the first bytes of another request on a kept-alive connection

        def on_response_complete(self) -> None:
            """A response sent: the connection is idle until the client starts another request."""
            super().on_response_complete()
            self._disarm()  # idle now: uvicorn's keep-alive timeout takes over

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _too_slow(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.logger.info("closed a connection that sent no complete request within %g s", timeout)
                self.transport.close()

        def send_400_response(self, msg: str) -> None:
            """The parser refused the request: answer JSON (431 for headers over the limit), then close."""
            error = sys.exc_info()[1]  # called while h11's RemoteProtocolError is handled
            status = getattr(error, "error_status_hint", 400)
            text = (f"Request headers too large: the limit is {HEADER_LIMIT} bytes" if status == 431
                    else f"Invalid HTTP request: {error or msg}")
            _send_json_error(self, status, text)

    return GuardedH11Protocol


def _seconds(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if value <= 0:
        raise InvalidOption("MTBRIEF_HEADER_TIMEOUT", raw, ["a number of seconds > 0"])
    return value


def _send_json_error(protocol: Any, status: int, text: str) -> None:
    import h11

    body = json.dumps({"error": text}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    try:
        reason = HTTPStatus(status).phrase.encode()
        for event in (h11.Response(status_code=status, headers=headers, reason=reason), h11.Data(data=body),
                      h11.EndOfMessage()):
            protocol.transport.write(protocol.conn.send(event))
    except h11.LocalProtocolError:  # the parser cannot answer in this state: just close
        protocol.transport.close()
        return
    # Closing at once with unread bytes would reset the connection and the client might never see the answer:
    # close our side for writing, drop what still comes, and close a moment later.
    protocol._refused = True
    if protocol.transport.can_write_eof():
        protocol.transport.write_eof()
    protocol.loop.call_later(1.0, protocol.transport.close)


def serve(app: Any, listener: socket.socket, log_level: str = "info") -> None:
    """Run uvicorn on an already bound socket with the bounds above."""
    import uvicorn

    config = uvicorn.Config(app, http=guarded_protocol(), h11_max_incomplete_event_size=HEADER_LIMIT,
                            timeout_keep_alive=KEEP_ALIVE_TIMEOUT, log_level=log_level)
    uvicorn.Server(config).run(sockets=[listener])
