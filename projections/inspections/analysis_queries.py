"""Queries of the `inspection_analysis` model: the quality analysis of an
industry (质量分析, seed 000) over whole months.

Per industry and product: samples, failures and the failure rate; the test
items that failed at two or more firms (共性问题), most failures first; those
that failed at exactly one firm (个性问题), with the firm; and the month by
month trend. Everything is summed from the rollups (two statements, a few
hundred bucket rows), never from the rows, except the names of the firms of
the 个性 items listed, looked up by USCC (at most `top` per group).

Jurisdiction: a unit's staff see what its units counted (a region-code
prefix of `unit_code`); readers who see everything read the rollups' cuboid
without the unit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg
from domain.shared.errors import InvalidInputError
from psycopg import sql

from projections.inspections.analysis import (
    ITEM_FAILURES,
    ROWS,
    SAMPLES,
    QualityAnalysis,
)
from projections.queries import Scope, Where
from projections.rollups import Grain, Rollup, last_day
from projections.runtime import Tables, active_tables

MAX_MONTHS = 12 * 20
ITEM_GROUPING = {"industry", "product", "test_item", "uscc"}
MAX_TOP = 50
RATE_PLACES = Decimal("0.0001")
MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"  # no year 0: date() refuses it
MONTH = re.compile(MONTH_PATTERN)


@dataclass(frozen=True)
class AnalysisQuery:
    scope: Scope
    first_month: date  # any day of it
    last_month: date  # any day of it
    unit: str | None = None  # a unit and the units under it
    industry: str | None = None  # a GB/T 4754 prefix: "C", "C38", "C3849"
    product: str | None = None  # exactly
    top: int = 10  # items listed per group, of each kind

    @property
    def first(self) -> date:
        return self.first_month.replace(day=1)

    @property
    def last(self) -> date:
        return last_day(Grain.MONTH, self.last_month.replace(day=1))


def month_of(value: str, field: str) -> date:
    """`YYYY-MM` as the first day of that month; anything else is the
    caller's error, naming `field`."""
    if not MONTH.fullmatch(value):
        raise InvalidInputError(f"{value!r} is not a month (YYYY-MM)", field=field)
    return date(int(value[:4]), int(value[5:]), 1)


def failure_rate(failures: int, samples: int) -> str | None:
    """不合格率 as a decimal string of four places, rounded half up (exact:
    no float), or None with no samples."""
    if samples <= 0:
        return None
    rate = (Decimal(failures) / Decimal(samples)).quantize(RATE_PLACES, ROUND_HALF_UP)
    return str(rate)


def analysis(conn: psycopg.Connection[Any], q: AnalysisQuery) -> dict[str, Any]:
    """The analysis from the model's active generation."""
    return analysis_of(conn, active_tables(conn, QualityAnalysis.name), q)


def analysis_of(
    conn: psycopg.Connection[Any], tables: Tables, q: AnalysisQuery
) -> dict[str, Any]:
    """The analysis from the tables of one generation."""
    _check(q)
    with conn.cursor() as cur:
        monthly = cur.execute(*_monthly(tables, q), prepare=False).fetchall()
        items = cur.execute(*_items(tables, q), prepare=False).fetchall()
        single = sorted({r[6] for r in items if r[4] == 1})
        names = _names(cur, tables, single)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for industry, product, period, samples, failures in monthly:
        samples, failures = int(samples), int(failures)
        if samples == 0 and failures == 0:
            continue  # counted, then taken back
        group = groups.get((industry, product))
        if group is None:
            group = groups[(industry, product)] = _group(industry, product)
        group["samples"] += samples
        group["failures"] += failures
        group["trend"].append(
            {
                "month": f"{period:%Y-%m}",
                "samples": samples,
                "failures": failures,
                "failure_rate": failure_rate(failures, samples),
            }
        )
    for industry, product, item, failures, firms, total, uscc in items:
        group = groups.get((industry, product))
        if group is None:  # pragma: no cover - an item fails only with its sample
            continue
        if firms > 1:
            group["common_problems"].append(
                {"test_item": item, "failures": int(failures), "firms": int(firms)}
            )
            group["common_problems_total"] = int(total)
        else:
            group["single_firm_problems"].append(
                {
                    "test_item": item,
                    "failures": int(failures),
                    "uscc": uscc,
                    "name": names.get(uscc, ""),
                }
            )
            group["single_firm_problems_total"] = int(total)
    found = [groups[key] for key in sorted(groups)]
    for group in found:
        group["failure_rate"] = failure_rate(group["failures"], group["samples"])
    samples = sum(g["samples"] for g in found)
    failures = sum(g["failures"] for g in found)
    return {
        "from": f"{q.first:%Y-%m}",
        "to": f"{q.last:%Y-%m}",
        "unit": q.unit,
        "industry": q.industry,
        "product": q.product,
        "groups": found,
        "total": {
            "samples": samples,
            "failures": failures,
            "failure_rate": failure_rate(failures, samples),
        },
    }


