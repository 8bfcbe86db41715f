"""/v1/licensing/statistics: counts and on-time rates, from events alone."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.openapi import STAFF, problems
from api.http.reads import (
    UnitFilter,
)
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.reads import StaffReader
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from projections.licensing import statistics
from projections.licensing.statistics import GroupBy

router = APIRouter(prefix="/v1/licensing/statistics", tags=["licensing read models"])

MAX_PERIOD_DAYS = 366 * 20


@router.get(
    "",
    response_class=JSON,
    summary="Licensing statistics for a period",
    response_model=schemas.Statistics,
    responses=problems(*STAFF),
)
def get_statistics(
    reader: StaffReader,
    date_from: Annotated[
        IsoDate | None,
        Query(alias="from", description="first day; default 1 January this year"),
    ] = None,
    date_to: Annotated[
        IsoDate | None, Query(alias="to", description="last day; default today")
    ] = None,
    unit: UnitFilter = None,
    group_by: GroupBy | None = None,
) -> JSON:
    first = date_from or reader.today.replace(month=1, day=1)
    last = date_to or reader.today
    if first > last:
        raise InvalidInputError("`from` is after `to`", field="from")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise InvalidInputError("the period may span at most 20 years", field="to")
    return JSON(
        statistics.statistics(
            reader.conn,
            statistics.StatisticsQuery(
                scope=reader.scope,
                date_from=first,
                date_to=last,
                unit=reader.unit(unit),
                group_by=group_by,
            ),
        )
    )
