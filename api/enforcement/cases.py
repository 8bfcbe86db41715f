"""/v1/enforcement/cases: opening a penalty case (立案) and the commands on it
as the service declares them.

Opening is the one hand-written route: the origin a request names (a context's
log name and a case id) is looked up in the running services by that name,
never by a context this file knows; an unknown origin, or one whose
`enforcement_origin` is None (a report whose case was not opened), is refused
with 422 before anything is stored."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from datetime import date
from typing import Any, Optional

from fastapi import APIRouter, Request

from api.enforcement import schemas
from api.enforcement.reads import enforcement
from api.enforcement.views import case_view
from api.http.auth import CurrentPrincipal, caller
from api.http.commands import CREATE, CaseResource, add_case_routes
from api.http.openapi import problems
from api.http.views import JSON
from domain.enforcement.case import EnforcementCase
from domain.enforcement.service import Enforcement
from domain.enforcement.terms import Origin, OriginRef
from domain.shared.audit import Actor
from domain.shared.errors import InvalidInputError, NotFoundError
from domain.shared.events import Aggregate

router = APIRouter(prefix="/v1/enforcement/cases", tags=["penalty cases"])

CASES = CaseResource(
    what="penalty case",
    service=enforcement,
    load=lambda request, case_id, version: enforcement(request).load(
        EnforcementCase, case_id, "penalty case", version
    ),
    units_of=lambda c: (c.unit_code,),
    view=case_view,
    model=schemas.CaseView,
    changed=schemas.CaseChanged,
)
OPEN = Enforcement.commands["open_case"]


def resolve_origin(
    request: Request,
    ref: OriginRef | None,
    actor: Actor,
) -> tuple[Optional[Origin], Optional[date]]:  # noqa: UP045
    """The origin as its own context has it now: its kind, number and 立案
    date; refused (422, field `origin`) if unknown or not a lead now."""
    if ref is None:
        return None, None
    apps = request.app.state.services.apps
    context = apps.get(ref.context)
    if context is None or ref.context == Enforcement.name:
        raise InvalidInputError(
            f"no context {ref.context!r} whose cases lead to penalty cases",
            field="origin",
        )
    try:
        case: Aggregate = context.load(Aggregate, ref.case_id, "case")
        # Known only to those who may know of it, in their jurisdiction.
        spec = context.case_type(type(case), "open_case")
        context.require_known(actor, case, spec.what, ref.case_id)
    except (NotFoundError, TypeError):
        raise InvalidInputError(
            f"{ref.context} has no case {ref.case_id}", field="origin"
        ) from None
    context.within_jurisdiction(actor, spec.unit(case))
    kind = case.enforcement_origin
    if kind is None:
        raise InvalidInputError(
            f"{ref.context} case {ref.case_id} cannot lead to a penalty case now"
            " (e.g. a report whose case was not opened)",
            field="origin",
        )
    number = getattr(case, "number", None)
    origin = Origin(
        context=ref.context,
        case_id=ref.case_id,
        kind=kind,
        number=number if isinstance(number, str) else str(ref.case_id),
    )
    return origin, case.enforcement_opened_on


@router.post(
    "",
    status_code=201,
    response_class=JSON,
    summary=OPEN.summary,
    name="open_case",
    response_model=schemas.CaseChanged,
    responses=problems(*CREATE),
)
def open_case(
    body: schemas.OpenPenaltyCaseBody, request: Request, principal: CurrentPrincipal
) -> JSON:
    who = caller(request, principal, OPEN.name, body.reason)
    service = enforcement(request)
    audit = service.acting(OPEN.name, who)  # the role first (403), then the origin
    origin, opened_on = resolve_origin(request, body.origin, audit.actor)
    arguments: dict[str, Any] = {
        "party": body.party,
        "facts": body.facts,
        "unit_code": body.unit_code,
        "officers": body.officers,
        "origin": origin,
        "opened_on": opened_on,
    }
    result = service.execute(OPEN.name, None, who, arguments)
    response = CASES.command_response(request, result, status=201)
    response.headers["Location"] = f"{router.prefix}/{result.id}"
    return response


add_case_routes(router, CASES, Enforcement.routes_on(EnforcementCase))
