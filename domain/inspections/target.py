"""A target in the directory (检查对象名录库, DOMAIN §4.1): a firm with its
industry, products, risk tags, priority grounds, the 经营异常 flag, and the
last inspection per check item. One per USCC."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.inspections.rules import IndustryCode, PriorityGround, Product
from domain.shared.audit import Audit, require_actor
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line
from domain.shared.uscc import USCC, validate_uscc


def target_id(uscc: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:inspections:target:{validate_uscc(uscc)}")


class TargetProfile(BaseModel):
    """A directory row: what a CSV import or a planner records of a firm."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uscc: USCC
    name: Annotated[str, Line(200)]
    # The unit supervising it (its desk): the county or city it is in.
    region_code: RegionCode
    industry: IndustryCode
    products: tuple[Product, ...] = Field(default=(), max_length=50)
    risk_tags: tuple[Annotated[str, Line(40)], ...] = Field(default=(), max_length=20)
    priority: tuple[PriorityGround, ...] = Field(default=(), max_length=6)
    abnormal: bool = False  # on the 经营异常名录
    # Verified complaints in the last year (国办发〔2015〕58号: more checks).
    complaints: int = Field(default=0, ge=0, le=100_000)


class Target(Aggregate):
    PINNED_TOPIC = "casetrace.inspections.Target"

    class Listed(Aggregate.Created):
        profile: TargetProfile

    class Updated(Aggregate.Event):
        profile: TargetProfile

    class Inspected(Aggregate.Event):
        """The conclusion of a check of this item (its last inspection)."""

        item_code: str
        inspection_id: UUID
        concluded_on: date
        conforming: bool

    @staticmethod
    def create_id(
        *_: object, profile: TargetProfile | None = None, **__: object
    ) -> UUID:
        assert profile is not None
        return target_id(profile.uscc)

    @event(Listed)
    def __init__(self, *, audit: Audit, profile: TargetProfile) -> None:
        self.profile = profile
        self.last_inspected: dict[str, date] = {}

    @classmethod
    def list(cls, profile: TargetProfile, audit: Audit) -> Target:
        return cls(audit=require_actor(audit), profile=profile)

    def update(self, profile: TargetProfile, audit: Audit) -> None:
        require_actor(audit)
        if profile.uscc != self.profile.uscc:
            raise IllegalTransitionError("a directory row keeps its USCC")
        if profile == self.profile:
            raise IllegalTransitionError("nothing changed")
        self._updated(audit=audit, profile=profile)

    def record_inspected(
        self,
        item_code: str,
        inspection_id: UUID,
        on: date,
        conforming: bool,
        audit: Audit,
    ) -> None:
        require_actor(audit)
        self._inspected(
            audit=audit,
            item_code=item_code,
            inspection_id=inspection_id,
            concluded_on=on,
            conforming=conforming,
        )

    @event(Updated)
    def _updated(self, audit: Audit, profile: TargetProfile) -> None:
        self.profile = profile

    @event(Inspected)
    def _inspected(
        self,
        audit: Audit,
        item_code: str,
        inspection_id: UUID,
        concluded_on: date,
        conforming: bool,
    ) -> None:
        self.last_inspected[item_code] = concluded_on
