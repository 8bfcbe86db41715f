"""Queries of the `credit_distributions` model: a unit's newly distributed
enterprises, newest first, a page at a time."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.credit.distributions import Distributions
from projections.queries import Page, Scope, Where, decode_cursor, page_of
from projections.runtime import active_tables


def distributed(
    conn: psycopg.Connection[Any],
    scope: Scope,
    *,
    unit: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[dict[str, Any]]:
    """Enterprises distributed to units in the scope (and under `unit`)."""
    where = Where()
    where.add("unit_code IS NOT NULL")
    where.scope(scope, "unit_code")
    where.unit(unit)
    if after is not None:
        (seq,) = decode_cursor(after, (int,))
        where.add("seq < %s", seq)
    query = sql.SQL(
        "SELECT uscc, name, region_code, unit_code, distributed_at, batch, seq"
        " FROM {} WHERE {} ORDER BY seq DESC LIMIT %s"
    ).format(active_tables(conn, Distributions.name)(), where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*where.params, limit + 1]).fetchall()
    page = page_of(rows, limit, lambda r: (r["seq"],))
    for r in page.items:
        del r["seq"]
    return page
