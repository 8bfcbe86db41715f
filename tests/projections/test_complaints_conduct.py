"""The `conduct_complaints` read model on a real PostgreSQL (issue 10 §6): a
conduct complaint is a row of its own model, its intake's row in the line's
index is kept from all but its readers, its deadline is on the board only
for the supervision office and auditors, and the clock records the bureau's
period missed on a hand-checked date (15 working days after Fri 9/18 is Thu
10/15, complaints_line.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql

from api.host.clock import DeadlineClock
from domain.complaints.conduct import ConductComplaint, Finding
from domain.shared.audit import Role
from domain.shared.clock import legal_date
from domain.shared.events import event_classes
from projections.complaints.conduct import ConductIndex
from projections.complaints.conduct_queries import ConductQuery, answerable
from projections.complaints.conduct_queries import search as search_conduct
from projections.complaints.index import ComplaintsIndex, Kind
from projections.complaints.index_queries import CaseQuery, search
from projections.complaints.statistics import StatisticsQuery, statistics
from projections.deadline_board import _SHAPES, BoardQuery, board, sources_of
from projections.queries import Scope
from projections.runtime import active_tables, run_in_thread
from tests.domain.complaints_lifecycles import complaints_lifecycles
from tests.projections.complaints_line import COUNTY, RECEIVED, Line, open_line

COUNTY_SCOPE = Scope(prefixes=(COUNTY,))
CONCLUSION_DUE = date(2026, 10, 15)


@pytest.fixture
def line(fresh_database: str) -> Iterator[Line]:
    with open_line(fresh_database) as opened:
        yield opened


def connect(line: Line) -> psycopg.Connection[Any]:
    return psycopg.connect(line.url, autocommit=True)


def conduct_rows(conn: psycopg.Connection[Any]) -> dict[Any, dict[str, Any]]:
    query = sql.SQL("SELECT id, version, status, missed, closed FROM {}").format(
        active_tables(conn, ConductIndex.name)()
    )
    rows = conn.execute(query).fetchall()
    return {
        r[0]: dict(zip(("version", "status", "missed", "closed"), r[1:], strict=True))
        for r in rows
    }


def timers(conn: psycopg.Connection[Any], case: Any) -> list[tuple[Any, ...]]:
    query = sql.SQL(
        "SELECT kind, due, action, fires_on FROM {} WHERE case_id = %s"
    ).format(active_tables(conn, ConductIndex.name)("deadlines"))
    return list(conn.execute(query, (case,)).fetchall())


def row_year(conn: psycopg.Connection[Any], case: Any) -> int:
    """The year of the case's last recorded act (its row's `updated_at`)."""
    query = sql.SQL("SELECT updated_at FROM {} WHERE id = %s").format(
        active_tables(conn, ConductIndex.name)()
    )
    (updated_at,) = conn.execute(query, (case,)).fetchone() or (None,)
    return int(legal_date(updated_at).year)


def on_board(line: Line, conn: psycopg.Connection[Any], *roles: Role) -> list[str]:
    page = board(
        conn,
        BoardQuery(COUNTY_SCOPE, today=RECEIVED, roles=frozenset(roles)),
        line.services.calendar,
        sources_of(line.services.read_models()),
    )
    return [r["subject"]["name"] for r in page.items]


def test_every_event_class_of_a_conduct_complaint_is_folded() -> None:
    folded = set(ConductIndex().handlers)
    for cls in event_classes(ConductComplaint):
        if cls.__name__ != "Created":  # the library's own: never emitted
            assert cls in folded, cls.TOPIC


@pytest.mark.db
def test_every_conduct_lifecycle_is_folded_at_its_case_version_and_rebuilt_alike(
    line: Line,
) -> None:
    lifecycles = complaints_lifecycles()
    line.complaints.save(*(e for events in lifecycles for e in events))
    line.project()
    conduct = [ev for ev in lifecycles if isinstance(ev[0], ConductComplaint.Opened)]
    with connect(line) as conn:
        rows = conduct_rows(conn)
        assert {k: v["version"] for k, v in rows.items()} == {
            ev[0].originator_id: ev[-1].originator_version for ev in conduct
        }
        concluded = rows[conduct[0][0].originator_id]
        assert (concluded["status"], concluded["closed"]) == ("closed", True)
        assert concluded["missed"] == ["conclusion:2026-10-15"]
        live = sorted(conduct_rows(conn).items())
        line.projectors[0].rebuild(ConductIndex.name)
        assert sorted(conduct_rows(conn).items()) == live


@pytest.mark.db
def test_a_conduct_complaint_is_on_the_board_and_in_the_index_only_for_its_readers(
    line: Line,
) -> None:
    case = line.conduct()
    line.complaint()  # an ordinary complaint beside it
    line.project()
    with connect(line) as conn:
        assert timers(conn, case) == [
            (
                "conclusion",
                CONCLUSION_DUE,
                "record_missed_deadline:conclusion",
                date(2026, 10, 16),
            )
        ]
        assert on_board(line, conn, Role.HANDLER) == ["投诉"]
        assert on_board(line, conn, Role.INTAKE, Role.APPROVER) == ["投诉"]
        assert sorted(on_board(line, conn, Role.SUPERVISION)) == ["投诉", "效能投诉"]
        assert sorted(on_board(line, conn, Role.AUDITOR)) == ["投诉", "效能投诉"]

        def intakes(**more: Any) -> list[str | None]:
            q = CaseQuery(COUNTY_SCOPE, RECEIVED, kinds=(Kind.INTAKE,), **more)
            page = search(conn, q, line.services.calendar)
            return [r["classification"] for r in page.items]

        assert intakes() == ["complaint"]  # the conduct intake kept out
        assert intakes(confidential=True, reader_no="I-1") == ["complaint", "conduct"]
        assert intakes(confidential=True, reader_no="H-2") == ["complaint"]

        def conduct(reader: str, scope: Scope = COUNTY_SCOPE) -> list[Any]:
            q = ConductQuery(scope, RECEIVED, reader_no=reader)
            return [
                r["id"] for r in search_conduct(conn, q, line.services.calendar).items
            ]

        assert conduct("S-1", Scope(prefixes=("3208",))) == [case]
        assert conduct("S-1", Scope(prefixes=("320804",))) == []
        assert conduct("H-2") == []  # never about oneself, whatever one's roles
        assert answerable(conn, [case]) == {case: {"staff_no": "I-1", "name": "周一"}}


@pytest.mark.db
def test_the_clock_records_the_conclusion_missed_and_telling_the_complainant_ends_it(
    line: Line,
) -> None:
    case = line.conduct()
    line.project()  # the timer is there before the clock looks
    projector = line.projector()
    projector.prepare()
    clock = DeadlineClock(line.services)
    thread, stop = run_in_thread(projector)
    try:
        line.on(CONCLUSION_DUE)
        assert clock.tick().fired == 0  # the last day: not yet
        line.on(date(2026, 10, 16))
        assert clock.tick().fired == 1
    finally:
        stop.set()
        thread.join()
    supervisor = line.audit("S-1", "核查属实")
    line.complaints.record_outcome(
        case, audit=supervisor, finding=Finding.SUBSTANTIATED, measures="批评教育"
    )
    line.complaints.notify_complainant(case, audit=supervisor)
    line.project()
    with connect(line) as conn:
        row = conduct_rows(conn)[case]
        assert (row["missed"], row["closed"]) == (["conclusion:2026-10-15"], True)
        # Closed: only the retention timer, off the board (3 years on).
        ((kind, due, action, fires_on),) = timers(conn, case)
        assert (kind, action) == ("retention", "shred_personal_data")
        assert fires_on == due + timedelta(days=1)
        assert due.year == row_year(conn, case) + 3
        figures = statistics(
            conn,
            StatisticsQuery(COUNTY_SCOPE, date(2026, 1, 1), date(2026, 12, 31)),
        )
        assert figures["total"]["intakes"]["by_classification"]["conduct"] == 1


@pytest.mark.db
def test_the_board_reads_a_generation_built_before_a_deadline_column_existed(
    line: Line,
) -> None:
    """After an upgrade the board still reads the generations an older model
    built (until their rebuild switches over): a column they lack is NULL —
    but a restricted board that cannot withhold its rows yet shows none."""
    line.conduct()
    line.complaint()
    line.project()
    with connect(line) as conn:
        for model in (ComplaintsIndex.name, ConductIndex.name):
            deadlines = active_tables(conn, model)("deadlines")
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP COLUMN withheld_from").format(deadlines)
            )
        _SHAPES.clear()
        assert on_board(line, conn, Role.SUPERVISION) == ["投诉"]
