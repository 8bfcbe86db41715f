"""/v1/licensing/joint-reviews: an application's joint review (并联审批) — each
participant's task, limit and opinion; GET it and its history, and record an
opinion (`POST …/{id}/record-opinion`). Its id is derived from the
application's (the application's view names it under `joint_review.id`).

Who records an opinion (enforced by the service, tested in the role matrix):
a reviewer (审查员) of the participant unit when the participant is a unit of
this bureau; a reviewer of the unit handling the application when it is
another department, recording that department's written opinion (`document`).
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Any

from fastapi import APIRouter, Request

from api.http.commands import CaseResource, add_case_routes
from api.http.glossary import register
from api.licensing.joint_review_views import (
    JointReviewChanged,
    JointReviewView,
    joint_review_view,
)
from api.licensing.reads import licensing
from domain.licensing.application import LicenceApplication
from domain.licensing.joint_review import JointReview, joint_review_id
from domain.licensing.service import Licensing

router = APIRouter(
    prefix="/v1/licensing/joint-reviews", tags=["licensing applications"]
)

register(
    {
        "OpinionBody.participant": "参与审批单位代码 — the participant's code in the item's joint review (e.g. ZJ)",
        "OpinionBody.stance": "审查意见 — 同意 agree, 附条件同意 agree_with_conditions, 不同意 disagree",
        "OpinionBody.reasons": "不同意理由 — the reasons of a disagreeing opinion, one per entry; multi-line",
        "OpinionBody.conditions": "附加条件 — the conditions of a conditional agreement, one per entry; multi-line",
        "OpinionBody.document": "书面意见文号 — the other department's written opinion the opinion is taken from",
    }
)


def application_annex(request: Request, a: LicenceApplication) -> dict[str, Any]:
    """The application's view shows its joint review's participants and
    opinions beside its own state (they are the review's, not the case's)."""
    if not a.item.joint_review:
        return {"joint_review": None}
    review = licensing(request).find(JointReview, joint_review_id(a.id))
    return {"joint_review": joint_review_view(review) if review else None}


def application_related(request: Request, a: LicenceApplication) -> list[Any]:
    """The application's history shows its joint review's events (opinions,
    deemed opinions, missed limits) beside its own."""
    if not a.item.joint_review:
        return []
    return licensing(request).history(joint_review_id(a.id))


JOINT_REVIEWS = CaseResource(
    what="joint review",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).load(
        JointReview, case_id, "joint review", version
    ),
    # The handling unit's staff, and those of the bureau's participant units.
    units_of=lambda r: (
        r.unit_code,
        *(t.participant.unit_code for t in r.tasks.values() if t.participant.unit_code),
    ),
    view=joint_review_view,
    model=JointReviewView,
    changed=JointReviewChanged,
)

COMMANDS = Licensing.routes_on(JointReview)

add_case_routes(router, JOINT_REVIEWS, COMMANDS)
