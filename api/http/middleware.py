"""Request plumbing: request ids, structured logs, body limits, media types,
idempotency, and the registry's cache.

Pure ASGI (not BaseHTTPMiddleware) so that a request body is read once and
replayed downstream. An Idempotency-Key is checked here and handed to the
services as the current command's key; they record it in the same transaction
as the command's events (api/recorder.py), so nothing is claimed or completed
outside that transaction and no key is ever left "in progress".

Each request may read the registry (who is asking, the catalogue) from its
cache; what it read is confirmed against the registry's log before anything
it decided is stored or answered, and a request that read a stale cache is
answered again from the store (`Relying`, domain/shared/store.py).
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.auth import BEARER
from api.http.errors import problem, validation_problem
from api.http.limits import client_address
from domain.registry.token import token_id_for
from domain.shared.service import CommandKey, keyed_command
from domain.shared.store import LogMovedError, Reliances, confirm, relying

log = structlog.get_logger()
REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,100}$")
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORM = "application/x-www-form-urlencoded"

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class RequestContext:
    """Binds a request id (the client's X-Request-ID if sane) and logs every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state: MutableMapping[str, Any] = scope.get("state", {})
            principal = state.get("principal")
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
                principal=getattr(principal, "staff_no", None),
                case_id=state.get("case_id"),
            )


class BodyGuard:
    """Refuses oversized bodies (413) and non-JSON bodies on writes (415); then
    applies Idempotency-Key to every POST (DESIGN §4). The public pages'
    forms (`forms(path)`, api/http/site.py) may post
    application/x-www-form-urlencoded instead, within the same size limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        forms: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.forms = forms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        raw = _raw_body(scope)
        limit = (raw.max_bytes if raw else None) or self.max_body_bytes
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await problem(request, 413, f"the body exceeds {limit} bytes")(
                scope, receive, send
            )
            return
        body = await self._read_body(receive, limit)
        if body is None:
            await problem(request, 413, f"the body exceeds {limit} bytes")(
                scope, receive, send
            )
            return
        media = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        # A route that takes a file as it is (an upload's CSV, multipart
        # uploads) checks it itself; a page's form is read by its page
        # (api/http/site.py).
        page_form = media == FORM and self.forms(scope["path"])
        taken = raw.media if raw else frozenset()
        if body.strip() and media not in taken and not page_form:
            if media != "application/json" and not media.endswith("+json"):
                await problem(request, 415, "send the body as application/json")(
                    scope, receive, send
                )
                return
            try:
                orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                errors = [
                    {
                        "loc": ("body",),
                        "msg": f"malformed JSON: {exc}",
                        "type": "json_invalid",
                    }
                ]
                await validation_problem(request, errors)(scope, receive, send)
                return

        replay = _replayer(body, receive)
        key = _header(scope, b"idempotency-key")
        if key is None or scope["method"] != "POST":
            await self.app(scope, replay, send)
            return
        if not IDEMPOTENCY_KEY.match(key):
            await problem(
                request,
                422,
                "Idempotency-Key must be 1–200 visible ASCII characters",
                slug="idempotency-key-invalid",
            )(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        command = CommandKey(
            scope=idempotency_principal(authorization)
            if authorization
            else anonymous_principal(request),
            key=key,
            fingerprint=hashlib.sha256(
                scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + body
            ).hexdigest(),
        )
        with keyed_command(command):
            await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


@dataclass(frozen=True)
class RawBody:
    """A route that takes its body as it is, not as JSON (a CSV, multipart
    uploads), by its path pattern: the media types it takes, and its own size
    limit (None: the service's)."""

    path: re.Pattern[str]
    media: frozenset[str]
    max_bytes: int | None = None


def _raw_body(scope: Scope) -> RawBody | None:
    """The route's raw-body declaration, if it has one
    (`openapi_extra={"x-body-media-type": …}`, gathered by create_app)."""
    app = scope.get("app")
    raw: tuple[RawBody, ...] = getattr(getattr(app, "state", None), "raw_bodies", ())
    return next((r for r in raw if r.path.match(scope["path"])), None)


def idempotency_principal(authorization: str | None) -> str:
    """Keys are scoped to the token, however its header is spelt ("bearer",
    extra spaces), so one caller's retries match and no two callers share."""
    match = BEARER.match(authorization or "")
    if match:
        return f"token:{token_id_for(match.group(1))}"
    return "header:" + hashlib.sha256((authorization or "").encode()).hexdigest()


def anonymous_principal(request: Request) -> str:
    """A public form's keys are scoped to the client's address: no one else's
    retry can be answered with this client's first response."""
    trusted = getattr(request.app.state, "trusted_proxies", ())
    return f"client:{client_address(request, trusted)}"


def _replayer(body: bytes, downstream: Receive) -> Receive:
    """Hands the already-read body on once, then passes through (disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await downstream()

    return receive


class Relying:
    """Opens each request's scope of reliances on cached logs; confirms any
    no round trip carried before the answer leaves; and answers a request
    whose cache was stale again, reading afresh (nothing it decided was
    stored: the check rides in its first round trip, before any write)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received: list[Message] = []

        async def recording() -> Message:
            message = await receive()
            received.append(message)
            return message

        try:
            with relying() as reliances:
                await self.app(scope, recording, _confirming(reliances, send))
            return
        except LogMovedError:
            log.info("cache_stale", path=scope["path"])
        replay = iter(received)

        async def replaying() -> Message:
            return next(replay, None) or await receive()

        with relying(cached=False):
            await self.app(scope, replaying, send)


def _confirming(reliances: Reliances, send: Send) -> Send:
    async def confirmed(message: Message) -> None:
        if message["type"] == "http.response.start" and reliances.pending():
            await run_in_threadpool(confirm, reliances.pending())
        await send(message)

    return confirmed
