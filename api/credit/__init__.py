"""The credit context as a plug-in: directed data from the credit system
(定向推送数据) imported into the enterprise directory (DESIGN §2).

Its domain is domain/credit (the CSV formats, the import batch) and the
registry's enterprises; its read model (which unit each new registration was
distributed to) is projections/credit; its routes and `casetrace import
credit` live beside this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.host.context import Context, Http, Shared
from domain.credit.service import Credit
from projections.credit import credit_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> Credit:
    # One small event per imported file: one connection, one more at a burst.
    return Credit(
        {**shared.env, "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "1"},
        registry=shared.registry,
        calendar=shared.calendar,
        clock=shared.clock,
    )


def service(services: Services) -> Credit:
    """The running Credit service, typed."""
    app = services.apps[CONTEXT.name]
    if not isinstance(app, Credit):  # pragma: no cover - a registry mix-up
        raise TypeError(app)
    return app


def _http() -> Http:
    from api.credit.http import HTTP

    return HTTP


CONTEXT = Context(
    name="credit",
    title="directed data from the credit system (定向推送数据)",
    open=_open,
    read_models=credit_read_models,
    http=_http,
    cli="api.credit.cli:IMPORT",
)
