"""The deadline board and the clock's timers: one query over the deadlines of
every licensing read model (applications and licences)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import psycopg
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.licensing.applications import Applications
from projections.licensing.licences import Licences
from projections.queries import (
    Page,
    Scope,
    Where,
    decode_cursor,
    page_of,
    working_days_left,
)
from projections.runtime import active_tables

AT_RISK_WD = 3  # "at risk": the last three working days before the deadline
SOURCES = ((Applications.name, "application"), (Licences.name, "licence"))


class BoardState(StrEnum):
    OVERDUE = "overdue"  # the deadline has passed
    DUE = "due"  # today is the last day
    AT_RISK = "at_risk"  # 1 to AT_RISK_WD working days left


def _union(conn: psycopg.Connection[Any]) -> sql.Composable:
    return sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {}::text AS case_kind, d.* FROM {} d").format(
            sql.Literal(kind), active_tables(conn, model)("deadlines")
        )
        for model, kind in SOURCES
    )


@dataclass(frozen=True)
class BoardQuery:
    scope: Scope
    today: date
    unit: str | None = None
    due_within_days: int | None = None
    state: BoardState | None = None
    after: str | None = None
    limit: int = 50


def board(
    conn: psycopg.Connection[Any], q: BoardQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    """Every running legal deadline, soonest first."""
    where = Where()
    where.add("on_board")
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    if q.due_within_days is not None:
        where.add("due <= %s", q.today + timedelta(days=q.due_within_days))
    if q.state is BoardState.OVERDUE:
        where.add("due < %s", q.today)
    elif q.state is BoardState.DUE:
        where.add("due = %s", q.today)
    elif q.state is BoardState.AT_RISK:
        last = calendar.add_working_days(q.today, AT_RISK_WD).due
        where.add("due > %s AND due <= %s", q.today, last)
    if q.after is not None:
        due, case_id, kind = decode_cursor(q.after, (date, str, str))
        where.add("(due, case_id::text, kind) > (%s, %s, %s)", due, case_id, kind)
    query = sql.SQL(
        "SELECT * FROM ({}) board WHERE {} ORDER BY due, case_id::text, kind LIMIT %s"
    ).format(_union(conn), where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*where.params, q.limit + 1]).fetchall()
    page = page_of(rows, q.limit, lambda r: (r["due"], str(r["case_id"]), r["kind"]))
    return Page([_view(r, calendar, q.today) for r in page.items], page.next_cursor)


def _view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    left = working_days_left(calendar, today, r["due"])
    state = (
        BoardState.OVERDUE
        if left < 0 or r["due"] < today
        else BoardState.DUE
        if r["due"] == today
        else BoardState.AT_RISK
        if left <= AT_RISK_WD
        else None
    )
    # The same names as the applications index and the licence register: an
    # application's receipt_number and applicant, a licence's number and holder.
    application = r["case_kind"] == "application"
    party = {"name": r["party_name"]}
    return {
        "case_kind": r["case_kind"],
        "case_id": r["case_id"],
        "receipt_number": r["reference"] if application else None,
        "licence_number": None if application else r["reference"],
        "kind": r["kind"],
        "due": r["due"],
        "promised_due": r["promised_due"],
        "working_days_left": left,
        "state": state,
        "provisional": r["provisional"],
        "rule": r["rule"],
        "unit_code": r["unit_code"],
        "item": {"code": r["item_code"], "name": r["item_name"]},
        "applicant": party if application else None,
        "holder": None if application else party,
    }


@dataclass(frozen=True)
class Timer:
    case_kind: str
    case_id: Any
    kind: str
    due: date
    action: str
    case_version: int


def stale_cases(
    conn: psycopg.Connection[Any], calendar_version: str, limit: int
) -> list[tuple[str, Any, int]]:
    """Cases with a provisional deadline worked out under another calendar:
    (case_kind, case_id, case_version)."""
    query = sql.SQL(
        "SELECT DISTINCT case_kind, case_id, case_version FROM ({}) t"
        " WHERE provisional AND calendar_version IS DISTINCT FROM %s"
        " ORDER BY case_kind, case_id LIMIT %s"
    ).format(_union(conn))
    return [(k, i, v) for k, i, v in conn.execute(query, (calendar_version, limit))]


def due_timers(conn: psycopg.Connection[Any], today: date, limit: int) -> list[Timer]:
    """Timers whose day has come (and whose purpose has not lapsed), oldest first."""
    query = sql.SQL(
        "SELECT case_kind, case_id, kind, due, action, case_version FROM ({}) t"
        " WHERE action IS NOT NULL AND fires_on <= %s"
        " AND (lapses_on IS NULL OR lapses_on >= %s)"
        " ORDER BY fires_on, case_id, kind LIMIT %s"
    ).format(_union(conn))
    rows = conn.execute(query, (today, today, limit)).fetchall()
    return [Timer(*row) for row in rows]
