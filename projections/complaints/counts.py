"""The `complaints` model's rollup: what the 12315 statistics sum (issue 10 §8).

`counts`: per period (day, month, year) × unit, and per period overall (the
one coarser cuboid), how many of each countable fact of the line. Each fact
counts on its own day, under the unit the case was with when it happened:
- an intake on the day it was received, at the intake unit, by channel; its
  classification (投诉 / 举报 / both / 咨询 / outside, Arts. 7 and 39, and
  效能投诉 about the bureau's own staff, issue 10 §6) on the day of that
  receipt too, so a period's intakes and their kinds add up. A conduct
  complaint counts at the intake unit that received it (which knows of it
  already), never under the unit complained about; what becomes of it is the
  supervision office's (projections/complaints/conduct.py);
- a complaint's and a report's registration on their receipt; each decision
  (accepted, not accepted and its Art. 15 ground, agreement and the recovered
  amount, termination and its Art. 21 ground, withdrawal, case opened or not,
  reporter told) on its own day;
- an ODR dispute (§3a) on its receipt, its settlement or none on the day the
  business negotiated, its escalation on the day of it, at the unit with
  authority over it;
- a rating on the day it was given (the event's own time, a Shanghai date);
- a missed deadline on the day it fell due.

On time: a complaint's acceptance decision, or a report's verification,
made within the period in force then (moved by routing, excluded periods and
an extension) with no deadline of the case recorded missed before it; a
reporter told within the 5 working days of Art. 31 and that deadline not
recorded missed.
"""

from __future__ import annotations

import dataclasses

from domain.complaints.parties import (
    Channel,
    Classification,
    NonAcceptanceGround,
    Rating,
    TerminationGround,
)

from projections.rollups import Bucket, Rollup
from projections.schema import BigInt


@dataclasses.dataclass
class LineCounts(Bucket):
    unit_code: str
    # Intakes (登记), by channel (Art. 8) and by what they were found to be.
    received: int
    received_internet: int
    received_telephone: int
    received_fax: int
    received_post: int
    received_counter: int
    received_national_platform: int
    classified_complaint: int
    classified_report: int
    classified_both: int
    classified_enquiry: int
    classified_outside: int
    classified_conduct: int  # 效能投诉 received (issue 10 §6): counted, never named
    classified_odr: int  # complaints taken to an ODR business first (§3a)
    # Complaints (投诉): registered, decided (Arts. 14–15), mediated (Arts. 21–22).
    complaints: int
    accepted: int
    not_accepted: int
    not_accepted_outside_duties: int
    not_accepted_already_handled: int
    not_accepted_not_consumption: int
    not_accepted_time_barred: int
    not_accepted_materials_missing: int
    not_accepted_other: int
    acceptance_on_time: int
    agreed: int
    recovered_fen: BigInt  # 挽回经济损失, a sum of fen
    terminated: int
    terminated_withdrawn_or_settled: int
    terminated_testing_disagreement: int
    terminated_absent_or_refused: int
    terminated_no_agreement_possible: int
    terminated_time_limit: int
    terminated_non_acceptance_found: int
    terminated_other: int
    withdrawn: int
    # Reports (举报): registered, verified and decided (处罚程序规定 Arts. 18–20).
    reports: int
    reports_verified: int
    reports_verified_on_time: int
    cases_opened: int
    cases_not_opened: int
    # Named reporters told whether a case was opened (Art. 31).
    reporters_to_tell: int
    reporters_told: int
    reporters_told_on_time: int
    # 评议 (seeds 000–002).
    rated_satisfied: int
    rated_fairly_satisfied: int
    rated_dissatisfied: int
    deadlines_missed: int
    # ODR (issue 10 §3a), counted apart from the bureau's own mediation: the
    # disputes opened (on receipt), settled or not (on the negotiation's
    # date), what settlements recovered, and those turned into complaints.
    odr_disputes: int
    odr_settled: int
    odr_not_settled: int
    odr_recovered_fen: BigInt
    odr_escalated: int
    odr_contested: int  # escalated over a settlement the consumer denies
    odr_unanswered: int  # the business let its 10 working days pass (its, not ours)


DIMENSIONS = ("unit_code",)
# Beside every unit: overall (grouped by month, or the total, everywhere).
COUNTS = Rollup(LineCounts, "counts", dimensions=DIMENSIONS, cuboids=[set[str]()])


def received_by(channel: Channel) -> str:
    return f"received_{channel.value}"


def classified_as(classification: Classification) -> str:
    return f"classified_{classification.value}"


def not_accepted_for(ground: NonAcceptanceGround) -> str:
    return f"not_accepted_{ground.value}"


def terminated_for(ground: TerminationGround) -> str:
    return f"terminated_{ground.value}"


def rated(rating: Rating) -> str:
    return f"rated_{rating.value}"
