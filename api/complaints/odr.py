"""ODR (在线消费纠纷解决, issue 10 §3a) over HTTP.

Staff:
- `/v1/complaints/odr-enterprises`: an approver enrols a business (its key
  shown once), reads it, ends the enrolment;
- `/v1/complaints/odr-disputes/{id}`: a dispute as the bureau sees it, its
  history, the desk's escalation for a consumer who asks by telephone, and
  its people (recorded access, Art. 33).

The business, with HTTP Basic (its USCC and key), at `/odr/v1/disputes`:
- `GET` its disputes, newest first, and one by number: the consumer by
  pseudonym only;
- `POST /{number}/contact`: the consumer's name and telephone, the read
  recorded on the dispute first;
- `POST /{number}/settlement` and `/no-settlement`: its record of the outcome.
A wrong key and another business's dispute answer as unknown ones would
(401 and 404), and failed attempts are limited per client as public lookups
are (api/http/limits.py).
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Optional, cast

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field

from api.complaints import schemas
from api.complaints.personal import add_personal_data_route
from api.complaints.reads import complaints
from api.complaints.views import business_view, dispute_view, enterprise_view
from api.http.commands import (
    CaseResource,
    add_case_routes,
    add_creation_route,
    expected_version,
)
from api.http.errors import ProblemError
from api.http.limits import LookupLimiter, client_address, counted_lookup
from api.http.openapi import PUBLIC, problems
from api.http.reads import After, Limit, page_body, written_at
from api.http.views import JSON, case_response, replay_marked
from domain.complaints.odr import Dispute, Negotiation, OdrEnterprise
from domain.complaints.parties import Remedy
from domain.complaints.service import Complaints
from domain.shared.audit import Actor, ActorKind, Audit
from domain.shared.errors import NotFoundError
from domain.shared.service import CommandResult
from domain.shared.text import Prose
from projections.complaints import index_queries
from projections.complaints.index import Kind
from projections.queries import Scope

# -- staff -------------------------------------------------------------------------------

enterprises = APIRouter(prefix="/v1/complaints/odr-enterprises", tags=["ODR"])
ENTERPRISES = CaseResource(
    what="ODR enterprise",
    service=complaints,
    load=lambda request, case_id, version: complaints(request).load(
        OdrEnterprise, case_id, "ODR enterprise", version
    ),
    units_of=lambda e: (e.unit_code,),
    view=enterprise_view,
    model=schemas.OdrEnterpriseView,
    changed=schemas.OdrEnterpriseChanged,
)
add_creation_route(
    enterprises, ENTERPRISES, Complaints.commands["enrol_odr"], schemas.OdrEnrolled
)
add_case_routes(enterprises, ENTERPRISES, Complaints.routes_on(OdrEnterprise))

disputes = APIRouter(prefix="/v1/complaints/odr-disputes", tags=["ODR"])
DISPUTES = CaseResource(
    what="ODR dispute",
    service=complaints,
    load=lambda request, case_id, version: complaints(request).load(
        Dispute, case_id, "ODR dispute", version
    ),
    units_of=lambda d: (d.unit_code, d.intake_unit_code),
    view=dispute_view,
    model=schemas.DisputeView,
    changed=schemas.DisputeChanged,
)
add_case_routes(disputes, DISPUTES, Complaints.routes_on(Dispute))
add_personal_data_route(disputes, Dispute, "ODR dispute")

# -- the business ------------------------------------------------------------------------

business = APIRouter(prefix="/odr/v1/disputes", tags=["ODR business"])
REALM = {"WWW-Authenticate": 'Basic realm="casetrace-odr", charset="UTF-8"'}
ANSWERS = problems(*PUBLIC, 401, 404, 429)
COMMAND_ANSWERS = problems(*PUBLIC, 400, 401, 404, 409, 412, 413, 415, 429)
Number = Annotated[str, Path(max_length=40)]


ODR_BASIC = HTTPBasic(
    scheme_name="odrBasic",
    realm="casetrace-odr",
    description="an ODR business: its USCC as the user name, its ODR key"
    " (shown once at enrolment) as the password",
    auto_error=False,
)


def business_of(
    request: Request,
    credentials: Annotated[Optional[HTTPBasicCredentials], Depends(ODR_BASIC)],  # noqa: UP045
) -> Iterator[OdrEnterprise]:
    """The business whose key this is. A wrong key, an unknown number and a
    dispute of another business all count as failed attempts of the client."""
    if credentials is None:
        raise ProblemError(
            401, "send the business's USCC and ODR key (HTTP Basic)", headers=REALM
        )
    uscc, key = credentials.username.strip().upper(), credentials.password
    limiter: LookupLimiter = request.app.state.lookup_limiter
    client = client_address(request, request.app.state.trusted_proxies)
    with counted_lookup(limiter, client, failures=(401, 404)):
        enterprise = complaints(request).odr_enterprise(uscc, key)
        if enterprise is None:
            raise ProblemError(401, "unknown USCC or wrong ODR key", headers=REALM)
        try:
            yield enterprise
        except NotFoundError as exc:
            raise ProblemError(404, str(exc)) from None


Business = Annotated[OdrEnterprise, Depends(business_of)]


def _acting(request: Request, enterprise: OdrEnterprise, reason: str) -> Audit:
    actor = Actor(
        kind=ActorKind.BUSINESS, id=f"odr:{enterprise.uscc}", name=enterprise.name
    )
    return Audit(
        actor=actor,
        request_id=request.state.request_id,
        reason=reason,
        causation="odr:business",
    )


@business.get(
    "",
    response_class=JSON,
    summary="The business's ODR disputes, newest first",
    response_model=schemas.BusinessDisputesPage,
    responses=ANSWERS,
)
def list_disputes(
    request: Request, enterprise: Business, after: After = None, limit: Limit = 50
) -> JSON:
    service = complaints(request)
    with request.app.state.reads.pool.connection() as conn:
        page = index_queries.search(
            conn,
            index_queries.CaseQuery(
                scope=Scope(everything=True),
                today=service.today(),
                kinds=(Kind.ODR,),
                respondent_uscc=enterprise.uscc,
                after=after,
                limit=limit,
            ),
            service.calendar,
        )
    items = [_listed(row) for row in page.items]
    return JSON(page_body(page) | {"items": items})


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": row["number"],
        "status": row["status"],
        "consumer": row["people"][0],
        "received_on": row["received_on"],
        "answer_due": row["periods"].get("odr_answer"),
        "decided_on": row["decided_on"],
    }


@business.get(
    "/{number}",
    response_class=JSON,
    summary="One of the business's ODR disputes (the consumer by pseudonym)",
    response_model=schemas.BusinessDispute,
    responses=ANSWERS,
)
def get_dispute(number: Number, request: Request, enterprise: Business) -> JSON:
    dispute = complaints(request).business_dispute(enterprise, number)
    return case_response(business_view(dispute), dispute.version)


@business.post(
    "/{number}/contact",
    response_class=JSON,
    summary="The consumer's name and telephone, to settle (each read recorded)",
    response_model=schemas.ConsumerContact,
    responses=COMMAND_ANSWERS,
)
def contact(
    number: Number,
    request: Request,
    enterprise: Business,
    if_match: Optional[str] = Header(default=None),  # noqa: UP045
) -> JSON:
    result, person = complaints(request).consumer_contact(
        enterprise,
        number,
        _acting(request, enterprise, "在线和解：联系消费者"),
        expected_version(if_match),
    )
    answer = {"number": number, **written_at(result), **person.model_dump()}
    return JSON(answer, headers={"Cache-Control": "no-store"})


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    how: Negotiation
    negotiated_on: date


class SettlementBody(Outcome):
    terms: Annotated[str, Prose(2000)]
    recovered_fen: Annotated[int, Field(ge=0, le=10**12)] = 0
    remedies: Annotated[tuple[Remedy, ...], Field(max_length=6)] = ()


class NoSettlementBody(Outcome):
    explanation: Annotated[str, Prose(2000)]


def _outcome_route(
    verb: str, summary: str, body_type: type[Outcome], record: str, reason: str
) -> None:
    """POST /{number}/<verb>: the business's record of the outcome, by the
    service method `record` (If-Match and Idempotency-Key as for staff)."""

    def outcome(
        number: Number,
        body: body_type,  # type: ignore[valid-type]
        request: Request,
        enterprise: Business,
        if_match: Optional[str] = Header(default=None),  # noqa: UP045
    ) -> JSON:
        service = complaints(request)
        result: CommandResult = getattr(service, record)(
            enterprise,
            number,
            _acting(request, enterprise, reason),
            expected_version=expected_version(if_match),
            **cast(Outcome, body).model_dump(),
        )
        dispute = service.case_of(result)
        answer = {**business_view(dispute), **written_at(result)}
        return replay_marked(case_response(answer, dispute.version), result)

    business.add_api_route(
        f"/{{number}}/{verb}",
        outcome,
        methods=["POST"],
        response_class=JSON,
        summary=summary,
        name=record,
        response_model=schemas.BusinessDisputeChanged,
        responses=COMMAND_ANSWERS,
    )


_outcome_route(
    "settlement",
    "Record the settlement (和解): how, when, what was agreed",
    SettlementBody,
    "record_settlement",
    "经营者记录和解结果",
)
_outcome_route(
    "no-settlement",
    "Record that no settlement was reached, and why",
    NoSettlementBody,
    "record_no_settlement",
    "经营者记录未达成和解及原因",
)
