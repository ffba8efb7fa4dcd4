"""Progress bars on stderr for the commands (off when quiet or when stderr is not a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress_bar(total: int, quiet: bool, unit: str = "line") -> Callable[..., None]:
    """A tqdm bar on stderr (off when quiet or stderr is not a terminal); returns update(n, *ignored)."""
    if quiet or not sys.stderr.isatty():
        return lambda n, *_: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False)
    return lambda n, *_: bar.update(n)  # translate_lines also reports segments: the bar counts lines
