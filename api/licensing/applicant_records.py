"""/v1/licensing/applicants/{uscc}/record: what binds an applicant's next case —
reapplication bans (Arts. 78–79) and false commitments — and 信用修复."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request

from api.http.auth import CurrentPrincipal, audit_for
from api.http.commands import Decision, expected_version
from api.http.openapi import CASE_READ, COMMAND, problems
from api.http.reads import written_at
from api.http.views import JSON, case_response, replay_marked
from api.licensing.applications import licensing
from api.licensing.schemas import ApplicantRecordChanged, ApplicantRecordView
from domain.licensing.applicant_record import ApplicantRecord
from domain.licensing.parties import Applicant
from domain.shared.errors import NotFoundError
from domain.shared.uscc import USCC, validate_uscc

router = APIRouter(prefix="/v1/licensing/applicants", tags=["applicant records"])


def _record(request: Request, uscc: str) -> ApplicantRecord:
    # The record is keyed by the applicant's identity; region is not part of it.
    code = validate_uscc(uscc)
    record = licensing(request).get_applicant_record(
        Applicant(name="-", uscc=code, region_code="32")
    )
    if record is None:
        raise NotFoundError(f"no bans or findings are on record for {code}")
    return record


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


@router.post(
    "/{uscc}/restore-credit",
    response_class=JSON,
    summary="信用修复 after a false commitment",
    response_model=ApplicantRecordChanged,
    responses=problems(*COMMAND),
)
def restore_credit(
    uscc: USCC,
    body: Decision,
    request: Request,
    principal: CurrentPrincipal,
    if_match: Annotated[str | None, Header()] = None,
) -> JSON:
    service = licensing(request)
    audit = audit_for(request, principal, service, "restore_credit", body.reason)
    record = _record(request, uscc)
    result = service.restore_credit(record.id, audit, expected_version(if_match))
    restored: ApplicantRecord = service.case_of(result)
    return replay_marked(
        case_response({**_view(restored), **written_at(result)}, restored.version),
        result,
    )
