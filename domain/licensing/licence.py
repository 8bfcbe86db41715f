"""Licence (许可证件): created by a grant; changed, renewed, withdrawn, revoked, cancelled.

Long-lived, so it is snapshotted (see Licensing.snapshotting_intervals).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.licensing.parties import (
    REMEDY_TEXT,
    Applicant,
    Verifier,
    require_reasons,
    upcast_verifiers,
)
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import (
    DeadlineChange,
    DueDate,
    WorkingDayCalendar,
    add_months,
    recomputation,
)
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate, AggregateSnapshot, SnapshotState
from domain.shared.text import Line, Prose

# 提醒式服务: the holder is reminded this many calendar days ahead of the last
# day to apply for renewal, and of expiry (local service commitment, not law).
REMINDER_LEAD_DAYS = 30
RULE_REMINDER = "提醒式服务 (行政许可法 第50条 延续期限的事前提醒)"
POST_APPROVAL_VERIFICATION_WD = 60  # 告知承诺 follow-up; local practice (DOMAIN §2.1)
# When renewal may first be requested: this many months before the last day to
# apply. The 行政许可法 (Art. 50) sets only the latest day; a request far ahead
# of expiry (on the day of the grant, say) is not a renewal application. The
# bureau's rule, to be confirmed with 法制科: the window opens 6 months before
# the last day to apply (the holder's reminder comes 30 days before that day).
RENEWAL_WINDOW_MONTHS = 6
RULE_RENEWAL_WINDOW = (
    "行政许可法 第50条; 延续申请受理窗口 (本局规则: 最后申请日前6个月起)"
)


class LicenceStatus(StrEnum):
    VALID = "valid"
    WITHDRAWN = "withdrawn"  # 撤回, Art. 8
    REVOKED = "revoked"  # 撤销, Art. 69
    CANCELLED = "cancelled"  # 注销, Art. 70
    EXPIRED = "expired"
    # A special-equipment use registration only (特种设备安全法 Art. 48; TSG 08):
    SUSPENDED = "suspended"  # 停用 (报停), until 启用
    SCRAPPED = "scrapped"  # 报废, the registration cancelled with it


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


# 欺骗、贿赂等不正当手段 (Art. 69 ¶2, Art. 79); a false 告知承诺 is treated alike.
UNDUE_MEANS = frozenset(
    {RevocationGround.FRAUD_OR_BRIBERY, RevocationGround.COMMITMENT_BREACHED}
)


class CancellationGround(StrEnum):
    """Art. 70 (1)–(6)."""

    EXPIRED_NOT_RENEWED = "expired_not_renewed"
    HOLDER_DECEASED_OR_INCAPABLE = "holder_deceased_or_incapable"
    ENTITY_TERMINATED = "entity_terminated"
    REVOKED_OR_WITHDRAWN = "revoked_or_withdrawn"
    FORCE_MAJEURE = "force_majeure"
    OTHER = "other"
    # 注销申请: the holder asks for it (a matter of its own, Matter.CANCELLATION);
    # under Art. 70 (6) 法律、法规规定的其他情形 — the 注销 provisions of 总局令
    # 第16号 were not read (DOMAIN §10 item 4): UNCONFIRMED as to the article.
    HOLDER_REQUEST = "holder_request"


# Art. 70: some grounds describe a licence that has already ended.
CANCELLATION_REQUIRES: dict[CancellationGround, frozenset[LicenceStatus]] = {
    CancellationGround.EXPIRED_NOT_RENEWED: frozenset({LicenceStatus.EXPIRED}),
    CancellationGround.REVOKED_OR_WITHDRAWN: frozenset(
        {LicenceStatus.REVOKED, LicenceStatus.WITHDRAWN}
    ),
    # The holder gives up what it holds: a licence in force (or equipment
    # stopped, 停用), not one already ended.
    CancellationGround.HOLDER_REQUEST: frozenset(
        {LicenceStatus.VALID, LicenceStatus.SUSPENDED}
    ),
}
ART_50 = "行政许可法 第50条"
ART_34 = "行政许可法 第34条"
# 停用/启用/报废 of a use registration (DOMAIN §8.2; TSG 08-2017 UNCONFIRMED).
RULE_SUSPENSION = "特种设备安全法 第48条; TSG 08-2017 停用 (报停)"
RULE_REACTIVATION = "TSG 08-2017 启用"
RULE_SCRAPPING = "特种设备安全法 第48条 (报废, 注销使用登记证书)"


class ReminderSubject(StrEnum):
    RENEWAL_DEADLINE = "renewal_deadline"  # the last day to apply for renewal
    EXPIRY = "expiry"  # the last day of validity


class LicenceChange(BaseModel):
    """Art. 49 变更: what changed (at least one field)."""

    model_config = ConfigDict(frozen=True)

    holder_name: Annotated[str, Line(200)] | None = None
    scope: Annotated[str, Prose(1000)] | None = None
    address: Annotated[str, Line(300)] | None = None


class PendingCommitmentCheck(BaseModel):
    """A 后置核查 recorded and signed by one verifier, awaiting a second."""

    model_config = ConfigDict(frozen=True)

    verifier: Verifier
    findings: str
    breached: bool
    verified_on: date


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
    renewal_lead_months: int = 0  # added later: old snapshots lack it
    application_id: UUID
    decision_number: str
    authority_unit_code: str
    approval_mode: ApprovalMode
    post_verification_due: DueDate | None
    commitment_breached: bool = False  # added later: old snapshots lack it
    status: LicenceStatus
    renewal_requested_on: date | None
    reissues: int
    # added later: old snapshots lack it
    reminders_sent: list[tuple[ReminderSubject, date]] = Field(default_factory=list)
    pending_check: PendingCommitmentCheck | None = None  # added later


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
        renewal_lead_months: int = 0

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

    class RenewalRefused(Aggregate.Event):
        reasons: tuple[str, ...]
        refused_on: date
        remedy: str

    class RenewalDeemedGranted(Aggregate.Event):
        valid_until: date
        deemed_on: date
        rule: str

    class CommitmentVerified(Aggregate.Event):
        class_version: ClassVar[int] = 2  # v1 named a verifier's id `staff_no`
        verifiers: tuple[Verifier, ...]
        findings: str
        verified_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_verifiers(state)

    class CommitmentBreached(Aggregate.Event):
        class_version: ClassVar[int] = 2
        verifiers: tuple[Verifier, ...]
        findings: str
        verified_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_verifiers(state)

    class CommitmentCheckRecorded(Aggregate.Event):
        """One verifier records (and signs) a 后置核查; a second must sign it
        before its outcome (CommitmentVerified / CommitmentBreached) stands."""

        verifier: Verifier
        findings: str
        breached: bool
        verified_on: date

    class DeadlineRecomputed(Aggregate.Event):
        """A new calendar (a State Council notice) moved provisional dates."""

        changes: tuple[DeadlineChange, ...]
        calendar_version: str
        notices: tuple[str, ...]
        rule: str

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

    class ReminderSent(Aggregate.Event):
        """提醒式服务: read by the notification consumer, which tells the holder."""

        subject: ReminderSubject
        deadline: date
        sent_on: date
        text: str

    class Suspended(Aggregate.Event):
        """停用 (报停) of a special-equipment use registration."""

        suspended_on: date
        decision_number: str
        rule: str

    class Reactivated(Aggregate.Event):
        """启用: a suspended use registration back in use."""

        reactivated_on: date
        decision_number: str
        rule: str

    class Scrapped(Aggregate.Event):
        """报废: the equipment scrapped and its use registration cancelled."""

        scrapped_on: date
        decision_number: str
        rule: str

    class RenewalRequestClosed(Aggregate.Event):
        """The renewal application ended undecided (withdrawn, not accepted or
        terminated): no renewal is pending, so none is deemed granted."""

        closed_on: date
        receipt_number: str

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
        renewal_lead_months: int = 0,
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
        self.renewal_lead_months = renewal_lead_months
        self.commitment_breached = False
        self.application_id = application_id
        self.decision_number = decision_number
        self.authority_unit_code = authority_unit_code
        self.approval_mode = approval_mode
        self.post_verification_due = post_verification_due
        self.status = LicenceStatus.VALID
        self.renewal_requested_on: date | None = None
        self.reissues = 0
        self.reminders_sent: list[tuple[ReminderSubject, date]] = []
        self.pending_check: PendingCommitmentCheck | None = None

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
        renewal_lead_months: int = 0,
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
            renewal_lead_months=renewal_lead_months,
            application_id=application_id,
            decision_number=decision_number,
            authority_unit_code=authority_unit_code,
            approval_mode=approval_mode,
            post_verification_due=follow_up,
        )

    @property
    def renewal_deadline(self) -> date | None:
        return renewal_deadline(
            self.valid_until, self.renewal_lead_months, self.renewal_lead_days
        )

    @property
    def renewal_window_opens(self) -> date | None:
        deadline = self.renewal_deadline
        return add_months(deadline, -RENEWAL_WINDOW_MONTHS) if deadline else None

    def stale_dates(
        self, calendar: WorkingDayCalendar
    ) -> list[tuple[str, date, DueDate]]:
        """The 告知承诺 follow-up date, if provisional under an older calendar."""
        due = self.post_verification_due
        if (
            self.status is not LicenceStatus.VALID
            or due is None
            or not due.is_stale(calendar)
        ):
            return []
        new = calendar.add_working_days(self.valid_from, POST_APPROVAL_VERIFICATION_WD)
        return [("commitment_check", due.due, new)]

    def recompute_deadlines(self, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """DESIGN §3: recompute provisional dates when a holiday notice is out."""
        require_actor(audit)
        moved = recomputation(self.stale_dates(calendar), calendar)
        self._deadline_recomputed(
            audit=audit,
            changes=moved.changes,
            calendar_version=moved.calendar_version,
            notices=moved.notices,
            rule=moved.rule,
        )

    def _lead_text(self) -> str:
        months = (
            f"{self.renewal_lead_months} months" if self.renewal_lead_months else ""
        )
        days = f"{self.renewal_lead_days} days" if self.renewal_lead_days else ""
        return " and ".join(p for p in (months, days) if p) or "no lead time"

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
                "this licence has no period of validity to renew", rule=ART_50
            )
        if self.renewal_requested_on is not None:
            raise IllegalTransitionError(
                "renewal has already been requested", rule="行政许可法 第50条"
            )
        if on > deadline:
            raise DeadlineError(
                f"renewal had to be requested by {deadline} ({self._lead_text()}"
                f" before expiry on {self.valid_until})",
                rule="行政许可法 第50条",
            )
        opens = self.renewal_window_opens
        assert opens is not None
        if on < opens:
            raise DeadlineError(
                f"renewal can be requested from {opens} ({RENEWAL_WINDOW_MONTHS}"
                f" months before the last day to apply, {deadline})",
                rule=RULE_RENEWAL_WINDOW,
            )
        self._renewal_requested(audit=audit, requested_on=on, rule="行政许可法 第50条")

    def renew(
        self, decision_number: str, validity_months: int, on: date, audit: Audit
    ) -> None:
        """Art. 50 ¶2: decided before expiry (else it is deemed granted by the clock)."""
        require_reason(audit, "a renewal decision")
        self._check_renewal_pending("renew")
        assert self.valid_until is not None
        if on > self.valid_until:
            raise DeadlineError(
                f"the licence expired on {self.valid_until} with renewal undecided, so"
                " renewal is deemed granted by law",
                rule=ART_50,
            )
        self._renewed(
            audit=audit,
            decision_number=decision_number,
            valid_until=self._next_period_end(validity_months),
            renewed_on=on,
        )

    def refuse_renewal(self, reasons: tuple[str, ...], on: date, audit: Audit) -> None:
        """Art. 50 ¶2: the agency decides before expiry whether to renew; a refusal
        gives reasons and the remedies (Art. 38 ¶2). The licence then runs out."""
        require_reason(audit, "a renewal decision")
        self._check_renewal_pending("refuse renewal")
        assert self.valid_until is not None
        if on > self.valid_until:
            raise DeadlineError(
                f"undecided at expiry on {self.valid_until}: renewal is deemed granted",
                rule=ART_50,
            )
        reasons = require_reasons(reasons)
        self._renewal_refused(
            audit=audit,
            reasons=reasons,
            refused_on=on,
            remedy=REMEDY_TEXT,
        )

    def deem_renewal(self, validity_months: int, on: date, audit: Audit) -> None:
        """Art. 50 ¶2: 逾期未作决定的，视为准予延续 — the clock's command at expiry."""
        require_actor(audit)
        self._check_renewal_pending("deem renewal")
        assert self.valid_until is not None
        if on <= self.valid_until:
            raise DeadlineError(
                f"the agency may decide until {self.valid_until}", rule=ART_50
            )
        self._renewal_deemed_granted(
            audit=audit,
            valid_until=self._next_period_end(validity_months),
            deemed_on=on,
            rule=ART_50,
        )

    def close_renewal_request(
        self, receipt_number: str, on: date, audit: Audit
    ) -> None:
        """Art. 50 ¶2 deems granted only a renewal applied for and undecided: an
        application that ended without a decision leaves none pending."""
        require_actor(audit)
        self._check_renewal_pending("close the renewal request")
        self._renewal_request_closed(
            audit=audit, closed_on=on, receipt_number=receipt_number
        )

    def _check_renewal_pending(self, action: str) -> None:
        self._require_valid(action, ART_50)
        if self.renewal_requested_on is None:
            raise IllegalTransitionError("no renewal has been requested", rule=ART_50)

    def _next_period_end(self, validity_months: int) -> date:
        # The new period starts the day after expiry, so it ends like any period
        # from that day: 2031-02-28 renewed for 60 months ends 2036-02-29.
        assert self.valid_until is not None
        next_start = date.fromordinal(self.valid_until.toordinal() + 1)
        valid_until = _validity_end(next_start, validity_months)
        if valid_until is None:
            raise InvalidInputError(
                "a renewal needs a period of validity", field="validity_months"
            )
        return valid_until

    def record_commitment_check(
        self,
        verifier: Verifier,
        findings: str,
        breached: bool,
        on: date,
        audit: Audit,
    ) -> None:
        """后置核查 of a 告知承诺 licence, recorded and signed by one verifier. Its
        outcome stands once a second verifier signs (Art. 34: two or more staff);
        a false commitment then awaits the approver's revocation (Art. 69 ¶2)."""
        require_reason(audit, "the outcome of a post-approval verification")
        self._require_valid(
            "verify the commitment", "国办发〔2020〕42号 (事中事后核查)"
        )
        if self.approval_mode is not ApprovalMode.NOTIFY_AND_COMMIT:
            raise IllegalTransitionError(
                "only 告知承诺 licences have a commitment to verify",
                rule="国办发〔2020〕42号",
            )
        if self.commitment_breached:
            raise IllegalTransitionError(
                "the commitment has already been found false", rule="行政许可法 第69条"
            )
        if self.pending_check is not None:
            raise IllegalTransitionError(
                "a verification already awaits a second verifier's signature",
                rule=ART_34,
            )
        if not findings.strip():
            raise InvalidInputError("record the findings", field="findings")
        self._commitment_check_recorded(
            audit=audit,
            verifier=verifier,
            findings=findings,
            breached=breached,
            verified_on=on,
        )

    def sign_commitment_check(self, verifier: Verifier, on: date, audit: Audit) -> None:
        """The second verifier signs with their own credentials: the outcome stands."""
        require_reason(audit, "the outcome of a post-approval verification")
        self._require_valid(
            "verify the commitment", "国办发〔2020〕42号 (事中事后核查)"
        )
        pending = self.pending_check
        if pending is None:
            raise IllegalTransitionError(
                "no verification awaits a signature", rule=ART_34
            )
        if verifier.id == pending.verifier.id:
            raise IllegalTransitionError(
                f"{verifier.id} recorded this verification; a second verifier must"
                " sign it",
                rule=ART_34,
            )
        record = (
            self._commitment_breached if pending.breached else self._commitment_verified
        )
        record(
            audit=audit,
            verifiers=(pending.verifier, verifier),
            findings=pending.findings,
            verified_on=pending.verified_on,
        )

    def withdraw(self, compensation: str, on: date, audit: Audit) -> None:
        """撤回 for the public interest when law or circumstances change (Art. 8)."""
        require_reason(audit, "withdrawing a licence")
        self._require_valid("withdraw", "行政许可法 第8条", if_breached=True)
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
        """撤销 (Art. 69). A licence got by fraud, bribery or a false commitment on a
        matter of public safety, health or life bars reapplying for 3 years (Art. 79)."""
        require_reason(audit, "revoking a licence")
        self._require_valid("revoke", "行政许可法 第69条", if_breached=True)
        if (
            ground is RevocationGround.COMMITMENT_BREACHED
            and not self.commitment_breached
        ):
            raise IllegalTransitionError(
                "no post-approval verification has found the commitment false",
                rule="行政许可法 第69条第2款; 国办发〔2020〕42号",
            )
        if ban_years not in ((0, 3) if ground in UNDUE_MEANS else (0,)):
            raise InvalidInputError(
                "Art. 79 sets a 3-year ban, for undue means only",
                field="ban_years",
                rule="行政许可法 第79条",
            )
        self._revoked(
            audit=audit,
            ground=ground,
            revoked_on=on,
            reapplication_banned_until=add_months(on, 12 * ban_years)
            if ban_years
            else None,
            rule="行政许可法 第69条",
        )

    def cancel(self, ground: CancellationGround, on: date, audit: Audit) -> None:
        """注销 (Art. 70), the closing formality; also after expiry, revocation, withdrawal."""
        require_reason(audit, "cancelling a licence")
        if self.status in (LicenceStatus.CANCELLED, LicenceStatus.SCRAPPED):
            raise IllegalTransitionError(
                f"the licence is already {self.status}", rule="行政许可法 第70条"
            )
        required = CANCELLATION_REQUIRES.get(ground)
        if required is not None and self.status not in required:
            raise IllegalTransitionError(
                f"the ground {ground} does not fit a licence that is {self.status}",
                rule="行政许可法 第70条",
            )
        self._cancelled(audit=audit, ground=ground, cancelled_on=on)

    def suspend(self, decision_number: str, on: date, audit: Audit) -> None:
        """停用 (报停): equipment out of use for a year or more is filed as
        stopped (TSG 08-2017; DOMAIN §8.2); only a registration in use."""
        require_reason(audit, "recording a suspension of use")
        self._require_valid("suspend", RULE_SUSPENSION)
        self._suspended(
            audit=audit,
            suspended_on=on,
            decision_number=decision_number,
            rule=RULE_SUSPENSION,
        )

    def reactivate(self, decision_number: str, on: date, audit: Audit) -> None:
        """启用: only a suspended registration is put back in use (TSG 08-2017)."""
        require_reason(audit, "recording a return to use")
        if self.status is not LicenceStatus.SUSPENDED:
            raise IllegalTransitionError(
                f"cannot reactivate: the registration is {self.status}, not suspended",
                rule=RULE_REACTIVATION,
            )
        self._reactivated(
            audit=audit,
            reactivated_on=on,
            decision_number=decision_number,
            rule=RULE_REACTIVATION,
        )

    def scrap(self, decision_number: str, on: date, audit: Audit) -> None:
        """报废: in use or suspended equipment is scrapped and its registration
        cancelled with the original authority (特种设备安全法 Art. 48)."""
        require_reason(audit, "recording scrapping")
        if self.status not in (LicenceStatus.VALID, LicenceStatus.SUSPENDED):
            raise IllegalTransitionError(
                f"cannot scrap: the registration is {self.status}", rule=RULE_SCRAPPING
            )
        self._scrapped(
            audit=audit,
            scrapped_on=on,
            decision_number=decision_number,
            rule=RULE_SCRAPPING,
        )

    def expire(self, on: date, audit: Audit) -> None:
        """The clock's command after the last day of validity."""
        require_actor(audit)
        self._require_valid("expire", "行政许可法 第70条第1项", if_breached=True)
        if self.valid_until is None or on <= self.valid_until:
            raise DeadlineError(
                f"the licence is valid until {self.valid_until}",
                rule="行政许可法 第70条第1项",
            )
        if self.renewal_requested_on is not None:
            raise IllegalTransitionError(
                "renewal was requested in time and not decided: it is deemed granted,"
                " the licence does not expire",
                rule=ART_50,
            )
        self._expired(audit=audit, expired_on=on)

    def reminder_due(self, subject: ReminderSubject) -> date | None:
        """The deadline a reminder of that subject is about, while one is owed."""
        if self.status is not LicenceStatus.VALID or self.commitment_breached:
            return None
        if self.renewal_requested_on is not None:
            return None  # renewal is under way: nothing to remind of
        deadline = (
            self.renewal_deadline
            if subject is ReminderSubject.RENEWAL_DEADLINE
            else self.valid_until
        )
        if deadline is None or (subject, deadline) in self.reminders_sent:
            return None
        return deadline

    def send_reminder(self, subject: ReminderSubject, on: date, audit: Audit) -> None:
        """The clock's command, REMINDER_LEAD_DAYS ahead of the deadline."""
        require_actor(audit)
        deadline = self.reminder_due(subject)
        if deadline is None:
            raise IllegalTransitionError(
                f"no {subject} reminder is owed on this licence", rule=RULE_REMINDER
            )
        if not deadline - timedelta(days=REMINDER_LEAD_DAYS) <= on <= deadline:
            raise DeadlineError(
                f"a {subject} reminder goes out in the {REMINDER_LEAD_DAYS} days up to {deadline}",
                rule=RULE_REMINDER,
            )
        text = (
            f"许可证 {self.licence_number} 申请延续的最后一日为 {deadline.isoformat()}"
            if subject is ReminderSubject.RENEWAL_DEADLINE
            else f"许可证 {self.licence_number} 有效期至 {deadline.isoformat()} 届满"
        )
        self._reminder_sent(
            audit=audit,
            subject=subject,
            deadline=deadline,
            sent_on=on,
            text=text,
        )

    def _require_valid(
        self, action: str, rule: str, *, if_breached: bool = False
    ) -> None:
        """Only an effective licence can be changed, renewed, withdrawn or revoked;
        one found to rest on a false commitment only awaits its revocation
        (国发〔2018〕33号: 对虚假承诺的，一律撤销)."""
        if self.commitment_breached and not if_breached:
            raise IllegalTransitionError(
                f"cannot {action}: the commitment was found false; revocation is pending",
                rule="行政许可法 第69条第2款; 国发〔2018〕33号",
            )
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

    @event(RenewalRefused)
    def _renewal_refused(
        self, audit: Audit, reasons: tuple[str, ...], refused_on: date, remedy: str
    ) -> None:
        self.renewal_requested_on = None

    @event(RenewalRequestClosed)
    def _renewal_request_closed(
        self, audit: Audit, closed_on: date, receipt_number: str
    ) -> None:
        self.renewal_requested_on = None

    @event(RenewalDeemedGranted)
    def _renewal_deemed_granted(
        self, audit: Audit, valid_until: date, deemed_on: date, rule: str
    ) -> None:
        self.valid_until = valid_until
        self.renewal_requested_on = None

    @event(CommitmentCheckRecorded)
    def _commitment_check_recorded(
        self,
        audit: Audit,
        verifier: Verifier,
        findings: str,
        breached: bool,
        verified_on: date,
    ) -> None:
        self.pending_check = PendingCommitmentCheck(
            verifier=verifier,
            findings=findings,
            breached=breached,
            verified_on=verified_on,
        )

    @event(CommitmentVerified)
    def _commitment_verified(
        self,
        audit: Audit,
        verifiers: tuple[Verifier, ...],
        findings: str,
        verified_on: date,
    ) -> None:
        self.post_verification_due = None
        self.pending_check = None

    @event(CommitmentBreached)
    def _commitment_breached(
        self,
        audit: Audit,
        verifiers: tuple[Verifier, ...],
        findings: str,
        verified_on: date,
    ) -> None:
        self.post_verification_due = None
        self.pending_check = None
        self.commitment_breached = True

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

    @event(Suspended)
    def _suspended(
        self, audit: Audit, suspended_on: date, decision_number: str, rule: str
    ) -> None:
        self.status = LicenceStatus.SUSPENDED

    @event(Reactivated)
    def _reactivated(
        self, audit: Audit, reactivated_on: date, decision_number: str, rule: str
    ) -> None:
        self.status = LicenceStatus.VALID

    @event(Scrapped)
    def _scrapped(
        self, audit: Audit, scrapped_on: date, decision_number: str, rule: str
    ) -> None:
        self.status = LicenceStatus.SCRAPPED

    @event(DeadlineRecomputed)
    def _deadline_recomputed(
        self,
        audit: Audit,
        changes: tuple[DeadlineChange, ...],
        calendar_version: str,
        notices: tuple[str, ...],
        rule: str,
    ) -> None:
        for change in changes:
            if change.kind == "commitment_check":
                self.post_verification_due = change.new_due

    @event(ReminderSent)
    def _reminder_sent(
        self,
        audit: Audit,
        subject: ReminderSubject,
        deadline: date,
        sent_on: date,
        text: str,
    ) -> None:
        self.reminders_sent.append((subject, deadline))


def renewal_deadline(
    valid_until: date | None, lead_months: int, lead_days: int
) -> date | None:
    """Art. 50: apply 30 days before expiry, or the item's own rule, e.g.
    6 months for 生产许可证 (条例 Art. 25). Months are counted back from the
    last valid day to its corresponding day, or the month's last day when there
    is none (民法典 Arts. 201–202): valid until 2031-03-14 → by 2030-09-14;
    until 2031-08-30 → by 2031-02-28; until 2031-12-30 → by 2031-06-30."""
    if valid_until is None:
        return None
    months_back = add_months(valid_until, -lead_months)
    return date.fromordinal(months_back.toordinal() - lead_days)


def _validity_end(valid_from: date, months: int | None) -> date | None:
    """The day before the same date `months` later: 2026-03-15 for 5 years is valid
    until 2031-03-14; from 2028-02-29 (no 2033-02-29) until 2033-02-28."""
    if not months:
        return None
    anniversary = add_months(valid_from, months)
    if anniversary.day != valid_from.day:  # clamped: the date does not exist
        return anniversary
    return date.fromordinal(anniversary.toordinal() - 1)
