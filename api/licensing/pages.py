"""Licensing's public pages: the catalogue, each item's one-time written
notice (一次性告知, 行政许可法 Art. 30), the progress lookup (办件查询) and
the check of a written notice's or certificate's QR code (电子证照核验), and the rating form (工作评议).

The catalogue is the one the JSON routes publish (api/licensing/items.py);
the lookup is the JSON route's (api/licensing/public_progress.py), counted
against the same per-client limit.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict

from api.http.errors import ProblemError
from api.http.site import (
    FieldSpec,
    checked,
    form_fields,
    form_page,
    limited,
    lookup_page,
    render,
)
from api.licensing.documents.check import check
from api.licensing.items import registry
from api.licensing.public_progress import find_progress
from api.licensing.ratings import RATING_LABELS, HandlingRatingBody, rate
from api.licensing.reads import PublicReader, licensing
from domain.licensing.rating import AlreadyRatedError
from domain.registry.catalogue import ApprovalMode, Handling, ItemTerms
from domain.shared.errors import DomainError, NotFoundError
from domain.shared.satisfaction import Rating
from domain.shared.text import Line

pages = APIRouter(prefix="/licensing")

MODES = {
    ApprovalMode.STANDARD: "一般程序",
    ApprovalMode.ON_THE_SPOT: "当场作出决定（行政许可法第34条第2款）",
    ApprovalMode.NOTIFY_AND_COMMIT: "告知承诺（优化营商环境条例第40条）",
    ApprovalMode.ACCEPT_WITH_DEFICIENCIES: "容缺受理（次要材料可后补）",
    ApprovalMode.VERIFY_THEN_ISSUE: "先核后证",
}
HANDLING = {
    Handling.ORDINARY: "一般办理（行政许可法第42条：20个工作日，可延长10个工作日）",
    Handling.UNIFIED: "统一办理、联合办理或集中办理（行政许可法第42条：45个工作日，可延长15个工作日）",
}


def fee(fen: int) -> str:
    if fen == 0:
        return "不收费（行政许可法第58条：实施行政许可不得收取任何费用，法律、行政法规另有规定的除外）"
    return f"{fen // 100}.{fen % 100:02d} 元"


def _ordered(items: dict[str, ItemTerms]) -> list[ItemTerms]:
    return sorted(items.values(), key=lambda i: i.code)


@pages.get("/items", response_class=HTMLResponse)
def catalogue(request: Request) -> HTMLResponse:
    found = registry(request).catalogue()
    return render(
        request,
        "licensing/items.html",
        items=_ordered(found.items),
        version=found.version,
    )


@pages.get("/items/{code}", response_class=HTMLResponse)
def notice(code: str, request: Request) -> HTMLResponse:
    try:
        item = registry(request).get_item(code)
    except NotFoundError:
        return render(
            request,
            "not_found.html",
            status=404,
            message="事项目录中没有这个事项，请从事项目录中选择。",
        )
    return render(
        request,
        "licensing/notice.html",
        item=item,
        modes=[MODES[m] for m in ApprovalMode if m in item.approval_modes],
        handling=HANDLING[item.handling],
        fee=fee(item.fee_fen),
    )


class ProgressQuery(BaseModel):
    """The lookup form: what GET /public/v1/progress takes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    receipt_number: Annotated[str, Line(40)]
    query_code: Annotated[str, Line(40)]


PROGRESS_FIELDS = {
    "receipt_number": FieldSpec("受理编号", "受理通知书上的编号"),
    "query_code": FieldSpec("查询码", "受理时告知的查询码"),
}
Form = Annotated[dict[str, str], Depends(form_fields)]


@pages.get("/progress", response_class=HTMLResponse)
def progress_form(request: Request) -> HTMLResponse:
    return form_page(request, "licensing/progress.html", {})


@pages.post("/progress", response_class=HTMLResponse)
def progress(request: Request, fields: Form, reader: PublicReader) -> HTMLResponse:
    query = checked(ProgressQuery, PROGRESS_FIELDS, fields)
    if isinstance(query, list):
        return form_page(request, "licensing/progress.html", fields, query)
    return lookup_page(
        request,
        "licensing/progress.html",
        fields,
        lambda: find_progress(reader, query.receipt_number, query.query_code),
    )


@pages.get("/documents/{code}", response_class=HTMLResponse)
def document_check(code: str, request: Request, reader: PublicReader) -> HTMLResponse:
    """电子证照核验: where a document's QR code leads (a phone opens it)."""
    try:
        found = check(
            licensing(request),
            reader.conn,
            request.app.state.settings,
            reader.today,
            code,
        )
    except ProblemError as exc:
        if exc.status != 404:
            raise
        return render(
            request,
            "not_found.html",
            status=404,
            message="没有找到与该核验码对应的文书：文书不是本机关出具的，或核验码有误。",
        )
    return render(request, "licensing/document.html", found=found, code=code)


RATING_FIELDS = {
    **PROGRESS_FIELDS,
    "rating": FieldSpec("评议", "满意、基本满意或不满意"),
    "comment": FieldSpec("意见", "不超过 1000 字"),
}
GRADES = [(r.value, RATING_LABELS[r]) for r in Rating]
RATING_PAGE = "licensing/rating.html"


@pages.get("/rating", response_class=HTMLResponse)
def rating_form(request: Request) -> HTMLResponse:
    return form_page(request, RATING_PAGE, {}, grades=GRADES)


@pages.post("/rating", response_class=HTMLResponse)
def rating(request: Request, fields: Form) -> HTMLResponse:
    """工作评议 as the JSON route takes it (api/licensing/ratings.py), counted
    against the same per-client limit; a refusal is told in the page."""
    body = checked(HandlingRatingBody, RATING_FIELDS, fields)
    if isinstance(body, list):
        return form_page(request, RATING_PAGE, fields, body, grades=GRADES)
    try:
        rated_on = rate(request, body)
    except ProblemError as exc:
        if exc.status != 404:
            return limited(request, exc, "评议失败")
        return render(
            request,
            RATING_PAGE,
            status=404,
            values=fields,
            errors=[],
            grades=GRADES,
            missing=True,
        )
    except DomainError as exc:
        refusal = "该办件尚未作出决定，作出决定后才能评议。"
        if isinstance(exc, AlreadyRatedError):
            refusal = "该决定已经评议过，每个决定只能评议一次。"
        return render(
            request,
            RATING_PAGE,
            status=409,
            values=fields,
            errors=[],
            grades=GRADES,
            refusal=refusal,
        )
    return render(
        request,
        RATING_PAGE,
        values={},
        errors=[],
        grades=GRADES,
        rated={"grade": RATING_LABELS[body.rating], "on": rated_on},
    )
