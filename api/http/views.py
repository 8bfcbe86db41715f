"""HTTP shapes of cases and their histories (not domain objects: STYLE §1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import JSONResponse

from api.http.summaries import REGISTRY
from domain.shared.events import Aggregate
from domain.shared.service import CommandResult


def dump(value: Any) -> Any:
    """orjson-ready: pydantic models in JSON mode, sets as sorted lists."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(dump(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): dump(v) for k, v in value.items()}
    return value


class JSON(JSONResponse):
    """orjson; a JSONResponse so that FastAPI documents the route's response_model."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(dump(content), option=orjson.OPT_NON_STR_KEYS)


def etag(version: int) -> str:
    return f'"{version}"'


def case_response(
    body: dict[str, Any], version: int, status: int = 200, **headers: str
) -> JSON:
    return JSON(body, status_code=status, headers={"ETag": etag(version), **headers})


def replay_marked(response: JSON, result: CommandResult) -> JSON:
    """A keyed retry's answer says it is the first attempt's (RFC draft
    idempotency-key: the same response, marked)."""
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def history_entry(event: Any) -> dict[str, Any]:
    """One recorded fact as a history shows it, summarised in the words of the
    context that registered the event's topic (api/http/summaries.py)."""
    event_type = type(event)
    summaries = REGISTRY.of(event_type)
    dumped = event.model_dump(
        mode="json",
        exclude={
            "originator_id",
            "originator_version",
            "timestamp",
            "audit",
            "originator_topic",
        },
    )
    data = {k: v for k, v in dumped.items() if k not in summaries.withheld}
    audit = event.audit
    return {
        "version": event.originator_version,
        "type": event_type.__name__,
        "topic": event_type.TOPIC,
        "at": event.timestamp,
        "actor": audit.actor,
        "unit_code": audit.actor.unit_code,
        "reason": audit.reason,
        "request_id": audit.request_id,
        "causation": audit.causation,
        "summary": summaries.summary(event_type, data),
        "data": data,
    }


def version_at(events: list[Any], at: datetime) -> int:
    """The case's version as it stood at an instant (0 if it did not exist yet)."""
    version = 0
    for e in events:
        if e.timestamp <= at:
            version = e.originator_version
    return version


def history_body(
    aggregate: Aggregate, events: list[Any], state: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": aggregate.id,
        "version": aggregate.version,
        "events": [history_entry(e) for e in events],
        "state": state,
    }
