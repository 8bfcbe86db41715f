"""One way to expose a case over HTTP: `GET /{id}`, `GET /{id}/history`, and
`POST /{id}/<verb>` for each of its commands.

Every command route has the same contract (DESIGN §4): bearer auth, a role
allowed for the command, the case's jurisdiction, `If-Match` (412 when stale),
`Idempotency-Key` (middleware), problem+json errors, and a response carrying
the new version as `ETag` and the event position for read-your-writes.
"""

# No `from __future__ import annotations`: FastAPI reads these annotations at
# runtime, and the body model of each route is only known in the closure.

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Optional
from uuid import UUID

from fastapi import APIRouter, Body, Header, Query, Request
from pydantic import BaseModel, ConfigDict

from api.http.auth import CurrentPrincipal, audit_for, require_readable
from api.http.errors import ProblemError
from api.http.openapi import CASE_READ, COMMAND, problems
from api.http.reads import written_at
from api.http.schemas import History
from api.http.views import JSON, case_response, history_body, replay_marked, version_at
from domain.shared.audit import Audit
from domain.shared.dates import IsoDateTime
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


@dataclass(frozen=True)
class Command:
    verb: str  # path segment, e.g. "request-correction"
    body: type[CommandBody]
    run: Callable[[Any, UUID, Audit, Any, int | None], CommandResult]
    summary: str
    # The service's command name (its permissions key), when not the verb's:
    # a licence's "withdraw" is the service's "withdraw_licence".
    permission: str | None = None

    @property
    def name(self) -> str:
        return self.permission or self.verb.replace("-", "_")


@dataclass(frozen=True)
class CaseResource:
    """How to load a kind of case, whose jurisdiction it is in, and how it looks."""

    what: str
    service: Callable[[Request], ContextService]
    load: Callable[[Request, UUID, int | None], Aggregate]
    # The units whose staff may read it: the handling unit, and any unit the
    # case was routed to (e.g. a refusal interview at the applicant's county).
    units_of: Callable[[Any], tuple[str, ...]]
    view: Callable[[Any], dict[str, Any]]
    # The response models of `view` (GET) and of a command's answer (view + position).
    model: type[BaseModel] | None = None
    changed: type[BaseModel] | None = None

    def readable(
        self,
        request: Request,
        case_id: UUID,
        version: int | None = None,
        *,
        loaded: Any = None,
    ) -> Any:
        """The case, if the principal may read it; `loaded` is one a command just
        saved, which needs no second read from the store."""
        request.state.case_id = str(case_id)
        case = loaded if loaded is not None else self.load(request, case_id, version)
        require_readable(request.state.principal, self.units_of(case))
        return case

    def response(
        self, request: Request, case_id: UUID, *, loaded: Any = None, **extra: Any
    ) -> JSON:
        case = self.readable(request, case_id, loaded=loaded)
        return case_response({**self.view(case), **extra}, case.version)

    def command_response(
        self, request: Request, result: CommandResult, status: int = 200
    ) -> JSON:
        """The answer to a command: the case as the command left it. A replayed
        key's answer is rebuilt from the store at the recorded version, so a
        retry gets the first response whatever happened since."""
        case = self.readable(
            request,
            result.id,
            version=result.version if result.replayed else None,
            loaded=result.case,
        )
        body = {**self.view(case), **written_at(result), **result.extra}
        return replay_marked(case_response(body, case.version, status), result)


def add_case_routes(
    router: APIRouter, resource: CaseResource, commands: list[Command]
) -> None:
    def get_case(case_id: UUID, request: Request, principal: CurrentPrincipal) -> JSON:
        return resource.response(request, case_id)

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
        current = resource.readable(request, case_id)
        events = resource.service(request).history(case_id)
        as_of = version_at(events, at) if at is not None else version
        if as_of is not None and not 1 <= as_of <= current.version:
            raise ProblemError(
                404,
                f"the {resource.what} has no version {as_of} (it is at {current.version})",
            )
        state = resource.view(resource.load(request, case_id, as_of)) if as_of else None
        shown = [e for e in events if as_of is None or e.originator_version <= as_of]
        return case_response(history_body(current, shown, state), current.version)

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
    for command in commands:
        _add(router, command, resource)


def _add(router: APIRouter, command: Command, resource: CaseResource) -> None:
    body_model = command.body
    # A command whose fields all have defaults may be sent without a body.
    optional = not any(f.is_required() for f in body_model.model_fields.values())
    body_type = Optional[body_model] if optional else body_model  # noqa: UP045
    # `Body(default=...)` marks a required body; a bare `= ...` default after
    # Annotated is taken by FastAPI as a real value (the command got Ellipsis).
    body_param = Body(default=None if optional else ...)

    def endpoint(
        case_id: UUID,
        request: Request,
        principal: CurrentPrincipal,
        body: body_type = body_param,  # type: ignore[valid-type]
        if_match: Optional[str] = Header(default=None),  # noqa: UP045
    ) -> JSON:
        body = body if body is not None else body_model()
        request.state.case_id = str(case_id)
        service = resource.service(request)
        audit = audit_for(
            request, principal, service, command.name, getattr(body, "reason", None)
        )
        result = command.run(service, case_id, audit, body, expected_version(if_match))
        return resource.command_response(request, result)

    router.add_api_route(
        f"/{{case_id}}/{command.verb}",
        endpoint,
        methods=["POST"],
        summary=command.summary,
        name=command.name,
        response_class=JSON,
        response_model=resource.changed,
        responses=problems(*COMMAND),
    )
