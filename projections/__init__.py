"""Read models built from the domain's events (DESIGN §2: `api → projections → domain`)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.applications import Applications
from projections.cases import CaseReadModel
from projections.licences import Licences


def licensing_read_models(calendar: WorkingDayCalendar) -> list[CaseReadModel]:  # type: ignore[type-arg]
    """Every read model of the licensing context, in the order they are fed."""
    return [Applications(calendar), Licences()]
