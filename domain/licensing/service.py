"""Licensing: the application service for licence applications and licences.

Each command is declared once, by its decision (`domain.shared.service.command`):
the role, the case's jurisdiction, If-Match, the save and the result are the
shared shape every command has (STYLE §4). The clock, the calendar and the
registry are injected, so tests can move time and swap the calendar.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError
from pydantic import Field

from domain.licensing.aftercare import Aftercare
from domain.licensing.applicant_record import (
    ART_78,
    ART_79,
    ApplicantRecord,
    applicant_record_id,
    party_key,
)
from domain.licensing.application import (
    DeadlineKind,
    LicenceApplication,
    Status,
    application_id,
)
from domain.licensing.follow_up import FollowUp
from domain.licensing.joint_review import (
    JointReview,
    Opinions,
    Stance,
    joint_review_id,
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
from domain.licensing.matter import Matter
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
from domain.licensing.post_licence import MatterRequest, admit, carry_out
from domain.licensing.pre_review import PreReview
from domain.licensing.submission import new_case_number
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.registry.enterprise import Enterprise, enterprise_id
from domain.shared.audit import Audit, Role
from domain.shared.calendar import add_months
from domain.shared.command import CaseType
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError, NotFoundError
from domain.shared.jurisdiction import covers
from domain.shared.query_code import new_query_code, query_code_hash
from domain.shared.service import (
    CommandResult,
    command,
    creation,
    system_command,
)
from domain.shared.store import Want
from domain.shared.text import Items, Line, Prose, Reasons

CLERK = frozenset({Role.CLERK})
REVIEWER = frozenset({Role.REVIEWER})
APPROVER = frozenset({Role.APPROVER})

# What people write into commands, with the limits the API states.
Number = Annotated[str, Line(100)]  # decision, licence and certificate numbers
Findings = Annotated[str, Prose(5000)]
Materials = Annotated[tuple[Annotated[str, Line(200)], ...], Field(max_length=50)]


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


class Licensing(PreReview, Aftercare):  # 网上预审 before; 回访, 质企联系, 评议 after
    name = "licensing"
    # Licences live for years and gather events; applications close in weeks.
    snapshotting_intervals: ClassVar = {Licence: 50}
    cases: ClassVar = (
        CaseType(LicenceApplication, "licence application", lambda a: a.unit_code),
        CaseType(Licence, "licence", lambda lic: lic.authority_unit_code),
        # An applicant's record binds it before every unit alike.
        CaseType(ApplicantRecord, "applicant record"),
        *PreReview.cases,
        CaseType(JointReview, "joint review", lambda r: r.unit_code),
        *Aftercare.cases,
    )
    # 历史办件导入 (domain/licensing/importing.py): an admin's, not a command.
    rights: ClassVar = {"import_past_matters": frozenset({Role.ADMIN})}

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

    def get_applicant_record(self, applicant: Applicant) -> ApplicantRecord | None:
        return self.find(ApplicantRecord, applicant_record_id(applicant))

    # -- receipt -----------------------------------------------------------------

    @creation(
        CLERK,
        summary="Receive an application (收到申请材料)",
        body="ReceiveBody",
        replay=receipt_of,
    )
    def receive(
        self,
        audit: Audit,
        *,
        item_code: Annotated[str, Line(40)],
        approval_mode: ApprovalMode = ApprovalMode.STANDARD,
        channel: Channel = Channel.COUNTER,
        applicant: Applicant,
        agent: Agent | None = None,
        materials: Materials,
        commitment: CommitmentLetter | None = None,
        matter: Matter = Matter.NEW,
        licence_id: UUID | None = None,
        change: LicenceChange | None = None,
        reissue_cause: ReissueCause | None = None,
    ) -> Receipt:
        """收到申请材料: a receipt number and a query code for the applicant.

        A post-licence matter (`matter` other than new: 变更, 延续, 补领, 注销,
        停用, 启用, 报废) names the licence it concerns; it goes to the unit
        that granted it (Art. 49), and a renewal is also recorded on the
        licence so that its deemed grant at expiry is armed (Art. 50)."""
        unit = audit.actor.unit_code or applicant.region_code
        item = self.registry.get_item(item_code)
        on = self.today()
        licence, request = self._concerned(
            audit, item, applicant, matter, licence_id, change, reissue_cause
        )
        if licence is not None:
            unit = licence.authority_unit_code
            if matter is Matter.RENEWAL:
                licence.request_renewal(on, audit)
        self.within_jurisdiction(audit.actor, unit)
        for _ in range(3):  # a receipt number collision is astronomically rare
            receipt_number = new_case_number(unit, on)
            query_code = new_query_code()
            application = self._application(
                audit,
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
                matter=matter,
                request=request,
            )
            try:
                # A replayed key comes back from commit as the first outcome;
                # an IntegrityError here is only ever a receipt-number clash
                # (the store itself resolves a lost COMMIT answer).
                return receipt_of(
                    self.commit(
                        application,
                        *([licence] if matter is Matter.RENEWAL and licence else []),
                        receipt_number=receipt_number,
                        query_code=query_code,
                    )
                )
            except IntegrityError:
                continue
        raise RuntimeError(
            "could not allocate a unique receipt number"
        )  # pragma: no cover

    # -- commands on an application (in the order of their routes) ---------------

    @command(
        CLERK,
        summary="One-time notice of everything to correct (Art. 32 ¶1 (4))",
        body="CorrectionBody",
        decision=True,
    )
    def request_correction(
        self, a: LicenceApplication, audit: Audit, missing_items: Items
    ) -> None:
        a.request_correction(missing_items, self.today(), audit)

    @command(CLERK, summary="Record corrected materials", body="CorrectionsBody")
    def submit_corrections(
        self, a: LicenceApplication, audit: Audit, missing_items: Items
    ) -> None:
        """`missing_items`: the correction notice's items now supplied."""
        a.submit_corrections(missing_items, self.today(), audit)

    @command(CLERK, summary="Accept (受理, Art. 32 ¶1 (5))")
    def accept(self, a: LicenceApplication, audit: Audit) -> list[JointReview]:
        a.accept(f"{a.receipt_number}-SL", self.today(), self.calendar, audit)
        return self._start_joint_review(a, audit)

    @command(
        CLERK,
        summary="Accept with deferred secondary materials (容缺受理)",
        body="DeficienciesBody",
    )
    def accept_with_deficiencies(
        self,
        a: LicenceApplication,
        audit: Audit,
        deficiency_items: Items,
        supply_deadline: IsoDate,
    ) -> list[JointReview]:
        a.accept_with_deficiencies(
            f"{a.receipt_number}-RQ",
            deficiency_items,
            supply_deadline,
            self.today(),
            self.calendar,
            audit,
            applicant_has_bad_credit=self._standing(a.applicant)[1],
        )
        return self._start_joint_review(a, audit)

    @system_command()
    def deem_acceptance(self, a: LicenceApplication, audit: Audit) -> list[JointReview]:
        """Fired by the clock when no notice came in 5 working days."""
        a.deem_acceptance(self.today(), self.calendar, audit)
        return self._start_joint_review(a, audit)

    @command(
        CLERK,
        summary="Decide not to accept (不予受理, Art. 32 ¶1 (1)(2))",
        body="RejectBody",
        decision=True,
    )
    def reject(
        self,
        a: LicenceApplication,
        audit: Audit,
        ground: NonAcceptanceGround,
        redirect_to: Annotated[str, Line(200)] | None = None,
    ) -> list[ApplicantRecord | Licence]:
        on = self.today()
        a.reject(f"{a.receipt_number}-BSL", ground, redirect_to, on, audit)
        false_materials = ground is NonAcceptanceGround.FALSE_MATERIALS
        return [
            *self._renewal_ended(a, on, audit),
            *self._art_78_ban(a, false_materials, on, audit),
        ]

    @command(
        CLERK,
        summary="Record deferred materials supplied",
        body="DeficienciesCuredBody",
    )
    def cure_deficiencies(
        self, a: LicenceApplication, audit: Audit, deficiency_items: Items
    ) -> None:
        """`deficiency_items`: the deferred (容缺) materials now supplied."""
        a.cure_deficiencies(deficiency_items, self.today(), audit)

    @system_command()
    def terminate_for_missed_supply(
        self, a: LicenceApplication, audit: Audit
    ) -> list[Licence | JointReview]:
        """Fired by the clock when 容缺 materials did not arrive in time."""
        a.terminate_for_missed_supply(self.today(), audit, self.calendar)
        on = self.today()
        return [*self._renewal_ended(a, on, audit), *self._end_joint_review(a, audit)]

    @command(
        REVIEWER,
        summary="Record and sign a substantive verification (Art. 34 ¶3)",
        body="VerificationBody",
    )
    def record_verification(
        self,
        a: LicenceApplication,
        audit: Audit,
        *,
        on_site: bool,
        verified_on: IsoDate,
        findings: Findings,
    ) -> None:
        """Art. 34 ¶3: the acting reviewer records a verification and signs it;
        a second one signs with sign_verification. No defaults: an on-site
        check is never assumed."""
        (verifier,) = self._verifiers((audit.actor.id,), a.unit_code)
        a.record_verification(
            verifier, on_site, findings, verified_on, self.today(), audit
        )

    @command(
        REVIEWER,
        summary="A second verifier signs a verification; it counts once two have (Art. 34)",
        body="SignVerificationBody",
    )
    def sign_verification(
        self,
        a: LicenceApplication,
        audit: Audit,
        verification: Annotated[int, Field(ge=1, le=1000)],
    ) -> None:
        """Art. 34 ¶3: a second eligible reviewer signs under their own token;
        `verification` is its number in `verifications`."""
        (verifier,) = self._verifiers((audit.actor.id,), a.unit_code)
        a.sign_verification(verification, verifier, self.today(), audit)

    @system_command()
    def recompute_deadlines(
        self, case: LicenceApplication | Licence | JointReview, audit: Audit
    ) -> None:
        """Fired by the clock for a case whose provisional deadlines were worked
        out under an older calendar (DESIGN §3: a notice was published)."""
        case.recompute_deadlines(self.calendar, audit)

    @command(
        REVIEWER,
        summary="Stop the decision clock for an excluded period (Art. 45)",
        body="SuspendBody",
        decision=True,
    )
    def suspend_clock(
        self,
        a: LicenceApplication,
        audit: Audit,
        kind: ExclusionKind,
        expected_working_days: Annotated[int, Field(ge=1, le=365)],
        notice: Annotated[str, Prose(2000)],
    ) -> None:
        a.suspend_clock(kind, expected_working_days, notice, self.today(), audit)

    @command(REVIEWER, summary="Restart the decision clock")
    def resume_clock(self, a: LicenceApplication, audit: Audit) -> None:
        a.resume_clock(self.today(), self.calendar, audit)

    @command(
        APPROVER, summary="Extend the decision limit once (Art. 42)", decision=True
    )
    def extend(self, a: LicenceApplication, audit: Audit) -> None:
        a.extend(self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Grant the licence (准予行政许可); creates the Licence",
        body="GrantBody",
        decision=True,
    )
    def grant(
        self,
        a: LicenceApplication,
        audit: Audit,
        *,
        decision_number: Number,
        scope: Annotated[str, Prose(1000)],
        licence_number: Number | None = None,
        on_the_spot: bool = False,
    ) -> list[Licence | JointReview | FollowUp]:
        """准予行政许可: the application and its new Licence are saved atomically;
        a post-licence matter's grant is carried out on its licence, saved with it."""
        on = self.today()
        if a.request is not None:
            if licence_number is not None:
                raise InvalidInputError(
                    "a post-licence matter keeps its licence's number",
                    field="licence_number",
                )
            licence = self.get_licence(a.request.licence_id)
            a.grant(decision_number, licence.id, on_the_spot, on, self.calendar, audit)
            joint = self._end_joint_review(a, audit)
            months = self.registry.get_item(licence.item_code).validity_months
            carry_out(licence, a.matter, a.request, decision_number, months, on, audit)
            return [licence, *joint]
        licence_id = uuid4()
        a.grant(decision_number, licence_id, on_the_spot, on, self.calendar, audit)
        joint = self._end_joint_review(a, audit)
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
        # 回访制度 (seed 000): the holder's follow-up visits, scheduled with the grant.
        follow_up = FollowUp.after_grant(licence, a.item.follow_up_months, audit)
        return [licence, follow_up, *joint]

    @command(
        APPROVER,
        summary="Refuse with reasons and remedies (Art. 38 ¶2)",
        body="RefuseBody",
        decision=True,
    )
    def refuse(
        self,
        a: LicenceApplication,
        audit: Audit,
        *,
        decision_number: Number,
        reasons: Reasons,
        technical_standard: Annotated[str, Line(300)] | None = None,
        false_materials: bool = False,
    ) -> list[ApplicantRecord | Licence | JointReview]:
        """`false_materials`: the refusal rests on concealment or false
        materials (Art. 78). Refusing a renewal is also recorded on the licence
        (Art. 50 ¶2), which then runs out."""
        on = self.today()
        renewal = self._renewal_refused(a, reasons, on, audit)
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
        joint = self._end_joint_review(a, audit)
        ban = self._art_78_ban(a, false_materials, on, audit)
        return [*renewal, *ban, *joint]

    @command(
        CLERK | APPROVER,
        summary="Schedule the refusal interview (约谈)",
        body="InterviewScheduleBody",
        unit=interview_unit,
    )
    def schedule_interview(
        self,
        a: LicenceApplication,
        audit: Audit,
        scheduled_for: IsoDate,
        place: Annotated[str, Line(300)],
    ) -> None:
        a.schedule_interview(scheduled_for, place, self.today(), audit)

    @command(
        CLERK | APPROVER,
        summary="Record the interview held",
        body="InterviewRecordBody",
        unit=interview_unit,
    )
    def record_interview(
        self,
        a: LicenceApplication,
        audit: Audit,
        attendees: Items,
        record: Annotated[str, Prose(10000)],
    ) -> None:
        a.record_interview(self.today(), attendees, record, audit)

    @command(CLERK, summary="Issue the certificate (Art. 44)", body="CertificateBody")
    def issue_certificate(
        self,
        a: LicenceApplication,
        audit: Audit,
        certificate_number: Number | None = None,
    ) -> None:
        number = certificate_number or f"{a.receipt_number}-ZS"
        a.issue_certificate(number, self.today(), audit)

    @command(CLERK, summary="Serve the certificate (送达)", body="ServeBody")
    def serve_certificate(
        self, a: LicenceApplication, audit: Audit, method: CertificateService
    ) -> None:
        a.serve_certificate(method, self.today(), audit)

    @command(CLERK, summary="The applicant withdraws", decision=True)
    def withdraw(
        self, a: LicenceApplication, audit: Audit
    ) -> list[Licence | JointReview]:
        a.withdraw(self.today(), audit)
        on = self.today()
        return [*self._renewal_ended(a, on, audit), *self._end_joint_review(a, audit)]

    @system_command()
    def record_missed_deadline(
        self, a: LicenceApplication, kind: DeadlineKind, audit: Audit
    ) -> None:
        """Fired by the clock the day after a decision or certificate deadline passed."""
        a.record_missed_deadline(kind, self.today(), audit, self.calendar)

    # -- commands on a joint review (并联审批) ---------------------------------------

    @command(
        REVIEWER,
        summary="Record a participant's opinion in a joint review (并联审批)",
        body="OpinionBody",
        decision=True,
        unit=lambda r: None,  # the participant's unit decides: see the method
    )
    def record_opinion(
        self,
        r: JointReview,
        audit: Audit,
        *,
        participant: Annotated[str, Line(20)],
        stance: Stance,
        reasons: Opinions = (),
        conditions: Opinions = (),
        document: Annotated[str, Line(200)] | None = None,
    ) -> None:
        """A unit of this bureau records its own opinion (its reviewers); another
        department's written opinion (`document`) is recorded by the reviewers
        of the unit handling the application."""
        task = r.tasks.get(participant)
        unit = task.participant.unit_code if task else None
        self.within_jurisdiction(audit.actor, unit or r.unit_code)
        r.record_opinion(
            participant, stance, reasons, conditions, document, self.today(), audit
        )

    @system_command()
    def lapse_opinion(
        self, r: JointReview, participant: Annotated[str, Line(20)], audit: Audit
    ) -> None:
        """Fired by the clock the day after a participant's limit passed in
        silence: a deemed opinion where its rule says so, else a missed deadline."""
        r.lapse(participant, self.today(), audit)

    # -- commands on a licence (in the order of their routes) --------------------

    @command(
        APPROVER,
        summary="Approve a change (变更, Art. 49)",
        route="change",
        body="ChangeBody",
        decision=True,
    )
    def change_licence(
        self,
        lic: Licence,
        audit: Audit,
        change: LicenceChange,
        decision_number: Number,
    ) -> None:
        lic.change(change, decision_number, self.today(), audit)

    @command(
        CLERK,
        summary="Reissue a lost or damaged certificate (补领)",
        body="ReissueBody",
    )
    def reissue_certificate(
        self, lic: Licence, audit: Audit, cause: ReissueCause
    ) -> None:
        lic.reissue_certificate(cause, self.today(), audit)

    @command(CLERK, summary="Record a renewal request (延续, Art. 50)")
    def request_renewal(self, lic: Licence, audit: Audit) -> None:
        lic.request_renewal(self.today(), audit)

    @command(APPROVER, summary="Grant renewal", body="RenewBody", decision=True)
    def renew(self, lic: Licence, audit: Audit, decision_number: Number) -> None:
        lic.renew(decision_number, self._validity_months(lic), self.today(), audit)

    @command(
        APPROVER,
        summary="Refuse renewal before expiry, with reasons (Art. 50 ¶2, Art. 38)",
        body="RefuseRenewalBody",
        decision=True,
    )
    def refuse_renewal(self, lic: Licence, audit: Audit, reasons: Reasons) -> None:
        lic.refuse_renewal(reasons, self.today(), audit)

    @system_command()
    def deem_renewal(self, lic: Licence, audit: Audit) -> None:
        """Fired by the clock at expiry when a timely renewal is undecided (Art. 50)."""
        lic.deem_renewal(self._validity_months(lic), self.today(), audit)

    @system_command()
    def send_reminder(
        self, lic: Licence, subject: ReminderSubject, audit: Audit
    ) -> None:
        """Fired by the clock ahead of the renewal deadline and of expiry (提醒式服务)."""
        lic.send_reminder(subject, self.today(), audit)

    @command(
        frozenset({Role.APPROVER, Role.ADMIN}),
        summary="信用修复 after a false commitment",
        decision=True,
    )
    def restore_credit(self, record: ApplicantRecord, audit: Audit) -> None:
        """信用修复: reopens 告知承诺 and 容缺 to an applicant after a false commitment."""
        record.restore_credit(self.today(), audit)

    @command(
        REVIEWER,
        summary="Record and sign a post-approval verification of a 告知承诺 licence",
        body="CommitmentCheckBody",
        decision=True,
    )
    def verify_commitment(
        self, lic: Licence, audit: Audit, findings: Findings, breached: bool
    ) -> None:
        """后置核查: the acting reviewer records the outcome and signs it; a
        second one signs with sign_commitment_check before it stands (Art. 34)."""
        (verifier,) = self._verifiers((audit.actor.id,), lic.authority_unit_code)
        lic.record_commitment_check(verifier, findings, breached, self.today(), audit)

    @command(
        REVIEWER,
        summary="A second verifier signs the post-approval verification (Art. 34)",
        decision=True,
    )
    def sign_commitment_check(
        self, lic: Licence, audit: Audit
    ) -> list[ApplicantRecord]:
        """A second reviewer signs the 后置核查 with their own token (Art. 34)."""
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

    @command(
        APPROVER,
        summary="Withdraw for the public interest (撤回, Art. 8)",
        route="withdraw",
        body="WithdrawLicenceBody",
        decision=True,
    )
    def withdraw_licence(
        self, lic: Licence, audit: Audit, compensation: Annotated[str, Prose(2000)]
    ) -> None:
        lic.withdraw(compensation, self.today(), audit)

    @command(
        APPROVER,
        summary="Revoke (撤销, Art. 69)",
        route="revoke",
        body="RevokeBody",
        decision=True,
    )
    def revoke_licence(
        self, lic: Licence, audit: Audit, ground: RevocationGround
    ) -> list[ApplicantRecord]:
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

    @command(
        APPROVER,
        summary="Cancel (注销, Art. 70)",
        route="cancel",
        body="CancelBody",
        decision=True,
    )
    def cancel_licence(
        self, lic: Licence, audit: Audit, ground: CancellationGround
    ) -> None:
        lic.cancel(ground, self.today(), audit)

    @system_command()
    def expire_licence(self, lic: Licence, audit: Audit) -> None:
        """Fired by the clock the day after the last day of validity."""
        lic.expire(self.today(), audit)

    # -- helpers -----------------------------------------------------------------

    def _concerned(
        self,
        audit: Audit,
        item: ItemTerms,
        applicant: Applicant,
        matter: Matter,
        licence_id: UUID | None,
        change: LicenceChange | None,
        reissue_cause: ReissueCause | None,
    ) -> tuple[Licence | None, MatterRequest | None]:
        """The licence a post-licence matter concerns, and what it asks (none for
        a new application); refused when the licence's state does not admit it."""
        if matter is Matter.NEW and licence_id is None:
            if change is not None or reissue_cause is not None:
                raise InvalidInputError(
                    "a new application names no change or reissue cause",
                    field="change" if change is not None else "reissue_cause",
                )
            return None, None
        if licence_id is None:
            raise InvalidInputError(
                f"a {matter} matter names the licence it concerns",
                field="licence_id",
            )
        licence = self.find(Licence, licence_id)
        if licence is None:
            raise InvalidInputError(
                f"no licence {licence_id} is on record", field="licence_id"
            )
        self.within_jurisdiction(audit.actor, licence.authority_unit_code)
        if party_key(applicant) != party_key(licence.holder):
            raise InvalidInputError(
                f"the applicant is not the holder of licence {licence.licence_number}",
                field="applicant",
            )
        return licence, admit(licence, item, matter, change, reissue_cause)

    def _renewal_ended(
        self, a: LicenceApplication, on: date, audit: Audit
    ) -> list[Licence]:
        """A renewal application that ends undecided takes its request off the
        licence (no deemed grant for it, Art. 50 ¶2)."""
        if a.matter is not Matter.RENEWAL or a.request is None:
            return []
        licence = self.get_licence(a.request.licence_id)
        if licence.renewal_requested_on is None:
            return []  # decided meanwhile, or deemed granted at expiry
        licence.close_renewal_request(a.receipt_number, on, audit)
        return [licence]

    def _renewal_refused(
        self, a: LicenceApplication, reasons: tuple[str, ...], on: date, audit: Audit
    ) -> list[Licence]:
        if a.matter is not Matter.RENEWAL or a.request is None:
            return []
        licence = self.get_licence(a.request.licence_id)
        licence.refuse_renewal(reasons, on, audit)
        return [licence]

    def _start_joint_review(
        self, a: LicenceApplication, audit: Audit
    ) -> list[JointReview]:
        """并联审批: an accepted application of a jointly handled item starts its
        participants' tasks in the same save as the acceptance."""
        if not a.item.joint_review or a.acceptance_date is None:
            return []
        review = JointReview.start(
            application_id=a.id,
            receipt_number=a.receipt_number,
            item_code=a.item.code,
            item_name=a.item.name,
            unit_code=a.unit_code,
            applicant_name=a.applicant.name,
            participants=a.item.joint_review,
            accepted_on=a.acceptance_date,
            calendar=self.calendar,
            audit=audit,
        )
        return [review]

    def _end_joint_review(
        self, a: LicenceApplication, audit: Audit
    ) -> list[JointReview]:
        """A decision waits for the opinions (a refusal, for a disagreement at
        least); the review ends with the application, closing open tasks."""
        if not a.item.joint_review:
            return []
        review = self.find(JointReview, joint_review_id(a.id))
        if review is None or review.concluded is not None:
            return []
        if a.status in {Status.GRANTED, Status.REFUSED}:
            review.check_decision(granting=a.status is Status.GRANTED)
        review.conclude(str(a.status), a.decided_on or self.today(), audit)
        return [review]

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

    def _validity_months(self, lic: Licence) -> int:
        months = self.registry.get_item(lic.item_code).validity_months
        if not months:
            raise InvalidInputError("this item's licences have no period to renew")
        return months

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

    def _application(
        self, audit: Audit, *, receipt_number: str, on: date, **received: Any
    ) -> LicenceApplication:
        """A received application (at the counter, or from an online
        submission); one an Arts. 78–79 ban covers is at once not accepted."""
        applicant: Applicant = received["applicant"]
        record, bad_credit = self._standing(applicant)
        application = LicenceApplication.receive(
            audit=audit,
            receipt_number=receipt_number,
            on=on,
            calendar=self.calendar,
            applicant_has_bad_credit=bad_credit,
            **received,
        )
        # Arts. 78–79 bar applying for the item anew, not the holder's own
        # matters about a licence it holds.
        new = application.matter is Matter.NEW
        banned_until = (
            record.banned_until(application.item.code, on) if record and new else None
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
        return application

    def _standing(self, applicant: Applicant) -> tuple[ApplicantRecord | None, bool]:
        """The applicant's record, and whether its credit is bad: a directory
        credit flag, or a false commitment found by licensing. Both are read
        in one round trip (the enterprise from the registry's cache if there)."""
        wants = [Want(self, ApplicantRecord, applicant_record_id(applicant))]
        if applicant.uscc:
            wants.append(Want(self.registry, Enterprise, enterprise_id(applicant.uscc)))
        record, *directory = self.read(*wants)
        enterprise = directory[0] if directory else None
        bad_credit = bool(enterprise and enterprise.has_bad_credit) or bool(
            record and record.has_false_commitment
        )
        return record, bad_credit

    def _applicant_record(self, applicant: Applicant, audit: Audit) -> ApplicantRecord:
        return self.get_applicant_record(applicant) or ApplicantRecord.open(
            applicant, audit
        )
