"""/v1/licensing/liaisons: enterprise liaison (质企联系).

POST designates an enterprise's contact (201); each liaison's commands are
POST …/{id}/<verb>; GET /analysis is the quarterly analysis (定时分析) per
unit and quarter, summed from the `liaisons` model's quarter buckets.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.http.commands import CaseResource, add_case_routes, add_creation_route
from api.http.openapi import STAFF, problems
from api.http.reads import UnitFilter
from api.http.views import JSON
from api.licensing import aftercare_schemas as schemas
from api.licensing.reads import StaffReader, licensing
from domain.licensing.liaison import Liaison, quarter_of
from domain.licensing.service import Licensing
from domain.shared.errors import InvalidInputError
from projections.licensing import liaisons

router = APIRouter(prefix="/v1/licensing/liaisons", tags=["enterprise liaison"])

LIAISONS = CaseResource(
    what="liaison",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_liaison(
        case_id, version
    ),
    units_of=lambda liaison: (liaison.unit_code,),
    view=schemas.liaison_view,
    model=schemas.LiaisonView,
    changed=schemas.LiaisonChanged,
)

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
Quarter = Annotated[str | None, Query(pattern=QUARTER.pattern)]


def first_day(label: str | None, today: date, name: str) -> date:
    """ "2026Q4" → 2026-10-01; none: the current quarter."""
    if label is None:
        return quarter_of(today)
    match = QUARTER.match(label)
    if match is None:  # pragma: no cover - the Query pattern refuses it first
        raise InvalidInputError("a quarter is written like 2026Q4", field=name)
    year, number = int(match.group(1)), int(match.group(2))
    if year < 1900:
        raise InvalidInputError("a quarter is written like 2026Q4", field=name)
    return date(year, 3 * number - 2, 1)


@router.get(
    "/analysis",
    response_class=JSON,
    summary="定时分析: per unit and quarter, enterprises under liaison, visited, not visited, findings",
    response_model=schemas.LiaisonAnalysis,
    responses=problems(*STAFF),
)
def get_analysis(
    reader: StaffReader,
    quarter_from: Quarter = None,
    quarter_to: Quarter = None,
    unit: UnitFilter = None,
) -> JSON:
    first = first_day(quarter_from, reader.today, "quarter_from")
    last = first_day(quarter_to, reader.today, "quarter_to")
    if first > last:
        raise InvalidInputError(
            "`quarter_from` is after `quarter_to`", field="quarter_from"
        )
    if last.year - first.year > 20:
        raise InvalidInputError("at most 20 years of quarters", field="quarter_to")
    rows = liaisons.analysis(
        reader.conn,
        liaisons.AnalysisQuery(
            scope=reader.scope, first=first, last=last, unit=reader.unit(unit)
        ),
    )
    return JSON({"quarters": rows})


add_creation_route(
    router,
    LIAISONS,
    Licensing.commands["designate_liaison"],
    schemas.LiaisonChanged,
)
add_case_routes(router, LIAISONS, Licensing.routes_on(Liaison))
