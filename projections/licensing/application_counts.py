"""The `applications` model's rollups: what its statistics sum.

`counts`: per period (day, month, year) × unit × item (and its category) ×
matter (事项类型), and per period × unit, × item, × matter and overall (the
cuboids), how many of each
countable event, dated by that event, and how many decisions were within the
legal limit, on time (within it, and no deadline of the case ever recorded
missed) and within the promised limit. `decision_days`: the same buckets
split by working days from acceptance to decision, a histogram from which
the median (or any percentile) is exact.
"""

from __future__ import annotations

import dataclasses

from projections.rollups import Bucket, Rollup


@dataclasses.dataclass
class ApplicationCounts(Bucket):
    unit_code: str
    item_code: str
    category: str  # the item's category when the case was received
    matter: str  # new, change, renewal, … (domain.licensing.matter)
    received: int
    accepted: int
    not_accepted: int
    completed: int
    completed_within_legal_limit: int
    completed_on_time: int
    completed_within_promised_limit: int
    granted: int
    refused: int
    terminated: int
    withdrawn: int
    certificates_issued: int
    certificates_served: int
    deadlines_missed: int


@dataclasses.dataclass
class DecisionDays(Bucket):
    unit_code: str
    item_code: str
    category: str
    matter: str
    working_days: int  # to the decision, excluded periods left out
    decisions: int


DIMENSIONS = ("unit_code", "item_code", "category", "matter")
# Beside every dimension: per unit (grouped by unit or month, or the total, of
# a jurisdiction), per item (grouped by item or category, everywhere), none
# (by month or the total, everywhere) and per matter (everywhere).
CUBOIDS = ({"unit_code"}, {"item_code", "category"}, set[str](), {"matter"})
COUNTS = Rollup(ApplicationCounts, "counts", dimensions=DIMENSIONS, cuboids=CUBOIDS)
DECISION_DAYS = Rollup(
    DecisionDays,
    "decision_days",
    dimensions=(*DIMENSIONS, "working_days"),
    cuboids=[{*kept, "working_days"} for kept in CUBOIDS],
)

# The measure each statistics fact (`applications.METRICS`) counts in.
MEASURE_OF = {
    "received": "received",
    "accepted": "accepted",
    "not_accepted": "not_accepted",
    "completed": "completed",
    "granted": "granted",
    "refused": "refused",
    "terminated": "terminated",
    "withdrawn": "withdrawn",
    "certificate_issued": "certificates_issued",
    "certificate_served": "certificates_served",
    "deadline_missed": "deadlines_missed",
}
