"""/v1/complaints/complaints, /v1/complaints/reports and /v1/complaints/conduct:
the kinds of case an intake becomes, each with its commands as the service
declares them. A conduct complaint (效能投诉) answers 404 to everyone but the
supervision office and auditors (ConductComplaint.readable_by), as an unknown
case would: the member of staff complained about learns nothing of it."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Any

from fastapi import APIRouter

from api.complaints import schemas
from api.complaints.personal import add_personal_data_route
from api.complaints.reads import complaints
from api.complaints.views import complaint_view, conduct_view, report_view
from api.http.commands import CaseResource, add_case_routes
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.matter import Matter
from domain.complaints.report import Report
from domain.complaints.service import Complaints


def _units(m: Matter) -> tuple[str, ...]:
    """Its unit, and the intake unit that routed it (and gets it back)."""
    return (m.unit_code, m.intake_unit_code)


def _resource(kind: type[Complaint | Report], what: str, **shapes: Any) -> CaseResource:
    return CaseResource(
        what=what,
        service=complaints,
        load=lambda request, case_id, version: complaints(request).load(
            kind, case_id, what, version
        ),
        units_of=_units,
        **shapes,
    )


complaints_router = APIRouter(prefix="/v1/complaints/complaints", tags=["complaints"])
COMPLAINTS = _resource(
    Complaint,
    "complaint",
    view=complaint_view,
    model=schemas.ComplaintView,
    changed=schemas.ComplaintChanged,
)
add_case_routes(complaints_router, COMPLAINTS, Complaints.routes_on(Complaint))
add_personal_data_route(complaints_router, Complaint, "complaint")

reports_router = APIRouter(prefix="/v1/complaints/reports", tags=["reports"])
REPORTS = _resource(
    Report,
    "report",
    view=report_view,
    model=schemas.ReportView,
    changed=schemas.ReportChanged,
)
add_case_routes(reports_router, REPORTS, Complaints.routes_on(Report))
add_personal_data_route(reports_router, Report, "report")

conduct_router = APIRouter(prefix="/v1/complaints/conduct", tags=["conduct complaints"])
CONDUCT = CaseResource(
    what="conduct complaint",
    service=complaints,
    load=lambda request, case_id, version: complaints(request).load(
        ConductComplaint, case_id, "conduct complaint", version
    ),
    units_of=lambda c: (c.unit_code,),  # the supervision office over that unit
    view=conduct_view,
    model=schemas.ConductView,
    changed=schemas.ConductChanged,
)
add_case_routes(conduct_router, CONDUCT, Complaints.routes_on(ConductComplaint))
add_personal_data_route(conduct_router, ConductComplaint, "conduct complaint")
