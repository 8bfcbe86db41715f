"""Read models over every log: the audit index and the ledger (DESIGN §5)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.audit.index import AuditIndex
from projections.audit.ledger import Ledger
from projections.runtime import AnyReadModel


def audit_read_models(calendar: WorkingDayCalendar) -> list[AnyReadModel]:
    """The audit index (decoded events) and the ledger (stored bytes)."""
    return [AuditIndex(), Ledger()]
