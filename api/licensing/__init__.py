"""The licensing context (行政许可) as a plug-in: its descriptor.

Its HTTP routers, views and demo data live beside this file; its domain in
domain/licensing, its read models in projections/licensing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.host.context import Context, Http, Shared
from domain.licensing.service import Licensing
from projections.licensing import licensing_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> Licensing:
    return Licensing(
        shared.env,
        registry=shared.registry,
        calendar=shared.calendar,
        clock=shared.clock,
    )


def service(services: Services) -> Licensing:
    """The running Licensing service, typed."""
    app = services.apps[CONTEXT.name]
    if not isinstance(app, Licensing):  # pragma: no cover - a registry mix-up
        raise TypeError(app)
    return app


def _http() -> Http:
    from api.licensing.http import HTTP

    return HTTP


def _demo(services: Services, data_dir: Path) -> list[str]:
    from api.licensing.demo import load_demo

    return load_demo(services, data_dir)


CONTEXT = Context(
    name="licensing",
    title="administrative licensing (行政许可)",
    open=_open,
    read_models=licensing_read_models,
    http=_http,
    demo=_demo,
    bench="api.licensing.bench",
    cli="api.licensing.imports:IMPORT",  # `casetrace import licensing`
)
