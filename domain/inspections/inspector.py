"""An inspector in the pool (执法检查人员名录库, DOMAIN §4.1): a member of staff
(the registry's) with lines of business and qualifications, active or not,
and the conflicts of interest they declared (relations with firms), which
keep them from drawing those firms (回避)."""

from __future__ import annotations

from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.inspections.rules import RULE_RECUSAL, LineOfBusiness
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line
from domain.shared.uscc import USCC


def inspector_id(staff_no: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:inspections:inspector:{staff_no}")


class InspectorProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_no: Annotated[str, Line(40)]
    name: Annotated[str, Line(100)]
    unit_code: RegionCode
    lines: tuple[LineOfBusiness, ...] = Field(min_length=1, max_length=10)
    # 执法证 and other qualification numbers.
    qualifications: tuple[Annotated[str, Line(60)], ...] = Field(
        default=(), max_length=10
    )
    active: bool = True


class Conflict(BaseModel):
    """A declared relation with a firm (亲属、曾任职、持股 …)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uscc: USCC
    relation: Annotated[str, Line(200)]


class Inspector(Aggregate):
    PINNED_TOPIC = "casetrace.inspections.Inspector"

    class Listed(Aggregate.Created):
        profile: InspectorProfile

    class Updated(Aggregate.Event):
        profile: InspectorProfile

    class ConflictDeclared(Aggregate.Event):
        conflict: Conflict
        rule: str

    @staticmethod
    def create_id(
        *_: object, profile: InspectorProfile | None = None, **__: object
    ) -> UUID:
        assert profile is not None
        return inspector_id(profile.staff_no)

    @event(Listed)
    def __init__(self, *, audit: Audit, profile: InspectorProfile) -> None:
        self.profile = profile
        self.conflicts: dict[str, str] = {}

    @classmethod
    def list(cls, profile: InspectorProfile, audit: Audit) -> Inspector:
        return cls(audit=require_actor(audit), profile=profile)

    def update(self, profile: InspectorProfile, audit: Audit) -> None:
        require_actor(audit)
        if profile.staff_no != self.profile.staff_no:
            raise IllegalTransitionError("a pool row keeps its staff number")
        if profile == self.profile:
            raise IllegalTransitionError("nothing changed")
        self._updated(audit=audit, profile=profile)

    def declare_conflict(self, conflict: Conflict, audit: Audit) -> None:
        require_reason(audit, "declaring a conflict of interest")
        if conflict.uscc in self.conflicts:
            raise IllegalTransitionError(
                f"a conflict with {conflict.uscc} is already declared",
                rule=RULE_RECUSAL,
            )
        self._conflict_declared(audit=audit, conflict=conflict, rule=RULE_RECUSAL)

    @event(Updated)
    def _updated(self, audit: Audit, profile: InspectorProfile) -> None:
        self.profile = profile

    @event(ConflictDeclared)
    def _conflict_declared(self, audit: Audit, conflict: Conflict, rule: str) -> None:
        self.conflicts[conflict.uscc] = conflict.relation
