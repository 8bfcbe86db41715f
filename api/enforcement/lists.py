"""The enforcement read model over HTTP: the index of penalty cases (your
jurisdiction; an auditor everything), the statistics summed from the rollup,
and the context's part of the deadline board."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Any, Optional
from uuid import UUID

from fastapi import APIRouter, Query

from api.enforcement import schemas
from api.enforcement.reads import StaffReader
from api.http.deadlines import board_route
from api.http.openapi import STAFF, problems
from api.http.reads import (
    After,
    Limit,
    PeriodFrom,
    PeriodTo,
    UnitFilter,
    page_body,
    period,
    staff_reader,
    upper,
)
from api.http.views import JSON
from domain.enforcement.case import Status
from domain.enforcement.service import Enforcement
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.uscc import USCC
from projections.enforcement import queries

router = APIRouter(tags=["penalty cases read models"])

OriginContext = Annotated[
    Optional[str],  # noqa: UP045
    Query(
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="the context (log name) of the case it was opened from",
    ),
]


@router.get(
    "/v1/enforcement/cases",
    response_class=JSON,
    summary="The penalty cases (行政处罚案件) index, newest first",
    response_model=schemas.CasesPage,
    responses=problems(*STAFF),
    name="list_penalty_cases",
)
def index(
    reader: StaffReader,
    status: Annotated[
        list[Status] | None, Query(description="案件状态 — one or more statuses")
    ] = None,
    unit: UnitFilter = None,
    origin_context: OriginContext = None,
    origin_case_id: Annotated[
        Optional[UUID],  # noqa: UP045
        Query(description="the id of the case it was opened from"),
    ] = None,
    party_uscc: Annotated[
        Optional[USCC],  # noqa: UP045
        Query(description="当事人统一社会信用代码 — the party's USCC"),
    ] = None,
    decided_from: Annotated[
        Optional[IsoDate],  # noqa: UP045
        Query(description="decided on or after (处罚决定日期)"),
    ] = None,
    decided_to: Annotated[
        Optional[IsoDate],  # noqa: UP045
        Query(description="decided on or before"),
    ] = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    if decided_from and decided_to and decided_from > decided_to:
        raise InvalidInputError(
            "decided_from is after decided_to", field="decided_from"
        )
    page = queries.search(
        reader.conn,
        queries.CaseQuery(
            scope=reader.scope,
            today=reader.today,
            statuses=tuple(status or ()),
            unit=reader.unit(unit),
            origin_context=origin_context,
            origin_case_id=origin_case_id,
            party_uscc=upper(party_uscc),
            decided_from=decided_from,
            decided_to=decided_to,
            after=after,
            limit=limit,
        ),
        reader.calendar,
    )
    return JSON(page_body(page))


@router.get(
    "/v1/enforcement/statistics",
    response_class=JSON,
    summary="Statistics of penalty cases (from rollups)",
    response_model=schemas.Statistics,
    responses=problems(*STAFF),
    name="penalty_statistics",
)
def get_statistics(
    reader: StaffReader,
    date_from: PeriodFrom = None,
    date_to: PeriodTo = None,
    unit: UnitFilter = None,
    group_by: Annotated[
        Optional[queries.GroupBy],  # noqa: UP045
        Query(description="统计口径 — group by unit or month (none: the total)"),
    ] = None,
) -> JSON:
    start, end = period(date_from, date_to, reader.today)
    figures = queries.statistics(
        reader.conn,
        queries.StatisticsQuery(
            scope=reader.scope,
            date_from=start,
            date_to=end,
            unit=reader.unit(unit),
            group_by=group_by,
        ),
    )
    return JSON(figures)


board = APIRouter(
    prefix="/v1/enforcement/deadlines", tags=["penalty cases read models"]
)


def entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": row["case_id"],
        "number": row["reference"],
        "kind": row["kind"],
        "due": row["due"],
        "working_days_left": row["working_days_left"],
        "state": row["state"],
        "provisional": row["provisional"],
        "rule": row["rule"],
        "unit_code": row["unit_code"],
        "party": row["party"]["name"] if row["party"] else "",
    }


board_route(
    board,
    staff_reader(Enforcement.name),
    logs=(Enforcement.name,),
    summary="Deadline board of penalty cases: decision, hearing request, service, payment",
    response_model=schemas.DeadlinesPage,
    shape=entry,
)
