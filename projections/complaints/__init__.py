"""The read models of the complaints context (投诉、举报, the 12315 line)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.cases import CaseReadModel
from projections.complaints.conduct import ConductIndex
from projections.complaints.index import ComplaintsIndex


def complaints_read_models(calendar: WorkingDayCalendar) -> list[CaseReadModel]:  # type: ignore[type-arg]
    """Every read model of the complaints context, in the order they are fed:
    the line's index, and the supervision office's of conduct complaints.
    (The index needs no calendar: every due date arrives worked out in its
    event; the argument is the registry's shape for every context.)"""
    return [ComplaintsIndex(), ConductIndex()]
