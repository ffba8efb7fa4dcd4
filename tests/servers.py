"""What tests that start `mtbrief serve` as a process share: waiting for it to answer /health."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path


def wait_until_healthy(port: int, proc: subprocess.Popen, log: Path, seconds: float) -> None:
    """Return once the server on `port` answers /health; fail with its log if it exits or takes over `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
