"""The public web site (公众服务页面, DESIGN §6): server-rendered HTML, zh-CN.

Shared machinery only; no context is named here. Each context contributes
through its descriptor's `Http` (api/host/context.py):

- `pages`: routers of HTML pages, included without an OpenAPI entry;
- `templates`: its template directory, found as `<context name>/<file>`;
  every page extends `base.html` (the layout: skip link, header, nav, main,
  footer; one `h1` from the `title` block);
- `site_links`: its entries on the home page `/`.

A page renders with `render(request, "<context>/<file>", **values)`; a form
posts `application/x-www-form-urlencoded` (no JavaScript), read with
`form_fields` (within the JSON routes' body limit) and checked by the same
pydantic model as the JSON route: `field_errors` turns a `ValidationError`
into Chinese messages keyed by the form's field names, which are the model's
field paths joined by dots (`respondent.name`).

Nothing is loaded from anywhere else: the stylesheet is served from
`/static/` with a year-long cache (its URL carries its digest), and every page
carries a Content-Security-Policy that allows only this origin.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
)
from pydantic import BaseModel, ValidationError

from api.host.context import Http, SiteLink
from api.http.errors import ProblemError
from api.http.limits import LookupLimiter, client_address, counted_lookup

T = TypeVar("T")
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 64  # no form of ours has half as many
STATIC_MAX_AGE_S = 365 * 24 * 3600
# Only this origin: no CDN, no web font, no script from elsewhere (or at all).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    digest: str


class Site:
    """The template environment, the home page's links and the static files."""

    def __init__(self, parts: Iterable[tuple[str, Http]]) -> None:
        parts = list(parts)
        own: dict[str, BaseLoader] = {
            name: FileSystemLoader(http.templates)
            for name, http in parts
            if http.templates is not None
        }
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(TEMPLATES), PrefixLoader(own)]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.links: tuple[SiteLink, ...] = tuple(
            link for _, http in parts for link in http.site_links
        )
        self.assets = {
            path.name: Asset(
                path.read_bytes(),
                mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                hashlib.sha256(path.read_bytes()).hexdigest()[:16],
            )
            for path in sorted(STATIC.iterdir())
            if path.is_file()
        }
        self.env.globals["static"] = self.static_url
        self.env.globals["site_links"] = self.links
        self.env.globals["field_id"] = field_id
        self.form_paths: list[re.Pattern[str]] = []

    def static_url(self, name: str) -> str:
        """The file's URL, changed whenever its content is (so it may be cached)."""
        return f"/static/{name}?v={self.assets[name].digest}"

    def accepts_form(self, path: str) -> bool:
        """Whether a POST to `path` is one of the pages' forms."""
        return any(p.match(path) for p in self.form_paths)

    def render(
        self,
        template: str,
        values: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        body = self.env.get_template(template).render(**values)
        return HTMLResponse(
            body,
            status_code=status,
            headers={
                "Content-Security-Policy": CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                # Pages may show a person's own matter: never kept by a cache.
                "Cache-Control": "no-store",
                **(headers or {}),
            },
        )


def site(request: Request) -> Site:
    found: Site = request.app.state.site
    return found


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A page from a template (`<context>/<file>.html`), as `status`."""
    values = {"request_path": request.url.path, **values}
    return site(request).render(template, values, status=status, headers=headers)


def refused_page(request: Request, wait_s: int, what: str) -> HTMLResponse:
    """The page a rate-limited client sees (429), as the JSON route's refusal."""
    return render(
        request,
        "refused.html",
        status=429,
        headers={"Retry-After": str(wait_s)},
        what=what,
        minutes=max(1, -(-wait_s // 60)),
    )


def limited(request: Request, exc: ProblemError, what: str) -> HTMLResponse:
    """A rate limit's refusal (429, api/http/limits.py) as a page; any other
    refusal is raised again."""
    if exc.status != 429:
        raise exc
    wait_s = exc.headers.get("Retry-After", "60")
    return refused_page(request, int(wait_s) if wait_s.isdigit() else 60, what)


def looked_up(
    request: Request, find: Callable[[], T | None]
) -> T | HTMLResponse | None:
    """A public lookup by number and query code, counted per client as the
    JSON routes' are (api/http/limits.py): what `find` found, None when it
    found nothing (a failure counted), or the refusal page."""
    limiter: LookupLimiter = request.app.state.lookup_limiter
    client = client_address(request, request.app.state.trusted_proxies)
    try:
        with counted_lookup(limiter, client):
            found = find()
            if found is None:
                raise ProblemError(404, "not found")  # counted as a failure
    except ProblemError as exc:
        if exc.status == 404:
            return None
        return limited(request, exc, "查询失败")
    return found


def lookup_page(
    request: Request,
    template: str,
    fields: Mapping[str, str],
    find: Callable[[], T | None],
    show: Callable[[T], Any] = lambda found: found,
    **values: Any,
) -> HTMLResponse:
    """A lookup form's answer (counted as `looked_up` counts it): the form
    again with `found` (what `show` makes of it), or `missing` (404)."""
    found = looked_up(request, find)
    if isinstance(found, HTMLResponse):
        return found
    return render(
        request,
        template,
        status=404 if found is None else 200,
        values=fields,
        errors=[],
        found=None if found is None else show(found),
        missing=found is None,
        **values,
    )


# -- forms ------------------------------------------------------------------------


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's fields (the first of a repeated name). The body is
    already within the service's limit (api/http/middleware.py BodyGuard)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media != FORM and body.strip():
        raise ProblemError(415, "send the form as application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        # Not a person's typing mistake: a browser never sends this.
        raise ProblemError(400, "the form is not readable") from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def nest(fields: Mapping[str, str], names: Iterable[str]) -> dict[str, Any]:
    """The named fields as the model's nested body: `a.b` → {"a": {"b": …}}.
    An empty field is left out (the model's default, or "missing"); its group
    is there, so each of the group's missing fields is named."""
    body: dict[str, Any] = {}
    for name in names:
        *path, last = name.split(".")
        node = body
        for part in path:  # a group is there even when all its fields are empty
            node = node.setdefault(part, {})
        value = fields.get(name, "")
        if value.strip():
            node[last] = value
    return body


@dataclass(frozen=True)
class FieldSpec:
    """A form field as a person sees it: its label, and what a right answer
    looks like (shown when the answer is wrong)."""

    label: str
    hint: str = ""


@dataclass(frozen=True)
class FieldError:
    field: str  # the form's field name (the input's name; its id is `f-` + it)
    message: str

    @property
    def anchor(self) -> str:
        return field_id(self.field)


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def _reason(error: Mapping[str, Any], spec: FieldSpec) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    message = str(error.get("msg", ""))
    if kind == "missing" or "must not be empty" in message:
        return "请填写此项"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if kind in ("enum", "literal_error"):
        return "请从给出的选项中选择"
    if "control character" in message or "invisible" in message:
        return "含有不可见的控制字符，请删除后重新填写"
    return f"格式不正确。{spec.hint}" if spec.hint else "格式不正确"


def field_errors(
    exc: ValidationError, specs: Mapping[str, FieldSpec]
) -> list[FieldError]:
    """Chinese messages for a model's errors, keyed by the form's field names;
    an error on a whole group (a model rule) goes to the group's first field."""
    found: dict[str, FieldError] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        if name not in specs:
            name = next((n for n in specs if n.startswith(name + ".")), name)
        spec = specs.get(name, FieldSpec(label=name))
        if name not in found:
            found[name] = FieldError(name, f"{spec.label}：{_reason(error, spec)}")
    order = list(specs)
    return sorted(
        found.values(),
        key=lambda e: order.index(e.field) if e.field in order else len(order),
    )


Model = TypeVar("Model", bound=BaseModel)


def checked(
    model: type[Model],
    specs: Mapping[str, FieldSpec],
    fields: Mapping[str, str],
    body: Mapping[str, Any] | None = None,
) -> Model | list[FieldError]:
    """The form (or the `body` made from it) as the JSON route's model, or the
    errors to show beside its fields."""
    try:
        return model.model_validate(nest(fields, specs) if body is None else body)
    except ValidationError as exc:
        return field_errors(exc, specs)


def form_page(
    request: Request,
    template: str,
    fields: Mapping[str, str],
    errors: Sequence[FieldError] = (),
    **values: Any,
) -> HTMLResponse:
    """A form, shown again with what was typed and, if any, its errors (422)."""
    return render(
        request,
        template,
        status=422 if errors else 200,
        values=fields,
        errors=list(errors),
        **values,
    )


# -- the site's own routes ------------------------------------------------------

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html", links=site(request).links)


@router.get("/static/{name}")
def static(name: str, request: Request) -> Response:
    asset = site(request).assets.get(name)
    if asset is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(
        asset.body,
        media_type=asset.media_type,
        headers={
            "Cache-Control": f"public, max-age={STATIC_MAX_AGE_S}, immutable",
            "ETag": f'"{asset.digest}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def install(app: FastAPI, parts: Sequence[tuple[str, Http]]) -> Site:
    """Include the site's routes and every context's pages (no OpenAPI
    entries); remember which paths take forms (BodyGuard lets them in)."""
    built = Site(parts)
    app.state.site = built
    app.include_router(router)
    for _, http in parts:
        for pages in http.pages:
            app.include_router(pages, include_in_schema=False)
            # Included as they are (no prefix added): their own paths.
            built.form_paths.extend(
                route.path_regex
                for route in pages.routes
                if isinstance(route, APIRoute) and "POST" in (route.methods or ())
            )
    return built
