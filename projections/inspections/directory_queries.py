"""Queries of the `inspection_directory` model: the directories page by page,
what a draw's commitment freezes (the candidates in a region, the pool), the
public item list, and the nominations counted and grouped."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from domain.inspections.plan import DirectoryEntry, PoolEntry
from psycopg import sql
from psycopg.rows import dict_row

from projections.inspections.directory import InspectionDirectory, Kind
from projections.queries import Page, Scope, Where, decode_cursor, page_of
from projections.runtime import active_tables

TARGET_COLUMNS = sql.SQL(
    "key AS uscc, name, region_code, industry, products, risk_tags, priority,"
    " abnormal, complaints, last_inspected"
)
INSPECTOR_COLUMNS = sql.SQL(
    "key AS staff_no, name, region_code AS unit_code, lines, qualifications, active,"
    " conflicts"
)
ITEM_COLUMNS = sql.SQL(
    "key AS code, name, item_kind AS kind, target_kind, line, legal_basis,"
    " max_ratio_permille, frequency_per_year, active"
)
COLUMNS = {
    Kind.TARGET: TARGET_COLUMNS,
    Kind.INSPECTOR: INSPECTOR_COLUMNS,
    Kind.ITEM: ITEM_COLUMNS,
}


def _table(conn: psycopg.Connection[Any]) -> sql.Composable:
    return active_tables(conn, InspectionDirectory.name)()


def listing(
    conn: psycopg.Connection[Any],
    kind: Kind,
    scope: Scope,
    *,
    region: str | None = None,
    industry: str | None = None,
    product: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[dict[str, Any]]:
    """A directory (or the item list) in key order, a page at a time."""
    where = Where()
    where.add("kind = %s", kind.value)
    if kind is not Kind.ITEM:
        where.scope(scope, "region_code")
    if region is not None:
        where.add("region_code LIKE %s", region + "%")
    if industry is not None:
        where.add("industry LIKE %s", industry + "%")
    if product is not None:
        where.add("%s = ANY(products)", product)
    if after is not None:
        (key,) = decode_cursor(after, (str,))
        where.add("key > %s", key)
    query = sql.SQL("SELECT {}, key FROM {} WHERE {} ORDER BY key LIMIT %s").format(
        COLUMNS[kind], _table(conn), where.sql()
    )
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*where.params, limit + 1]).fetchall()
    page = page_of(rows, limit, lambda r: (r["key"],))
    for r in page.items:
        del r["key"]
    return page


def candidates(
    conn: psycopg.Connection[Any], region: str, item_code: str
) -> list[DirectoryEntry]:
    """Every target in a region (a prefix), with its last check under the
    item: the plan keeps those in scope and not checked too often."""
    query = sql.SQL(
        "SELECT key, name, region_code, industry, products, priority, abnormal,"
        " complaints, last_inspected FROM {}"
        " WHERE kind = 'target' AND region_code LIKE %s ORDER BY key"
    ).format(_table(conn))
    with conn.cursor() as cur:
        rows = cur.execute(query, (region + "%",)).fetchall()
    prefix = f"{item_code}:"
    return [
        DirectoryEntry(
            uscc=r[0],
            name=r[1],
            region_code=r[2],
            industry=r[3] or "",
            products=tuple(r[4]),
            priority=bool(r[5]),
            abnormal=r[6],
            complaints=r[7],
            last_inspected=next(
                (
                    date.fromisoformat(x[len(prefix) :])
                    for x in r[8]
                    if x.startswith(prefix)
                ),
                None,
            ),
        )
        for r in rows
    ]


def pool(conn: psycopg.Connection[Any]) -> list[PoolEntry]:
    """Every inspector (the plan keeps the active ones of its line and unit)."""
    query = sql.SQL(
        "SELECT key, region_code, lines, active, conflicts FROM {}"
        " WHERE kind = 'inspector' ORDER BY key"
    ).format(_table(conn))
    with conn.cursor() as cur:
        rows = cur.execute(query).fetchall()
    return [
        PoolEntry(
            staff_no=r[0],
            unit_code=r[1],
            lines=tuple(r[2]),
            active=r[3],
            conflicts=tuple(r[4]),
        )
        for r in rows
    ]


def nominations_grouped(
    conn: psycopg.Connection[Any],
    scope: Scope,
    date_from: date | None,
    date_to: date | None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """你点我查 counted: the same firm (by USCC) or the same named product or
    place is one group, most-nominated first, with how many are already in
    a plan and the ids a plan may include."""
    where = Where()
    where.add("kind = 'nomination'")
    where.scope(scope, "region_code")
    if date_from is not None:
        where.add("submitted_on >= %s", date_from)
    if date_to is not None:
        where.add("submitted_on <= %s", date_to)
    query = sql.SQL(
        "SELECT subject_kind AS kind, coalesce(uscc, name) AS subject,"
        " min(name) AS named, uscc, count(*) AS nominations,"
        " count(plan_id) AS in_plans,"
        " (array_agg(id ORDER BY seq) FILTER (WHERE plan_id IS NULL))[1:50] AS open_ids"
        " FROM {} WHERE {} GROUP BY subject_kind, coalesce(uscc, name), uscc"
        " ORDER BY count(*) DESC, subject LIMIT %s"
    ).format(_table(conn), where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*where.params, limit]).fetchall()
    for r in rows:
        r["open_ids"] = r["open_ids"] or []
    return rows


def nomination(conn: psycopg.Connection[Any], number: str) -> dict[str, Any] | None:
    query = sql.SQL(
        "SELECT key AS number, subject_kind AS kind, name AS subject, region_code,"
        " uscc, submitted_on, plan_id, plan_number FROM {}"
        " WHERE kind = 'nomination' AND key = %s"
    ).format(_table(conn))
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, (number,)).fetchone()
