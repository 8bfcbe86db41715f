"""/v1/licensing/items: the published catalogue (行政许可法 Art. 30 公示), public."""

from fastapi import APIRouter, Request

from api.views import JSON
from domain.registry.catalogue import ItemTerms

router = APIRouter(prefix="/v1/licensing/items", tags=["licence item catalogue"])


def _public(item: ItemTerms) -> dict[str, object]:
    return item.model_dump(mode="json")


@router.get(
    "",
    response_class=JSON,
    summary="The licence items anyone may apply for, with their terms",
)
def list_items(request: Request) -> JSON:
    catalogue = request.app.state.services.registry.catalogue()
    items = sorted(catalogue.items.values(), key=lambda i: i.code)
    return JSON(
        {"items": [_public(i) for i in items], "version": catalogue.version},
        headers={
            "ETag": f'"{catalogue.version}"',
            "Cache-Control": "public, max-age=60",
        },
    )


@router.get(
    "/{code}", response_class=JSON, summary="One licence item's published terms"
)
def get_item(code: str, request: Request) -> JSON:
    item = request.app.state.services.registry.get_item(code)
    return JSON(_public(item))
