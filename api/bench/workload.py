"""What `casetrace bench` asks of a context: its workload.

A context names the module of its workload in its descriptor
(`Context.bench`); that module has a `workload(services) -> Workload`
function. The runner owns the timing, the threads, the HTTP client and the
tables; the workload owns everything that speaks the context's language: its
staff, its cases, its command routes and its queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from api.host.context import Context
    from api.host.storage import Services
    from domain.shared.audit import Role
    from domain.shared.events import Aggregate


@dataclass(frozen=True)
class Command:
    """One command to POST: `kind` names it in error notes (e.g. "accept")."""

    kind: str
    path: str
    body: dict[str, Any] | None
    token: str  # the bearer token of the staff member who issues it


@dataclass(frozen=True)
class Query:
    """One query whose latency is measured: `label` goes into the table."""

    label: str
    path: str
    token: str
    public: bool = False  # sent with no Authorization header (a public route)


class Commands(Protocol):
    """One HTTP client's stream of commands, e.g. one case through its workflow.

    The runner POSTs `next()`, then reports the outcome: `answered` with the
    2xx response's JSON (a `CommandResult`: `id`, `position`, …), or `failed`
    (an error status or a transport error) after which the stream starts over
    with a new case."""

    def next(self) -> Command: ...

    def answered(self, result: dict[str, Any]) -> None: ...

    def failed(self) -> None: ...


class Workload(Protocol):
    """A context's side of the bench, made once per run on its services."""

    # A topic of the context's events: the raw INSERT baseline stores rows
    # shaped like the context's events (one baseline per run: the first
    # workload's topic).
    topic: str
    # The read model whose tracking position tells when a command's event is
    # visible (projection lag); it must follow the context's own log.
    lag_model: str

    def seed(self) -> None:
        """Enrol the staff and issue the tokens the commands and queries use."""

    def new_case(self, n: int) -> Sequence[Aggregate]:
        """A new case as its creating command leaves it (one event): what one
        `save()` of the library measurement stores. `n` is unique in the run."""

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        """One generated case for the rebuild: its aggregates driven through
        their real command methods in memory, saved in batches with
        `save(*aggregates)`. Consecutive `n` should give a mix of outcomes."""

    def commands(self, client: int) -> Commands:
        """The command stream of HTTP client number `client` (after `seed`)."""

    def queries(self) -> Sequence[Query]:
        """The queries whose latency is measured once the data is loaded."""


def enrol(
    services: Services,
    units: Mapping[str, str],
    staff: Iterable[tuple[str, str, Role, str]],
) -> dict[str, str]:
    """A workload's units (those another workload has not made) and staff,
    each `(staff_no, unit, role, who)` given a token: the tokens by `who`."""
    from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit

    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="bench-setup")
    registry = services.registry
    for code, name in units.items():
        if registry.get_unit(code) is None:
            registry.establish_unit(code, name, boot)
    tokens: dict[str, str] = {}
    for staff_no, unit, role, who in staff:
        registry.enrol_staff(
            staff_no, f"bench {staff_no}", unit, frozenset({role}), boot
        )
        tokens[who] = registry.issue_token(staff_no, "bench", boot)[0]
    return tokens


# The units the workloads share.
UNITS = {"3208": "淮安市市场监督管理局", "320803": "淮安区市场监督管理局"}

# The function a context's bench module provides.
WorkloadFactory = Callable[["Services"], Workload]


def load(context: Context, services: Services) -> Workload:
    """The workload of a context with a bench module (`Context.bench`)."""
    if context.bench is None:
        msg = f"the {context.name} context has no bench workload"
        raise LookupError(msg)
    factory: WorkloadFactory = import_module(context.bench).workload
    return factory(services)
