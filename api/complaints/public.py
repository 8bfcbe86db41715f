"""/public/v1/complaints: the person's side, no token (issue 10 §7).

- `POST` an online complaint, report or enquiry: a number and a query code
  shown once (only its hash is kept), at most 20 submissions per client
  address an hour, counted in PostgreSQL for every process;
- `GET /progress?intake_number=&query_code=`: status, key dates and the bureau's replies
  to this person; nothing about other people and nothing internal. A wrong
  code answers as an unknown number does, and failures are limited as the
  licensing lookup's are (api/http/limits.py);
- `POST /rating`: 满意 / 基本满意 / 不满意 once the complaint (or the
  conduct complaint, 效能投诉) is closed;
- ODR (issue 10 §3a): `odr: true` on the form takes a complaint against an
  ODR enterprise to the business first; `POST /escalation` turns it into a
  complaint to the bureau once the business recorded no settlement or let
  its 10 working days pass.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.complaints import schemas
from api.complaints.reads import complaints
from api.complaints.views import odr_outcome
from api.http.errors import ProblemError
from api.http.limits import LookupLimiter, client_address, counted_lookup, refused
from api.http.openapi import PUBLIC, problems
from api.http.views import JSON, etag, replay_marked
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake
from domain.complaints.odr import Dispute
from domain.complaints.parties import OUTSIDE_CHANNELS, Attachment, Rating, Respondent
from domain.complaints.report import Report
from domain.complaints.service import Receipt, Submission
from domain.shared.audit import Actor, ActorKind, Audit
from domain.shared.errors import NotFoundError
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line, Prose

router = APIRouter(prefix="/public/v1/complaints", tags=["public"])

SUBMISSIONS_PER_HOUR = 20
HOUR_S = 3600.0


class OnlineSubmission(BaseModel):
    """What the public form sends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_code: RegionCode
    submitter: Submission
    respondent: Respondent
    facts: Annotated[str, Prose(5000)]
    claim: Annotated[str, Prose(2000)] = ""
    attachments: Annotated[tuple[Attachment, ...], Field(max_length=20)] = ()
    odr: StrictBool = Field(
        default=False,
        description="ODR — take the complaint to the business first (an ODR"
        " enterprise, by its USCC): it has 10 working days to settle",
    )


