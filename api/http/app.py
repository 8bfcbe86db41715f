"""The FastAPI application: routers, problem+json errors, request plumbing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.host.database import availability
from api.host.logging import configure_logging
from api.host.settings import Settings
from api.host.storage import Services
from api.http import (
    deadlines,
    errors,
    glossary,
    health,
    openapi,
    schemas,
    site,
    summaries,
)
from api.http.limits import MAX_FAILURES, WINDOW_S, LookupLimiter, networks
from api.http.middleware import BodyGuard, RawBody, Relying, RequestContext
from api.http.reads import ReadSide

DESCRIPTION = """
Event-sourced case management for a market-supervision bureau (市场监督管理局):
{contexts} with full trace retention (全过程留痕).

Staff endpoints take `Authorization: Bearer <token>` (issued by `casetrace tokens`).
Commands are `POST …/{id}/<verb>`; send `If-Match: "<version>"` to refuse a stale
write (412) and `Idempotency-Key` to make a retry safe. Errors are RFC 9457
`application/problem+json`.
"""


def create_app(settings: Settings, services: Services) -> FastAPI:
    configure_logging(settings.log_level)
    reads = ReadSide(
        services.url,
        services.calendar,
        services.clock,
        settings.pool_size,
        settings.timeouts,
        applications=services.logs(),
        models=services.read_models(),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        reads.close()

    app = FastAPI(
        title="casetrace",
        version="0.1.0",
        description=DESCRIPTION.replace(
            "{contexts}", ", ".join(c.title for c in services.contexts)
        ),
        lifespan=lifespan,
        docs_url=None,  # served from local assets by openapi.install
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.reads = reads
    app.state.database = database = availability(services.url, settings.timeouts)
    app.state.trusted_proxies = networks(settings.trusted_proxies)
    app.state.lookup_limiter = LookupLimiter(reads.pool, MAX_FAILURES, WINDOW_S)
    errors.install(app)
    parts = [(context.name, context.http()) for context in services.contexts]
    for _, part in parts:
        if part.summaries is not None:
            summaries.REGISTRY.register(part.summaries)
        glossary.register(part.glossary)
        schemas.provide_examples(part.examples)
        for router in part.routers:
            app.include_router(router)
    app.include_router(deadlines.router)
    app.include_router(health.router)
    # Routes that take their body as it is (a CSV upload, multipart files),
    # by path: the body guard lets these media types through to them instead
    # of refusing (415), within their own limit ("x-body-limit": "uploads").
    uploads = settings.upload_total_bytes + settings.max_body_bytes
    app.state.raw_bodies = tuple(
        RawBody(
            route.path_regex,
            frozenset({extra["x-body-media-type"]}),
            uploads if extra.get("x-body-limit") == "uploads" else None,
        )
        for context in services.contexts
        for router in context.http().routers
        for route in router.routes
        if isinstance(route, APIRoute)
        and "x-body-media-type" in (extra := route.openapi_extra or {})
    )
    pages = site.install(app, parts)
    openapi.install(app)
    # Outermost last: the request id must exist before anything can fail; a
    # request answered again (Relying) keeps its body and its key.
    app.add_middleware(Relying)
    app.add_middleware(
        BodyGuard, max_body_bytes=settings.max_body_bytes, forms=pages.accepts_form
    )
    app.add_middleware(errors.ErrorBoundary, suspect=database.suspect)
    app.add_middleware(RequestContext)
    return app
