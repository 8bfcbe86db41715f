"""How a joint review (并联审批) looks over HTTP: its view and its typed
response shapes (beside the router, api/licensing/joint_reviews.py; the
application's view embeds the same shape)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, Field

from api.http.schemas import CommandOutcome, example
from domain.licensing.joint_review import JointReview, Opinion, deadline_kind
from domain.shared.calendar import DueDate


def joint_review_view(r: JointReview) -> dict[str, Any]:
    return {
        "id": r.id,
        "version": r.version,
        "application_id": r.application_id,
        "receipt_number": r.receipt_number,
        "unit_code": r.unit_code,
        "started_on": r.started_on,
        "rule": next(iter(r.tasks.values())).limit.rule,
        "concluded": r.concluded,
        "participants": [
            {
                "code": t.participant.code,
                "name": t.participant.name,
                "unit_code": t.participant.unit_code,
                "limit_wd": t.participant.limit_wd,
                "due": t.limit.due,
                "deemed_agreement": t.participant.deemed_agreement,
                "deemed_rule": t.participant.deemed_rule,
                "missed": any(kind == deadline_kind(code) for kind, _ in r.missed),
                "opinion": t.opinion,
            }
            for code, t in r.tasks.items()
        ],
        "created_at": r.created_on,
        "modified_at": r.modified_on,
    }


class Participant(BaseModel):
    """One participant's task: its own limit, and its opinion once in."""

    code: str
    name: str
    unit_code: str | None = Field(
        description="a unit of this bureau (its staff record the opinion); null:"
        " another department, whose written opinion the case handler records"
    )
    limit_wd: int
    due: DueDate
    deemed_agreement: bool = Field(
        description="逾期未提出意见视为同意 — silence past the limit is agreement"
        " (the item's own rule: UNCONFIRMED as a national rule)"
    )
    deemed_rule: str | None
    missed: bool = Field(description="the limit passed in silence (recorded)")
    opinion: Opinion | None


EXAMPLE: Final[dict[str, Any]] = {
    "id": "6f1de0d4-51a8-5a8f-9b7e-0d1f3c0f2a11",
    "version": 2,
    "application_id": "2b0f7c1e-8d4a-5c3e-9f10-4a2b6c8d0e12",
    "receipt_number": "32080320261123004217",
    "unit_code": "320803",
    "started_on": "2026-11-23",
    "rule": "行政许可法 第42条第2款、第26条",
    "concluded": None,
    "participants": [
        {
            "code": "XF",
            "name": "消防救援机构",
            "unit_code": None,
            "limit_wd": 15,
            "due": {
                "due": "2026-12-14",
                "working_days": 15,
                "calendar_version": "chinesecalendar-1.11.0",
                "provisional": False,
            },
            "deemed_agreement": False,
            "deemed_rule": None,
            "missed": False,
            "opinion": {
                "stance": "disagree",
                "reasons": ["消防车通道宽度不足"],
                "conditions": [],
                "document": "淮消审〔2026〕12号",
                "given_on": "2026-11-25",
                "within_limit": True,
                "deemed": False,
            },
        }
    ],
    "created_at": "2026-11-23T01:00:00Z",
    "modified_at": "2026-11-25T01:00:00Z",
}


class JointReviewView(BaseModel):
    """并联审批 — an application's joint review as it stands."""

    model_config = example(EXAMPLE)

    id: UUID
    version: int = Field(ge=1, description="the review's version; also its ETag")
    application_id: UUID
    receipt_number: str
    unit_code: str
    started_on: date
    rule: str
    concluded: str | None = Field(
        description="how the application ended the review (granted, refused,"
        " withdrawn, terminated); null while it runs"
    )
    participants: list[Participant]
    created_at: datetime
    modified_at: datetime


class JointReviewChanged(JointReviewView, CommandOutcome):
    """The joint review after a command, with the position for read-your-writes."""

    model_config = example(
        {**EXAMPLE, "position": 42, "consistency_token": "licensing:42"}
    )
