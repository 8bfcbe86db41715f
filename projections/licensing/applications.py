"""Read model `applications`: every licence application as one row.

Feeds the staff index, the application side of the deadline board and of the
clock's timers, the public progress lookup (办件查询) and the statistics facts
(one row per countable event, so each figure is dated by its own event).
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from domain.licensing.application import (
    ART_32_4,
    ART_42,
    ART_44,
    RULE_DEFICIENCIES,
    DeadlineKind,
    LicenceApplication,
    Status,
)
from domain.shared.calendar import DueDate, WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.cases import CaseReadModel, Deadline, Handler
from projections.queries import (
    Page,
    Scope,
    Where,
    deadline_view,
    newest_first,
)
from projections.runtime import Cursor, Tables, active_tables

A = LicenceApplication

# What the applicant and the public see (办件状态), never the internal detail.
PUBLIC_STATUS: Mapping[Status, str] = {
    Status.RECEIVED: "已收件",
    Status.CORRECTION_REQUESTED: "待补正",
    Status.ACCEPTED: "已受理，审查中",
    Status.NOT_ACCEPTED: "不予受理",
    Status.GRANTED: "准予许可，制证中",
    Status.REFUSED: "不予许可",
    Status.CERTIFICATE_ISSUED: "已制证，待送达",
    Status.CERTIFICATE_SERVED: "已办结",
    Status.WITHDRAWN: "已撤回",
    Status.TERMINATED: "终止办理",
}
OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.CORRECTION_REQUESTED,
        Status.ACCEPTED,
        Status.GRANTED,
        Status.CERTIFICATE_ISSUED,
    }
)


@dataclasses.dataclass
class ApplicationRow:
    id: UUID
    seq: int  # log position of the receipt: the index's stable order
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


COLUMN_TYPES: Mapping[str, str] = {
    "id": "uuid NOT NULL",
    "seq": "bigint NOT NULL",
    "version": "integer NOT NULL",
    "receipt_number": "text NOT NULL",
    "query_code_hash": "text NOT NULL",
    "item_code": "text NOT NULL",
    "item_name": "text NOT NULL",
    "category": "text NOT NULL",
    "unit_code": "text NOT NULL",
    "applicant_name": "text NOT NULL",
    "applicant_uscc": "text",
    "channel": "text NOT NULL",
    "approval_mode": "text NOT NULL",
    "status": "text NOT NULL",
    "received_on": "date NOT NULL",
    "correction_due": "date NOT NULL",
    "correction_due_provisional": "boolean NOT NULL",
    "correction_due_version": "text NOT NULL",
    "statutory_limit_wd": "integer NOT NULL",
    "promised_limit_wd": "integer NOT NULL",
    "acceptance": "text",
    "accepted_on": "date",
    "decision_due": "date",
    "decision_due_provisional": "boolean NOT NULL",
    "decision_due_version": "text",
    "promised_due": "date",
    "promised_due_provisional": "boolean NOT NULL",
    "promised_due_version": "text",
    "clock_stopped": "boolean NOT NULL",
    "excluded_wd": "integer NOT NULL",
    "extended": "boolean NOT NULL",
    "deficiency_items": "text[] NOT NULL",
    "supply_deadline": "date",
    "supply_deadline_provisional": "boolean NOT NULL",
    "supply_deadline_version": "text",
    "decision": "text",
    "decided_on": "date",
    "within_legal": "boolean",
    "within_promised": "boolean",
    "working_days_to_decision": "integer",
    "interview_unit_code": "text",
    "certificate_due": "date",
    "certificate_due_provisional": "boolean NOT NULL",
    "certificate_due_version": "text",
    "certificate_issued_on": "date",
    "certificate_served_on": "date",
    "licence_id": "uuid",
    "closed_on": "date",
    "missed": "text[] NOT NULL",
    "deadline_kind": "text",
    "deadline_due": "date",
    "deadline_provisional": "boolean NOT NULL",
    "updated_at": "timestamptz",
}

FACTS_DDL = """
    case_id        uuid    NOT NULL,
    metric         text    NOT NULL,
    on_date        date    NOT NULL,
    category       text    NOT NULL,
    item_code      text    NOT NULL,
    unit_code      text    NOT NULL,
    within_legal   boolean,
    within_promised boolean,
    working_days   integer
