"""Licensing's response shapes as typed models (see api/http/schemas.py for
how they relate to the views): applications, licences, the catalogue, applicant
records, lists, deadlines, statistics and public progress. Examples come from a
real run (api/licensing/openapi_examples.json).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas import CommandOutcome, Page, example, load_examples
from api.licensing.joint_review_views import JointReviewView
from domain.licensing.application import Status
from domain.licensing.licence import LicenceStatus
from domain.licensing.matter import Matter
from domain.licensing.parties import Agent, Applicant, CommitmentLetter
from domain.licensing.post_licence import MatterRequest
from domain.licensing.submission import MaterialDocuments
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.shared.calendar import DueDate

EXAMPLES: Final[dict[str, Any]] = load_examples("api.licensing")
# Licensing's cases show what the shared shapes look like.
SHARED_EXAMPLES: Final[dict[str, Any]] = {
    name: EXAMPLES[name]
    for name in ("History", "ProblemDetails", "Readiness", "BoardPage")
}


def _example(name: str) -> ConfigDict:
    return example(EXAMPLES[name])


class ItemView(ItemTerms):
    """One licence item's published terms (行政许可事项)."""

    model_config = example(EXAMPLES["Catalogue"]["items"][0])


class ItemRef(BaseModel):
    code: str
    name: str
    category: str | None = None


class Interview(BaseModel):
    unit_code: str
    scheduled_for: date | None
    held: bool


class Signature(BaseModel):
    id: str = Field(description="核查人员 — the verifier's staff number")
    name: str
    signed_on: date


class Verification(BaseModel):
    """核查 (Art. 34 ¶3): counted once two distinct eligible staff have signed."""

    number: int = Field(ge=1)
    on_site: bool
    verified_on: date
    findings: str
    signatures: list[Signature]
    counted: bool


class ApplicationView(BaseModel):
    """A licence application (行政许可申请) as it stands."""

    model_config = _example("Application")

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    receipt_number: str
    status: Status
    item: ItemRef
    matter: Matter = Field(
        default=Matter.NEW,
        description="事项类型 — new (新办), or a post-licence matter: change (变更),"
        " renewal (延续), reissue (补领), cancellation (注销), suspension (停用),"
        " reactivation (启用), scrapping (报废)",
    )
    post_licence: MatterRequest | None = Field(
        default=None,
        description="证后事项 — the licence a post-licence matter concerns and what"
        " it asks (the change, or why a certificate is reissued)",
    )
    approval_mode: ApprovalMode
    channel: str
    applicant: Applicant
    agent: Agent | None
    unit_code: str
    materials: list[str]
    submission_number: str | None = Field(
        default=None, description="网上申报 — the online submission it came from"
    )
    documents: list[MaterialDocuments] = Field(
        default_factory=list,
        description="each material's documents (by SHA-256), from an online submission",
    )
    materials_not_received: list[str] = Field(
        description="the catalogue's materials not among those received (a hint "
        "for the clerk, not the correction notice's list)"
    )
    commitment: CommitmentLetter | None
    received_on: date
    correction_due: DueDate | None
    correction_requested: bool
    missing_items: list[str] = Field(
        description="补正告知 — items of the correction notice still outstanding"
    )
    acceptance_date: date | None
    decision_limit_wd: int | None
    decision_due: DueDate | None
    promised_due: DueDate | None = Field(
        description="承诺时限 — the bureau's promised time limit as a due date"
    )
    excluded_working_days: int
    clock_stopped_for: str | None
    extended: bool
    deficiency_items: list[str] = Field(
        description="容缺材料 — deferred materials still outstanding"
    )
    supply_deadline: date | None
    supply_deadline_provisional: bool
    verifications: list[Verification]
    decision_number: str | None
    decided_on: date | None
    licence_id: UUID | None
    certificate_due: DueDate | None
    certificate_number: str | None
    interview: Interview | None
    joint_review: JointReviewView | None = Field(
        default=None,
        description="并联审批 — the joint review (participants, limits, opinions)"
        " as GET /v1/licensing/joint-reviews/{id} shows it; null if none",
    )
    created_at: datetime
    modified_at: datetime


class ApplicationChanged(ApplicationView, CommandOutcome):
    """The application after a command, with the position for read-your-writes."""

    model_config = _example("Application")


class ApplicationReceived(ApplicationChanged):
    """The new application, with the applicant's query code (shown only now)."""

    model_config = _example("ReceivedApplication")

    query_code: str = Field(
        description="查询码 — the applicant's query code for the public progress "
        "lookup; shown once, only its hash is kept"
    )