def _check(q: AnalysisQuery) -> None:
    if q.first > q.last:
        raise InvalidInputError("`from` is after `to`", field="from")
    months = (q.last.year - q.first.year) * 12 + q.last.month - q.first.month + 1
    if months > MAX_MONTHS:
        raise InvalidInputError("the period may span at most 20 years", field="to")
    if not 1 <= q.top <= MAX_TOP:
        raise InvalidInputError(f"top is 1 to {MAX_TOP}", field="top")


def _group(industry: str, product: str) -> dict[str, Any]:
    return {
        "industry": industry,
        "product": product,
        "samples": 0,
        "failures": 0,
        "failure_rate": None,
        "common_problems": [],
        "common_problems_total": 0,
        "single_firm_problems": [],
        "single_firm_problems_total": 0,
        "trend": [],
    }


def _where(
    rollup: Rollup[Any], grouped: set[str], q: AnalysisQuery, coarsest: Grain
) -> Where:
    """The buckets of the period in the smallest cuboid the query can read,
    within the reader's jurisdiction and the filters."""
    needed = set(grouped)
    if not q.scope.everything or q.unit is not None:
        needed.add("unit_code")
    where = Where()
    buckets, params = rollup.buckets(needed, q.first, q.last, coarsest)
    where.add(buckets, *params)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    if q.industry is not None:
        where.add("industry LIKE %s", q.industry + "%")
    if q.product is not None:
        where.add("product = %s", q.product)
    return where


def _monthly(tables: Tables, q: AnalysisQuery) -> tuple[sql.Composed, list[Any]]:
    """Samples and failures per industry, product and month.

    Never prepared (nor any query here): a generic plan cannot read the unit
    prefix (`LIKE %s`) through the index."""
    where = _where(SAMPLES, {"industry", "product"}, q, Grain.MONTH)
    query = sql.SQL(
        "SELECT industry, product, period, sum(samples), sum(failures)"
        " FROM {} WHERE {} GROUP BY industry, product, period"
        " ORDER BY industry, product, period"
    ).format(tables(SAMPLES.table.part), where.sql())
    return query, where.params


def _items(tables: Tables, q: AnalysisQuery) -> tuple[sql.Composed, list[Any]]:
    """Per industry and product, the `top` items failing at two or more firms
    and the `top` failing at one, most failures first: (industry, product,
    item, failures, firms, how many items of that kind, the one firm's USCC)."""
    where = _where(ITEM_FAILURES, ITEM_GROUPING, q, Grain.YEAR)
    query = sql.SQL(
        "WITH per_firm AS ("
        " SELECT industry, product, test_item, uscc, sum(failures) AS failures"
        " FROM {table} WHERE {where}"
        " GROUP BY industry, product, test_item, uscc HAVING sum(failures) > 0"
        "), per_item AS ("
        " SELECT industry, product, test_item, sum(failures) AS failures,"
        " count(*) AS firms, min(uscc) AS uscc"
        " FROM per_firm GROUP BY industry, product, test_item"
        "), ranked AS ("
        " SELECT *, row_number() OVER w AS place, count(*) OVER w AS total"
        " FROM per_item WINDOW w AS (PARTITION BY industry, product, firms > 1"
        ' ORDER BY failures DESC, firms DESC, test_item COLLATE "C"'
        " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        ")"
        " SELECT industry, product, test_item, failures, firms, total, uscc"
        " FROM ranked WHERE place <= %s"
        " ORDER BY industry, product, firms > 1 DESC, place"
    ).format(table=tables(ITEM_FAILURES.table.part), where=where.sql())
    return query, [*where.params, q.top]


def _names(
    cur: psycopg.Cursor[Any], tables: Tables, usccs: list[str]
) -> dict[str, str]:
    """Each firm's name as its latest counted inspection gives it (by the
    USCC index: a handful of rows)."""
    if not usccs:
        return {}
    query = sql.SQL(
        "SELECT DISTINCT ON (uscc) uscc, name FROM {} WHERE uscc = ANY(%s)"
        " ORDER BY uscc, counted_on DESC NULLS LAST, number DESC"
    ).format(tables(ROWS.part))
    found: dict[str, str] = defaultdict(str)
    for uscc, name in cur.execute(query, (usccs,), prepare=False):
        found[uscc] = name
    return dict(found)
