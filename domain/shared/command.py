"""A command as declared: its roles, route, request body and parameters.

`domain.shared.service.command` makes a `CommandSpec` of each decision a
service declares; the service collects them (`ContextService.commands`), and
the roles per command, the HTTP routes and request bodies and the clock's
timers are all derived from them: nothing about a command is written twice.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import TypeAdapter

from domain.shared.audit import Role
from domain.shared.events import Aggregate

if TYPE_CHECKING:
    from domain.shared.service import ContextService

A = TypeVar("A", bound=Aggregate)

# The parameter of every decision that receives the audit stamp.
AUDIT = "audit"
# Where a declaration waits on its method until the class collects it.
DECLARED = "__command__"


def _any_unit(_: Aggregate) -> None:
    return None


@dataclass(frozen=True)
class CaseType(Generic[A]):
    """A kind of case a service's commands act on, declared once per service
    (`cases`): how a refusal names it, and the unit whose jurisdiction it is in
    (None: any unit's, e.g. the catalogue)."""

    aggregate: type[A]
    what: str
    unit: Callable[[A], str | None] = field(default=_any_unit)


@dataclass(frozen=True)
class CommandSpec:
    """A declared command, as the API, the clock and the permissions see it."""

    name: str  # the service method, e.g. "request_correction"
    roles: frozenset[Role]  # who may issue it; none: only the system (a timer)
    summary: str
    # The route: POST …/{id}/<verb>, "" for a creation (POST on the
    # collection), None for a system command (no route).
    verb: str | None
    body: str | None  # the request body's name (identical bodies share one)
    decision: bool  # a person's decision: the request carries its reason
    cases: tuple[CaseType[Any], ...]  # the kinds of case; none for a creation
    # The public parameters after the case id: the audit stamp and the rest.
    signature: inspect.Signature
    decide: Callable[..., Any] = field(repr=False, compare=False)
    unit: Callable[[Any], str | None] | None = None  # instead of the case type's

    @property
    def system_only(self) -> bool:
        return not self.roles

    @property
    def creates(self) -> bool:
        return not self.cases

    @property
    def what(self) -> str:
        return " or ".join(c.what for c in self.cases)

    @property
    def parameters(self) -> tuple[inspect.Parameter, ...]:
        """What the command takes besides the case and the audit stamp."""
        return tuple(p for p in self.signature.parameters.values() if p.name != AUDIT)

    def case_type(self, case: Aggregate) -> CaseType[Any]:
        return next(c for c in self.cases if isinstance(case, c.aggregate))

    def unit_of(self, case: Aggregate) -> str | None:
        return (self.unit or self.case_type(case).unit)(case)

    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def arguments_from(self, text: str | None) -> dict[str, Any]:
        """A system command's arguments from their text form (a timer's action
        is `name` or `name:argument`): its one parameter, if it has one."""
        if not text:
            return {}
        (parameter,) = self.parameters
        value = TypeAdapter(parameter.annotation).validate_python(text)
        return {parameter.name: value}


@dataclass(frozen=True)
class Declared:
    """What a decorator knows; the spec is completed with its class (`cases`)."""

    decide: Callable[..., Any]
    roles: frozenset[Role]
    summary: str = ""
    route: str | None = None
    body: str | None = None
    decision: bool = False
    unit: Callable[[Any], str | None] | None = None
    creates: bool = False

    def spec(self, service: type[ContextService]) -> CommandSpec:
        name = self.decide.__name__
        signature = inspect.signature(self.decide, eval_str=True)
        _, *parameters = signature.parameters.values()  # self
        cases: tuple[CaseType[Any], ...] = ()
        if not self.creates:
            case, *parameters = parameters
            cases = tuple(service.case_type(t, name) for t in _types(case.annotation))
        if AUDIT not in {p.name for p in parameters}:
            raise TypeError(f"{name}: a command takes the audit stamp as `audit`")
        if self.roles and len(parameters) > 1 and self.body is None:
            raise TypeError(f"{name}: name its request body (body=...)")
        person = bool(self.roles)
        return CommandSpec(
            name=name,
            roles=self.roles,
            summary=self.summary,
            verb=_route(name, self.route) if person else None,
            body=(self.body or _bare(self.decision)) if person else None,
            decision=self.decision,
            cases=cases,
            signature=signature.replace(
                parameters=parameters, return_annotation=inspect.Signature.empty
            ),
            decide=self.decide,
            unit=self.unit,
        )


def _route(name: str, route: str | None) -> str:
    return name.replace("_", "-") if route is None else route


def _bare(decision: bool) -> str:
    """The body of a command with no parameters: the reason, required or not."""
    return "Decision" if decision else "NoBody"


def _types(annotation: Any) -> tuple[type[Aggregate], ...]:
    """The aggregate classes a case parameter names (`A` or `A | B`)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(get_args(annotation))
    return (annotation,)
