"""A public nomination (你点我查, `public_nomination`, DOMAIN §4.1): anyone
names a product, a firm or a place to be checked, and why. Planners see
them counted and grouped; a plan may include the most-nominated firms; the
outcome is public once that plan's results are published.

It records no personal data: nobody needs to say who they are to nominate.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

from domain.shared.audit import Audit, require_actor
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line, Prose
from domain.shared.uscc import USCC

RULE_NOMINATION = "你点我查 / 你点我检 (DOMAIN §4.1 public_nomination; seeds 001, 004)"


def nomination_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:inspections:nomination:{number}")


class SubjectKind(StrEnum):
    PRODUCT = "product"
    ENTERPRISE = "enterprise"
    PLACE = "place"  # a market, a petrol station, a street


class Nominated(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SubjectKind
    subject: Annotated[str, Line(200)]  # the product, firm or place, as named
    region_code: RegionCode
    uscc: USCC | None = None  # the firm's, if known
    reason: Annotated[str, Prose(2000)]


class Nomination(Aggregate):
    PINNED_TOPIC = "casetrace.inspections.Nomination"

    class Submitted(Aggregate.Created):
        number: str
        nominated: Nominated
        submitted_on: date
        rule: str

    class Included(Aggregate.Event):
        plan_id: UUID
        plan_number: str

    @staticmethod
    def create_id(*_: object, number: str = "", **__: object) -> UUID:
        return nomination_id(number)

    @event(Submitted)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        nominated: Nominated,
        submitted_on: date,
        rule: str,
    ) -> None:
        self.number = number
        self.nominated = nominated
        self.submitted_on = submitted_on
        self.plan_id: UUID | None = None
        self.plan_number: str | None = None

    @classmethod
    def submit(
        cls, number: str, nominated: Nominated, on: date, audit: Audit
    ) -> Nomination:
        return cls(
            audit=require_actor(audit),
            number=number,
            nominated=nominated,
            submitted_on=on,
            rule=RULE_NOMINATION,
        )

    def include_in(self, plan_id: UUID, plan_number: str, audit: Audit) -> None:
        require_actor(audit)
        if self.plan_id is not None:
            raise IllegalTransitionError(
                f"nomination {self.number} is already in a plan"
            )
        self._included(audit=audit, plan_id=plan_id, plan_number=plan_number)

    @event(Included)
    def _included(self, audit: Audit, plan_id: UUID, plan_number: str) -> None:
        self.plan_id = plan_id
        self.plan_number = plan_number
