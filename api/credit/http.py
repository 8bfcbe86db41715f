"""/v1/credit: an admin uploads a directed-data file (text/csv) and gets its
validation report; staff list the enterprises distributed to their unit."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Query, Request

from api.credit import schemas, service
from api.host.context import Http
from api.http.auth import CurrentPrincipal, caller
from api.http.openapi import STAFF, problems
from api.http.reads import After, Limit, Reader, UnitFilter, page_body, staff_reader
from api.http.uploads import CSV_BODY, csv_body
from api.http.views import JSON
from domain.credit.formats import Kind
from domain.credit.service import Credit
from projections.credit import distribution_queries

router = APIRouter(prefix="/v1/credit", tags=["credit: directed data (定向推送数据)"])
StaffReader = Annotated[Reader, Depends(staff_reader(Credit.name))]


@router.post(
    "/imports",
    response_class=JSON,
    response_model=schemas.ImportReport,
    responses=problems(*STAFF, 409, 413, 415),
    summary="Import a directed-data file (定向推送数据) of the credit system (admin)",
    description="The body is the CSV file itself (`Content-Type: text/csv`, "
    "UTF-8 with or without a BOM; formats in the README). Good rows are "
    "applied, bad rows named in the report and left out; a file whose "
    "encoding or header is wrong is refused whole (422, each fault in "
    "`errors`). Importing the same file again records nothing new.",
    openapi_extra=CSV_BODY,
    name="import_directed_data",
)
def import_directed_data(
    request: Request,
    principal: CurrentPrincipal,
    data: Annotated[bytes, Depends(csv_body)],
    kind: Annotated[
        Optional[Kind],  # noqa: UP045
        Query(
            description="new (新设立登记), abnormal (经营异常名录) or serious "
            "(严重违法失信名单); told from the header if left out"
        ),
    ] = None,
) -> JSON:
    who = caller(request, principal, "import_directed_data")
    report = service(request.app.state.services).import_directed_data(who, data, kind)
    return JSON(schemas.report_body(report))


@router.get(
    "/distributions",
    response_class=JSON,
    response_model=schemas.DistributionPage,
    responses=problems(*STAFF),
    summary="Newly registered enterprises distributed to a unit (分送), newest first",
    name="list_distributions",
)
def list_distributions(
    reader: StaffReader,
    unit: UnitFilter = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    page = distribution_queries.distributed(
        reader.conn, reader.scope, unit=reader.unit(unit), after=after, limit=limit
    )
    return JSON(page_body(page))


HTTP = Http(routers=(router,))
