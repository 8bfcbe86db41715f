"""What every bounded context's application service shares.

Each context is one `eventsourcing.Application` with a pinned `name` (its own
events table). The mapper is chosen here (pydantic events); the transcoder,
recorder and cipher are chosen by configuration, so the domain imports no
database driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
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


class CommandResult(BaseModel):
    """What a command returns: the case, its new version, and the log position
    a query can wait for (read-your-writes)."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    version: int
    position: int
    # The case as the command left it, so a caller can show it without reading
    # it back from the store (not part of the serialised result).
    case: Any = Field(default=None, exclude=True, repr=False)


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

    def commit(self, *aggregates: Aggregate) -> CommandResult:
        """Save atomically; the first aggregate is the case the command was about."""
        recordings = self.save(*aggregates)
        head = aggregates[0]
        position = max((r.notification.id for r in recordings), default=0)
        return CommandResult(
            id=head.id, version=head.version, position=position, case=head
        )

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
