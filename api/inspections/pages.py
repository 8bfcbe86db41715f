"""你点我查: the public's nomination form (a product, a firm or a place to be
checked, and why) and its receipt. It submits through the JSON route's own
code (`nominate_online`, with its per-client limit), checked by the same
model (`Nominated`); bad input is shown next to its field, nothing recorded.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.http.errors import ProblemError
from api.http.site import FieldSpec, checked, form_fields, form_page, limited, render
from api.inspections.public import nominate_online
from domain.inspections.nomination import Nominated, SubjectKind

pages = APIRouter(prefix="/inspections")
Form = Annotated[dict[str, str], Depends(form_fields)]

KINDS = [
    (SubjectKind.PRODUCT.value, "产品"),
    (SubjectKind.ENTERPRISE.value, "企业"),
    (SubjectKind.PLACE.value, "场所（如市场、加油站、街区）"),
]
FIELDS = {
    "kind": FieldSpec("推荐抽查的对象类型"),
    "subject": FieldSpec("对象名称"),
    "region_code": FieldSpec("所在地行政区划代码", "填写6位行政区划代码，例如 320803"),
    "uscc": FieldSpec("统一社会信用代码", "18位代码，见营业执照；不知道可以不填"),
    "reason": FieldSpec("推荐理由"),
}


@pages.get("/nominate", response_class=HTMLResponse)
def form(request: Request) -> HTMLResponse:
    return form_page(request, "inspections/nominate.html", {}, kinds=KINDS)


@pages.post("/nominate", response_class=HTMLResponse)
def nominate(request: Request, fields: Form) -> HTMLResponse:
    body = checked(Nominated, FIELDS, fields)
    if isinstance(body, list):
        return form_page(
            request, "inspections/nominate.html", fields, body, kinds=KINDS
        )
    try:
        _, nomination = nominate_online(request, body)
    except ProblemError as exc:
        return limited(request, exc, "推荐")
    return render(
        request,
        "inspections/nominated.html",
        status=201,
        number=nomination.number,
        submitted_on=nomination.submitted_on,
        subject=nomination.nominated.subject,
    )
