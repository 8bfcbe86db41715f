"""The read models of public disclosure (双公示)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.disclosure.entries import DisclosureEntries
from projections.runtime import ReadModel


def disclosure_read_models(calendar: WorkingDayCalendar) -> list[ReadModel]:
    """The public entries with their feed (and the board's publication rows)."""
    return [DisclosureEntries()]
