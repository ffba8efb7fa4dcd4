"""What a server enforces: its settings (limits, keys) and the per-key / per-IP rate limiter."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError, InvalidOption


@dataclass(frozen=True)
class ServerSettings:
    """What `mtbrief serve` listens on and enforces; every limit is checked before any model work."""

    host: str = "127.0.0.1"
    port: int = 7860
    char_limit: int = 20_000  # characters per request, all texts of a batch together
    batch_limit: int | None = None  # texts per request (None: bounded by char_limit only)
    api_keys: frozenset[str] = frozenset()  # empty: no key needed
    requests_per_minute: int | None = None  # per key when keys are set, else per client IP
    concurrency: int = 32  # requests translated at once (API and UI each); their segments share engine batches
    queue_limit: int = 4096  # segments waiting for the engine; beyond it, 503 with Retry-After
    batch_wait_ms: float = 5.0  # how long a batch that is not full waits for other requests' segments
    max_body_bytes: int | None = None  # None: derived from char_limit
    suggestions: bool = False  # POST /suggest stores corrections (LibreTranslate: off by default)
    file_size_limit: int = 10  # MB per uploaded document (POST /translate_file, the UI's upload)
    # Characters of one digest's reports (texts and titles): a day of many outlets (ANT's busiest day of five
    # outlets holds 248,094). A digest translates only what it shows (about a tenth), so it gets its own limit.
    digest_char_limit: int = 1_000_000

    def __post_init__(self) -> None:
        for name in ("char_limit", "concurrency", "batch_limit", "requests_per_minute", "max_body_bytes",
                     "file_size_limit", "queue_limit", "digest_char_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidOption(name.replace("_", "-"), value, ["an integer >= 1"])
        if not 0 <= self.batch_wait_ms <= 1000:
            raise InvalidOption("batch-wait-ms", self.batch_wait_ms, ["0..1000 milliseconds"])
        if not 0 <= self.port <= 65535:
            raise InvalidOption("port", self.port, ["0..65535"])

    @property
    def body_limit(self) -> int:
        """Largest request body accepted, in bytes (JSON may spend 6 bytes on one escaped character)."""
        return self.max_body_bytes or 65_536 + 8 * self.char_limit

    @property
    def digest_body_limit(self) -> int:
        """Largest body of POST /digest: its reports' characters as JSON, escaped, plus the fields around them."""
        return 65_536 + 8 * self.digest_char_limit

    @property
    def file_size_bytes(self) -> int:
        """Largest uploaded document, in bytes."""
        return self.file_size_limit * 2**20

    @property
    def upload_limit(self) -> int:
        """Largest body of an upload (POST /translate_file, the UI's file upload): a document and its form."""
        return max(self.body_limit, self.file_size_bytes + 65_536)

    def path_limits(self) -> dict[str, int]:
        """Body limits of the paths that take more than a translation request: documents and digests."""
        return {"/translate_file": self.upload_limit, "/gradio_api/upload": self.upload_limit,
                "/digest": self.digest_body_limit}


class RateLimiter:
    """Sliding window: at most `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one request: 0.0 when allowed, else the seconds until one more would be."""
        now = self.clock()
        with self._lock:
            if len(self._hits) > 10_000:  # many idle clients: drop the expired ones so memory stays bounded
                self._hits = {k: h for k, h in self._hits.items() if h and h[-1] > now - self.window}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            return 0.0


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
