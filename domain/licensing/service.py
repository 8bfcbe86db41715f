"""Licensing: the application service for licence applications and licences.

Every command has the same shape (STYLE §4): load, authorise (role and
jurisdiction), check the expected version, one aggregate command, save,
return the new version and log position. The clock, the calendar and the
registry are injected, so tests can move time and swap the calendar.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from domain.licensing.applicant_record import (
    ART_78,
    ART_79,
    ApplicantRecord,
    applicant_record_id,
)
from domain.licensing.application import (
    DeadlineKind,
    LicenceApplication,
    application_id,
)
from domain.licensing.licence import (
    UNDUE_MEANS,
    CancellationGround,
    Licence,
    LicenceChange,
    ReissueCause,
    ReminderSubject,
    RevocationGround,
)
from domain.licensing.parties import (
    Agent,
    Applicant,
    CertificateService,
    Channel,
    CommitmentLetter,
    ExclusionKind,
    NonAcceptanceGround,
    Verifier,
)
from domain.registry.catalogue import ApprovalMode
from domain.registry.service import Registry
from domain.shared.audit import SYSTEM_CLOCK, Audit, Role, require_actor
from domain.shared.calendar import WorkingDayCalendar, add_months
from domain.shared.clock import Clock, SystemClock, legal_date
from domain.shared.errors import InvalidInputError, NotFoundError
from domain.shared.jurisdiction import covers
from domain.shared.service import CommandResult, ContextService, replayable

CLERK = frozenset({Role.CLERK})
REVIEWER = frozenset({Role.REVIEWER})
APPROVER = frozenset({Role.APPROVER})


def interview_unit(application: LicenceApplication) -> str:
    """约谈 is held, and so scheduled and recorded, by the unit it was routed to:
    the applicant's county, or the city for safety/livelihood items."""
    return application.interview_unit_code or application.unit_code


class Receipt(CommandResult):
    """Receipt of an application: the query code is shown to the applicant once."""

    receipt_number: str
    query_code: str


def receipt_of(result: CommandResult) -> Receipt:
    """A receive command's result as a receipt (first attempt or replay)."""
    return Receipt(
        **result.model_dump(),
        case=result.case,
        receipt_number=result.extra["receipt_number"],
        query_code=result.extra["query_code"],
    )


# Crockford's base32: no I, L, O or U to misread when typed from a paper voucher.
QUERY_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_query_code() -> str:
    """12 characters, 60 bits: too many to guess, even from a stolen hash."""
    raw = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_query_code(query_code: str) -> str:
    return "".join(query_code.split()).replace("-", "").upper()


def query_code_hash(receipt_number: str, query_code: str) -> str:
    code = normalise_query_code(query_code)
    return hashlib.sha256(f"{receipt_number}:{code}".encode()).hexdigest()


