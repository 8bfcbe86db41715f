"""/healthz and /readyz for load balancers and orchestrators.

/healthz says the process answers HTTP; it touches no database, so a database
outage never gets healthy processes restarted. /readyz says whether this
process can serve: 503 while the database is unreachable (within about a
second), otherwise 200 with each read model's position, lag and stall on
each log it follows (one entry per model and log, `log` naming it). A
stalled read model does not make the process unready: every process shares
the same read models, so taking them all out of rotation would stop the
writes and the up-to-date reads too; the body says `degraded` instead.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.host.database import UNAVAILABLE, Availability
from api.http.errors import database_problem
from api.http.openapi import PUBLIC, problems
from api.http.reads import ReadSide
from api.http.schemas import shared_example
from api.http.views import JSON

router = APIRouter(tags=["health"])

READY_TIMEOUT_S = 1.0


class Alive(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = Field(description="the process answers")


class Stall(BaseModel):
    position: int = Field(description="log position of the event it cannot apply")
    topic: str | None = Field(description="that event's topic")
    error: str = Field(description="why it cannot")
    since: datetime = Field(description="when it first failed (UTC)")
    attempts: int = Field(description="how many times it was tried")
    retry_at: datetime = Field(description="the next try")


class ReadModelState(BaseModel):
    name: str = Field(description="the read model", examples=["applications"])
    log: str | None = Field(
        default=None,
        description="the event log this entry is about (a read model that"
        " follows several logs has one entry per log)",
    )
    position: int = Field(description="how far it has read its event log")
    head: int = Field(description="the last position of that log")
    lag: int = Field(description="events not yet applied (head - position)")
    stalled: Stall | None = Field(description="set while an event stops it")


class Readiness(BaseModel):
    model_config = shared_example("Readiness")  # a context's models

    status: Literal["ready", "degraded"] = Field(
        description="`degraded`: a read model is stalled (its lists are stale);"
        " the process still serves"
    )
    database: Literal["ok"] = Field(description="the database answered")
    read_models: list[ReadModelState]


@router.get(
    "/healthz",
    summary="liveness: the process answers (no database involved)",
    response_model=Alive,
)
def healthz() -> JSON:
    return JSON({"status": "ok"})


@router.get(
    "/readyz",
    summary="readiness: the database answers; each read model's lag and stall",
    response_model=Readiness,
    responses=problems(*PUBLIC),
)
def readyz(request: Request) -> Any:
    availability: Availability = request.app.state.database
    try:
        availability.check()
        return JSON(_readiness(request))
    except UNAVAILABLE as exc:
        availability.suspect()
        return database_problem(request, exc)


def _readiness(request: Request) -> dict[str, Any]:
    reads: ReadSide = request.app.state.reads
    with reads.pool.connection(timeout=READY_TIMEOUT_S) as conn, conn.transaction():
        conn.execute(f"SET LOCAL statement_timeout = {int(READY_TIMEOUT_S * 1000)}")
        states = reads.status(conn)
    models = [
        {
            "name": s.model,
            "log": s.log,
            "position": s.position,
            "head": s.head,
            "lag": s.lag,
            "stalled": asdict(s.stall) if s.stall else None,
        }
        for s in states
    ]
    stalled = any(s.stall for s in states)
    return {
        "status": "degraded" if stalled else "ready",
        "database": "ok",
        "read_models": models,
    }
