"""The 12315 line (投诉、举报 — complaints and reports) as a plug-in: its
descriptor. Its HTTP routers, views and schemas live beside this file; its
domain in domain/complaints, its read models in projections/complaints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.host.context import Context, Http, Shared
from domain.complaints.service import Complaints
from projections.complaints import complaints_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> Complaints:
    return Complaints(
        shared.env,
        registry=shared.registry,
        calendar=shared.calendar,
        vault=shared.vault,
        clock=shared.clock,
    )


def service(services: Services) -> Complaints:
    """The running Complaints service, typed."""
    app = services.apps[CONTEXT.name]
    if not isinstance(app, Complaints):  # pragma: no cover - a registry mix-up
        raise TypeError(app)
    return app


def _demo(services: Services, data_dir: Path) -> list[str]:
    from api.complaints.demo import load_demo

    return load_demo(services, data_dir)


def _http() -> Http:
    from api.complaints.http import HTTP

    return HTTP


CONTEXT = Context(
    name="complaints",
    title="complaints and reports (投诉举报, the 12315 line)",
    open=_open,
    read_models=complaints_read_models,
    http=_http,
    demo=_demo,
    bench="api.complaints.bench",
)
