"""Read model `applications`: every licence application as one row, its
tables and its fold.

Feeds the staff index, the application side of the deadline board and of the
clock's timers, the public progress lookup (办件查询), the statistics facts
(one row per countable event, so each figure is dated by its own event) and
the rollups the statistics sum (`application_counts`). Its queries are in
`applications_queries` (why two modules: see there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.licensing.application import (
    ART_32_4,
    ART_42,
    ART_44,
    RULE_DEFICIENCIES,
    DeadlineKind,
    LicenceApplication,
    Status,
)
from domain.licensing.matter import Matter
from domain.licensing.post_licence import limit_rule
from domain.shared.calendar import DueDate, WorkingDayCalendar

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.licensing.application_counts import (
    COUNTS,
    DECISION_DAYS,
    MEASURE_OF,
)
from projections.licensing.imported import imported_facts, imported_row
from projections.rollups import Tally
from projections.schema import BigInt, Index, Table

A = LicenceApplication


@dataclasses.dataclass
class ApplicationRow:
    """One application as the index and the clock see it: each field a column
    of `applications` (its type gives the SQL type, projections.schema)."""

    id: UUID
    seq: BigInt  # log position of the receipt: the index's stable order
    version: int
    receipt_number: str
    query_code_hash: str
    item_code: str
    item_name: str
    category: str
    unit_code: str
    applicant_name: str
    applicant_uscc: str | None
    channel: str
    approval_mode: str
    status: str
    received_on: date
    correction_due: date
    correction_due_provisional: bool
    correction_due_version: str
    statutory_limit_wd: int
    promised_limit_wd: int
    matter: str = Matter.NEW.value  # 事项类型: new, or a post-licence matter
    decision_rule: str = ART_42  # the article the matter's decision limit rests on
    acceptance: str | None = (
        None  # accepted | deemed | with_deficiencies | not_accepted
    )
    accepted_on: date | None = None
    decision_due: date | None = None
    decision_due_provisional: bool = False
    decision_due_version: str | None = None
    promised_due: date | None = None  # 承诺时限 (the item's promised limit)
    promised_due_provisional: bool = False
    promised_due_version: str | None = None
    clock_stopped: bool = False
    excluded_wd: int = 0
    extended: bool = False
    deficiency_items: list[str] = dataclasses.field(default_factory=list)
    supply_deadline: date | None = None
    supply_deadline_provisional: bool = False
    supply_deadline_version: str | None = None
    decision: str | None = None  # granted | refused
    decided_on: date | None = None
    within_legal: bool | None = None
    within_promised: bool | None = None
    working_days_to_decision: int | None = None
    interview_unit_code: str | None = None
    certificate_due: date | None = None
    certificate_due_provisional: bool = False
    certificate_due_version: str | None = None
    certificate_issued_on: date | None = None
    certificate_served_on: date | None = None
    licence_id: UUID | None = None
    closed_on: date | None = None
    missed: list[str] = dataclasses.field(default_factory=list)  # "decision:2026-12-01"
    deadline_kind: str | None = None  # the current deadline, for the index
    deadline_due: date | None = None
    deadline_provisional: bool = False
    updated_at: datetime | None = None


@dataclasses.dataclass(slots=True)  # not frozen: its __init__ is 3x slower
class ApplicationFact:
    """One countable event of an application (a statistics fact), dated by it."""

    case_id: UUID
    metric: str  # one of METRICS
    on_date: date
    category: str
    item_code: str
    unit_code: str
    within_legal: bool | None
    within_promised: bool | None
    working_days: int | None
    matter: str = Matter.NEW.value


METRICS = (
    "received",
    "accepted",
    "not_accepted",
    "completed",
    "granted",
    "refused",
    "terminated",
    "withdrawn",
    "certificate_issued",
    "certificate_served",
    "deadline_missed",
)


def _day_after(d: date) -> date:
    return d + timedelta(days=1)


class Applications(CaseReadModel[ApplicationRow]):
    name = "applications"
    logs = ("licensing",)
    # 2: promised due date, calendar versions of provisional dates, the
    # certificate deadline until service, deficiency_items (vocabulary).
    # 3: neutral deadline columns (subject_code, subject_name).
    # 4: the statistics' rollups (application_counts); 5: deadlines' withheld_from;
    # 6: the matter (事项类型) in rows, facts and rollups, its decision rule.
    version = 6
    case_kind = "application"
    row_table = Table(
        ApplicationRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("receipt_number"),
            Index("status", "seq"),
            Index("unit_code text_pattern_ops", "seq"),
            Index("applicant_uscc", "seq"),
            Index("received_on", "seq"),
        ),
    )
    fact_table = Table(
        ApplicationFact,
        "facts",
        indexes=(
            Index("on_date", name="facts_on_date"),
            # Statistics count a case late when any of its deadlines was missed.
            Index("case_id", where="metric = 'deadline_missed'", name="facts_missed"),
        ),
    )
    rollups = (COUNTS, DECISION_DAYS)

    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self.calendar = calendar

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            A.Received: self._received,
            A.Imported: self._imported,
            A.CorrectionRequested: _status(Status.CORRECTION_REQUESTED),
            A.CorrectionsSubmitted: _touch,
            A.Accepted: self._accepted,
            A.AcceptedWithDeficiencies: self._accepted,
            A.AcceptanceDeemed: self._accepted,
            A.NotAccepted: self._not_accepted,
            A.DeficienciesCured: _deficiencies_cured,
            A.ProcessingTerminated: _closed(Status.TERMINATED, "terminated_on"),
            A.VerificationRecorded: _touch,
            A.VerificationSigned: _touch,
            A.DeadlineRecomputed: _deadline_recomputed,
            A.ClockSuspended: _clock_suspended,
            A.ClockResumed: self._clock_resumed,
            A.DeadlineExtended: _deadline_extended,
            A.Granted: self._decided,
            A.Refused: self._decided,
            A.InterviewScheduled: _touch,
            A.InterviewHeld: _touch,
            A.CertificateIssued: _certificate_issued,
            A.CertificateServed: _certificate_served,
            A.Withdrawn: _closed(Status.WITHDRAWN, "withdrawn_on"),
            A.DeadlineMissed: _deadline_missed,
        }

    # -- folds that need the calendar ---------------------------------------------

    def _received(self, _: None, e: A.Received, position: int) -> ApplicationRow:
        row = ApplicationRow(
            id=e.originator_id,
            seq=position,
            version=e.originator_version,
            receipt_number=e.receipt_number,
            query_code_hash=e.query_code_hash,
            item_code=e.item.code,
            item_name=e.item.name,
            category=e.item.category,
            unit_code=e.unit_code,
            applicant_name=e.applicant.name,
            applicant_uscc=e.applicant.uscc,
            channel=e.channel.value,
            approval_mode=e.approval_mode.value,
            status=Status.RECEIVED.value,
            received_on=e.received_on,
            correction_due=e.correction_due.due,
            correction_due_provisional=e.correction_due.provisional,
            correction_due_version=e.correction_due.calendar_version,
            statutory_limit_wd=e.item.statutory_limit_wd,
            promised_limit_wd=e.item.promised_limit_wd,
            matter=e.matter.value,
            decision_rule=limit_rule(e.matter, e.item),
            licence_id=e.request.licence_id if e.request else None,
        )
        return _touch(row, e, position)

    def _imported(self, _: None, e: A.Imported, position: int) -> ApplicationRow:
        return imported_row(self._received(None, e, position), e)

    def _accepted(
        self,
        row: ApplicationRow,
        e: A.Accepted | A.AcceptedWithDeficiencies | A.AcceptanceDeemed,
        _: int,
    ) -> ApplicationRow:
        if isinstance(e, A.AcceptedWithDeficiencies):
            row.acceptance = "with_deficiencies"
            row.deficiency_items = list(e.deficiency_items)
            row.supply_deadline = e.supply_deadline
            row.supply_deadline_provisional = e.supply_deadline_provisional
            row.supply_deadline_version = e.supply_deadline_calendar_version
        elif isinstance(e, A.AcceptanceDeemed) or e.deemed:
            row.acceptance = "deemed"
        else:
            row.acceptance = "accepted"
        row.status = Status.ACCEPTED.value
        row.accepted_on = e.acceptance_date
        _set_decision_due(row, e.decision_due)
        # Older events did not record the promised date: work it out here.
        _set_promised_due(
            row,
            e.promised_due
            or self.calendar.add_working_days(e.acceptance_date, row.promised_limit_wd),
        )
        return _touch(row, e, _)

    def _not_accepted(
        self, row: ApplicationRow, e: A.NotAccepted, _: int
    ) -> ApplicationRow:
        row.acceptance = "not_accepted"
        row.status = Status.NOT_ACCEPTED.value
        row.closed_on = e.decided_on
        return _touch(row, e, _)

    def _decided(
        self, row: ApplicationRow, e: A.Granted | A.Refused, _: int
    ) -> ApplicationRow:
        granted = isinstance(e, A.Granted)
        row.status = (Status.GRANTED if granted else Status.REFUSED).value
        row.decision = "granted" if granted else "refused"
        row.decided_on = e.decided_on
        row.within_legal = e.within_limit
        assert row.accepted_on is not None
        days = self.calendar.working_days_between(row.accepted_on, e.decided_on)
        row.working_days_to_decision = max(days - row.excluded_wd, 0)
        row.within_promised = row.working_days_to_decision <= row.promised_limit_wd
        if isinstance(e, A.Granted) and e.certificate_due is not None:
            row.licence_id = e.licence_id
            row.certificate_due = e.certificate_due.due
            row.certificate_due_provisional = e.certificate_due.provisional
            row.certificate_due_version = e.certificate_due.calendar_version
        elif isinstance(e, A.Granted):
            # A matter that makes no certificate is done when decided.
            row.licence_id = e.licence_id
            row.closed_on = e.decided_on
        else:
            row.interview_unit_code = e.interview_unit_code
            row.closed_on = e.decided_on
        return _touch(row, e, _)

    def _clock_resumed(
        self, row: ApplicationRow, e: A.ClockResumed, p: int
    ) -> ApplicationRow:
        _clock_resumed(row, e, p)
        if e.promised_due is None and row.accepted_on is not None:
            # Older events did not record it: the promise moves by the same days.
            _set_promised_due(
                row,
                self.calendar.add_working_days(
                    row.accepted_on, row.promised_limit_wd + row.excluded_wd
                ),
            )
        return row

    # -- what the runtime derives from a row -------------------------------------------

    def deadlines(self, row: ApplicationRow) -> Iterable[Deadline]:
        return application_deadlines(row)

    def summarise(self, row: ApplicationRow, deadlines: list[Deadline]) -> None:
        """The index shows the soonest running deadline."""
        soonest = min(deadlines, key=lambda d: d.due, default=None)
        row.deadline_kind = soonest.kind if soonest else None
        row.deadline_due = soonest.due if soonest else None
        row.deadline_provisional = soonest.provisional if soonest else False

    def deadline_context(self, row: ApplicationRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.receipt_number,
            subject_code=row.item_code,
            subject_name=row.item_name,
            party_name=row.applicant_name,
        )

    def facts(self, row: ApplicationRow, event: Any) -> Iterable[ApplicationFact]:
        for metric, on, legal, promised, days in _facts_of(row, event):
            yield ApplicationFact(
                case_id=row.id,
                metric=metric,
                on_date=on,
                category=row.category,
                item_code=row.item_code,
                unit_code=row.unit_code,
                within_legal=legal,
                within_promised=promised,
                working_days=days,
                matter=row.matter,
            )

    def tally(self, row: ApplicationRow, event: Any, tally: Tally) -> None:
        """Each fact in its bucket; a decision also by its working days."""
        dimensions = (row.unit_code, row.item_code, row.category, row.matter)
        for metric, on, legal, promised, days in _facts_of(row, event):
            tally.add(COUNTS, on, dimensions, MEASURE_OF[metric])
            if metric != "completed":
                continue
            if legal:
                tally.add(COUNTS, on, dimensions, "completed_within_legal_limit")
                if not row.missed:
                    tally.add(COUNTS, on, dimensions, "completed_on_time")
            if promised:
                tally.add(COUNTS, on, dimensions, "completed_within_promised_limit")
            if days is not None:
                tally.add(DECISION_DAYS, on, (*dimensions, days), "decisions")
        # A case is on time only if none of its deadlines was ever missed: the
        # first one missed after a decision within the legal limit (Art. 44:
        # the certificate's) takes back the on-time count of that decision.
        if (
            isinstance(event, A.DeadlineMissed)
            and len(row.missed) == 1
            and row.decided_on is not None
            and row.within_legal
        ):
            tally.add(COUNTS, row.decided_on, dimensions, "completed_on_time", -1)


def application_deadlines(row: ApplicationRow) -> list[Deadline]:
    """The legal deadlines running on an application, and what the clock does
    the day after each passes."""
    status = Status(row.status)
    found: list[Deadline] = []
    if status is Status.RECEIVED:
        found.append(
            Deadline(
                "correction",
                row.correction_due,
                ART_32_4,
                row.correction_due_provisional,
                action="deem_acceptance",
                fires_on=_day_after(row.correction_due),
                calendar_version=row.correction_due_version,
            )
        )
    if status is Status.ACCEPTED and row.deficiency_items and row.supply_deadline:
        # Already moved off a non-working day (民法典 Art. 203 by analogy): the
        # clock fires the day after the day it runs to.
        found.append(
            Deadline(
                "supply",
                row.supply_deadline,
                RULE_DEFICIENCIES,
                row.supply_deadline_provisional,
                action="terminate_for_missed_supply",
                fires_on=_day_after(row.supply_deadline),
                calendar_version=row.supply_deadline_version,
            )
        )
    if status is Status.ACCEPTED and not row.clock_stopped and row.decision_due:
        found.append(
            _missable(
                row,
                DeadlineKind.DECISION,
                row.decision_due,
                row.decision_rule,
                row.decision_due_provisional,
                row.decision_due_version,
                promised_due=row.promised_due,
            )
        )
    # Art. 44: issued *and served* within the limit, so it runs until served.
    if status in {Status.GRANTED, Status.CERTIFICATE_ISSUED} and row.certificate_due:
        found.append(
            _missable(
                row,
                DeadlineKind.CERTIFICATE,
                row.certificate_due,
                ART_44,
                row.certificate_due_provisional,
                row.certificate_due_version,
            )
        )
    return found


def _missable(
    row: ApplicationRow,
    kind: DeadlineKind,
    due: date,
    rule: str,
    provisional: bool,
    calendar_version: str | None,
    promised_due: date | None = None,
) -> Deadline:
    recorded = f"{kind.value}:{due.isoformat()}" in row.missed
    return Deadline(
        kind.value,
        due,
        rule,
        provisional,
        action=None if recorded else f"record_missed_deadline:{kind.value}",
        fires_on=None if recorded else _day_after(due),
        calendar_version=calendar_version,
        promised_due=promised_due,
    )


Fact = tuple[str, date, bool | None, bool | None, int | None]


def _facts_of(row: ApplicationRow, e: Any) -> Iterable[Fact]:
    if isinstance(e, A.Imported):
        yield from imported_facts(row, e)
    elif isinstance(e, A.Received):
        yield "received", e.received_on, None, None, None
    elif isinstance(e, A.Accepted | A.AcceptedWithDeficiencies | A.AcceptanceDeemed):
        yield "accepted", e.acceptance_date, None, None, None
    elif isinstance(e, A.NotAccepted):
        yield "not_accepted", e.decided_on, None, None, None
    elif isinstance(e, A.Granted | A.Refused):
        for metric in ("completed", row.decision or ""):
            yield (
                metric,
                e.decided_on,
                row.within_legal,
                row.within_promised,
                row.working_days_to_decision,
            )
    elif isinstance(e, A.ProcessingTerminated):
        yield "terminated", e.terminated_on, None, None, None
    elif isinstance(e, A.Withdrawn):
        yield "withdrawn", e.withdrawn_on, None, None, None
    elif isinstance(e, A.CertificateIssued):
        yield "certificate_issued", e.issued_on, e.within_limit, None, None
    elif isinstance(e, A.CertificateServed):
        yield "certificate_served", e.served_on, None, None, None
    elif isinstance(e, A.DeadlineMissed):
        yield "deadline_missed", e.recorded_on, False, None, None


# -- folds that need nothing but the event ------------------------------------------


def _touch(row: ApplicationRow, e: Any, _: int) -> ApplicationRow:
    row.updated_at = e.timestamp
    return row


def _status(status: Status) -> Handler:
    def fold(row: ApplicationRow, e: Any, position: int) -> ApplicationRow:
        row.status = status.value
        return _touch(row, e, position)

    return fold


def _closed(status: Status, date_field: str) -> Handler:
    def fold(row: ApplicationRow, e: Any, position: int) -> ApplicationRow:
        row.status = status.value
        row.closed_on = getattr(e, date_field)
        return _touch(row, e, position)

    return fold


def _set_decision_due(row: ApplicationRow, due: DueDate) -> None:
    row.decision_due = due.due
    row.decision_due_provisional = due.provisional
    row.decision_due_version = due.calendar_version


def _set_promised_due(row: ApplicationRow, due: DueDate) -> None:
    row.promised_due = due.due
    row.promised_due_provisional = due.provisional
    row.promised_due_version = due.calendar_version


def _deficiencies_cured(
    row: ApplicationRow, e: A.DeficienciesCured, p: int
) -> ApplicationRow:
    row.deficiency_items = [
        i for i in row.deficiency_items if i not in e.deficiency_items
    ]
    return _touch(row, e, p)


def _clock_suspended(
    row: ApplicationRow, e: A.ClockSuspended, p: int
) -> ApplicationRow:
    row.clock_stopped = True
    return _touch(row, e, p)


def _clock_resumed(row: ApplicationRow, e: A.ClockResumed, p: int) -> ApplicationRow:
    row.clock_stopped = False
    row.excluded_wd += e.excluded_working_days
    _set_decision_due(row, e.decision_due)
    if e.promised_due is not None:
        _set_promised_due(row, e.promised_due)
    return _touch(row, e, p)


def _deadline_extended(
    row: ApplicationRow, e: A.DeadlineExtended, p: int
) -> ApplicationRow:
    row.extended = True
    _set_decision_due(row, e.decision_due)
    return _touch(row, e, p)


def _certificate_issued(
    row: ApplicationRow, e: A.CertificateIssued, p: int
) -> ApplicationRow:
    row.status = Status.CERTIFICATE_ISSUED.value
    row.certificate_issued_on = e.issued_on
    return _touch(row, e, p)


def _certificate_served(
    row: ApplicationRow, e: A.CertificateServed, p: int
) -> ApplicationRow:
    row.status = Status.CERTIFICATE_SERVED.value
    row.certificate_served_on = e.served_on
    row.closed_on = e.served_on
    return _touch(row, e, p)


def _deadline_recomputed(
    row: ApplicationRow, e: A.DeadlineRecomputed, p: int
) -> ApplicationRow:
    for change in e.changes:
        new = change.new_due
        if change.kind == "correction":
            row.correction_due = new.due
            row.correction_due_provisional = new.provisional
            row.correction_due_version = new.calendar_version
        elif change.kind == "decision":
            _set_decision_due(row, new)
        elif change.kind == "promised":
            _set_promised_due(row, new)
        elif change.kind == "certificate":
            row.certificate_due = new.due
            row.certificate_due_provisional = new.provisional
            row.certificate_due_version = new.calendar_version
        elif change.kind == "supply":
            row.supply_deadline = new.due
            row.supply_deadline_provisional = new.provisional
            row.supply_deadline_version = new.calendar_version
    return _touch(row, e, p)


def _deadline_missed(
    row: ApplicationRow, e: A.DeadlineMissed, p: int
) -> ApplicationRow:
    row.missed = [*row.missed, f"{e.kind.value}:{e.due.isoformat()}"]
    return _touch(row, e, p)
