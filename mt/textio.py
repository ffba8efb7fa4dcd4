"""Text files shared by every command: UTF-8 decoding with byte offsets, lines, atomic outputs, segment JSONL."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from mt.errors import InputError

if TYPE_CHECKING:
    from mt.types import Translation


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
    """UTF-8 text from bytes (BOM dropped, CRLF kept as LF), or InputError for binary / invalid UTF-8."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary file (NUL byte at byte offset {nul}), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"invalid UTF-8 at byte offset {exc.start}") from None
    return text.replace("\r\n", "\n")


TMP_PREFIX, TMP_SUFFIX = ".mtbrief-", ".part"  # how a file being written is named until it is complete


@functools.cache
def _file_mode() -> int:
    umask = os.umask(0o22)  # the umask can only be read by setting it: put it straight back
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def open_output(path: str | None, binary: bool = False) -> Iterator[IO]:
    """A text (or binary) stream to a file, written to a temporary file and renamed on success ('-'/None = stdout)."""
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=target.parent)
    try:
        os.fchmod(fd, _file_mode())  # mkstemp makes 0600 files; outputs are ordinary files
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as out:
            yield out
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_output(path: str | None, text: str | bytes) -> None:
    """Write a whole text (or bytes) atomically (None or '-' = stdout)."""
    with open_output(path, binary=isinstance(text, bytes)) as out:
        out.write(text)


def write_segments_jsonl(translation: Translation, name: str, out: IO[str]) -> None:
    """One JSON object per segment: file, paragraph, span, source, target, origin, flags."""
    for seg in translation.segments:
        record = {"file": name, "paragraph": seg.paragraph, "span": list(seg.span), "source": seg.source,
                  "target": seg.target, "origin": seg.origin, "flags": seg.to_dict()["flags"]}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
