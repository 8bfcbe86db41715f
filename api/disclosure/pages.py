"""Disclosure's public pages (双公示): the search and each decision's page.

The search is the JSON route's (`entries_queries.search`, the same filters,
the same redacted records); a bad filter is shown beside its field in
Chinese with a 422, and nothing else happens.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Any, Optional
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.disclosure.params import PublicReader, Text
from api.http.reads import CURSOR_PATTERN
from api.http.site import FieldError, FieldSpec, field_errors, render
from domain.disclosure.record import (
    CATEGORY_NAMES,
    Category,
    DecisionKind,
    PublicRecord,
    labelled,
)
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.uscc import USCC
from projections.disclosure import entries_queries as q

pages = APIRouter(prefix="/disclosures")

KINDS = (("", "全部"), ("licence", "行政许可"), ("penalty", "行政处罚"))
SPECS = {
    "party": FieldSpec(label="行政相对人名称"),
    "uscc": FieldSpec(label="统一社会信用代码"),
    "decision_number": FieldSpec(label="决定书文号"),
    "kind": FieldSpec(label="类别"),
    "from": FieldSpec(label="决定日期自"),
    "to": FieldSpec(label="决定日期至"),
    "after": FieldSpec(label="页码"),
}


Cursor = Annotated[str, Field(max_length=200, pattern=CURSOR_PATTERN)]


class SearchForm(BaseModel):
    """The search's fields, checked as the JSON route checks its parameters
    (`from` and `to` are the form's names of the decision-date bounds)."""

    model_config = ConfigDict(extra="ignore")

    party: Optional[Text] = None  # noqa: UP045
    uscc: Optional[USCC] = None  # noqa: UP045
    decision_number: Optional[Text] = None  # noqa: UP045
    kind: Optional[DecisionKind] = None  # noqa: UP045
    date_from: Optional[IsoDate] = Field(None, alias="from")  # noqa: UP045
    date_to: Optional[IsoDate] = Field(None, alias="to")  # noqa: UP045
    after: Optional[Cursor] = None  # noqa: UP045


def _form(
    request: Request,
) -> tuple[dict[str, str], SearchForm | None, list[FieldError]]:
    """The form's values as typed (shown again), the checked form or the
    errors beside their fields."""
    values = {k: v.strip() for k, v in request.query_params.items() if k in SPECS}
    try:
        form = SearchForm.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as exc:
        return values, None, field_errors(exc, SPECS)
    if form.date_from and form.date_to and form.date_from > form.date_to:
        return values, None, [FieldError("from", "决定日期自：不能晚于“决定日期至”")]
    return values, form, []


def _page(
    request: Request,
    values: dict[str, str],
    errors: list[FieldError],
    items: list[dict[str, Any]],
    next_cursor: str | None,
) -> HTMLResponse:
    return render(
        request,
        "disclosure/search.html",
        status=422 if errors else 200,
        values=values,
        errors=errors,
        kinds=KINDS,
        items=items,
        next_cursor=next_cursor,
        searched=bool(request.query_params),
    )


@pages.get("", response_class=HTMLResponse)
def search(request: Request, reader: PublicReader) -> HTMLResponse:
    values, form, errors = _form(request)
    if form is None:
        return _page(request, values, errors, [], None)
    try:
        page = q.search(
            reader.conn,
            q.EntryQuery(
                party=form.party,
                uscc=form.uscc,
                decision_number=form.decision_number,
                kind=form.kind,
                decided_from=form.date_from,
                decided_to=form.date_to,
                after=form.after,
                limit=20,
            ),
        )
    except InvalidInputError:  # a cursor that is not one of ours
        stale = [FieldError("after", "页码：无效，请重新查询")]
        return _page(request, values, stale, [], None)
    return _page(request, values, [], [_shown(e) for e in page.items], page.next_cursor)


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    record = PublicRecord.model_validate(entry["record"])
    return {
        "id": entry["id"],
        "record": record,
        "category": CATEGORY_NAMES[record.category],
        "published_on": entry["published_on"],
    }


@pages.get("/{entry_id}", response_class=HTMLResponse)
def decision(entry_id: str, request: Request, reader: PublicReader) -> HTMLResponse:
    try:
        found = q.entry(reader.conn, UUID(entry_id))
    except ValueError:
        found = None
    if found is None:
        return render(
            request,
            "not_found.html",
            status=404,
            message="没有找到这条公示信息：它可能尚未公示，或链接有误。",
        )
    if found["record"] is None:
        return render(
            request, "disclosure/entry.html", entry=found, fields=[], category=""
        )
    record = PublicRecord.model_validate(found["record"])
    return render(
        request,
        "disclosure/entry.html",
        entry=found,
        fields=labelled(record),
        category=CATEGORY_NAMES[Category(record.category)],
    )
