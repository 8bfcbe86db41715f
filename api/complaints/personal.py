"""POST …/{id}/personal-data: a case's people, opened (Art. 33).

Only the case's handler, its approver, an auditor holding the personal-data
right (and the intake desk that recorded them) may open them; a conduct
complaint's, the supervision office in the handler's place, and no one who
may not know of it (404, as an unknown case). Each read
recorded on the case before the answer is sent: who, when, why (the reason
is required). The answer is never cached.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Optional
from uuid import UUID

from fastapi import APIRouter, Header, Request

from api.complaints import schemas
from api.complaints.reads import complaints
from api.http.auth import CurrentPrincipal, caller
from api.http.commands import Decision, expected_version
from api.http.openapi import COMMAND, problems
from api.http.reads import written_at
from api.http.views import JSON
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake
from domain.complaints.odr import Dispute
from domain.complaints.report import Report
from domain.complaints.service import READ_PERSONAL_DATA


def add_personal_data_route(
    router: APIRouter,
    kind: type[Intake | Complaint | Report | ConductComplaint | Dispute],
    what: str,
) -> None:
    def personal_data(
        case_id: UUID,
        body: Decision,
        request: Request,
        principal: CurrentPrincipal,
        if_match: Optional[str] = Header(default=None),  # noqa: UP045
    ) -> JSON:
        request.state.case_id = str(case_id)
        who = caller(request, principal, READ_PERSONAL_DATA, body.reason)
        result, people = complaints(request).personal_data(
            kind, case_id, who, expected_version(if_match)
        )
        answer = {
            "id": result.id,
            "version": result.version,
            **written_at(result),
            "people": [
                {"pseudonym": name, "details": details}
                for name, details in people.items()
            ],
        }
        return JSON(answer, headers={"Cache-Control": "no-store"})

    router.add_api_route(
        "/{case_id}/personal-data",
        personal_data,
        methods=["POST"],
        response_class=JSON,
        summary=f"Open the {what}'s people (recorded access, Art. 33)",
        name=f"{what.replace(' ', '_')}_personal_data",
        response_model=schemas.People,
        responses=problems(*COMMAND),
    )