class LicenceView(BaseModel):
    """A licence (行政许可) as it stands."""

    model_config = _example("Licence")

    id: UUID
    version: int = Field(ge=1)
    licence_number: str
    status: LicenceStatus
    holder: Applicant
    item_code: str
    item_name: str
    certificate_name: str
    scope: str
    valid_from: date
    valid_until: date | None
    renewal_deadline: date | None
    renewal_requested_on: date | None
    application_id: UUID
    decision_number: str
    authority_unit_code: str
    approval_mode: ApprovalMode
    post_verification_due: DueDate | None
    certificate_reissues: int
    created_at: datetime
    modified_at: datetime


class LicenceChanged(LicenceView, CommandOutcome):
    model_config = _example("Licence")


class Catalogue(BaseModel):
    """The published licence items (行政许可事项目录)."""

    model_config = _example("Catalogue")

    items: list[ItemTerms]
    version: int


class ReapplicationBan(BaseModel):
    item_code: str
    until: date


class ApplicantRecordView(BaseModel):
    """What binds an applicant's next application (Arts. 78–79; 告知承诺)."""

    model_config = _example("ApplicantRecord")

    id: UUID
    version: int
    party: str
    reapplication_bans: list[ReapplicationBan]
    false_commitments: list[UUID]
    notify_and_commit_closed: bool


class ApplicantRecordChanged(ApplicantRecordView, CommandOutcome):
    model_config = _example("ApplicantRecord")


class PartyRef(BaseModel):
    name: str
    uscc: str | None


class RunningDeadline(BaseModel):
    kind: str
    due: date
    working_days_left: int
    overdue: bool
    provisional: bool


class ApplicationSummary(BaseModel):
    id: UUID
    version: int
    receipt_number: str
    item: ItemRef
    matter: Matter = Matter.NEW
    unit_code: str
    applicant: PartyRef
    status: Status
    public_status: str
    received_on: date
    acceptance: str | None
    accepted_on: date | None
    decision: str | None
    decided_on: date | None
    closed_on: date | None
    clock_stopped: bool
    deadline: RunningDeadline | None


class ApplicationsPage(Page):
    model_config = _example("ApplicationsPage")

    items: list[ApplicationSummary]


class LicenceSummary(BaseModel):
    id: UUID
    version: int
    licence_number: str
    holder: PartyRef
    item: ItemRef
    certificate_name: str
    unit_code: str
    status: LicenceStatus
    valid_from: date
    valid_until: date | None
    days_to_expiry: int | None
    renewal_deadline: date | None
    renewal_requested_on: date | None
    commitment_check_due: date | None
    commitment_breached: bool
    application_id: UUID
    decision_number: str
    ended_on: date | None


class LicencesPage(Page):
    model_config = _example("LicencesPage")

    items: list[LicenceSummary]


class PartyName(BaseModel):
    name: str


class BoardEntry(BaseModel):
    """One running deadline: an application's (receipt number, applicant) or a
    licence's (licence number, holder) — the names the index and register use."""

    case_kind: str
    case_id: UUID
    receipt_number: str | None
    licence_number: str | None
    kind: str
    due: date
    promised_due: date | None
    working_days_left: int
    state: str | None
    provisional: bool
    rule: str
    unit_code: str
    item: ItemRef
    applicant: PartyName | None
    holder: PartyName | None


class DeadlinesPage(Page):
    model_config = _example("DeadlinesPage")

    today: date
    items: list[BoardEntry]


class Counts(BaseModel):
    model_config = ConfigDict(extra="allow")

    received: int
    accepted: int
    completed: int
    granted: int
    refused: int
    certificates_issued: int = Field(
        default=0, description="制证 — certificates issued (new, change, reissue)"
    )
    certificates_served: int = Field(
        default=0, description="送达 — certificates served"
    )
    deadlines_missed: int
    on_time_rate: float | None
    median_working_days_to_decision: float | None


class Group(Counts):
    key: str | None


class Statistics(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={"examples": [EXAMPLES["Statistics"]]},
    )

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: str | None
    groups: list[Group]
    total: Counts


class Progress(BaseModel):
    """办件查询: an application's progress as the public sees it (nothing personal)."""

    model_config = _example("Progress")

    receipt_number: str
    item_name: str
    matter: Matter = Field(default=Matter.NEW, description="事项类型")
    matter_name: str = Field(
        default="新办", description="事项类型的名称 (新办, 变更 …)"
    )
    status: str
    finished: bool
    received_on: date
    accepted_on: date | None
    decision: str | None
    decided_on: date | None
    certificate_issued_on: date | None
    certificate_served_on: date | None
    closed_on: date | None
    clock_stopped: bool
    deadline: RunningDeadline | None
