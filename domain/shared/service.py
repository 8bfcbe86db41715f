"""What every bounded context's application service shares.

Each context is one `eventsourcing.Application` with a pinned `name` (its own
events table). The mapper is chosen here (pydantic events); the transcoder,
recorder and cipher are chosen by configuration, so the domain imports no
database driver.

A command is declared once, on the service method that holds only its
decision (DESIGN §2):

    @command(CLERK, summary="One-time notice …", body="CorrectionBody", decision=True)
    def request_correction(
        self, a: LicenceApplication, audit: Audit, missing_items: Items
    ) -> None:
        a.request_correction(missing_items, self.today(), audit)

becomes the public `request_correction(app_id, audit, missing_items,
expected_version=None)`: the role is checked, the case loaded (its kind and
unit from the service's `cases`), its jurisdiction checked, If-Match
compared, the decision made and the case saved (with what the decision
returns, atomically). The declaration is also a `CommandSpec` in the service's
`commands`, from which the roles per command (`permissions`), the HTTP routes
and request bodies, and the clock's timers are derived.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Concatenate,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    runtime_checkable,
)
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType
from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Actor, ActorKind, Audit, Caller, Role, require_actor
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import Clock, SystemClock, legal_date
from domain.shared.command import AUDIT, DECLARED, CaseType, CommandSpec, Declared
from domain.shared.errors import DomainError, NotFoundError, PermissionDeniedError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import covers
from domain.shared.store import Reading

if TYPE_CHECKING:  # the registry's service is itself a ContextService
    from domain.registry.service import Registry

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


Decide = Callable[Concatenate[S, A, P], Sequence[Aggregate] | None]
OnCase = Callable[Concatenate[S, UUID, P], CommandResult]


def command(
    roles: Iterable[Role],
    *,
    summary: str,
    route: str | None = None,
    body: str | None = None,
    decision: bool = False,
    unit: Callable[[Any], str | None] | None = None,
) -> Callable[[Decide[S, A, P]], OnCase[S, P]]:
    """Declares a command on a case by its decision: the change made to the
    loaded case (the first parameter, typed with a kind of case the service
    declares), returning any further aggregates to save with it.

    The public method takes the case's id in the case's place, the other
    parameters as declared, and `expected_version=` (If-Match) by keyword.
    `route` is the verb of POST …/{id}/<verb> (the name, hyphenated, if not
    given); `body` names the HTTP request body made of the parameters;
    `decision` says the request carries the reason (全过程留痕); `unit` is the
    unit whose jurisdiction decides, when not the case type's."""
    allowed = frozenset(roles)
    if not allowed:
        raise TypeError("a person's command names its roles; see system_command")
    return _on_case(allowed, summary, route, body, decision, unit)


def system_command(
    *, unit: Callable[[Any], str | None] | None = None
) -> Callable[[Decide[S, A, P]], OnCase[S, P]]:
    """Declares a command only the system issues (a timer, as `system:clock`):
    refused to every person, and given no route."""
    return _on_case(frozenset(), "", None, None, False, unit)


def _on_case(
    roles: frozenset[Role],
    summary: str,
    route: str | None,
    body: str | None,
    decision: bool,
    unit: Callable[[Any], str | None] | None,
) -> Callable[[Decide[S, A, P]], OnCase[S, P]]:
    def declare(decide: Decide[S, A, P]) -> OnCase[S, P]:
        name = decide.__name__

        @wraps(decide)
        def run(
            service: S, case_id: UUID, /, *args: P.args, **kwargs: P.kwargs
        ) -> CommandResult:
            return service.run_command(name, case_id, args, dict(kwargs))

        declared = Declared(decide, roles, summary, route, body, decision, unit)
        vars(run)[DECLARED] = declared
        vars(run)["__signature__"] = _public(inspect.signature(decide))
        return run

    return declare


def _public(decision: inspect.Signature) -> inspect.Signature:
    """The signature a caller sees (help(), inspect): the case's id in the
    case's place, and If-Match as `expected_version`."""
    me, _, *rest = decision.parameters.values()
    positional = inspect.Parameter.POSITIONAL_ONLY
    case_id = inspect.Parameter("case_id", positional, annotation="UUID")
    expected_version = inspect.Parameter(
        "expected_version",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation="int | None",
    )
    return decision.replace(
        parameters=[me.replace(kind=positional), case_id, *rest, expected_version],
        return_annotation="CommandResult",
    )


