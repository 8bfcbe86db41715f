"""The 12315 line's response shapes as typed models (see api/http/schemas.py):
intakes, complaints, reports, a case's people (opened for the entitled), and
the public side. Persons appear as pseudonyms only. Examples come from a real
run (api/complaints/openapi_examples.json, made by
scripts/complaints_examples.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas import CommandOutcome, Page, example, load_examples
from domain.complaints.complaint import Status as ComplaintStatus
from domain.complaints.conduct import Finding
from domain.complaints.conduct import Status as ConductStatus
from domain.complaints.intake import Status as IntakeStatus
from domain.complaints.odr import Negotiation
from domain.complaints.odr import Status as DisputeStatus
from domain.complaints.parties import (
    Attachment,
    Channel,
    Classification,
    MediationMode,
    OutsideMatter,
    Rating,
    Remedy,
    Respondent,
)
from domain.complaints.report import Officer, Source
from domain.complaints.report import Status as ReportStatus
from domain.shared.calendar import DueDate
from domain.shared.personal import PersonalDetails

EXAMPLES: Final[dict[str, Any]] = load_examples("api.complaints")


def _example(name: str) -> ConfigDict:
    """The example of a real run (none until scripts/complaints_examples.py has
    written it: tests/api/test_openapi_document.py then fails)."""
    return example(EXAMPLES[name]) if name in EXAMPLES else ConfigDict()


PSEUDONYM = "a stable pseudonym (投诉人#7F3A): the person's details are opened only through personal-data, each read recorded (Art. 33)"


class Responsible(BaseModel):
    """首问负责: the member of staff answerable until a recorded hand-over."""

    staff_no: str
    name: str


class IntakeView(BaseModel):
    """An intake (登记) as it stands."""

    model_config = _example("Intake")

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    intake_number: str
    status: IntakeStatus
    channel: Channel
    oral: bool = Field(description="recorded by staff from what was said (Art. 9)")
    submitter: str | None = Field(description=f"来件人 — None: anonymous; {PSEUDONYM}")
    agent: str | None
    representatives: list[str | None]
    joint: bool
    respondent: Respondent
    facts: str
    claim: str
    attachments: list[Attachment]
    unit_code: str
    received_on: date
    platform_reference: str | None
    possible_duplicates: list[str] = Field(
        description="疑似重复 — earlier intakes of the same person against the same "
        "respondent within 30 days (flagged, never merged)"
    )
    classification: Classification | None
    complaint_id: UUID | None
    report_id: UUID | None
    conduct_id: UUID | None = Field(
        description="效能投诉 — the conduct complaint, known only to the supervision office and auditors"
    )
    dispute_id: UUID | None = Field(
        default=None, description="ODR — the dispute with the business (在线和解)"
    )
    answer: str | None
    referred_to: OutsideMatter | None
    responsible: Responsible
    created_at: datetime
    modified_at: datetime


class IntakeChanged(IntakeView, CommandOutcome):
    model_config = _example("Intake")


class IntakeRegistered(IntakeChanged):
    """The new intake, with its number and the person's query code (shown once)."""

    model_config = _example("IntakeRegistered")

    query_code: str = Field(
        description="查询码 — for the public progress lookup; shown once, only its hash is kept"
    )


class MissedDeadline(BaseModel):
    kind: str
    due: date


class MatterView(BaseModel):
    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    number: str
    intake_id: UUID
    channel: Channel
    respondent: Respondent
    facts: str
    intake_unit_code: str
    unit_code: str
    returned_to_intake: bool
    received_on: date = Field(description="received by the unit with authority")
    linked_id: UUID | None
    responsible: Responsible
    deadlines_missed: list[MissedDeadline]
    closed: bool
    created_at: datetime
    modified_at: datetime


class ComplaintView(MatterView):
    """A complaint (投诉) as it stands."""

    model_config = _example("Complaint")

    status: ComplaintStatus
    complainant: str = Field(description=f"投诉人 — {PSEUDONYM}")
    agent: str | None
    representatives: list[str | None]
    joint: bool
    claim: str
    acceptance_due: DueDate
    decided_on: date | None
    ground: str | None
    mediation_due: DueDate | None
    mediation_stopped_for: str | None
    mediation_mode: MediationMode | None
    mediation_at: datetime | None
    entrusted_to: str | None
    recovered_fen: int = Field(ge=0, description="挽回经济损失 — in fen")
    remedies: list[Remedy]
    termination_notice_due: DueDate | None
    parties_notified_on: date | None
    report_ids: list[UUID]
    odr_id: UUID | None = Field(
        default=None,
        description="the ODR dispute it was escalated from (its history attached there)",
    )
    rating: Rating | None


