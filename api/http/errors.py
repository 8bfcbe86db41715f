"""RFC 9457 problem details for every error; one table maps domain errors to statuses.

No stack trace leaves the server: unknown exceptions become a generic 500
carrying the request id, and are logged with their traceback. A database that
does not answer (unreachable, a pool or statement timeout) is a 503 with
`Retry-After`, never a 500: the client should simply retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import psycopg
import structlog
from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.host.database import UNAVAILABLE, DatabaseUnavailableError
from domain.shared.errors import (
    AuditContractError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.service import IdempotencyKeyReusedError, StaleVersionError
from projections.runtime import ReadModelMissingError

PROBLEM_BASE = "https://casetrace.example.gov.cn/problems/"
PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger()

# Most specific first: the first match wins.
STATUS_FOR: list[tuple[type[DomainError], int]] = [
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
    (StaleVersionError, 412),
    (IdempotencyKeyReusedError, 422),
    (InvalidInputError, 422),
    (AuditContractError, 422),
    (DomainError, 409),
]

HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not permitted"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("stale-version", "The case has changed since you read it"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    428: ("precondition-required", "Precondition required"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Not available yet"),
}
# What a 503 for an unreachable database tells the client to wait: about the
# time the service takes to notice the database is back.
RETRY_AFTER_S = 2


class ProblemError(Exception):
    """An HTTP-level refusal raised inside api/ (auth, headers, idempotency)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.headers = headers or {}
        self.extra = extra or {}


def problem(
    request: Request | None,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    default_slug, default_title = HTTP_TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_problem(request: Request, errors: list[dict[str, Any]]) -> Response:
    fields = [
        {
            "field": _field_path(e.get("loc", ())),
            "message": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in errors
    ]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return problem(request, 422, f"the request is invalid: {summary}", errors=fields)


def database_problem(request: Request | None, exc: Exception) -> Response:
    """503 for a database that did not answer: unreachable, or too slow."""
    if isinstance(exc, DatabaseUnavailableError):
        detail = "the database is unreachable; retry shortly"
    else:
        detail = "the database did not answer in time; retry shortly"
    return problem(
        request,
        503,
        detail,
        slug="database-unavailable",
        title="Database unavailable",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def internal_problem(request: Request, *, outermost: bool = False) -> Response:
    # Starlette's outermost middleware answers outside RequestContext's
    # reach, so then the request id header is set here.
    request_id = getattr(request.state, "request_id", None)
    return problem(
        request,
        500,
        "an internal error occurred; quote the request id to support",
        slug="internal",
        headers={"X-Request-ID": request_id} if request_id and outermost else None,
    )


class ErrorBoundary:
    """The last word on an exception a request raised: 503 for a database
    that did not answer, 500 (logged with its traceback) for anything else.

    Answering here, inside the app, matters for keep-alive: Starlette's own
    outermost handler re-raises after sending its 500, and uvicorn then closes
    the connection without a `Connection: close`, so a client's next request
    on it fails. An exception after the response has started is logged and
    dropped for the same reason (the client has had its answer)."""

    def __init__(self, app: ASGIApp, *, suspect: Callable[[], None]) -> None:
        self.app = app
        self.suspect = suspect  # the database may be away: find out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            request = Request(scope)
            unavailable = isinstance(exc, UNAVAILABLE)
            if unavailable:
                self.suspect()
                log.warning("database_unavailable", path=scope["path"], error=str(exc))
            else:
                log.error("unhandled_error", path=scope["path"], exc_info=exc)
            if started:
                return
            response = (
                database_problem(request, exc)
                if unavailable
                else internal_problem(request)
            )
            await response(scope, receive, send)


def _allowed_methods(request: Request) -> str:
    """Every method the path answers (Starlette names only the first matching
    route's), as the OpenAPI document lists them (HEAD is implied by GET)."""
    allowed = [
        method
        for method in ("DELETE", "GET", "PATCH", "POST", "PUT")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> Response:
        status = next(code for cls, code in STATUS_FOR if isinstance(exc, cls))
        extra: dict[str, Any] = {"rule": exc.rule}
        if isinstance(exc, InvalidInputError) and exc.errors:
            extra["errors"] = [{"type": exc.slug, **e} for e in exc.errors]
        elif isinstance(exc, InvalidInputError) and exc.field:
            extra["errors"] = [
                {"field": exc.field, "message": exc.detail, "type": exc.slug}
            ]
        return problem(
            request, status, exc.detail, slug=exc.slug, title=exc.title, **extra
        )

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> Response:
        return problem(
            request,
            exc.status,
            exc.detail,
            slug=exc.slug,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(ReadModelMissingError)
    async def on_read_model_missing(
        request: Request, exc: ReadModelMissingError
    ) -> Response:
        return problem(
            request,
            503,
            str(exc),
            slug="read-model-missing",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(psycopg.errors.UndefinedColumn)
    async def on_read_model_upgrading(
        request: Request, exc: psycopg.errors.UndefinedColumn
    ) -> Response:
        # A query of the new code on the generation an older model version
        # built, while the projector rebuilds it side by side after an upgrade.
        log.warning("read model generation older than the code", error=str(exc))
        return problem(
            request,
            503,
            "a read model is being rebuilt after an upgrade; try again shortly",
            slug="read-model-rebuilding",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(IntegrityError)
    async def on_conflict(request: Request, exc: IntegrityError) -> Response:
        # Lost an optimistic-concurrency race: another command changed the case.
        return problem(
            request,
            409,
            "another command changed this case at the same moment; read it again and retry",
            slug="concurrent-modification",
        )

    @app.exception_handler(RequestValidationError)
    async def on_request_invalid(
        request: Request, exc: RequestValidationError
    ) -> Response:
        return validation_problem(request, list(exc.errors()))

    @app.exception_handler(ValidationError)
    async def on_model_invalid(request: Request, exc: ValidationError) -> Response:
        return validation_problem(request, [dict(e) for e in exc.errors()])

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = (
            exc.detail
            if isinstance(exc.detail, str)
            else HTTP_TITLES.get(exc.status_code, ("", "Error"))[1]
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # Only what escapes ErrorBoundary (the request-id middleware itself).
        log.error("unhandled_error", path=request.url.path, exc_info=exc)
        return internal_problem(request, outermost=True)