"""

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
    version = 2
    case_kind = "application"
    row_type = ApplicationRow
    column_types = COLUMN_TYPES
    facts_ddl = FACTS_DDL
    indexes = (
        "(seq)",
        "(receipt_number)",
        "(status, seq)",
        "(unit_code text_pattern_ops, seq)",
        "(applicant_uscc, seq)",
        "(received_on, seq)",
    )

    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self.calendar = calendar

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        super().create_tables(cur, tables)
        # Statistics count a case late when any of its deadlines was missed.
        cur.execute(
            sql.SQL(
                "CREATE INDEX {} ON {} (case_id) WHERE metric = 'deadline_missed'"
            ).format(
                sql.Identifier(f"{tables.model}_g{tables.generation}_facts_missed"),
                tables("facts"),
            )
        )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            A.Received: self._received,
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
        )
        return _touch(row, e, position)

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
        if isinstance(e, A.Granted):
            row.licence_id = e.licence_id
            row.certificate_due = e.certificate_due.due
            row.certificate_due_provisional = e.certificate_due.provisional
            row.certificate_due_version = e.certificate_due.calendar_version
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

    def deadline_context(self, row: ApplicationRow) -> tuple[str, str, str, str, str]:
        return (
            row.unit_code,
            row.receipt_number,
            row.item_code,
            row.item_name,
            row.applicant_name,
        )

    def facts(self, row: ApplicationRow, event: Any) -> Iterable[tuple[Any, ...]]:
        for metric, on, legal, promised, days in _facts_of(row, event):
            yield (
                row.id,
                metric,
                on,
                row.category,
                row.item_code,
                row.unit_code,
                legal,
                promised,
                days,
            )


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
                ART_42,
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


def _facts_of(
    row: ApplicationRow, e: Any
) -> Iterable[tuple[str, date, bool | None, bool | None, int | None]]:
    if isinstance(e, A.Received):
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


# -- queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationQuery:
    scope: Scope
    today: date
    statuses: tuple[Status, ...] = ()
    item: str | None = None
    category: str | None = None
    unit: str | None = None
    applicant_uscc: str | None = None
    applicant_name: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool | None = None
    after: str | None = None
    limit: int = 50


INDEX_COLUMNS = (
    "id, seq, version, receipt_number, item_code, item_name, category, unit_code,"
    " applicant_name, applicant_uscc, status, received_on, acceptance, accepted_on,"
    " decision, decided_on, closed_on, clock_stopped, deadline_kind, deadline_due,"
    " deadline_provisional"
)


def search(
    conn: psycopg.Connection[Any], q: ApplicationQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    """The applications index: newest receipt first, stable under new receipts."""
    where = Where()
    where.scope(q.scope, "unit_code", "interview_unit_code")
    if q.statuses:
        where.add("status = ANY(%s)", [s.value for s in q.statuses])
    for column, value in (
        ("item_code", q.item),
        ("category", q.category),
        ("applicant_uscc", q.applicant_uscc),
    ):
        if value is not None:
            where.add(sql.SQL("{} = %s").format(sql.Identifier(column)), value)
    where.unit(q.unit)
    if q.applicant_name:
        where.add("applicant_name LIKE %s", "%" + _like_escape(q.applicant_name) + "%")
    if q.received_from is not None:
        where.add("received_on >= %s", q.received_from)
    if q.received_to is not None:
        where.add("received_on <= %s", q.received_to)
    if q.overdue is True:
        where.add("deadline_due < %s", q.today)
    elif q.overdue is False:
        where.add("(deadline_due IS NULL OR deadline_due >= %s)", q.today)
    page = newest_first(
        conn,
        active_tables(conn, Applications.name)(),
        sql.SQL(INDEX_COLUMNS),
        where,
        q.after,
        q.limit,
    )
    return Page(
        [_index_view(r, calendar, q.today) for r in page.items], page.next_cursor
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def _index_view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    status = Status(r["status"])
    return {
        "id": r["id"],
        "version": r["version"],
        "receipt_number": r["receipt_number"],
        "item": {
            "code": r["item_code"],
            "name": r["item_name"],
            "category": r["category"],
        },
        "unit_code": r["unit_code"],
        "applicant": {"name": r["applicant_name"], "uscc": r["applicant_uscc"]},
        "status": status.value,
        "public_status": PUBLIC_STATUS[status],
        "received_on": r["received_on"],
        "acceptance": r["acceptance"],
        "accepted_on": r["accepted_on"],
        "decision": r["decision"],
        "decided_on": r["decided_on"],
        "closed_on": r["closed_on"],
        "clock_stopped": r["clock_stopped"],
        "deadline": deadline_view(
            calendar,
            today,
            r["deadline_kind"],
            r["deadline_due"],
            r["deadline_provisional"],
        ),
    }


def progress(
    conn: psycopg.Connection[Any],
    receipt_number: str,
    code_hash: Callable[[str], str],
    calendar: WorkingDayCalendar,
    today: date,
) -> dict[str, Any] | None:
    """办件查询: the public view of one application, only with its query code.

    `code_hash` hashes the code given for this receipt number; an unknown number
    and a wrong code both answer None, after the same work."""
    tables = active_tables(conn, Applications.name)
    with conn.cursor(row_factory=dict_row) as cur:
        r = cur.execute(
            sql.SQL(
                "SELECT query_code_hash, receipt_number, item_name, status, received_on,"
                " accepted_on, decision, decided_on, closed_on, certificate_issued_on,"
                " certificate_served_on, clock_stopped, deadline_kind, deadline_due,"
                " deadline_provisional FROM {} WHERE receipt_number = %s"
            ).format(tables()),
            (receipt_number,),
        ).fetchone()
    expected = code_hash(receipt_number)
    stored = r["query_code_hash"] if r else "0" * len(expected)
    if not hmac.compare_digest(stored, expected) or r is None:
        return None
    status = Status(r["status"])
    return {
        "receipt_number": r["receipt_number"],
        "item_name": r["item_name"],
        "status": PUBLIC_STATUS[status],
        "finished": status not in OPEN_STATUSES,
        "received_on": r["received_on"],
        "accepted_on": r["accepted_on"],
        "decision": {"granted": "准予许可", "refused": "不予许可"}.get(
            r["decision"] or ""
        ),
        "decided_on": r["decided_on"],
        "certificate_issued_on": r["certificate_issued_on"],
        "certificate_served_on": r["certificate_served_on"],
        "closed_on": r["closed_on"],
        "clock_stopped": r["clock_stopped"],
        "deadline": deadline_view(
            calendar,
            today,
            r["deadline_kind"],
            r["deadline_due"],
            r["deadline_provisional"],
        ),
    }
