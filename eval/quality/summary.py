"""The calibration report's leave-one-domain-out figures as a Markdown table (for docs/quality.md).

    python eval/quality/summary.py [eval/results/qe-calibration-<date>.json]

Per held-out domain: human lines flagged (raw; any flag, and number flags), the flags on lines both readers call
faithful (the audit; a flagged line that not both readers have labelled counts as a false alarm until they do, and
how many those are), and the last-50% / last-30% omissions caught; then the same per line kind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"flores": "FLORES dev", "tico19": "TICO-19 test", "unpc": "UN dev"}


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def table(report: dict, variant: str = "with_similarity") -> str:
    """The Markdown table of one verdict variant's held-out domains, with the audit beside the raw rates."""
    audit = report.get("audit", {}).get("held_out_domains", {})
    rows = ["| held-out domain (human lines) | flagged, any flag (number) | flags on lines both readers call "
            "faithful (number) | flagged lines not yet labelled by both readers | last 50% dropped | last 30% "
            "dropped |", "|---|---|---|---|---|---|"]
    for domain, scores in report["leave_one_domain_out"][variant].items():
        checked = audit.get(domain, {})
        rows.append(f"| {NAMES.get(domain, domain)} ({checked.get('lines', '?')}) "
                    f"| {_pct(scores['human_any_flag'])} ({_pct(scores['human_number_flags'], 2)}) "
                    f"| {_pct(checked.get('false_alarm_share'))} ({_pct(checked.get('number_false_alarm_share'), 2)}) "
                    f"| {checked.get('unlabelled', '?')} "
                    f"| {_pct(scores['flagged']['drop_last_50'])} | {_pct(scores['flagged']['drop_last_30'])} |")
    return "\n".join(rows)


def kinds_table(report: dict, variant: str = "with_similarity") -> str:
    """Per held-out domain and line kind: human lines, share flagged by the verdict, omissions caught."""
    rows = ["| held-out domain | line kind | human lines | flagged by the verdict | last 50% | last 30% |",
            "|---|---|---|---|---|---|"]
    for domain, scores in report["leave_one_domain_out"][variant].items():
        for kind, cell in scores.get("by_line_kind", {}).items():
            rows.append(f"| {NAMES.get(domain, domain)} | {kind} | {cell['human_lines']} | {_pct(cell.get('human'))} "
                        f"| {_pct(cell.get('drop_last_50'))} | {_pct(cell.get('drop_last_30'))} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Print the tables of a calibration report (default: the newest under eval/results)."""
    args = sys.argv[1:] if argv is None else argv
    reports = sorted((ROOT / "eval/results").glob("qe-calibration-*.json"))
    path = Path(args[0]) if args else (reports[-1] if reports else None)
    if path is None or not path.is_file():
        print(f"{path or 'eval/results/qe-calibration-*.json'}: no calibration report", file=sys.stderr)
        return 2
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        print(f"{path.name} (development figures)\n\n{table(report)}\n\n{kinds_table(report)}")
    except (ValueError, KeyError) as exc:
        print(f"{path}: not a calibration report ({exc})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
