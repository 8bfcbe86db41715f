"""/v1/licensing/follow-ups: each licence's follow-up visits (回访).

A schedule is opened with the grant; its id follows from the licence's
(`follow_up_id`), and its due visit is on the deadline board. GET one
schedule and its history; POST …/record-follow-up records a visit.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from fastapi import APIRouter

from api.http.commands import CaseResource, add_case_routes
from api.licensing import aftercare_schemas as schemas
from api.licensing.reads import licensing
from domain.licensing.follow_up import FollowUp
from domain.licensing.service import Licensing

router = APIRouter(prefix="/v1/licensing/follow-ups", tags=["follow-up visits"])

FOLLOW_UPS = CaseResource(
    what="follow-up schedule",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_follow_up(
        case_id, version
    ),
    units_of=lambda f: (f.unit_code,),
    view=schemas.follow_up_view,
    model=schemas.FollowUpView,
    changed=schemas.FollowUpChanged,
)

# The commands on a schedule, as the service declares them.
COMMANDS = Licensing.routes_on(FollowUp)

add_case_routes(router, FOLLOW_UPS, COMMANDS)
