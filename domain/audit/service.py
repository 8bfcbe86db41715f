"""The audit context's service: it records what auditors read.

The audit index and the ledger are read models over every log (projections/
audit); this service writes only the `audit` log, one event per read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.audit.read import AuditRead
from domain.shared.audit import Caller, Role
from domain.shared.command import CaseType
from domain.shared.service import ContextService

READ_AUDIT = "read_audit"


class AuditTrail(ContextService):
    name = "audit"
    cases: ClassVar = (CaseType(AuditRead, "audit read", lambda _: None),)
    rights: ClassVar = {READ_AUDIT: frozenset({Role.AUDITOR})}

    def record_read(self, what: str, filters: dict[str, Any], who: Caller) -> int:
        """Record an auditor's read before it is answered (no read without its
        record); refuses anyone who is not an auditor. Returns the position of
        the record in the `audit` log."""
        audit = self.acting(READ_AUDIT, who)
        recordings = self.save(AuditRead.record(what, filters, audit))
        return int(recordings[-1].notification.id) if recordings else 0
