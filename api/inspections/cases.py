"""/v1/inspections/{items,inspectors,plans,inspections,meetings}: each kind of
case with its commands as the service declares them, and the creations."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Any

from fastapi import APIRouter

from api.http.commands import CaseResource, add_case_routes, add_creation_route
from api.inspections import schemas
from api.inspections.reads import inspections
from api.inspections.views import (
    inspection_view,
    inspector_view,
    item_view,
    meeting_view,
    plan_view,
)
from domain.inspections.check_item import CheckItem
from domain.inspections.inspection import Inspection
from domain.inspections.inspector import Inspector
from domain.inspections.meeting import QualityMeeting
from domain.inspections.plan import InspectionPlan
from domain.inspections.service import Inspections


def _resource(kind: type[Any], what: str, units: Any, **shapes: Any) -> CaseResource:
    return CaseResource(
        what=what,
        service=inspections,
        load=lambda request, case_id, version: inspections(request).load(
            kind, case_id, what, version
        ),
        units_of=units,
        **shapes,
    )


items = APIRouter(prefix="/v1/inspections/items", tags=["inspections: item list"])
ITEMS = _resource(
    CheckItem,
    "check item",
    None,
    view=item_view,
    model=schemas.ItemView,
    changed=schemas.ItemChanged,
)
add_creation_route(items, ITEMS, Inspections.commands["list_item"], schemas.ItemChanged)
add_case_routes(items, ITEMS, Inspections.routes_on(CheckItem))

inspectors = APIRouter(
    prefix="/v1/inspections/inspectors", tags=["inspections: directories"]
)
INSPECTORS = _resource(
    Inspector,
    "inspector",
    lambda i: (i.profile.unit_code,),
    view=inspector_view,
    model=schemas.InspectorView,
    changed=schemas.InspectorChanged,
)
add_case_routes(inspectors, INSPECTORS, Inspections.routes_on(Inspector))

plans = APIRouter(prefix="/v1/inspections/plans", tags=["inspections: plans"])
PLANS = _resource(
    InspectionPlan,
    "plan",
    lambda p: (p.unit_code,),
    view=plan_view,
    model=schemas.PlanView,
    changed=schemas.PlanChanged,
)
add_creation_route(
    plans, PLANS, Inspections.commands["draft_plan"], schemas.PlanChanged
)
add_case_routes(plans, PLANS, Inspections.routes_on(InspectionPlan))

cases = APIRouter(prefix="/v1/inspections/inspections", tags=["inspections"])
INSPECTIONS = _resource(
    Inspection,
    "inspection",
    lambda i: (i.unit_code,),
    view=inspection_view,
    model=schemas.InspectionView,
    changed=schemas.InspectionChanged,
)
add_case_routes(cases, INSPECTIONS, Inspections.routes_on(Inspection))

meetings = APIRouter(
    prefix="/v1/inspections/meetings", tags=["inspections: quality analysis"]
)
MEETINGS = _resource(
    QualityMeeting,
    "meeting",
    lambda m: (m.unit_code,),
    view=meeting_view,
    model=schemas.MeetingView,
    changed=schemas.MeetingChanged,
)
add_creation_route(
    meetings, MEETINGS, Inspections.commands["record_meeting"], schemas.MeetingChanged
)
add_case_routes(meetings, MEETINGS, Inspections.routes_on(QualityMeeting))
