"""Shared checks of the hostile-input suites (tests/test_hostile_*.py): one line, the right exit code, no
traceback, no hang, nothing left half-written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AR = "قتل 24 شخصا في القصف.\n"
NOBODY = 65534


def check_failure(code: int, err: str, expected_code: int, pattern: str) -> None:
    """Exit code as expected, stderr exactly one `mtbrief: error:` line matching pattern, no traceback."""
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("mtbrief: error: ")]
    assert len(errors) == 1, err
    assert re.search(pattern, errors[0]), errors[0]
    assert code == expected_code, (code, err)


def no_temporaries(folder: Path) -> list[str]:
    """Names of temporary output files left anywhere under folder (must be none)."""
    return [str(p) for p in folder.rglob(".mtbrief-*.part")]


def cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 120, stdin: bytes = b"",
        user: int | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `mtbrief ARGS` in a fresh process (as `user` when given); fails the test on a hang."""
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    env = {**(env or os.environ), "PYTHONPATH": str(ROOT)}
    return subprocess.run([*prefix, sys.executable, "-m", "mt.cli", *args], input=stdin, capture_output=True,
                          env=env, timeout=timeout, cwd=cwd)


def open_folder() -> Path:
    """A temporary folder another user can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="mtbrief-hostile-"))
    folder.chmod(0o755)
    return folder


def can_switch_user() -> bool:
    """True when tests may run `mtbrief` as `nobody` (root, with setpriv, and a checkout and Python that nobody
    can read, which a clone in a private folder is not): read-only cases need a non-root user."""
    if os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                                sys.executable, "-c", "import mt.cli"], capture_output=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd="/", timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0
