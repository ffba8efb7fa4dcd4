"""Stand-ins for the Hugging Face hub on 127.0.0.1 (never a real outside address): a closed port, a socket that
accepts and never answers, and a small HTTP server that serves one model folder or fails in a chosen way."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from eval.speed.load import free_port

SHA = "0123456789abcdef0123456789abcdef01234567"


def closed_port() -> str:
    """An endpoint where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never sends a byte."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@contextmanager
def fake_hub(mode: str, model_dir: Path | None = None) -> Iterator[str]:
    """An HTTP hub: mode 'ok' serves model_dir; 'status:N' answers N to everything; 'garbage' answers bytes
    that are not HTTP; 'files:404' lists the model but cannot serve its files; 'stall' sends headers only."""
    files = {p.name: p.read_bytes() for p in sorted(model_dir.iterdir())} if model_dir else {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            """No access log: the tests' output stays readable."""

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if mode == "garbage":
                self.wfile.write(b"\x00\xffnot http at all\r\n\r\n")
                return
            if mode.startswith("status:"):
                self._send(int(mode.split(":")[1]), b'{"error": "nope"}', {"Content-Type": "application/json"})
                return
            if mode == "stall":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                threading.Event().wait(60)
                return
            path = self.path.split("?")[0]
            if path.startswith("/api/models/") and "/tree/" in path:
                tree = [{"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                        for name, data in files.items()]
                self._send(200, json.dumps(tree).encode(), {"Content-Type": "application/json"})
            elif path.startswith("/api/models/"):
                info = {"id": "org/model", "sha": SHA, "siblings": [{"rfilename": name} for name in files]}
                self._send(200, json.dumps(info).encode(), {"Content-Type": "application/json"})
            elif "/resolve/" in path and mode == "ok" and path.rsplit("/", 1)[1] in files:
                data = files[path.rsplit("/", 1)[1]]
                self._send(200, data, {"ETag": f'"{hashlib.sha256(data).hexdigest()}"', "X-Repo-Commit": SHA})
            else:
                self._send(404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"})

        do_HEAD = do_GET  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
