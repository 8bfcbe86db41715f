"""What every bounded context's application service shares.

Each context is one `eventsourcing.Application` with a pinned `name` (its own
events table). The mapper is chosen here (pydantic events); the transcoder,
recorder and cipher are chosen by configuration, so the domain imports no
database driver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import (
    Any,
    ClassVar,
    Concatenate,
    ParamSpec,
    Protocol,
    TypeVar,
    runtime_checkable,
)
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Actor, ActorKind, Role
from domain.shared.errors import DomainError, NotFoundError, PermissionDeniedError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import covers

A = TypeVar("A", bound=Aggregate)


class StaleVersionError(DomainError):
    """If-Match named a version that is no longer the case's current version."""

    slug = "stale-version"
    title = "The case has changed since you read it"


class IdempotencyKeyReusedError(DomainError):
    """The Idempotency-Key already stands for a different request."""

    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused for a different request"


class CommandResult(BaseModel):
    """What a command returns: the case, its new version, and the log position
    a query can wait for (read-your-writes), with the log's name (the
    service's `name`): a position means nothing without its log."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    version: int
    position: int
    log: str
    # What the command made that the case alone does not show (a receipt's
    # query code, shown once): kept with the Idempotency-Key for a replay.
    extra: dict[str, str] = Field(default_factory=dict)
    # True when this is the recorded outcome of an earlier attempt (a retry).
    replayed: bool = False
    # The case as the command left it, so a caller can show it without reading
    # it back from the store (not part of the serialised result; None on a
    # replay, whose case is read at `version`).
    case: Any = Field(default=None, exclude=True, repr=False)


@dataclass(frozen=True)
class CommandKey:
    """An Idempotency-Key as the service sees it: whose it is (the token), the
    key, and a digest of the request it was first used for."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredCommand:
    """A key recorded with the events its command caused (one transaction)."""

    fingerprint: str
    outcome: dict[str, Any]
    position: int | None


@runtime_checkable
class CommandLog(Protocol):
    """The event store's record of keyed commands (see api/recorder.py). The
    key is written in the same transaction as the command's events: committed
    together or not at all, so a retry can always tell which happened."""

    def find_command(self, scope: str, key: str) -> StoredCommand | None: ...


# The key of the command being served. Set by the API around a request (it is
# request-scoped, like the request id) and read where the events are saved.
current_command: ContextVar[CommandKey | None] = ContextVar(
    "current_command", default=None
)


@contextmanager
def keyed_command(command: CommandKey | None) -> Iterator[None]:
    token = current_command.set(command)
    try:
        yield
    finally:
        current_command.reset(token)


S = TypeVar("S", bound="ContextService")
P = ParamSpec("P")
R = TypeVar("R", bound="CommandResult")
Command = Callable[Concatenate[S, P], R]


def replayable(
    convert: Callable[[CommandResult], R],
) -> Callable[[Command[S, P, R]], Command[S, P, R]]:
    """Marks a command whose refusal may be a keyed retry of an attempt that
    committed (the case has moved on, If-Match is stale): its answer is then
    the first attempt's, as `convert` shapes it. Looked up only on refusal,
    so the happy path pays nothing for idempotency."""

    def decorate(command: Command[S, P, R]) -> Command[S, P, R]:
        @wraps(command)
        def run(service: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return command(service, *args, **kwargs)
            except DomainError:
                replayed = service.replayed()
                if replayed is None:
                    raise
                return convert(replayed)

        return run

    return decorate


def as_result(result: CommandResult) -> CommandResult:
    return result


class ContextService(Application[UUID]):
    """Base of the per-context services: load, one command, save, report."""

    env: ClassVar[dict[str, str]] = {
        "MAPPER_TOPIC": "domain.shared.events:PydanticMapper",
    }
    # command name → roles that may issue it (checked with jurisdiction).
    permissions: ClassVar[dict[str, frozenset[Role]]] = {}

    def load(
        self, cls: type[A], aggregate_id: UUID, what: str, version: int | None = None
    ) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFoundError(f"{what} {aggregate_id} not found") from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(f"{what} {aggregate_id} not found")
        return aggregate

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def commit(self, *aggregates: Aggregate, **extra: str) -> CommandResult:
        """Save atomically; the first aggregate is the case the command was about.

        With an Idempotency-Key, the key and the outcome are saved in the same
        transaction as the events. A save that conflicts because the key is
        already recorded (a retry racing its first attempt, or replaying one
        that committed) answers with the recorded outcome instead."""
        head = aggregates[0]
        command = current_command.get()
        saved: dict[str, Any] = {}
        if command is not None:
            outcome = {"id": str(head.id), "version": head.version, "extra": extra}
            saved["command"] = (command, self.name, outcome)
        try:
            recordings = self.save(*aggregates, **saved)
        except IntegrityError:
            replayed = self.replayed()
            if replayed is None:
                raise
            return replayed
        position = max((r.notification.id for r in recordings), default=0)
        return CommandResult(
            id=head.id,
            version=head.version,
            position=position,
            log=self.name,
            extra=extra,
            case=head,
        )

    def replayed(self) -> CommandResult | None:
        """The recorded outcome of the current keyed command, if it committed.

        Looked up only when a command fails (a rule refuses it, or its save
        conflicts), so the happy path pays nothing for idempotency."""
        command = current_command.get()
        if command is None or not isinstance(self.recorder, CommandLog):
            return None
        stored = self.recorder.find_command(command.scope, command.key)
        if stored is None:
            return None
        if stored.fingerprint != command.fingerprint:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was already used for a different request"
            )
        outcome = stored.outcome
        return CommandResult(
            id=UUID(outcome["id"]),
            version=outcome["version"],
            position=stored.position or 0,
            log=self.name,
            extra=outcome.get("extra", {}),
            replayed=True,
        )

    @replayable(as_result)
    def act(
        self,
        cls: type[A],
        aggregate_id: UUID,
        command: str,
        actor: Actor,
        expected_version: int | None,
        change: Callable[[A], Sequence[Aggregate] | None],
        *,
        what: str,
        unit_of: Callable[[A], str | None],
    ) -> CommandResult:
        """The one shape of a command: load, authorise, check If-Match, decide, save."""
        aggregate = self.load(cls, aggregate_id, what)
        self.authorise(command, actor, unit_of(aggregate))
        if expected_version is not None and expected_version != aggregate.version:
            raise StaleVersionError(
                f"{what} is at version {aggregate.version}, not {expected_version}"
            )
        more = change(aggregate) or ()
        return self.commit(aggregate, *more)

    def case_of(self, result: CommandResult) -> Any:
        """The case as the command left it (read back at its version on a replay)."""
        if result.case is not None:
            return result.case
        return self.repository.get(result.id, version=result.version)

    def authorise(self, command: str, actor: Actor, case_unit: str | None) -> None:
        """Roles per command, and a unit acts only within its region (DESIGN §4)."""
        if actor.kind is ActorKind.SYSTEM:
            return
        allowed = self.permissions.get(command, frozenset())
        if actor.role not in allowed:
            raise PermissionDeniedError(
                f"{command} needs one of the roles {sorted(allowed)}; acting as {actor.role}"
            )
        # Staff without a unit have no jurisdiction (and "" is no region code).
        if case_unit is not None and not (
            actor.unit_code and covers(actor.unit_code, case_unit)
        ):
            raise PermissionDeniedError(
                f"the case belongs to unit {case_unit}, outside {actor.unit_code}'s jurisdiction"
            )

    def history(self, aggregate_id: UUID) -> list[Any]:
        return list(self.events.get(aggregate_id))