def creation(
    roles: Iterable[Role],
    *,
    summary: str,
    body: str,
    replay: Callable[[CommandResult], R],
    route: str = "",
    decision: bool = False,
) -> Callable[[Command[S, P, R]], Command[S, P, R]]:
    """Declares a command that creates a case (POST on the collection, 201):
    the role is checked and the audit stamp made before the method runs; the
    method itself decides the new case's unit and saves it. `replay` shapes a
    keyed retry's recorded outcome (see `replayable`); `decision` as for
    `command`."""

    def declare(create: Command[S, P, R]) -> Command[S, P, R]:
        name = create.__name__
        make = cast(Callable[..., R], create)

        @wraps(create)
        def run(service: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            arguments = service.commands[name].bind(args, kwargs)
            arguments[AUDIT] = service.acting(name, arguments[AUDIT])
            return make(service, **arguments)

        declared = Declared(
            create, frozenset(roles), summary, route, body, decision, creates=True
        )
        replayed = replayable(replay)(run)
        vars(replayed)[DECLARED] = declared
        return replayed

    return declare


# Every role reads (a unit its own jurisdiction, an auditor everything); the
# API checks reads, the services only commands.
READ = "read"


class ContextService(Reading):
    """Base of the per-context services: load, one command, save, report."""

    env: ClassVar[dict[str, str]] = {
        "MAPPER_TOPIC": "domain.shared.events:PydanticMapper",
    }
    # The kinds of case the service's commands act on.
    cases: ClassVar[tuple[CaseType[Any], ...]] = ()
    # The declared commands, by name, in the order they are declared.
    commands: ClassVar[Mapping[str, CommandSpec]] = {}
    # Roles for what is not a declared command (e.g. the registry's upkeep of
    # staff from the CLI); commands bring their own.
    rights: ClassVar[Mapping[str, frozenset[Role]]] = {}
    # Who may do what: derived from `commands` and `rights`, never written.
    permissions: ClassVar[Mapping[str, frozenset[Role]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every base's commands: a service may be assembled from several parts
        # (licensing: the counter, 网上预审 and the aftercare).
        commands: dict[str, CommandSpec] = {}
        for base in reversed(cls.__mro__[1:]):
            commands.update(getattr(base, "commands", {}))
        for attribute, value in cls.__dict__.items():
            declared = getattr(value, DECLARED, None)
            if isinstance(declared, Declared):
                if attribute != declared.decide.__name__:
                    raise TypeError(f"{attribute}: a command keeps its method's name")
                if hasattr(ContextService, attribute):
                    raise TypeError(f"{attribute}: every service has one already")
                commands[attribute] = declared.spec(cls)
        cls.commands = commands
        cls.permissions = {
            READ: frozenset(Role),
            **cls.rights,
            **{name: spec.roles for name, spec in commands.items()},
        }

    @classmethod
    def case_type(cls, aggregate: type[Aggregate], command: str) -> CaseType[Any]:
        for case in cls.cases:
            if issubclass(aggregate, case.aggregate):
                return case
        raise TypeError(
            f"{command}: {aggregate.__name__} is not in {cls.__name__}.cases"
        )

    @classmethod
    def routes_on(cls, aggregate: type[Aggregate]) -> list[CommandSpec]:
        """The commands a person issues on this kind of case, in declared order."""
        return [
            spec
            for spec in cls.commands.values()
            if spec.verb and any(c.aggregate is aggregate for c in spec.cases)
        ]

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

    def case_of(self, result: CommandResult) -> Any:
        """The case as the command left it (read back at its version on a replay)."""
        if result.case is not None:
            return result.case
        return self.load(Aggregate, result.id, "case", result.version)

    # -- commands ------------------------------------------------------------------

    def execute(
        self,
        name: str,
        case_id: UUID | None,
        who: Audit | Caller,
        arguments: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> CommandResult:
        """A declared command by name, with its arguments by name (the HTTP
        routes, the clock): the same public method a caller in Python uses."""
        method = getattr(self, name)
        if self.commands[name].creates:
            result: CommandResult = method(audit=who, **arguments)
        else:
            result = method(
                case_id, audit=who, expected_version=expected_version, **arguments
            )
        return result

    @replayable(as_result)
    def run_command(
        self, name: str, case_id: UUID, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> CommandResult:
        """The one shape of a command on a case: the role, the case, its
        jurisdiction, If-Match, the decision, one atomic save."""
        spec = self.commands[name]
        expected_version = kwargs.pop("expected_version", None)
        arguments = spec.bind(args, kwargs)
        audit = arguments[AUDIT] = self.acting(name, arguments[AUDIT])
        case = self._case(spec, case_id)
        self.require_known(audit.actor, case, spec.what, case_id)
        self.within_jurisdiction(audit.actor, spec.unit_of(case))
        if expected_version is not None and expected_version != case.version:
            what = spec.case_type(case).what
            raise StaleVersionError(
                f"{what} is at version {case.version}, not {expected_version}"
            )
        more = spec.decide(self, case, **arguments) or ()
        return self.commit(case, *more)

    def _case(self, spec: CommandSpec, case_id: UUID) -> Aggregate:
        kinds: tuple[type[Aggregate], ...] = tuple(c.aggregate for c in spec.cases)
        return self.load(kinds, case_id, spec.what)

    # -- authorisation -------------------------------------------------------------

    def acting(self, command: str, who: Audit | Caller) -> Audit:
        """The audit stamp a command is recorded under, with the role it is
        issued in: the one place a role is checked (DESIGN §4). A caller holding
        several roles acts in the first the command permits; the system acts by
        rule, in no role."""
        allowed = self.permissions.get(command, frozenset())
        if isinstance(who, Caller):
            role = next((r for r in Role if r in who.roles and r in allowed), None)
            if role is None:
                raise PermissionDeniedError(_needs(command, allowed))
            return who.acting_as(role)
        audit = require_actor(who)
        if audit.actor.kind is ActorKind.SYSTEM:
            return audit
        if audit.actor.role not in allowed:
            acting = f"; acting as {audit.actor.role}" if audit.actor.role else ""
            raise PermissionDeniedError(_needs(command, allowed) + acting)
        return audit

    def require_known(
        self,
        actor: Actor,
        case: Aggregate,
        what: str,
        case_id: UUID,
        roles: frozenset[Role] | None = None,
    ) -> None:
        """A case kept from this member of staff (`Aggregate.readable_by`) is
        refused as an unknown one: the refusal does not reveal it exists. The
        roles are those the actor acts in, unless given (a read: all theirs)."""
        if actor.kind is not ActorKind.STAFF:
            return
        held = roles if roles is not None else frozenset({actor.role} - {None})
        if not case.readable_by(actor.id, cast(frozenset[Role], held)):
            raise NotFoundError(f"{what} {case_id} not found")

    def within_jurisdiction(self, actor: Actor, case_unit: str | None) -> None:
        """A unit acts only within its region (DESIGN §4); None: any unit's case."""
        if actor.kind is ActorKind.SYSTEM or case_unit is None:
            return
        # Staff without a unit have no jurisdiction (and "" is no region code).
        if not (actor.unit_code and covers(actor.unit_code, case_unit)):
            raise PermissionDeniedError(
                f"the case belongs to unit {case_unit}, outside {actor.unit_code}'s jurisdiction"
            )

    def authorise(
        self, command: str, who: Audit | Caller, case_unit: str | None
    ) -> Audit:
        """The role and the jurisdiction, for what is not a declared command."""
        audit = self.acting(command, who)
        self.within_jurisdiction(audit.actor, case_unit)
        return audit

    def history(self, aggregate_id: UUID) -> list[Any]:
        return list(self.events.get(aggregate_id))


def _needs(command: str, allowed: frozenset[Role]) -> str:
    verb = command.replace("_", "-")
    if not allowed:
        return f"{verb} is issued only by the system (a timer), never by a person"
    return f"{verb} needs one of the roles {sorted(r.value for r in allowed)}"


class DatedService(ContextService):
    """A context's service that decides on dates: the calendar, the clock
    (legal dates are Asia/Shanghai dates) and the registry of units, staff
    and the catalogue, all handed in when the context is opened."""

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        registry: Registry,
        calendar: WorkingDayCalendar,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(env)
        self.registry = registry
        self.calendar = calendar
        self.clock = clock or SystemClock()

    def today(self) -> date:
        return legal_date(self.clock.now())
