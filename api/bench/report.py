"""The bench's results table, its progress lines and its statistics."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p50_p99(values: list[float]) -> str:
    return f"{ms(percentile(values, 0.5))} / {ms(percentile(values, 0.99))}"


def say(message: str) -> None:
    """A progress line on stderr (the table goes to stdout)."""
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


@dataclass
class Row:
    """One line of the results table."""

    label: str
    value: str
    target: str = ""
    verdict: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(
        self, label: str, value: str, target: str = "", ok: bool | None = None
    ) -> None:
        verdict = "" if ok is None else ("pass" if ok else "short")
        self.rows.append(Row(label, value, target, verdict))
        say(f"{label}: {value} {target} {verdict}".rstrip())

    def table(self) -> str:
        heads = ("measurement", "result", "target", "")
        widths = [
            max(len(heads[0]), *(len(r.label) for r in self.rows)),
            max(len(heads[1]), *(len(r.value) for r in self.rows)),
            max(len(heads[2]), *(len(r.target) for r in self.rows)),
            5,
        ]

        def line(cells: tuple[str, str, str, str]) -> str:
            return (
                "| "
                + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                + " |"
            )

        out = [line(heads), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line((r.label, r.value, r.target, r.verdict)) for r in self.rows]
        return "\n".join(out + [""] + [f"- {n}" for n in self.notes])
