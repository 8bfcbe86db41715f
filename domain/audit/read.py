"""An auditor's read of the audit index (全过程留痕 applies to auditors too).

Each read is its own aggregate with one event: no two reads contend for a
version, and recording one costs one insert. What was asked (the route and
its filters) is kept; what was answered can be asked again of the index.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event
from pydantic import Field

from domain.shared.audit import Audit, require_actor
from domain.shared.events import Aggregate


class AuditRead(Aggregate):
    PINNED_TOPIC = "casetrace.audit.AuditRead"

    class Made(Aggregate.Created):
        # The operation read (e.g. "audit_events", "audit_export"), and the
        # filters it was asked with, as given (strings, bounded by the API).
        what: str = Field(min_length=1, max_length=100)
        filters: dict[str, str]

    @event(Made)
    def __init__(self, *, audit: Audit, what: str, filters: dict[str, str]) -> None:
        self.what = what
        self.filters = filters

    @classmethod
    def record(cls, what: str, filters: dict[str, Any], audit: Audit) -> AuditRead:
        require_actor(audit)
        given = {k: str(v) for k, v in filters.items() if v is not None}
        return cls(audit=audit, what=what, filters=given)
