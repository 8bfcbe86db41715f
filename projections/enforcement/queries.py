"""Queries of the `enforcement` read model: the index of penalty cases
(filters: status, unit, origin, party USCC, decision dates; newest first with
a cursor) and the statistics summed from its rollup (never a scan of facts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

import psycopg
from domain.enforcement.case import DeadlineKind, Status
from domain.enforcement.terms import PenaltyKind
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.enforcement.index import COUNTS, EnforcementIndex, penalty_measure
from projections.queries import Page, Scope, Where, deadline_view, newest_first
from projections.rollups import Grain
from projections.runtime import active_tables

COLUMNS = sql.SQL(
    "id, seq, version, number, status, unit_code, party_name, party_type,"
    " party_uscc, origin_context, origin_case_id, origin_kind, origin_number,"
    " opened_on, decision_due, decision_running, decision_calendar, hearing_due,"
    " decided_on, decision_number, penalties, fine_fen, confiscation_fen,"
    " published, no_penalty, service_due, served_on, served_late, payment_due,"
    " paid_fen, missed"
)


@dataclass(frozen=True)
class CaseQuery:
    scope: Scope
    today: date
    statuses: tuple[Status, ...] = ()
    unit: str | None = None  # a unit and the units under it
    origin_context: str | None = None
    origin_case_id: UUID | None = None
    party_uscc: str | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    after: str | None = None
    limit: int = 50


def search(
    conn: psycopg.Connection[Any], q: CaseQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    """Newest first, stable however many cases arrive between pages."""
    where = Where()
    where.scope(q.scope, "unit_code")
    if q.statuses:
        where.add("status = ANY(%s)", [s.value for s in q.statuses])
    where.unit(q.unit)
    if q.origin_context is not None:
        where.add("origin_context = %s", q.origin_context)
    if q.origin_case_id is not None:
        where.add("origin_case_id = %s", q.origin_case_id)
    if q.party_uscc is not None:
        where.add("party_uscc = %s", q.party_uscc)
    if q.decided_from is not None:
        where.add("decided_on >= %s", q.decided_from)
    if q.decided_to is not None:
        where.add("decided_on <= %s", q.decided_to)
    table = active_tables(conn, EnforcementIndex.name)()
    page = newest_first(conn, table, COLUMNS, where, q.after, q.limit)
    return Page([view(r, calendar, q.today) for r in page.items], page.next_cursor)


def _running(r: Mapping[str, Any]) -> tuple[str | None, date | None, bool]:
    status = r["status"]
    if status == Status.OPENED and r["decision_running"]:
        return (
            DeadlineKind.DECISION,
            r["decision_due"],
            r["decision_calendar"] is not None,
        )
    if status == Status.DECIDED:
        return DeadlineKind.SERVICE, r["service_due"], False
    return None, None, False


def view(
    r: Mapping[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    """A row as the index shows it."""
    kind, due, provisional = _running(r)
    origin = None
    if r["origin_context"] is not None:
        origin = {
            "context": r["origin_context"],
            "case_id": r["origin_case_id"],
            "kind": r["origin_kind"],
            "number": r["origin_number"],
        }
    return {
        "id": r["id"],
        "version": r["version"],
        "number": r["number"],
        "status": r["status"],
        "unit_code": r["unit_code"],
        "party": {
            "name": r["party_name"],
            "party_type": r["party_type"],
            "uscc": r["party_uscc"],
        },
        "origin": origin,
        "opened_on": r["opened_on"],
        "decision_due": r["decision_due"],
        "decided_on": r["decided_on"],
        "decision_number": r["decision_number"],
        "penalties": r["penalties"],
        "fine_fen": r["fine_fen"],
        "confiscation_fen": r["confiscation_fen"],
        "published": r["published"],
        "no_penalty": r["no_penalty"],
        "served_on": r["served_on"],
        "served_late": r["served_late"],
        "payment_due": r["payment_due"],
        "paid_fen": r["paid_fen"],
        "missed": [_missed(m) for m in r["missed"]],
        "deadline": deadline_view(calendar, today, kind, due, provisional),
    }


def _missed(recorded: str) -> dict[str, Any]:
    kind, _, due = recorded.partition(":")
    return {"kind": kind, "due": date.fromisoformat(due)}


# -- statistics (sums of rollup rows) ---------------------------------------------------


class GroupBy(StrEnum):
    UNIT = "unit"
    MONTH = "month"


GROUP_EXPRESSIONS: dict[GroupBy | None, sql.Composable] = {
    None: sql.SQL("'total'::text"),  # a bare constant is refused in GROUP BY
    GroupBy.UNIT: sql.Identifier("unit_code"),
    GroupBy.MONTH: sql.SQL("to_char(period, 'YYYY-MM')"),
}


@dataclass(frozen=True)
class StatisticsQuery:
    scope: Scope
    date_from: date
    date_to: date
    unit: str | None = None
    group_by: GroupBy | None = None


def statistics(conn: psycopg.Connection[Any], q: StatisticsQuery) -> dict[str, Any]:
    """The figures per group (by unit or month) and in total."""
    total = figures({})
    groups = []
    for r in _sums(conn, q):
        if r["key"] is None:
            total = figures(r)
        else:
            groups.append({"key": r["key"], **figures(r)})
    return {
        "from": q.date_from,
        "to": q.date_to,
        "group_by": q.group_by,
        "groups": groups if q.group_by else [],
        "total": total,
    }


def _sums(conn: psycopg.Connection[Any], q: StatisticsQuery) -> list[dict[str, Any]]:
    """Every measure summed per group and in total (key None): the buckets
    that tile the period in the smallest cuboid that has what is asked."""
    tables = active_tables(conn, EnforcementIndex.name)
    group = GROUP_EXPRESSIONS[q.group_by]
    sums = sql.SQL(", ").join(
        sql.SQL("sum({0}) AS {0}").format(sql.Identifier(m)) for m in COUNTS.measures
    )
    needed = {"unit_code"} if q.group_by is GroupBy.UNIT else set()
    if not q.scope.everything or q.unit is not None:
        needed.add("unit_code")
    coarsest = Grain.MONTH if q.group_by is GroupBy.MONTH else Grain.YEAR
    where = Where()
    buckets, params = COUNTS.buckets(needed, q.date_from, q.date_to, coarsest)
    where.add(buckets, *params)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    query = sql.SQL(
        "SELECT {group} AS key, {sums} FROM {table} WHERE {where}"
        " GROUP BY ROLLUP ({group}) ORDER BY key NULLS LAST"
    ).format(group=group, sums=sums, table=tables(COUNTS.table.part), where=where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, where.params, prepare=False).fetchall()


def figures(r: Mapping[str, Any]) -> dict[str, Any]:
    """One row of the response from a row of sums (a missing sum is 0)."""

    def n(measure: str) -> int:
        return int(r.get(measure) or 0)

    return {
        "opened": n("opened"),
        "opened_from_origin": n("opened_from_origin"),
        "decided": n("decided"),
        "penalties_by_kind": {k.value: n(penalty_measure(k)) for k in PenaltyKind},
        "fines_fen": n("fines_fen"),
        "confiscated_fen": n("confiscated_fen"),
        "published": n("published"),
        "no_penalty": n("no_penalty"),
        "served": n("served"),
        "served_late": n("served_late"),
        "paid_fen": n("paid_fen"),
        "enforcement_applied": n("enforcement_applied"),
        "closed": n("closed"),
        "decisions_missed": n("decisions_missed"),
        "service_missed": n("service_missed"),
    }
