"""glibc malloc arenas for CTranslate2 on CPU: one per decoding worker instead of one per thread.

glibc gives each thread that allocates its own arena (up to 8 per core). CTranslate2's decoding buffers are freed
by its worker and compute threads into their arenas, where the other threads cannot reuse them, so a process
holds several copies of the decoding workspace. Capping the arenas at the number of workers kept speed and cut
peak RSS by 45–53 MB on the opus-mt base shape (3–40 MB on big) and the RSS left after decoding by 40–50%
(random-weight models, eval/README.md "Memory").
"""

from __future__ import annotations

import ctypes
import os
import platform

M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h


def limit_malloc_arenas(count: int) -> bool:
    """Cap glibc's malloc arenas at `count` (M_ARENA_MAX); whether it was set by this call.

    Nothing is changed where the C library is not glibc, or where $MALLOC_ARENA_MAX is set (glibc already applied
    the user's choice at start-up). A cap only limits arenas created from now on."""
    if count < 1 or "MALLOC_ARENA_MAX" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, count))