class ComplaintChanged(ComplaintView, CommandOutcome):
    model_config = _example("Complaint")


class ReportView(MatterView):
    """A report (举报) as it stands."""

    model_config = _example("Report")

    status: ReportStatus
    source: Source
    reporter: str | None = Field(description=f"举报人 — None: anonymous; {PSEUDONYM}")
    anonymous: bool
    verification_due: DueDate
    verification_stopped_for: str | None
    verification_extended: bool
    disputed_with: str | None
    settle_by: DueDate | None
    officers: list[Officer]
    decided_on: date | None
    ground: str | None
    reporter_notice_due: DueDate | None
    reporter_notified_on: date | None
    result_notified: bool


class ReportChanged(ReportView, CommandOutcome):
    model_config = _example("Report")


class Subject(BaseModel):
    """被投诉人 — the member of staff complained about (None: the unit's work style)."""

    staff_no: str | None
    name: str | None


class ConductView(BaseModel):
    """A conduct complaint (效能投诉) as it stands: only the supervision office
    and auditors see it; to anyone else it answers 404, as an unknown case."""

    model_config = _example("Conduct")

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    number: str
    intake_id: UUID
    channel: Channel
    status: ConductStatus
    complainant: str = Field(description=f"投诉人 — {PSEUDONYM}")
    unit_code: str = Field(description="the unit complained about")
    subject: Subject
    facts: str
    claim: str
    intake_unit_code: str
    received_on: date
    conclusion_due: DueDate = Field(
        description="the bureau's 效能投诉 rule: 15 working days to conclude and answer (UNCONFIRMED)"
    )
    finding: Finding | None
    measures: str
    concluded_on: date | None
    complainant_notified_on: date | None
    rating: Rating | None
    responsible: Responsible
    deadlines_missed: list[MissedDeadline]
    closed: bool
    created_at: datetime
    modified_at: datetime


class ConductChanged(ConductView, CommandOutcome):
    model_config = _example("Conduct")


class OdrEnterpriseView(BaseModel):
    """A business enrolled in ODR (its key is never shown again)."""

    model_config = _example("OdrEnterprise")

    id: UUID
    version: int = Field(ge=1, description="its version; also its ETag")
    uscc: str
    name: str
    region_code: str
    unit_code: str = Field(description="the enrolling unit")
    enrolled_on: date
    active: bool
    created_at: datetime
    modified_at: datetime


class OdrEnterpriseChanged(OdrEnterpriseView, CommandOutcome):
    model_config = _example("OdrEnterprise")


class OdrEnrolled(OdrEnterpriseChanged):
    """The enrolment, with the business's key: shown once, only its hash is kept."""

    model_config = _example("OdrEnrolled")

    key: str = Field(
        description="the business's ODR key (HTTP Basic: USCC and this key) for"
        " /odr/v1; shown once"
    )


class OdrOutcome(BaseModel):
    """What the business recorded: how and when it negotiated, and the result."""

    how: Negotiation
    negotiated_on: date
    terms: str = Field(description="和解 — what was agreed (empty if none)")
    explanation: str = Field(description="why there was no settlement (if none)")
    recovered_fen: int
    remedies: list[Remedy]


class DisputeView(BaseModel):
    """An ODR dispute (在线和解): a consumer's complaint with the business first."""

    model_config = _example("Dispute")

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    number: str
    intake_id: UUID
    enterprise_id: UUID
    channel: Channel
    status: DisputeStatus
    consumer: str = Field(description=f"投诉人 — {PSEUDONYM}")
    respondent: Respondent
    facts: str
    claim: str
    intake_unit_code: str
    unit_code: str = Field(
        description="the unit with authority, which takes the complaint if escalated"
    )
    received_on: date
    answer_due: DueDate = Field(
        description="the business's 10 working days (DOMAIN §3.4a)"
    )
    outcome: OdrOutcome | None
    complaint_id: UUID | None = Field(description="the complaint it was escalated to")
    escalated_on: date | None
    responsible: Responsible
    deadlines_missed: list[MissedDeadline]
    closed: bool
    created_at: datetime
    modified_at: datetime


class DisputeChanged(DisputeView, CommandOutcome):
    model_config = _example("Dispute")


class BusinessDispute(BaseModel):
    """An ODR dispute as the business sees it: the consumer by pseudonym (their
    name and telephone through `contact`, each read recorded)."""

    model_config = _example("BusinessDispute")

    number: str
    status: DisputeStatus
    consumer: str
    facts: str
    claim: str
    received_on: date
    answer_due: date
    outcome: OdrOutcome | None
    escalated_on: date | None


