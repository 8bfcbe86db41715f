"""One way to expose a case over HTTP: `GET /{id}`, `GET /{id}/history`, and
`POST /{id}/<verb>` for each command its service declares on it.

Every command route has the same contract (DESIGN §4): bearer auth, a role
allowed for the command and the case's jurisdiction (both decided by the
service), `If-Match` (412 when stale), `Idempotency-Key` (middleware),
problem+json errors, and a response carrying the new version as `ETag` and
the event position for read-your-writes. The request body is made from the
command's parameters, field by field by name (`body_model`); a parameter
named like the path's key (an item's `code`) is taken from the path.
"""

# No `from __future__ import annotations`: FastAPI reads these annotations at
# runtime, and the body model of each route is only known in the closure.

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Optional, cast
from uuid import UUID

from fastapi import APIRouter, Body, Header, Query, Request
from pydantic import BaseModel, ConfigDict, create_model

from api.http.auth import CurrentPrincipal, caller, require_readable
from api.http.errors import ProblemError
from api.http.openapi import CASE_READ, COMMAND, STAFF, problems
from api.http.reads import written_at
from api.http.schemas import History
from api.http.views import (
    JSON,
    case_response,
    history_body,
    history_entry,
    replay_marked,
    version_at,
)
from domain.shared.command import CommandSpec
from domain.shared.dates import IsoDateTime
from domain.shared.errors import NotFoundError
from domain.shared.events import Aggregate
from domain.shared.service import CommandResult, ContextService
from domain.shared.text import Reason

ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class CommandBody(BaseModel):
    """Base of command bodies: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Decision(CommandBody):
    """A command that is a person's decision carries its reason (全过程留痕)."""

    reason: Reason


class NoBody(CommandBody):
    reason: Reason | None = None


def expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = ETAG.match(if_match)
    if match is None:
        raise ProblemError(
            400, 'If-Match must be an ETag of this API, e.g. "3"', slug="bad-if-match"
        )
    return int(match.group(1))


# A creation answers 201 (no If-Match: there is no case yet to be stale).
CREATE = (*STAFF, 404, 409, 413, 415)

# Request bodies by name: one model per name, shared by the commands whose
# bodies are identical (Decision, NoBody, …), so the document names it once.
BODIES: dict[str, type[CommandBody]] = {"Decision": Decision, "NoBody": NoBody}


def body_model(
    spec: CommandSpec, given: frozenset[str] = frozenset()
) -> type[CommandBody]:
    """A command's request body: the reason if it is a decision, then its
    parameters (but those the path gives) with their types and defaults."""
    fields: dict[str, Any] = {
        p.name: (p.annotation, ... if p.default is p.empty else p.default)
        for p in spec.parameters
        if p.name not in given
    }
    name = spec.body or ""
    model: type[CommandBody] = Decision if spec.decision else NoBody
    if fields:
        base = Decision if spec.decision else CommandBody
        model = cast(type[CommandBody], create_model(name, __base__=base, **fields))
    known = BODIES.setdefault(name, model)
    if known is not model and known.model_json_schema() != model.model_json_schema():
        raise TypeError(f"{spec.name}: another request body is already named {name}")
    return known


def _same(case_id: UUID) -> UUID:
    return case_id


