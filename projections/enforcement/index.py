"""Read model `enforcement`: every penalty case (行政处罚案件) as one row, its
deadlines on the shared board (the clock's timers among them), and the
rollup its statistics sum (`counts`).

Deadlines: the decision within 90 days of 立案 (行政处罚法 Art. 60) while it
runs, and service within 7 working days of the decision (Arts. 61, 85): each
recorded missed by the clock the day after, once. The party's own windows (a
hearing request within 5 working days, Art. 64; payment within 15 days,
Art. 67) are on the board for the officers, with no timer.

Counts, each on its own day under the case's unit: cases opened (立案 date),
decided and by kind of penalty, fines and confiscations in fen (decision
date), no-penalty decisions, served and served late (service date), paid
(payment date), enforcement applied, closed, and deadlines missed (the day
each fell due).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.enforcement.case import DeadlineKind, EnforcementCase, Status
from domain.enforcement.terms import ART_60, ART_61, ART_64, ART_67, PenaltyKind
from domain.shared.time_limit import TimeLimit

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.rollups import Bucket, Rollup, Tally
from projections.schema import BigInt, Index, Table

E = EnforcementCase


@dataclasses.dataclass
class PenaltyCounts(Bucket):
    unit_code: str
    opened: int
    opened_from_origin: int  # from another context's case (a report, an inspection)
    decided: int
    penalty_warning: int
    penalty_circulated_criticism: int
    penalty_fine: int
    penalty_confiscation_of_illegal_gains: int
    penalty_confiscation_of_illegal_property: int
    penalty_licence_suspended: int
    penalty_qualification_downgraded: int
    penalty_licence_revoked: int
    penalty_business_restricted: int
    penalty_production_suspended: int
    penalty_closure_ordered: int
    penalty_practice_restricted: int
    fines_fen: BigInt
    confiscated_fen: BigInt
    published: int
    no_penalty: int
    served: int
    served_late: int
    paid_fen: BigInt
    enforcement_applied: int
    closed: int
    decisions_missed: int
    service_missed: int


COUNTS = Rollup(
    PenaltyCounts, "counts", dimensions=("unit_code",), cuboids=[set[str]()]
)


def penalty_measure(kind: PenaltyKind) -> str:
    return f"penalty_{kind.value}"


@dataclasses.dataclass
class PenaltyRow:
    """One penalty case as the index, the board and the clock see it."""

    id: UUID
    seq: BigInt  # log position of its first event: the index's stable order
    version: int
    number: str
    status: str
    unit_code: str
    party_name: str
    party_type: str
    party_uscc: str | None
    origin_context: str | None
    origin_case_id: UUID | None
    origin_kind: str | None
    origin_number: str | None
    opened_on: date
    decision_due: date
    decision_running: bool
    decision_calendar: str | None  # the calendar of a provisional date
    hearing_due: date | None = None  # the party's window, while open
    decided_on: date | None = None
    decision_number: str | None = None
    penalties: list[str] = dataclasses.field(default_factory=list)
    fine_fen: BigInt = 0
    confiscation_fen: BigInt = 0
    published: bool = False
    no_penalty: str | None = None
    service_due: date | None = None
    served_on: date | None = None
    served_late: bool = False
    payment_due: date | None = None
    paid_fen: BigInt = 0
    missed: list[str] = dataclasses.field(default_factory=list)  # "kind:date"
    updated_at: datetime | None = None


class EnforcementIndex(CaseReadModel[PenaltyRow]):
    name = "enforcement"
    logs = ("enforcement",)
    version = 1
    case_kind = "penalty"
    row_table = Table(
        PenaltyRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("unit_code text_pattern_ops", "seq"),
            Index("status", "seq"),
            Index("party_uscc", "seq"),
            Index("origin_case_id"),
            Index("decided_on"),
        ),
    )
    rollups = (COUNTS,)

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            E.Opened: _opened,
            E.EvidenceRecorded: _touch,
            E.PeriodExcluded: _limit,
            E.PeriodResumed: _limit,
            E.DecisionLimitExtended: _limit,
            E.HearingRightNotified: _hearing_notified,
            E.HearingRequested: _hearing_over,
            E.HearingHeld: _hearing_over,
            E.HearingWaived: _hearing_over,
            E.Decided: _decided,
            E.NotPenalised: _not_penalised,
            E.Served: _served,
            E.InstalmentsApproved: _instalments,
            E.PaymentRecorded: _paid,
            E.EnforcementApplied: _status(Status.ENFORCEMENT_APPLIED),
            E.Closed: _status(Status.CLOSED),
            E.DecisionRevoked: _status(Status.DECISION_REVOKED),
            E.DeadlineMissed: _deadline_missed,
            E.DeadlinesRecomputed: _recomputed,
        }

    def deadlines(self, row: PenaltyRow) -> Iterable[Deadline]:
        status = Status(row.status)
        if status is Status.OPENED and row.decision_running:
            yield _missable(
                row,
                DeadlineKind.DECISION,
                row.decision_due,
                ART_60,
                row.decision_calendar,
            )
        if status is Status.OPENED and row.hearing_due is not None:
            yield Deadline(DeadlineKind.HEARING_REQUEST.value, row.hearing_due, ART_64)
        if status is Status.DECIDED and row.service_due is not None:
            yield _missable(row, DeadlineKind.SERVICE, row.service_due, ART_61, None)
        if status is Status.SERVED and row.payment_due is not None:
            yield Deadline(DeadlineKind.PAYMENT.value, row.payment_due, ART_67)

    def deadline_context(self, row: PenaltyRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.number,
            subject_code="penalty",
            subject_name="行政处罚案件",
            party_name=row.party_name,
        )

    def tally(self, row: PenaltyRow, event: Any, tally: Tally) -> None:
        for measure, on, n in counted(row, event):
            tally.add(COUNTS, on, (row.unit_code,), measure, n)


def _missable(
    row: PenaltyRow, kind: DeadlineKind, due: date, rule: str, calendar: str | None
) -> Deadline:
    recorded = f"{kind.value}:{due}" in row.missed
    return Deadline(
        kind.value,
        due,
        rule,
        provisional=calendar is not None,
        action=None if recorded else f"record_missed_deadline:{kind.value}",
        fires_on=due + timedelta(days=1),
        calendar_version=calendar,
    )


def counted(row: PenaltyRow, e: Any) -> Iterable[tuple[str, date, int]]:
    """What an event counts: (measure, day, n)."""
    if isinstance(e, E.Opened):
        yield "opened", e.opened_on, 1
        if e.origin is not None:
            yield "opened_from_origin", e.opened_on, 1
    elif isinstance(e, E.Decided):
        d = e.decision
        yield "decided", d.decided_on, 1
        for kind in d.penalties:
            yield penalty_measure(kind), d.decided_on, 1
        yield "fines_fen", d.decided_on, d.fine_fen
        yield "confiscated_fen", d.decided_on, d.confiscation_fen
        yield "published", d.decided_on, int(d.published)
    elif isinstance(e, E.NotPenalised):
        yield "no_penalty", e.decided_on, 1
    elif isinstance(e, E.Served):
        yield "served", e.served_on, 1
        yield "served_late", e.served_on, int(e.late)
    elif isinstance(e, E.PaymentRecorded):
        yield "paid_fen", e.paid_on, e.amount_fen
    elif isinstance(e, E.EnforcementApplied):
        yield "enforcement_applied", e.applied_on, 1
    elif isinstance(e, E.Closed):
        yield "closed", e.closed_on, 1
    elif isinstance(e, E.DeadlineMissed):
        measure = "decisions_missed" if e.kind == "decision" else "service_missed"
        yield measure, e.due, 1


# -- the folds ---------------------------------------------------------------------------


def _touch(row: PenaltyRow, e: Any, _: int) -> PenaltyRow:
    row.updated_at = e.timestamp
    return row


def _set_decision_limit(row: PenaltyRow, limit: TimeLimit) -> None:
    row.decision_due = limit.due.due
    row.decision_running = limit.running
    row.decision_calendar = (
        limit.due.calendar_version if limit.due.provisional else None
    )


def _opened(_: None, e: E.Opened, position: int) -> PenaltyRow:
    origin = e.origin
    row = PenaltyRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        number=e.number,
        status=Status.OPENED.value,
        unit_code=e.unit_code,
        party_name=e.party.name,
        party_type=e.party.party_type.value,
        party_uscc=e.party.uscc,
        origin_context=origin.context if origin else None,
        origin_case_id=origin.case_id if origin else None,
        origin_kind=origin.kind if origin else None,
        origin_number=origin.number if origin else None,
        opened_on=e.opened_on,
        decision_due=e.decision_limit.due.due,
        decision_running=True,
        decision_calendar=None,
    )
    _set_decision_limit(row, e.decision_limit)
    return _touch(row, e, position)


def _limit(row: PenaltyRow, e: Any, p: int) -> PenaltyRow:
    _set_decision_limit(row, e.decision_limit)
    return _touch(row, e, p)


def _hearing_notified(row: PenaltyRow, e: E.HearingRightNotified, p: int) -> PenaltyRow:
    row.hearing_due = e.hearing_window.due.due
    return _touch(row, e, p)


def _hearing_over(row: PenaltyRow, e: Any, p: int) -> PenaltyRow:
    """Requested, held or waived: the party's window is no longer running."""
    row.hearing_due = None
    return _limit(row, e, p)


