"""The one scale of 评议 (rating the handling), shared by every context that
asks the person it served: complaints after closure, licensing after a
decision (seeds 000–002)."""

from __future__ import annotations

from enum import StrEnum


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
