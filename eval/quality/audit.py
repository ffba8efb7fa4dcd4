"""The human translations the verdict flags, as a sheet two readers label, and the false alarms they confirm.

A flag on a "correct" human translation is only a false alarm where the English does say what the Arabic says.
Parallel corpora hold lines where it does not (the UN English cites 1992 where the Arabic says 1999; a date or a
clause is missing on one side), and a flag there is right. `calibrate_qe.py --flagged FILE` writes every human
line that a held-out (leave-one-domain-out) verdict or the number check flags; two readers label each line on
their own (LABELS); `audit_summary` counts a flag as a false alarm unless both readers call its line not faithful.
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = ("eval/data/qe-audit-readerA.tsv", "eval/data/qe-audit-readerB.tsv")  # the readers: eval/data/README.md
LABELS = ("faithful", "numbers_differ", "content_missing", "content_added", "misaligned")
SHEET_FIELDS = ("domain", "line", "flags", "arabic", "english")
BLIND_FIELDS = ("domain", "line", "arabic", "english", "label", "note")  # what a reader sees and fills in


def flagged_rows(table: dict, rows, flagged) -> list[tuple[str, int, str]]:
    """(domain, global line, flag kinds) of each human translation among `rows` flagged by the verdict or numbers."""
    out = []
    for i, verdict in zip(rows, flagged, strict=True):
        if table["kind"][i] != "human":
            continue
        kinds = [name for name, on in (("verdict", verdict), ("number", table["any_number_flag"][i])) if on]
        if kinds:
            out.append((str(table["domain"][i]), int(table["line"][i]), "+".join(kinds)))
    return out


def write_sheet(path: Path, flagged: list[tuple[str, int, str]], texts: dict[str, tuple[list, list, int]],
                blind: bool = False) -> int:
    """Write the sheet (one line per flagged human translation, line numbers within their domain); returns rows.
    blind: a sheet for readers (BLIND_FIELDS): no flag kinds, empty label and note columns to fill in."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(BLIND_FIELDS if blind else SHEET_FIELDS)
        for domain, line, kinds in flagged:
            arabic, english, base = texts[domain]
            local = line - base
            texts_of_line = [_one_line(arabic[local]), _one_line(english[local])]
            writer.writerow([domain, local, *texts_of_line, "", ""] if blind else [domain, local, kinds,
                                                                                 *texts_of_line])
    return len(flagged)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read_labels(path: Path) -> dict[tuple[str, int], str]:
    """(domain, line) -> label from a reader's sheet (columns domain, line, label); unknown labels are an error."""
    labels = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            label = row["label"].strip()
            if label not in LABELS:
                raise ValueError(f"{path}: line {row['line']} of {row['domain']}: label {label!r} is not one of "
                                 f"{', '.join(LABELS)}")
            labels[(row["domain"], int(row["line"]))] = label
    return labels


def audit_summary(flagged: list[tuple[str, int, str]], readers: list[dict[tuple[str, int], str]],
                  bases: dict[str, int], lines: dict[str, int]) -> dict:
    """Per domain: human translations flagged (any flag, number flags) before and after the readers' audit.

    A flag counts as a false alarm unless every reader calls the line not faithful (whatever the reason each
    gives): a line one reader calls faithful, or that no reader saw (`unlabelled`), counts as a false alarm.
    `readers_split`: lines the readers label differently. `confirmed_by_label`: the confirmed flags by the first
    reader's label. The denominator stays every human line: the audit reads only flagged lines.
    """
    out: dict = {}
    for domain, base in bases.items():
        rows = [(line - base, kinds) for d, line, kinds in flagged if d == domain]
        verdicts = [[reader.get((domain, line)) for reader in readers] for line, _ in rows]
        faithful = [None in labels or "faithful" in labels for labels in verdicts]
        number = ["number" in kinds for _, kinds in rows]
        number_alarms = sum(f and k for f, k in zip(faithful, number, strict=True))
        n = lines[domain]
        out[domain] = {
            "lines": n, "flagged": len(rows), "flagged_share": round(len(rows) / n, 4),
            "number_flagged": sum(number), "number_flagged_share": round(sum(number) / n, 4),
            "false_alarms": sum(faithful), "false_alarm_share": round(sum(faithful) / n, 4),
            "number_false_alarms": number_alarms, "number_false_alarm_share": round(number_alarms / n, 4),
            "unlabelled": sum(None in labels for labels in verdicts),
            "readers_split": sum(None not in labels and len(set(labels)) > 1 for labels in verdicts),
            "confirmed_by_label": _count_labels(verdicts, faithful)}
    return out


def _count_labels(verdicts: list[list[str | None]], faithful: list[bool]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for labels, is_alarm in zip(verdicts, faithful, strict=True):
        if not is_alarm:
            counts[labels[0]] = counts.get(labels[0], 0) + 1
    return counts


def agreement(readers: list[dict[tuple[str, int], str]]) -> dict:
    """Two readers' agreement on the shared lines: on the label, and on faithful vs not (with Cohen's kappa)."""
    a, b = readers
    shared = sorted(set(a) & set(b))
    if not shared:
        return {"lines": 0, "same_label": 0, "same_faithful": None, "kappa_faithful": None}
    same = sum(a[k] == b[k] for k in shared)
    fa = [a[k] == "faithful" for k in shared]
    fb = [b[k] == "faithful" for k in shared]
    observed = sum(x == y for x, y in zip(fa, fb, strict=True)) / len(shared)
    pa, pb = sum(fa) / len(shared), sum(fb) / len(shared)
    expected = pa * pb + (1 - pa) * (1 - pb)
    return {"lines": len(shared), "same_label": same, "same_faithful": round(observed, 4),
            "kappa_faithful": round((observed - expected) / (1 - expected), 3) if expected < 1 else 1.0}


def audit(sheet: list[tuple[str, int, str]], read: dict) -> dict:
    """The readers' agreement, and each held-out domain's flags before and after their audit (read: per domain,
    its "lines" and the "base" of its global line numbers)."""
    readers = [read_labels(ROOT / path) for path in READERS]
    return {"readers": list(READERS), "agreement": agreement(readers),
            "held_out_domains": audit_summary(sheet, readers, {n: r["base"] for n, r in read.items()},
                                              {n: r["lines"] for n, r in read.items()})}


def unlabelled(sheet: list[tuple[str, int, str]], read: dict) -> list[tuple[str, int, str]]:
    """The flagged lines of the sheet that not every reader has labelled (read: per domain, the "base" of its
    global line numbers): what two more readers must read before the audited figures are final."""
    readers = [read_labels(ROOT / path) for path in READERS]
    return [(domain, line, kinds) for domain, line, kinds in sheet
            if any((domain, line - read[domain]["base"]) not in reader for reader in readers)]


def write_flagged(path: Path, sheet: list[tuple[str, int, str]], read: dict, domains: dict,
                  blind: bool = False) -> None:
    """Write the flagged human translations with their text (domains: name -> the Domain the table was built
    from), for readers (blind: without the flags' kinds, see write_sheet)."""
    rows = write_sheet(path, sheet, {name: (list(d.arabic), list(d.english), read[name]["base"])
                                     for name, d in domains.items()}, blind)
    print(f"saved {path}: {rows} flagged human translations (held-out verdict or number check)")
