"""`casetrace bench` end to end on a tiny N: every phase runs for every context
with a workload, against casetrace and the reference servers, its commands and
queries succeed, and the table is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.bench.run import run

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "api" / "bench"


def test_the_bench_runs_every_phase_on_a_tiny_n(tmp_path: Path) -> None:
    output = tmp_path / "bench.txt"
    results = run(
        events=100, clients=2, seconds=0.3, rounds=2, output=output, queries=5
    )
    labels = [row.label for row in results.rows]
    for start in (
        "1. raw INSERT+COMMIT, 1 connection",
        "2. library save(), 1 thread",
        "3. HTTP reference (a) INSERT+COMMIT per request, 2 clients",
        "3. HTTP reference (b) save() per request, 2 clients",
        "3. HTTP commands, 2 clients, 1 worker",
        "3. HTTP commands, 2 clients, 1 worker, Idempotency-Key",
        "3. HTTP commands, 2 clients, 2 workers",
        "3. HTTP commands, 2 clients, 2 workers, Idempotency-Key",
        "3. HTTP commands, 1 client, 1 worker",
        "3. HTTP commands, 1 client, 2 workers",
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
    http = [r for r in results.rows if r.label.startswith("3. HTTP")]
    assert all("(0 errors)" in r.value and "ms/cmd" in r.value for r in http)
    commands = [r for r in http if r.label.startswith("3. HTTP commands")]
    assert all("% of reference (b)" in r.target for r in commands)
    assert all(
        r.verdict in ("pass", "short") for r in commands if "2 clients" in r.label
    )
    assert not any("failed" in r.value for r in results.rows)
    assert not any("HTTP error" in note for note in results.notes)
    assert "| 5. rebuild applications" in output.read_text("utf-8")


def test_the_shared_bench_names_no_context() -> None:
    # A context's language lives in its own workload (api/<context>/bench.py).
    for module in BENCH.glob("*.py"):
        assert not re.search("licen[cs]", module.read_text("utf-8"), re.I), module
