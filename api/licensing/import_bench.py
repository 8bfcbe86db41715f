"""The licensing history import's bench (`casetrace bench`, row 9): a file of
past matters made up here, imported as `casetrace import licensing` imports
one — read, checked, recorded — and timed end to end.

    .venv/bin/python -m api.licensing.import_bench [URL] [--rows 50000]

runs it alone (a throwaway embedded server without a URL), twice: the first
import records every row, the second finds every row already imported."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresDatastore

from api.bench.workload import UNITS, enrol
from api.licensing import service
from domain.licensing.import_format import SAMPLE_HEADER
from domain.licensing.importing import ImportReport, PastMatters
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.uscc import compose_uscc

if TYPE_CHECKING:
    from api.host.storage import Services

ITEMS = ("XK-TZSB-SYDJ", "XK-JL-XSPZ", "XK-JL-BZKH")
ADMIN = Audit(
    actor=Actor(
        kind=ActorKind.STAFF,
        id="B-ADMIN",
        name="bench admin",
        role=Role.ADMIN,
        unit_code="3208",
    ),
    request_id="bench-import",
)


@dataclass(frozen=True)
class Imported:
    rows: int
    seconds: float  # the first import: every row recorded
    again_seconds: float  # the same file again: every row already imported
    report: ImportReport
    cpu_seconds: float  # the importing process's own CPU in the first import
    database_cpu_seconds: float | None  # the server's, if it is on this machine
    load: float  # the machine's 1-minute load average as the import began

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def costs(self) -> str:
        """CPU per row, the importer's and the database's, and the load."""
        per_row = f"importer {self.cpu_seconds / self.rows * 1e6:,.0f} µs"
        if self.database_cpu_seconds is not None:
            per_row += (
                f", PostgreSQL {self.database_cpu_seconds / self.rows * 1e6:,.0f} µs"
            )
        return f"CPU per row: {per_row}; load average {self.load:.1f}"


def past_matters(rows: int, first_year: int = 2010) -> bytes:
    """`rows` matters over the years from `first_year`: granted (served),
    refused, not accepted and withdrawn, some decided late."""
    lines = [SAMPLE_HEADER]
    start = date(first_year, 1, 4)
    for n in range(rows):
        received = start + timedelta(days=(n * 7) % 5800)
        accepted = received + timedelta(days=1)
        decided = accepted + timedelta(days=14 + n % 23)
        firm = compose_uscc("320803", f"{n % 100_000_000:08d}")
        outcome = ("准予许可", "准予许可", "不予许可", "不予受理", "撤回")[n % 5]
        granted, not_accepted = outcome == "准予许可", outcome == "不予受理"
        issued = decided + timedelta(days=2) if granted else None
        lines.append(
            f"H{n:08d},{ITEMS[n % 3]},,淮安历史企业{n},{firm},320803,{received},"
            f"{'' if not_accepted else accepted},{decided},{issued or ''},"
            f"{issued + timedelta(days=1) if issued else ''},{outcome},"
            f"淮市监许〔{decided.year}〕{n}号,{f'TS-{n}' if granted else ''}\n"
        )
    return "".join(lines).encode()


def import_rate(services: Services, rows: int) -> Imported:
    """Import a made-up file of `rows` past matters, then the same file again."""
    enrol(services, UNITS, [])
    licensing = service(services)
    importer = PastMatters(licensing)
    data = past_matters(rows)
    database = _server_cpu(licensing.recorder)
    load = os.getloadavg()[0]
    began, cpu, db = time.perf_counter(), time.process_time(), database()
    report = importer.import_past_matters(ADMIN, data)
    first = time.perf_counter() - began
    cpu, db = time.process_time() - cpu, _less(database(), db)
    began = time.perf_counter()
    importer.import_past_matters(ADMIN, data)
    again = time.perf_counter() - began
    return Imported(rows, first, again, report, cpu, db, load)


def _server_cpu(recorder: object) -> Callable[[], float | None]:
    """The CPU seconds the database server has used so far (its postmaster,
    the backends it has reaped and the live ones), read from /proc; None when
    the server is not on this machine or not readable."""
    datastore = getattr(recorder, "datastore", None)
    if not isinstance(datastore, PostgresDatastore):
        return lambda: None
    try:
        with datastore.get_connection() as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        if row is None:
            return lambda: None
        pid = int(
            (Path(row["data_directory"]) / "postmaster.pid").read_text().split()[0]
        )
    except (OSError, ValueError, PersistenceError):
        return lambda: None
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float | None:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                # fields[1] ppid; [11] utime, [12] stime, [13] cutime, [14] cstime
                if int(stat.parent.name) == pid:
                    total += sum(int(f) for f in fields[11:15])
                elif int(fields[1]) == pid:
                    total += int(fields[11]) + int(fields[12])
        return total / tick if total else None

    return used


def _less(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def main() -> None:
    from api.host.settings import Settings
    from api.host.storage import open_services, start_embedded

    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casetrace-import-bench-") as tmp:
        url = args.url or start_embedded(Path(tmp), throwaway=True)
        services = open_services(Settings(), url=url)
        try:
            done = import_rate(services, args.rows)
        finally:
            services.close()
    c = done.report.counts
    print(
        f"{done.rows:,} rows: {done.rate:,.0f} matters/s ({done.seconds:.1f} s;"
        f" imported {c.imported:,}, refused {c.refused:,});"
        f" again: {done.rows / done.again_seconds:,.0f} rows/s, all already imported;"
        f" {done.costs()}"
    )


if __name__ == "__main__":
    main()
