"""Online submissions' (网上申报) request and response shapes, with examples.

Beside `schemas.py` (licensing's other shapes) so that the two change apart.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas import CommandOutcome, Page, example
from api.licensing.schemas import ItemRef, Progress
from domain.licensing.parties import Agent, Applicant
from domain.licensing.submission import (
    MaterialCorrection,
    MaterialDocuments,
    SubmissionStatus,
)
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line

NUMBER = "32080320261203000042"
REF: Final[dict[str, Any]] = {
    "sha256": "9f2b5c0d1e4a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
    "media_type": "application/pdf",
    "size": 18211,
    "name": "型式批准申请书.pdf",
}
MATERIALS: Final[list[dict[str, Any]]] = [
    {"material": "型式批准申请书", "documents": [REF]},
]
CORRECTIONS: Final[list[dict[str, Any]]] = [
    {"material": "型式批准申请书", "reason": "未加盖公章，请盖章后重新上传"}
]
SUBMISSION: Final[dict[str, Any]] = {
    "id": "5b0e4a8e-3f7c-5d2a-9c41-1f0a2b3c4d5e",
    "version": 2,
    "submission_number": NUMBER,
    "status": "corrections_requested",
    "item": {"code": "XK-JL-XSPZ", "name": "计量器具型式批准", "category": "计量"},
    "applicant": {
        "name": "连云港市海州区示例计量器具有限公司",
        "party_type": "legal_person",
        "uscc": "91320803MA1XYW01X6",
        "region_code": "320803",
        "address": "",
        "phone": "",
        "legal_representative": "",
        "id_document_number": None,
    },
    "agent": None,
    "unit_code": "320803",
    "submitted_on": "2026-12-03",
    "materials": MATERIALS,
    "versions": MATERIALS,
    "corrections": CORRECTIONS,
    "reply": "材料需补正",
    "receipt_number": None,
    "application_id": None,
    "decided_on": None,
}
PUBLIC_SUBMISSION: Final[dict[str, Any]] = {
    "submission_number": NUMBER,
    "status": "corrections_requested",
    "item": {"code": "XK-JL-XSPZ", "name": "计量器具型式批准", "category": "计量"},
    "submitted_on": "2026-12-03",
    "materials": MATERIALS,
    "corrections": CORRECTIONS,
    "reply": "材料需补正",
    "receipt_number": None,
    "decided_on": None,
    "application": None,
}


class SubmissionForm(BaseModel):
    """The `submission` part of the multipart form (JSON): who applies for
    what, to which unit. The files come in the form's `file` parts, each
    named by the `material` part at the same position."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "unit_code": "320803",
                    "item_code": "XK-JL-XSPZ",
                    "applicant": SUBMISSION["applicant"],
                }
            ]
        },
    )

    unit_code: RegionCode = Field(description="the bureau applied to (its unit)")
    item_code: Annotated[str, Line(40)]
    applicant: Applicant
    agent: Agent | None = None


class SubmissionView(BaseModel):
    """An online submission (网上申报) as staff see it."""

    model_config = example(SUBMISSION)

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    submission_number: str
    status: SubmissionStatus
    item: ItemRef
    applicant: Applicant
    agent: Agent | None
    unit_code: str
    submitted_on: date
    materials: list[MaterialDocuments] = Field(
        description="the current version of each material submitted"
    )
    versions: list[MaterialDocuments] = Field(
        description="every version ever uploaded, oldest first (none is dropped)"
    )
    corrections: list[MaterialCorrection] = Field(
        description="the last pre-review reply's materials to correct"
    )
    reply: str | None = Field(description="the last written reply's reason")
    receipt_number: str | None = Field(
        description="受理编号 of the application it became, once accepted"
    )
    application_id: UUID | None
    decided_on: date | None


class SubmissionChanged(SubmissionView, CommandOutcome):
    """The submission after a pre-review reply, with the log position."""

    model_config = example(
        {**SUBMISSION, "position": 57, "consistency_token": "licensing:57"}
    )


class PublicSubmission(BaseModel):
    """The applicant's view of their submission (with the query code)."""

    model_config = example(PUBLIC_SUBMISSION)

    submission_number: str
    status: SubmissionStatus
    item: ItemRef
    submitted_on: date
    materials: list[MaterialDocuments]
    corrections: list[MaterialCorrection]
    reply: str | None
    receipt_number: str | None
    decided_on: date | None
    application: Progress | None = Field(
        description="办件查询 of the application it became, once accepted"
    )


class SubmissionReceived(BaseModel):
    """The new submission's number and query code (shown only now)."""

    model_config = example(
        {
            "submission_number": NUMBER,
            "query_code": "7K3M-Q9TZ-4HXA",
            "status": "submitted",
            "submitted_on": "2026-12-03",
            "materials": MATERIALS,
        }
    )

    submission_number: str
    query_code: str = Field(
        description="查询码 — follows the submission and, once accepted, the"
        " application (same number); shown once, only its hash is kept"
    )
    status: SubmissionStatus
    submitted_on: date
    materials: list[MaterialDocuments]


class SubmissionSummary(BaseModel):
    id: UUID
    version: int
    submission_number: str
    item: ItemRef
    applicant: dict[str, str | None]
    unit_code: str
    status: SubmissionStatus
    submitted_on: date
    replied_on: date | None
    resubmitted_on: date | None
    receipt_number: str | None
    application_id: UUID | None
    decided_on: date | None


class SubmissionsPage(Page):
    model_config = example(
        {
            "items": [
                {
                    "id": SUBMISSION["id"],
                    "version": 1,
                    "submission_number": NUMBER,
                    "item": {"code": "XK-JL-XSPZ", "name": "计量器具型式批准"},
                    "applicant": {
                        "name": "连云港市海州区示例计量器具有限公司",
                        "uscc": "91320803MA1XYW01X6",
                    },
                    "unit_code": "320803",
                    "status": "submitted",
                    "submitted_on": "2026-12-03",
                    "replied_on": None,
                    "resubmitted_on": None,
                    "receipt_number": None,
                    "application_id": None,
                    "decided_on": None,
                }
            ],
            "next_cursor": None,
        }
    )

    items: list[SubmissionSummary]
