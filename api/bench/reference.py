"""The bench's reference servers: the least a command could cost on this stack.

Each is a FastAPI app under exactly the uvicorn settings of `casetrace serve`
(api/host/serving.py), started as a subprocess like it and driven by the same
HTTP clients with the same command stream (any POST path, any JSON body):

- (a) `insert`: one psycopg INSERT+COMMIT into the raw baseline's table per
  request, from a connection pool;
- (b) `save`: one library `save()` per request of a new case as the workload's
  creating command leaves it (`Workload.new_case`), through the context's own
  Application (mapper, transcoder, recorder, table lock, NOTIFY, commit).

Neither checks a token, loads an aggregate or records an idempotency key:
what casetrace does beyond (b) is its command path's own cost.

    python -m api.bench.reference insert --port P --topic TOPIC
    python -m api.bench.reference save --port P --context NAME --first N

with CASETRACE_DATABASE_URL (and the other settings) in the environment.
"""

from __future__ import annotations

import argparse
import itertools
import os
from typing import Annotated, Any
from uuid import uuid4

from fastapi import Body, FastAPI
from psycopg_pool import ConnectionPool

from api.bench.phases import RAW_INSERT, RAW_PAYLOAD, RAW_TABLE
from api.bench.workload import load
from api.host import serving
from api.host.context import Context, Shared
from api.host.logging import route_stdlib_logging
from api.host.settings import Settings
from api.host.storage import Services, database_url, eventsourcing_env, open_services
from domain.shared.service import ContextService

JsonBody = Annotated[dict[str, Any] | None, Body()]


def insert_app(url: str, topic: str, pool_size: int) -> FastAPI:
    """(a): one INSERT+COMMIT per request."""
    pool = ConnectionPool(url, min_size=pool_size, max_size=pool_size, open=True)
    with pool.connection() as conn:
        conn.execute(RAW_TABLE)
    payload = os.urandom(RAW_PAYLOAD)
    app = FastAPI(title="bench reference (a)")

    @app.post("/{path:path}")
    def command(path: str, body: JsonBody = None) -> dict[str, Any]:
        case_id = uuid4()
        with pool.connection() as conn:
            row = conn.execute(RAW_INSERT, (case_id, topic, payload)).fetchone()
        return {"id": str(case_id), "position": row[0] if row else 0}

    return app


def library_application(services: Services, described: Context) -> ContextService:
    """The context's Application on the library's own recorder (its
    `insert_events`: table lock, INSERT, NOTIFY, commit), not casetrace's
    one-round-trip write, so that (b) stays "the library's save()"."""
    env = eventsourcing_env(services.url, Settings.from_env())
    env.pop("APPLICATION_RECORDER_TOPIC")
    shared = Shared(
        env, services.calendar, services.clock, services.registry, services.vault
    )
    return described.open(shared)


def save_app(services: Services, context: str, first: int) -> FastAPI:
    """(b): one save() of a new case per request."""
    (described,) = (c for c in services.contexts if c.name == context)
    application = library_application(services, described)
    workload = load(described, services)
    numbers = itertools.count(first)  # next() is atomic under the GIL
    app = FastAPI(title="bench reference (b)")

    @app.post("/{path:path}")
    def command(path: str, body: JsonBody = None) -> dict[str, Any]:
        aggregates = workload.new_case(next(numbers))
        recordings = application.save(*aggregates)
        return {
            "id": str(aggregates[0].id),
            "position": recordings[-1].notification.id,
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("insert", "save"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--context", help="whose workload saves (save)")
    parser.add_argument("--topic", default="bench", help="the rows' topic (insert)")
    parser.add_argument("--first", type=int, default=0, help="first case number")
    args = parser.parse_args()
    settings = Settings.from_env()
    route_stdlib_logging(settings.log_level)
    if args.kind == "insert":
        url = database_url(settings)
        serve(insert_app(url, args.topic, settings.pool_size), args.port)
        return
    services = open_services(settings)
    try:
        serve(save_app(services, args.context, args.first), args.port)
    finally:
        services.close()


def serve(app: FastAPI, port: int) -> None:
    serving.settle_heap()
    serving.run(app, "127.0.0.1", port)


if __name__ == "__main__":
    main()