class BusinessDisputeChanged(BusinessDispute, CommandOutcome):
    model_config = _example("BusinessDispute")


class BusinessDisputesPage(Page):
    model_config = _example("BusinessDisputesPage")

    items: list[BusinessDispute]


class ConsumerContact(CommandOutcome):
    """The consumer's name and telephone, for settling only; keep them
    confidential. None once the retention period ended."""

    model_config = _example("ConsumerContact")

    number: str
    pseudonym: str
    name: str | None
    phone: str | None


class Person(BaseModel):
    pseudonym: str
    details: PersonalDetails | None = Field(
        description="None: the person's key was destroyed when retention ended"
    )


class People(CommandOutcome):
    """A case's people, opened for a member of staff entitled to see them; the
    read is recorded on the case first (who, when, why)."""

    model_config = _example("People")

    id: UUID
    version: int
    people: list[Person]


class Submitted(BaseModel):
    """An online submission's receipt: the number and the query code (shown once)."""

    model_config = _example("Submitted")

    intake_number: str
    query_code: str
    received_on: date


class PublicStep(BaseModel):
    kind: str
    status: str
    number: str
    decided_on: date | None
    closed: bool
    rated: bool
    # ODR: the business's time to answer, what it recorded, and whether the
    # person may now turn it into a complaint to the bureau (POST …/escalation).
    answer_due: date | None = None
    outcome: OdrOutcome | None = None
    may_escalate: bool | None = None


class PublicProgress(BaseModel):
    """The person's own matter, as the public side shows it: nothing about
    other people and nothing internal."""

    model_config = _example("PublicProgress")

    intake_number: str
    received_on: date
    status: str
    classification: Classification | None
    answer: str | None
    referred_to: str | None
    cases: list[PublicStep]


class Escalated(BaseModel):
    """The complaint an ODR dispute became: the bureau's Art. 14 period (7
    working days to accept) runs from today (DOMAIN §3.4a)."""

    model_config = _example("Escalated")

    intake_number: str
    complaint_number: str
    received_on: date
    acceptance_due: date


class Rated(BaseModel):
    model_config = _example("Rated")

    intake_number: str
    rating: Rating


class RespondentRef(BaseModel):
    name: str
    uscc: str | None
    region_code: str


class RunningDeadline(BaseModel):
    kind: str
    due: date
    working_days_left: int
    overdue: bool
    provisional: bool


class MatterSummary(BaseModel):
    """One row of the 12315 index: an intake, a complaint or a report
    (people by pseudonym only)."""

    model_config = ConfigDict(extra="allow")

    id: UUID
    version: int
    kind: str
    number: str
    status: str
    unit_code: str
    intake_unit_code: str
    respondent: RespondentRef
    received_on: date
    people: list[str] = Field(description=f"the people of the case: {PSEUDONYM}")
    responsible: Responsible
    closed: bool
    deadline: RunningDeadline | None


class ConductSummary(BaseModel):
    """One row of the supervision office's index of conduct complaints."""

    model_config = ConfigDict(extra="allow")

    id: UUID
    version: int
    kind: str
    number: str
    status: ConductStatus
    unit_code: str
    subject: Subject
    received_on: date
    people: list[str] = Field(description=f"the complainant: {PSEUDONYM}")
    responsible: Responsible
    finding: Finding | None
    closed: bool
    deadline: RunningDeadline | None


class ConductPage(Page):
    model_config = _example("ConductPage")

    items: list[ConductSummary]


class MattersPage(Page):
    model_config = _example("MattersPage")

    items: list[MatterSummary]


class ComplaintsStatistics(BaseModel):
    """Figures summed from the rollups (never a scan): intakes by channel and
    classification, complaints, reports, ratings and missed deadlines."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="allow",
        json_schema_extra={"examples": [EXAMPLES["Statistics"]]}
        if "Statistics" in EXAMPLES
        else None,
    )

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: str | None
    groups: list[dict[str, Any]]
    total: dict[str, Any]


class BoardEntry(BaseModel):
    """One running deadline of the 12315 line, with who is answerable (首问负责)."""

    case_id: UUID
    number: str
    kind: str
    due: date
    working_days_left: int
    state: str | None
    provisional: bool
    rule: str
    unit_code: str
    matter: str = Field(description="投诉, 举报, or 效能投诉 (for its readers only)")
    respondent: str
    responsible: Responsible | None


class DeadlinesPage(Page):
    model_config = _example("DeadlinesPage")

    today: date
    items: list[BoardEntry]
