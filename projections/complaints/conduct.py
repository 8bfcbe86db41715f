"""Read model `conduct_complaints`: every conduct complaint (效能投诉, issue 10
§6) as one row, its deadline and its fold; its queries are in
`conduct_queries`.

A model of its own, so that nothing of these cases sits among the rows the
rest of the staff read: the supervision office and auditors query it (the API
refuses everyone else), its deadlines are on the board only for them
(`board_roles`), and the clock records the bureau's period missed all the
same. The complainant appears only as a pseudonym (Art. 33's logic); the
member of staff complained about by number and name, which only these
readers see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.complaints.conduct import RULE_CONCLUSION, ConductComplaint, DeadlineKind
from domain.complaints.conduct import Status as ConductStatus
from domain.shared.audit import Role
from domain.shared.calendar import DueDate

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.complaints.index import retention
from projections.schema import BigInt, Index, Table

X = ConductComplaint
CONCLUSION = DeadlineKind.CONCLUSION.value


@dataclasses.dataclass
class ConductRow:
    """One conduct complaint as its readers' index and the clock see it."""

    id: UUID
    seq: BigInt  # log position of its first event: the index's stable order
    version: int
    number: str
    status: str  # a conduct.Status
    channel: str
    unit_code: str  # the unit complained about
    intake_unit_code: str  # the unit whose desk received it
    intake_id: UUID
    subject_no: str | None  # the member of staff complained about, if named
    subject_name: str | None
    received_on: date
    people: list[str]  # the complainant's pseudonym only
    responsible_no: str  # 首问负责: answerable until a recorded hand-over
    responsible_name: str
    conclusion_due: date  # the bureau's 效能投诉 rule (UNCONFIRMED)
    conclusion_calendar: str | None = None  # the calendar of a provisional date
    missed: list[str] = dataclasses.field(default_factory=list)  # "kind:date"
    finding: str | None = None
    concluded_on: date | None = None
    notified_on: date | None = None  # the complainant told: 办结
    rating: str | None = None
    closed: bool = False
    shredded: bool = False  # its people's keys destroyed (retention ended)
    updated_at: datetime | None = None


class ConductIndex(CaseReadModel[ConductRow]):
    name = "conduct_complaints"
    logs = ("complaints",)
    version = 2  # 2: the retention timer; the board row withheld from its subject
    case_kind = "conduct"
    board_roles = frozenset({Role.SUPERVISION.value, Role.AUDITOR.value})
    row_table = Table(
        ConductRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("unit_code text_pattern_ops", "seq"),
            Index("status", "seq"),
        ),
    )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            X.Opened: _opened,
            X.HandedOver: _handed_over,
            X.PersonalDataRead: _touch,
            X.OutcomeRecorded: _outcome_recorded,
            X.ComplainantNotified: _complainant_notified,
            X.Rated: _rated,
            X.DeadlineMissed: _deadline_missed,
            X.DeadlinesRecomputed: _recomputed,
            X.PersonalDataShredded: _shredded,
        }

    def deadlines(self, row: ConductRow) -> Iterable[Deadline]:
        """Until the complainant is told; the clock records it missed the
        day after, once. Once closed, the retention timer (index.py)."""
        if row.closed:
            return retention(row.shredded, row.updated_at)
        due = row.conclusion_due
        recorded = f"{CONCLUSION}:{due}" in row.missed
        return [
            Deadline(
                CONCLUSION,
                due,
                RULE_CONCLUSION,
                provisional=row.conclusion_calendar is not None,
                action=None if recorded else f"record_missed_deadline:{CONCLUSION}",
                fires_on=due + timedelta(days=1),
                calendar_version=row.conclusion_calendar,
            )
        ]

    def deadline_context(self, row: ConductRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.number,
            subject_code="conduct",
            subject_name="效能投诉",
            party_name=row.subject_name or "",
            withheld_from=row.subject_no,  # issue 10 §6: never to its subject
        )


# -- the folds ---------------------------------------------------------------------------


def _touch(row: ConductRow, e: Any, _: int) -> ConductRow:
    row.updated_at = e.timestamp
    return row


def _shredded(row: ConductRow, e: Any, p: int) -> ConductRow:
    row.shredded = True
    return _touch(row, e, p)


def _set_conclusion(row: ConductRow, due: DueDate) -> None:
    row.conclusion_due = due.due
    row.conclusion_calendar = due.calendar_version if due.provisional else None


def _opened(_: None, e: X.Opened, position: int) -> ConductRow:
    row = ConductRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        number=e.number,
        status=ConductStatus.REGISTERED.value,
        channel=e.channel.value,
        unit_code=e.unit_code,
        intake_unit_code=e.intake_unit_code,
        intake_id=e.intake_id,
        subject_no=e.subject_no,
        subject_name=e.subject_name,
        received_on=e.received_on,
        people=[e.complainant.person.pseudonym],
        responsible_no=e.audit.actor.id,
        responsible_name=e.audit.actor.name,
        conclusion_due=e.conclusion.due.due,
    )
    _set_conclusion(row, e.conclusion.due)
    return _touch(row, e, position)


def _handed_over(row: ConductRow, e: X.HandedOver, p: int) -> ConductRow:
    row.responsible_no = e.staff_no
    row.responsible_name = e.staff_name
    return _touch(row, e, p)


def _outcome_recorded(row: ConductRow, e: X.OutcomeRecorded, p: int) -> ConductRow:
    row.status = ConductStatus.CONCLUDED.value
    row.finding = e.finding.value
    row.concluded_on = e.concluded_on
    return _touch(row, e, p)


def _complainant_notified(
    row: ConductRow, e: X.ComplainantNotified, p: int
) -> ConductRow:
    row.status = ConductStatus.CLOSED.value
    row.notified_on = e.notified_on
    row.closed = True
    return _touch(row, e, p)


def _rated(row: ConductRow, e: X.Rated, p: int) -> ConductRow:
    row.rating = e.rating.value
    return _touch(row, e, p)


def _deadline_missed(row: ConductRow, e: X.DeadlineMissed, p: int) -> ConductRow:
    row.missed = [*row.missed, f"{e.kind}:{e.due}"]
    return _touch(row, e, p)


def _recomputed(row: ConductRow, e: X.DeadlinesRecomputed, p: int) -> ConductRow:
    """A published notice moved a provisional date (DESIGN §3)."""
    limit = e.limits.get(CONCLUSION)
    if limit is not None:
        _set_conclusion(row, limit.due)
    return _touch(row, e, p)


def missed_view(recorded: str) -> dict[str, Any]:
    kind, _, due = recorded.partition(":")
    return {"kind": kind, "due": date.fromisoformat(due)}
