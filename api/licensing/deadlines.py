"""/v1/licensing/deadlines: the deadline board (every running legal deadline)."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.openapi import STAFF, problems
from api.http.reads import (
    BoardAfter,
    Limit,
    UnitFilter,
    page_body,
)
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.reads import StaffReader
from projections import deadline_board
from projections.deadline_board import BoardState

router = APIRouter(prefix="/v1/licensing/deadlines", tags=["licensing read models"])


@router.get(
    "",
    response_class=JSON,
    response_model=schemas.DeadlinesPage,
    responses=problems(*STAFF),
    summary="Deadline board: acceptance, decision, certificate, supply and renewal deadlines",
)
def list_deadlines(
    reader: StaffReader,
    unit: UnitFilter = None,
    due_within_days: Annotated[
        int | None,
        Query(ge=0, le=3660, description="due within this many calendar days"),
    ] = None,
    state: Annotated[
        BoardState | None,
        Query(
            description="overdue: passed; due: today is the last day; at_risk: 1-3 working days left"
        ),
    ] = None,
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
        ),
        reader.calendar,
    )
    return JSON(page_body(page, today=reader.today))
