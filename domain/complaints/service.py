"""Complaints: the application service of the 12315 line — intakes, complaints
(投诉) and reports (举报).

Each command is declared once, by its decision (`domain.shared.service`):
the role, the case's jurisdiction, If-Match, the save and the result are the
shape every command shares. Personal data is sealed on the way in with the
injected `Vault` (domain/shared/personal.py) and opened only through
`personal_data`, which records who read it and why before it answers.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, ClassVar, TypeVar, cast
from uuid import UUID, uuid4

from domain.complaints.complaint import Complaint, complaint_id
from domain.complaints.complaint import DeadlineKind as ComplaintDeadline
from domain.complaints.conduct import (
    RULE_CONDUCT,
    ConductComplaint,
    Finding,
    conduct_id,
)
from domain.complaints.conduct import DeadlineKind as ConductDeadline
from domain.complaints.intake import (
    Intake,
    Sightings,
    Submitter,
    intake_id,
    sightings_id,
)
from domain.complaints.matter import (
    RULE_RETENTION,
    Answerable,
    Timed,
    require_competent,
)
from domain.complaints.odr import (
    RULE_ESCALATION,
    RULE_ODR,
    Dispute,
    Negotiation,
    OdrEnterprise,
    dispute_id,
    enterprise_id,
)
from domain.complaints.odr import DeadlineKind as OdrDeadline
from domain.complaints.parties import (
    Attachment,
    Channel,
    Classification,
    ExcludedPeriod,
    MediationDocument,
    MediationMode,
    NonAcceptanceGround,
    NotOpenedGround,
    OutsideMatter,
    Rating,
    Remedy,
    Respondent,
    TerminationGround,
    art,
)
from domain.complaints.report import DeadlineKind as ReportDeadline
from domain.complaints.report import Officer, Report, Source, report_id
from domain.registry.service import Registry
from domain.shared.audit import Actor, ActorKind, Audit, Caller, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import Clock
from domain.shared.command import CaseType
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import RegionCode, covers, normalise_region_code
from domain.shared.personal import (
    AGENT,
    COMPLAINANT,
    REPORTER,
    REPRESENTATIVE,
    SUBMITTER,
    PersonalDetails,
    Sealed,
    Vault,
    as_role,
    seal,
    unseal,
)
from domain.shared.query_code import new_query_code, query_code_hash
from domain.shared.service import (
    CommandResult,
    DatedService,
    StaleVersionError,
    as_result,
    command,
    creation,
    replayable,
    system_command,
)
from domain.shared.text import Line, Prose
from domain.shared.uscc import USCC
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType
from pydantic import BaseModel, ConfigDict, Field, StrictBool

INTAKE = frozenset({Role.INTAKE})
HANDLER = frozenset({Role.HANDLER})
APPROVER = frozenset({Role.APPROVER})
# Art. 33: the case's handler, its approver, an auditor holding the right; and
# the intake desk that recorded the person (it has seen them already).
PERSONAL_DATA = frozenset(
    {Role.HANDLER, Role.APPROVER, Role.PERSONAL_DATA, Role.INTAKE}
)
READ_PERSONAL_DATA = "read_personal_data"
# A conduct complaint (issue 10 §6): the supervision office in the handler's
# place; no approver of the unit complained about (it is kept from them), and
# the intake desk only for the intake it recorded (`readable_by` says whom).
SUPERVISION = frozenset({Role.SUPERVISION})
CONDUCT_PERSONAL_DATA = frozenset({Role.SUPERVISION, Role.PERSONAL_DATA, Role.INTAKE})
READ_CONDUCT_PERSONAL_DATA = "read_conduct_personal_data"

Facts = Annotated[str, Prose(5000)]
Text = Annotated[str, Prose(2000)]
StaffNo = Annotated[str, Line(40)]
UnitCode = Annotated[str, Line(12)]


class Receipt(CommandResult):
    """An intake's number and the query code, shown to the person once."""

    intake_number: str
    query_code: str


Shown = TypeVar("Shown", bound=CommandResult)


def shown_once(kind: type[Shown]) -> Callable[[CommandResult], Shown]:
    """A command's result with what it showed once (kept in `extra`, and so
    with the Idempotency-Key for a replay) as the fields of `kind`."""

    def convert(result: CommandResult) -> Shown:
        return kind(**result.model_dump(), case=result.case, **result.extra)

    return convert


receipt_of = shown_once(Receipt)


class OdrKey(CommandResult):
    """An ODR enterprise's key, shown once (only its hash is kept)."""

    uscc: str
    key: str


key_of = shown_once(OdrKey)


class Contact(BaseModel):
    """What an ODR business sees of the consumer: what settling needs."""

    model_config = ConfigDict(frozen=True)

    pseudonym: str
    name: str | None  # None once the retention period ended (key destroyed)
    phone: str | None


