"""A random-check item (随机抽查事项清单, DOMAIN §4.1): no check without a
legal basis (国办发〔2015〕58号). A general item's ratio is capped; a priority
item's is not (国市监信〔2019〕38号). The list is public."""

from __future__ import annotations

from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.inspections.rules import (
    RULE_ITEM_LIST,
    ItemKind,
    LineOfBusiness,
    TargetKind,
)
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.text import Line, Prose

ItemCode = Annotated[
    str, Field(pattern=r"^[A-Z]{2,4}-[0-9]{3,4}$", examples=["CJ-001"])
]


def item_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:inspections:item:{code}")


class CheckItemTerms(BaseModel):
    """What the list publishes of an item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ItemCode
    name: Annotated[str, Line(200)]
    legal_basis: Annotated[str, Prose(1000)]
    kind: ItemKind
    target_kind: TargetKind
    line: LineOfBusiness  # whose inspectors check it
    # 一般检查事项: the share of the directory a year's plans may draw, in
    # permille (30 = 3%); 重点: none.
    max_ratio_permille: int | None = Field(default=None, ge=1, le=1000)
    # How many times a year a firm may be checked under it (频次).
    frequency_per_year: int = Field(default=1, ge=1, le=12)


class CheckItem(Aggregate):
    PINNED_TOPIC = "casetrace.inspections.CheckItem"

    class Listed(Aggregate.Created):
        terms: CheckItemTerms
        rule: str

    class Retired(Aggregate.Event):
        pass

    @staticmethod
    def create_id(
        *_: object, terms: CheckItemTerms | None = None, **__: object
    ) -> UUID:
        assert terms is not None
        return item_id(terms.code)

    @event(Listed)
    def __init__(self, *, audit: Audit, terms: CheckItemTerms, rule: str) -> None:
        self.terms = terms
        self.active = True

    @classmethod
    def list(cls, terms: CheckItemTerms, audit: Audit) -> CheckItem:
        require_actor(audit)
        if terms.kind is ItemKind.GENERAL and terms.max_ratio_permille is None:
            raise InvalidInputError(
                "a general item (一般检查事项) caps its ratio: max_ratio_permille",
                field="max_ratio_permille",
                rule=RULE_ITEM_LIST,
            )
        if terms.kind is ItemKind.PRIORITY and terms.max_ratio_permille is not None:
            raise InvalidInputError(
                "a priority item (重点检查事项) has no upper ratio",
                field="max_ratio_permille",
                rule=RULE_ITEM_LIST,
            )
        return cls(audit=audit, terms=terms, rule=RULE_ITEM_LIST)

    @property
    def code(self) -> str:
        return self.terms.code

    def retire(self, audit: Audit) -> None:
        require_reason(audit, "retiring a check item")
        if not self.active:
            raise IllegalTransitionError("the item is already retired")
        self._retired(audit=audit)

    @event(Retired)
    def _retired(self, audit: Audit) -> None:
        self.active = False
