"""The 12315 line's public pages: the online form for a complaint, a report
or an enquiry (投诉、举报、咨询), its receipt, and the progress lookup.

The form submits through the JSON route's own code (`submit_online`, with its
per-client limit) and is checked by the JSON route's own model
(`OnlineSubmission`): bad input is shown next to its field, the values kept,
and nothing is recorded. The lookup is the JSON route's (`progress_of`),
counted against the same limit of failed lookups.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.complaints.public import OnlineSubmission, Voucher, progress_of, submit_online
from api.complaints.reads import complaints
from api.http.errors import ProblemError
from api.http.site import (
    FieldError,
    FieldSpec,
    checked,
    form_fields,
    form_page,
    limited,
    lookup_page,
    nest,
    render,
)
from domain.complaints.intake import Intake
from domain.shared.errors import InvalidInputError, NotFoundError

pages = APIRouter(prefix="/complaints")
Form = Annotated[dict[str, str], Depends(form_fields)]

FIELDS = {
    "unit_code": FieldSpec("受理单位", "填写6位行政区划代码，例如 320803"),
    "identity": FieldSpec("是否留名"),
    "submitter.person.name": FieldSpec("您的姓名"),
    "submitter.person.phone": FieldSpec("联系电话"),
    "submitter.person.address": FieldSpec("联系地址"),
    "respondent.name": FieldSpec("被投诉（举报）单位名称"),
    "respondent.uscc": FieldSpec(
        "统一社会信用代码", "18位代码，见营业执照；不知道可以不填"
    ),
    "respondent.address": FieldSpec("经营地址"),
    "respondent.region_code": FieldSpec(
        "所在地行政区划代码", "填写6位行政区划代码，例如 320803"
    ),
    "facts": FieldSpec("事实和理由"),
    "claim": FieldSpec("诉求"),
}
VOUCHER_FIELDS = {
    "intake_number": FieldSpec("登记编号"),
    "query_code": FieldSpec("查询码"),
}
STATUS = {
    "registered": "已登记，等待处理",
    "classified": "已分类转办",
    "answered": "已答复",
    "referred": "已告知向其他渠道反映",
    "accepted": "已受理",
    "suspended": "调解中止",
    "not_accepted": "不予受理",
    "agreed": "调解达成协议",
    "terminated": "终止调解",
    "withdrawn": "已撤回",
    "disputed": "管辖争议处理中",
    "case_opened": "已立案",
    "not_opened": "不予立案",
    "concluded": "已有处理结论",
    "closed": "已办结",
    "negotiating": "企业和解处理中",
    "settled": "已和解",
    "not_settled": "企业未和解",
    "escalated": "已转为向本局投诉",
}
CLASSIFICATION = {
    "complaint": "投诉",
    "report": "举报",
    "both": "投诉和举报",
    "enquiry": "咨询",
    "outside": "不属于投诉举报",
    "conduct": "效能投诉",
}
KIND = {
    "complaint": "投诉",
    "report": "举报",
    "conduct": "效能投诉",
    "odr": "在线纠纷解决",
}


NAMED = {"identity": "named"}  # the form's first answer


@pages.get("/new", response_class=HTMLResponse)
def form(request: Request) -> HTMLResponse:
    return form_page(request, "complaints/form.html", NAMED)


def _body(fields: dict[str, str]) -> dict[str, Any]:
    body = nest(fields, FIELDS)
    body.pop("identity", None)  # the page's question, not the model's field
    if fields.get("identity") == "anonymous":  # an anonymous report: no person
        del body["submitter"]["person"]
    return body


@pages.post("/new", response_class=HTMLResponse)
def submit(request: Request, fields: Form) -> HTMLResponse:
    errors: list[FieldError] = []
    if fields.get("identity") not in ("named", "anonymous"):
        errors.append(FieldError("identity", "是否留名：请选择"))
    body = checked(OnlineSubmission, FIELDS, fields, _body(fields))
    if isinstance(body, list) or errors:
        found = [*errors, *body] if isinstance(body, list) else errors
        return form_page(request, "complaints/form.html", fields, _ordered(found))
    try:
        receipt = submit_online(request, body)
    except ProblemError as exc:
        return limited(request, exc, "提交")
    except InvalidInputError as exc:
        if exc.field != "unit_code":
            raise
        unknown = FieldError("unit_code", "受理单位：没有这个单位，请核对行政区划代码")
        return form_page(request, "complaints/form.html", fields, [unknown])
    intake = receipt.case
    return render(
        request,
        "complaints/receipt.html",
        status=201,
        intake_number=receipt.intake_number,
        query_code=receipt.query_code,
        received_on=intake.received_on if intake else None,
    )


def _ordered(errors: list[FieldError]) -> list[FieldError]:
    order = list(FIELDS)
    return sorted(
        errors, key=lambda e: order.index(e.field) if e.field in order else len(order)
    )


@pages.get("/progress", response_class=HTMLResponse)
def progress_form(request: Request) -> HTMLResponse:
    return form_page(request, "complaints/progress.html", {})


@pages.post("/progress", response_class=HTMLResponse)
def progress(request: Request, fields: Form) -> HTMLResponse:
    voucher = checked(Voucher, VOUCHER_FIELDS, fields)
    if isinstance(voucher, list):
        return form_page(request, "complaints/progress.html", fields, voucher)

    def find() -> Intake | None:
        try:
            return complaints(request).find_intake(
                voucher.intake_number, voucher.query_code
            )
        except NotFoundError:
            return None

    return lookup_page(
        request,
        "complaints/progress.html",
        fields,
        find,
        lambda intake: progress_of(request, intake),
        status_names=STATUS,
        classifications=CLASSIFICATION,
        kinds=KIND,
    )
