"""/v1/licensing/deadlines: licensing's deadline board, in the names the
applications index and the licence register use (an application's receipt
number and applicant, a licence's number and holder)."""

from typing import Any

from fastapi import APIRouter

from api.http.deadlines import board_route
from api.http.reads import staff_reader
from api.licensing import schemas
from domain.licensing.service import Licensing

router = APIRouter(prefix="/v1/licensing/deadlines", tags=["licensing read models"])


# A liaison (质企联系) names an enterprise, by its USCC: no licence number.
NO_LICENCE_NUMBER = frozenset({"application", "liaison"})


def licensing_entry(row: dict[str, Any]) -> dict[str, Any]:
    # A joint review's tasks are named by their application's receipt number.
    application = row["case_kind"] in {"application", "joint_review"}
    party = row["party"]
    return {
        "case_kind": row["case_kind"],
        "case_id": row["case_id"],
        "receipt_number": row["reference"] if application else None,
        "licence_number": None
        if row["case_kind"] in NO_LICENCE_NUMBER
        else row["reference"],
        "kind": row["kind"],
        "due": row["due"],
        "promised_due": row["promised_due"],
        "working_days_left": row["working_days_left"],
        "state": row["state"],
        "provisional": row["provisional"],
        "rule": row["rule"],
        "unit_code": row["unit_code"],
        "item": row["subject"],
        "applicant": party if application else None,
        "holder": None if application else party,
    }


board_route(
    router,
    staff_reader(Licensing.name),
    logs=(Licensing.name,),
    summary="Deadline board: acceptance, decision, certificate, supply and renewal deadlines",
    response_model=schemas.DeadlinesPage,
    shape=licensing_entry,
)
