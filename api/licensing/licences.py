"""/v1/licensing/licences: the licences granted, and their lifecycle."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.commands import (
    CaseResource,
    Command,
    CommandBody,
    Decision,
    NoBody,
    add_case_routes,
)
from api.http.openapi import STAFF, problems
from api.http.reads import (
    After,
    Limit,
    UnitFilter,
    UsccFilter,
    page_body,
    upper,
)
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.applications import Reasons, licensing
from api.licensing.reads import StaffReader
from api.licensing.views import licence_view
from domain.licensing.licence import (
    CancellationGround,
    LicenceChange,
    LicenceStatus,
    ReissueCause,
    RevocationGround,
)
from domain.shared.text import Line, Prose
from projections.licensing import licences_queries as licences

router = APIRouter(prefix="/v1/licensing/licences", tags=["licences"])


LICENCES = CaseResource(
    what="licence",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_licence(
        case_id, version
    ),
    units_of=lambda lic: (lic.authority_unit_code,),
    view=licence_view,
    model=schemas.LicenceView,
    changed=schemas.LicenceChanged,
)


class ChangeBody(Decision):
    change: LicenceChange
    decision_number: Annotated[str, Line(100)]


class ReissueBody(CommandBody):
    cause: ReissueCause


class RenewBody(Decision):
    decision_number: Annotated[str, Line(100)]


class RefuseRenewalBody(Decision):
    reasons: Reasons


class CommitmentCheckBody(Decision):
    # Recorded and signed by the reviewer whose token is used; a second one
    # signs with sign-commitment-check before the outcome stands (Art. 34).
    findings: Annotated[str, Prose(5000)]
    breached: bool


class WithdrawLicenceBody(Decision):
    compensation: Annotated[str, Prose(2000)]


class RevokeBody(Decision):
    ground: RevocationGround


class CancelBody(Decision):
    ground: CancellationGround


COMMANDS = [
    Command(
        "change",
        ChangeBody,
        lambda s, i, a, b, v: s.change_licence(i, a, b.change, b.decision_number, v),
        "Approve a change (变更, Art. 49)",
        permission="change_licence",
    ),
    Command(
        "reissue-certificate",
        ReissueBody,
        lambda s, i, a, b, v: s.reissue_certificate(i, a, b.cause, v),
        "Reissue a lost or damaged certificate (补领)",
    ),
    Command(
        "request-renewal",
        NoBody,
        lambda s, i, a, b, v: s.request_renewal(i, a, v),
        "Record a renewal request (延续, Art. 50)",
    ),
    Command(
        "renew",
        RenewBody,
        lambda s, i, a, b, v: s.renew(i, a, b.decision_number, v),
        "Grant renewal",
    ),
    Command(
        "refuse-renewal",
        RefuseRenewalBody,
        lambda s, i, a, b, v: s.refuse_renewal(i, a, tuple(b.reasons), v),
        "Refuse renewal before expiry, with reasons (Art. 50 ¶2, Art. 38)",
    ),
    Command(
        "verify-commitment",
        CommitmentCheckBody,
        lambda s, i, a, b, v: s.verify_commitment(i, a, b.findings, b.breached, v),
        "Record and sign a post-approval verification of a 告知承诺 licence",
    ),
    Command(
        "sign-commitment-check",
        Decision,
        lambda s, i, a, b, v: s.sign_commitment_check(i, a, v),
        "A second verifier signs the post-approval verification (Art. 34)",
    ),
    Command(
        "withdraw",
        WithdrawLicenceBody,
        lambda s, i, a, b, v: s.withdraw_licence(i, a, b.compensation, v),
        "Withdraw for the public interest (撤回, Art. 8)",
        permission="withdraw_licence",
    ),
    Command(
        "revoke",
        RevokeBody,
        lambda s, i, a, b, v: s.revoke_licence(i, a, b.ground, v),
        "Revoke (撤销, Art. 69)",
        permission="revoke_licence",
    ),
    Command(
        "cancel",
        CancelBody,
        lambda s, i, a, b, v: s.cancel_licence(i, a, b.ground, v),
        "Cancel (注销, Art. 70)",
        permission="cancel_licence",
    ),
]

add_case_routes(router, LICENCES, COMMANDS)


@router.get(
    "",
    response_class=JSON,
    summary="The licence register (read model; your jurisdiction only)",
    response_model=schemas.LicencesPage,
    responses=problems(*STAFF),
)
def list_licences(
    reader: StaffReader,
    holder_uscc: UsccFilter = None,
    status: Annotated[list[LicenceStatus] | None, Query()] = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3660)] = None,
    unit: UnitFilter = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    page = licences.register(
        reader.conn,
        licences.LicenceQuery(
            scope=reader.scope,
            today=reader.today,
            holder_uscc=upper(holder_uscc),
            statuses=tuple(status or ()),
            expiring_within_days=expiring_within_days,
            unit=reader.unit(unit),
            after=after,
            limit=limit,
        ),
    )
    return JSON(page_body(page))
