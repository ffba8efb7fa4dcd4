"""mt.malloc: the arena cap for CTranslate2 on CPU takes effect, and stays out of the way when it must."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from mt.malloc import limit_malloc_arenas

GLIBC = platform.libc_ver()[0] == "glibc"

# Four live threads each allocate 1 MB; then glibc's malloc_info lists its arenas (one <heap> each).
COUNT_ARENAS = """
import ctypes, sys, tempfile, threading
from mt.malloc import limit_malloc_arenas
if sys.argv[1] != "none":
    print(limit_malloc_arenas(int(sys.argv[1])), file=sys.stderr)
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
barrier, held = threading.Barrier(4), []
def work():
    held.append(bytearray(1 << 20))
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    fp = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(fp)); libc.fclose(ctypes.c_void_p(fp))
    print(open(out.name).read().count("<heap nr="))
"""


def arenas(cap: str, env: dict[str, str] | None = None) -> int:
    """How many arenas a fresh interpreter has after four threads allocate, with the cap (or 'none')."""
    done = subprocess.run([sys.executable, "-c", COUNT_ARENAS, cap], capture_output=True, text=True, check=True,
                          env=env)
    return int(done.stdout.strip())


@pytest.mark.skipif(not GLIBC, reason="the arena cap is glibc's")
def test_the_cap_stops_new_threads_from_taking_arenas_of_their_own():
    import os

    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert arenas("none", env) >= 4  # the main arena plus one per thread, at least three of them
    assert arenas("1", env) == 1


@pytest.mark.parametrize(("count", "env", "expected"), [
    (0, {}, False),  # not a cap
    (1, {"MALLOC_ARENA_MAX": "2"}, False),  # the user's own setting wins; glibc applied it at start-up
])
def test_the_cap_stays_out_of_the_way(monkeypatch, count, env, expected):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert limit_malloc_arenas(count) is expected


@pytest.mark.skipif(not GLIBC, reason="the arena cap is glibc's")
def test_the_cap_is_set_on_glibc(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas(64) is True  # a high cap: this test process keeps its arenas