def _decided(row: PenaltyRow, e: E.Decided, p: int) -> PenaltyRow:
    d = e.decision
    row.status = Status.DECIDED.value
    row.decided_on = d.decided_on
    row.decision_number = d.decision_number
    row.penalties = [k.value for k in d.penalties]
    row.fine_fen = d.fine_fen
    row.confiscation_fen = d.confiscation_fen
    row.published = d.published
    row.hearing_due = None
    row.service_due = e.service_limit.due.due
    return _touch(row, e, p)


def _not_penalised(row: PenaltyRow, e: E.NotPenalised, p: int) -> PenaltyRow:
    row.status = Status.CLOSED.value
    row.no_penalty = e.ground.value
    row.decided_on = e.decided_on
    row.hearing_due = None
    return _touch(row, e, p)


def _served(row: PenaltyRow, e: E.Served, p: int) -> PenaltyRow:
    row.status = Status.SERVED.value
    row.served_on = e.served_on
    row.served_late = e.late
    row.payment_due = e.payment_limit.due.due if e.payment_limit else None
    return _touch(row, e, p)


def _instalments(row: PenaltyRow, e: E.InstalmentsApproved, p: int) -> PenaltyRow:
    row.payment_due = e.instalments.last_due
    return _touch(row, e, p)


def _paid(row: PenaltyRow, e: E.PaymentRecorded, p: int) -> PenaltyRow:
    row.paid_fen = e.paid_fen
    if e.in_full:
        row.status = Status.PAID.value
    return _touch(row, e, p)


def _status(status: Status) -> Callable[[PenaltyRow, Any, int], PenaltyRow]:
    def fold(row: PenaltyRow, e: Any, p: int) -> PenaltyRow:
        row.status = status.value
        return _touch(row, e, p)

    return fold


def _deadline_missed(row: PenaltyRow, e: E.DeadlineMissed, p: int) -> PenaltyRow:
    row.missed = [*row.missed, f"{e.kind}:{e.due}"]
    return _touch(row, e, p)


def _recomputed(row: PenaltyRow, e: E.DeadlinesRecomputed, p: int) -> PenaltyRow:
    """A published notice moved a provisional date (DESIGN §3)."""
    for kind, limit in e.limits.items():
        if kind == DeadlineKind.DECISION:
            _set_decision_limit(row, limit)
        elif kind == DeadlineKind.HEARING_REQUEST and row.hearing_due is not None:
            row.hearing_due = limit.due.due
        elif kind == DeadlineKind.SERVICE:
            row.service_due = limit.due.due
        elif kind == DeadlineKind.PAYMENT and row.payment_due is not None:
            row.payment_due = limit.due.due
    return _touch(row, e, p)
