"""/v1/licensing/applications: receive an application and drive it to a decision."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.commands import CaseResource, add_case_routes, add_creation_route
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
from api.licensing import joint_reviews, schemas
from api.licensing.reads import StaffReader, licensing
from api.licensing.views import application_view
from domain.licensing.application import LicenceApplication, Status
from domain.licensing.service import Licensing, interview_unit
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.text import Line
from projections.licensing import applications_queries as applications

router = APIRouter(prefix="/v1/licensing/applications", tags=["licensing applications"])


APPLICATIONS = CaseResource(
    what="application",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_application(
        case_id, version
    ),
    units_of=lambda a: (a.unit_code, interview_unit(a)),
    view=application_view,
    model=schemas.ApplicationView,
    changed=schemas.ApplicationChanged,
    annex=joint_reviews.application_annex,
    related=joint_reviews.application_related,
)

add_creation_route(
    router, APPLICATIONS, Licensing.commands["receive"], schemas.ApplicationReceived
)

# The commands on an application, as the service declares them.
COMMANDS = Licensing.routes_on(LicenceApplication)

add_case_routes(router, APPLICATIONS, COMMANDS)


@router.get(
    "",
    response_class=JSON,
    summary="The applications index (read model; your jurisdiction only)",
    response_model=schemas.ApplicationsPage,
    responses=problems(*STAFF),
)
def list_applications(
    reader: StaffReader,
    status: Annotated[list[Status] | None, Query()] = None,
    item: Annotated[Annotated[str, Line(40)] | None, Query()] = None,
    category: Annotated[Annotated[str, Line(100)] | None, Query()] = None,
    unit: UnitFilter = None,
    applicant_uscc: UsccFilter = None,
    applicant_name: Annotated[Annotated[str, Line(200)] | None, Query()] = None,
    received_from: IsoDate | None = None,
    received_to: IsoDate | None = None,
    overdue: bool | None = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    if received_from and received_to and received_from > received_to:
        raise InvalidInputError(
            "received_from is after received_to", field="received_from"
        )
    page = applications.search(
        reader.conn,
        applications.ApplicationQuery(
            scope=reader.scope,
            today=reader.today,
            statuses=tuple(status or ()),
            item=item,
            category=category,
            unit=reader.unit(unit),
            applicant_uscc=upper(applicant_uscc),
            applicant_name=applicant_name,
            received_from=received_from,
            received_to=received_to,
            overdue=overdue,
            after=after,
            limit=limit,
        ),
        reader.calendar,
    )
    return JSON(page_body(page))
