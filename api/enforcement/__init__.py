"""Penalty cases (行政处罚案件) as a plug-in: its descriptor. Its HTTP routers,
views and schemas live beside this file; its domain in domain/enforcement,
its read models in projections/enforcement."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.host.context import Context, Http, Shared
from domain.enforcement.service import Enforcement
from projections.enforcement import enforcement_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> Enforcement:
    return Enforcement(
        shared.env,
        registry=shared.registry,
        calendar=shared.calendar,
        clock=shared.clock,
    )


def service(services: Services) -> Enforcement:
    """The running Enforcement service, typed."""
    app = services.apps[CONTEXT.name]
    if not isinstance(app, Enforcement):  # pragma: no cover - a registry mix-up
        raise TypeError(app)
    return app


def _demo(services: Services, data_dir: Path) -> list[str]:
    from api.enforcement.demo import load_demo

    return load_demo(services, data_dir)


def _http() -> Http:
    from api.enforcement.http import HTTP

    return HTTP


CONTEXT = Context(
    name="enforcement",
    title="penalty cases (行政处罚案件)",
    open=_open,
    read_models=enforcement_read_models,
    http=_http,
    demo=_demo,
    bench="api.enforcement.bench",
)
