"""Read model `liaisons`: enterprise liaison (质企联系), its due visit and its
quarterly counts.

One row per liaison; its deadline is the owed quarter's last day, on the
board, and the clock's timer the day after (`record_missed_quarter`). The
rollup `quarters` counts, per unit and quarter (dated on the quarter's first
day, so each month bucket of a quarter's first month holds exactly that
quarter): the enterprises under liaison in it (every quarter from the
designation's to the owed one or the last visited, until the liaison ends),
those visited, the visits and their findings. "Not visited" is under
liaison less visited. The quarterly analysis (定时分析) sums these buckets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import psycopg
from domain.licensing.liaison import (
    RULE_LIAISON,
    Liaison,
    next_quarter,
    owed_quarter,
    quarter_end,
    quarter_label,
    quarter_of,
)
from psycopg import sql

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.queries import Scope, Where
from projections.rollups import Bucket, Rollup, Tally
from projections.runtime import active_tables
from projections.schema import BigInt, Index, Table

L = Liaison
KIND = "liaison_visit"


@dataclasses.dataclass
class LiaisonRow:
    id: UUID
    seq: BigInt
    version: int
    uscc: str
    enterprise_name: str
    contact_staff_no: str
    contact_name: str
    unit_code: str
    since: date
    visited_quarters: list[str] = dataclasses.field(default_factory=list)
    missed_quarters: list[str] = dataclasses.field(default_factory=list)
    visits: int = 0
    last_visited_on: date | None = None
    ended_on: date | None = None
    # The last quarter counted under liaison in the rollup.
    counted_through: date | None = None


@dataclasses.dataclass
class QuarterCounts(Bucket):
    unit_code: str
    under_liaison: int
    visited: int
    visits: int
    findings: int


QUARTERS = Rollup(QuarterCounts, "quarters", dimensions=("unit_code",))


def due_quarter(row: LiaisonRow) -> date | None:
    """The owed quarter, as the aggregate decides it (`Liaison.due_quarter`)."""
    if row.ended_on is not None:
        return None
    settled = {*row.visited_quarters, *row.missed_quarters}
    return owed_quarter(row.since, {date.fromisoformat(q) for q in settled})


class Liaisons(CaseReadModel[LiaisonRow]):
    name = "liaisons"
    logs = ("licensing",)
    version = 1
    case_kind = "liaison"
    row_table = Table(
        LiaisonRow,
        primary_key=("id",),
        indexes=(Index("uscc"), Index("unit_code text_pattern_ops", "seq")),
    )
    rollups = (QUARTERS,)

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            L.Designated: _designated,
            L.ContactChanged: _contact_changed,
            L.VisitRecorded: _visited,
            L.QuarterMissed: _missed,
            L.Ended: _ended,
        }

    def deadlines(self, row: LiaisonRow) -> Iterable[Deadline]:
        quarter = due_quarter(row)
        if quarter is None:
            return []
        due = quarter_end(quarter)
        return [
            Deadline(
                KIND,
                due,
                RULE_LIAISON,
                action="record_missed_quarter",
                fires_on=due + timedelta(days=1),
            )
        ]

    def deadline_context(self, row: LiaisonRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.uscc,
            subject_code="质企联系",
            subject_name=f"联系人 {row.contact_name}",
            party_name=row.enterprise_name,
        )

    def tally(self, row: LiaisonRow, event: Any, tally: Tally) -> None:
        unit = (row.unit_code,)
        if isinstance(event, L.VisitRecorded):
            tally.add(QUARTERS, event.quarter, unit, "visits")
            tally.add(QUARTERS, event.quarter, unit, "findings", len(event.findings))
            if event.first_of_quarter:
                tally.add(QUARTERS, event.quarter, unit, "visited")
        # Every quarter up to the owed one (or a later one visited) is a
        # quarter under liaison, counted once; the row remembers how far.
        horizon = max(
            (q for q in (due_quarter(row), _last_visited(row)) if q is not None),
            default=None,
        )
        if horizon is None:
            return
        quarter = (
            next_quarter(row.counted_through)
            if row.counted_through is not None
            else quarter_of(row.since)
        )
        while quarter <= horizon:
            tally.add(QUARTERS, quarter, unit, "under_liaison")
            row.counted_through = quarter
            quarter = next_quarter(quarter)


def _last_visited(row: LiaisonRow) -> date | None:
    return quarter_of(row.last_visited_on) if row.last_visited_on else None


def _designated(_: None, e: L.Designated, position: int) -> LiaisonRow:
    return LiaisonRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        uscc=e.uscc,
        enterprise_name=e.enterprise_name,
        contact_staff_no=e.contact.staff_no,
        contact_name=e.contact.name,
        unit_code=e.unit_code,
        since=e.since,
    )


def _contact_changed(row: LiaisonRow, e: L.ContactChanged, _: int) -> LiaisonRow:
    row.contact_staff_no = e.contact.staff_no
    row.contact_name = e.contact.name
    return row


def _visited(row: LiaisonRow, e: L.VisitRecorded, _: int) -> LiaisonRow:
    row.visits += 1
    if e.first_of_quarter:
        row.visited_quarters = [*row.visited_quarters, e.quarter.isoformat()]
    if row.last_visited_on is None or e.visited_on > row.last_visited_on:
        row.last_visited_on = e.visited_on
    return row


def _missed(row: LiaisonRow, e: L.QuarterMissed, _: int) -> LiaisonRow:
    row.missed_quarters = [*row.missed_quarters, e.quarter.isoformat()]
    return row


def _ended(row: LiaisonRow, e: L.Ended, _: int) -> LiaisonRow:
    row.ended_on = e.ended_on
    return row


# -- the quarterly analysis (定时分析) ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AnalysisQuery:
    scope: Scope
    first: date  # the first quarter's first day
    last: date  # the last quarter's first day
    unit: str | None = None


def analysis(conn: psycopg.Connection[Any], q: AnalysisQuery) -> list[dict[str, Any]]:
    """Per unit and quarter: under liaison, visited, not visited, visits and
    findings, summed from the quarter buckets (never the liaisons' rows)."""
    tables = active_tables(conn, Liaisons.name)
    where = Where()
    where.add(
        "cuboid = 0 AND grain = 'month' AND period BETWEEN %s AND %s"
        " AND extract(month FROM period) IN (1, 4, 7, 10)",
        q.first,
        q.last,
    )
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    query = sql.SQL(
        "SELECT unit_code, period, sum(under_liaison), sum(visited), sum(visits),"
        " sum(findings) FROM {} WHERE {} GROUP BY unit_code, period"
        " ORDER BY period, unit_code"
    ).format(tables(QUARTERS.table.part), where.sql())
    rows = conn.execute(query, where.params, prepare=False).fetchall()
    return [
        {
            "quarter": quarter_label(period),
            "unit_code": unit,
            "under_liaison": int(under),
            "visited": int(visited),
            "not_visited": int(under) - int(visited),
            "visits": int(visits),
            "findings": int(findings),
        }
        for unit, period, under, visited, visits, findings in rows
    ]
