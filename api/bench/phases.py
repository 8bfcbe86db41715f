"""The bench's in-process measurements: raw inserts, the library's save(),
bulk generation through the aggregates, rebuilds, query latencies, and what
a workload that verifies the stored events reports."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable
from uuid import uuid4

import httpx
import psycopg
from eventsourcing.application import Application

from api.bench.report import say
from api.bench.workload import Query, Workload
from domain.shared.events import Aggregate
from domain.shared.service import ContextService
from projections.runtime import EVERY_LOG, AnyReadModel, Projector

RAW_PAYLOAD = 600  # bytes of the raw insert's state column
QUERY_TIME_CAP = 30.0  # seconds per query kind, whatever the count reached

# Numbers handed to the workloads' new and generated cases: distinct in a run.
_CASE_BLOCKS = itertools.count()


def case_block() -> int:
    """The first of 10,000,000 case numbers no other phase of this run uses."""
    return next(_CASE_BLOCKS) * 10_000_000


def timed_threads(
    threads: int, seconds: float, step: Callable[[int], Callable[[], None]]
) -> float:
    """Operations/s of `threads` threads each repeating its operation for `seconds`.

    `step(n)` prepares thread n (inside the thread) and returns its operation."""
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(n: int) -> None:
        operation = step(n)
        start.wait()
        while not stop.is_set():
            operation()
            counts[n] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    began = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return sum(counts) / (time.monotonic() - began)


# -- 1. raw PostgreSQL -------------------------------------------------------------

RAW_TABLE = """
CREATE TABLE IF NOT EXISTS bench_raw_events (
    originator_id      uuid    NOT NULL,
    originator_version integer NOT NULL,
    topic              text    NOT NULL,
    state              bytea   NOT NULL,
    notification_id    bigserial,
    PRIMARY KEY (originator_id, originator_version)
)
"""
RAW_INSERT = (
    "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state)"
    " VALUES (%s, 1, %s, %s) RETURNING notification_id"
)


def raw_insert_rate(url: str, connections: int, seconds: float, topic: str) -> float:
    """Transactions/s of one INSERT + COMMIT each, from `connections` threads,
    into a table shaped like the events table."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLE)
    payload = os.urandom(RAW_PAYLOAD)
    opened: list[psycopg.Connection[Any]] = []

    def step(_: int) -> Callable[[], None]:
        conn = psycopg.connect(url)
        opened.append(conn)

        def insert() -> None:
            conn.execute(RAW_INSERT, (uuid4(), topic, payload))
            conn.commit()

        return insert

    try:
        return timed_threads(connections, seconds, step)
    finally:
        for conn in opened:
            conn.close()


# -- 2. the library's save() -------------------------------------------------------


def save_rate(
    app: ContextService, workload: Workload, threads: int, seconds: float
) -> float:
    """save() calls/s, each saving one new case (one event)."""
    numbers = itertools.count(case_block())

    def step(_: int) -> Callable[[], None]:
        def save() -> None:
            app.save(*workload.new_case(next(numbers)))

        return save

    return timed_threads(threads, seconds, step)


# -- 5. generation and rebuild -----------------------------------------------------


@dataclass
class Generated:
    events: int
    cases: int
    seconds: float
    capped: bool


def generate(
    app: ContextService, workload: Workload, target: int, batch: int, time_cap: float
) -> Generated:
    """Cases through the aggregates' command methods, saved `batch` cases at a time
    with `app.save(*aggregates)` (the library's mapper and recorder)."""
    start_head = head(app)
    began = time.monotonic()
    made, capped = 0, False
    first = n = case_block()
    last_report = began
    while made < target:
        aggregates: list[Aggregate] = []
        for _ in range(batch):
            n += 1
            aggregates += workload.generated_case(n)
        app.save(*aggregates)
        made = head(app) - start_head
        now = time.monotonic()
        if now - last_report > 10:
            say(f"generated {made:,} events ({made / (now - began):,.0f} events/s)")
            last_report = now
        if now - began > time_cap:
            capped = True
            break
    return Generated(made, n - first, time.monotonic() - began, capped)


def head(app: Application[Any]) -> int:
    """The last position of an application's log."""
    return int(app.recorder.max_notification_id() or 0)


