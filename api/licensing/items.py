"""/v1/licensing/items: the published catalogue (行政许可法 Art. 30 公示).

Reading is public. Revising or withdrawing an item is an admin's decision and
is recorded as an event on the catalogue like any other change.
"""

from typing import Annotated

from fastapi import APIRouter, Header, Request

from api.http.auth import CurrentPrincipal, audit_for
from api.http.commands import Decision, expected_version
from api.http.errors import ProblemError
from api.http.openapi import COMMAND, PUBLIC, problems
from api.http.views import JSON, replay_marked
from api.licensing.schemas import Catalogue as CatalogueView
from api.licensing.schemas import ItemView
from domain.registry.catalogue import Catalogue, ItemTerms
from domain.registry.service import Registry

router = APIRouter(prefix="/v1/licensing/items", tags=["licence item catalogue"])


def registry(request: Request) -> Registry:
    service: Registry = request.app.state.services.registry
    return service


def catalogue_response(catalogue: Catalogue, status: int = 200) -> JSON:
    items = sorted(catalogue.items.values(), key=lambda i: i.code)
    return JSON(
        {
            "items": [i.model_dump(mode="json") for i in items],
            "version": catalogue.version,
        },
        status_code=status,
        headers={
            "ETag": f'"{catalogue.version}"',
            "Cache-Control": "public, max-age=60",
        },
    )


@router.get(
    "",
    response_class=JSON,
    summary="The licence items anyone may apply for, with their terms",
    response_model=CatalogueView,
    responses=problems(*PUBLIC),
)
def list_items(request: Request) -> JSON:
    return catalogue_response(registry(request).catalogue())


@router.get(
    "/{code}",
    response_class=JSON,
    summary="One licence item's published terms",
    response_model=ItemView,
    responses=problems(*PUBLIC, 404),
)
def get_item(code: str, request: Request) -> JSON:
    return JSON(registry(request).get_item(code).model_dump(mode="json"))


class RevisionBody(Decision):
    terms: ItemTerms


@router.post(
    "/{code}/revise",
    response_class=JSON,
    summary="Revise an item's published terms (admin)",
    response_model=CatalogueView,
    responses=problems(*COMMAND),
)
def revise_item(
    code: str,
    body: RevisionBody,
    request: Request,
    principal: CurrentPrincipal,
    if_match: Annotated[str | None, Header()] = None,
) -> JSON:
    service = registry(request)
    audit = audit_for(request, principal, service, "manage_catalogue", body.reason)
    if body.terms.code != code:
        raise ProblemError(
            422, "the terms' code must match the item in the path", slug="invalid-input"
        )
    result = service.revise_item(body.terms, audit, expected_version(if_match))
    return replay_marked(catalogue_response(service.case_of(result)), result)


@router.post(
    "/{code}/withdraw",
    response_class=JSON,
    summary="Withdraw an item from the catalogue (admin)",
    response_model=CatalogueView,
    responses=problems(*COMMAND),
)
def withdraw_item(
    code: str,
    body: Decision,
    request: Request,
    principal: CurrentPrincipal,
    if_match: Annotated[str | None, Header()] = None,
) -> JSON:
    service = registry(request)
    audit = audit_for(request, principal, service, "manage_catalogue", body.reason)
    result = service.withdraw_item(code, audit, expected_version(if_match))
    return replay_marked(catalogue_response(service.case_of(result)), result)
