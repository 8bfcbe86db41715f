"""/v1/licensing/applicants/{uscc}/record: what binds an applicant's next case —
reapplication bans (Arts. 78–79) and false commitments — and 信用修复."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from api.http.auth import CurrentPrincipal
from api.http.commands import CaseResource, add_command_routes
from api.http.openapi import CASE_READ, problems
from api.http.views import JSON, case_response
from api.licensing.reads import licensing
from api.licensing.schemas import ApplicantRecordChanged, ApplicantRecordView
from domain.licensing.applicant_record import ApplicantRecord, applicant_record_id
from domain.licensing.parties import Applicant
from domain.licensing.service import Licensing
from domain.shared.errors import NotFoundError
from domain.shared.uscc import USCC, validate_uscc

router = APIRouter(prefix="/v1/licensing/applicants", tags=["applicant records"])


def _applicant(uscc: str) -> Applicant:
    # The record is keyed by the applicant's identity; region is not part of it.
    return Applicant(name="-", uscc=validate_uscc(uscc), region_code="32")


def _record(request: Request, uscc: str) -> ApplicantRecord:
    record = licensing(request).get_applicant_record(_applicant(uscc))
    if record is None:
        raise NotFoundError(_nothing_on_record(uscc))
    return record


def _nothing_on_record(uscc: str) -> str:
    return f"no bans or findings are on record for {validate_uscc(uscc)}"


def _view(record: ApplicantRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "version": record.version,
        "party": record.party_key,
        "reapplication_bans": [
            {"item_code": code, "until": until}
            for code, until in sorted(record.bans.items())
        ],
        "false_commitments": record.false_commitments,
        "notify_and_commit_closed": record.has_false_commitment,
    }


@router.get(
    "/{uscc}/record",
    response_class=JSON,
    summary="Bans and findings that bind the next application",
    response_model=ApplicantRecordView,
    responses=problems(*CASE_READ),
)
def get_record(uscc: USCC, request: Request, principal: CurrentPrincipal) -> JSON:
    record = _record(request, uscc)
    return case_response(_view(record), record.version)


def _record_id(uscc: str) -> UUID:
    return applicant_record_id(_applicant(uscc))


RECORDS = CaseResource(
    what="applicant record",
    service=licensing,
    view=_view,
    changed=ApplicantRecordChanged,
    key="uscc",
    key_type=USCC,
    case_id=_record_id,
    missing=_nothing_on_record,
)

add_command_routes(router, RECORDS, Licensing.routes_on(ApplicantRecord))
