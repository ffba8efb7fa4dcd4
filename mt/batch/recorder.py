"""The batch's bookkeeping: finished outputs written atomically, the manifest, failures.tsv, progress, summary."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import IO

from mt.batch.files import FAILURES, MANIFEST, FileResult, FileTask, Selection, write_atomic
from mt.errors import InputError, printable


class Recorder:
    """Writes finished files and manifest lines, counts, shows progress; used from one thread only."""

    def __init__(self, output_dir: Path, signature: str, total: int, quiet: bool) -> None:
        self.output_dir, self.signature = output_dir, signature
        self.ok = self.segments = 0
        self.failures: list[tuple[str, str]] = []
        self.started = time.perf_counter()
        self._manifest: IO[str] | None = None
        self._total, self._quiet, self._bar = total, quiet, None

    def __enter__(self) -> Recorder:
        path = self.output_dir / MANIFEST
        self._manifest = path.open("a", encoding="utf-8", newline="\n")
        if _ends_torn(path):  # a run killed mid-line: start on a fresh line so the next entry stays readable
            self._manifest.write("\n")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._manifest:
            self._manifest.close()
        self._close_bar()

    def start(self) -> None:
        """Start the clock and the progress bar once the model is loaded, so rate and ETA are the translation's."""
        self.started = time.perf_counter()
        self._bar = _progress(self._total, self._quiet)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def record(self, task: FileTask, result: FileResult) -> None:
        """Write one file's output atomically and then its manifest line, or note why it failed."""
        if result.error is None and result.signature != self.signature:
            result = replace(result, error=f"translated by {result.signature}, expected {self.signature}")
        if result.error is not None:
            self.fail(task.rel, result.error)
            return
        try:
            output = result.data if result.data is not None else result.text or ""
            write_atomic(self.output_dir / task.output_rel, output)
        except (OSError, InputError) as exc:  # e.g. a name too long once .jsonl is added: this file fails, not all
            self.fail(task.rel, f"cannot write {printable(task.output_rel)}: {getattr(exc, 'problem', exc)}")
            return
        # Names that are not UTF-8 are recorded escaped (plan_batch looks them up the same way).
        entry = {"path": printable(task.rel), "sha256": result.sha256, "signature": result.signature,
                 "options": task.options, "output": printable(task.output_rel), "segments": result.segments,
                 "seconds": round(result.seconds, 3)}
        assert self._manifest is not None, "use Recorder as a context manager"
        self._manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._manifest.flush()
        self.ok += 1
        self.segments += result.segments
        self._advance()

    def fail(self, rel: str, reason: str) -> None:
        """Note a file that could not be translated."""
        self.failures.append((printable(rel), reason))
        self._advance()

    def _advance(self) -> None:
        if self._bar is None:
            return
        rate = self.segments / max(time.perf_counter() - self.started, 1e-9)
        self._bar.set_postfix_str(f"{self.segments} sentences, {rate:.1f} sentences/s", refresh=False)
        self._bar.update(1)

    def finish(self, sel: Selection, skipped: int) -> int:
        """Write (or clear) failures.tsv, print the summary on stderr; 0 if nothing failed, else 1."""
        seconds = time.perf_counter() - self.started
        self._close_bar()  # before the summary, so the two do not share a line
        failures_file = self.output_dir / FAILURES
        if self.failures:
            rows = ["path\treason"] + [f"{_cell(rel)}\t{_cell(why)}" for rel, why in sorted(self.failures)]
            write_atomic(failures_file, "\n".join(rows) + "\n")
        else:
            failures_file.unlink(missing_ok=True)  # a stale list from an earlier run would mislead
        if self.ok + len(self.failures) + skipped == 0:
            print(f"mtbrief: no file in {sel.input_dir} matches {' '.join(sel.globs)}"
                  + ("" if sel.recursive else " (subfolders need --recursive)"), file=sys.stderr)
        rate = self.segments / seconds if seconds > 0 else 0.0
        print(f"mtbrief: {self.ok} ok, {len(self.failures)} failed, {skipped} skipped; "
              f"{self.segments} sentences in {seconds:.1f} s ({rate:.1f} sentences/s)", file=sys.stderr)
        if self.failures:
            print(f"mtbrief: the failed files and why: {failures_file}", file=sys.stderr)
        return 1 if self.failures else 0


def _ends_torn(path: Path) -> bool:
    with path.open("rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def _cell(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")  # one TSV cell


def _progress(total: int, quiet: bool):
    if quiet or total == 0 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, leave=False)
