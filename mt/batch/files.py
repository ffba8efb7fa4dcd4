"""Batch translation, file by file: which files to do (selection, manifest, plan) and how one file is done.

Both runners (threads in `mt.batch.runner`, Ray actors in `mt.batch.ray_runner`) call `translate_file`, which never
raises for a bad file: a binary, invalid UTF-8, empty file or broken .jsonl line becomes `FileResult.error`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import os
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mt.documents.base import DOCUMENT_SUFFIXES, is_document
from mt.errors import InputError, printable
from mt.htmltext import has_arabic
from mt.textio import (
    TMP_PREFIX,
    TMP_SUFFIX,
    decode_text,
    open_output,
    text_lines,
)
from mt.writers import unchanged_translation, write_segments_jsonl

if TYPE_CHECKING:
    from mt.translator import Translator

MANIFEST = ".mtbrief-manifest.jsonl"
FAILURES = "failures.tsv"
LOCK = ".mtbrief-lock"
DEFAULT_GLOBS = ("*.txt", "*.md", "*.jsonl", *(f"*{suffix}" for suffix in DOCUMENT_SUFFIXES))
JSONL_GROUP = 256  # .jsonl records translated together: bounds memory, keeps batches full


@dataclass(frozen=True)
class Selection:
    """Which files of the input folder a batch takes, and what it makes of them."""

    input_dir: Path
    output_dir: Path
    recursive: bool = False
    globs: tuple[str, ...] = DEFAULT_GLOBS
    field: str = "text"  # the .jsonl key translated into `<field>_en`
    format: str = "text"  # documents: "text" mirrors the file, "jsonl" writes `<name>.jsonl` segments
    glossary: str = ""  # the glossary's digest: a changed glossary redoes the files (part of the skip key)


@dataclass(frozen=True)
class FileTask:
    """One input file to translate and where its translation goes (paths relative, POSIX style)."""

    rel: str
    source: str  # absolute path of the input file
    output_rel: str
    kind: str  # "document" | "segments" | "jsonl" | "file" (a .docx, .pdf, ... written as a document)
    field: str
    options: str  # what besides the model decides the output; part of the skip key
    sha256: str = ""


@dataclass(frozen=True)
class FileResult:
    """What translating one file gave: the output text, or why it failed."""

    rel: str
    sha256: str
    text: str | None
    error: str | None
    segments: int = 0
    seconds: float = 0.0
    signature: str = ""
    data: bytes | None = None  # the output of a "file" task (a .docx, .pdf, ... document)


@dataclass
class Plan:
    """The files still to do, those a manifest says are done, and those that failed before translation."""

    todo: list[FileTask] = field(default_factory=list)
    skipped: list[FileTask] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


# -- selection and plan ----------------------------------------------------------------------------------

def select_files(sel: Selection) -> list[str]:
    """Relative paths of the selected files, sorted; hidden files and folders are left out."""
    found = []
    for folder, dirs, files in os.walk(sel.input_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if sel.recursive else []
        base = Path(folder).relative_to(sel.input_dir)
        for name in files:
            rel = (base / name).as_posix()
            if not name.startswith(".") and _matches(rel, name, sel.globs):
                found.append(rel)
    return sorted(found)


def _matches(rel: str, name: str, globs: tuple[str, ...]) -> bool:
    # A pattern with a slash is matched against the relative path, otherwise against the file name.
    return any(fnmatch.fnmatchcase(rel if "/" in g else name, g) for g in globs)


def make_task(sel: Selection, rel: str) -> FileTask:
    """The task for one selected file: its kind, output path and skip-key options."""
    source = str(sel.input_dir / rel)
    extra = f";glossary={sel.glossary}" if sel.glossary else ""
    if is_document(rel):  # a PDF's text is written as .docx beside the mirrored name: report.pdf.docx
        return FileTask(rel, source, rel + ".docx" if rel.lower().endswith(".pdf") else rel, "file", sel.field,
                        f"file:document{extra}")
    if rel.endswith(".jsonl"):
        return FileTask(rel, source, rel, "jsonl", sel.field, f"jsonl:field={sel.field}{extra}")
    if sel.format == "jsonl":
        return FileTask(rel, source, rel + ".jsonl", "segments", sel.field, f"document:jsonl{extra}")
    return FileTask(rel, source, rel, "document", sel.field, f"document:text{extra}")


def read_manifest(path: Path) -> dict[str, dict]:
    """The latest manifest entry of each input path; unreadable lines (a torn last write) are ignored."""
    entries: dict[str, dict] = {}
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return entries
    for line in raw.decode("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            entries[entry["path"]] = entry
    return entries


def plan_batch(sel: Selection, signature: str) -> Plan:
    """Hash every selected file and split them into to-do and already-done (same hash, model and options)."""
    done = read_manifest(sel.output_dir / MANIFEST)
    plan, outputs = Plan(), dict[str, str]()
    for rel in select_files(sel):
        task = make_task(sel, rel)
        if task.output_rel in outputs:
            plan.failures.append((rel, f"output {task.output_rel} is also the output of {outputs[task.output_rel]}"))
            continue
        outputs[task.output_rel] = rel
        try:
            if not stat.S_ISREG(os.stat(task.source).st_mode):  # a FIFO or device would block or never end
                plan.failures.append((rel, "not a regular file (a pipe, socket or device)"))
                continue
            digest = file_sha256(Path(task.source))
        except OSError as exc:
            plan.failures.append((rel, f"cannot read: {exc.strerror}"))
            continue
        task = replace(task, sha256=digest)
        entry = done.get(printable(rel), {})
        finished = (entry.get("sha256"), entry.get("signature"), entry.get("options"), entry.get("output"))
        if finished == (digest, signature, task.options, printable(task.output_rel)) \
                and (sel.output_dir / task.output_rel).is_file():
            plan.skipped.append(task)
        else:
            plan.todo.append(task)
    return plan


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- one file --------------------------------------------------------------------------------------------

def translate_file(translator: Translator, task: FileTask) -> FileResult:
    """Translate one file into its output text; a bad file gives a result with `error`, never an exception."""
    start, digest = time.perf_counter(), ""
    signature = str(translator.signature)
    try:
        data = Path(task.source).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if task.kind == "file":
            from mt.documents import translate_document

            result = translate_document(translator, data, task.rel, task.output_rel)
            return FileResult(task.rel, digest, None, None, result.segments, time.perf_counter() - start,
                              signature, result.data)
        text, segments = _translate_bytes(translator, task, data)
    except InputError as exc:
        return FileResult(task.rel, digest, None, exc.problem, signature=signature)
    except OSError as exc:
        return FileResult(task.rel, digest, None, f"cannot read: {exc.strerror}", signature=signature)
    except Exception as exc:  # noqa: BLE001 - one file's surprise must not stop a batch of thousands
        return FileResult(task.rel, digest, None, f"{type(exc).__name__}: {exc}", signature=signature)
    return FileResult(task.rel, digest, text, None, segments, time.perf_counter() - start, signature)


def _translate_bytes(translator: Translator, task: FileTask, data: bytes) -> tuple[str, int]:

    if not data:
        raise InputError(task.rel, "empty file")
    text = decode_text(data, task.rel)
    if task.kind == "jsonl":
        return translate_jsonl(translator, text, task.rel, task.field)
    if task.kind == "segments":
        return translate_segments(translator, text, task.rel)
    return translate_document(translator, text)


def translate_document(translator: Translator, text: str) -> tuple[str, int]:
    """A text file translated line by line, exactly as `mtbrief translate FILE` does; and its segment count."""
    lines = text_lines(text)
    if not has_arabic(text):  # as `mtbrief translate FILE` and the API: no Arabic letter, nothing to translate
        return "".join(line + "\n" for line in lines), 0
    segments = 0

    def count(_lines: int, n_segments: int) -> None:
        nonlocal segments
        segments += n_segments

    english = "".join(line + "\n" for line in translator.translate_lines(lines, on_progress=count))
    return english, segments


def translate_segments(translator: Translator, text: str, name: str) -> tuple[str, int]:
    """A text file as JSON Lines, one object per segment, as `mtbrief translate --format jsonl` writes."""
    translation = translator.translate(text) if has_arabic(text) else unchanged_translation(translator, text)
    out = io.StringIO()
    write_segments_jsonl(translation, name, out)
    return out.getvalue(), len(translation.segments)


def translate_jsonl(translator: Translator, text: str, name: str, key: str) -> tuple[str, int]:
    """JSON Lines with `<key>_en` added to every object (other keys and their order kept; blank lines kept)."""
    lines = text_lines(text)
    records: list[dict | None] = [_record(line, number, name, key) for number, line in enumerate(lines, 1)]
    values = [record[key] for record in records if record is not None]
    english: list[str] = list(values)  # a value with no Arabic letter stays as it is (as the API answers)
    todo = [i for i, value in enumerate(values) if has_arabic(value)]
    segments = 0
    for start in range(0, len(todo), JSONL_GROUP):
        # Each value is its own document (e.g. its own final-ya decision); a group's sentences share batches.
        group = todo[start: start + JSONL_GROUP]
        for i, translation in zip(group, translator.translate_batch([values[i] for i in group]), strict=True):
            english[i] = translation.text
            segments += len(translation.segments)
    out, done = [], iter(english)
    for record in records:
        if record is not None:
            record[f"{key}_en"] = next(done)
        out.append("" if record is None else json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in out), segments


def _record(line: str, number: int, name: str, key: str) -> dict | None:
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(name, f"line {number}: not JSON ({exc.msg} at column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits; nesting too deep
        raise InputError(name, f"line {number}: not usable JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(record, dict):
        raise InputError(name, f"line {number}: not a JSON object")
    if key not in record:
        raise InputError(name, f"line {number}: no field {key!r}")
    if not isinstance(record[key], str):
        raise InputError(name, f"line {number}: field {key!r} is {type(record[key]).__name__}, not a string")
    return record


# -- atomic output ---------------------------------------------------------------------------------------

def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file through a temporary file in the same folder and os.replace: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_output(str(path), binary=isinstance(text, bytes)) as out:
        out.write(text)


def remove_stale_temporaries(output_dir: Path) -> int:
    """Delete the temporary files a killed batch left in its output folder; how many."""
    removed = 0
    for folder, _dirs, files in os.walk(output_dir):
        for name in files:
            if name.startswith(TMP_PREFIX) and name.endswith(TMP_SUFFIX):
                (Path(folder) / name).unlink(missing_ok=True)
                removed += 1
    return removed
