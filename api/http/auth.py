"""Bearer tokens → the staff member acting, and who is asking for a command.

A token is bound to one Staff record (roles + unit). The role a command is
recorded under is chosen, and refused, by the service (`ContextService.acting`)
among the principal's roles; an auditor reads everything and changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from api.http.errors import ProblemError
from domain.registry.service import Registry
from domain.registry.staff import Staff
from domain.shared.audit import Audit, Caller, Role
from domain.shared.jurisdiction import covers

BEARER = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)


# The acting member of staff is the registry's Staff record itself: its roles,
# its unit, and `actor(role)` for the audit stamp.
Principal = Staff


def can_read(principal: Principal, case_unit: str) -> bool:
    """Auditors read every case; other staff read their own jurisdiction."""
    return Role.AUDITOR in principal.roles or covers(principal.unit_code, case_unit)


def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization")
    challenge = {"WWW-Authenticate": 'Bearer realm="casetrace"'}
    if not header:
        raise ProblemError(
            401, "send a bearer token: Authorization: Bearer <token>", headers=challenge
        )
    match = BEARER.match(header)
    registry: Registry = request.app.state.services.registry
    staff = registry.authenticate(match.group(1)) if match else None
    if staff is None:
        raise ProblemError(
            401,
            "the token is invalid, revoked, or belongs to inactive staff",
            headers=challenge,
        )
    request.state.principal = staff
    return staff


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def caller(
    request: Request, principal: Principal, command: str, reason: str | None = None
) -> Caller:
    """Who asks for a command, why, under which request: the service picks the
    role it is recorded under (and refuses one it does not permit)."""
    audit = Audit(
        actor=principal.actor(),
        request_id=request.state.request_id,
        reason=reason,
        causation=f"command:{command}",
    )
    return Caller(audit=audit, roles=principal.roles)


def require_readable(principal: Principal, case_units: tuple[str, ...]) -> None:
    if not any(can_read(principal, unit) for unit in case_units):
        raise ProblemError(
            403,
            f"the case belongs to unit {case_units[0]}, outside your jurisdiction",
            slug="forbidden",
        )
