"""Queries of the `conduct_complaints` read model: the supervision office's
index of conduct complaints (效能投诉, issue 10 §6), and who is answerable
for those on a page of the deadline board.

Only the supervision office and auditors are given these (the API refuses
the rest); a reader never sees a complaint about themselves, whatever their
roles. Jurisdiction: the unit complained about (and the units under it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql

from projections.complaints.conduct import CONCLUSION, ConductIndex, missed_view
from projections.queries import Page, Scope, Where, deadline_view, newest_first
from projections.runtime import active_tables

COLUMNS = sql.SQL(
    "id, seq, version, number, status, channel, unit_code, intake_unit_code,"
    " intake_id, subject_no, subject_name, received_on, people, responsible_no,"
    " responsible_name, conclusion_due, conclusion_calendar, missed, finding,"
    " concluded_on, notified_on, rating, closed"
)


@dataclass(frozen=True)
class ConductQuery:
    scope: Scope
    today: date
    reader_no: str  # never shown a complaint about themselves
    statuses: tuple[str, ...] = ()
    unit: str | None = None  # the unit complained about, and those under it
    overdue: bool | None = None  # not concluded and past the bureau's period
    after: str | None = None
    limit: int = 50


def search(
    conn: psycopg.Connection[Any], q: ConductQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    """Newest first, stable however many arrive between pages."""
    where = Where()
    where.scope(q.scope, "unit_code")
    where.add("subject_no IS DISTINCT FROM %s", q.reader_no)
    if q.statuses:
        where.add("status = ANY(%s)", list(q.statuses))
    where.unit(q.unit)
    if q.overdue is True:
        where.add("NOT closed AND conclusion_due < %s", q.today)
    elif q.overdue is False:
        where.add("(closed OR conclusion_due >= %s)", q.today)
    page = newest_first(
        conn,
        active_tables(conn, ConductIndex.name)(),
        COLUMNS,
        where,
        q.after,
        q.limit,
    )
    return Page([view(r, calendar, q.today) for r in page.items], page.next_cursor)


def answerable(
    conn: psycopg.Connection[Any], case_ids: Sequence[UUID]
) -> dict[UUID, dict[str, str]]:
    """首问负责: who is answerable for each conduct complaint on a board page."""
    query = sql.SQL(
        "SELECT id, responsible_no, responsible_name FROM {} WHERE id = ANY(%s)"
    ).format(active_tables(conn, ConductIndex.name)())
    rows = conn.execute(query, (list(case_ids),)).fetchall()
    return {r[0]: {"staff_no": r[1], "name": r[2]} for r in rows}


def view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    """A row as the supervision office's index shows it."""
    running = None if r["closed"] else r["conclusion_due"]
    return {
        "id": r["id"],
        "version": r["version"],
        "kind": "conduct",
        "number": r["number"],
        "status": r["status"],
        "channel": r["channel"],
        "unit_code": r["unit_code"],
        "intake_unit_code": r["intake_unit_code"],
        "intake_id": r["intake_id"],
        "subject": {"staff_no": r["subject_no"], "name": r["subject_name"]},
        "received_on": r["received_on"],
        "people": r["people"],  # the complainant's pseudonym
        "responsible": {"staff_no": r["responsible_no"], "name": r["responsible_name"]},
        "conclusion_due": r["conclusion_due"],
        "missed": [missed_view(m) for m in r["missed"]],
        "finding": r["finding"],
        "concluded_on": r["concluded_on"],
        "complainant_notified_on": r["notified_on"],
        "rating": r["rating"],
        "closed": r["closed"],
        "deadline": deadline_view(
            calendar,
            today,
            CONCLUSION if running else None,
            running,
            r["conclusion_calendar"] is not None,
        ),
    }
