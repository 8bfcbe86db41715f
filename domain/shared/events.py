"""Event and aggregate base classes, and the mapper that stores them.

Events are pydantic models (the library's "aggregate 8" pattern) so that orjson
can store them and they come back with their real types: UUID, datetime, date,
Decimal, enums and nested value objects, also inside snapshots.

Topics are pinned: every aggregate declares `PINNED_TOPIC` and each of its event
classes gets `<aggregate TOPIC>.<EventName>`, registered with the library. The
stored topic therefore survives moving or renaming a module; renaming an event
class needs `register_topic(old, new)` and a test in tests/domain/test_topics.py
fails until someone does so.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, cached_property
from typing import Any, ClassVar, cast
from uuid import UUID, uuid4

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
)
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, register_topic, resolve_topic
from pydantic import BaseModel, ConfigDict, TypeAdapter

from domain.shared.audit import Audit, Role
from domain.shared.recorded import recorded_validator
from domain.shared.text import STORED_FACT

_datetime = TypeAdapter(datetime)


class StoredFact(BaseModel):
    """What the event store knows about any stored object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime


class SnapshotState(BaseModel):
    """Aggregate state in a snapshot; subclasses type each attribute."""

    model_config = ConfigDict(frozen=True, extra="allow")

    def __init__(self, **kwargs: Any) -> None:
        # The library keeps these two as private attributes of the aggregate.
        for key in ("_created_on", "_modified_on"):
            kwargs[key] = _datetime.validate_python(kwargs[key])
        super().__init__(**kwargs)


class AggregateSnapshot(StoredFact, CanSnapshotAggregate[UUID]):
    topic: str
    state: SnapshotState


class Aggregate(BaseAggregate[UUID]):
    """Base for every aggregate: pydantic events carrying the audit stamp."""

    # Declared by each concrete aggregate; becomes the library's `TOPIC` once
    # every event class has its own pinned topic (the library demands both).
    PINNED_TOPIC: ClassVar[str]

    class Event(StoredFact, CanMutateAggregate[UUID]):
        TOPIC: ClassVar[str]
        audit: Audit

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("PINNED_TOPIC")
        if topic is None:
            return
        type.__setattr__(cls, "TOPIC", topic)
        register_topic(topic, cls)
        for name, value in list(cls.__dict__.items()):
            if (
                isinstance(value, type)
                and issubclass(value, CanMutateAggregate)
                and name != "Event"
            ):
                event_topic = f"{topic}.{name}"
                type.__setattr__(value, "TOPIC", event_topic)
                register_topic(event_topic, value)
            elif isinstance(value, type) and issubclass(value, AggregateSnapshot):
                type.__setattr__(value, "TOPIC", f"{topic}.Snapshot")
                register_topic(f"{topic}.Snapshot", value)

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        return uuid4()

    def readable_by(self, staff_no: str, roles: frozenset[Role]) -> bool:
        """Whether a member of staff holding `roles` may know of this case at
        all, jurisdiction aside. Every case is, but a kind that keeps itself
        from some staff (whom it then answers as an unknown case) says so."""
        return True

    # -- a lead for a penalty case (立案), whatever context it is in ----------------

    @property
    def enforcement_origin(self) -> str | None:
        """The kind of case this is, when it can lead to a penalty case now (a
        report whose case was opened: "report"); None by default: it cannot.
        The enforcement context asks any context's case this, by log name."""
        return None

    @property
    def enforcement_opened_on(self) -> date | None:
        """The day the case was opened (立案) here, if it was, from which a
        penalty case opened from it counts its time limits; None: today."""
        return None


def event_classes(aggregate: type[Aggregate]) -> list[type[Aggregate.Event]]:
    """The event classes an aggregate declares (for projections and topic tests)."""
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
        if name != "Event"
    ]


class PlainJSONTranscoder(Transcoder):
    """A transcoder that stores the mapper's state (JSON-mode values only) as
    its plain JSON text, so a stored event can be parsed straight from its
    bytes (the library's JSONTranscoder does too)."""


@cache
def _class_version(cls: type) -> int:
    # Asked once per class: a pydantic class answers a missing attribute by
    # raising inside its metaclass, which costs microseconds on every event.
    return int(getattr(cls, "class_version", 1))


class PydanticMapper(Mapper[UUID]):
    """Stores pydantic events as JSON (the transcoder decides how: orjson).

    Unlike the library's example mapper, this one keeps `class_version`
    upcasting (STYLE §3: evolve events with upcasters, never by editing data).

    Two ways back: `to_domain_event` validates in full (what the library's
    repository uses, so a command decides on checked facts), and
    `read_recorded` parses without checking again (the read models' way,
    domain/shared/recorded.py); both upcast and give the same event.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        model = cast(BaseModel, domain_event)
        state = model.model_dump(mode="json")
        class_version = _class_version(type(model))
        if class_version > 1:
            state["class_version"] = class_version
        stored = self.transcoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(
            originator_id=model.originator_id,  # type: ignore[attr-defined]
            originator_version=model.originator_version,  # type: ignore[attr-defined]
            topic=get_topic(type(domain_event)),
            state=stored,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls, state = self._current_state(stored_event.topic, stored_event.state)
        # As recorded: today's input rules never refuse a stored fact.
        return cls.model_validate(state, context=STORED_FACT)

    def read_recorded(self, topic: str, stored: bytes) -> Any:
        """The event `to_domain_event` gives for a stored event of this topic
        and state, parsed but not checked again: it was valid when recorded."""
        cls = resolve_topic(topic)
        validator = recorded_validator(cls)
        if validator is not None and self._plain_json and _class_version(cls) == 1:
            # Nothing to upcast: parsed from the stored JSON, no dict between.
            return validator.validate_json(stored, context=STORED_FACT)
        cls, state = self._current_state(topic, stored)
        if validator is None:
            return cls.model_validate(state, context=STORED_FACT)
        return validator.validate_python(state, context=STORED_FACT)

    @cached_property
    def _plain_json(self) -> bool:
        """Whether a stored state is the JSON text of the event's state."""
        return (
            not self.cipher
            and not self.compressor
            and isinstance(self.transcoder, PlainJSONTranscoder | JSONTranscoder)
        )

    def _current_state(
        self, topic: str, stored: bytes
    ) -> tuple[type[BaseModel], dict[str, Any]]:
        """The class and the decoded state, upcast to the class's version."""
        if self.cipher:
            stored = self.cipher.decrypt(stored)
        if self.compressor:
            stored = self.compressor.decompress(stored)
        state: dict[str, Any] = self.transcoder.decode(stored)
        cls = resolve_topic(topic)
        class_version = _class_version(cls)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        return cls, state
