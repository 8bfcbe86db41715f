"""Read model `licences`: the licence register, its deadlines and reminders.

One row per licence (持证 register); its deadlines are the holder's last day to
apply for renewal, the agency's renewal decision (deemed granted when undecided
at expiry, Art. 50), the 告知承诺 follow-up check, and the clock's timers for
expiry and the 提醒式服务 reminders. This module holds its tables and its fold;
its queries are in `licences_queries` (why two modules: `applications_queries`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.licensing.licence import (
    ART_50,
    REMINDER_LEAD_DAYS,
    RULE_REMINDER,
    Licence,
    LicenceStatus,
    ReminderSubject,
    renewal_deadline,
)

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.schema import BigInt, Index, Table

L = Licence
RULE_EXPIRY = "行政许可法 第70条第1项"
RULE_COMMITMENT_CHECK = "告知承诺 事后核查 (DOMAIN §2.1)"


@dataclasses.dataclass
class LicenceRow:
    """One licence of the register: each field a column of `licences` (its type
    gives the SQL type, projections.schema)."""

    id: UUID
    seq: BigInt  # log position of the issue: the register's stable order
    version: int
    licence_number: str
    holder_name: str
    holder_uscc: str | None
    item_code: str
    item_name: str
    certificate_name: str
    unit_code: str
    status: str
    valid_from: date
    valid_until: date | None
    renewal_lead_months: int
    renewal_lead_days: int
    application_id: UUID
    decision_number: str
    approval_mode: str
    post_verification_due: date | None
    post_verification_provisional: bool
    post_verification_version: str | None
    issued_at: datetime
    renewal_deadline: date | None = None
    renewal_requested_on: date | None = None
    commitment_breached: bool = False
    reminders_sent: list[str] = dataclasses.field(default_factory=list)
    ended_on: date | None = None
    updated_at: datetime | None = None


class Licences(CaseReadModel[LicenceRow]):
    name = "licences"
    logs = ("licensing",)
    version = 4  # 2: calendar version of the follow-up date; renewal lead fix; 3: neutral deadline columns; 4: withheld_from
    case_kind = "licence"
    row_table = Table(
        LicenceRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("holder_uscc", "seq"),
            Index("status", "valid_until"),
            Index("unit_code text_pattern_ops", "seq"),
        ),
    )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            L.Issued: _issued,
            L.Changed: _changed,
            L.CertificateReissued: _touch,
            L.RenewalRequested: _renewal_requested,
            L.Renewed: _valid_until,
            L.RenewalRefused: _renewal_closed,
            L.RenewalRequestClosed: _renewal_closed,
            L.RenewalDeemedGranted: _valid_until,
            L.CommitmentCheckRecorded: _touch,
            L.CommitmentVerified: _commitment_checked,
            L.CommitmentBreached: _commitment_checked,
            L.Withdrawn: _ended(LicenceStatus.WITHDRAWN, "withdrawn_on"),
            L.Revoked: _ended(LicenceStatus.REVOKED, "revoked_on"),
            L.Cancelled: _ended(LicenceStatus.CANCELLED, "cancelled_on"),
            L.Expired: _ended(LicenceStatus.EXPIRED, "expired_on"),
            L.Suspended: _in_status(LicenceStatus.SUSPENDED),
            L.Reactivated: _in_status(LicenceStatus.VALID),
            L.Scrapped: _ended(LicenceStatus.SCRAPPED, "scrapped_on"),
            L.ReminderSent: _reminder_sent,
            L.DeadlineRecomputed: _deadline_recomputed,
        }

    def deadlines(self, row: LicenceRow) -> Iterable[Deadline]:
        return licence_deadlines(row)

    def deadline_context(self, row: LicenceRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.licence_number,
            subject_code=row.item_code,
            subject_name=row.item_name,
            party_name=row.holder_name,
        )


def licence_deadlines(row: LicenceRow) -> list[Deadline]:
    if row.status != LicenceStatus.VALID.value:
        return []
    found: list[Deadline] = []
    if row.post_verification_due and not row.commitment_breached:
        found.append(
            Deadline(
                "commitment_check",
                row.post_verification_due,
                RULE_COMMITMENT_CHECK,
                row.post_verification_provisional,
                calendar_version=row.post_verification_version,
            )
        )
    if row.valid_until is None:
        return found
    after_expiry = row.valid_until + timedelta(days=1)
    if row.renewal_requested_on is not None:
        found.append(
            Deadline(
                "renewal_decision",
                row.valid_until,
                ART_50,
                action="deem_renewal",
                fires_on=after_expiry,
            )
        )
        return found
    found.append(
        Deadline(
            "expiry",
            row.valid_until,
            RULE_EXPIRY,
            on_board=False,
            action="expire_licence",
            fires_on=after_expiry,
        )
    )
    if row.commitment_breached:
        return found  # awaits revocation: no renewal, no reminders
    if row.renewal_deadline is not None:
        found.append(Deadline("renewal_application", row.renewal_deadline, ART_50))
    for subject, deadline in (
        (ReminderSubject.RENEWAL_DEADLINE, row.renewal_deadline),
        (ReminderSubject.EXPIRY, row.valid_until),
    ):
        if deadline is None or f"{subject.value}:{deadline}" in row.reminders_sent:
            continue
        found.append(
            Deadline(
                f"{subject.value}_reminder",
                deadline,
                RULE_REMINDER,
                on_board=False,
                action=f"send_reminder:{subject.value}",
                fires_on=deadline - timedelta(days=REMINDER_LEAD_DAYS),
                lapses_on=deadline,
            )
        )
    return found


def _touch(row: LicenceRow, e: Any, _: int) -> LicenceRow:
    row.updated_at = e.timestamp
    row.renewal_deadline = renewal_deadline(
        row.valid_until, row.renewal_lead_months, row.renewal_lead_days
    )
    return row


def _issued(_: None, e: L.Issued, position: int) -> LicenceRow:
    due = e.post_verification_due
    row = LicenceRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        licence_number=e.licence_number,
        holder_name=e.holder.name,
        holder_uscc=e.holder.uscc,
        item_code=e.item_code,
        item_name=e.item_name,
        certificate_name=e.certificate_name,
        unit_code=e.authority_unit_code,
        status=LicenceStatus.VALID.value,
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        renewal_lead_months=e.renewal_lead_months,
        renewal_lead_days=e.renewal_lead_days,
        application_id=e.application_id,
        decision_number=e.decision_number,
        approval_mode=e.approval_mode.value,
        post_verification_due=due.due if due else None,
        post_verification_provisional=due.provisional if due else False,
        post_verification_version=due.calendar_version if due else None,
        issued_at=e.timestamp,
    )
    return _touch(row, e, position)


def _changed(row: LicenceRow, e: L.Changed, p: int) -> LicenceRow:
    if e.change.holder_name:
        row.holder_name = e.change.holder_name
    return _touch(row, e, p)


def _renewal_requested(row: LicenceRow, e: L.RenewalRequested, p: int) -> LicenceRow:
    row.renewal_requested_on = e.requested_on
    return _touch(row, e, p)


def _valid_until(
    row: LicenceRow, e: L.Renewed | L.RenewalDeemedGranted, p: int
) -> LicenceRow:
    row.valid_until = e.valid_until
    row.renewal_requested_on = None
    return _touch(row, e, p)


def _renewal_closed(
    row: LicenceRow, e: L.RenewalRefused | L.RenewalRequestClosed, p: int
) -> LicenceRow:
    row.renewal_requested_on = None
    return _touch(row, e, p)


def _commitment_checked(
    row: LicenceRow, e: L.CommitmentVerified | L.CommitmentBreached, p: int
) -> LicenceRow:
    row.post_verification_due = None
    row.commitment_breached = isinstance(e, L.CommitmentBreached)
    return _touch(row, e, p)


def _ended(status: LicenceStatus, date_field: str) -> Handler:
    def fold(row: LicenceRow, e: Any, p: int) -> LicenceRow:
        row.status = status.value
        row.ended_on = getattr(e, date_field)
        return _touch(row, e, p)

    return fold


def _in_status(status: LicenceStatus) -> Handler:
    """停用 and 启用: the registration stands, in or out of use."""

    def fold(row: LicenceRow, e: Any, p: int) -> LicenceRow:
        row.status = status.value
        return _touch(row, e, p)

    return fold


def _deadline_recomputed(
    row: LicenceRow, e: L.DeadlineRecomputed, p: int
) -> LicenceRow:
    for change in e.changes:
        if change.kind == "commitment_check":
            row.post_verification_due = change.new_due.due
            row.post_verification_provisional = change.new_due.provisional
            row.post_verification_version = change.new_due.calendar_version
    return _touch(row, e, p)


def _reminder_sent(row: LicenceRow, e: L.ReminderSent, p: int) -> LicenceRow:
    row.reminders_sent = [*row.reminders_sent, f"{e.subject.value}:{e.deadline}"]
    return _touch(row, e, p)
