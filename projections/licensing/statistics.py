"""Licensing statistics, summed from the `applications` model's rollups.

Each figure counts the events of its own kind dated within the period: an
application received in December and decided in January counts as received in
December and completed in January, as a hall's monthly report does. A
decision is on time if it was within the legal limit and no deadline of its
case was ever recorded missed (also one that ran after the decision: Art. 44,
certificate issued and served).

The rollups (`application_counts`) hold those counts per day, month and year ×
unit × item, and coarser per unit, per item and overall; a query sums the
buckets that tile its period in the smallest of those that has what it groups
and filters by, and takes the median from the histogram of working days to
decision. What it reads grows with the periods and groups asked for, never
with the number of cases. The figures are those a scan of the model's facts
gives (tests/projections/test_statistics_rollup.py proves it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.licensing.application_counts import COUNTS, DECISION_DAYS
from projections.licensing.applications import Applications
from projections.queries import Scope, Where
from projections.rollups import Grain, Rollup
from projections.runtime import Tables, active_tables

Row = dict[str, Any]
DictCursor = psycopg.Cursor[Row]


class GroupBy(StrEnum):
    CATEGORY = "category"
    ITEM = "item"
    UNIT = "unit"
    MATTER = "matter"  # 事项类型: new, change, renewal, reissue, …
    MONTH = "month"


# The column each grouping reads (a month is the period's).
GROUP_COLUMNS = {
    GroupBy.CATEGORY: "category",
    GroupBy.ITEM: "item_code",
    GroupBy.UNIT: "unit_code",
    GroupBy.MATTER: "matter",
}
GROUP_EXPRESSIONS: dict[GroupBy | None, sql.Composable] = {
    None: sql.SQL("'total'::text"),  # a bare constant is refused in GROUP BY
    **{g: sql.Identifier(c) for g, c in GROUP_COLUMNS.items()},
    GroupBy.MONTH: sql.SQL("to_char(period, 'YYYY-MM')"),
}

# The counts as the response names them, in its order (a rollup measure each).
COUNTED = (
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


@dataclass(frozen=True)
class StatisticsQuery:
    scope: Scope
    date_from: date
    date_to: date
    unit: str | None = None
    group_by: GroupBy | None = None


def statistics(conn: psycopg.Connection[Any], q: StatisticsQuery) -> dict[str, Any]:
    tables = active_tables(conn, Applications.name)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = _counts(cur, tables, q)
    histograms = _decision_days(conn, tables, q)
    total = figures({}, None)
    groups = []
    for r in rows:
        found = figures(r, median(histograms.get(r["key"], {})))
        if r["key"] is None:
            total = found
        else:
            groups.append({"key": r["key"], **found})
    return {
        "from": q.date_from,
        "to": q.date_to,
        "group_by": q.group_by,
        "groups": groups if q.group_by else [],
        "total": total,
    }


def _counts(cur: DictCursor, tables: Tables, q: StatisticsQuery) -> list[Row]:
    """The counts per group and in total (the key None), in the key's order."""
    group = GROUP_EXPRESSIONS[q.group_by]
    sums = sql.SQL(", ").join(
        sql.SQL("sum({0}) AS {0}").format(sql.Identifier(m))
        for m in (*COUNTED, "completed_on_time")
    )
    where = _where(COUNTS, q)
    query = sql.SQL(
        "SELECT {group} AS key, {sums} FROM {table} WHERE {where}"
        " GROUP BY ROLLUP ({group}) ORDER BY key NULLS LAST"
    ).format(group=group, sums=sums, table=tables(COUNTS.table.part), where=where.sql())
    return cur.execute(query, where.params, prepare=False).fetchall()


def _decision_days(
    conn: psycopg.Connection[Any], tables: Tables, q: StatisticsQuery
) -> dict[str | None, Counter[int]]:
    """Group key → working days to decision → decisions; the total under None.
    Grouped by plain columns (hashed, not sorted); months and the total are
    summed here."""
    column = "period" if q.group_by is GroupBy.MONTH else _column(q.group_by)
    keys = [sql.Identifier(c) for c in (column, "working_days") if c is not None]
    where = _where(DECISION_DAYS, q)
    query = sql.SQL(
        "SELECT {keys}, sum(decisions) FROM {table} WHERE {where} GROUP BY {keys}"
    ).format(
        keys=sql.SQL(", ").join(keys),
        table=tables(DECISION_DAYS.table.part),
        where=where.sql(),
    )
    found: dict[str | None, Counter[int]] = defaultdict(Counter)
    total = found[None]
    with conn.cursor() as cur:
        rows = cur.execute(query, where.params, prepare=False).fetchall()
    for *key, days, n in rows:
        total[days] += n
        if column == "period":
            found[f"{key[0].year:04d}-{key[0].month:02d}"][days] += n
        elif column is not None:
            found[key[0]][days] += n
    return found


def _column(group_by: GroupBy | None) -> str | None:
    return GROUP_COLUMNS.get(group_by) if group_by is not None else None


def _where(rollup: Rollup[Any], q: StatisticsQuery) -> Where:
    """The buckets of the period in the smallest cuboid the query can read.

    Its queries are never prepared: a generic plan cannot read the unit
    prefix (`LIKE %s`) through the index, and psycopg prepares a statement
    run five times."""
    column = _column(q.group_by)
    needed = {column} if column else set()
    if not q.scope.everything or q.unit is not None:
        needed.add("unit_code")
    # A year's bucket cannot be split into months.
    coarsest = Grain.MONTH if q.group_by is GroupBy.MONTH else Grain.YEAR
    where = Where()
    buckets, params = rollup.buckets(needed, q.date_from, q.date_to, coarsest)
    where.add(buckets, *params)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    return where


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of the values a histogram counts, as PostgreSQL's
    `percentile_cont(0.5)` gives it: the middle value, or the two middle
    values interpolated (the same float arithmetic, so the same float)."""
    size = sum(histogram.values())
    if size == 0:
        return None
    position = 0.5 * (size - 1)
    below = int(position)
    lower = upper = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen > below:
            lower = value
        if seen > below + 1 or (seen > below and position == below):
            upper = value
            break
    assert lower is not None
    assert upper is not None
    return lower + (upper - lower) * (position - below)


def figures(r: Mapping[str, Any], median: float | None) -> dict[str, Any]:
    """One row of the response from a row of counts (missing counts are 0)."""
    completed = int(r.get("completed") or 0)
    on_time = int(r.get("completed_on_time") or 0)
    return {
        **{name: int(r.get(name) or 0) for name in COUNTED},
        "on_time_rate": round(on_time / completed, 4) if completed else None,
        "median_working_days_to_decision": median,
    }
