"""The FastAPI application: routers, problem+json errors, request plumbing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.host.database import availability
from api.host.logging import configure_logging
from api.host.settings import Settings
from api.host.storage import Services
from api.http import errors, health, openapi
from api.http.limits import LookupLimiter, networks
from api.http.middleware import BodyGuard, RequestContext
from api.http.reads import ReadSide
from api.licensing import (
    applicant_records,
    licences,
    public_progress,
)
from api.licensing import applications as licensing_applications
from api.licensing import deadlines as licensing_deadlines
from api.licensing import items as licensing_items
from api.licensing import statistics as licensing_statistics
from projections.licensing import licensing_read_models

DESCRIPTION = """
Event-sourced case management for a market-supervision bureau (市场监督管理局):
administrative licensing (行政许可) with full trace retention (全过程留痕).

Staff endpoints take `Authorization: Bearer <token>` (issued by `casetrace tokens`).
Commands are `POST …/{id}/<verb>`; send `If-Match: "<version>"` to refuse a stale
write (412) and `Idempotency-Key` to make a retry safe. Errors are RFC 9457
`application/problem+json`.
"""


def create_app(settings: Settings, services: Services) -> FastAPI:
    configure_logging(settings.log_level)
    reads = ReadSide(
        services.url,
        services.licensing.calendar,
        services.licensing.clock,
        settings.pool_size,
        settings.timeouts,
        applications={services.licensing.name: services.licensing},
        models=licensing_read_models(services.licensing.calendar),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        reads.close()

    app = FastAPI(
        title="casetrace",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local assets by openapi.install
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.reads = reads
    app.state.database = database = availability(services.url, settings.timeouts)
    app.state.trusted_proxies = networks(settings.trusted_proxies)
    app.state.lookup_limiter = LookupLimiter(
        reads.pool, public_progress.MAX_FAILURES, public_progress.WINDOW_S
    )
    errors.install(app)
    for module in (
        licensing_items,
        licensing_applications,
        licences,
        applicant_records,
        licensing_deadlines,
        licensing_statistics,
        public_progress,
        health,
    ):
        app.include_router(module.router)
    openapi.install(app)
    # Outermost first: the request id must exist before anything can fail.
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(errors.ErrorBoundary, suspect=database.suspect)
    app.add_middleware(RequestContext)
    return app
