"""A unit of the bureau (province, city or county level), named by its region code."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audit import Audit, require_actor
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import normalise_region_code


def unit_id(code: str) -> UUID:
    return uuid5(
        NAMESPACE_URL, f"casetrace:registry:unit:{normalise_region_code(code)}"
    )


class Unit(Aggregate):
    PINNED_TOPIC = "casetrace.registry.Unit"

    class Established(Aggregate.Created):
        code: str
        name: str

    @staticmethod
    def create_id(*_: object, code: str = "", **__: object) -> UUID:
        # The library passes create_id only the keyword arguments it names.
        return unit_id(code)

    @event(Established)
    def __init__(self, *, audit: Audit, code: str, name: str) -> None:
        self.code = code
        self.name = name

    @classmethod
    def establish(cls, code: str, name: str, audit: Audit) -> Unit:
        return cls(
            audit=require_actor(audit), code=normalise_region_code(code), name=name
        )
