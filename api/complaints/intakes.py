"""/v1/complaints/intakes: register a submission from any channel, classify it."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from fastapi import APIRouter

from api.complaints import schemas
from api.complaints.personal import add_personal_data_route
from api.complaints.reads import complaints
from api.complaints.views import intake_view
from api.http.commands import CaseResource, add_case_routes, add_creation_route
from domain.complaints.intake import Intake
from domain.complaints.service import Complaints

router = APIRouter(prefix="/v1/complaints/intakes", tags=["complaints intake"])

INTAKES = CaseResource(
    what="intake",
    service=complaints,
    load=lambda request, case_id, version: complaints(request).load(
        Intake, case_id, "intake", version
    ),
    units_of=lambda i: (i.unit_code,),
    view=intake_view,
    model=schemas.IntakeView,
    changed=schemas.IntakeChanged,
)

add_creation_route(
    router, INTAKES, Complaints.commands["register"], schemas.IntakeRegistered
)
add_case_routes(router, INTAKES, Complaints.routes_on(Intake))
add_personal_data_route(router, Intake, "intake")