@dataclass(frozen=True)
class CaseResource:
    """How a kind of case is addressed, whose jurisdiction it is in, and how it looks."""

    what: str
    service: Callable[[Request], ContextService]
    view: Callable[[Any], dict[str, Any]]
    # The case at a version, for GET …/{id} and its history.
    load: Callable[[Request, UUID, int | None], Aggregate] | None = None
    # The units whose staff may read it: the handling unit, and any unit the
    # case was routed to (e.g. a refusal interview at the applicant's county).
    # None: every member of staff (the catalogue, an applicant's record).
    units_of: Callable[[Any], tuple[str, ...]] | None = None
    # The response models of `view` (GET) and of a command's answer (view + position).
    model: type[BaseModel] | None = None
    changed: type[BaseModel] | None = None
    # The path segment naming the case, its type, and the case's id from it.
    key: str = "case_id"
    key_type: Any = UUID
    case_id: Callable[[Any], UUID] = _same
    # A command's answer, when it is not the case's view and position.
    answer: Callable[[Any, CommandResult, int], JSON] | None = None
    # The 404 of a command on a case that does not exist, in the path's terms
    # (the store's message names the case's id, which a keyed path never shows).
    missing: Callable[[Any], str] | None = None
    # Parts of the case's view kept by other aggregates, read beside it (an
    # application's joint review): fields added to `view`'s, current only.
    annex: Callable[[Request, Any], dict[str, Any]] | None = None
    # Their events, shown in the case's history under `related`.
    related: Callable[[Request, Any], list[Any]] | None = None

    def body(self, request: Request, case: Any) -> dict[str, Any]:
        """The case's view, with its annex."""
        annex = self.annex(request, case) if self.annex is not None else {}
        return {**self.view(case), **annex}

    def require_readable(self, request: Request, case: Any) -> None:
        """A case kept from the reader (`Aggregate.readable_by`) answers as an
        unknown one (404, revealing nothing); then its jurisdiction (403)."""
        principal = request.state.principal
        if not case.readable_by(principal.staff_no, frozenset(principal.roles)):
            raise NotFoundError(f"{self.what} {case.id} not found")
        if self.units_of is not None:
            require_readable(principal, self.units_of(case))

    def command_response(
        self, request: Request, result: CommandResult, status: int = 200
    ) -> JSON:
        """The answer to a command: the case as the command left it. A replayed
        key's answer is rebuilt from the store at the recorded version, so a
        retry gets the first response whatever happened since."""
        request.state.case_id = str(result.id)
        case = self.service(request).case_of(result)
        self.require_readable(request, case)
        if self.answer is not None:
            response = self.answer(case, result, status)
        else:
            body = {**self.body(request, case), **written_at(result), **result.extra}
            response = case_response(body, case.version, status)
        return replay_marked(response, result)


def add_case_routes(
    router: APIRouter, resource: CaseResource, commands: Sequence[CommandSpec]
) -> None:
    """GET the case and its history, then a route for each of its commands."""
    load = resource.load
    if load is None:
        raise TypeError(f"{resource.what} needs `load` for its GET routes")

    def readable(request: Request, case_id: UUID) -> Any:
        """The case, if the principal may read it."""
        request.state.case_id = str(case_id)
        case = load(request, case_id, None)
        resource.require_readable(request, case)
        return case

    def get_case(case_id: UUID, request: Request, principal: CurrentPrincipal) -> JSON:
        case = readable(request, case_id)
        return case_response(resource.body(request, case), case.version)

    def history(
        case_id: UUID,
        request: Request,
        principal: CurrentPrincipal,
        version: Annotated[Optional[int], Query(ge=1)] = None,  # noqa: UP045
        at: Annotated[
            IsoDateTime | None,
            Query(
                description="RFC 3339 instant with offset, e.g. 2026-11-23T09:00:00+08:00"
            ),
        ] = None,
    ) -> JSON:
        if version is not None and at is not None:
            raise ProblemError(
                422, "ask for a version or an instant, not both", slug="invalid-input"
            )
        if at is not None and at.tzinfo is None:
            raise ProblemError(
                422,
                "the instant needs a UTC offset, e.g. 2026-11-20T08:00:00+08:00",
                slug="invalid-input",
            )
        current = readable(request, case_id)
        events = resource.service(request).history(case_id)
        as_of = version_at(events, at) if at is not None else version
        if as_of is not None and not 1 <= as_of <= current.version:
            raise ProblemError(
                404,
                f"the {resource.what} has no version {as_of} (it is at {current.version})",
            )
        state = resource.view(load(request, case_id, as_of)) if as_of else None
        shown = [e for e in events if as_of is None or e.originator_version <= as_of]
        body = history_body(current, shown, state)
        if resource.related is not None:
            until = shown[-1].timestamp if as_of is not None and shown else None
            body["related"] = [
                history_entry(e)
                for e in resource.related(request, current)
                if until is None or e.timestamp <= until
            ]
        return case_response(body, current.version)

    router.add_api_route(
        "/{case_id}",
        get_case,
        methods=["GET"],
        response_class=JSON,
        summary=f"One {resource.what} as it stands",
        name=f"get_{resource.what}",
        response_model=resource.model,
        responses=problems(*CASE_READ),
    )
    router.add_api_route(
        "/{case_id}/history",
        history,
        methods=["GET"],
        response_class=JSON,
        name=f"{resource.what}_history",
        response_model=History,
        responses=problems(*CASE_READ),
        summary=f"Every event of the {resource.what} (who, when, why), and its state as of a version or instant",
    )
    add_command_routes(router, resource, commands)


