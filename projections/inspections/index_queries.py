"""Queries of the `inspections` model: the plans and inspections indexes, one
row by id, a plan's inspections (its public results once published), and the
statistics summed from the `counts` rollup (never a scan of the rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.inspections.analysis_queries import failure_rate
from projections.inspections.index import COUNTS, InspectionsIndex, Kind
from projections.queries import Page, Scope, Where, deadline_view, newest_first
from projections.rollups import Grain
from projections.runtime import active_tables

COLUMNS = sql.SQL(
    "id, seq, version, kind, number, status, unit_code, item_code, title, plan_id,"
    " plan_number, uscc, region_code, industry, product, inspectors, nominated,"
    " targets, recusals, conforming, failed_items, objection, rectification,"
    " outcome, seals, objection_window_due, objection_decision_due,"
    " rectification_due, recheck_due, missed, concluded_on, deadline_kind,"
    " deadline_due, deadline_provisional"
)


@dataclass(frozen=True)
class IndexQuery:
    scope: Scope
    today: date
    kind: Kind
    statuses: tuple[str, ...] = ()
    unit: str | None = None
    plan_id: UUID | None = None
    uscc: str | None = None
    item_code: str | None = None
    overdue: bool | None = None
    after: str | None = None
    limit: int = 50


def search(
    conn: psycopg.Connection[Any], q: IndexQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    where = Where()
    where.scope(q.scope, "unit_code")
    where.add("kind = %s", q.kind.value)
    if q.statuses:
        where.add("status = ANY(%s)", list(q.statuses))
    for column, value in (
        ("plan_id", q.plan_id),
        ("uscc", q.uscc),
        ("item_code", q.item_code),
    ):
        if value is not None:
            where.add(sql.SQL("{} = %s").format(sql.Identifier(column)), value)
    where.unit(q.unit)
    if q.overdue is True:
        where.add("deadline_due < %s", q.today)
    elif q.overdue is False:
        where.add("(deadline_due IS NULL OR deadline_due >= %s)", q.today)
    page = newest_first(conn, _table(conn), COLUMNS, where, q.after, q.limit)
    return Page([view(r, calendar, q.today) for r in page.items], page.next_cursor)


def find(
    conn: psycopg.Connection[Any],
    case_id: UUID,
    scope: Scope,
    calendar: WorkingDayCalendar,
    today: date,
) -> dict[str, Any] | None:
    where = Where()
    where.scope(scope, "unit_code")
    where.add("id = %s", case_id)
    query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
        COLUMNS, _table(conn), where.sql()
    )
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, where.params).fetchone()
    return view(row, calendar, today) if row else None


def public_draws(
    conn: psycopg.Connection[Any], after: str | None, limit: int
) -> Page[dict[str, Any]]:
    """Every plan whose draw's commitment is published, newest first: what
    the public checks each draw against (docs/draw.md)."""
    where = Where()
    where.add("kind = 'plan'")
    where.add("snapshot_sha256 IS NOT NULL")
    columns = sql.SQL(
        "id, seq, number, title, item_code, unit_code, status, targets,"
        " snapshot_sha256, seed_sha256"
    )
    return newest_first(conn, _table(conn), columns, where, after, limit)


def published_results(
    conn: psycopg.Connection[Any], plan_id: UUID
) -> list[dict[str, Any]] | None:
    """A plan's results as the public sees them (结果公示), once published:
    each firm drawn, and its outcome (None until concluded). None: no such
    published plan."""
    with conn.cursor(row_factory=dict_row) as cur:
        plan = cur.execute(
            sql.SQL("SELECT status FROM {} WHERE id = %s AND kind = 'plan'").format(
                _table(conn)
            ),
            (plan_id,),
        ).fetchone()
        if plan is None or plan["status"] != "published":
            return None
        return cur.execute(
            sql.SQL(
                "SELECT number, uscc, title AS name, product, status, conforming,"
                " failed_items, outcome, concluded_on FROM {}"
                " WHERE plan_id = %s AND kind = 'inspection' ORDER BY number"
            ).format(_table(conn)),
            (plan_id,),
        ).fetchall()


def view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    out = {k: v for k, v in r.items() if not k.startswith("deadline_") and k != "seq"}
    out["deadline"] = deadline_view(
        calendar,
        today,
        r["deadline_kind"],
        r["deadline_due"],
        r["deadline_provisional"],
    )
    return out


def _table(conn: psycopg.Connection[Any]) -> sql.Composable:
    return active_tables(conn, InspectionsIndex.name)()


# -- statistics ---------------------------------------------------------------------------


def statistics(
    conn: psycopg.Connection[Any],
    scope: Scope,
    date_from: date,
    date_to: date,
    unit: str | None,
) -> dict[str, Any]:
    """Sums of the rollup over the period (whole years, months, then days)."""
    tables = active_tables(conn, InspectionsIndex.name)
    sums = sql.SQL(", ").join(
        sql.SQL("coalesce(sum({0}), 0) AS {0}").format(sql.Identifier(m))
        for m in COUNTS.measures
    )
    needed = set() if scope.everything and unit is None else {"unit_code"}
    where = Where()
    buckets, params = COUNTS.buckets(needed, date_from, date_to, Grain.YEAR)
    where.add(buckets, *params)
    where.scope(scope, "unit_code")
    where.unit(unit)
    query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
        sums, tables(COUNTS.table.part), where.sql()
    )
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, where.params, prepare=False).fetchone() or {}
    n = {m: int(row.get(m) or 0) for m in COUNTS.measures}
    return {
        "from": date_from,
        "to": date_to,
        **n,
        # Seed 004: 双随机 tasks 100% completed — inspections concluded of
        # those drawn in the period.
        "completion_rate": failure_rate(n["concluded"], n["targets_drawn"]),
        "pass_rate": failure_rate(
            n["conforming"], n["conforming"] + n["nonconforming"]
        ),
    }
