"""The OpenAPI document as a contract (DESIGN §4): problem+json errors per
status, the bearer scheme, the request and response headers, and a glossed
description on every request-body field; /docs and /redoc from local assets.

Routes declare which problems they can answer with `problems(...)`; the rest
is added to the generated document in one pass (`install`), so middleware
behaviour (request ids, idempotency keys, body limits) is documented where it
is implemented rather than on every route.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from api.http.errors import PROBLEM_JSON
from api.http.glossary import gloss
from api.http.schemas import shared_example

BEARER = "bearerAuth"
ASSETS = "/docs-assets"


class FieldError(BaseModel):
    field: str = Field(description="the input at fault, as a dotted path")
    message: str
    type: str | None = None


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: every error this API answers with."""

    # Its example is a context's (a problem on one of its routes).
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra=shared_example("ProblemDetails")["json_schema_extra"],
    )

    type: str = Field(description="stable URI of the kind of problem")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong, for a person")
    instance: str | None = Field(default=None, description="the request path")
    request_id: str | None = Field(
        default=None, description="quote it to support; also the X-Request-ID header"
    )
    rule: str | None = Field(
        default=None, description="the rule (and article) a refusal enforces"
    )
    errors: list[FieldError] | None = Field(
        default=None, description="field by field, for 422"
    )


WHY: dict[int, str] = {
    400: "a malformed header (e.g. If-Match that is not an ETag of this API)",
    401: "no bearer token, or one that is invalid, revoked or of inactive staff",
    403: "the role or the jurisdiction does not allow it",
    404: "no such case, item or record (or not visible to you)",
    409: "a rule of the domain forbids it now, a concurrent change won the race, "
    "or a request with this Idempotency-Key is still running",
    412: "If-Match names an older version of the case",
    413: "the body is larger than the configured limit",
    415: "the body is not application/json",
    422: "invalid input: `errors` lists each field at fault",
    429: "too many failed lookups from this address; see Retry-After",
    503: "the database or a read model is not available or not caught up yet; "
    "retry after Retry-After seconds",
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": 'the challenge: Bearer realm="casetrace"',
            "schema": {"type": "string"},
        }
    },
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}

# What every kind of route can answer with (besides its 2xx).
PUBLIC = (422, 503)
STAFF = (401, 403, 422, 503)
CASE_READ = (*STAFF, 404)
COMMAND = (*CASE_READ, 400, 409, 412, 413, 415)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status as problem+json."""
    return {
        status: {
            "description": WHY[status],
            "model": ProblemDetails,
            "content": {PROBLEM_JSON: {}},
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in sorted(set(statuses))
    }


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


ETAG_PATTERN = '^"[0-9]+"$'
# What api.http.commands.ETAG accepts: "N", W/"N", N, or * (any version).
IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"?[0-9]+"?)\s*$'

HEADER_NAMES = {"if-match": "If-Match", "x-consistent-after": "X-Consistent-After"}
REQUEST_ID = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "your id for this request (1–100 of A–Z a–z 0–9 . _ -), echoed "
    "back and logged; another value is replaced by a fresh id",
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "makes a retry safe: a request repeated with the same key "
    "(and body) gets the first response, never a second effect. 1–200 visible "
    "ASCII characters, e.g. a UUID; kept for 24 h",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": _header("the request's id (yours, or a fresh one)"),
    "ETag": _header(
        'the case\'s version, e.g. "3": send it back as If-Match', pattern=ETAG_PATTERN
    ),
    "Location": _header("where the new application is", format="uri-reference"),
    "Idempotent-Replayed": _header(
        "true when this is the stored first answer to a retried Idempotency-Key",
        enum=["true"],
    ),
}


def _document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = doc.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "a staff token issued by `casetrace tokens create`",
    }
    schemas = components.get("schemas", {})
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            _complete(path, method, operation, schemas)
    return doc


def _complete(
    path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> None:
    responses = operation["responses"]
    for status, response in responses.items():
        if int(status) >= 400:  # every error is a problem, and only problem+json
            response["description"] = WHY.get(int(status), response["description"])
            response["content"] = {
                PROBLEM_JSON: {
                    "schema": {"$ref": "#/components/schemas/ProblemDetails"}
                }
            }
    if "401" in responses:  # a staff token, unless the route names its own scheme
        operation.setdefault("security", [{BEARER: []}])
    parameters = operation.setdefault("parameters", [])
    parameters.append(REQUEST_ID)
    if method == "post":
        parameters.append(IDEMPOTENCY_KEY)
    for parameter in parameters:
        if parameter["in"] == "header":  # as HTTP spells them; a header is never null
            parameter["name"] = HEADER_NAMES.get(
                parameter["name"].lower(), parameter["name"]
            )
            options = parameter["schema"].get("anyOf", [])
            if len(options) == 2 and {"type": "null"} in options:
                (parameter["schema"],) = [o for o in options if o != {"type": "null"}]
            if parameter["schema"].get("type") == "integer":  # digits on the wire
                parameter["schema"] = {"type": "string", "pattern": "^[0-9]{1,18}$"}
        if parameter["in"] in ("query", "path") and not parameter.get("description"):
            description = gloss("param", parameter["name"])
            if description:
                parameter["description"] = description
        if parameter["name"] == "X-Consistent-After":
            parameter["description"] = (
                "as the `consistent_after` query parameter: a command's"
                " `consistency_token` (`<log>:<position>`; a bare `position` is on"
                " this route's log); wait (up to 5 s) until the read models"
                " following that log have caught up to it, else 503"
            )
        if parameter["name"] == "If-Match":
            parameter["description"] = (
                'the ETag you read, e.g. "3": refused with 412 if the case has '
                "changed since (`*` or none: any version)"
            )
            parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-ID", RESPONSE_HEADERS["X-Request-ID"])
        if status.startswith("2"):
            if "{case_id}" in path or "/record" in path or "/restore-credit" in path:
                # The case's version, unless the route says what its ETag is
                # (a document's: its content hash).
                headers.setdefault("ETag", RESPONSE_HEADERS["ETag"])
            if status == "201":
                headers["Location"] = RESPONSE_HEADERS["Location"]
                headers["ETag"] = RESPONSE_HEADERS["ETag"]
            if method == "post":
                headers["Idempotent-Replayed"] = RESPONSE_HEADERS["Idempotent-Replayed"]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        _gloss_schema(body["schema"], schemas, None, set())


def _gloss_schema(
    schema: dict[str, Any], schemas: dict[str, Any], model: str | None, seen: set[str]
) -> None:
    """Give every property of a request body (and of the models inside it) the
    glossary's description, unless the model already describes it."""
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        _gloss_schema(schemas[name], schemas, name.removesuffix("-Input"), seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            _gloss_schema(option, schemas, model, seen)
    if "items" in schema:
        _gloss_schema(schema["items"], schemas, model, seen)
    for field, prop in schema.get("properties", {}).items():
        if not prop.get("description"):
            description = gloss(model, field)
            if description:
                prop["description"] = description
        _gloss_schema(prop, schemas, model, seen)


def install(app: FastAPI) -> None:
    """The document with everything above, and /docs and /redoc served from
    this service's own copy of Swagger UI and ReDoc (no CDN: offline networks)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    assets = resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")
    favicon = f"{ASSETS}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{favicon}",
            oauth2_redirect_url=None,  # bearer tokens only: no OAuth2 flow
            # No validator badge: it would send the document to validator.swagger.io.
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{favicon}",
            with_google_fonts=False,
        )
