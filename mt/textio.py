"""Text files shared by every command: UTF-8 decoding with byte offsets, lines, atomic outputs, segment JSONL."""

from __future__ import annotations

import functools
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from mt.errors import InputError
from mt.outputs import STDOUT_NAMES, is_special


def read_text_input(path: str) -> str:
    """The text of a file ('-' = stdin), or InputError naming the file and the problem."""
    return decode_text(read_bytes_input(path), "<stdin>" if path == "-" else path)


def read_bytes_input(path: str) -> bytes:
    """The bytes of a file ('-' = stdin), or InputError naming the file and the problem."""
    if path == "-":
        return sys.stdin.buffer.read()
    file = Path(path)
    if file.is_dir():
        raise InputError(path, "is a directory; to translate a folder use `mtbrief translate DIR -o OUTDIR`")
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None


def text_lines(text: str) -> list[str]:
    """The lines of a text; a final newline ends the last line rather than adding an empty one."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text from bytes (BOM dropped, CRLF kept as LF), or InputError for binary / invalid UTF-8 / UTF-16."""
    wide = _wide_encoding(data)
    if wide:
        raise InputError(name, f"looks like {wide}, expected UTF-8 text; convert it with "
                               f"`iconv -f {wide} -t UTF-8 FILE > FILE.utf8`")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary file (NUL byte at byte offset {nul}), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"invalid UTF-8 at byte offset {exc.start}") from None
    return text.replace("\r\n", "\n")


def _wide_encoding(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes look like it (a byte-order mark, or one byte of each pair always
    NUL as in Latin text, or always 0x06 as in Arabic text), else None."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0::2], head[1::2]
    for high, low in ((even, odd), (odd, even)):
        if high.count(0) + high.count(6) >= 0.6 * pairs and low.count(0) < 0.2 * pairs:
            if high.count(0):
                return "UTF-16"
            try:
                head[: pairs * 2].decode("utf-8")
            except UnicodeDecodeError:
                return "UTF-16"
    return None


TMP_PREFIX, TMP_SUFFIX = ".mtbrief-", ".part"  # how a file being written is named until it is complete


@functools.cache
def _file_mode() -> int:
    umask = os.umask(0o22)  # the umask can only be read by setting it: put it straight back
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def open_output(path: str | None, binary: bool = False) -> Iterator[IO]:
    """A text (or binary) stream to a file, written to a temporary file and renamed on success ('-'/None = stdout).

    A link to a file writes the file (the link is kept); a device, FIFO or link to one is written directly.
    OSError while writing becomes InputError naming the path; the temporary file is always removed.
    """
    if path is None or path in STDOUT_NAMES:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    if is_special(path):
        with _write_errors(path), _open_stream(path, binary) as out:
            yield out
        return
    target = Path(os.path.realpath(path))
    with _write_errors(path):
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with _write_errors(path):
            # mkstemp makes 0600 files; an output is an ordinary file, or keeps the mode of the one it replaces
            mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else _file_mode()
            os.fchmod(fd, mode)
            with _open_stream(fd, binary) as out:
                yield out
            os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _open_stream(file: str | int, binary: bool) -> IO:
    return open(file, "wb") if binary else open(file, "w", encoding="utf-8", newline="\n")  # noqa: SIM115


@contextmanager
def _write_errors(path: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None


def write_output(path: str | None, text: str | bytes) -> None:
    """Write a whole text (or bytes) atomically (None or '-' = stdout)."""
    with open_output(path, binary=isinstance(text, bytes)) as out:
        out.write(text)