class Voucher(BaseModel):
    """The person's intake number and query code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intake_number: Annotated[str, Line(40)]
    query_code: Annotated[str, Line(40)]


class RatingBody(Voucher):
    rating: Rating
    comment: Annotated[str, Prose(1000)] = ""


def _client(request: Request) -> str:
    return client_address(request, request.app.state.trusted_proxies)


def _public(request: Request) -> Audit:
    actor = Actor(kind=ActorKind.PUBLIC, id="public:12315-form", name="公众")
    return Audit(
        actor=actor, request_id=request.state.request_id, causation="public:form"
    )


def _limiter(request: Request, per: int, window_s: float) -> LookupLimiter:
    return LookupLimiter(request.app.state.reads.pool, per, window_s)


def submit_online(request: Request, body: OnlineSubmission) -> Receipt:
    """The online form's submission (the JSON route's and the page's): at most
    SUBMISSIONS_PER_HOUR per client address, refused (429) before anything."""
    limiter = _limiter(request, SUBMISSIONS_PER_HOUR, HOUR_S)
    attempt = limiter.attempt(f"submit:{_client(request)}")
    if isinstance(attempt, int):
        raise refused(attempt, "submissions")
    return complaints(request).submit(
        _public(request),
        unit_code=body.unit_code,
        submitter=body.submitter,
        respondent=body.respondent,
        facts=body.facts,
        claim=body.claim,
        attachments=body.attachments,
        odr=body.odr,
    )


@router.post(
    "",
    response_class=JSON,
    status_code=201,
    summary="Submit a complaint, report or enquiry online (互联网, Art. 8)",
    response_model=schemas.Submitted,
    responses=problems(*PUBLIC, 413, 415, 429),
)
def submit(body: OnlineSubmission, request: Request) -> JSON:
    receipt = submit_online(request, body)
    intake = receipt.case
    answer = {
        "intake_number": receipt.intake_number,
        "query_code": receipt.query_code,
        "received_on": intake.received_on if intake else None,
    }
    headers = {
        "Cache-Control": "no-store",
        "Location": f"{router.prefix}/progress?intake_number={receipt.intake_number}",
        "ETag": etag(receipt.version),
    }
    return JSON(answer, status_code=201, headers=headers)


def lookup(
    request: Request,
    intake_number: Annotated[Annotated[str, Line(40)], Query()],
    query_code: Annotated[Annotated[str, Line(40)], Query()],
) -> Iterator[Intake]:
    limiter: LookupLimiter = request.app.state.lookup_limiter
    with counted_lookup(limiter, _client(request)):
        try:
            yield complaints(request).find_intake(intake_number, query_code)
        except NotFoundError as exc:
            raise ProblemError(404, str(exc)) from None


@router.get(
    "/progress",
    response_class=JSON,
    summary="The person's own matter: status, key dates, the bureau's replies",
    response_model=schemas.PublicProgress,
    responses=problems(*PUBLIC, 404, 429),
)
def progress(intake: Annotated[Intake, Depends(lookup)], request: Request) -> JSON:
    return JSON(progress_of(request, intake), headers={"Cache-Control": "no-store"})


def progress_of(request: Request, intake: Intake) -> dict[str, Any]:
    """What the person may see of their own matter (the JSON route's and the
    page's answer)."""
    service = complaints(request)
    cases: list[dict[str, Any]] = []
    if intake.dispute_id is not None:
        dispute = service.load(Dispute, intake.dispute_id, "ODR dispute")
        cases.append(_odr_step(dispute, service.today()))
    if (complaint := service.complaint_of(intake)) is not None:
        cases.append(_step("complaint", complaint, complaint.rating is not None))
    if intake.report_id is not None:
        report = service.load(Report, intake.report_id, "report")
        if not report.anonymous:  # an anonymous reporter is told nothing (Art. 31)
            cases.append(_step("report", report, False))
    if intake.conduct_id is not None:  # the complainant's own: its status only
        conduct = service.load(ConductComplaint, intake.conduct_id, "conduct")
        cases.append(_step("conduct", conduct, conduct.rating is not None))
    return {
        "intake_number": intake.number,
        "received_on": intake.received_on,
        "status": intake.status,
        "classification": intake.classification,
        "answer": intake.answer,
        "referred_to": _referral(intake),
        "cases": cases,
    }


def _step(
    kind: str, case: Complaint | Report | ConductComplaint | Dispute, rated: bool
) -> dict[str, Any]:
    if isinstance(case, ConductComplaint):
        decided = case.concluded_on
    elif isinstance(case, Dispute):
        decided = case.negotiated_on
    else:
        decided = case.decided_on
    return {
        "kind": kind,
        "status": case.status,
        "number": case.number,
        "decided_on": decided,
        "closed": case.closed,
        "rated": rated,
    }


def _odr_step(dispute: Dispute, today: date) -> dict[str, Any]:
    return {
        **_step("odr", dispute, False),
        "answer_due": dispute.answer.due.due,
        "outcome": odr_outcome(dispute),
        "may_escalate": dispute.may_escalate(today),
    }


def _referral(intake: Intake) -> str | None:
    return OUTSIDE_CHANNELS[intake.referred_to] if intake.referred_to else None


@router.post(
    "/rating",
    response_class=JSON,
    summary="Rate the handling of a closed complaint, once (评议)",
    response_model=schemas.Rated,
    responses=problems(*PUBLIC, 404, 409, 429),
)
def rate(body: RatingBody, request: Request) -> JSON:
    limiter: LookupLimiter = request.app.state.lookup_limiter
    with counted_lookup(limiter, _client(request)):
        try:
            complaints(request).rate(
                body.intake_number,
                body.query_code,
                body.rating,
                body.comment,
                _public(request),
            )
        except NotFoundError as exc:
            raise ProblemError(404, str(exc)) from None
    return JSON({"intake_number": body.intake_number, "rating": body.rating})


@router.post(
    "/escalation",
    response_class=JSON,
    summary="Turn an unsettled ODR dispute into a complaint to the bureau (one step)",
    response_model=schemas.Escalated,
    responses=problems(*PUBLIC, 404, 409, 429),
)
def escalate(body: Voucher, request: Request) -> JSON:
    """Nothing re-typed: the complaint is the dispute's, its history attached."""
    limiter: LookupLimiter = request.app.state.lookup_limiter
    service = complaints(request)
    with counted_lookup(limiter, _client(request)):
        try:
            result = service.escalate_online(
                body.intake_number, body.query_code, _public(request)
            )
        except NotFoundError as exc:
            raise ProblemError(404, str(exc)) from None
    complaint = service.case_of(result)
    answer = {
        "intake_number": body.intake_number,
        "complaint_number": complaint.number,
        "received_on": complaint.received_on,
        "acceptance_due": complaint.acceptance.due.due,
    }
    return replay_marked(JSON(answer, headers={"Cache-Control": "no-store"}), result)
