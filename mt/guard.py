"""How a command ends: one line on stderr and an exit code for every failure, never a traceback.

Exit codes: 0 done; 1 some files of a batch failed (the others are done); 2 bad input, option, output path or
model (nothing written); 70 an internal error (a bug: the line says how to get the traceback); 130 Ctrl-C;
143 SIGTERM. Interrupted runs remove their temporary files either way.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from mt.errors import MtbriefError

EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED = 70, 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every `finally` cleans up exactly as for Ctrl-C."""


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise Terminated()


def _silence_stdout() -> None:
    # What is still buffered would be flushed again at exit and fail again ("Exception ignored ..."):
    # point the descriptor at /dev/null so that last flush succeeds quietly.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout replaced by an object without a descriptor
        pass


class StdoutError(OSError):
    """Standard output cannot take more bytes (a full disk, a quota, an I/O error)."""


class _GuardedStdout:
    """sys.stdout as it is, except that its write errors say they are stdout's (a full disk gives an OSError
    with no file name, like any other stream's)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write to the real stream; its OSError becomes StdoutError (a closed pipe stays BrokenPipeError)."""
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from None

    def flush(self) -> None:
        """Flush the real stream, with the errors of write."""
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _error(message: str) -> None:
    print(f"mtbrief: error: {message}", file=sys.stderr, flush=True)


def run_command(func: Callable[[Any], int | None], args: Any) -> int:
    """Run a subcommand; every failure becomes one line on stderr and an exit code (see the module doc)."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    stdout = sys.stdout
    sys.stdout = _GuardedStdout(stdout)
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()
        return code
    except MtbriefError as exc:
        _error(str(exc))
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
        _silence_stdout()
        return 0
    except KeyboardInterrupt as exc:
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except StdoutError as exc:
        _error(f"<stdout>: cannot write: {exc.strerror}")
        _silence_stdout()
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug still ends in one line; MTBRIEF_DEBUG=1 shows the traceback
        return _internal(exc)
    finally:
        sys.stdout = stdout
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _internal(exc: BaseException) -> int:
    if os.environ.get("MTBRIEF_DEBUG"):
        raise exc
    _error(f"internal error {type(exc).__name__}: {exc} (a bug: please report it with the traceback "
           "that MTBRIEF_DEBUG=1 shows)")
    return EXIT_INTERNAL
