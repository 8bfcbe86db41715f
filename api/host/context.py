"""A bounded context as a plug-in (DESIGN §2): one descriptor per context.

Every process — serve, project, clock, demo, bench — iterates over the
registered contexts (`api/host/contexts.py`) and never names one. A context
brings its Application, its read models, its HTTP routers, the summaries of
its history, its demo data and its bench workload; it receives what all
contexts share (the event store's settings, the calendar, the clock, the
registry of units, staff and the catalogue, and the personal-data vault) in
one `Shared` object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.registry.service import Registry
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import Clock
from domain.shared.personal import Vault
from domain.shared.service import ContextService
from projections.runtime import AnyReadModel

if TYPE_CHECKING:  # HTTP is imported only by the processes that serve it
    from fastapi import APIRouter

    from api.host.storage import Services
    from api.http.summaries import Summaries


@dataclass(frozen=True)
class Shared:
    """What every context is handed when it is opened."""

    env: dict[str, str]  # the event store's settings (one table per context)
    calendar: WorkingDayCalendar
    clock: Clock
    registry: Registry
    # Per-person keys for personal data sealed in events (api/host/vault.py).
    vault: Vault


@dataclass(frozen=True)
class SiteLink:
    """A link on the public site's home page (公众服务): a page of a context."""

    title: str  # "行政许可事项目录"
    path: str  # "/licensing/items"
    note: str = ""  # one line under the title


@dataclass(frozen=True)
class Http:
    """A context's part of the HTTP API: its routers (in the order they appear
    in the OpenAPI document), the readable lines of its history (keyed by
    pinned event topic), the glossary of its fields and its response
    examples.

    Its part of the public web site (api/http/site.py): `pages`, routers of
    server-rendered HTML (left out of the OpenAPI document); `templates`, the
    directory of its Jinja2 templates, found as `<context name>/<file>` and
    extending the shared `base.html`; `site_links`, its entries on the home
    page, in order."""

    routers: Sequence[APIRouter]
    summaries: Summaries | None = None
    glossary: Mapping[str, str] = field(default_factory=dict)
    examples: Mapping[str, Any] = field(default_factory=dict)
    pages: Sequence[APIRouter] = ()
    templates: Path | None = None
    site_links: Sequence[SiteLink] = ()


# A context's long-running job: runs until the event is set.
Background = Callable[[threading.Event], None]

# Loads a context's demo data (after the shared units and staff); returns lines
# to print (e.g. what was made). Gets the services and the demo's data dir.
Demo = Callable[["Services", Path], list[str]]


@dataclass(frozen=True)
class Context:
    """One bounded context, as every process needs to see it.

    `name` is the Application's pinned name: its events table, its
    notification log (read-your-writes tokens are `<name>:<position>`) and the
    segment of its URLs (`/v1/<name>/…`)."""

    name: str
    # How the API's description names it: "administrative licensing (行政许可)".
    title: str
    open: Callable[[Shared], ContextService]
    read_models: Callable[[WorkingDayCalendar], Sequence[AnyReadModel]] = lambda _: ()
    # Imported lazily: `casetrace project` and `clock` never load FastAPI.
    http: Callable[[], Http] = lambda: Http(routers=())
    demo: Demo | None = None
    # The module of its `casetrace bench` workload (api/bench runs each one).
    bench: str | None = None
    # Its own `casetrace` sub-commands: `package.module:NAME` of a Typer app,
    # added under the app's name (e.g. `casetrace draw verify`).
    cli: str | None = None
    # Its own long-running jobs beside the projector and the clock (the
    # ledger's checkpoint signer): `package.module:NAME` of a function that
    # takes the Services and returns a `Background` (started by `casetrace
    # serve` and `casetrace project`, stopped with them).
    background: str | None = None
    # What else a context wants known by name (e.g. history summaries).
    extras: dict[str, Any] = field(default_factory=dict)


def load(reference: str) -> Context:
    """A registry line `package.module:NAME` → the Context it names."""
    module, _, name = reference.partition(":")
    context = getattr(import_module(module), name or "CONTEXT")
    if not isinstance(context, Context):
        msg = f"{reference} is not a Context"
        raise TypeError(msg)
    return context
