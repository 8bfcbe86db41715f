"""/v1/licensing/statistics/ratings: 评议 figures per grade in a period, in
total and by unit or item, summed from the `ratings` model's rollup."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.openapi import STAFF, problems
from api.http.reads import PeriodFrom, PeriodTo, UnitFilter, period
from api.http.views import JSON
from api.licensing import aftercare_schemas as schemas
from api.licensing.reads import StaffReader
from projections.licensing import ratings

router = APIRouter(
    prefix="/v1/licensing/statistics/ratings", tags=["licensing read models"]
)


@router.get(
    "",
    response_class=JSON,
    summary="评议 statistics: ratings per grade, by unit or item",
    response_model=schemas.RatingStatistics,
    responses=problems(*STAFF),
)
def get_rating_statistics(
    reader: StaffReader,
    date_from: PeriodFrom = None,
    date_to: PeriodTo = None,
    unit: UnitFilter = None,
    group_by: Annotated[
        ratings.RatingGroupBy | None,
        Query(
            description="分组 — group by unit (单位) or item (事项); none: the total"
        ),
    ] = None,
) -> JSON:
    first, last = period(date_from, date_to, reader.today)
    return JSON(
        ratings.statistics(
            reader.conn,
            ratings.RatingQuery(
                scope=reader.scope,
                date_from=first,
                date_to=last,
                unit=reader.unit(unit),
                group_by=group_by,
            ),
        )
    )
