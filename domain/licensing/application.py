"""LicenceApplication (行政许可申请): from receipt to decision and certificate.

Each rule cites the article of 《行政许可法》 (2019) it implements; periods are
working days (Art. 82), each a shared `TimeLimit` (correction, decision,
certificate). Commands decide and compute; the decorated `_…` methods only
assign and run again on every replay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.licensing.documents import RULES, DocumentKind, IssuedDocument
from domain.licensing.history import ImportSource, Outcome, PastHandling
from domain.licensing.matter import Matter
from domain.licensing.parties import (
    REMEDY_TEXT,
    Agent,
    Applicant,
    CertificateService,
    Channel,
    CommitmentLetter,
    ExclusionKind,
    NonAcceptanceGround,
    RemedyNotice,
    Signature,
    Verification,
    Verifier,
    require_reasons,
    upcast_verifiers,
)
from domain.licensing.post_licence import (
    MatterRequest,
    decision_limit,
    limit_rule,
    makes_certificate,
)
from domain.licensing.submission import MaterialDocuments
from domain.registry.catalogue import ApprovalMode, Handling, ItemTerms
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import (
    RULE_RECOMPUTE,
    DeadlineChange,
    DueDate,
    WorkingDayCalendar,
    recomputation,
)
from domain.shared.documents import DocumentRef
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import normalise_region_code
from domain.shared.time_limit import Counting, Extension, TimeLimit

CORRECTION_NOTICE_WD = 5  # Art. 32 ¶1 (4)
ART_32_4 = "行政许可法 第32条第1款第4项"
ART_42 = "行政许可法 第42条"
ART_45 = "行政许可法 第45条"
ART_44 = "行政许可法 第44条"
RULE_DEFICIENCIES = "容缺受理 (国发〔2022〕5号; DOMAIN §2.2)"
RULE_INTERVIEW = "不予许可约谈 (DESIGN §3: refusal interview at the applicant's unit)"
ART_34_3 = "行政许可法 第34条第3款"
# 承诺办结时限: the item's published promise, inside the statutory limit.
RULE_PROMISED = "承诺办结时限 (事项目录; 服务承诺，非法定期限)"
# A date staff set (the 容缺 supply deadline) that falls on a non-working day
# ends on the next working day, as a period's last day does (民法典 第203条,
# applied by analogy: DOMAIN §1.1).
RULE_LAST_DAY = "民法典 第203条 (类推适用)"


def application_id(receipt_number: str) -> UUID:
    """The receipt number is the public key of an application (办件查询)."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:application:{receipt_number}")


class Status(StrEnum):
    RECEIVED = "received"
    CORRECTION_REQUESTED = "correction_requested"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    GRANTED = "granted"
    REFUSED = "refused"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_SERVED = "certificate_served"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"


class DeadlineKind(StrEnum):
    """Legal deadlines whose passing the clock records as a fact (DESIGN §3)."""

    DECISION = "decision"  # Arts. 42, 45: the decision limit as moved
    CERTIFICATE = "certificate"  # Art. 44: issued and served within 10 working days


BEFORE_ACCEPTANCE = frozenset({Status.RECEIVED, Status.CORRECTION_REQUESTED})
BEFORE_DECISION = BEFORE_ACCEPTANCE | {Status.ACCEPTED}
CERTIFICATE_PENDING = frozenset({Status.GRANTED, Status.CERTIFICATE_ISSUED})


