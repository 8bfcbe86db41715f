"""The read models of the enforcement context (行政处罚案件)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.cases import CaseReadModel
from projections.enforcement.index import EnforcementIndex


def enforcement_read_models(calendar: WorkingDayCalendar) -> list[CaseReadModel]:  # type: ignore[type-arg]
    """The index of penalty cases with its deadlines and rollup (every due
    date arrives worked out in its event: no calendar needed)."""
    return [EnforcementIndex()]
