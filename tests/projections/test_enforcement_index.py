"""The `enforcement` read model: generated penalty cases of every kind are
projected into rows, deadlines and the rollup; the statistics summed from the
rollup equal the counts of what was generated, and a rebuild from zero makes
the same rows and rollup."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg import sql

from api.enforcement.bench import COUNTY, one_case
from api.host.settings import Settings
from api.host.storage import open_services
from domain.shared.clock import FixedClock
from projections.enforcement.index import COUNTS, EnforcementIndex
from projections.enforcement.queries import StatisticsQuery, statistics
from projections.queries import Scope
from projections.runtime import Tables, active_tables

CASES = 25  # five of each kind (api/enforcement/bench.py one_case)


def _rows(conn: psycopg.Connection[Any], tables: Tables, part: str | None) -> list[Any]:
    table = tables(part) if part else tables()
    return conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3, 4").format(table)
    ).fetchall()


def test_statistics_count_what_happened_and_a_rebuild_is_the_same(
    fresh_database: str,
) -> None:
    services = open_services(
        Settings(),
        clock=FixedClock(datetime(2026, 11, 23, 1, tzinfo=UTC)),
        url=fresh_database,
    )
    try:
        app = services.apps["enforcement"]
        for n in range(CASES):
            app.save(*one_case(services.calendar, n, date(2026, 3, 2)))
        projector = services.projector()
        try:
            projector.prepare()
            model = projector.model(EnforcementIndex.name)
            projector.catch_up(model)
            with psycopg.connect(fresh_database, autocommit=True) as conn:
                figures = statistics(
                    conn,
                    StatisticsQuery(
                        Scope(everything=True), date(2026, 1, 1), date(2026, 12, 31)
                    ),
                )["total"]
                assert figures["opened"] == CASES
                assert figures["no_penalty"] == 5
                assert figures["decided"] == 10
                assert figures["penalties_by_kind"]["fine"] == 10
                assert figures["fines_fen"] == 10 * 5_000_00
                assert figures["served"] == 10
                assert figures["served_late"] == 5  # 20 days after the decision
                assert figures["paid_fen"] == 5 * 5_000_00
                assert figures["closed"] == 5
                by_unit = statistics(
                    conn,
                    StatisticsQuery(
                        Scope(everything=True),
                        date(2026, 1, 1),
                        date(2026, 12, 31),
                        unit=COUNTY,
                    ),
                )["total"]
                assert by_unit == figures
                live = active_tables(conn, EnforcementIndex.name)
                before = (_rows(conn, live, None), _rows(conn, live, COUNTS.table.part))
                boards = conn.execute(
                    sql.SQL(
                        "SELECT kind, count(*) FROM {} GROUP BY kind ORDER BY kind"
                    ).format(live("deadlines"))
                ).fetchall()
                # Open (5) and stopped-for-testing (5, no running decision deadline);
                # 5 served unpaid → the party's payment window.
                assert dict(boards) == {"decision": 5, "payment": 5}
                rebuilt = projector.rebuild(EnforcementIndex.name)
                after = (
                    _rows(conn, rebuilt, None),
                    _rows(conn, rebuilt, COUNTS.table.part),
                )
                assert after == before
        finally:
            projector.close()
    finally:
        services.close()
