"""Licence (许可证件): created by a grant; changed, renewed, withdrawn, revoked, cancelled.

Long-lived, so it is snapshotted (see Licensing.snapshotting_intervals).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.licensing.parties import Applicant, Verifier
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import DueDate, WorkingDayCalendar
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate, AggregateSnapshot, SnapshotState

POST_APPROVAL_VERIFICATION_WD = 60  # 告知承诺 follow-up; local practice (DOMAIN §2.1)


class LicenceStatus(StrEnum):
    VALID = "valid"
    WITHDRAWN = "withdrawn"  # 撤回, Art. 8
    REVOKED = "revoked"  # 撤销, Art. 69
    CANCELLED = "cancelled"  # 注销, Art. 70
    EXPIRED = "expired"


class ReissueCause(StrEnum):
    LOST = "lost"  # 遗失
    DAMAGED = "damaged"  # 损毁


class RevocationGround(StrEnum):
    """Art. 69 ¶1 (1)–(5) and ¶2 (欺骗、贿赂), plus a breached 告知承诺."""

    ABUSE_OF_POWER = "abuse_of_power"
    BEYOND_AUTHORITY = "beyond_authority"
    PROCEDURE_VIOLATED = "procedure_violated"
    INELIGIBLE_APPLICANT = "ineligible_applicant"
    FRAUD_OR_BRIBERY = "fraud_or_bribery"
    COMMITMENT_BREACHED = "commitment_breached"
    OTHER = "other"


class CancellationGround(StrEnum):
    """Art. 70 (1)–(6)."""

    EXPIRED_NOT_RENEWED = "expired_not_renewed"
    HOLDER_DECEASED_OR_INCAPABLE = "holder_deceased_or_incapable"
    ENTITY_TERMINATED = "entity_terminated"
    REVOKED_OR_WITHDRAWN = "revoked_or_withdrawn"
    FORCE_MAJEURE = "force_majeure"
    OTHER = "other"


class LicenceChange(BaseModel):
    """Art. 49 变更: what changed (at least one field)."""

    model_config = ConfigDict(frozen=True)

    holder_name: str | None = Field(default=None, min_length=1, max_length=200)
    scope: str | None = Field(default=None, min_length=1, max_length=1000)
    address: str | None = Field(default=None, min_length=1, max_length=300)


class LicenceState(SnapshotState):
    licence_number: str
    holder: Applicant
    item_code: str
    item_name: str
    certificate_name: str
    scope: str
    valid_from: date
    valid_until: date | None
    renewal_lead_days: int
    application_id: UUID
    decision_number: str
    authority_unit_code: str
    approval_mode: ApprovalMode
    post_verification_due: DueDate | None
    status: LicenceStatus
    renewal_requested_on: date | None
    reissues: int


class Licence(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.Licence"

    class Snapshot(AggregateSnapshot):
        state: LicenceState

    class Issued(Aggregate.Created):
        licence_number: str
        holder: Applicant
        item_code: str
        item_name: str
        certificate_name: str
        scope: str
        valid_from: date
        valid_until: date | None
        renewal_lead_days: int
        application_id: UUID
        decision_number: str
        authority_unit_code: str
        approval_mode: ApprovalMode
        post_verification_due: DueDate | None

    class Changed(Aggregate.Event):
        change: LicenceChange
        decision_number: str
        changed_on: date

    class CertificateReissued(Aggregate.Event):
        cause: ReissueCause
        reissued_on: date

    class RenewalRequested(Aggregate.Event):
        requested_on: date
        rule: str

    class Renewed(Aggregate.Event):
        decision_number: str
        valid_until: date
        renewed_on: date

    class CommitmentVerified(Aggregate.Event):
        verifiers: tuple[Verifier, ...]
        findings: str
        verified_on: date

    class CommitmentBreached(Aggregate.Event):
        verifiers: tuple[Verifier, ...]
        findings: str
        verified_on: date

    class Withdrawn(Aggregate.Event):
        withdrawn_on: date
        compensation: str

    class Revoked(Aggregate.Event):
        ground: RevocationGround
        revoked_on: date
        reapplication_banned_until: date | None
        rule: str

    class Cancelled(Aggregate.Event):
        ground: CancellationGround
        cancelled_on: date

    class Expired(Aggregate.Event):
        expired_on: date

    @event(Issued)
    def __init__(
        self,
        *,
        audit: Audit,
        licence_number: str,
        holder: Applicant,
        item_code: str,
        item_name: str,
        certificate_name: str,
        scope: str,
        valid_from: date,
        valid_until: date | None,
        renewal_lead_days: int,
        application_id: UUID,
        decision_number: str,
        authority_unit_code: str,
        approval_mode: ApprovalMode,
        post_verification_due: DueDate | None,
    ) -> None:
        self.licence_number = licence_number
        self.holder = holder
        self.item_code = item_code
        self.item_name = item_name
        self.certificate_name = certificate_name
        self.scope = scope
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.renewal_lead_days = renewal_lead_days
        self.application_id = application_id
        self.decision_number = decision_number
        self.authority_unit_code = authority_unit_code
        self.approval_mode = approval_mode
        self.post_verification_due = post_verification_due
        self.status = LicenceStatus.VALID
        self.renewal_requested_on: date | None = None
        self.reissues = 0

    @classmethod
    def issue(
        cls,
        *,
        licence_id: UUID,
        audit: Audit,
        licence_number: str,
        holder: Applicant,
        item_code: str,
        item_name: str,
        certificate_name: str,
        scope: str,
        valid_from: date,
        validity_months: int | None,
        renewal_lead_days: int,
        application_id: UUID,
        decision_number: str,
        authority_unit_code: str,
        approval_mode: ApprovalMode,
        calendar: WorkingDayCalendar,
    ) -> Licence:
        require_actor(audit)
        if not scope.strip():
            raise InvalidInputError(
                "state the licensed scope (许可内容)", field="scope"
            )
        follow_up = (
            calendar.add_working_days(valid_from, POST_APPROVAL_VERIFICATION_WD)
            if approval_mode is ApprovalMode.NOTIFY_AND_COMMIT
            else None
        )
        return cls._create(
            cls.Issued,
            id=licence_id,
            audit=audit,
            licence_number=licence_number,
            holder=holder,
            item_code=item_code,
            item_name=item_name,
            certificate_name=certificate_name,
            scope=scope,
            valid_from=valid_from,
            valid_until=_validity_end(valid_from, validity_months),
            renewal_lead_days=renewal_lead_days,
            application_id=application_id,
            decision_number=decision_number,
            authority_unit_code=authority_unit_code,
            approval_mode=approval_mode,
            post_verification_due=follow_up,
        )

    @property
    def renewal_deadline(self) -> date | None:
        """Art. 50: apply 30 days before expiry, or the item's own rule (6 months)."""
        if self.valid_until is None:
            return None
        return date.fromordinal(self.valid_until.toordinal() - self.renewal_lead_days)

    # -- commands ---------------------------------------------------------------

    def change(
        self, change: LicenceChange, decision_number: str, on: date, audit: Audit
    ) -> None:
        """Art. 49: the licensee applies; the granting agency processes the change."""
        require_reason(audit, "approving a licence change")
        self._require_valid("change", "行政许可法 第49条")
        if change == LicenceChange():
            raise InvalidInputError("name at least one change", field="change")
        self._changed(
            audit=audit, change=change, decision_number=decision_number, changed_on=on
        )

    def reissue_certificate(self, cause: ReissueCause, on: date, audit: Audit) -> None:
        """补领 (工业产品生产许可证管理条例 Art. 30)."""
        require_actor(audit)
        self._require_valid(
            "reissue the certificate", "工业产品生产许可证管理条例 第30条"
        )
        self._certificate_reissued(audit=audit, cause=cause, reissued_on=on)

    def request_renewal(self, on: date, audit: Audit) -> None:
        """Art. 50 ¶1: apply before the lead time (30 days; 6 months for 生产许可证)."""
        require_actor(audit)
        self._require_valid("request renewal", "行政许可法 第50条")
        deadline = self.renewal_deadline
        if deadline is None:
            raise IllegalTransitionError(
                "this licence has no period of validity to renew"
            )
        if self.renewal_requested_on is not None:
            raise IllegalTransitionError(
                "renewal has already been requested", rule="行政许可法 第50条"
            )
        if on > deadline:
            raise DeadlineError(
                f"renewal had to be requested by {deadline} ({self.renewal_lead_days} days"
                f" before expiry on {self.valid_until})",
                rule="行政许可法 第50条",
            )
        self._renewal_requested(audit=audit, requested_on=on, rule="行政许可法 第50条")

    def renew(
        self, decision_number: str, validity_months: int, on: date, audit: Audit
    ) -> None:
        """Art. 50 ¶2: decided before expiry (else it is deemed granted by the clock)."""
        require_reason(audit, "a renewal decision")
        self._require_valid("renew", "行政许可法 第50条")
        if self.renewal_requested_on is None:
            raise IllegalTransitionError(
                "no renewal has been requested", rule="行政许可法 第50条"
            )
        assert self.valid_until is not None
        # The new period starts the day after expiry, so it ends like any period
        # from that day: 2031-02-28 renewed for 60 months ends 2036-02-29.
        next_start = date.fromordinal(self.valid_until.toordinal() + 1)
        valid_until = _validity_end(next_start, validity_months)
        if valid_until is None:
            raise InvalidInputError(
                "a renewal needs a period of validity", field="validity_months"
            )
        self._renewed(
            audit=audit,
            decision_number=decision_number,
            valid_until=valid_until,
            renewed_on=on,
        )

    def record_commitment_check(
        self,
        verifiers: tuple[Verifier, ...],
        findings: str,
        breached: bool,
        on: date,
        ban_years: int,
        audit: Audit,
    ) -> None:
        """后置核查 of a 告知承诺 licence; a false commitment → 撤销 (Art. 69 ¶2)."""
        require_reason(audit, "the outcome of a post-approval verification")
        self._require_valid(
            "verify the commitment", "国办发〔2020〕42号 (事中事后核查)"
        )
        if self.approval_mode is not ApprovalMode.NOTIFY_AND_COMMIT:
            raise IllegalTransitionError(
                "only 告知承诺 licences have a commitment to verify"
            )
        if len({v.staff_no for v in verifiers}) < 2:
            raise InvalidInputError(
                "verification needs two or more staff",
                field="verifiers",
                rule="行政许可法 第34条",
            )
        if not breached:
            self._commitment_verified(
                audit=audit, verifiers=verifiers, findings=findings, verified_on=on
            )
            return
        self._commitment_breached(
            audit=audit, verifiers=verifiers, findings=findings, verified_on=on
        )
        self._revoked(
            audit=audit,
            ground=RevocationGround.COMMITMENT_BREACHED,
            revoked_on=on,
            reapplication_banned_until=_add_months(on, 12 * ban_years)
            if ban_years
            else None,
            rule="行政许可法 第69条第2款; 国办发〔2020〕42号",
        )

    def withdraw(self, compensation: str, on: date, audit: Audit) -> None:
        """撤回 for the public interest when law or circumstances change (Art. 8)."""
        require_reason(audit, "withdrawing a licence")
        self._require_valid("withdraw", "行政许可法 第8条")
        if not compensation.strip():
            raise InvalidInputError(
                "Art. 8 requires compensation for property loss; state it (or why none)",
                field="compensation",
                rule="行政许可法 第8条第2款",
            )
        self._withdrawn(audit=audit, withdrawn_on=on, compensation=compensation)

    def revoke(
        self, ground: RevocationGround, ban_years: int, on: date, audit: Audit
    ) -> None:
        """撤销 (Art. 69). Fraud or bribery bans a new application for 3 years (Art. 79)."""
        require_reason(audit, "revoking a licence")
        self._require_valid("revoke", "行政许可法 第69条")
        if ground is RevocationGround.FRAUD_OR_BRIBERY and ban_years not in (0, 3):
            raise InvalidInputError(
                "Art. 79 sets a 3-year ban", field="ban_years", rule="行政许可法 第79条"
            )
        self._revoked(
            audit=audit,
            ground=ground,
            revoked_on=on,
            reapplication_banned_until=_add_months(on, 12 * ban_years)
            if ban_years
            else None,
            rule="行政许可法 第69条",
        )

    def cancel(self, ground: CancellationGround, on: date, audit: Audit) -> None:
        """注销 (Art. 70), the closing formality; also after expiry, revocation, withdrawal."""
        require_reason(audit, "cancelling a licence")
        if self.status is LicenceStatus.CANCELLED:
            raise IllegalTransitionError(
                "the licence is already cancelled", rule="行政许可法 第70条"
            )
        if (
            ground is CancellationGround.EXPIRED_NOT_RENEWED
            and self.status is not LicenceStatus.EXPIRED
        ):
            raise IllegalTransitionError(
                "the licence has not expired", rule="行政许可法 第70条第1项"
            )
        self._cancelled(audit=audit, ground=ground, cancelled_on=on)

    def expire(self, on: date, audit: Audit) -> None:
        require_actor(audit)
        self._require_valid("expire", "行政许可法 第70条第1项")
        if self.valid_until is None or on <= self.valid_until:
            raise DeadlineError(f"the licence is valid until {self.valid_until}")
        self._expired(audit=audit, expired_on=on)

    def _require_valid(self, action: str, rule: str) -> None:
        """Only an effective licence can be changed, renewed, withdrawn or revoked."""
        if self.status is not LicenceStatus.VALID:
            raise IllegalTransitionError(
                f"cannot {action}: the licence is {self.status}", rule=rule
            )

    # -- recorded facts ---------------------------------------------------------

    @event(Changed)
    def _changed(
        self,
        audit: Audit,
        change: LicenceChange,
        decision_number: str,
        changed_on: date,
    ) -> None:
        if change.holder_name:
            self.holder = self.holder.model_copy(update={"name": change.holder_name})
        if change.address:
            self.holder = self.holder.model_copy(update={"address": change.address})
        if change.scope:
            self.scope = change.scope

    @event(CertificateReissued)
    def _certificate_reissued(
        self, audit: Audit, cause: ReissueCause, reissued_on: date
    ) -> None:
        self.reissues += 1

    @event(RenewalRequested)
    def _renewal_requested(self, audit: Audit, requested_on: date, rule: str) -> None:
        self.renewal_requested_on = requested_on

    @event(Renewed)
    def _renewed(
        self, audit: Audit, decision_number: str, valid_until: date, renewed_on: date
    ) -> None:
        self.valid_until = valid_until
        self.renewal_requested_on = None

    @event(CommitmentVerified)
    def _commitment_verified(
        self,
        audit: Audit,
        verifiers: tuple[Verifier, ...],
        findings: str,
        verified_on: date,
    ) -> None:
        self.post_verification_due = None

    @event(CommitmentBreached)
    def _commitment_breached(
        self,
        audit: Audit,
        verifiers: tuple[Verifier, ...],
        findings: str,
        verified_on: date,
    ) -> None:
        self.post_verification_due = None

    @event(Withdrawn)
    def _withdrawn(self, audit: Audit, withdrawn_on: date, compensation: str) -> None:
        self.status = LicenceStatus.WITHDRAWN

    @event(Revoked)
    def _revoked(
        self,
        audit: Audit,
        ground: RevocationGround,
        revoked_on: date,
        reapplication_banned_until: date | None,
        rule: str,
    ) -> None:
        self.status = LicenceStatus.REVOKED

    @event(Cancelled)
    def _cancelled(
        self, audit: Audit, ground: CancellationGround, cancelled_on: date
    ) -> None:
        self.status = LicenceStatus.CANCELLED

    @event(Expired)
    def _expired(self, audit: Audit, expired_on: date) -> None:
        self.status = LicenceStatus.EXPIRED


def _validity_end(valid_from: date, months: int | None) -> date | None:
    """A 5-year licence from 2026-03-15 is valid until 2031-03-14 inclusive."""
    if not months:
        return None
    return date.fromordinal(_add_months(valid_from, months).toordinal() - 1)


def _add_months(start: date, months: int) -> date:
    """Validity periods are in months or years; the day is clamped to the month's end."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
