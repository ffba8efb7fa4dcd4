"""The reports a digest reads: files, folders (every format the batch reads) and JSONL, one report a line.

A bad report (empty, no Arabic, not a JSON object, unreadable) becomes a ReportFailure and the others go on;
only whole-input problems (no input, too many reports, a missing path) raise InputError.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mt.errors import InputError, printable
from mt.htmltext import has_arabic

MAX_REPORTS = 50_000  # a month of many outlets; more is a different job (split it by days)
MAX_REPORT_CHARS = 200_000  # a report longer than this is not one news report (a book, a dump): refused alone
OPTIONAL_FIELDS = ("id", "title", "source", "time", "url")


@dataclass(frozen=True)
class Report:
    """One news report: its Arabic text and what the outlet says about it."""

    id: str
    text: str
    title: str = ""
    source: str = ""
    time: dt.datetime | None = None  # timezone-aware (UTC when the input gave no zone)
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (time as ISO 8601)."""
        return {"id": self.id, "title": self.title, "source": self.source,
                "time": self.time.isoformat() if self.time else None, "url": self.url}


@dataclass(frozen=True)
class ReportFailure:
    """A report that could not be read or used, and why."""

    id: str
    problem: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-safe dict."""
        return {"id": self.id, "problem": self.problem}


def parse_time(value: object) -> dt.datetime | None:
    """An ISO 8601 time (a zone-less one is taken as UTC); ValueError for anything else."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"time is {type(value).__name__}, not an ISO 8601 string")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"time {value[:40]!r} is not ISO 8601 (e.g. 2018-03-01T05:53:40+00:00)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def make_report(record: object, default_id: str) -> Report:
    """A Report from one JSON record; ValueError naming the problem (not an object, no text, no Arabic...)."""
    if not isinstance(record, dict):
        raise ValueError(f"not a JSON object but {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("no field 'text'" if text is None else f"field 'text' is {type(text).__name__}")
    fields = {}
    for name in ("id", "title", "source", "url"):
        value = record.get(name)
        if value is not None and not isinstance(value, (str, int)):
            raise ValueError(f"field {name!r} is {type(value).__name__}, not a string")
        fields[name] = "" if value is None else str(value)
    report = Report(fields["id"] or default_id, text, fields["title"], fields["source"],
                    parse_time(record.get("time")), fields["url"])
    check_report(report)
    return report


def check_report(report: Report) -> None:
    """ValueError for a report a digest cannot use: empty, too long, or with no Arabic."""
    if not report.text.strip():
        raise ValueError("empty report")
    if len(report.text) > MAX_REPORT_CHARS:
        raise ValueError(f"{len(report.text):,} characters, more than the {MAX_REPORT_CHARS:,} a report may have")
    if not has_arabic(report.text):
        raise ValueError("no Arabic text")


def jsonl_reports(text: str, name: str) -> Iterator[Report | ReportFailure]:
    """The reports of a JSONL text, one per non-blank line; a bad line is a failure named FILE:LINE."""
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            yield ReportFailure(where, f"not JSON ({detail})")
            continue
        given = record.get("id") if isinstance(record, dict) else None
        try:
            yield make_report(record, where)
        except ValueError as exc:  # named by its own id when it has one, as its digest entry would be
            yield ReportFailure(str(given) if isinstance(given, (str, int)) and str(given) else where, str(exc))


def file_reports(path: Path, name: str) -> Iterator[Report | ReportFailure]:
    """The report(s) of one file: a JSONL file gives one per line, any other file (text or document) one."""
    from mt.documents.base import is_document
    from mt.documents.core import document_text
    from mt.textio import decode_text

    try:
        if path.stat().st_size > MAX_REPORT_CHARS * 4 and path.suffix != ".jsonl":
            yield ReportFailure(name, f"{path.stat().st_size:,} bytes, too large for one report")
            return
        data = path.read_bytes()
        if path.suffix == ".jsonl":
            yield from jsonl_reports(decode_text(data, name), name)
            return
        text = document_text(data, name) if is_document(str(path)) else decode_text(data, name)
        report = Report(name, text)
        check_report(report)
        yield report
    except OSError as exc:
        yield ReportFailure(name, f"cannot read: {exc.strerror or exc}")
    except InputError as exc:
        yield ReportFailure(name, exc.problem)
    except ValueError as exc:
        yield ReportFailure(name, str(exc))


def folder_files(folder: Path) -> list[tuple[Path, str]]:
    """The files of a folder the batch would read (recursively, hidden ones left out), with relative names."""
    from mt.batch.files import Selection, select_files

    return [(folder / rel, rel) for rel in select_files(Selection(folder, folder, recursive=True))]


def read_reports(inputs: Sequence[str], limit: int = MAX_REPORTS) -> tuple[list[Report], list[ReportFailure]]:
    """Every report of the inputs (files, folders, JSONL), and the failures; InputError for a whole-input error."""
    if not inputs:
        raise InputError("INPUT", "no input given: name files, folders or a .jsonl file")
    items: list[Report | ReportFailure] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for file, rel in folder_files(path):
                items.extend(file_reports(file, rel))
        elif path.exists():
            items.extend(file_reports(path, given))
        else:
            raise InputError(given, "no such file or folder")
        if len(items) > limit:
            raise InputError(given, f"more than {limit:,} reports; digest at most {limit:,} at once (split by days)")
    return collect(items, limit)


def collect(items: Iterable[Report | ReportFailure], limit: int = MAX_REPORTS,
            name: str = "reports") -> tuple[list[Report], list[ReportFailure]]:
    """Reports and failures apart; a repeated id is made unique (#2, #3...); InputError past the limit."""
    reports: list[Report] = []
    failures: list[ReportFailure] = []
    seen: dict[str, int] = {}  # id as given -> how many times
    used: set[str] = set()  # ids handed out: a renamed "a#2" must not take the id of a report called "a#2"
    for item in items:
        if isinstance(item, ReportFailure):
            failures.append(ReportFailure(printable(item.id), item.problem))
            continue
        count = seen[item.id] = seen.get(item.id, 0) + 1
        if count > 1 or item.id in used:
            while f"{item.id}#{count}" in used:
                count += 1
            item = Report(f"{item.id}#{count}", item.text, item.title, item.source, item.time, item.url)
        used.add(item.id)
        reports.append(item)
        if len(reports) > limit:
            raise InputError(name, f"more than {limit:,} reports; digest at most {limit:,} at once (split by days)")
    return reports, failures
