"""Statistics of the 12315 line, summed from the `complaints` model's rollup.

Each figure counts the facts of its own kind dated within the period
(`counts` says which day each fact counts on), under the unit the case was
with when it happened: intakes at the intake unit, decisions at the unit that
made them. A query sums the buckets that tile its period (whole years, whole
months, the days at either end) in the smallest cuboid that has what it
groups and filters by: what it reads grows with the periods and groups asked
for, never with the number of cases. The figures are those a scan of the
events gives (tests/projections/test_complaints_rollups.py proves it).

A district's yearly line (seed 002: "今年以来共接受群众举报投诉10多件，接受咨询
90多人次，为群众挽回经济损失400多万元") is `yearly_line` of the total for its
unit and the year: the intakes found to be complaints or reports (投诉, 举报,
both, and complaints taken to an ODR business first), the enquiries answered,
and the losses the bureau's mediation recovered (an ODR settlement is the
business's, counted under `odr`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import psycopg
from domain.complaints.parties import (
    Channel,
    Classification,
    NonAcceptanceGround,
    Rating,
    TerminationGround,
)
from psycopg import sql
from psycopg.rows import dict_row

from projections.complaints.counts import (
    COUNTS,
    classified_as,
    not_accepted_for,
    rated,
    received_by,
    terminated_for,
)
from projections.complaints.index import ComplaintsIndex
from projections.queries import Scope, Where
from projections.rollups import Grain
from projections.runtime import active_tables

# What seed 002's line counts as 举报投诉 received (not a complaint about the
# bureau's own staff, which is the supervision office's, nor an enquiry).
LINE_CLASSIFICATIONS = (
    Classification.COMPLAINT,
    Classification.REPORT,
    Classification.BOTH,
    Classification.ODR,
)


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
    unit: str | None = None  # a unit and the units under it
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
    """Every measure summed per group and in total (the key None), in key
    order. Never prepared: a generic plan cannot read the unit prefix
    (`LIKE %s`) through the index (see licensing's statistics)."""
    tables = active_tables(conn, ComplaintsIndex.name)
    group = GROUP_EXPRESSIONS[q.group_by]
    sums = sql.SQL(", ").join(
        sql.SQL("sum({0}) AS {0}").format(sql.Identifier(m)) for m in COUNTS.measures
    )
    needed = {"unit_code"} if q.group_by is GroupBy.UNIT else set()
    if not q.scope.everything or q.unit is not None:
        needed.add("unit_code")
    # A year's bucket cannot be split into months.
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


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(r: Mapping[str, Any]) -> dict[str, Any]:
    """One row of the response from a row of sums (a missing sum is 0)."""

    def n(measure: str) -> int:
        return int(r.get(measure) or 0)

    decided = n("accepted") + n("not_accepted")
    satisfied = n(rated(Rating.SATISFIED)) + n(rated(Rating.FAIRLY_SATISFIED))
    ratings = {g.value: n(rated(g)) for g in Rating}
    return {
        "intakes": {
            "received": n("received"),
            "by_channel": {c.value: n(received_by(c)) for c in Channel},
            "by_classification": {c.value: n(classified_as(c)) for c in Classification},
        },
        "complaints": {
            "registered": n("complaints"),
            "accepted": n("accepted"),
            "not_accepted": n("not_accepted"),
            "not_accepted_by_ground": {
                g.value: n(not_accepted_for(g)) for g in NonAcceptanceGround
            },
            # Art. 14: decided within 7 working days, none missed.
            "decided_on_time": n("acceptance_on_time"),
            "decided_on_time_rate": _rate(n("acceptance_on_time"), decided),
            "agreed": n("agreed"),
            "recovered_fen": n("recovered_fen"),
            "terminated": n("terminated"),
            "terminated_by_ground": {
                g.value: n(terminated_for(g)) for g in TerminationGround
            },
            "withdrawn": n("withdrawn"),
        },
        "reports": {
            "registered": n("reports"),
            "verified": n("reports_verified"),
            "verified_on_time": n("reports_verified_on_time"),
            "verified_on_time_rate": _rate(
                n("reports_verified_on_time"), n("reports_verified")
            ),
            "cases_opened": n("cases_opened"),
            "cases_not_opened": n("cases_not_opened"),
            "reporters_to_tell": n("reporters_to_tell"),
            "reporters_told": n("reporters_told"),
            "reporters_told_on_time": n("reporters_told_on_time"),
            "reporters_told_on_time_rate": _rate(
                n("reporters_told_on_time"), n("reporters_told")
            ),
        },
        "ratings": {
            **ratings,
            "rated": sum(ratings.values()),
            # 满意率: 满意 and 基本满意 among all ratings.
            "satisfaction_rate": _rate(satisfied, sum(ratings.values())),
        },
        # ODR (issue 10 §3a): settled by the business, apart from mediation.
        "odr": {
            "disputes": n("odr_disputes"),
            "settled": n("odr_settled"),
            "not_settled": n("odr_not_settled"),
            "recovered_fen": n("odr_recovered_fen"),
            "escalated": n("odr_escalated"),
            "contested": n("odr_contested"),
            "unanswered": n("odr_unanswered"),
        },
        "deadlines_missed": n("deadlines_missed"),
        "yearly_line": {
            "complaints_and_reports_received": sum(
                n(classified_as(c)) for c in LINE_CLASSIFICATIONS
            ),
            "enquiries_answered": n(classified_as(Classification.ENQUIRY)),
            "recovered_fen": n("recovered_fen"),
        },
    }
