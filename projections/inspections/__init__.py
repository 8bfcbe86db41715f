"""The read models of the inspections context (双随机一公开, 监督抽查)."""

from __future__ import annotations

from domain.shared.calendar import WorkingDayCalendar

from projections.inspections.analysis import QualityAnalysis
from projections.inspections.directory import InspectionDirectory
from projections.inspections.index import InspectionsIndex
from projections.runtime import ReadModel


def inspections_read_models(calendar: WorkingDayCalendar) -> list[ReadModel]:
    """The plans and inspections index (with the board's rows and the
    statistics' rollup), the directories, and the quality analysis (质量分析)."""
    return [InspectionsIndex(), InspectionDirectory(), QualityAnalysis()]
