"""Inspections (监督抽查, 双随机一公开) as a plug-in: its descriptor. Its HTTP
routers, views and schemas live beside this file; its domain in
domain/inspections, its read models in projections/inspections."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.host.context import Context, Http, Shared
from domain.inspections.service import Inspections
from projections.inspections import inspections_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> Inspections:
    return Inspections(
        shared.env,
        registry=shared.registry,
        calendar=shared.calendar,
        clock=shared.clock,
    )


def service(services: Services) -> Inspections:
    """The running Inspections service, typed."""
    app = services.apps[CONTEXT.name]
    if not isinstance(app, Inspections):  # pragma: no cover - a registry mix-up
        raise TypeError(app)
    return app


def _demo(services: Services, data_dir: Path) -> list[str]:
    from api.inspections.demo import load_demo

    return load_demo(services, data_dir)


def _http() -> Http:
    from api.inspections.http import HTTP

    return HTTP


CONTEXT = Context(
    name="inspections",
    title="inspections (监督抽查, 双随机一公开) with a publicly verifiable draw",
    open=_open,
    read_models=inspections_read_models,
    http=_http,
    demo=_demo,
    bench="api.inspections.bench",
    cli="api.inspections.cli:DRAW",
)