def _normalised(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


class Submission(BaseModel):
    """Who submits (sealed on the way in), as the desk or the form gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person: PersonalDetails | None = None  # None: an anonymous report
    agent: PersonalDetails | None = None
    power_of_attorney: Attachment | None = None
    representatives: Annotated[tuple[PersonalDetails, ...], Field(max_length=2)] = ()
    joint: StrictBool = False


class Complaints(DatedService):
    name = "complaints"
    cases: ClassVar = (
        CaseType(Intake, "intake", lambda i: i.unit_code),
        CaseType(Complaint, "complaint", lambda c: c.unit_code),
        CaseType(Report, "report", lambda r: r.unit_code),
        CaseType(ConductComplaint, "conduct complaint", lambda c: c.unit_code),
        CaseType(Dispute, "ODR dispute", lambda d: d.unit_code),
        CaseType(OdrEnterprise, "ODR enterprise", lambda e: e.unit_code),
    )
    rights: ClassVar = {
        READ_PERSONAL_DATA: PERSONAL_DATA,
        READ_CONDUCT_PERSONAL_DATA: CONDUCT_PERSONAL_DATA,
    }

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        registry: Registry,
        calendar: WorkingDayCalendar,
        vault: Vault,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(env, registry=registry, calendar=calendar, clock=clock)
        self.vault = vault

    # -- intake ----------------------------------------------------------------------

    @creation(
        INTAKE,
        summary="Register a submission from any channel (登记, Arts. 8–11)",
        body="RegisterBody",
        replay=receipt_of,
    )
    def register(
        self,
        audit: Audit,
        *,
        channel: Channel,
        submitter: Submission,
        respondent: Respondent,
        facts: Facts,
        claim: Text = "",
        attachments: Annotated[tuple[Attachment, ...], Field(max_length=50)] = (),
        platform_reference: Annotated[str, Line(60)] = "",
    ) -> Receipt:
        """The intake unit is the desk's own; the desk's member of staff is
        answerable for the matter until a hand-over (首问负责制)."""
        unit = audit.actor.unit_code or respondent.region_code
        self.within_jurisdiction(audit.actor, unit)
        return self._register(
            audit,
            unit,
            channel,
            submitter,
            respondent,
            facts,
            claim,
            attachments,
            platform_reference,
        )

    def submit(
        self,
        audit: Audit,
        *,
        unit_code: str,
        submitter: Submission,
        respondent: Respondent,
        facts: str,
        claim: str = "",
        attachments: tuple[Attachment, ...] = (),
        odr: bool = False,
    ) -> Receipt:
        """An online submission by the public (POST /public/v1/complaints):
        the intake unit is the one the form names (the bureau's intake desk).
        With `odr`, the consumer takes the complaint to the business first (an
        ODR enterprise): the intake is classified so at once, by their choice."""
        if audit.actor.kind is not ActorKind.PUBLIC:
            raise PermissionDeniedError("the public form is for the public")
        if self.registry.get_unit(unit_code) is None:
            raise InvalidInputError(f"no unit {unit_code}", field="unit_code")
        if odr:
            self._odr_enterprise(respondent)  # refused before anything is kept
        return self._register(
            audit,
            unit_code,
            Channel.INTERNET,
            submitter,
            respondent,
            facts,
            claim,
            attachments,
            "",
            odr=odr,
        )

    def _register(
        self,
        audit: Audit,
        unit: str,
        channel: Channel,
        submitter: Submission,
        respondent: Respondent,
        facts: str,
        claim: str,
        attachments: tuple[Attachment, ...],
        platform_reference: str,
        odr: bool = False,
    ) -> Receipt:
        on = self.today()
        sealed = self._seal(submitter)
        for _ in range(3):  # a number clash is astronomically rare
            number = f"{unit:0<6}{on:%Y%m%d}{secrets.randbelow(10**6):06d}"
            query_code = new_query_code()
            intake = Intake.register(
                audit=audit,
                number=number,
                query_code_hash=query_code_hash(number, query_code),
                channel=channel,
                submitter=sealed,
                respondent=respondent,
                facts=facts,
                claim=claim,
                attachments=attachments,
                unit_code=unit,
                on=on,
                platform_reference=platform_reference,
            )
            more: list[Aggregate] = [*self._sightings(intake, submitter, on, audit)]
            if odr:
                chosen = audit.because("消费者选择由经营者先行和解（ODR）")
                more.append(self._open_dispute(intake, None, on, chosen))
            try:
                result = self.commit(
                    intake, *more, intake_number=number, query_code=query_code
                )
            except IntegrityError:
                continue
            return receipt_of(result)
        raise RuntimeError(
            "could not allocate a unique intake number"
        )  # pragma: no cover

    def _seal(self, submission: Submission) -> Submitter:
        def sealed(role: str, details: PersonalDetails | None) -> Sealed | None:
            return seal(self.vault, role, uuid4(), details) if details else None

        return Submitter(
            person=sealed(SUBMITTER, submission.person),
            agent=sealed(AGENT, submission.agent),
            power_of_attorney=submission.power_of_attorney,
            representatives=tuple(
                seal(self.vault, REPRESENTATIVE, uuid4(), r)
                for r in submission.representatives
            ),
            joint=submission.joint,
        )

    def _sightings(
        self, intake: Intake, submission: Submission, on: date, audit: Audit
    ) -> list[Sightings]:
        """Flag a possible duplicate: the same person (by phone) against the same
        respondent within 30 days, under a blind key (the vault's keyed hash)."""
        if submission.person is None:
            return []
        who = _normalised(submission.person.phone)
        whom = _normalised(intake.respondent.uscc or intake.respondent.name)
        key = self.vault.index(f"{who}|{whom}")
        sightings = self.find(Sightings, sightings_id(key)) or Sightings.start(
            key, audit
        )
        intake.flag_duplicates(sightings.recent(on), audit)
        sightings.see(intake.number, on, audit)
        return [sightings]

    @command(
        INTAKE,
        summary="Classify as a complaint, a report, both or a conduct complaint, and route (Arts. 7, 37)",
        body="ClassifyBody",
        decision=True,
    )
    def classify(
        self,
        i: Intake,
        audit: Audit,
        classification: Classification,
        unit_code: UnitCode,
        report_unit_code: UnitCode | None = None,
        staff_no: StaffNo | None = None,
    ) -> list[Timed]:
        """Both (Art. 7) makes one complaint and one report, linked; each goes
        to the unit with authority (a report's may differ: where the conduct
        happened, Art. 25). A conduct complaint (效能投诉) goes to the
        supervision office over the unit complained about (`unit_code`),
        naming the member of staff if known (`staff_no`)."""
        on = self.today()
        if classification is Classification.CONDUCT:
            return [self._open_conduct(i, unit_code, staff_no, on, audit)]
        if classification is Classification.ODR:
            return [self._open_dispute(i, unit_code, on, audit)]
        complaint_number, report_number = f"{i.number}-TS", f"{i.number}-JB"
        i.classify(
            classification,
            complaint_id(complaint_number),
            report_id(report_number),
            audit,
            subject_no=staff_no,
        )
        cases: list[Timed] = []
        both = classification is Classification.BOTH
        if i.complaint_id is not None:
            complaint = self._open_complaint(i, complaint_number, unit_code, on, audit)
            cases.append(complaint)
        if i.report_id is not None:
            report = Report.open(
                audit=audit,
                number=report_number,
                intake_id=i.id,
                channel=i.channel,
                source=Source.INTAKE,
                reporter=_as(i.submitter.person, REPORTER),
                respondent=i.respondent,
                facts=i.facts,
                intake_unit_code=i.unit_code,
                unit_code=report_unit_code or unit_code,
                on=on,
                calendar=self.calendar,
                linked_id=i.complaint_id if both else None,
            )
            report.require_competent(report.unit_code)
            cases.append(report)
        return cases

    def _open_complaint(
        self, i: Intake, number: str, unit_code: str, on: date, audit: Audit
    ) -> Complaint:
        person = i.submitter.person
        assert person is not None  # the intake refuses an anonymous complaint
        complaint = Complaint.open(
            audit=audit,
            number=number,
            intake_id=i.id,
            channel=i.channel,
            complainant=as_role(person, COMPLAINANT),
            agent=i.submitter.agent,
            representatives=i.submitter.representatives,
            joint=i.submitter.joint,
            respondent=i.respondent,
            facts=i.facts,
            claim=i.claim,
            intake_unit_code=i.unit_code,
            unit_code=unit_code,
            on=on,
            calendar=self.calendar,
            linked_id=i.report_id,
        )
        complaint.require_competent(complaint.unit_code)
        return complaint

    def _open_conduct(
        self, i: Intake, unit_code: str, staff_no: str | None, on: date, audit: Audit
    ) -> ConductComplaint:
        """The unit complained about must exist, and the member of staff named
        must work in it (or in a unit under it)."""
        unit = normalise_region_code(unit_code)
        if self.registry.get_unit(unit) is None:
            raise InvalidInputError(f"no unit {unit}", field="unit_code")
        subject = None
        if staff_no is not None:
            try:
                subject = self.registry.get_staff(staff_no)
            except NotFoundError:
                raise InvalidInputError(
                    f"no staff member with number {staff_no}", field="staff_no"
                ) from None
            if not covers(unit, subject.unit_code):
                raise InvalidInputError(
                    f"{staff_no} works in unit {subject.unit_code}, not {unit}",
                    field="staff_no",
                )
        number = f"{i.number}-XN"
        i.classify(
            Classification.CONDUCT,
            None,
            None,
            audit,
            conduct_id=conduct_id(number),
            subject_no=staff_no,
        )
        person = i.submitter.person
        assert person is not None  # the intake refuses an anonymous one
        return ConductComplaint.open(
            audit=audit,
            number=number,
            intake_id=i.id,
            channel=i.channel,
            complainant=as_role(person, COMPLAINANT),
            unit_code=unit,
            subject_no=subject.staff_no if subject else None,
            subject_name=subject.name if subject else None,
            facts=i.facts,
            claim=i.claim,
            intake_unit_code=i.unit_code,
            on=on,
            calendar=self.calendar,
        )

    def _odr_enterprise(self, respondent: Respondent) -> OdrEnterprise:
        enterprise = (
            self.find(OdrEnterprise, enterprise_id(respondent.uscc))
            if respondent.uscc
            else None
        )
        if enterprise is None or not enterprise.active:
            raise InvalidInputError(
                "the respondent is not an ODR enterprise (by its USCC): complain"
                " to the bureau instead",
                field="respondent.uscc" if respondent.uscc else "respondent",
                rule=RULE_ODR,
            )
        return enterprise

    def _open_dispute(
        self, i: Intake, unit_code: str | None, on: date, audit: Audit
    ) -> Dispute:
        """ODR: the dispute goes to the business; the unit with authority over
        it (the desk's choice, or the lowest unit over the business's region)
        follows its deadline and takes the complaint if it comes to that."""
        enterprise = self._odr_enterprise(i.respondent)
        number = f"{i.number}-HJ"
        i.classify(Classification.ODR, None, None, audit, dispute_id=dispute_id(number))
        person = i.submitter.person
        assert person is not None  # a complaint names its complainant
        dispute = Dispute.open(
            audit=audit,
            number=number,
            intake_id=i.id,
            enterprise=enterprise,
            channel=i.channel,
            consumer=as_role(person, COMPLAINANT),
            respondent=i.respondent,
            facts=i.facts,
            claim=i.claim,
            intake_unit_code=i.unit_code,
            unit_code=normalise_region_code(unit_code or self._unit_over(i.respondent)),
            on=on,
            calendar=self.calendar,
        )
        require_competent(dispute.respondent, dispute.unit_code)
        return dispute

    def _unit_over(self, respondent: Respondent) -> str:
        """The lowest registered unit whose region covers where the respondent
        operates (Art. 12: the county's, where there is one)."""
        region = normalise_region_code(respondent.region_code)
        for length in (6, 4, 2):
            if len(region) >= length and self.registry.get_unit(region[:length]):
                return region[:length]
        raise InvalidInputError(
            f"no unit has jurisdiction over region {respondent.region_code}",
            field="respondent.region_code",
            rule=art(12),
        )

    @command(INTAKE, summary="Answer an enquiry (咨询, no case)", body="AnswerBody")
    def answer_enquiry(self, i: Intake, audit: Audit, answer: Text) -> None:
        i.answer_enquiry(answer, self.today(), audit)

    @command(
        INTAKE,
        summary="Refer a matter outside the measures to its channel (Art. 39)",
        body="ReferBody",
        decision=True,
    )
    def refer(self, i: Intake, audit: Audit, matter: OutsideMatter) -> None:
        i.refer(matter, self.today(), audit)

    # -- moves between units and people (both kinds) ---------------------------------

    @command(
        INTAKE,
        summary="Route to the unit with authority (Art. 37)",
        body="RouteBody",
        decision=True,
        unit=lambda m: m.intake_unit_code,
    )
    def route(self, m: Complaint | Report, audit: Audit, unit_code: UnitCode) -> None:
        m.route(unit_code, self.today(), self.calendar, audit)

    @command(
        HANDLER,
        summary="Return to the intake unit: no authority here (Art. 37)",
        decision=True,
    )
    def return_to_intake(self, m: Complaint | Report, audit: Audit) -> None:
        m.return_to_intake(self.today(), audit)

    @command(APPROVER, summary="Take the case over at a higher level", decision=True)
    def take_over(self, m: Complaint | Report, audit: Audit) -> None:
        m.take_over(audit.actor.unit_code or "", self.today(), audit)

    @command(
        frozenset({Role.INTAKE, Role.HANDLER}),
        summary="Hand the matter over to a colleague (首问负责制)",
        body="HandOverBody",
        decision=True,
    )
    def hand_over(
        self, m: Intake | Complaint | Report | Dispute, audit: Audit, staff_no: StaffNo
    ) -> None:
        staff = self.registry.get_staff(staff_no)
        if not staff.active:
            raise InvalidInputError(f"{staff_no} is not active staff", field="staff_no")
        m.hand_over(staff.staff_no, staff.name, audit)

    @command(
        HANDLER,
        summary="Stop the period: testing, appraisal, recusal (Arts. 19–20; 处罚程序规定 Art. 18)",
        body="ExcludeBody",
        decision=True,
    )
    def exclude_period(
        self, m: Complaint | Report, audit: Audit, kind: ExcludedPeriod
    ) -> None:
        m.exclude_period(kind, self.today(), audit)

    @command(HANDLER, summary="Resume the stopped period")
    def resume_period(self, m: Complaint | Report, audit: Audit) -> None:
        m.resume_period(self.today(), self.calendar, audit)

    @system_command()
    def recompute_deadlines(
        self, m: Complaint | Report | ConductComplaint | Dispute, audit: Audit
    ) -> None:
        """The clock, for a case whose provisional deadlines were worked out
        under an older calendar (DESIGN §3: a notice was published)."""
        m.recompute_deadlines(self.calendar, audit)

    @system_command()
    def record_missed_deadline(
        self,
        m: Complaint | Report | ConductComplaint | Dispute,
        audit: Audit,
        kind: str,
    ) -> None:
        """The clock, the day after a deadline passed with the step undone."""
        m.record_missed(kind, self.today(), audit)

    @system_command()
    def shred_personal_data(
        self,
        m: Intake | Complaint | Report | ConductComplaint | Dispute,
        audit: Audit,
    ) -> list[Answerable]:
        """The clock, when the retention period of the matter (the intake and
        every case it became) ended (RULE_RETENTION): the keys of its people
        are destroyed first, then the destruction is recorded on each of its
        cases, so a retry after a lost commit finds nothing left to destroy
        and records it."""
        matter = self._matter(m)
        still_open = [a for a in matter if not a.is_done]
        if still_open:
            raise IllegalTransitionError(
                f"{still_open[0].number} is not closed", rule=RULE_RETENTION
            )
        until = max(a.retained_until() for a in matter)
        # A retry after keys went but the commit was lost (and a read since
        # moved `until`): finish recording what was done.
        begun = any(
            self.vault.open(p.person.id, p.box) is None
            for a in matter
            for p in a.people
        )
        if self.today() <= until and not begun:
            raise DeadlineError(
                f"the matter's personal data is kept until {until}",
                rule=RULE_RETENTION,
            )
        for person in {p.person.id for a in matter for p in a.people}:
            self.vault.shred(person)
        for a in matter:
            a.record_shredded(tuple(p.person.pseudonym for p in a.people), until, audit)
        return [a for a in matter if a is not m]

    def _matter(
        self, case: Intake | Complaint | Report | ConductComplaint | Dispute
    ) -> list[Answerable]:
        """The intake and every case it became (an escalated dispute's
        complaint, a complaint's violation leads), `case` among them."""
        intake_id = case.id if isinstance(case, Intake) else case.intake_id
        found: dict[UUID, Answerable] = {case.id: case}
        waiting = [intake_id, *_cases_of(case)]
        while waiting:
            next_id = waiting.pop()
            if next_id is None or next_id in found:
                continue
            found[next_id] = a = self.load(MATTER_KINDS, next_id, "case")
            waiting += _cases_of(a)
        return list(found.values())

    # -- complaints -------------------------------------------------------------------

    @command(HANDLER, summary="Accept (受理, Art. 14)")
    def accept(self, c: Complaint, audit: Audit) -> None:
        c.accept(self.today(), self.calendar, audit)

    @command(
        HANDLER,
        summary="Decide not to accept (不予受理, Arts. 14–15)",
        body="DeclineBody",
        decision=True,
    )
    def decline(
        self,
        c: Complaint,
        audit: Audit,
        ground: NonAcceptanceGround,
        knew_on: date | None = None,
    ) -> None:
        c.decline(ground, self.today(), audit, knew_on=knew_on)

    @command(
        HANDLER,
        summary="Schedule mediation, both parties consenting (Arts. 16, 18)",
        body="MediationBody",
    )
    def schedule_mediation(
        self,
        c: Complaint,
        audit: Audit,
        mode: MediationMode,
        at: datetime,
        mediators: Annotated[
            tuple[Annotated[str, Line(100)], ...], Field(max_length=10)
        ],
        place: Annotated[str, Line(200)] = "",
    ) -> None:
        c.schedule_mediation(mode, at, place, mediators, self.today(), audit)

    @command(
        HANDLER,
        summary="Entrust mediation to the consumer association (Art. 17)",
        body="EntrustBody",
        decision=True,
    )
    def entrust_mediation(
        self, c: Complaint, audit: Audit, to: Annotated[str, Line(200)]
    ) -> None:
        c.entrust_mediation(to, self.today(), audit)

    @command(HANDLER, summary="Record the agreement (Art. 22)", body="AgreementBody")
    def reach_agreement(
        self,
        c: Complaint,
        audit: Audit,
        document: MediationDocument,
        recovered_fen: Annotated[int, Field(ge=0, le=10**12)],
        remedies: Annotated[tuple[Remedy, ...], Field(max_length=6)],
        terms: Text,
        signed_by_both: StrictBool = False,
        performed_at_once: StrictBool = False,
        both_waived: StrictBool = False,
    ) -> None:
        c.reach_agreement(
            document,
            recovered_fen,
            remedies,
            terms,
            self.today(),
            audit,
            signed_by_both=signed_by_both,
            performed_at_once=performed_at_once,
            both_waived=both_waived,
        )

    @command(
        HANDLER,
        summary="Terminate mediation (终止调解, Art. 21)",
        body="TerminateBody",
        decision=True,
    )
    def terminate(self, c: Complaint, audit: Audit, ground: TerminationGround) -> None:
        c.terminate(ground, self.today(), self.calendar, audit)

    @system_command()
    def time_out(self, c: Complaint, audit: Audit) -> None:
        """The clock: 45 working days after acceptance (Art. 21 (5))."""
        c.time_out(self.today(), self.calendar, audit)

    @command(HANDLER, summary="Record that the parties were told (Art. 21 ¶2)")
    def notify_parties(self, c: Complaint, audit: Audit) -> None:
        c.notify_parties(self.today(), audit)

    @command(HANDLER, summary="The complainant withdraws", decision=True)
    def withdraw(self, c: Complaint, audit: Audit) -> None:
        c.withdraw(self.today(), self.calendar, audit)

    @command(
        HANDLER,
        summary="Refer a violation found in mediation for verification (Art. 23)",
        body="ViolationBody",
        decision=True,
    )
    def refer_violation(self, c: Complaint, audit: Audit, facts: Facts) -> list[Report]:
        number = f"{c.number}-WF{len(c.report_ids) + 1}"
        report = Report.open(
            audit=audit,
            number=number,
            intake_id=c.intake_id,
            channel=c.channel,
            source=Source.MEDIATION,
            reporter=None,  # the bureau's own lead: no one to tell
            respondent=c.respondent,
            facts=facts,
            intake_unit_code=c.intake_unit_code,
            unit_code=c.unit_code,
            on=self.today(),
            calendar=self.calendar,
            linked_id=c.id,
        )
        c.refer_violation(report.id, audit)
        return [report]

    # -- reports ----------------------------------------------------------------------

    @command(
        APPROVER,
        summary="Extend the verification by 15 working days (处罚程序规定 Art. 18)",
        decision=True,
    )
    def extend_verification(self, r: Report, audit: Audit) -> None:
        r.extend_verification(self.today(), self.calendar, audit)

    @command(
        HANDLER,
        summary="Record a jurisdiction dispute (Art. 30)",
        body="DisputeBody",
        decision=True,
    )
    def dispute_jurisdiction(
        self, r: Report, audit: Audit, with_unit: UnitCode
    ) -> None:
        r.dispute_jurisdiction(with_unit, self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Settle a jurisdiction dispute, or designate as the common superior (Art. 30)",
        body="SettleBody",
        decision=True,
        unit=lambda r: (
            None
        ),  # the common superior may be neither unit (checked by the rule)
    )
    def settle_jurisdiction(self, r: Report, audit: Audit, unit_code: UnitCode) -> None:
        r.settle_jurisdiction(unit_code, self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Open a case (立案, 处罚程序规定 Arts. 18–19)",
        body="OpenCaseBody",
        decision=True,
    )
    def open_case(
        self,
        r: Report,
        audit: Audit,
        officers: Annotated[tuple[StaffNo, ...], Field(min_length=2, max_length=10)],
    ) -> None:
        named = tuple(self._officer(n) for n in officers)
        r.open_case(named, self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Decide not to open a case (不予立案, 处罚程序规定 Art. 20)",
        body="NotOpenBody",
        decision=True,
    )
    def not_open_case(self, r: Report, audit: Audit, ground: NotOpenedGround) -> None:
        r.decline(ground, self.today(), self.calendar, audit)

    @command(HANDLER, summary="Record that the reporter was told (Art. 31)")
    def notify_reporter(self, r: Report, audit: Audit) -> None:
        r.notify_reporter(self.today(), audit)

    @command(
        HANDLER,
        summary="Record that the reporter was told the result and reward (Art. 32)",
        body="ResultBody",
    )
    def notify_result(
        self,
        r: Report,
        audit: Audit,
        result: Text,
        reward_fen: Annotated[int, Field(ge=0, le=10**12)] = 0,
    ) -> None:
        r.notify_result(result, reward_fen, self.today(), audit)

    # -- conduct complaints (效能投诉, issue 10 §6) -------------------------------------

    @command(
        SUPERVISION,
        summary="Assign to a member of the supervision office (首问负责 hand-over)",
        body="AssignBody",
        decision=True,
    )
    def assign(self, c: ConductComplaint, audit: Audit, staff_no: StaffNo) -> None:
        """Never to the member of staff complained about, and only to the
        supervision office: no one else may know of it."""
        staff = self.registry.get_staff(staff_no)
        if not staff.active or not c.readable_by(staff.staff_no, staff.roles):
            raise InvalidInputError(
                f"{staff_no} is not active staff of the supervision office free"
                " to look into this complaint",
                field="staff_no",
                rule=RULE_CONDUCT,
            )
        c.hand_over(staff.staff_no, staff.name, audit)

    @command(
        SUPERVISION,
        summary="Record the outcome: substantiated or not, and the measures taken",
        body="OutcomeBody",
        decision=True,
    )
    def record_outcome(
        self, c: ConductComplaint, audit: Audit, finding: Finding, measures: Text = ""
    ) -> None:
        c.record_outcome(finding, measures, self.today(), audit)

    @command(SUPERVISION, summary="Record that the complainant was told the outcome")
    def notify_complainant(self, c: ConductComplaint, audit: Audit) -> None:
        c.notify_complainant(self.today(), audit)

    # -- ODR: the business settles first (issue 10 §3a) --------------------------------

    @creation(
        APPROVER,
        summary="Enrol a business in ODR (在线消费纠纷解决): its key, shown once",
        body="EnrolBody",
        replay=key_of,
        decision=True,
    )
    def enrol_odr(
        self,
        audit: Audit,
        *,
        uscc: USCC,
        name: Annotated[str, Line(200)],
        region_code: RegionCode,
    ) -> OdrKey:
        """By the approver of a unit whose region covers where the business
        operates; enrolling one whose enrolment ended gives it a new key."""
        self.within_jurisdiction(audit.actor, region_code)
        key = secrets.token_hex(16).upper()
        on = self.today()
        enterprise = self.find(OdrEnterprise, enterprise_id(uscc))
        if enterprise is None:
            enterprise = OdrEnterprise.enrol(
                audit=audit,
                uscc=uscc,
                name=name,
                region_code=region_code,
                unit_code=audit.actor.unit_code or region_code,
                key=key,
                on=on,
            )
        else:
            self.within_jurisdiction(audit.actor, enterprise.unit_code)
            enterprise.reenrol(key, on, audit)
        return key_of(self.commit(enterprise, uscc=uscc, key=key))

    @command(
        APPROVER,
        summary="End a business's ODR enrolment (its open disputes run on)",
        decision=True,
    )
    def end_odr(self, e: OdrEnterprise, audit: Audit) -> None:
        e.end(self.today(), audit)

    @command(
        INTAKE,
        summary="Turn an unsettled ODR dispute into a complaint to the bureau (the consumer asked)",
        decision=True,
        unit=lambda d: d.intake_unit_code,
    )
    def escalate(self, d: Dispute, audit: Audit) -> list[Complaint]:
        """For a consumer who asks at the desk or on the telephone."""
        return [self._escalate(d, audit)]

    @replayable(as_result)
    def escalate_online(
        self, number: str, query_code: str, audit: Audit
    ) -> CommandResult:
        """The consumer, with the intake's number and query code, in one step."""
        intake = self.find_intake(number, query_code)
        if intake.dispute_id is None:
            raise InvalidInputError(
                "only a complaint taken to the business first (ODR) is escalated",
                field="intake_number",
                rule=RULE_ESCALATION,
            )
        dispute = self.load(Dispute, intake.dispute_id, "ODR dispute")
        asked = audit.model_copy(
            update={
                "reason": "消费者申请转为投诉",
                "causation": f"odr:{dispute.number}",
            }
        )
        complaint = self._escalate(dispute, asked)
        return self.commit(complaint, dispute)

    def _escalate(self, d: Dispute, audit: Audit) -> Complaint:
        """The complaint is the dispute's: nothing re-typed, the dispute linked
        (`odr_id`); Art. 14's 7 working days run from today (DOMAIN §3.4a)."""
        on = self.today()
        intake = self.load(Intake, d.intake_id, "intake")
        number = f"{intake.number}-TS"
        d.escalate(complaint_id(number), on, audit)
        complaint = Complaint.open(
            audit=audit,
            number=number,
            intake_id=intake.id,
            channel=d.channel,
            complainant=d.consumer,
            agent=intake.submitter.agent,
            representatives=intake.submitter.representatives,
            joint=intake.submitter.joint,
            respondent=d.respondent,
            facts=d.facts,
            claim=d.claim,
            intake_unit_code=d.intake_unit_code,
            unit_code=d.unit_code,
            on=on,
            calendar=self.calendar,
            odr_id=d.id,
        )
        return complaint

    def odr_enterprise(self, uscc: str, key: str) -> OdrEnterprise | None:
        """The business whose key this is, or None (wrong key, unknown USCC)."""
        enterprise = self.find(OdrEnterprise, enterprise_id(uscc))
        if enterprise is None:
            # The same hashing as for a wrong key: no timing tells the two apart.
            hmac.compare_digest(query_code_hash(uscc, key), "0" * 64)
            return None
        return enterprise if enterprise.admits(key) else None

    def business_dispute(
        self,
        enterprise: OdrEnterprise,
        number: str,
        expected_version: int | None = None,
    ) -> Dispute:
        """One of the business's own disputes; anyone else's is unknown to it."""
        dispute = self.find(Dispute, dispute_id(number))
        if dispute is None or dispute.enterprise_id != enterprise.id:
            raise NotFoundError(f"no ODR dispute {number} of {enterprise.uscc}")
        if expected_version is not None and expected_version != dispute.version:
            raise StaleVersionError(f"the dispute is at version {dispute.version}")
        return dispute

    def consumer_contact(
        self,
        enterprise: OdrEnterprise,
        number: str,
        audit: Audit,
        expected_version: int | None = None,
    ) -> tuple[CommandResult, Contact]:
        """The consumer's name and telephone for the business to settle with;
        the read recorded on the dispute first (who, when)."""
        dispute = self.business_dispute(enterprise, number, expected_version)
        dispute.require_negotiating()
        dispute.record_personal_data_read(audit.because("在线和解：联系消费者"))
        result = self.commit(dispute)
        details = unseal(self.vault, dispute.consumer)
        contact = Contact(
            pseudonym=dispute.consumer.person.pseudonym,
            name=details.name if details else None,
            phone=details.phone if details else None,
        )
        return result, contact

    @replayable(as_result)
    def record_settlement(
        self,
        enterprise: OdrEnterprise,
        number: str,
        audit: Audit,
        *,
        expected_version: int | None = None,
        how: Negotiation,
        negotiated_on: date,
        terms: str,
        recovered_fen: int,
        remedies: tuple[Remedy, ...],
    ) -> CommandResult:
        dispute = self.business_dispute(enterprise, number, expected_version)
        on = self.today()
        dispute.settle(how, negotiated_on, terms, recovered_fen, remedies, on, audit)
        return self.commit(dispute)

    @replayable(as_result)
    def record_no_settlement(
        self,
        enterprise: OdrEnterprise,
        number: str,
        audit: Audit,
        *,
        expected_version: int | None = None,
        how: Negotiation,
        negotiated_on: date,
        explanation: str,
    ) -> CommandResult:
        dispute = self.business_dispute(enterprise, number, expected_version)
        on = self.today()
        dispute.record_no_settlement(how, negotiated_on, explanation, on, audit)
        return self.commit(dispute)

    def _officer(self, staff_no: str) -> Officer:
        staff = self.registry.get_staff(staff_no)
        if not staff.active:
            raise InvalidInputError(f"{staff_no} is not active staff", field="officers")
        return Officer(staff_no=staff.staff_no, name=staff.name)

    # -- personal data (Art. 33) ------------------------------------------------------

    def personal_data(
        self,
        kind: type[Intake | Complaint | Report | ConductComplaint | Dispute],
        case_id: UUID,
        who: Caller,
        expected_version: int | None = None,
    ) -> tuple[CommandResult, dict[str, PersonalDetails | None]]:
        """The people of a case, opened for an entitled member of staff; the read
        is recorded first (who, when, which case, why), so there is no read
        without its record. A shredded key shows as None. A case kept from the
        caller (a conduct complaint, its intake) answers as an unknown one."""
        what = kind.__name__.lower()
        case = cast(
            Intake | Complaint | Report | ConductComplaint | Dispute,
            self.load(kind, case_id, what),
        )
        self.require_known(who.audit.actor, case, what, case_id, who.roles)
        conduct = isinstance(case, ConductComplaint) or (
            isinstance(case, Intake) and case.conduct_id is not None
        )
        audit = self.acting(
            READ_CONDUCT_PERSONAL_DATA if conduct else READ_PERSONAL_DATA, who
        )
        self.within_jurisdiction(audit.actor, case.unit_code)
        if expected_version is not None and expected_version != case.version:
            raise StaleVersionError(f"the case is at version {case.version}")
        case.record_personal_data_read(audit)
        result = self.commit(case)
        opened = {p.person.pseudonym: unseal(self.vault, p) for p in case.people}
        return result, opened

    # -- the public side ---------------------------------------------------------------

    def find_intake(self, number: str, query_code: str) -> Intake:
        """Progress lookup: the same NotFound for an unknown number and a wrong code."""
        intake = self.find(Intake, intake_id(number))
        expected = query_code_hash(number, query_code)
        if intake is None or not hmac.compare_digest(intake.query_code_hash, expected):
            raise NotFoundError("no intake matches that number and query code")
        return intake

    def rate(
        self, number: str, query_code: str, rating: Rating, comment: str, audit: Audit
    ) -> CommandResult:
        """评议 by the person, once, after the complaint is closed."""
        intake = self.find_intake(number, query_code)
        case: Complaint | ConductComplaint
        if (found := self.complaint_of(intake)) is not None:
            case = found
        elif intake.conduct_id is not None:
            case = self.load(ConductComplaint, intake.conduct_id, "conduct complaint")
        else:
            raise InvalidInputError(
                "only a complaint's handling is rated", field="number", rule=art(3)
            )
        case.rate(rating, comment, self.today(), audit)
        return self.commit(case)

    def complaint_of(self, intake: Intake) -> Complaint | None:
        """The intake's complaint: classified as one, or escalated from ODR."""
        complaint = intake.complaint_id
        if complaint is None and intake.dispute_id is not None:
            complaint = self.load(
                Dispute, intake.dispute_id, "ODR dispute"
            ).complaint_id
        return self.load(Complaint, complaint, "complaint") if complaint else None


def _cases_of(a: Answerable) -> list[UUID | None]:
    """What an intake or a case leads to within its matter."""
    if isinstance(a, Intake):
        return [a.complaint_id, a.report_id, a.conduct_id, a.dispute_id]
    if isinstance(a, Dispute):
        return [a.complaint_id]
    if isinstance(a, Complaint):
        return list(a.report_ids)
    return []


def _as(person: Sealed | None, role: str) -> Sealed | None:
    return as_role(person, role) if person is not None else None


MATTER_KINDS = (Intake, Complaint, Report, ConductComplaint, Dispute)
# Names the clock and the board use for the deadlines each kind can miss.
DEADLINE_KINDS = (*ComplaintDeadline, *ReportDeadline, *ConductDeadline, *OdrDeadline)
PUBLIC = Actor(kind=ActorKind.PUBLIC, id="public", name="公众")