class Licensing(ContextService):
    name = "licensing"
    # Licences live for years and gather events; applications close in weeks.
    snapshotting_intervals: ClassVar = {Licence: 50}
    permissions: ClassVar = {
        "receive": CLERK,
        "request_correction": CLERK,
        "submit_corrections": CLERK,
        "accept": CLERK,
        "accept_with_deficiencies": CLERK,
        "reject": CLERK,
        "cure_deficiencies": CLERK,
        "withdraw": CLERK,
        "record_verification": REVIEWER,
        "sign_verification": REVIEWER,
        "suspend_clock": REVIEWER,
        "resume_clock": REVIEWER,
        "extend": APPROVER,
        "grant": APPROVER,
        "refuse": APPROVER,
        "schedule_interview": CLERK | APPROVER,
        "record_interview": CLERK | APPROVER,
        "issue_certificate": CLERK,
        "serve_certificate": CLERK,
        "change_licence": APPROVER,
        "reissue_certificate": CLERK,
        "request_renewal": CLERK,
        "renew": APPROVER,
        "refuse_renewal": APPROVER,
        "restore_credit": frozenset({Role.APPROVER, Role.ADMIN}),
        "verify_commitment": REVIEWER,
        "sign_commitment_check": REVIEWER,
        "withdraw_licence": APPROVER,
        "revoke_licence": APPROVER,
        "cancel_licence": APPROVER,
        "recompute_deadlines": frozenset(),  # the clock's (system) command only
        "read": frozenset(Role),
    }

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        registry: Registry,
        calendar: WorkingDayCalendar,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(env)
        self.registry = registry
        self.calendar = calendar
        self.clock = clock or SystemClock()

    def today(self) -> date:
        return legal_date(self.clock.now())

    # -- queries of one case -----------------------------------------------------

    def get_application(
        self, app_id: UUID, version: int | None = None
    ) -> LicenceApplication:
        return self.load(LicenceApplication, app_id, "licence application", version)

    def get_licence(self, licence_id: UUID, version: int | None = None) -> Licence:
        return self.load(Licence, licence_id, "licence", version)

    def find_by_receipt(
        self, receipt_number: str, query_code: str
    ) -> LicenceApplication:
        """办件查询: the same NotFound for an unknown number and a wrong code."""
        application = self.find(LicenceApplication, application_id(receipt_number))
        expected = query_code_hash(receipt_number, query_code)
        if application is None or not hmac.compare_digest(
            application.query_code_hash, expected
        ):
            raise NotFoundError(
                "no application matches that receipt number and query code"
            )
        return application

    # -- receipt -----------------------------------------------------------------

    @replayable(receipt_of)
    def receive(
        self,
        audit: Audit,
        *,
        item_code: str,
        approval_mode: ApprovalMode,
        channel: Channel,
        applicant: Applicant,
        agent: Agent | None,
        materials: tuple[str, ...],
        commitment: CommitmentLetter | None,
    ) -> Receipt:
        """收到申请材料: a receipt number and a query code for the applicant."""
        require_actor(audit)
        unit = audit.actor.unit_code or applicant.region_code
        self.authorise("receive", audit.actor, unit)
        item = self.registry.get_item(item_code)
        on = self.today()
        record = self.get_applicant_record(applicant)
        banned_until = record.banned_until(item.code, on) if record else None
        for _ in range(3):  # a receipt number collision is astronomically rare
            receipt_number = f"{unit:0<6}{on:%Y%m%d}{secrets.randbelow(10**6):06d}"
            query_code = new_query_code()
            application = LicenceApplication.receive(
                audit=audit,
                receipt_number=receipt_number,
                query_code_hash=query_code_hash(receipt_number, query_code),
                item=item,
                approval_mode=approval_mode,
                channel=channel,
                applicant=applicant,
                agent=agent,
                materials=materials,
                commitment=commitment,
                unit_code=unit,
                on=on,
                calendar=self.calendar,
                applicant_has_bad_credit=self._bad_credit(applicant, record),
            )
            if banned_until is not None:
                # Arts. 78–79: the receipt is still recorded and answered with a
                # dated decision not to accept (Art. 32), naming the ban.
                application.reject(
                    f"{receipt_number}-BSL",
                    NonAcceptanceGround.REAPPLICATION_BANNED,
                    None,
                    on,
                    audit.because(
                        f"申请人在禁止再次申请期限内（至{banned_until.isoformat()}）"
                    ),
                )
            try:
                # A replayed key comes back from commit as the first outcome;
                # an IntegrityError here is only ever a receipt-number clash
                # (the store itself resolves a lost COMMIT answer).
                return receipt_of(
                    self.commit(
                        application,
                        receipt_number=receipt_number,
                        query_code=query_code,
                    )
                )
            except IntegrityError:
                continue
        raise RuntimeError(
            "could not allocate a unique receipt number"
        )  # pragma: no cover

    # -- commands on an application -------------------------------------------------

    def _on_application(
        self,
        app_id: UUID,
        command: str,
        audit: Audit,
        expected_version: int | None,
        change: Callable[[LicenceApplication], Any],
        unit_of: Callable[[LicenceApplication], str] = lambda a: a.unit_code,
    ) -> CommandResult:
        require_actor(audit)
        return self.act(
            LicenceApplication,
            app_id,
            command,
            audit.actor,
            expected_version,
            change,
            what="licence application",
            unit_of=unit_of,
        )

    def request_correction(
        self,
        app_id: UUID,
        audit: Audit,
        missing_items: tuple[str, ...],
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "request_correction",
            audit,
            expected_version,
            lambda a: a.request_correction(missing_items, self.today(), audit),
        )

    def submit_corrections(
        self,
        app_id: UUID,
        audit: Audit,
        missing_items: tuple[str, ...],
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "submit_corrections",
            audit,
            expected_version,
            lambda a: a.submit_corrections(missing_items, self.today(), audit),
        )

    def accept(
        self, app_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "accept",
            audit,
            expected_version,
            lambda a: a.accept(
                f"{a.receipt_number}-SL", self.today(), self.calendar, audit
            ),
        )

    def accept_with_deficiencies(
        self,
        app_id: UUID,
        audit: Audit,
        deficiency_items: tuple[str, ...],
        supply_deadline: date,
        expected_version: int | None = None,
    ) -> CommandResult:
        def change(a: LicenceApplication) -> None:
            a.accept_with_deficiencies(
                f"{a.receipt_number}-RQ",
                deficiency_items,
                supply_deadline,
                self.today(),
                self.calendar,
                audit,
                applicant_has_bad_credit=self._bad_credit(a.applicant),
            )

        return self._on_application(
            app_id, "accept_with_deficiencies", audit, expected_version, change
        )

    def deem_acceptance(self, app_id: UUID, audit: Audit) -> CommandResult:
        """Fired by the clock (actor system:clock) when no notice came in 5 days."""
        return self._on_application(
            app_id,
            "deem_acceptance",
            audit,
            None,
            lambda a: a.deem_acceptance(self.today(), self.calendar, audit),
        )

    def reject(
        self,
        app_id: UUID,
        audit: Audit,
        ground: NonAcceptanceGround,
        redirect_to: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        def change(a: LicenceApplication) -> list[ApplicantRecord]:
            on = self.today()
            a.reject(f"{a.receipt_number}-BSL", ground, redirect_to, on, audit)
            false_materials = ground is NonAcceptanceGround.FALSE_MATERIALS
            return self._art_78_ban(a, false_materials, on, audit)

        return self._on_application(app_id, "reject", audit, expected_version, change)

    def cure_deficiencies(
        self,
        app_id: UUID,
        audit: Audit,
        deficiency_items: tuple[str, ...],
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "cure_deficiencies",
            audit,
            expected_version,
            lambda a: a.cure_deficiencies(deficiency_items, self.today(), audit),
        )

    def terminate_for_missed_supply(self, app_id: UUID, audit: Audit) -> CommandResult:
        """Fired by the clock when 容缺 materials did not arrive in time."""
        return self._on_application(
            app_id,
            "terminate_for_missed_supply",
            audit,
            None,
            lambda a: a.terminate_for_missed_supply(self.today(), audit, self.calendar),
        )

    def record_verification(
        self,
        app_id: UUID,
        audit: Audit,
        *,
        on_site: bool,
        findings: str,
        verified_on: date,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Art. 34 ¶3: the acting reviewer records a verification and signs it."""

        def change(a: LicenceApplication) -> None:
            (verifier,) = self._verifiers((audit.actor.id,), a.unit_code)
            a.record_verification(
                verifier, on_site, findings, verified_on, self.today(), audit
            )

        return self._on_application(
            app_id, "record_verification", audit, expected_version, change
        )

    def sign_verification(
        self,
        app_id: UUID,
        audit: Audit,
        number: int,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Art. 34 ¶3: a second eligible reviewer signs under their own token."""

        def change(a: LicenceApplication) -> None:
            (verifier,) = self._verifiers((audit.actor.id,), a.unit_code)
            a.sign_verification(number, verifier, self.today(), audit)

        return self._on_application(
            app_id, "sign_verification", audit, expected_version, change
        )

    def recompute_deadlines(self, case_kind: str, case_id: UUID) -> CommandResult:
        """Fired by the clock for a case whose provisional deadlines were worked
        out under an older calendar (DESIGN §3: a notice was published)."""
        audit = Audit(
            actor=SYSTEM_CLOCK,
            request_id=f"recompute-{secrets.token_hex(8)}",
            reason=f"calendar {self.calendar.version}",
            causation=f"calendar:{self.calendar.version}",
        )
        if case_kind == "licence":
            return self._on_licence(
                case_id,
                "recompute_deadlines",
                audit,
                None,
                lambda lic: lic.recompute_deadlines(self.calendar, audit),
            )
        return self._on_application(
            case_id,
            "recompute_deadlines",
            audit,
            None,
            lambda a: a.recompute_deadlines(self.calendar, audit),
        )

    def suspend_clock(
        self,
        app_id: UUID,
        audit: Audit,
        kind: ExclusionKind,
        expected_working_days: int,
        notice: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "suspend_clock",
            audit,
            expected_version,
            lambda a: a.suspend_clock(
                kind, expected_working_days, notice, self.today(), audit
            ),
        )

    def resume_clock(
        self, app_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "resume_clock",
            audit,
            expected_version,
            lambda a: a.resume_clock(self.today(), self.calendar, audit),
        )

    def extend(
        self, app_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "extend",
            audit,
            expected_version,
            lambda a: a.extend(self.today(), self.calendar, audit),
        )

    def grant(
        self,
        app_id: UUID,
        audit: Audit,
        *,
        decision_number: str,
        scope: str,
        licence_number: str | None = None,
        on_the_spot: bool = False,
        expected_version: int | None = None,
    ) -> CommandResult:
        """准予行政许可: the application and its new Licence are saved atomically."""

        def change(a: LicenceApplication) -> list[Licence]:
            on = self.today()
            licence_id = uuid4()
            a.grant(decision_number, licence_id, on_the_spot, on, self.calendar, audit)
            licence = Licence.issue(
                licence_id=licence_id,
                audit=audit,
                licence_number=licence_number
                or f"{a.item.code}-{a.unit_code}-{on:%Y}-{secrets.randbelow(10**6):06d}",
                holder=a.applicant,
                item_code=a.item.code,
                item_name=a.item.name,
                certificate_name=a.item.certificate_name,
                scope=scope,
                valid_from=on,
                validity_months=a.item.validity_months,
                renewal_lead_days=a.item.renewal_lead_days,
                renewal_lead_months=a.item.renewal_lead_months,
                application_id=a.id,
                decision_number=decision_number,
                authority_unit_code=a.unit_code,
                approval_mode=a.approval_mode,
                calendar=self.calendar,
            )
            return [licence]

        return self._on_application(app_id, "grant", audit, expected_version, change)

    def refuse(
        self,
        app_id: UUID,
        audit: Audit,
        *,
        decision_number: str,
        reasons: tuple[str, ...],
        technical_standard: str | None = None,
        false_materials: bool = False,
        expected_version: int | None = None,
    ) -> CommandResult:
        def change(a: LicenceApplication) -> list[ApplicantRecord]:
            on = self.today()
            a.refuse(
                decision_number,
                reasons,
                technical_standard,
                on,
                self.calendar,
                audit,
                unit_exists=lambda code: self.registry.get_unit(code) is not None,
                false_materials=false_materials,
            )
            return self._art_78_ban(a, false_materials, on, audit)

        return self._on_application(app_id, "refuse", audit, expected_version, change)

    def _art_78_ban(
        self, a: LicenceApplication, false_materials: bool, on: date, audit: Audit
    ) -> list[ApplicantRecord]:
        """Art. 78: concealment or false materials on a matter of safety, health
        or life → no new application for the item for one year."""
        if not false_materials or not a.item.safety_critical:
            return []
        record = self._applicant_record(a.applicant, audit)
        record.ban(a.item.code, add_months(on, 12), a.id, ART_78, audit)
        return [record]

    def schedule_interview(
        self,
        app_id: UUID,
        audit: Audit,
        scheduled_for: date,
        place: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "schedule_interview",
            audit,
            expected_version,
            lambda a: a.schedule_interview(scheduled_for, place, self.today(), audit),
            unit_of=interview_unit,
        )

    def record_interview(
        self,
        app_id: UUID,
        audit: Audit,
        attendees: tuple[str, ...],
        record: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "record_interview",
            audit,
            expected_version,
            lambda a: a.record_interview(self.today(), attendees, record, audit),
            unit_of=interview_unit,
        )

    def issue_certificate(
        self,
        app_id: UUID,
        audit: Audit,
        certificate_number: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        def change(a: LicenceApplication) -> None:
            number = certificate_number or f"{a.receipt_number}-ZS"
            a.issue_certificate(number, self.today(), audit)

        return self._on_application(
            app_id, "issue_certificate", audit, expected_version, change
        )

    def serve_certificate(
        self,
        app_id: UUID,
        audit: Audit,
        method: CertificateService,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "serve_certificate",
            audit,
            expected_version,
            lambda a: a.serve_certificate(method, self.today(), audit),
        )

    def withdraw(
        self, app_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_application(
            app_id,
            "withdraw",
            audit,
            expected_version,
            lambda a: a.withdraw(self.today(), audit),
        )

    # -- commands on a licence -------------------------------------------------------

    def _on_licence(
        self,
        licence_id: UUID,
        command: str,
        audit: Audit,
        expected_version: int | None,
        change: Callable[[Licence], Any],
    ) -> CommandResult:
        require_actor(audit)
        return self.act(
            Licence,
            licence_id,
            command,
            audit.actor,
            expected_version,
            change,
            what="licence",
            unit_of=lambda lic: lic.authority_unit_code,
        )

    def change_licence(
        self,
        licence_id: UUID,
        audit: Audit,
        change: LicenceChange,
        decision_number: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "change_licence",
            audit,
            expected_version,
            lambda lic: lic.change(change, decision_number, self.today(), audit),
        )

    def reissue_certificate(
        self,
        licence_id: UUID,
        audit: Audit,
        cause: ReissueCause,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "reissue_certificate",
            audit,
            expected_version,
            lambda lic: lic.reissue_certificate(cause, self.today(), audit),
        )

    def request_renewal(
        self, licence_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "request_renewal",
            audit,
            expected_version,
            lambda lic: lic.request_renewal(self.today(), audit),
        )

    def renew(
        self,
        licence_id: UUID,
        audit: Audit,
        decision_number: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "renew",
            audit,
            expected_version,
            lambda lic: lic.renew(
                decision_number, self._validity_months(lic), self.today(), audit
            ),
        )

    def refuse_renewal(
        self,
        licence_id: UUID,
        audit: Audit,
        reasons: tuple[str, ...],
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "refuse_renewal",
            audit,
            expected_version,
            lambda lic: lic.refuse_renewal(reasons, self.today(), audit),
        )

    def deem_renewal(self, licence_id: UUID, audit: Audit) -> CommandResult:
        """Fired by the clock at expiry when a timely renewal is undecided (Art. 50)."""
        return self._on_licence(
            licence_id,
            "deem_renewal",
            audit,
            None,
            lambda lic: lic.deem_renewal(
                self._validity_months(lic), self.today(), audit
            ),
        )

    def send_reminder(
        self, licence_id: UUID, subject: ReminderSubject, audit: Audit
    ) -> CommandResult:
        """Fired by the clock ahead of the renewal deadline and of expiry (提醒式服务)."""
        return self._on_licence(
            licence_id,
            "send_reminder",
            audit,
            None,
            lambda lic: lic.send_reminder(subject, self.today(), audit),
        )

    def record_missed_deadline(
        self, app_id: UUID, kind: DeadlineKind, audit: Audit
    ) -> CommandResult:
        """Fired by the clock the day after a decision or certificate deadline passed."""
        return self._on_application(
            app_id,
            "record_missed_deadline",
            audit,
            None,
            lambda a: a.record_missed_deadline(
                kind, self.today(), audit, self.calendar
            ),
        )

    def get_applicant_record(self, applicant: Applicant) -> ApplicantRecord | None:
        return self.find(ApplicantRecord, applicant_record_id(applicant))

    def restore_credit(
        self, record_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        """信用修复: reopens 告知承诺 and 容缺 to an applicant after a false commitment."""
        return self.act(
            ApplicantRecord,
            record_id,
            "restore_credit",
            require_actor(audit).actor,
            expected_version,
            lambda r: r.restore_credit(self.today(), audit),
            what="applicant record",
            unit_of=lambda _: None,
        )

    def _validity_months(self, lic: Licence) -> int:
        months = self.registry.get_item(lic.item_code).validity_months
        if not months:
            raise InvalidInputError("this item's licences have no period to renew")
        return months

    def verify_commitment(
        self,
        licence_id: UUID,
        audit: Audit,
        findings: str,
        breached: bool,
        expected_version: int | None = None,
    ) -> CommandResult:
        """后置核查: the acting reviewer records the outcome and signs it."""

        def change(lic: Licence) -> None:
            (verifier,) = self._verifiers((audit.actor.id,), lic.authority_unit_code)
            lic.record_commitment_check(
                verifier, findings, breached, self.today(), audit
            )

        return self._on_licence(
            licence_id, "verify_commitment", audit, expected_version, change
        )

    def sign_commitment_check(
        self, licence_id: UUID, audit: Audit, expected_version: int | None = None
    ) -> CommandResult:
        """A second reviewer signs the 后置核查 with their own token (Art. 34)."""

        def change(lic: Licence) -> list[ApplicantRecord]:
            (verifier,) = self._verifiers((audit.actor.id,), lic.authority_unit_code)
            on = self.today()
            lic.sign_commitment_check(verifier, on, audit)
            if not lic.commitment_breached:
                return []
            # 国办发〔2020〕42号: a false commitment enters the applicant's record
            # (closing 告知承诺 and 容缺 to it), in the same save as the finding.
            record = self._applicant_record(lic.holder, audit)
            record.record_false_commitment(lic.id, on, audit)
            return [record]

        return self._on_licence(
            licence_id, "sign_commitment_check", audit, expected_version, change
        )

    def withdraw_licence(
        self,
        licence_id: UUID,
        audit: Audit,
        compensation: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "withdraw_licence",
            audit,
            expected_version,
            lambda lic: lic.withdraw(compensation, self.today(), audit),
        )

    def revoke_licence(
        self,
        licence_id: UUID,
        audit: Audit,
        ground: RevocationGround,
        expected_version: int | None = None,
    ) -> CommandResult:
        def change(lic: Licence) -> list[ApplicantRecord]:
            # Art. 79: a licence obtained by undue means on a matter of public
            # safety, health or life bars a new application for 3 years.
            on = self.today()
            safety = self.registry.get_item(lic.item_code).safety_critical
            banned = ground in UNDUE_MEANS and safety
            lic.revoke(ground, 3 if banned else 0, on, audit)
            if not banned:
                return []
            record = self._applicant_record(lic.holder, audit)
            record.ban(lic.item_code, add_months(on, 36), lic.id, ART_79, audit)
            return [record]

        return self._on_licence(
            licence_id, "revoke_licence", audit, expected_version, change
        )

    def cancel_licence(
        self,
        licence_id: UUID,
        audit: Audit,
        ground: CancellationGround,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._on_licence(
            licence_id,
            "cancel_licence",
            audit,
            expected_version,
            lambda lic: lic.cancel(ground, self.today(), audit),
        )

    def expire_licence(self, licence_id: UUID, audit: Audit) -> CommandResult:
        """Fired by the clock the day after the last day of validity."""
        return self._on_licence(
            licence_id,
            "expire_licence",
            audit,
            None,
            lambda lic: lic.expire(self.today(), audit),
        )

    # -- helpers -----------------------------------------------------------------

    def _verifiers(
        self, staff_nos: tuple[str, ...], case_unit: str
    ) -> tuple[Verifier, ...]:
        """Art. 34 ¶3: the agency's own staff verify — active reviewers whose unit
        has jurisdiction over the case."""
        verifiers = []
        for staff_no in staff_nos:
            staff = self.registry.get_staff(staff_no)
            if not staff.active or Role.REVIEWER not in staff.roles:
                raise InvalidInputError(
                    f"{staff_no} is not an active reviewer",
                    field="verifiers",
                    rule="行政许可法 第34条第3款",
                )
            if not covers(staff.unit_code, case_unit):
                raise InvalidInputError(
                    f"{staff_no} ({staff.unit_code}) has no jurisdiction over unit {case_unit}",
                    field="verifiers",
                    rule="行政许可法 第34条第3款",
                )
            verifiers.append(Verifier(id=staff.staff_no, name=staff.name))
        return tuple(verifiers)

    def _bad_credit(
        self, applicant: Applicant, record: ApplicantRecord | None = None
    ) -> bool:
        """A directory credit flag, or a false commitment found by licensing."""
        enterprise = (
            self.registry.get_enterprise(applicant.uscc) if applicant.uscc else None
        )
        record = record or self.get_applicant_record(applicant)
        return bool(enterprise and enterprise.has_bad_credit) or bool(
            record and record.has_false_commitment
        )

    def _applicant_record(self, applicant: Applicant, audit: Audit) -> ApplicantRecord:
        return self.get_applicant_record(applicant) or ApplicantRecord.open(
            applicant, audit
        )
