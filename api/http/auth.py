"""Bearer tokens → the staff member acting, and the audit stamp for a command.

A token is bound to one Staff record (roles + unit). The role a command is
recorded under is the one of the principal's roles the service permits for
that command; an auditor reads everything and changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from api.http.errors import ProblemError
from domain.registry.service import Registry
from domain.registry.staff import Staff
from domain.shared.audit import Audit, Role
from domain.shared.jurisdiction import covers
from domain.shared.service import ContextService

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


def audit_for(
    request: Request,
    principal: Principal,
    service: ContextService,
    command: str,
    reason: str | None = None,
) -> Audit:
    """The audit stamp of a command: who (in which role), why, under which request."""
    allowed = service.permissions.get(command, frozenset())
    role = next((r for r in Role if r in principal.roles and r in allowed), None)
    if role is None:
        raise ProblemError(
            403,
            f"{command.replace('_', '-')} needs one of the roles {sorted(r.value for r in allowed)}",
            slug="forbidden",
        )
    return Audit(
        actor=principal.actor(role),
        request_id=request.state.request_id,
        reason=reason,
        causation=f"command:{command}",
    )


def require_readable(principal: Principal, case_units: tuple[str, ...]) -> None:
    if not any(can_read(principal, unit) for unit in case_units):
        raise ProblemError(
            403,
            f"the case belongs to unit {case_units[0]}, outside your jurisdiction",
            slug="forbidden",
        )