class LicenceApplication(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.LicenceApplication"

    class Received(Aggregate.Created):
        receipt_number: str
        query_code_hash: str
        item: ItemTerms
        approval_mode: ApprovalMode
        channel: Channel
        applicant: Applicant
        agent: Agent | None
        materials: tuple[str, ...]
        commitment: CommitmentLetter | None
        unit_code: str
        received_on: date
        correction_due: DueDate
        # Received from an online submission (网上申报): its number and the
        # documents of each material, as pre-reviewed; older events lack them.
        submission_number: str | None = None
        documents: tuple[MaterialDocuments, ...] = ()
        # Added with post-licence matters. A receipt stored before them has
        # neither and loads with these defaults, which are what it was: a new
        # application. Defaults, not a class_version bump, so that the hottest
        # event keeps the mapper's parse-straight-from-JSON path (STYLE §3:
        # bump the version when a meaning changes; this one does not).
        matter: Matter = Matter.NEW
        request: MatterRequest | None = None  # a post-licence matter's licence

    class CorrectionRequested(Aggregate.Event):
        missing_items: tuple[str, ...]
        requested_on: date

    class CorrectionsSubmitted(Aggregate.Event):
        class_version: ClassVar[int] = 2
        missing_items: tuple[str, ...]  # the notice's items now supplied
        submitted_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["missing_items"] = state.pop("items")

    class Accepted(Aggregate.Event):
        voucher_number: str
        acceptance_date: date
        deemed: bool
        decision_limit_wd: int
        decision_due: DueDate
        rule: str
        promised_due: DueDate | None = None  # 承诺时限; older events lack it

    class AcceptedWithDeficiencies(Aggregate.Event):
        voucher_number: str
        acceptance_date: date
        decision_limit_wd: int
        decision_due: DueDate
        deficiency_items: tuple[str, ...]
        supply_deadline: date  # as it runs: moved off a non-working day
        promised_due: DueDate | None = None
        supply_deadline_as_set: date | None = None  # the date staff entered
        supply_deadline_provisional: bool = False
        supply_deadline_calendar_version: str | None = None

    class AcceptanceDeemed(Aggregate.Event):
        acceptance_date: date
        decision_limit_wd: int
        decision_due: DueDate
        promised_due: DueDate | None = None

    class NotAccepted(Aggregate.Event):
        voucher_number: str
        ground: NonAcceptanceGround
        redirect_to: str | None
        decided_on: date

    class DeficienciesCured(Aggregate.Event):
        class_version: ClassVar[int] = 2
        deficiency_items: tuple[str, ...]  # the deferred materials now supplied
        cured_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["deficiency_items"] = state.pop("items")

    class ProcessingTerminated(Aggregate.Event):
        ground: str
        terminated_on: date

    class VerificationRecorded(Aggregate.Event):
        """A verifier records a verification and signs it (number: its order)."""

        class_version: ClassVar[int] = 2
        verifier: Verifier
        on_site: bool
        findings: str
        verified_on: date
        # Before v2 one reviewer named two staff who never signed: kept to show.
        named_verifiers: tuple[Verifier, ...] = ()

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_verifiers(state)
            named = state.pop("verifiers")
            state["verifier"] = named[0]
            state["named_verifiers"] = named

    class VerificationSigned(Aggregate.Event):
        """A second verifier signs with their own credentials (Art. 34 ¶3)."""

        number: int
        verifier: Verifier
        signed_on: date

    class ClockSuspended(Aggregate.Event):
        kind: ExclusionKind
        started_on: date
        expected_working_days: int
        notice: str

    class ClockResumed(Aggregate.Event):
        ended_on: date
        excluded_working_days: int
        decision_due: DueDate
        promised_due: DueDate | None = None

    class DeadlineExtended(Aggregate.Event):
        extension_wd: int
        decision_due: DueDate
        rule: str

    class Granted(Aggregate.Event):
        decision_number: str
        decided_on: date
        on_the_spot: bool
        within_limit: bool
        licence_id: UUID
        # None: the matter makes no certificate (post_licence.CERTIFICATE_MATTERS).
        certificate_due: DueDate | None

    class Refused(Aggregate.Event):
        decision_number: str
        decided_on: date
        reasons: tuple[str, ...]
        technical_standard: str | None
        remedy: RemedyNotice
        within_limit: bool
        interview_unit_code: str
        interview_escalated: bool
        false_materials: bool = False  # Art. 78: grounds a reapplication ban

    class InterviewScheduled(Aggregate.Event):
        unit_code: str
        scheduled_for: date
        place: str

    class InterviewHeld(Aggregate.Event):
        held_on: date
        attendees: tuple[str, ...]
        record: str

    class CertificateIssued(Aggregate.Event):
        certificate_number: str
        issued_on: date
        within_limit: bool

    class CertificateServed(Aggregate.Event):
        served_on: date
        method: CertificateService

    class Withdrawn(Aggregate.Event):
        withdrawn_on: date

    class DeadlineMissed(Aggregate.Event):
        """A legal deadline passed with the step undone: recorded, not a silent flag."""

        kind: DeadlineKind
        due: date
        recorded_on: date
        rule: str

    class DeadlineRecomputed(Aggregate.Event):
        """A new calendar (a State Council notice) moved provisional dates."""

        changes: tuple[DeadlineChange, ...]
        calendar_version: str
        notices: tuple[str, ...]
        rule: str

    class DocumentIssued(Aggregate.Event):
        """A written notice or certificate rendered from its source event and
        stored by content address (Arts. 32, 38, 44; domain/licensing/documents)."""

        kind: DocumentKind
        document: DocumentRef
        source_version: int  # the event it was rendered from
        verification_code: str  # in its verification URL and QR code
        rule: str

    class Imported(Received):
        """A past matter from the old system (domain/licensing/history.py): its
        receipt and whole history in one event, recorded at the import by the
        importing admin; the history's dates are the matter's own."""

        history: PastHandling
        source: ImportSource

        def apply(self, aggregate: Any) -> None:
            aggregate._past(self.history, self.source)

    @event(Received)
    def __init__(
        self,
        *,
        audit: Audit,
        receipt_number: str,
        query_code_hash: str,
        item: ItemTerms,
        approval_mode: ApprovalMode,
        channel: Channel,
        applicant: Applicant,
        agent: Agent | None,
        materials: tuple[str, ...],
        commitment: CommitmentLetter | None,
        unit_code: str,
        received_on: date,
        correction_due: DueDate,
        submission_number: str | None = None,
        documents: tuple[MaterialDocuments, ...] = (),
        matter: Matter = Matter.NEW,
        request: MatterRequest | None = None,
    ) -> None:
        self.receipt_number = receipt_number
        self.submission_number = submission_number
        self.material_documents = documents  # each material's uploads
        self.matter = matter
        self.request = request
        self.query_code_hash = query_code_hash
        self.item = item
        self.approval_mode = approval_mode
        self.channel = channel
        self.applicant = applicant
        self.agent = agent
        self.materials = materials
        self.commitment = commitment
        self.unit_code = unit_code
        self.received_on = received_on
        self.correction_limit = _as_recorded(
            received_on, CORRECTION_NOTICE_WD, ART_32_4, correction_due
        )
        self.status = Status.RECEIVED
        self.correction_requested = False
        self.outstanding_corrections: tuple[str, ...] = ()
        self.decision_limit: TimeLimit | None = None
        self.outstanding_deficiencies: tuple[str, ...] = ()
        self.supply_deadline: date | None = None
        self.supply_deadline_as_set: date | None = None
        self.supply_deadline_provisional = False
        self.supply_deadline_version: str | None = None
        self.promised_due: DueDate | None = None
        self.verifications: list[Verification] = []
        self.decision_number: str | None = None
        self.decided_on: date | None = None
        self.licence_id: UUID | None = request.licence_id if request else None
        self.certificate_limit: TimeLimit | None = None
        self.certificate_number: str | None = None
        self.interview_unit_code: str | None = None
        self.interview_scheduled_for: date | None = None
        self.interview_held = False
        self.missed_deadlines: list[tuple[DeadlineKind, date]] = []
        self.documents: dict[DocumentKind, IssuedDocument] = {}
        self.import_source: ImportSource | None = None

    # -- receipt ----------------------------------------------------------------

    @classmethod
    def receive(
        cls,
        *,
        audit: Audit,
        receipt_number: str,
        query_code_hash: str,
        item: ItemTerms,
        approval_mode: ApprovalMode,
        channel: Channel,
        applicant: Applicant,
        agent: Agent | None,
        materials: tuple[str, ...],
        commitment: CommitmentLetter | None,
        unit_code: str,
        on: date,
        calendar: WorkingDayCalendar,
        applicant_has_bad_credit: bool = False,
        submission_number: str | None = None,
        documents: tuple[MaterialDocuments, ...] = (),
        matter: Matter = Matter.NEW,
        request: MatterRequest | None = None,
    ) -> LicenceApplication:
        """Record receipt of the materials; starts the 5-day correction clock.
        A post-licence matter names its licence (`request`, post_licence.admit)."""
        require_actor(audit)
        _check_mode_open(item, approval_mode, applicant_has_bad_credit)
        if approval_mode is ApprovalMode.NOTIFY_AND_COMMIT and commitment is None:
            raise InvalidInputError(
                "告知承诺 needs the applicant's signed commitment letter",
                field="commitment",
                rule="优化营商环境条例 第40条; 国办发〔2020〕42号",
            )
        if approval_mode is not ApprovalMode.NOTIFY_AND_COMMIT and commitment:
            raise InvalidInputError(
                "a commitment letter belongs only to the 告知承诺 mode",
                field="commitment",
            )
        _check_materials_belong(item, materials, "materials")
        if (request is None) != (matter is Matter.NEW):
            raise InvalidInputError(
                "a post-licence matter names its licence; a new application none",
                field="licence_id",
            )
        return cls._create(
            cls.Received,
            id=application_id(receipt_number),
            audit=audit,
            receipt_number=receipt_number,
            query_code_hash=query_code_hash,
            item=item,
            approval_mode=approval_mode,
            channel=channel,
            applicant=applicant,
            agent=agent,
            materials=tuple(materials),
            commitment=commitment,
            unit_code=normalise_region_code(unit_code),
            received_on=on,
            correction_due=_working_limit(
                calendar, on, CORRECTION_NOTICE_WD, ART_32_4
            ).due,
            submission_number=submission_number,
            documents=documents,
            matter=matter,
            request=request,
        )

    # -- the time limits, as read by views (the limits are the state) -------------

    @property
    def correction_due(self) -> DueDate:
        return self.correction_limit.due

    @property
    def acceptance_date(self) -> date | None:
        return self.decision_limit.start if self.decision_limit else None

    @property
    def decision_limit_wd(self) -> int:
        return self.decision_limit.days if self.decision_limit else 0

    @property
    def decision_due(self) -> DueDate | None:
        return self.decision_limit.due if self.decision_limit else None

    @property
    def excluded_wd(self) -> int:
        return self.decision_limit.excluded_days if self.decision_limit else 0

    @property
    def open_exclusion(self) -> ExclusionKind | None:
        stopped = self.decision_limit.open_exclusion if self.decision_limit else None
        return ExclusionKind(stopped.kind) if stopped else None

    @property
    def extended(self) -> bool:
        return bool(self.decision_limit and self.decision_limit.extension)

    @property
    def certificate_due(self) -> DueDate | None:
        return self.certificate_limit.due if self.certificate_limit else None

    @property
    def missing_materials(self) -> tuple[str, ...]:
        return tuple(
            m.name for m in self.item.materials if m.name not in self.materials
        )

    # -- correction (补正) -------------------------------------------------------

    def request_correction(
        self, missing_items: tuple[str, ...], on: date, audit: Audit
    ) -> None:
        """Art. 32 ¶1 (4): tell the applicant once, and all at once, what is missing."""
        require_reason(audit, "a correction notice")
        # Checked before the status: after a notice the status has moved on, and
        # the refusal should cite the once-only rule rather than the status.
        if self.correction_requested:
            raise IllegalTransitionError(
                "a correction notice was already issued", rule=ART_32_4
            )
        self._require(Status.RECEIVED, "request a correction", ART_32_4)
        if self.correction_limit.has_run_out(on):
            raise DeadlineError(
                f"the correction notice was due by {self.correction_due.due}; it is now"
                " deemed accepted as of the receipt date",
                rule=ART_32_4,
            )
        if not missing_items:
            raise InvalidInputError("list every missing item", field="missing_items")
        # Art. 31 ¶2: the agency may not ask for materials unrelated to the item.
        _check_materials_belong(self.item, missing_items, "missing_items")
        self._correction_requested(
            audit=audit, missing_items=tuple(missing_items), requested_on=on
        )

    def submit_corrections(
        self, missing_items: tuple[str, ...], on: date, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.CORRECTION_REQUESTED, "submit corrections", ART_32_4)
        unknown = [i for i in missing_items if i not in self.outstanding_corrections]
        if not missing_items or unknown:
            raise InvalidInputError(
                f"corrections must be items of the notice still outstanding: {unknown or []}",
                field="missing_items",
                rule=ART_32_4,
            )
        self._corrections_submitted(
            audit=audit, missing_items=tuple(missing_items), submitted_on=on
        )

    # -- acceptance (受理) -------------------------------------------------------

    def accept(
        self, voucher_number: str, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """Art. 32 ¶1 (5); the decision clock starts (Art. 42).

        If no correction notice came within 5 working days, the law has already
        accepted the application on its receipt date (Art. 32(4)), so the clock
        runs from receipt, whoever records it and whenever.
        """
        require_actor(audit)
        self._check_acceptable()
        deemed = self._acceptance_is_deemed(on)
        start = self.received_on if deemed else on
        decision, promised = self._decision_clock(start, calendar)
        self._accepted(
            audit=audit,
            voucher_number=voucher_number,
            acceptance_date=start,
            deemed=deemed,
            decision_limit_wd=decision.days,
            decision_due=decision.due,
            rule=ART_32_4 if deemed else "行政许可法 第32条第1款第5项",
            promised_due=promised.due,
        )

    def accept_with_deficiencies(
        self,
        voucher_number: str,
        deficiency_items: tuple[str, ...],
        supply_deadline: date,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
        applicant_has_bad_credit: bool = False,
    ) -> None:
        """容缺受理: accept first, secondary materials follow by a committed date."""
        rule = "容缺受理 (国发〔2022〕5号; DOMAIN §2.2)"
        require_actor(audit)
        _check_mode_open(
            self.item, ApprovalMode.ACCEPT_WITH_DEFICIENCIES, applicant_has_bad_credit
        )
        self._check_acceptable()
        if self._acceptance_is_deemed(on):
            raise DeadlineError(
                "the application is already deemed accepted as of its receipt date",
                rule=ART_32_4,
            )
        if not deficiency_items:
            raise InvalidInputError(
                "name the materials to be supplied later", field="deficiency_items"
            )
        for name in deficiency_items:
            material = self.item.material(name)
            if material is None or not material.deferrable:
                raise InvalidInputError(
                    f"{name!r} is a main material and cannot be deferred",
                    field="deficiency_items",
                    rule=rule,
                )
        decision, promised = self._decision_clock(on, calendar)
        if not on < supply_deadline <= promised.due.due:
            raise DeadlineError(
                f"the supply deadline must fall after today and by {promised.due.due}, the"
                " item's promised processing time",
                rule=rule,
            )
        runs_to = _last_day(calendar, supply_deadline)
        self._accepted_with_deficiencies(
            audit=audit,
            voucher_number=voucher_number,
            acceptance_date=on,
            decision_limit_wd=decision.days,
            decision_due=decision.due,
            deficiency_items=tuple(deficiency_items),
            supply_deadline=runs_to.due,
            promised_due=promised.due,
            supply_deadline_as_set=supply_deadline,
            supply_deadline_provisional=runs_to.provisional,
            supply_deadline_calendar_version=runs_to.calendar_version,
        )

    def deem_acceptance(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """The clock's command: no notice within 5 working days → accepted on receipt."""
        require_actor(audit)
        self._require(Status.RECEIVED, "deem acceptance", ART_32_4)
        if not self._acceptance_is_deemed(on):
            raise DeadlineError(
                f"the correction period runs until {self.correction_due.due}",
                rule=ART_32_4,
            )
        self._require_current(calendar, "deem acceptance")
        decision, promised = self._decision_clock(self.received_on, calendar)
        self._acceptance_deemed(
            audit=audit,
            acceptance_date=self.received_on,
            decision_limit_wd=decision.days,
            decision_due=decision.due,
            promised_due=promised.due,
        )

    def reject(
        self,
        voucher_number: str,
        ground: NonAcceptanceGround,
        redirect_to: str | None,
        on: date,
        audit: Audit,
    ) -> None:
        """Art. 32 ¶1 (1)(2): a dated, sealed decision not to accept, with its ground."""
        require_reason(audit, "a decision not to accept")
        self._require(
            BEFORE_ACCEPTANCE, "decide not to accept", "行政许可法 第32条第1款"
        )
        if self._acceptance_is_deemed(on):
            raise DeadlineError(
                "the application is deemed accepted as of its receipt date; it can no"
                " longer be turned away at intake",
                rule=ART_32_4,
            )
        if (
            ground is NonAcceptanceGround.OUTSIDE_POWERS
            and not (redirect_to or "").strip()
        ):
            raise InvalidInputError(
                "tell the applicant which agency to apply to",
                field="redirect_to",
                rule="行政许可法 第32条第1款第2项",
            )
        self._not_accepted(
            audit=audit,
            voucher_number=voucher_number,
            ground=ground,
            redirect_to=redirect_to,
            decided_on=on,
        )

    # -- 容缺 follow-up ----------------------------------------------------------

    def cure_deficiencies(
        self, deficiency_items: tuple[str, ...], on: date, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.ACCEPTED, "supply deferred materials", RULE_DEFICIENCIES)
        unknown = [
            i for i in deficiency_items if i not in self.outstanding_deficiencies
        ]
        if not deficiency_items or unknown:
            raise InvalidInputError(
                f"only outstanding deferred materials can be supplied: {unknown or []}",
                field="deficiency_items",
            )
        assert self.supply_deadline is not None
        if on > self.supply_deadline:
            raise DeadlineError(
                f"the committed supply deadline {self.supply_deadline} has passed; processing"
                " is to be terminated",
                rule="容缺受理 (DOMAIN §2.2)",
            )
        self._deficiencies_cured(
            audit=audit, deficiency_items=tuple(deficiency_items), cured_on=on
        )

    def terminate_for_missed_supply(
        self, on: date, audit: Audit, calendar: WorkingDayCalendar | None = None
    ) -> None:
        """Materials not supplied by the committed date → 终止办理 (DOMAIN §2.2)."""
        require_actor(audit)
        if calendar is not None:
            self._require_current(calendar, "terminate processing")
        self._require(Status.ACCEPTED, "terminate processing", RULE_DEFICIENCIES)
        if not self.outstanding_deficiencies or self.supply_deadline is None:
            raise IllegalTransitionError(
                "no deferred materials are outstanding", rule=RULE_DEFICIENCIES
            )
        if on <= self.supply_deadline:
            raise DeadlineError(
                f"the supply deadline {self.supply_deadline} has not passed",
                rule=RULE_DEFICIENCIES,
            )
        self._processing_terminated(
            audit=audit, ground="deficiency_deadline_missed", terminated_on=on
        )

    # -- review -----------------------------------------------------------------

    def record_verification(
        self,
        verifier: Verifier,
        on_site: bool,
        findings: str,
        verified_on: date,
        on: date,
        audit: Audit,
    ) -> None:
        """Art. 34 ¶3: a verifier records what was verified, and signs it. It
        counts once a second verifier has signed it too (`sign_verification`)."""
        require_actor(audit)
        self._require(Status.ACCEPTED, "record a verification", ART_34_3)
        if not findings.strip():
            raise InvalidInputError("record the findings", field="findings")
        assert self.acceptance_date is not None
        if not self.acceptance_date <= verified_on <= on:
            raise InvalidInputError(
                f"the verification date must fall between acceptance on"
                f" {self.acceptance_date} and today ({on})",
                field="verified_on",
                rule=ART_34_3,
            )
        self._verification_recorded(
            audit=audit,
            verifier=verifier,
            on_site=on_site,
            findings=findings,
            verified_on=verified_on,
            named_verifiers=(),
        )

    def sign_verification(
        self, number: int, verifier: Verifier, on: date, audit: Audit
    ) -> None:
        """Art. 34 ¶3: two or more staff verify — a second one signs in person."""
        require_actor(audit)
        self._require(Status.ACCEPTED, "sign a verification", ART_34_3)
        if not 1 <= number <= len(self.verifications):
            raise InvalidInputError(
                f"there is no verification {number} on this application",
                field="verification",
                rule=ART_34_3,
            )
        verification = self.verifications[number - 1]
        if verifier.id in {s.verifier.id for s in verification.signatures}:
            raise IllegalTransitionError(
                f"{verifier.id} has already signed verification {number}; a second"
                " verifier must sign",
                rule=ART_34_3,
            )
        self._verification_signed(
            audit=audit, number=number, verifier=verifier, signed_on=on
        )

    def suspend_clock(
        self,
        kind: ExclusionKind,
        expected_working_days: int,
        notice: str,
        on: date,
        audit: Audit,
    ) -> None:
        """Art. 45: hearing, testing, expert review… are not counted; tell the applicant."""
        require_reason(audit, "excluding time from the decision limit")
        self._require(Status.ACCEPTED, "stop the decision clock", ART_45)
        # A clock already stopped is refused as such, whatever the notice says.
        running = self._decision.running
        if running and (expected_working_days < 1 or not notice.strip()):
            raise InvalidInputError(
                "the applicant must be told in writing how long it will take",
                field="expected_working_days",
                rule=ART_45,
            )
        # Refuses a second stop, one before acceptance or inside an earlier
        # excluded period, and time already run out.
        self._decision.stop(kind, on, ART_45)
        self._clock_suspended(
            audit=audit,
            kind=kind,
            started_on=on,
            expected_working_days=expected_working_days,
            notice=notice,
        )

    def resume_clock(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """Art. 45: the working days after the day it stopped, up to and
        including today, are not counted."""
        require_actor(audit)
        self._require(Status.ACCEPTED, "restart the decision clock", ART_45)
        resumed = self._decision.resume(on, calendar, ART_45)
        self._clock_resumed(
            audit=audit,
            ended_on=on,
            excluded_working_days=resumed.exclusions[-1].days,
            decision_due=resumed.due,
            promised_due=self._promised(resumed, calendar).due,
        )

    def extend(self, on: date, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """Art. 42: one extension, approved by the agency head, reason told to the applicant."""
        stamp = require_reason(audit, "extending the decision limit")
        self._require(Status.ACCEPTED, "extend the decision limit", ART_42)
        if self.item.extension_wd == 0:
            raise IllegalTransitionError(
                "this item's rule allows no extension", rule=self.item.time_limit_rule
            )
        if self.matter is Matter.RENEWAL:
            raise IllegalTransitionError(
                "a renewal is decided before expiry, with no extension",
                rule="行政许可法 第50条第2款",
            )
        rule = ART_42 + ("第2款" if self.item.handling is Handling.UNIFIED else "第1款")
        # Refuses a second extension and time already run out (while the clock
        # is stopped, what counts is the day it stopped).
        extended = self._decision.extend(
            _extension(stamp, self.item.extension_wd, rule), on, calendar
        )
        self._deadline_extended(
            audit=audit,
            extension_wd=self.item.extension_wd,
            decision_due=extended.due,
            rule=rule,
        )

    # -- decision ---------------------------------------------------------------

    def grant(
        self,
        decision_number: str,
        licence_id: UUID,
        on_the_spot: bool,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """Art. 38 ¶1 written decision to grant; Art. 44: certificate within 10 days."""
        require_reason(audit, "a licensing decision")
        self._check_decidable(on)
        if self.outstanding_deficiencies:
            raise IllegalTransitionError(
                f"deferred materials are still outstanding: {list(self.outstanding_deficiencies)}",
                rule="容缺受理 (DOMAIN §2.2)",
            )
        if on_the_spot:
            if (
                not self.item.allows(ApprovalMode.ON_THE_SPOT)
                or on != self.acceptance_date
            ):
                raise IllegalTransitionError(
                    "an on-the-spot decision is for items that allow it, on the day of acceptance",
                    rule="行政许可法 第34条第2款",
                )
        elif self._needs_verification and not any(
            v.counted for v in self.verifications
        ):
            raise IllegalTransitionError(
                "this item needs a substantive verification signed by two or more"
                " staff before a grant",
                rule=ART_34_3,
            )
        self._granted(
            audit=audit,
            decision_number=decision_number,
            decided_on=on,
            on_the_spot=on_the_spot,
            within_limit=self._within_limit(on),
            licence_id=licence_id,
            certificate_due=_working_limit(
                calendar, on, self.item.certificate_limit_wd, ART_44
            ).due
            if makes_certificate(self.matter)
            else None,
        )

    def refuse(
        self,
        decision_number: str,
        reasons: tuple[str, ...],
        technical_standard: str | None,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
        *,
        unit_exists: Callable[[str], bool] = lambda _: True,
        false_materials: bool = False,
    ) -> None:
        """Art. 38 ¶2: reasons and the right to 行政复议 or 行政诉讼; then an interview.

        `false_materials` records that the refusal rests on concealment or false
        materials (Art. 78), which bars reapplying on safety/health/life items."""
        require_reason(audit, "a licensing decision")
        self._check_decidable(on)
        reasons = require_reasons(reasons)
        # The period runs from when the applicant learns of the decision, so the
        # notice states the period; the date recorded is the earliest it can end
        # (served on the day of the decision), for deadline boards.
        reconsideration = calendar.add_calendar_days(on, 60)
        remedy = RemedyNotice(
            reconsideration_until=reconsideration.due,
            reconsideration_until_provisional=reconsideration.provisional,
            text=REMEDY_TEXT,
        )
        escalated = self.item.safety_critical
        self._refused(
            audit=audit,
            decision_number=decision_number,
            decided_on=on,
            reasons=reasons,
            technical_standard=technical_standard,
            remedy=remedy,
            within_limit=self._within_limit(on),
            interview_unit_code=route_interview(
                self.applicant.region_code, self.unit_code, escalated, unit_exists
            ),
            interview_escalated=escalated,
            false_materials=false_materials,
        )

    def schedule_interview(
        self, scheduled_for: date, place: str, on: date, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.REFUSED, "schedule the refusal interview", RULE_INTERVIEW)
        if self.interview_held:
            raise IllegalTransitionError(
                "the interview has already been held", rule=RULE_INTERVIEW
            )
        if scheduled_for < on or not place.strip():
            raise InvalidInputError(
                "schedule the interview on a coming date and place",
                field="scheduled_for",
            )
        assert self.interview_unit_code is not None
        self._interview_scheduled(
            audit=audit,
            unit_code=self.interview_unit_code,
            scheduled_for=scheduled_for,
            place=place,
        )

    def record_interview(
        self, held_on: date, attendees: tuple[str, ...], record: str, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.REFUSED, "record the refusal interview", RULE_INTERVIEW)
        if self.interview_scheduled_for is None:
            raise IllegalTransitionError(
                "no interview has been scheduled", rule=RULE_INTERVIEW
            )
        if self.interview_held:
            raise IllegalTransitionError(
                "the interview has already been recorded", rule=RULE_INTERVIEW
            )
        if not attendees or not record.strip():
            raise InvalidInputError(
                "record who attended and what was said", field="record"
            )
        self._interview_held(
            audit=audit, held_on=held_on, attendees=tuple(attendees), record=record
        )

    # -- certificate ------------------------------------------------------------

    def issue_certificate(
        self, certificate_number: str, on: date, audit: Audit
    ) -> None:
        """Art. 44: issue within 10 days of the grant; lateness is recorded, not hidden."""
        require_actor(audit)
        self._require(Status.GRANTED, "issue the certificate", ART_44)
        if self.certificate_limit is None:
            raise IllegalTransitionError(
                f"a {self.matter} matter makes no certificate", rule=ART_44
            )
        self._certificate_issued(
            audit=audit,
            certificate_number=certificate_number,
            issued_on=on,
            within_limit=not self.certificate_limit.has_run_out(on),
        )

    def serve_certificate(
        self, method: CertificateService, on: date, audit: Audit
    ) -> None:
        """Art. 44: the certificate is issued *and served* within the limit."""
        require_actor(audit)
        self._require(Status.CERTIFICATE_ISSUED, "serve the certificate", ART_44)
        self._certificate_served(audit=audit, served_on=on, method=method)

    def withdraw(self, on: date, audit: Audit) -> None:
        """The applicant withdraws (撤回申请) at any point before the decision."""
        require_reason(audit, "recording the applicant's withdrawal")
        self._require(
            BEFORE_DECISION,
            "withdraw the application",
            "申请人在作出决定前撤回申请 (行政许可法 第37条)",
        )
        self._withdrawn(audit=audit, withdrawn_on=on)

    # -- deadlines (the clock) -----------------------------------------------------

    def open_deadline(self, kind: DeadlineKind) -> tuple[date, str] | None:
        """The deadline of that kind now running, with its rule; None if none runs."""
        limit = None
        if kind is DeadlineKind.DECISION and self.status is Status.ACCEPTED:
            limit = self.decision_limit
        # Art. 44: 颁发、送达 — the limit runs until the certificate is served.
        if kind is DeadlineKind.CERTIFICATE and self.status in CERTIFICATE_PENDING:
            limit = self.certificate_limit
        if limit is None or not limit.running:
            return None
        return limit.due.due, limit.rule

    def record_missed_deadline(
        self,
        kind: DeadlineKind,
        on: date,
        audit: Audit,
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        """The clock's command the day after a deadline passed with the step undone.

        Recorded once per deadline: a deadline moved later (extension, excluded
        period) that passes again is a new fact."""
        require_actor(audit)
        if calendar is not None:
            self._require_current(calendar, "record a missed deadline")
        running = self.open_deadline(kind)
        if running is None:
            raise IllegalTransitionError(
                f"no {kind} deadline is running: the application is {self.status}",
                rule=ART_42 if kind is DeadlineKind.DECISION else ART_44,
            )
        due, rule = running
        if on <= due:
            raise DeadlineError(f"the {kind} deadline runs until {due}", rule=rule)
        if (kind, due) in self.missed_deadlines:
            raise IllegalTransitionError(
                f"the {kind} deadline of {due} is already recorded as missed", rule=rule
            )
        self._deadline_missed(
            audit=audit, kind=kind, due=due, recorded_on=on, rule=rule
        )

    def stale_dates(
        self, calendar: WorkingDayCalendar
    ) -> list[tuple[str, date, DueDate]]:
        """Running provisional dates computed under another calendar version,
        each with what the current calendar makes of it (kind, old, new)."""
        running: list[tuple[str, DueDate, Callable[[], DueDate]]] = []
        if self.status is Status.RECEIVED:
            correction = self.correction_limit
            running.append(
                (
                    "correction",
                    correction.due,
                    lambda: correction.recomputed(calendar).due,
                )
            )
        if self.status is Status.ACCEPTED and self.decision_limit is not None:
            decision = self.decision_limit
            running.append(
                ("decision", decision.due, lambda: decision.recomputed(calendar).due)
            )
            if self.promised_due is not None:
                running.append(
                    (
                        "promised",
                        self.promised_due,
                        lambda: self._promised(decision, calendar).due,
                    )
                )
            if self.outstanding_deficiencies and self.supply_deadline is not None:
                supply = DueDate(
                    due=self.supply_deadline,
                    working_days=0,
                    calendar_version=self.supply_deadline_version or "",
                    provisional=self.supply_deadline_provisional,
                )
                set_on = self.supply_deadline_as_set or self.supply_deadline
                running.append(("supply", supply, lambda: _last_day(calendar, set_on)))
        if self.status in CERTIFICATE_PENDING and self.certificate_limit is not None:
            certificate = self.certificate_limit
            running.append(
                (
                    "certificate",
                    certificate.due,
                    lambda: certificate.recomputed(calendar).due,
                )
            )
        return [
            (kind, old.due, compute())
            for kind, old, compute in running
            if old.is_stale(calendar)
        ]

    def recompute_deadlines(self, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """DESIGN §3: when a holiday notice is published (the calendar version
        changes), provisional dates are worked out again and the change recorded
        (old date, new date, calendar version, the notice)."""
        require_actor(audit)
        moved = recomputation(self.stale_dates(calendar), calendar)
        self._deadline_recomputed(
            audit=audit,
            changes=moved.changes,
            calendar_version=moved.calendar_version,
            notices=moved.notices,
            rule=moved.rule,
        )

    # -- rules shared by several commands ------------------------------------------

    def _require_current(self, calendar: WorkingDayCalendar, action: str) -> None:
        """The clock never acts on a provisional date a newer calendar moved."""
        if self.stale_dates(calendar):
            raise IllegalTransitionError(
                f"cannot {action}: provisional deadlines predate calendar"
                f" {calendar.version}; recompute them first",
                rule=RULE_RECOMPUTE,
            )

    def _decision_clock(
        self, start: date, calendar: WorkingDayCalendar
    ) -> tuple[TimeLimit, TimeLimit]:
        """Art. 42: the decision limit from acceptance — 20 days, or the item's
        own rule (e.g. 60 for production licences) — and the promised one."""
        days, rule = decision_limit(
            self.matter, self.item, self.request, start, calendar
        )
        decision = _working_limit(calendar, start, days, rule)
        return decision, self._promised(decision, calendar)

    def _promised(self, decision: TimeLimit, calendar: WorkingDayCalendar) -> TimeLimit:
        """承诺时限: the item's promised limit, moved like the legal one by
        excluded periods (but never by the extension)."""
        return decision.alongside(self.item.promised_limit_wd, RULE_PROMISED, calendar)

    @property
    def _decision(self) -> TimeLimit:
        """The decision limit, which runs once the application is accepted."""
        assert self.decision_limit is not None
        return self.decision_limit

    def _past(self, history: PastHandling, source: ImportSource) -> None:
        """Imported: the state the history left (assignments only; replayed)."""
        self.import_source = source
        self.decided_on = history.decided_on
        self.decision_number = history.decision_number
        self.certificate_number = history.certificate_number
        if history.accepted_on is not None and history.decision_due is not None:
            self.decision_limit = _as_recorded(
                history.accepted_on,
                history.decision_limit_wd,
                ART_42,
                history.decision_due,
            )
        if history.certificate_due is not None:
            self.certificate_limit = _as_recorded(
                history.decided_on,
                self.item.certificate_limit_wd,
                ART_44,
                history.certificate_due,
            )
        self.status = imported_status(history)

    def _require(
        self, allowed: Status | frozenset[Status], action: str, rule: str
    ) -> None:
        states = {allowed} if isinstance(allowed, Status) else allowed
        if self.status not in states:
            raise IllegalTransitionError(
                f"cannot {action}: the application is {self.status}", rule=rule
            )

    def _acceptance_is_deemed(self, on: date) -> bool:
        return not self.correction_requested and self.correction_limit.has_run_out(on)

    def _check_acceptable(self) -> None:
        self._require(BEFORE_ACCEPTANCE, "accept", "行政许可法 第32条")
        if self.outstanding_corrections:
            raise IllegalTransitionError(
                f"items of the correction notice are outstanding: {list(self.outstanding_corrections)}",
                rule="行政许可法 第32条第1款第5项",
            )

    @property
    def _needs_verification(self) -> bool:
        # 先核后证 verifies before issuing whatever the item's review flag says;
        # 告知承诺: decided on the commitment; verification comes after approval.
        if self.approval_mode is ApprovalMode.VERIFY_THEN_ISSUE:
            return True
        # A post-licence matter rests on the licence already verified: the item's
        # on-site review is for new licences (Art. 34 ¶3 — verification where the
        # substance needs it; staff may still record one).
        if self.matter is not Matter.NEW:
            return False
        return (
            self.item.on_site_review
            and self.approval_mode is not ApprovalMode.NOTIFY_AND_COMMIT
        )

    def _check_decidable(self, on: date) -> None:
        self._require(Status.ACCEPTED, "decide", "行政许可法 第37条、第38条")
        if self.open_exclusion is not None:
            raise IllegalTransitionError(
                f"the clock is stopped for {self.open_exclusion}; resume it before deciding",
                rule=ART_45,
            )
        assert self.acceptance_date is not None
        if on < self.acceptance_date:
            raise InvalidInputError("a decision cannot predate acceptance", field="on")

    def _within_limit(self, on: date) -> bool:
        return not self._decision.has_run_out(on)

    # -- recorded facts ---------------------------------------------------------

    @event(CorrectionRequested)
    def _correction_requested(
        self, audit: Audit, missing_items: tuple[str, ...], requested_on: date
    ) -> None:
        self.status = Status.CORRECTION_REQUESTED
        self.correction_requested = True
        self.outstanding_corrections = missing_items

    @event(CorrectionsSubmitted)
    def _corrections_submitted(
        self, audit: Audit, missing_items: tuple[str, ...], submitted_on: date
    ) -> None:
        self.outstanding_corrections = tuple(
            i for i in self.outstanding_corrections if i not in missing_items
        )
        self.materials = (*self.materials, *missing_items)

    def _start_decision_clock(
        self,
        acceptance_date: date,
        limit: int,
        due: DueDate,
        promised_due: DueDate | None,
    ) -> None:
        self.status = Status.ACCEPTED
        rule = limit_rule(self.matter, self.item)
        self.decision_limit = _as_recorded(acceptance_date, limit, rule, due)
        self.promised_due = promised_due

    @event(Accepted)
    def _accepted(
        self,
        audit: Audit,
        voucher_number: str,
        acceptance_date: date,
        deemed: bool,
        decision_limit_wd: int,
        decision_due: DueDate,
        rule: str,
        promised_due: DueDate | None,
    ) -> None:
        self.voucher_number = voucher_number
        self._start_decision_clock(
            acceptance_date, decision_limit_wd, decision_due, promised_due
        )

    @event(AcceptedWithDeficiencies)
    def _accepted_with_deficiencies(
        self,
        audit: Audit,
        voucher_number: str,
        acceptance_date: date,
        decision_limit_wd: int,
        decision_due: DueDate,
        deficiency_items: tuple[str, ...],
        supply_deadline: date,
        promised_due: DueDate | None,
        supply_deadline_as_set: date | None,
        supply_deadline_provisional: bool,
        supply_deadline_calendar_version: str | None,
    ) -> None:
        self.voucher_number = voucher_number
        self._start_decision_clock(
            acceptance_date, decision_limit_wd, decision_due, promised_due
        )
        self.outstanding_deficiencies = deficiency_items
        self.supply_deadline = supply_deadline
        self.supply_deadline_as_set = supply_deadline_as_set
        self.supply_deadline_provisional = supply_deadline_provisional
        self.supply_deadline_version = supply_deadline_calendar_version

    @event(AcceptanceDeemed)
    def _acceptance_deemed(
        self,
        audit: Audit,
        acceptance_date: date,
        decision_limit_wd: int,
        decision_due: DueDate,
        promised_due: DueDate | None,
    ) -> None:
        self._start_decision_clock(
            acceptance_date, decision_limit_wd, decision_due, promised_due
        )

    @event(NotAccepted)
    def _not_accepted(
        self,
        audit: Audit,
        voucher_number: str,
        ground: NonAcceptanceGround,
        redirect_to: str | None,
        decided_on: date,
    ) -> None:
        self.voucher_number = voucher_number
        self.status = Status.NOT_ACCEPTED
        self.decided_on = decided_on

    @event(DeficienciesCured)
    def _deficiencies_cured(
        self, audit: Audit, deficiency_items: tuple[str, ...], cured_on: date
    ) -> None:
        self.outstanding_deficiencies = tuple(
            i for i in self.outstanding_deficiencies if i not in deficiency_items
        )
        self.materials = (*self.materials, *deficiency_items)

    @event(ProcessingTerminated)
    def _processing_terminated(
        self, audit: Audit, ground: str, terminated_on: date
    ) -> None:
        self.status = Status.TERMINATED
        self.decided_on = terminated_on

    @event(VerificationRecorded)
    def _verification_recorded(
        self,
        audit: Audit,
        verifier: Verifier,
        on_site: bool,
        findings: str,
        verified_on: date,
        named_verifiers: tuple[Verifier, ...],
    ) -> None:
        self.verifications.append(
            Verification(
                number=len(self.verifications) + 1,
                on_site=on_site,
                verified_on=verified_on,
                findings=findings,
                signatures=(Signature(verifier=verifier, signed_on=verified_on),),
            )
        )

    @event(VerificationSigned)
    def _verification_signed(
        self, audit: Audit, number: int, verifier: Verifier, signed_on: date
    ) -> None:
        signed = self.verifications[number - 1]
        self.verifications[number - 1] = signed.model_copy(
            update={
                "signatures": (
                    *signed.signatures,
                    Signature(verifier=verifier, signed_on=signed_on),
                )
            }
        )

    @event(ClockSuspended)
    def _clock_suspended(
        self,
        audit: Audit,
        kind: ExclusionKind,
        started_on: date,
        expected_working_days: int,
        notice: str,
    ) -> None:
        self.decision_limit = self._decision.with_stop(
            kind, started_on, expected_days=expected_working_days
        )

    @event(ClockResumed)
    def _clock_resumed(
        self,
        audit: Audit,
        ended_on: date,
        excluded_working_days: int,
        decision_due: DueDate,
        promised_due: DueDate | None,
    ) -> None:
        self.decision_limit = self._decision.with_resume(
            ended_on, excluded_working_days, decision_due
        )
        if promised_due is not None:
            self.promised_due = promised_due

    @event(DeadlineExtended)
    def _deadline_extended(
        self, audit: Audit, extension_wd: int, decision_due: DueDate, rule: str
    ) -> None:
        self.decision_limit = self._decision.with_extension(
            _extension(audit, extension_wd, rule), decision_due
        )

    @event(Granted)
    def _granted(
        self,
        audit: Audit,
        decision_number: str,
        decided_on: date,
        on_the_spot: bool,
        within_limit: bool,
        licence_id: UUID,
        certificate_due: DueDate | None,
    ) -> None:
        self.status = Status.GRANTED
        self.decision_number = decision_number
        self.decided_on = decided_on
        self.licence_id = licence_id
        self.certificate_limit = (
            _as_recorded(
                decided_on, self.item.certificate_limit_wd, ART_44, certificate_due
            )
            if certificate_due is not None
            else None
        )

    @event(Refused)
    def _refused(
        self,
        audit: Audit,
        decision_number: str,
        decided_on: date,
        reasons: tuple[str, ...],
        technical_standard: str | None,
        remedy: RemedyNotice,
        within_limit: bool,
        interview_unit_code: str,
        interview_escalated: bool,
        false_materials: bool,
    ) -> None:
        self.status = Status.REFUSED
        self.decision_number = decision_number
        self.decided_on = decided_on
        self.interview_unit_code = interview_unit_code

    @event(InterviewScheduled)
    def _interview_scheduled(
        self, audit: Audit, unit_code: str, scheduled_for: date, place: str
    ) -> None:
        self.interview_scheduled_for = scheduled_for

    @event(InterviewHeld)
    def _interview_held(
        self, audit: Audit, held_on: date, attendees: tuple[str, ...], record: str
    ) -> None:
        self.interview_held = True

    @event(CertificateIssued)
    def _certificate_issued(
        self, audit: Audit, certificate_number: str, issued_on: date, within_limit: bool
    ) -> None:
        self.status = Status.CERTIFICATE_ISSUED
        self.certificate_number = certificate_number

    @event(CertificateServed)
    def _certificate_served(
        self, audit: Audit, served_on: date, method: CertificateService
    ) -> None:
        self.status = Status.CERTIFICATE_SERVED

    @event(Withdrawn)
    def _withdrawn(self, audit: Audit, withdrawn_on: date) -> None:
        self.status = Status.WITHDRAWN
        self.decided_on = withdrawn_on

    @event(DeadlineMissed)
    def _deadline_missed(
        self, audit: Audit, kind: DeadlineKind, due: date, recorded_on: date, rule: str
    ) -> None:
        self.missed_deadlines.append((kind, due))

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
            new = change.new_due
            if change.kind == "correction":
                self.correction_limit = self.correction_limit.with_due(new)
            elif change.kind == "decision":
                self.decision_limit = self._decision.with_due(new)
            elif change.kind == "promised":
                self.promised_due = new
            elif change.kind == "certificate":
                assert self.certificate_limit is not None
                self.certificate_limit = self.certificate_limit.with_due(new)
            elif change.kind == "supply":
                self.supply_deadline = new.due
                self.supply_deadline_provisional = new.provisional
                self.supply_deadline_version = new.calendar_version

    # -- written notices and certificates -----------------------------------------

    def record_document(
        self,
        kind: DocumentKind,
        document: DocumentRef,
        source_version: int,
        verification_code: str,
        audit: Audit,
    ) -> bool:
        """Record a rendered document; the same bytes from the same source
        record nothing new (rendering is reproducible, so a second request, or
        two at once, must not add events). Returns whether it recorded."""
        require_actor(audit)
        held = self.documents.get(kind)
        if held == IssuedDocument(document, source_version, verification_code):
            return False
        if held is not None and held.verification_code != verification_code:
            raise IllegalTransitionError(
                "a document keeps the verification code it was first issued with",
                rule=RULES[kind],
            )
        self._document_issued(
            audit=audit,
            kind=kind,
            document=document,
            source_version=source_version,
            verification_code=verification_code,
            rule=RULES[kind],
        )
        return True

    @event(DocumentIssued)
    def _document_issued(
        self,
        audit: Audit,
        kind: DocumentKind,
        document: DocumentRef,
        source_version: int,
        verification_code: str,
        rule: str,
    ) -> None:
        self.documents[kind] = IssuedDocument(
            document, source_version, verification_code
        )


def _working_limit(
    calendar: WorkingDayCalendar, start: date, days: int, rule: str
) -> TimeLimit:
    """A period of working days from `start` (Art. 82), worked out now."""
    return TimeLimit.begin(
        calendar, start=start, days=days, counting=Counting.WORKING, rule=rule
    )


def imported_status(history: PastHandling) -> Status:
    """Where an imported matter's history left it."""
    if history.certificate_served_on is not None:
        return Status.CERTIFICATE_SERVED
    if history.certificate_issued_on is not None:
        return Status.CERTIFICATE_ISSUED
    return {
        Outcome.GRANTED: Status.GRANTED,
        Outcome.REFUSED: Status.REFUSED,
        Outcome.NOT_ACCEPTED: Status.NOT_ACCEPTED,
        Outcome.WITHDRAWN: Status.WITHDRAWN,
    }[history.outcome]


def _as_recorded(start: date, days: int, rule: str, due: DueDate) -> TimeLimit:
    """A period of working days as the event that set it recorded its due date."""
    return TimeLimit(
        counting=Counting.WORKING, start=start, days=days, rule=rule, due=due
    )


def _extension(audit: Audit, days: int, rule: str) -> Extension:
    """Art. 42: approved by the agency head; the reason is told to the applicant."""
    return Extension(
        days=days, approved_by=audit.actor.name, reason=audit.reason or "", rule=rule
    )


def _last_day(calendar: WorkingDayCalendar, day: date) -> DueDate:
    """A date staff set, as it runs: moved to the next working day when it is
    not one (民法典 Art. 203 by analogy), with the calendar that said so."""
    due = calendar.next_working_day_on_or_after(day)
    return DueDate(
        due=due,
        working_days=0,
        calendar_version=calendar.version,
        provisional=not all(calendar.is_covered(y) for y in {day.year, due.year}),
    )


def route_interview(
    applicant_region: str,
    handling_unit: str,
    escalated: bool,
    unit_exists: Callable[[str], bool],
) -> str:
    """约谈 after a refusal: at the applicant's county unit, or its city unit for
    safety/livelihood items. The applicant's region is as entered at receipt, so
    a region with no unit of this bureau falls back to the handling unit (or
    its city, when escalated) — an interview nobody can hold helps no one."""
    county = normalise_region_code(applicant_region)
    target = county[:4] if escalated else county
    if unit_exists(target):
        return target
    handling = normalise_region_code(handling_unit)
    fallback = handling[:4] if escalated else handling
    return fallback if unit_exists(fallback) else handling


def _check_mode_open(item: ItemTerms, mode: ApprovalMode, bad_credit: bool) -> None:
    if not item.allows(mode):
        raise InvalidInputError(
            f"item {item.code} does not allow the {mode} procedure",
            field="approval_mode",
            rule="行政许可法 第30条 (公示的办理程序)",
        )
    if bad_credit and mode in {
        ApprovalMode.NOTIFY_AND_COMMIT,
        ApprovalMode.ACCEPT_WITH_DEFICIENCIES,
    }:
        raise IllegalTransitionError(
            f"{mode} is closed to applicants with a bad credit record until 信用修复",
            rule="国办发〔2020〕42号",
        )


def _check_materials_belong(
    item: ItemTerms, names: tuple[str, ...], field: str
) -> None:
    """Art. 31 ¶2: nothing may be asked for that the item's list does not name."""
    unknown = [n for n in names if item.material(n) is None]
    if unknown:
        raise InvalidInputError(
            f"not materials of item {item.code}: {unknown}",
            field=field,
            rule="行政许可法 第31条第2款",
        )
