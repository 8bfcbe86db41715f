"""What the audit routes share: the readers over every log, the auditors'
gate, the recording of their reads, and the names of logs."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

import base64
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request

from api.http.auth import CurrentPrincipal, Principal, caller
from api.http.reads import Reader, public_reader, staff_reader
from domain.audit.service import AuditTrail
from domain.shared.audit import Role
from domain.shared.errors import InvalidInputError, PermissionDeniedError

StaffReader = Annotated[Reader, Depends(staff_reader(""))]
PublicReader = Annotated[Reader, Depends(public_reader(""))]
LOG_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
# A position or a tree size: ASCII digits only, no sign, no leading zero — an
# int parser would also take "1_000", "+1", " 1" or "١٢" (DESIGN §5).
NUMBER = r"^(0|[1-9][0-9]{0,17})$"


def require_auditor(principal: Principal) -> None:
    """Refused before anything else is looked at (403), to all but auditors."""
    if Role.AUDITOR not in principal.roles:
        raise PermissionDeniedError(
            "only an auditor (role auditor) reads the audit trail"
        )


def auditor_only(principal: CurrentPrincipal) -> None:
    """The audit routes' first dependency: 401 without a token, then 403 to
    all but auditors, before any parameter is looked at or waited for."""
    require_auditor(principal)


def record_read(
    request: Request, principal: Any, what: str, given: Mapping[str, Any]
) -> None:
    """The auditor's read, recorded before it is answered (refused to anyone
    else with 403)."""
    trail: AuditTrail = request.app.state.services.apps["audit"]
    trail.record_read(what, dict(given), caller(request, principal, "read_audit"))


def known_log(request: Request, log: str) -> None:
    logs = request.app.state.services.logs()
    if log not in logs:
        names = ", ".join(sorted(logs))
        raise InvalidInputError(
            f"no event log named {log!r} (known: {names})", field="log"
        )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
