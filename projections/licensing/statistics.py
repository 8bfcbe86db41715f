"""Licensing statistics from the `applications` read model's facts.

Each figure counts the events of its own kind dated within the period: an
application received in December and decided in January counts as received in
December and completed in January, as a hall's monthly report does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.licensing.applications import Applications
from projections.queries import Scope, Where
from projections.runtime import active_tables


class GroupBy(StrEnum):
    CATEGORY = "category"
    ITEM = "item"
    UNIT = "unit"
    MONTH = "month"


GROUP_EXPRESSIONS = {
    None: sql.SQL("'total'::text"),  # a bare constant is refused in GROUP BY
    GroupBy.CATEGORY: sql.SQL("category"),
    GroupBy.ITEM: sql.SQL("item_code"),
    GroupBy.UNIT: sql.SQL("unit_code"),
    GroupBy.MONTH: sql.SQL("to_char(on_date, 'YYYY-MM')"),
}

FIGURES = sql.SQL("""
    count(*) FILTER (WHERE metric = 'received') AS received,
    count(*) FILTER (WHERE metric = 'accepted') AS accepted,
    count(*) FILTER (WHERE metric = 'not_accepted') AS not_accepted,
    count(*) FILTER (WHERE metric = 'completed') AS completed,
    count(*) FILTER (WHERE metric = 'completed' AND within_legal) AS completed_within_legal_limit,
    count(*) FILTER (
        WHERE metric = 'completed' AND within_legal AND NOT late
    ) AS completed_on_time,
    count(*) FILTER (WHERE metric = 'completed' AND within_promised) AS completed_within_promised_limit,
    count(*) FILTER (WHERE metric = 'granted') AS granted,
    count(*) FILTER (WHERE metric = 'refused') AS refused,
    count(*) FILTER (WHERE metric = 'terminated') AS terminated,
    count(*) FILTER (WHERE metric = 'withdrawn') AS withdrawn,
    count(*) FILTER (WHERE metric = 'certificate_issued') AS certificates_issued,
    count(*) FILTER (WHERE metric = 'certificate_served') AS certificates_served,
    count(*) FILTER (WHERE metric = 'deadline_missed') AS deadlines_missed,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY working_days)
        FILTER (WHERE metric = 'completed') AS median_working_days_to_decision
""")


@dataclass(frozen=True)
class StatisticsQuery:
    scope: Scope
    date_from: date
    date_to: date
    unit: str | None = None
    group_by: GroupBy | None = None


def statistics(conn: psycopg.Connection[Any], q: StatisticsQuery) -> dict[str, Any]:
    where = Where()
    where.add("on_date >= %s AND on_date <= %s", q.date_from, q.date_to)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    facts = active_tables(conn, Applications.name)("facts")
    group = GROUP_EXPRESSIONS[q.group_by]
    # A case is late if any of its legal deadlines was recorded missed, also
    # one that ran after the decision (Art. 44: certificate issued and served).
    query = sql.SQL(
        "SELECT {group} AS key, {figures} FROM (SELECT f.*, m.case_id IS NOT NULL"
        " AS late FROM {facts} f LEFT JOIN (SELECT DISTINCT case_id FROM {facts}"
        " WHERE metric = 'deadline_missed') m ON m.case_id = f.case_id) facts"
        " WHERE {where} GROUP BY ROLLUP ({group}) ORDER BY key NULLS LAST"
    ).format(group=group, figures=FIGURES, facts=facts, where=where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, where.params).fetchall()
    empty = _figures({})
    total = next((_figures(r) for r in rows if r["key"] is None), empty)
    groups = [{"key": r["key"], **_figures(r)} for r in rows if r["key"] is not None]
    return {
        "from": q.date_from,
        "to": q.date_to,
        "group_by": q.group_by,
        "groups": groups if q.group_by else [],
        "total": total,
    }


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    completed = int(r.get("completed") or 0)
    on_time = int(r.get("completed_on_time") or 0)
    median = r.get("median_working_days_to_decision")
    names = (
        "received",
        "accepted",
        "not_accepted",
        "completed",
        "completed_within_legal_limit",
        "completed_within_promised_limit",
        "granted",
        "refused",
        "terminated",
        "withdrawn",
        "certificates_issued",
        "certificates_served",
        "deadlines_missed",
    )
    return {
        **{name: int(r.get(name) or 0) for name in names},
        "on_time_rate": round(on_time / completed, 4) if completed else None,
        "median_working_days_to_decision": float(median)
        if median is not None
        else None,
    }
