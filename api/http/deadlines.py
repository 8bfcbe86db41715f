"""/v1/deadlines: the deadline board of every registered context, in neutral
columns. A context's own board (e.g. under /v1/<context>/deadlines) is the same
query limited to its log and shown in its own words (`board_route`)."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.http.openapi import STAFF, problems
from api.http.reads import (
    BoardAfter,
    Limit,
    Reader,
    UnitFilter,
    page_body,
    staff_reader,
)
from api.http.schemas import Page, shared_example
from api.http.views import JSON
from projections import deadline_board
from projections.deadline_board import BoardState
from projections.queries import Page as Rows


class Named(BaseModel):
    code: str | None = None
    name: str


class DeadlineEntry(BaseModel):
    """One running legal deadline of any context's case."""

    case_kind: str
    case_id: UUID
    context: str
    reference: str
    party: Named
    subject: Named
    kind: str
    due: date
    promised_due: date | None
    working_days_left: int
    state: BoardState | None
    provisional: bool
    rule: str
    unit_code: str


class BoardPage(Page):
    model_config = shared_example("BoardPage")

    today: date
    items: list[DeadlineEntry]


DueWithin = Annotated[
    int | None,
    Query(ge=0, le=3660, description="due within this many calendar days"),
]
State = Annotated[
    BoardState | None,
    Query(
        description="overdue: passed; due: today is the last day; at_risk: 1-3 working days left"
    ),
]


def board_route(
    router: APIRouter,
    reader: Callable[..., Any],
    *,
    logs: tuple[str, ...],
    summary: str,
    response_model: type[BaseModel],
    shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row,
    annotate: Callable[[Any, list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> None:
    """Add `GET ""` to `router`: the board of `logs` (every log if empty),
    each row shaped by `shape`, after `annotate` (given the connection and
    the page's rows) added what a context's own read model knows of them."""

    @router.get(
        "",
        response_class=JSON,
        response_model=response_model,
        responses=problems(*STAFF),
        summary=summary,
    )
    def list_deadlines(
        reader: Annotated[Reader, Depends(reader)],
        unit: UnitFilter = None,
        due_within_days: DueWithin = None,
        state: State = None,
        after: BoardAfter = None,
        limit: Limit = 50,
    ) -> JSON:
        page = deadline_board.board(
            reader.conn,
            deadline_board.BoardQuery(
                scope=reader.scope,
                today=reader.today,
                unit=reader.unit(unit),
                due_within_days=due_within_days,
                state=state,
                after=after,
                limit=limit,
                logs=logs,
                roles=reader.roles,
                reader_no=reader.principal.staff_no if reader.principal else None,
            ),
            reader.calendar,
            reader.deadlines,
        )
        rows = list(page.items)
        if annotate is not None:
            rows = annotate(reader.conn, rows)
        page = Rows([shape(r) for r in rows], page.next_cursor)
        return JSON(page_body(page, today=reader.today))


router = APIRouter(prefix="/v1/deadlines", tags=["deadlines"])
board_route(
    router,
    staff_reader(""),
    logs=(),
    summary="Deadline board of every context: each running legal deadline, soonest first",
    response_model=BoardPage,
)
