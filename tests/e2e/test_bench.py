"""`casetrace bench` end to end on a tiny N: every phase runs for every context
with a workload, its commands and queries succeed, and the table is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.bench.run import run

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "api" / "bench"


def test_the_bench_runs_every_phase_on_a_tiny_n(tmp_path: Path) -> None:
    output = tmp_path / "bench.txt"
    results = run(events=100, clients=2, seconds=0.3, output=output, queries=5)
    labels = [row.label for row in results.rows]
    for start in (
        "1. raw INSERT+COMMIT, 1 connection",
        "2. library save(), 1 thread",
        "3. HTTP commands, 2 clients",
        "3. HTTP command latency",
        "4. projection lag under full load",
        "4. paced phase achieved rate",
        "4. projection lag at paced rate",
        "5. generated events",
        "5. rebuild applications",
        "5. rebuild licences",
        "6. query index p50 / p99 (n=5)",
        "6. query statistics by category",
    ):
        assert any(label.startswith(start) for label in labels), start
    commands = [r for r in results.rows if r.label.startswith("3. HTTP commands")]
    assert all("(0 errors)" in r.value for r in commands)
    assert not any("failed" in r.value for r in results.rows)
    assert not any("HTTP error" in note for note in results.notes)
    assert "| 5. rebuild applications" in output.read_text("utf-8")


def test_the_shared_bench_names_no_context() -> None:
    # A context's language lives in its own workload (api/<context>/bench.py).
    for module in BENCH.glob("*.py"):
        assert not re.search("licen[cs]", module.read_text("utf-8"), re.I), module