@dataclass
class Rebuilt:
    model: str
    events: int  # of all the logs it follows (their heads, summed)
    seconds: float
    logs: tuple[str, ...] = ()  # the logs it follows
    every_log: bool = False  # it follows every log (EVERY_LOG)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def rebuild_all(
    url: str,
    logs: Mapping[str, Application[Any]],
    models: Sequence[AnyReadModel],
) -> list[Rebuilt]:
    """Rebuild each model from zero (new generation side by side, then switch),
    timed. `logs` are every log by name (`Services.logs()`: a model that
    follows every log follows all of them); a model's rate is over the events
    of all the logs it follows, not of one context's."""
    rebuilder = Projector(url, dict(logs), models)
    rebuilt = []
    try:
        rebuilder.prepare()
        for model in rebuilder.models.values():
            followed = rebuilder.logs[model.name]
            events = sum(head(logs[name]) for name in followed)
            over = f" of {len(followed)} logs" if len(followed) > 1 else ""
            say(f"rebuilding {model.name} over {events:,} events{over}")
            began = time.monotonic()
            rebuilder.rebuild(model.name)
            rebuilt.append(
                Rebuilt(
                    model.name,
                    events,
                    time.monotonic() - began,
                    followed,
                    model.logs == EVERY_LOG,
                )
            )
    finally:
        rebuilder.close()
    return rebuilt


# -- 6. queries --------------------------------------------------------------------


def query_latencies(base: str, query: Query, count: int) -> tuple[list[float], int]:
    """Latencies of `count` GETs after 5 warm-up ones, and how many failed."""
    latencies: list[float] = []
    failures = 0
    with httpx.Client(base_url=base, timeout=60.0) as http:
        headers = {} if query.public else {"Authorization": f"Bearer {query.token}"}
        began = time.monotonic()
        for i in range(count + 5):
            if time.monotonic() - began > QUERY_TIME_CAP:
                say(f"query {query.path}: stopped at the {QUERY_TIME_CAP:.0f} s cap")
                break
            sent = time.monotonic()
            response = http.get(query.path, headers=headers)
            took = time.monotonic() - sent
            if response.status_code != 200:
                failures += 1
                if failures == 1:
                    say(
                        f"query {query.path} -> {response.status_code}"
                        f" {response.text[:300]}"
                    )
            elif i >= 5:  # the first five warm the connection and caches
                latencies.append(took)
    return latencies, failures


# -- 8. throughput of public pages ---------------------------------------------------


@runtime_checkable
class Throughput(Protocol):
    """A workload with public pages served from a cache, whose rate under
    concurrent clients is measured (e.g. archived feed pages)."""

    def throughput_queries(self, base: str) -> Sequence[Query]:
        """The pages to load, chosen by asking the server at `base`."""


def requests_per_second(
    base: str, query: Query, seconds: float, clients: int
) -> tuple[int, float, int]:
    """GETs answered 200 by `clients` keep-alive connections for `seconds`:
    (answered, seconds, failed). http.client, not httpx: the client's own cost
    per request must stay well below the server's."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    where = urlsplit(base)
    counts = [0] * clients
    failed = [0] * clients
    first_failure: list[str] = []
    stop = threading.Event()

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
        while not stop.is_set():
            try:
                conn.request("GET", query.path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                failed[i] += 1
                first_failure.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            if response.status == 200:
                counts[i] += 1
            else:
                failed[i] += 1
                first_failure.append(f"HTTP {response.status}")
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if first_failure:
        say(f"{query.path}: {len(first_failure)} failed, the first: {first_failure[0]}")
    return sum(counts), time.monotonic() - began, sum(failed)


# -- 7. verification ---------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """One re-verification of the stored events (`casetrace verify`)."""

    events: int  # events re-hashed, over every log
    seconds: float
    logs: int
    checkpoints: int  # signed checkpoints whose root was checked
    pending: int  # events not yet in the ledger (written since it was built)
    findings: list[str] = field(default_factory=list)  # none on an untampered log

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class ImportRate(Protocol):
    rows: int
    seconds: float
    again_seconds: float

    @property
    def rate(self) -> float: ...

    def costs(self) -> str:
        """Where the time went (CPU per row) and the machine's load."""
        ...


@runtime_checkable
class Imports(Protocol):
    """A workload whose context imports files from an old system: a made-up
    file of `rows` rows is imported, then again (nothing new recorded)."""

    def import_rate(self, rows: int) -> ImportRate: ...


@runtime_checkable
class Verifies(Protocol):
    """A workload whose context can re-verify every stored event against its
    signed checkpoints: once the rebuilt models are live, it signs what they
    hold and verifies (untimed set-up, timed verification)."""

    def verify(self) -> Verified: ...
