"""Where outputs may go, checked before any model loads: a bad -o fails at once in one line and loses no work."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from mt.errors import InputError

# Names that mean "the standard output" ('-' and what a shell user types); written to sys.stdout itself.
STDOUT_NAMES = frozenset({"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})


def is_special(path: str) -> bool:
    """True for an existing output that is not a regular file or folder (device, FIFO, socket, or a link to one).

    Such a target is written directly: replacing it with a renamed temporary file would destroy the device or
    pipe (and, for /dev/stdout, send nothing to the terminal).
    """
    try:
        mode = os.stat(path).st_mode  # follows links: a link to a pipe is a pipe
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _missing_folder(folder: Path) -> str:
    """Why a folder cannot hold new files: the nearest ancestor that is missing or not a folder."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        return f"{probe} is a file, not a folder"
    return f"the folder {folder} does not exist"


def _writable_folder(folder: Path) -> str | None:
    """None when new files can be made in `folder`, else the reason."""
    if not folder.is_dir():
        return _missing_folder(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    return None


def _name_too_long(path: Path) -> str | None:
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        return None
    size = len(os.fsencode(path.name)) + len(".mtbrief-.part") + 8  # the temporary file's name is longer
    return f"the file name is too long for this file system ({limit} bytes at most)" if size > limit else None


def check_output_path(path: str | None, inputs: Sequence[str] = ()) -> None:
    """InputError unless `path` can take an output file: its folder exists and is writable, it is not a folder,
    not read-only, and not one of the inputs (which it would overwrite). None or a stdout name always can."""
    if path is None or path in STDOUT_NAMES:
        return
    if not path.strip():
        raise InputError(repr(path), "empty output file name")
    if os.path.isdir(path):
        raise InputError(path, "is a folder; -o names an output file (a folder input writes a folder of outputs)")
    if is_special(path):
        if not os.access(path, os.W_OK):
            raise InputError(path, "cannot be written (permission denied)")
        return
    real = Path(os.path.realpath(path))  # a link to a file: the file is written, the link kept
    problem = _name_too_long(real) or _writable_folder(real.parent)
    if problem:
        raise InputError(path, problem)
    exists = os.path.exists(real)
    for name in inputs:
        if name not in STDOUT_NAMES and exists and os.path.exists(name) and os.path.samefile(real, name):
            raise InputError(path, f"is the input file {name}: it would be overwritten; choose another output file")
    if exists and not os.access(real, os.W_OK):
        raise InputError(path, "is read-only; remove it or choose another output file")


def check_output_folder(path: str) -> None:
    """InputError unless `path` is (or can be made as) a writable folder of outputs."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise InputError(path, "exists and is not a folder; name an output folder")
    if folder.is_dir():
        problem = None if os.access(folder, os.W_OK | os.X_OK) else "is not writable"
    else:
        parent = folder.absolute().parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent  # makedirs creates every missing level under the nearest existing one
        problem = _writable_folder(parent)
        if problem:
            problem = f"cannot be created: {problem}"
    if problem:
        raise InputError(path, problem)
