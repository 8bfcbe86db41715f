"""The read models of the credit context (定向推送数据)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.credit.distributions import Distributions
from projections.runtime import ReadModel


def credit_read_models(calendar: WorkingDayCalendar) -> list[ReadModel]:
    """The enterprises distributed to each unit (分送)."""
    return [Distributions()]
