"""Response shapes every context shares, as typed models: a command's outcome,
a case's history, a page of a list (the OpenAPI document's 2xx bodies).

Routes keep answering with the fast orjson `JSON` response built by
api/http/views.py and the read models; these models only *declare* what that
body is (FastAPI does not re-validate a Response a route returns). The
schemathesis run (tests/api/test_openapi_contract.py) checks every answer
against them, so a view that changes a field without changing its model fails
the suite. A context declares its own shapes beside its routers, with examples
from a real run in its `openapi_examples.json` (`load_examples`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Actor


def load_examples(package: str) -> dict[str, Any]:
    """A package's examples for the OpenAPI document, by name."""
    text = resources.files(package).joinpath("openapi_examples.json").read_text("utf-8")
    examples: dict[str, Any] = json.loads(text)
    return examples


def example(value: Any) -> ConfigDict:
    """The model config of a response shape documented by one example."""
    return ConfigDict(json_schema_extra={"examples": [value]})


# A shared shape's example is some context's case (a history is an
# application's, say): the composition root hands them in before the document
# is first built, and the schema reads them when it is generated.
_SHARED_EXAMPLES: dict[str, Any] = {}


def provide_examples(examples: Mapping[str, Any]) -> None:
    """Examples for the shared shapes, by model name; idempotent."""
    for name, value in examples.items():
        if _SHARED_EXAMPLES.get(name, value) != value:
            raise ValueError(f"two contexts give an example of {name}")
    _SHARED_EXAMPLES.update(examples)


def shared_example(name: str) -> ConfigDict:
    """The model config of a shared shape whose example a context provides."""

    def add(schema: dict[str, Any]) -> None:
        if name in _SHARED_EXAMPLES:
            schema["examples"] = [_SHARED_EXAMPLES[name]]

    return ConfigDict(json_schema_extra=add)


class CommandOutcome(BaseModel):
    position: int = Field(
        ge=1,
        description="the position of this change in its context's event log"
        " (`consistency_token` names the log too)",
    )
    consistency_token: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,62}:[0-9]{1,18}$",
        description="`<log>:<position>`: pass it as `consistent_after` (or"
        " `X-Consistent-After`) to read your write",
    )


class HistoryEntry(BaseModel):
    """One recorded fact (全过程留痕): who, in which role and unit, when, why."""

    version: int
    type: str
    topic: str
    at: datetime
    actor: Actor
    unit_code: str | None
    reason: str | None
    request_id: str | None
    causation: str | None
    summary: str = Field(description="the fact in the bureau's words")
    data: dict[str, Any]


class History(BaseModel):
    """Every event of a case, and its state as of a version or instant if asked."""

    model_config = shared_example("History")

    id: UUID
    version: int
    events: list[HistoryEntry]
    state: dict[str, Any] | None = Field(
        description="the case as it stood at `version`/`at` (null if not asked)"
    )
    related: list[HistoryEntry] = Field(
        default=[],
        description="the events of cases kept beside this one (an application's"
        " joint review, 并联审批), each with its own case's version, up to"
        " `version`/`at` if asked",
    )


class Page(BaseModel):
    next_cursor: str | None = Field(
        description="pass as `after` for the next page; null on the last page"
    )
