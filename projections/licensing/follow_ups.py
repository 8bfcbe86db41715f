"""Read model `follow_ups`: each licence's follow-up visits (回访) and the one due.

One row per schedule; its deadline is the next visit, on the board, and the
clock's timer the day after it (`record_missed_visit`). The schedule ends with
its licence: the licence's end (withdrawn, revoked, cancelled, expired) is
another aggregate's event, so it is applied by the schedule's id (which
follows from the licence's, `follow_up_id`) after the batch's own events, and
takes the due visit off the board and the clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.licensing.follow_up import RULE_FOLLOW_UP, FollowUp, follow_up_id
from domain.licensing.licence import Licence
from psycopg import sql

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.runtime import Cursor, Positioned, Tables
from projections.schema import BigInt, Index, Table

F = FollowUp
KIND = "follow_up_visit"
# The licence's end: its follow-up visits end with it.
LICENCE_ENDS = (Licence.Withdrawn, Licence.Revoked, Licence.Cancelled, Licence.Expired)


@dataclasses.dataclass
class FollowUpRow:
    id: UUID
    seq: BigInt  # log position of the grant: the list's stable order
    version: int
    licence_id: UUID
    licence_number: str
    holder_name: str
    holder_uscc: str | None
    item_code: str
    item_name: str
    unit_code: str
    interval_months: int
    granted_on: date
    next_due: date
    visits: int = 0
    missed: int = 0
    last_visited_on: date | None = None
    licence_ended: bool = False


class FollowUps(CaseReadModel[FollowUpRow]):
    name = "follow_ups"
    logs = ("licensing",)
    version = 1
    case_kind = "follow-up schedule"
    row_table = Table(
        FollowUpRow,
        primary_key=("id",),
        indexes=(Index("licence_id"), Index("unit_code text_pattern_ops", "seq")),
    )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            F.Scheduled: _scheduled,
            F.VisitRecorded: _visited,
            F.VisitMissed: _missed,
        }

    @property
    def topics(self) -> frozenset[str]:
        return super().topics | {end.TOPIC for end in LICENCE_ENDS}

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        ends = [p for p in events if isinstance(p.event, LICENCE_ENDS)]
        super().apply(cur, tables, [p for p in events if p not in ends])
        if ends:
            ids = [follow_up_id(p.event.originator_id) for p in ends]
            cur.execute(
                sql.SQL("UPDATE {} SET licence_ended = true WHERE id = ANY(%s)").format(
                    tables()
                ),
                (ids,),
            )
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE case_id = ANY(%s)").format(
                    tables("deadlines")
                ),
                (ids,),
            )

    def deadlines(self, row: FollowUpRow) -> Iterable[Deadline]:
        if row.licence_ended:
            return []
        return [
            Deadline(
                KIND,
                row.next_due,
                RULE_FOLLOW_UP,
                action="record_missed_visit",
                fires_on=row.next_due + timedelta(days=1),
            )
        ]

    def deadline_context(self, row: FollowUpRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.licence_number,
            subject_code=row.item_code,
            subject_name=row.item_name,
            party_name=row.holder_name,
        )


def _scheduled(_: None, e: F.Scheduled, position: int) -> FollowUpRow:
    return FollowUpRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        licence_id=e.licence_id,
        licence_number=e.licence_number,
        holder_name=e.holder_name,
        holder_uscc=e.holder_uscc,
        item_code=e.item_code,
        item_name=e.item_name,
        unit_code=e.unit_code,
        interval_months=e.interval_months,
        granted_on=e.granted_on,
        next_due=e.next_due,
    )


def _visited(row: FollowUpRow, e: F.VisitRecorded, _: int) -> FollowUpRow:
    row.visits += 1
    row.last_visited_on = e.visited_on
    row.next_due = e.next_due
    return row


def _missed(row: FollowUpRow, e: F.VisitMissed, _: int) -> FollowUpRow:
    row.missed += 1
    row.next_due = e.next_due
    return row
