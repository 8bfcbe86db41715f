"""How a service reads aggregates on a command's path: in one round trip, and
from a cache that cannot serve a stale answer.

**One round trip.** A `Read` names an aggregate by its log (the events table
of the service it belongs to), whether its latest snapshot is wanted (only for
kinds the service snapshots: a probe for any other kind would find nothing)
and a version. An event store that is a `ReadBatch` (api/host/recorder.py)
answers several reads, of several services on the same database, in one
round trip; any other store is read aggregate by aggregate through the
library's repository.

**A cache checked against its log.** The registry (staff, tokens, units, the
catalogue, enterprises) changes rarely and is read by every request. A service
may cache such kinds (`ContextService.cached_kinds`): a generation of cached
aggregates is filled at one position of its log (the highest notification id,
read before anything in it was loaded, so everything in it is at least that
recent). A request that uses the cache `relies` on that position, and the
reliance is confirmed by reading the log's head in the request's first round
trip to the database — the same round trip that reads its case, or that
writes its events — before anything it decided is stored or answered. If the
head has moved (a token revoked, a role withdrawn, by this process or any
other), the generation is dropped and the request is answered again, reading
afresh (`LogMovedError`; api/http/middleware.py). The head is the highest
notification id: the library commits a log's inserts in notification-id
order (its table lock), so the head only moves forward and a change is
visible the moment it is committed, to every process alike.

A reliance that no round trip carried (a request answered from the cache
alone, or refused before it reached the database) is confirmed by reading the
head just before the answer leaves (`confirm`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar, cast, runtime_checkable
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
)
from eventsourcing.persistence import Recording, StoredEvent

from domain.shared.errors import NotFoundError
from domain.shared.events import Aggregate, PydanticMapper

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Read:
    """One aggregate to read: the recorder of its events (its service's), the
    recorder of its snapshots if its kind is snapshotted, up to a version."""

    events: Any
    snapshots: Any | None
    originator_id: UUID
    version: int | None = None


class Stored(NamedTuple):
    """An aggregate as stored: its latest snapshot (if asked for and taken) and
    the events after it."""

    snapshot: StoredEvent | None
    events: Sequence[StoredEvent]


@runtime_checkable
class ReadBatch(Protocol):
    """An event store that reads several aggregates in one round trip, and
    confirms the request's pending reliances in the same round trip."""

    def select_aggregates(self, reads: Sequence[Read]) -> list[Stored]: ...


class LogMovedError(Exception):
    """A log the request relied on is not where its cached generation was:
    nothing decided on the stale cache was stored; answer the request again."""


class Generation:
    """Aggregates cached at one position of a log (None: known not to exist)."""

    LIMIT = 10_000  # enterprises are many; a full generation starts over

    def __init__(self, position: int) -> None:
        self.position = position
        self.aggregates: dict[UUID, Any] = {}

    def get(self, aggregate_id: UUID) -> tuple[bool, Any]:
        found = self.aggregates.get(aggregate_id, _MISSING)
        return (found is not _MISSING, None if found is _MISSING else found)

    def put(self, aggregate_id: UUID, aggregate: Any) -> None:
        if len(self.aggregates) >= self.LIMIT:
            self.aggregates.clear()
        self.aggregates[aggregate_id] = aggregate


_MISSING = object()


@dataclass
class Reliance:
    """A request used `generation`, cached at `generation.position` of the log
    `log` (its application recorder) records."""

    log: Any
    generation: Generation
    moved: Callable[[int], None]  # the log's head, to drop a stale generation
    confirmed: bool = False

    def check(self, head: int) -> None:
        """The log's head, read in one of the request's round trips."""
        if head == self.generation.position:
            self.confirmed = True
            return
        self.moved(head)
        msg = f"log moved from {self.generation.position} to {head}"
        raise LogMovedError(msg)


@dataclass
class Reliances:
    """What one request relies on, by log name; `cached` False: read afresh.

    Once the request has stored what it decided (`settle`), what it still
    reads from a cache only shapes its answer: it is not confirmed again, so
    a request that has written is never answered a second time."""

    cached: bool = True
    by_log: dict[str, Reliance] = field(default_factory=dict)
    settled: bool = False

    def pending(self) -> list[Reliance]:
        if self.settled:
            return []
        return [r for r in self.by_log.values() if not r.confirmed]


current_reliances: ContextVar[Reliances | None] = ContextVar(
    "current_reliances", default=None
)


@contextmanager
def relying(*, cached: bool = True) -> Iterator[Reliances]:
    """The scope of one request: caches may be used (if `cached`), and what
    they were used for is confirmed before the request is answered."""
    reliances = Reliances(cached=cached)
    token = current_reliances.set(reliances)
    try:
        yield reliances
    finally:
        current_reliances.reset(token)


def pending_reliances() -> list[Reliance]:
    reliances = current_reliances.get()
    return reliances.pending() if reliances is not None else []


def settle() -> None:
    """The request's decision is stored (see `Reliances`)."""
    reliances = current_reliances.get()
    if reliances is not None:
        reliances.settled = True


def confirm(reliances: Sequence[Reliance]) -> None:
    """Confirm reliances that no round trip carried (one read of each head)."""
    for reliance in reliances:
        reliance.check(int(reliance.log.max_notification_id() or 0))


@dataclass(frozen=True)
class Want:
    """An aggregate to read (`Reading.read`): whose it is, of which kind(s),
    its id, and a version (None: as it stands)."""

    service: Reading
    kind: type[Aggregate] | tuple[type[Aggregate], ...]
    id: UUID
    version: int | None = None


class Reading(Application[UUID]):
    """How every context's service reads its aggregates (and caches a kind
    every request reads and that rarely changes)."""

    # Kinds read by every request and rarely changed (the registry's): cached,
    # checked against this service's log.
    cached_kinds: ClassVar[tuple[type[Aggregate], ...]] = ()
    _generation: Generation | None = None

    def load(
        self,
        cls: type[A] | tuple[type[A], ...],
        aggregate_id: UUID,
        what: str,
        version: int | None = None,
    ) -> A:
        """The aggregate as stored now (or at `version`), to decide on: read
        afresh, never from a cache."""
        (aggregate,) = self.read(Want(self, cls, aggregate_id, version), fresh=True)
        if aggregate is None:
            raise NotFoundError(f"{what} {aggregate_id} not found")
        return cast(A, aggregate)

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as stored now, to decide on (never from a cache)."""
        (aggregate,) = self.read(Want(self, cls, aggregate_id), fresh=True)
        return cast(A | None, aggregate)

    def lookup(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate to look at, not to change: within a request, a kind
        this service caches comes from its cache (domain/shared/store.py)."""
        (aggregate,) = self.read(Want(self, cls, aggregate_id))
        return cast(A | None, aggregate)

    def read(self, *wants: Want, fresh: bool = False) -> list[Any]:
        """Several aggregates — this service's or another's on the same
        database, e.g. the registry's — in one round trip; None for one that
        does not exist or is not of the kind wanted. Unless `fresh`, a kind
        its service caches may come from the cache: look, never change."""
        found: list[Any] = [None] * len(wants)
        missing: list[tuple[int, Want, Generation | None]] = []
        for n, want in enumerate(wants):
            generation = None if fresh else want.service.relied_on(want.kind)
            if generation is not None:
                hit, aggregate = generation.get(want.id)
                if hit:
                    found[n] = aggregate if isinstance(aggregate, want.kind) else None
                    continue
            missing.append((n, want, generation))
        if missing:
            loaded = self._fetch([want for _, want, _ in missing])
            for (n, want, generation), aggregate in zip(missing, loaded, strict=True):
                if generation is not None:
                    generation.put(want.id, aggregate)
                found[n] = aggregate if isinstance(aggregate, want.kind) else None
        return found

    def _fetch(self, wants: Sequence[Want]) -> list[Aggregate | None]:
        if isinstance(self.recorder, ReadBatch):
            reads = [w.service.stored_read(w) for w in wants]
            stored = self.recorder.select_aggregates(reads)
            return [w.service.project(s) for w, s in zip(wants, stored, strict=True)]
        confirm(pending_reliances())  # a store that cannot carry them (tests)
        return [w.service.replay(w.id, w.version) for w in wants]

    def stored_read(self, want: Want) -> Read:
        """How `want` is read from this service's store: with its latest
        snapshot only if its kind may be snapshotted (no probe otherwise)."""
        kinds = want.kind if isinstance(want.kind, tuple) else (want.kind,)
        snapshotted = self.snapshots is not None and any(
            issubclass(s, k) or issubclass(k, s)
            for s in self.snapshotting_intervals
            for k in kinds
        )
        snapshots = self.snapshots.recorder if snapshotted and self.snapshots else None
        return Read(self.recorder, snapshots, want.id, want.version)

    def project(self, stored: Stored) -> Aggregate | None:
        """An aggregate from its stored snapshot and events, read as recorded
        (domain/shared/recorded.py: parsed into the same events, without
        re-running the checks they passed when they were recorded — half of
        a command's decoding). Folded here rather than by the library's
        `project_aggregate`, which checks a runtime Protocol per event."""
        head = [stored.snapshot] if stored.snapshot is not None else []
        decode = self._decoder
        aggregate: Any = None
        for event in (*head, *stored.events):
            aggregate = decode(event).mutate(aggregate)
        return cast(Aggregate | None, aggregate)

    @cached_property
    def _decoder(self) -> Callable[[StoredEvent], Any]:
        mapper = self.mapper
        if isinstance(mapper, PydanticMapper):
            return lambda e: mapper.read_recorded(e.topic, e.state)
        return mapper.to_domain_event

    def replay(self, aggregate_id: UUID, version: int | None) -> Aggregate | None:
        """Through the library's repository (a store that reads one by one)."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            return None
        return aggregate

    # -- the cache of a service whose kinds change rarely (the registry) ----------

    def relied_on(
        self, kind: type[Aggregate] | tuple[type[Aggregate], ...]
    ) -> Generation | None:
        """The cached generation the current request relies on for `kind`,
        or None: not cached, or no request scope (domain/shared/store.py)."""
        reliances = current_reliances.get()
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (
            reliances is None
            or not reliances.cached
            or not kinds
            or not all(issubclass(k, self.cached_kinds) for k in kinds)
        ):
            return None
        reliance = reliances.by_log.get(self.name)
        if reliance is None:
            generation, confirmed = self._generation, False
            if generation is None:  # read the head before anything is cached
                head = int(self.recorder.max_notification_id() or 0)
                generation, confirmed = Generation(head), True
                self._generation = generation
            reliance = Reliance(self.recorder, generation, self._moved, confirmed)
            reliances.by_log[self.name] = reliance
        return reliance.generation

    def _moved(self, head: int) -> None:
        current = self._generation
        if current is None or current.position != head:
            self._generation = Generation(head)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        recordings = super().save(*objs, **kwargs)
        if self.cached_kinds:
            # This process changed its own log: start the next generation at
            # once, rather than have the next request find the head moved.
            self._generation = None
        return recordings
