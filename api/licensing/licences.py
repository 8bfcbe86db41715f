"""/v1/licensing/licences: the licences granted, and their lifecycle."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.commands import CaseResource, add_case_routes
from api.http.openapi import STAFF, problems
from api.http.reads import (
    After,
    Limit,
    UnitFilter,
    UsccFilter,
    page_body,
    upper,
)
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.reads import StaffReader, licensing
from api.licensing.views import licence_view
from domain.licensing.licence import Licence, LicenceStatus
from domain.licensing.service import Licensing
from projections.licensing import licences_queries as licences

router = APIRouter(prefix="/v1/licensing/licences", tags=["licences"])


LICENCES = CaseResource(
    what="licence",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_licence(
        case_id, version
    ),
    units_of=lambda lic: (lic.authority_unit_code,),
    view=licence_view,
    model=schemas.LicenceView,
    changed=schemas.LicenceChanged,
)

# The commands on a licence, as the service declares them.
COMMANDS = Licensing.routes_on(Licence)

add_case_routes(router, LICENCES, COMMANDS)


@router.get(
    "",
    response_class=JSON,
    summary="The licence register (read model; your jurisdiction only)",
    response_model=schemas.LicencesPage,
    responses=problems(*STAFF),
)
def list_licences(
    reader: StaffReader,
    holder_uscc: UsccFilter = None,
    status: Annotated[list[LicenceStatus] | None, Query()] = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3660)] = None,
    unit: UnitFilter = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    page = licences.register(
        reader.conn,
        licences.LicenceQuery(
            scope=reader.scope,
            today=reader.today,
            holder_uscc=upper(holder_uscc),
            statuses=tuple(status or ()),
            expiring_within_days=expiring_within_days,
            unit=reader.unit(unit),
            after=after,
            limit=limit,
        ),
    )
    return JSON(page_body(page))
