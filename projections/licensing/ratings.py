"""Read model `ratings`: the applicants' ratings of the handling (工作评议).

One row per rating (the comment as staff may read it: ID-number- and
phone-shaped runs masked, as a public record's free text is), and the rollup
`counts`: per day, month and year × unit × item (and per unit, per item and
overall), how many ratings of each grade, dated by the rating. The
statistics (GET /v1/licensing/statistics/ratings) sum those buckets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

import psycopg
from domain.disclosure.record import scrub
from domain.licensing.rating import HandlingRating
from domain.shared.satisfaction import Rating
from psycopg import sql

from projections.cases import CaseOnBoard, CaseReadModel, Handler
from projections.queries import Scope, Where
from projections.rollups import Bucket, Grain, Rollup, Tally
from projections.runtime import active_tables
from projections.schema import BigInt, Index, Table

R = HandlingRating


@dataclasses.dataclass
class RatingRow:
    id: UUID
    seq: BigInt
    version: int
    application_id: UUID
    receipt_number: str
    item_code: str
    item_name: str
    unit_code: str
    decision: str
    decided_on: date
    rating: str
    comment: str  # masked
    rated_on: date


@dataclasses.dataclass
class RatingCounts(Bucket):
    unit_code: str
    item_code: str
    rated: int
    satisfied: int
    fairly_satisfied: int
    dissatisfied: int


COUNTS = Rollup(
    RatingCounts,
    "counts",
    dimensions=("unit_code", "item_code"),
    cuboids=({"unit_code"}, {"item_code"}, set[str]()),
)
GRADES = tuple(r.value for r in Rating)


class Ratings(CaseReadModel[RatingRow]):
    name = "ratings"
    logs = ("licensing",)
    version = 1
    case_kind = "rating"
    row_table = Table(
        RatingRow,
        primary_key=("id",),
        indexes=(Index("application_id"), Index("unit_code text_pattern_ops", "seq")),
    )
    rollups = (COUNTS,)

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {R.Rated: _rated}

    def deadline_context(self, row: RatingRow) -> CaseOnBoard:
        # A rating runs no deadline; the board never asks (for mypy's sake).
        return CaseOnBoard(
            row.unit_code, row.receipt_number, row.item_code, row.item_name, ""
        )

    def tally(self, row: RatingRow, event: Any, tally: Tally) -> None:
        dimensions = (row.unit_code, row.item_code)
        tally.add(COUNTS, row.rated_on, dimensions, "rated")
        tally.add(COUNTS, row.rated_on, dimensions, row.rating)


def _rated(_: None, e: R.Rated, position: int) -> RatingRow:
    return RatingRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        application_id=e.application_id,
        receipt_number=e.receipt_number,
        item_code=e.item_code,
        item_name=e.item_name,
        unit_code=e.unit_code,
        decision=e.decision,
        decided_on=e.decided_on,
        rating=e.rating.value,
        comment=scrub(e.comment),
        rated_on=e.rated_on,
    )


# -- statistics ---------------------------------------------------------------------


class RatingGroupBy(StrEnum):
    UNIT = "unit"
    ITEM = "item"


GROUP_COLUMNS = {RatingGroupBy.UNIT: "unit_code", RatingGroupBy.ITEM: "item_code"}


@dataclasses.dataclass(frozen=True)
class RatingQuery:
    scope: Scope
    date_from: date
    date_to: date
    unit: str | None = None
    group_by: RatingGroupBy | None = None


def statistics(conn: psycopg.Connection[Any], q: RatingQuery) -> dict[str, Any]:
    """Ratings by grade in the period, per group and in total, with the share
    satisfied (满意率: satisfied and fairly satisfied over all rated)."""
    tables = active_tables(conn, Ratings.name)
    column = GROUP_COLUMNS[q.group_by] if q.group_by else None
    needed = {column} if column else set()
    if not q.scope.everything or q.unit is not None:
        needed.add("unit_code")
    where = Where()
    buckets, params = COUNTS.buckets(needed, q.date_from, q.date_to, Grain.YEAR)
    where.add(buckets, *params)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    group = sql.Identifier(column) if column else sql.SQL("'total'::text")
    measures = ("rated", *GRADES)
    query = sql.SQL(
        "SELECT {group} AS key, {sums} FROM {table} WHERE {where}"
        " GROUP BY ROLLUP ({group}) ORDER BY key NULLS LAST"
    ).format(
        group=group,
        sums=sql.SQL(", ").join(
            sql.SQL("sum({})").format(sql.Identifier(m)) for m in measures
        ),
        table=tables(COUNTS.table.part),
        where=where.sql(),
    )
    rows = conn.execute(query, where.params, prepare=False).fetchall()
    total = _figures(dict.fromkeys(measures, 0))
    groups = []
    for key, *sums in rows:
        found = _figures(dict(zip(measures, sums, strict=True)))
        if key is None:
            total = found
        else:
            groups.append({"key": key, **found})
    return {
        "from": q.date_from,
        "to": q.date_to,
        "group_by": q.group_by,
        "groups": groups if q.group_by else [],
        "total": total,
    }


def _figures(sums: Mapping[str, Any]) -> dict[str, Any]:
    counts = {name: int(n or 0) for name, n in sums.items()}
    rated = counts["rated"]
    content = counts["satisfied"] + counts["fairly_satisfied"]
    return {**counts, "satisfaction_rate": round(content / rated, 4) if rated else None}
