"""/v1/licensing/statistics: counts and on-time rates, from events alone."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from fastapi import APIRouter

from api.http.openapi import STAFF, problems
from api.http.reads import (
    PeriodFrom,
    PeriodTo,
    UnitFilter,
    period,
)
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.reads import StaffReader
from projections.licensing import statistics
from projections.licensing.statistics import GroupBy

router = APIRouter(prefix="/v1/licensing/statistics", tags=["licensing read models"])


@router.get(
    "",
    response_class=JSON,
    summary="Licensing statistics for a period",
    response_model=schemas.Statistics,
    responses=problems(*STAFF),
)
def get_statistics(
    reader: StaffReader,
    date_from: PeriodFrom = None,
    date_to: PeriodTo = None,
    unit: UnitFilter = None,
    group_by: GroupBy | None = None,
) -> JSON:
    first, last = period(date_from, date_to, reader.today)
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
