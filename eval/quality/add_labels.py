"""Add one reader's labels, from a sheet they filled in (`calibrate.py --unlabelled FILE`), to their file in eval/data.

    python eval/quality/add_labels.py FILLED_SHEET eval/data/qe-audit-readerA.tsv

Each reader labels on their own; a second reader's sheet goes to the other file. Lines the file already holds
keep their label (a different label for one of them is an error: readers' files are never silently rewritten).
The file is replaced whole, never half-written; on any error it is left as it was.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from eval.quality.audit import read_labels  # noqa: E402

FIELDS = ("domain", "line", "label", "note")


def add_labels(sheet: Path, reader: Path) -> int:
    """Append the sheet's labelled lines the reader's file lacks; returns how many were added."""
    new = read_labels(sheet)
    known = read_labels(reader)
    clashes = [f"{d} {n}" for (d, n), label in new.items() if known.get((d, n), label) != label]
    if clashes:
        raise ValueError(f"{sheet}: {len(clashes)} lines already labelled otherwise in {reader} "
                         f"(first: {clashes[0]})")
    with sheet.open(encoding="utf-8", newline="") as handle:
        notes = {(row["domain"], int(row["line"])): " ".join((row.get("note") or "").split())
                 for row in csv.DictReader(handle, delimiter="\t")}
    added = [key for key in new if key not in known]
    text = reader.read_text(encoding="utf-8")
    lines = [text.rstrip("\n")] + ["\t".join((d, str(n), new[(d, n)], notes.get((d, n), ""))) for d, n in added]
    partial = reader.with_suffix(".tmp")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(reader)
    return len(added)


def main(argv: list[str] | None = None) -> int:
    """Add the labels; a bad sheet or file exits 2 with one line naming it."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: add_labels.py FILLED_SHEET READER_FILE", file=sys.stderr)
        return 2
    sheet, reader = Path(args[0]), Path(args[1])
    try:
        added = add_labels(sheet, reader)
    except OSError as exc:
        print(f"{exc.filename or sheet}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"{sheet} or {reader}: no {exc} column (expected {', '.join(FIELDS)})", file=sys.stderr)
        return 2
    except ValueError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(message if message.startswith((str(sheet), str(reader))) else f"{sheet}: {message}", file=sys.stderr)
        return 2
    print(f"{reader}: {added} labels added from {sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
