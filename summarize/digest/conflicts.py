"""Conflicts: the same kind of figure for the same story given differently by different reports (24 dead, 31 dead)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from summarize.lang.figures import Figure
from summarize.quality.qe import QE

CONFLICT_KINDS = ("killed", "injured")  # tolls of one event; money and percentages differ for many reasons


@dataclass(frozen=True)
class ConflictValue:
    """One value of a disputed figure, the reports (and their sources) that give it, and a sentence saying it."""

    value: int | float | str
    reports: tuple[str, ...]
    sources: tuple[str, ...]
    arabic: str  # the sentence of the first report giving it
    english: str = ""
    qe: QE = QE()  # the quality check of `english`

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"value": self.value, "reports": list(self.reports), "sources": list(self.sources),
                "arabic": self.arabic, "english": self.english, "qe": self.qe.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConflictValue:
        """The value that to_dict wrote (a JSON written before the check: no flags)."""
        return cls(data["value"], tuple(data["reports"]), tuple(data["sources"]), data["arabic"], data["english"],
                   QE.from_dict(data["qe"]) if "qe" in data else QE())


@dataclass(frozen=True)
class Conflict:
    """A kind of figure (e.g. killed) that the story's reports give with different values."""

    kind: str
    values: tuple[ConflictValue, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: {"kind", "values": [{"value", "reports", ...}]}."""
        return {"kind": self.kind, "values": [v.to_dict() for v in self.values]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conflict:
        """The conflict that to_dict wrote."""
        return cls(data["kind"], tuple(ConflictValue.from_dict(v) for v in data["values"]))


def find_conflicts(figures: Sequence[tuple[str, str, Figure]]) -> list[Conflict]:
    """Conflicts among (report id, source, figure) triples: per kind, two or more distinct values.

    Each report contributes its headline figure of a kind (the first one it gives); values keep the order in
    which the reports first give them.
    """
    conflicts = []
    for kind in CONFLICT_KINDS:
        by_value: dict[int | float | str, list[tuple[str, str, Figure]]] = {}
        counted: set[str] = set()
        for report, source, figure in figures:
            if figure.kind != kind or report in counted:
                continue
            counted.add(report)
            by_value.setdefault(figure.value, []).append((report, source, figure))
        if len(by_value) < 2:
            continue
        values = tuple(
            ConflictValue(value, tuple(r for r, _, _ in given), tuple(dict.fromkeys(s for _, s, _ in given if s)),
                          given[0][2].arabic)
            for value, given in by_value.items())
        conflicts.append(Conflict(kind, values))
    return conflicts