def add_command_routes(
    router: APIRouter, resource: CaseResource, commands: Sequence[CommandSpec]
) -> None:
    """POST /{key}/<verb> for each command, in the order given."""
    for spec in commands:
        _add(router, spec, resource)


def _add(router: APIRouter, spec: CommandSpec, resource: CaseResource) -> None:
    given = frozenset({resource.key} & {p.name for p in spec.parameters})
    body_type_ = body_model(spec, given)
    taken = [p.name for p in spec.parameters if p.name not in given]
    # A command whose fields all have defaults may be sent without a body.
    optional = not any(f.is_required() for f in body_type_.model_fields.values())
    body_type = Optional[body_type_] if optional else body_type_  # noqa: UP045
    # `Body(default=...)` marks a required body; a bare `= ...` default after
    # Annotated is taken by FastAPI as a real value (the command got Ellipsis).
    body_param = Body(default=None if optional else ...)

    def endpoint(
        request: Request,
        principal: CurrentPrincipal,
        body: body_type = body_param,  # type: ignore[valid-type]
        if_match: Optional[str] = Header(default=None),  # noqa: UP045
        **path: Any,
    ) -> JSON:
        key = path[resource.key]
        body = body if body is not None else body_type_()
        case_id = resource.case_id(key)
        request.state.case_id = str(case_id)
        arguments = {name: getattr(body, name) for name in taken}
        arguments.update(dict.fromkeys(given, key))
        who = caller(request, principal, spec.name, getattr(body, "reason", None))
        service = resource.service(request)
        # A role the command does not permit is refused (403) before If-Match
        # is read (400), as the hand-written routes did.
        service.acting(spec.name, who)
        try:
            result = service.execute(
                spec.name, case_id, who, arguments, expected_version(if_match)
            )
        except NotFoundError:
            if resource.missing is None:
                raise
            raise NotFoundError(resource.missing(key)) from None
        return resource.command_response(request, result)

    endpoint.__signature__ = _keyed(endpoint, resource)  # type: ignore[attr-defined]
    router.add_api_route(
        f"/{{{resource.key}}}/{spec.verb}",
        endpoint,
        methods=["POST"],
        summary=spec.summary,
        name=spec.name,
        response_class=JSON,
        response_model=resource.changed,
        responses=problems(*COMMAND),
    )


def _keyed(endpoint: Callable[..., Any], resource: CaseResource) -> inspect.Signature:
    """The endpoint's signature with the path's key first, under its own name
    (FastAPI matches path parameters by name)."""
    signature = inspect.signature(endpoint)
    key = inspect.Parameter(
        resource.key,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=resource.key_type,
    )
    rest = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    return signature.replace(parameters=[key, *rest])


def add_creation_route(
    router: APIRouter,
    resource: CaseResource,
    spec: CommandSpec,
    model: type[BaseModel],
) -> None:
    """POST on the collection: 201 with the new case and its `Location`."""
    body_type = body_model(spec)
    taken = [p.name for p in spec.parameters]

    def create(
        body: body_type,  # type: ignore[valid-type]
        request: Request,
        principal: CurrentPrincipal,
    ) -> JSON:
        arguments = {name: getattr(body, name) for name in taken}
        who = caller(request, principal, spec.name, getattr(body, "reason", None))
        result = resource.service(request).execute(spec.name, None, who, arguments)
        response = resource.command_response(request, result, status=201)
        response.headers["Location"] = f"{router.prefix}/{result.id}"
        return response

    router.add_api_route(
        f"/{spec.verb}" if spec.verb else "",
        create,
        methods=["POST"],
        status_code=201,
        response_class=JSON,
        summary=spec.summary,
        name=spec.name,
        response_model=model,
        responses=problems(*CREATE),
    )
