"""/v1/licensing/items: the published catalogue (行政许可法 Art. 30 公示).

Reading is public. Revising or withdrawing an item is an admin's decision and
is recorded as an event on the catalogue like any other change.
"""

from typing import Any

from fastapi import APIRouter, Request

from api.http.commands import CaseResource, add_command_routes
from api.http.openapi import PUBLIC, problems
from api.http.views import JSON
from api.licensing.schemas import Catalogue as CatalogueView
from api.licensing.schemas import ItemView
from domain.registry.catalogue import CATALOGUE_ID, Catalogue
from domain.registry.service import Registry

router = APIRouter(prefix="/v1/licensing/items", tags=["licence item catalogue"])


def registry(request: Request) -> Registry:
    service: Registry = request.app.state.services.registry
    return service


def _view(catalogue: Catalogue) -> dict[str, Any]:
    items = sorted(catalogue.items.values(), key=lambda i: i.code)
    return {
        "items": [i.model_dump(mode="json") for i in items],
        "version": catalogue.version,
    }


def catalogue_response(catalogue: Catalogue, status: int = 200) -> JSON:
    return JSON(
        _view(catalogue),
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


# An item's commands change the one catalogue, named by the item's code.
ITEMS = CaseResource(
    what="catalogue",
    service=registry,
    view=_view,
    changed=CatalogueView,
    key="code",
    key_type=str,
    case_id=lambda code: CATALOGUE_ID,
    answer=lambda catalogue, result, status: catalogue_response(catalogue, status),
)

add_command_routes(router, ITEMS, Registry.routes_on(Catalogue))
