"""The public side of 双随机一公开, no token: the random-check item list, each
plan's draw (the commitment before, the inputs and result after, and the
server's own verification of it), a plan's published results, and 你点我查
nominations (at most 10 an hour from one client address, counted in
PostgreSQL for every process)."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from api.http.limits import LookupLimiter, client_address, refused
from api.http.openapi import PUBLIC, problems
from api.http.reads import After, Limit, page_body
from api.http.views import JSON
from api.inspections import schemas
from api.inspections.reads import PublicReader, inspections
from api.inspections.views import draw_document
from domain.inspections import draw
from domain.inspections.nomination import Nominated, Nomination
from domain.inspections.plan import InspectionPlan
from domain.shared.audit import Actor, ActorKind, Audit
from domain.shared.errors import NotFoundError
from domain.shared.service import CommandResult
from projections.inspections import directory_queries, index_queries
from projections.inspections.directory import Kind
from projections.queries import Scope

router = APIRouter(prefix="/public/v1/inspections", tags=["public"])
nominations = APIRouter(prefix="/public/v1/nominations", tags=["public"])

NOMINATIONS_PER_HOUR = 10
HOUR_S = 3600.0


@router.get(
    "/items",
    response_class=JSON,
    response_model=schemas.ItemList,
    responses=problems(*PUBLIC),
    summary="The random-check item list (随机抽查事项清单)",
)
def items(reader: PublicReader, after: After = None, limit: Limit = 50) -> JSON:
    page = directory_queries.listing(
        reader.conn, Kind.ITEM, Scope(everything=True), after=after, limit=limit
    )
    return JSON(page_body(page))


@router.get(
    "/plans",
    response_class=JSON,
    response_model=schemas.PublicDraws,
    responses=problems(*PUBLIC),
    summary="Every plan whose draw is committed: its commitment, newest first",
)
def draws(reader: PublicReader, after: After = None, limit: Limit = 50) -> JSON:
    page = index_queries.public_draws(reader.conn, after, limit)
    for row in page.items:
        del row["seq"]
    return JSON(page_body(page))


def _plan(request: Request, plan_id: UUID) -> InspectionPlan:
    plan = inspections(request).find(InspectionPlan, plan_id)
    if plan is None or plan.commitment is None:
        raise NotFoundError(f"no published draw for plan {plan_id}")
    return plan


@router.get(
    "/plans/{plan_id}/draw",
    response_class=JSON,
    response_model=schemas.DrawDocument,
    responses=problems(*PUBLIC, 404),
    summary="A plan's draw: the commitment before it, every input and the result after",
)
def draw_inputs(plan_id: UUID, request: Request) -> JSON:
    return JSON(draw_document(_plan(request, plan_id)))


@router.get(
    "/plans/{plan_id}/draw/verification",
    response_class=JSON,
    response_model=schemas.Verification,
    responses=problems(*PUBLIC, 404),
    summary="The draw re-run from its published document (docs/draw.md)",
)
def verification(plan_id: UUID, request: Request) -> JSON:
    document = _plan(request, plan_id).published()
    if document["secret"] is None:
        problems_ = ["not drawn yet: only the commitment is published"]
    else:
        problems_ = draw.verify(document)
    return JSON({"verified": not problems_, "problems": problems_})


@router.get(
    "/plans/{plan_id}/results",
    response_class=JSON,
    response_model=schemas.PlanResults,
    responses=problems(*PUBLIC, 404),
    summary="A plan's published results (结果公示)",
)
def results(plan_id: UUID, reader: PublicReader) -> JSON:
    found = index_queries.published_results(reader.conn, plan_id)
    if found is None:
        raise NotFoundError(f"plan {plan_id} has published no results")
    return JSON({"plan_id": plan_id, "results": found})


def _public(request: Request) -> Audit:
    actor = Actor(kind=ActorKind.PUBLIC, id="public:nomination-form", name="公众")
    return Audit(
        actor=actor, request_id=request.state.request_id, causation="public:form"
    )


def nominate_online(
    request: Request, body: Nominated
) -> tuple[CommandResult, Nomination]:
    """A 你点我查 nomination (the JSON route's and the page's): at most
    NOMINATIONS_PER_HOUR per client address, refused (429) before anything."""
    limiter = LookupLimiter(request.app.state.reads.pool, NOMINATIONS_PER_HOUR, HOUR_S)
    client = client_address(request, request.app.state.trusted_proxies)
    attempt = limiter.attempt(f"nominate:{client}")
    if isinstance(attempt, int):
        raise refused(attempt, "nominations")
    service = inspections(request)
    result = service.nominate(_public(request), body)
    nomination: Nomination = service.case_of(result)
    return result, nomination


@nominations.post(
    "",
    response_class=JSON,
    status_code=201,
    response_model=schemas.NominationReceipt,
    responses=problems(*PUBLIC, 413, 415, 429),
    summary="你点我查: nominate a product, a firm or a place to be checked, and why",
)
def nominate(body: Nominated, request: Request) -> JSON:
    result, nomination = nominate_online(request, body)
    return JSON(
        {
            "number": nomination.number,
            "submitted_on": nomination.submitted_on,
            "consistency_token": f"{result.log}:{result.position}",
        },
        status_code=201,
        headers={"Location": f"{nominations.prefix}/{nomination.number}"},
    )


@nominations.get(
    "/{nomination_number}",
    response_class=JSON,
    response_model=schemas.NominationStatus,
    responses=problems(*PUBLIC, 404),
    summary="A nomination: whether a plan took it up, and that plan's published results",
)
def nomination(
    nomination_number: Annotated[str, Path(pattern=r"^DC[0-9]{14}$")],
    request: Request,
    reader: PublicReader,
) -> JSON:
    """From the store (a nomination just made is found at once); the plan's
    results from the read model, once published."""
    n = inspections(request).nomination(nomination_number)
    results = (
        index_queries.published_results(reader.conn, n.plan_id) if n.plan_id else None
    )
    return JSON(
        {
            "number": n.number,
            "kind": n.nominated.kind,
            "subject": n.nominated.subject,
            "region_code": n.nominated.region_code,
            "submitted_on": n.submitted_on,
            "plan_number": n.plan_number,
            "results": results,
        }
    )
