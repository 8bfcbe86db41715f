"""The projection runtime: read models that follow notification logs exactly once.

A read model folds domain events into tables in the `casetrace_read` schema.
Each build of a model is a *generation* with its own tables; one generation
per model is active (queries read it), and a rebuild fills a new generation
side by side, then switches reads over when it has caught up.

A model follows one or more logs (`logs`: each context's Application writes
one notification log, named by the application's pinned name; `EVERY_LOG`
follows every log the projector is given). A generation keeps one tracking
position per log it follows.

Exactly-once: every batch reads *one* log and runs in one transaction that
takes the model's advisory lock, reads the generation's tracking position for
that log `FOR UPDATE`, applies the next notifications of that log, writes that
log's new position and commits. A crash anywhere before the commit leaves rows
and position as they were, so nothing is applied twice and nothing is lost;
two runners of one model take turns. A batch of one log never moves another
log's position.

There is no global order between logs: each log is ordered, and a model over
several sees them interleaved in whatever way its batches happen to run
(logs are fed in turn, a batch at a time). A model over several logs must
therefore not depend on how its logs interleave — what it folds from one log
may not wait for, or assume, a position on another (an audit index keyed by
log and position, a per-log hash chain, a feed ordered by each event's own
time all qualify). A read-your-writes token names its log for the same reason
(`licensing:1234`): a position means nothing without its log.

No event stops the read side (DESIGN §4): an event a model cannot apply stalls
that model on that log only. The follower retries it with a growing, bounded
delay, logs the position and topic at error level and records the stall
(model, log, position, error, since when) in `stalls`, where `casetrace project
--status` and `/readyz` read it; the model's other logs, the other models, the
writes and the queries (from the last good state) carry on. A lost database
connection is not a stall: the follower reconnects by itself and carries on
from the tracking positions.

A batch reads its log in its own transaction (binary rows, only the columns
it needs), skips the topics its model does not fold before decoding anything,
and hands the model the events as recorded: parsed into their real types but
not validated again, since they were checked when written
(domain/shared/recorded.py). A rebuild collects garbage rarely
(`REBUILD_GC_THRESHOLD`), and creates its query indexes once it has caught up.

A model may read the stored events as stored (`RawReadModel`): topic,
originator, version and the state bytes exactly as in the events table
(encrypted and compressed as configured), undecoded — what a ledger hashes.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final, NamedTuple
from uuid import UUID

import psycopg
import pydantic
from domain.shared.events import PydanticMapper
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql

log = logging.getLogger("casetrace.projections")

SCHEMA = "casetrace_read"
SCHEMA_LOCK = 0x0CA5E7 << 8 | 1  # creating the runtime's own tables
LIVE_BATCH = 1000
REBUILD_BATCH = 5000
# Python's collector at its default threshold (a young collection whenever
# allocations exceed frees by 700, and a full one whenever the survivors grow
# by a quarter) walks each batch's events and rows over and over while they
# are alive: a third of a rebuild's CPU, though reference counting frees them
# all and they hold no cycles. A rebuild batch holds about 90,000 objects
# the collector tracks (measured: ~17 per event), so a rebuild collects young
# objects only past a million; a projector process (live batches of
# LIVE_BATCH, a fifth of that) past 100,000, and its start-up heap is frozen
# out of the collector's sight (`settle_gc`).
REBUILD_GC_THRESHOLD: Final = 1_000_000
GC_THRESHOLD: Final = (100_000, 10, 10)

# `tracking.application` holds the name of the log (the application's pinned
# name): the column kept the name it had when every model followed one log, so
# existing rows keep their positions and an older process still reads them.
RUNTIME_TABLES = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.generations (
    model         text        NOT NULL,
    generation    integer     NOT NULL,
    model_version integer     NOT NULL,
    state         text        NOT NULL CHECK (state IN ('building', 'active', 'retired')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz,
    PRIMARY KEY (model, generation)
);
CREATE UNIQUE INDEX IF NOT EXISTS generations_one_active
    ON {SCHEMA}.generations (model) WHERE state = 'active';
CREATE TABLE IF NOT EXISTS {SCHEMA}.tracking (
    model       text    NOT NULL,
    generation  integer NOT NULL,
    application text    NOT NULL,
    position    bigint  NOT NULL,
    PRIMARY KEY (model, generation, application)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.stalls (
    model      text        NOT NULL,
    log        text        NOT NULL,
    generation integer     NOT NULL,
    position   bigint      NOT NULL,
    topic      text,
    error      text        NOT NULL,
    since      timestamptz NOT NULL DEFAULT now(),
    attempts   integer     NOT NULL DEFAULT 1,
    retry_at   timestamptz NOT NULL,
    PRIMARY KEY (model, log)
);
-- Upgrade in place: a stall recorded when a model followed one log gets that
-- log from the generation's tracking row (a stall is re-found by the next
-- retry anyway, so one without is dropped). Checked first, so a start-up with
-- nothing to upgrade takes no lock on the table.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns WHERE table_schema = '{SCHEMA}'
        AND table_name = 'stalls' AND column_name = 'log'
    ) THEN
        ALTER TABLE {SCHEMA}.stalls ADD COLUMN log text;
        UPDATE {SCHEMA}.stalls s SET log = t.application FROM {SCHEMA}.tracking t
            WHERE t.model = s.model AND t.generation = s.generation;
        DELETE FROM {SCHEMA}.stalls WHERE log IS NULL;
        ALTER TABLE {SCHEMA}.stalls ALTER COLUMN log SET NOT NULL,
            DROP CONSTRAINT stalls_pkey, ADD PRIMARY KEY (model, log);
    END IF;
END $$;
"""
# The live follower's retry of a stalled model: 0.5 s, 1 s, 2 s, … at most 30 s
# (a stall is a bug or bad data: retrying faster only fills the log). After a
# lost connection it tries again sooner: reconnecting is cheap, and every
# second away is lag.
STALL_RETRY = (0.5, 30.0)
RECONNECT_RETRY = (0.25, 2.0)
CONNECT_TIMEOUT_S = 5

Cursor = psycopg.Cursor[Any]
Fault = Callable[[str], None]


class ReadModelMissingError(LookupError):
    """A query reached a read model no projector has created yet."""


class BatchFailedError(Exception):
    """Applying the notifications `first`..`last` of `log` to a model failed;
    the cause is chained. `topic` is the topic of the first of them."""

    def __init__(self, model: str, log: str, first: int, last: int, topic: str) -> None:
        where = f"position {first}" if first == last else f"positions {first}-{last}"
        super().__init__(f"{model}: cannot apply the event at {log} {where} ({topic})")
        self.model = model
        self.log = log
        self.first = first
        self.last = last
        self.topic = topic

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def backoff(attempt: int, bounds: tuple[float, float]) -> float:
    """The delay before retry `attempt` (1, 2, …): doubling from the first
    bound, never beyond the second."""
    initial, maximum = bounds
    return float(min(initial * 2 ** min(attempt - 1, 30), maximum))


@dataclass(frozen=True)
class Stall:
    """A model that cannot apply the event at `position` of `log`, since `since`."""

    model: str
    log: str
    position: int
    topic: str | None
    error: str
    since: datetime
    attempts: int
    retry_at: datetime


@dataclass(frozen=True)
class ModelStatus:
    """How far a model has read one of its logs, and whether it is stuck there."""

    model: str
    log: str
    position: int
    head: int
    stall: Stall | None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


@dataclass(frozen=True)
class Tables:
    """The table names of one generation of one model: `applications_g3_deadlines`."""

    model: str
    generation: int

    def __call__(self, part: str = "") -> sql.Composed:
        name = f"{self.model}_g{self.generation}" + (f"_{part}" if part else "")
        return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))


# `logs = EVERY_LOG`: every log the projector is given (an audit index, a ledger).
EVERY_LOG: Final[tuple[str, ...]] = ("*",)


class BaseReadModel(ABC):
    """What every read model declares: its name, version, logs and tables."""

    name: ClassVar[str]
    # Bump when the fold or the tables change: a running projector then builds
    # a new generation side by side and switches over (no migration scripts).
    version: ClassVar[int]
    # The logs it follows, by application name (or EVERY_LOG).
    logs: ClassVar[tuple[str, ...]]

    @abstractmethod
    def create_tables(self, cur: Cursor, tables: Tables) -> None: ...

    def create_tables_to_fill(self, cur: Cursor, tables: Tables) -> None:
        """The tables of a generation a rebuild is about to fill: by default
        as `create_tables` makes them. A model may leave out the indexes only
        its queries use, which the rebuild then creates once it has caught up
        (`create_query_indexes`): building an index once is far cheaper than
        keeping it up to date row by row (a fifth of a rebuild at 1M events).
        The fold itself may rely on the primary keys only."""
        self.create_tables(cur, tables)

    def create_query_indexes(self, cur: Cursor, tables: Tables) -> None:  # noqa: B027
        """The indexes `create_tables_to_fill` left out (none by default)."""


class ReadModel(BaseReadModel):
    """A view of domain events, folded into its own tables."""

    @property
    @abstractmethod
    def topics(self) -> frozenset[str] | None:
        """Topics of the events it folds; others are skipped without decoding.
        None: every topic (an audit index)."""

    @abstractmethod
    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        """Fold a batch of events of one log (in log order) into the tables."""


class RawReadModel(BaseReadModel):
    """A view of the stored events as stored: nothing is decoded (or decrypted)."""

    # Topics it reads, or None for every topic.
    topics: ClassVar[frozenset[str] | None] = None

    @abstractmethod
    def apply(
        self, cur: Cursor, tables: Tables, records: Sequence[StoredRecord]
    ) -> None:
        """Fold a batch of stored events of one log (in log order) into the tables."""


AnyReadModel = ReadModel | RawReadModel


class Positioned(NamedTuple):
    """A domain event with its place: the log it is in and its position there.

    A named tuple: a rebuild makes a million of them, and a frozen dataclass
    takes several times as long to make."""

    log: str
    position: int
    event: DomainEventProtocol[Any]


@dataclass(frozen=True)
class StoredRecord:
    """A stored event exactly as its events table holds it, with its place:
    the log it is in and its position there."""

    log: str
    position: int
    topic: str
    originator_id: UUID | str
    originator_version: int
    state: bytes  # as stored: encrypted and compressed when so configured


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


def logs_of(model: BaseReadModel, known: Iterable[str]) -> tuple[str, ...]:
    """The logs a model follows, among the `known` ones (EVERY_LOG resolved)."""
    known = tuple(known)
    if model.logs == EVERY_LOG:
        return known
    unknown = [log for log in model.logs if log not in known]
    if unknown or not model.logs:
        msg = (
            f"read model {model.name!r} follows {', '.join(unknown) or 'no log'};"
            f" the logs given are: {', '.join(known) or 'none'}"
        )
        raise LookupError(msg)
    return model.logs


def followers(
    models: Iterable[BaseReadModel], known: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Log name → the models that follow it, for every known log."""
    known = tuple(known)
    found: dict[str, list[str]] = {log: [] for log in known}
    for model in models:
        for log in logs_of(model, known):
            found[log].append(model.name)
    return {log: tuple(names) for log, names in found.items()}


def lock_key(model: str) -> int:
    """A stable 63-bit advisory lock key per model name."""
    return (
        int.from_bytes(hashlib.sha256(f"casetrace:read:{model}".encode()).digest()[:8])
        >> 1
    )


def ensure_runtime(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(RUNTIME_TABLES)


def active_generation(cur: Cursor, model: str) -> tuple[int, int] | None:
    """(generation, model_version) of the model's active generation."""
    cur.execute(
        f"SELECT generation, model_version FROM {SCHEMA}.generations"
        " WHERE model = %s AND state = 'active'",
        (model,),
    )
    row = cur.fetchone()
    return (row[0], row[1]) if row else None


def active_tables(conn: psycopg.Connection[Any], model: str) -> Tables:
    with conn.cursor() as cur:
        found = active_generation(cur, model)
    if found is None:
        msg = f"read model {model!r} has not been built yet; is `casetrace project` running?"
        raise ReadModelMissingError(msg)
    return Tables(model, found[0])


def position(conn: psycopg.Connection[Any], model: str, log: str | None = None) -> int:
    """How far the active generation of a model has read `log` (0 if not at
    all); without a log, the one log the model follows."""
    rows = conn.execute(
        f"SELECT t.application, t.position FROM {SCHEMA}.tracking t"
        f" JOIN {SCHEMA}.generations g USING (model, generation)"
        " WHERE t.model = %s AND g.state = 'active'"
        " AND (%s::text IS NULL OR t.application = %s)",
        (model, log, log),
    ).fetchall()
    if log is None and len(rows) > 1:
        names = ", ".join(sorted(r[0] for r in rows))
        msg = f"read model {model!r} follows several logs ({names}): name one"
        raise ValueError(msg)
    return int(rows[0][1]) if rows else 0


def stall_of(
    conn: psycopg.Connection[Any], model: str, log: str | None = None
) -> Stall | None:
    """The model's stall on `log` (without a log: on any, the earliest)."""
    row = conn.execute(
        "SELECT model, log, position, topic, error, since, attempts, retry_at"
        f" FROM {SCHEMA}.stalls WHERE model = %s"
        " AND (%s::text IS NULL OR log = %s) ORDER BY since, log LIMIT 1",
        (model, log, log),
    ).fetchone()
    return Stall(*row) if row else None


def head(conn: psycopg.Connection[Any], app: Application[Any]) -> int:
    """The last position of an application's notification log."""
    row = conn.execute(
        sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(
            events_table(app)
        )
    ).fetchone()
    return int(row[0]) if row else 0


def model_status(
    conn: psycopg.Connection[Any], model: str, log: str, head: int
) -> ModelStatus:
    return ModelStatus(
        model, log, position(conn, model, log), head, stall_of(conn, model, log)
    )


def statuses(
    conn: psycopg.Connection[Any],
    applications: Mapping[str, Application[Any]],
    models: Iterable[BaseReadModel],
) -> list[ModelStatus]:
    """Each model's position, head and stall on each log it follows."""
    heads: dict[str, int] = {}
    found = []
    for model in models:
        for log in logs_of(model, applications):
            if log not in heads:
                heads[log] = head(conn, applications[log])
            found.append(model_status(conn, model.name, log, heads[log]))
    return found


def caught_up(
    conn: psycopg.Connection[Any],
    models: Iterable[str],
    target: int,
    log: str | None = None,
) -> bool:
    """Whether every model has read `log` (each one's only log, if none is
    named) up to target."""
    return all(position(conn, m, log) >= target for m in models)


def wait_until(
    done: Callable[[], bool], timeout: float, interval: float = 0.005
) -> bool:
    """Poll `done` (bounded, backing off to 50 ms) until it holds or time is up."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
        interval = min(interval * 2, 0.05)
    return True


def wait_for(
    conn: psycopg.Connection[Any],
    models: Iterable[str],
    target: int,
    timeout: float,
    interval: float = 0.005,
    *,
    log: str | None = None,
) -> bool:
    """Read-your-writes: wait (bounded) until every model has read `log` (each
    one's only log, if none is named) up to target."""
    models = list(models)
    return wait_until(lambda: caught_up(conn, models, target, log), timeout, interval)


def logs_caught_up(conn: psycopg.Connection[Any], targets: Mapping[str, int]) -> bool:
    """Whether every model being followed (an active generation) has read each
    log up to its target: the models are those the database knows to follow
    it, for a process that runs no projector and knows no model list (the
    clock). A log no model follows has nothing to wait for."""
    for log, target in targets.items():
        row = conn.execute(
            f"SELECT min(t.position) FROM {SCHEMA}.tracking t"
            f" JOIN {SCHEMA}.generations g USING (model, generation)"
            " WHERE g.state = 'active' AND t.application = %s",
            (log,),
        ).fetchone()
        if row is not None and row[0] is not None and row[0] < target:
            return False
    return True


def wait_for_logs(
    conn: psycopg.Connection[Any], targets: Mapping[str, int], timeout: float
) -> bool:
    """Wait (bounded) until `logs_caught_up(conn, targets)`."""
    return wait_until(lambda: logs_caught_up(conn, targets), timeout)


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """Young collections at REBUILD_GC_THRESHOLD (or the process's, if it is
    rarer) while in the block; the process's thresholds again after it."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], REBUILD_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def settle_gc() -> None:
    """A projector process, once started: its start-up heap (modules, schemas,
    the catalogue) is moved out of the collector's sight for good
    (`gc.freeze`), so a full collection no longer walks it (~35 ms each on this
    machine), and young collections run at GC_THRESHOLD."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _track(cur: Cursor, model: str, generation: int, logs: Iterable[str]) -> None:
    """Start following any of `logs` the generation does not follow yet, from
    the beginning (a model that starts to follow a new log — EVERY_LOG when a
    context is added — reads it from zero; its other logs keep their place)."""
    cur.executemany(
        f"INSERT INTO {SCHEMA}.tracking (model, generation, application, position)"
        " VALUES (%s, %s, %s, 0) ON CONFLICT DO NOTHING",
        [(model, generation, log) for log in logs],
    )


def _new_generation(
    conn: psycopg.Connection[Any], model: BaseReadModel, logs: Iterable[str], state: str
) -> Tables:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(model.name),))
        cur.execute(
            f"SELECT coalesce(max(generation), 0) + 1 FROM {SCHEMA}.generations"
            " WHERE model = %s",
            (model.name,),
        )
        row = cur.fetchone()
        assert row is not None
        tables = Tables(model.name, int(row[0]))
        if state == "building":
            model.create_tables_to_fill(cur, tables)
        else:
            model.create_tables(cur, tables)
        cur.execute(
            f"INSERT INTO {SCHEMA}.generations (model, generation, model_version, state,"
            " activated_at) VALUES (%s, %s, %s, %s,"
            " CASE WHEN %s = 'active' THEN now() END)",
            (model.name, tables.generation, model.version, state, state),
        )
        _track(cur, model.name, tables.generation, logs)
    return tables


def describe_failure(cause: BaseException | None) -> str:
    """What a stall says about its cause: the kind of error and where, never
    the event's values. A ValidationError quotes its input (a person's name,
    phone, address) and any exception's message may carry event text, while
    the stall is logged, kept in `stalls` and shown on the public /readyz."""
    if cause is None:
        return "unknown"
    name = type(cause).__name__
    if isinstance(cause, pydantic.ValidationError):
        where = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['type']}"
            for e in cause.errors(include_input=False, include_url=False)
        )
        return f"{name}: {where}"[:500]
    if isinstance(cause, psycopg.Error) and cause.diag.message_primary:
        # The server's primary message names the rule, not the row's values
        # (those are in DETAIL, left out).
        return f"{name}: {cause.diag.message_primary}"[:500]
    return name


class Projector:
    """Feeds read models from their applications' notification logs.

    `applications` maps each log's name to the Application that writes it;
    every log a model follows must be among them.

    Not shared between threads: its connection is used by whichever thread
    drives it (`follow`, `catch_up`, `rebuild`). `status()` alone may be asked
    from any thread while another follows (it reads on a connection of its own)."""

    def __init__(
        self,
        url: str,
        applications: Mapping[str, Application[Any]],
        models: Sequence[AnyReadModel],
        *,
        fault: Fault | None = None,
        stall_retry: tuple[float, float] = STALL_RETRY,
        reconnect_retry: tuple[float, float] = RECONNECT_RETRY,
    ) -> None:
        self.url = url
        self.applications = applications
        self.models = {m.name: m for m in models}
        # Resolved once: an unknown log is an error now, not at the first batch.
        self.logs = {m.name: logs_of(m, applications) for m in models}
        self.fault = fault  # tests inject crashes at named points
        self.stall_retry = stall_retry
        self.reconnect_retry = reconnect_retry
        # This follower's stalls, by (model, log).
        self.stalls: dict[tuple[str, str], Stall] = {}
        self.reconnects = 0  # failed attempts since the database went away
        self.conn = self._connect()
        ensure_runtime(self.conn)

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)

    def close(self) -> None:
        self.conn.close()

    def reconnect(self) -> None:
        """After a failure the connection may be dead; the next batch starts
        from the tracking position, so nothing is lost by starting afresh."""
        self.conn.close()
        self.conn = self._connect()

    def model(self, name: str) -> AnyReadModel:
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models))
            msg = f"no read model named {name!r} (known: {known})"
            raise LookupError(msg) from None

    # -- set-up --------------------------------------------------------------------

    def ensure(self, model: AnyReadModel) -> bool:
        """Create the first generation if none is active (or start following a
        log the active one does not follow yet); True if the active one was
        built by an older version of the model (it needs a rebuild)."""
        logs = self.logs[model.name]
        with self.conn.transaction(), self.conn.cursor() as cur:
            # Checked and created under the model's lock, so two projectors
            # starting together cannot both create one.
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(model.name),))
            found = active_generation(cur, model.name)
            if found is None:
                _new_generation(self.conn, model, logs, "active")  # a savepoint here
                return False
            _track(cur, model.name, found[0], logs)
        # Only a newer model rebuilds: during a rolling upgrade an old process
        # must not rebuild back over the new generation.
        return found[1] < model.version

    # -- one batch -------------------------------------------------------------------

    def step(
        self,
        model: AnyReadModel,
        generation: int | None = None,
        limit: int = LIVE_BATCH,
        log: str | None = None,
        *,
        durable: bool = True,
    ) -> int:
        """Apply the next batch of one log (the model's only log, if not named)
        to the active (or a given) generation; how many notifications were read
        (0 when caught up). `durable=False` commits without waiting for the
        WAL flush (a rebuild's batches: see `rebuild`)."""
        log = log if log is not None else self._only_log(model)
        with self.conn.transaction(), self.conn.cursor() as cur:
            if not durable:
                cur.execute("SET LOCAL synchronous_commit TO off")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(model.name),))
            if generation is None:
                found = active_generation(cur, model.name)
                if found is None:
                    return 0
                generation = found[0]
            return self._advance(cur, model, Tables(model.name, generation), log, limit)

    def _only_log(self, model: AnyReadModel) -> str:
        logs = self.logs[model.name]
        if len(logs) != 1:
            msg = f"read model {model.name!r} follows {', '.join(logs)}: name the log"
            raise ValueError(msg)
        return logs[0]

    def _advance(
        self,
        cur: Cursor,
        model: AnyReadModel,
        tables: Tables,
        log: str,
        limit: int,
        *,
        faults: bool = True,
    ) -> int:
        """One batch of `log` inside the caller's transaction, which holds the
        model's lock: that log's position alone moves."""
        app = self.applications[log]
        key = (model.name, tables.generation, log)
        cur.execute(
            f"SELECT position FROM {SCHEMA}.tracking WHERE model = %s"
            " AND generation = %s AND application = %s FOR UPDATE",
            key,
        )
        row = cur.fetchone()
        if row is None:
            msg = (
                f"no tracking for {model.name} generation {tables.generation} on {log}"
            )
            raise LookupError(msg)
        records = _read(cur, app, int(row[0]), limit, whole=self._whole(model, log))
        if not records:
            return 0
        try:
            self._apply(cur, model, tables, log, records)
        except Exception as exc:
            first, last = records[0], records[-1]
            raise BatchFailedError(
                model.name, log, first[0], last[0], first[1]
            ) from exc
        if faults:
            self._at("rows-written")
        cur.execute(
            f"UPDATE {SCHEMA}.tracking SET position = %s WHERE model = %s"
            " AND generation = %s AND application = %s",
            (records[-1][0], *key),
        )
        if faults:
            self._at("before-commit")
        return len(records)

    def _whole(self, model: AnyReadModel, log: str) -> bool:
        """Whether a batch needs each record's originator (a raw model, or a
        mapper that decodes stored events whole)."""
        return isinstance(model, RawReadModel) or not isinstance(
            self.applications[log].mapper, PydanticMapper
        )

    def _apply(
        self,
        cur: Cursor,
        model: AnyReadModel,
        tables: Tables,
        log: str,
        records: Sequence[Record],
    ) -> None:
        """Hand the model the records of its topics (filtered before any
        decoding): decoded events, or the stored records as they are."""
        topics = model.topics
        wanted = [r for r in records if topics is None or r[1] in topics]
        if isinstance(model, RawReadModel):
            model.apply(cur, tables, [_stored(log, r) for r in wanted])
            return
        mapper = self.applications[log].mapper
        if isinstance(mapper, PydanticMapper):
            # Read as recorded: the events were validated when they were written.
            read = mapper.read_recorded
            events = [Positioned(log, r[0], read(r[1], r[2])) for r in wanted]
        else:
            events = [
                Positioned(log, r[0], mapper.to_domain_event(_notification(r)))
                for r in wanted
            ]
        model.apply(cur, tables, events)

    def _at(self, point: str) -> None:
        if self.fault is not None:
            self.fault(point)

    # -- following and rebuilding ------------------------------------------------------

    def catch_up(
        self,
        model: AnyReadModel,
        generation: int | None = None,
        *,
        limit: int = LIVE_BATCH,
        progress: Callable[[Progress], None] | None = None,
        durable: bool = True,
    ) -> int:
        """Apply batches until each of the model's logs is exhausted (one log
        after the other); how many notifications were read."""
        head = self._head(model) if progress else 0
        started, done = time.monotonic(), 0
        for log in self.logs[model.name]:
            while count := self.step(model, generation, limit, log, durable=durable):
                done += count
                if progress:
                    elapsed = time.monotonic() - started
                    progress(Progress(done, max(head, done), elapsed))
                if count < limit:
                    break  # a short batch reached the head; don't chase new writes
        return done

    def _head(self, model: AnyReadModel) -> int:
        """The notifications of all the model's logs (their heads, summed)."""
        return sum(
            int(self.applications[log].recorder.max_notification_id() or 0)
            for log in self.logs[model.name]
        )

    def rebuild(
        self, name: str, progress: Callable[[Progress], None] | None = None
    ) -> Tables:
        """Build a new generation from zero beside the active one, then switch reads.

        Its batches commit without waiting for the WAL flush: a database crash
        may lose the last of them, rows and tracking together, from a
        generation no one reads yet, and the rebuild fails with it (a rebuild
        never resumes another's generation). The switch is a durable commit."""
        model = self.model(name)
        tables = _new_generation(self.conn, model, self.logs[name], "building")
        with collecting_rarely():
            self.catch_up(
                model,
                tables.generation,
                limit=REBUILD_BATCH,
                progress=progress,
                durable=False,
            )
            self._index_and_analyze(model, tables)
            self._activate(model, tables)
        return tables

    def _index_and_analyze(self, model: AnyReadModel, tables: Tables) -> None:
        """The query indexes a rebuild left out, and the planner's statistics:
        a generation that goes live before autovacuum has analysed it would
        be planned blind (the index filtered by status: 19 ms, not 0.5 ms).
        Outside the model's lock: no one else writes a building generation."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            model.create_query_indexes(cur, tables)
            for table in self._tables_of(cur, tables):
                cur.execute(sql.SQL("ANALYZE {}").format(table))

    def _activate(self, model: AnyReadModel, tables: Tables) -> None:
        """Switch reads over once the new generation has caught up, atomically:
        the last events of each log (written since the catch-up) are applied
        under the model's lock in the switching transaction."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(model.name),))
            # Fault points are those of ordinary batches (the switch is one
            # transaction: a crash in it leaves the old generation live).
            for name in self.logs[model.name]:
                while (
                    self._advance(cur, model, tables, name, REBUILD_BATCH, faults=False)
                    == REBUILD_BATCH
                ):
                    pass
            cur.execute(
                f"UPDATE {SCHEMA}.generations SET state = 'retired'"
                " WHERE model = %s AND state = 'active'",
                (model.name,),
            )
            cur.execute(
                f"UPDATE {SCHEMA}.generations SET state = 'active', activated_at = now()"
                " WHERE model = %s AND generation = %s",
                (model.name, tables.generation),
            )
        self._drop_old_generations(model)
        log.info(
            "read model switched",
            extra={"model": model.name, "generation": tables.generation},
        )

    def _drop_old_generations(self, model: AnyReadModel) -> None:
        """Keep the generation just retired (in-flight queries, a way back); drop
        older retired ones. A generation still building is never dropped here:
        it may be another process's rebuild in progress."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                f"SELECT generation FROM {SCHEMA}.generations WHERE model = %s"
                " AND state = 'retired' ORDER BY generation DESC OFFSET 1",
                (model.name,),
            )
            for (generation,) in cur.fetchall():
                model_tables = Tables(model.name, generation)
                for table in self._tables_of(cur, model_tables):
                    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
                cur.execute(
                    f"DELETE FROM {SCHEMA}.tracking WHERE model = %s AND generation = %s",
                    (model.name, generation),
                )
                cur.execute(
                    f"DELETE FROM {SCHEMA}.generations WHERE model = %s AND generation = %s",
                    (model.name, generation),
                )

    @staticmethod
    def _tables_of(cur: Cursor, tables: Tables) -> list[sql.Composed]:
        prefix = f"{tables.model}_g{tables.generation}"
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s"
            " AND (tablename = %s OR tablename LIKE %s)",
            (SCHEMA, prefix, prefix.replace("_", r"\_") + r"\_%"),
        )
        return [
            sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))
            for (name,) in cur.fetchall()
        ]

    def prepare(self) -> None:
        """Create missing models; rebuild, side by side, those an upgrade changed."""
        for model in self.models.values():
            if self.ensure(model):
                log.info("read model is stale: rebuilding", extra={"model": model.name})
                self.rebuild(model.name)

    # -- the live follower ---------------------------------------------------------

    def feed(self, model: AnyReadModel) -> None:
        """Catch one model up on each of its logs in turn."""
        for log in self.logs[model.name]:
            self._feed(model, log)

    def _feed(self, model: AnyReadModel, log: str) -> None:
        """Catch a model up on one log. An event it cannot apply stalls this
        model on this log only: the batch is retried one event at a time up to
        the bad one (so the events before it are applied), which is then
        retried with backoff."""
        stall = self.stalls.get((model.name, log))
        if stall is not None and datetime.now(UTC) < stall.retry_at:
            return
        one_by_one = 1 if stall is not None else 0
        while True:
            limit = 1 if one_by_one else LIVE_BATCH
            try:
                count = self.step(model, limit=limit, log=log)
            except BatchFailedError as failure:
                self._raise_if_disconnected(failure)
                if failure.size > 1:
                    one_by_one = failure.size
                    continue
                self._stall(failure)
                return
            if (model.name, log) in self.stalls:
                self._resume(model.name, log)
            one_by_one = max(one_by_one - 1, 0)
            if count < limit:
                return

    def _raise_if_disconnected(self, failure: BatchFailedError) -> None:
        """A batch that failed because the database went away is no stall."""
        try:
            self.conn.execute("SELECT 1")
            self.conn.rollback()
        except psycopg.Error as exc:
            raise exc from failure

    def _stall(self, failure: BatchFailedError) -> None:
        # No traceback in the log: its message would quote the event's values.
        key = (failure.model, failure.log)
        before = self.stalls.get(key)
        again = before is not None and before.position == failure.first
        attempts = before.attempts + 1 if before is not None and again else 1
        now = datetime.now(UTC)
        delay = backoff(attempts, self.stall_retry)
        cause = failure.__cause__
        stall = Stall(
            model=failure.model,
            log=failure.log,
            position=failure.first,
            topic=failure.topic,
            error=describe_failure(cause),
            since=before.since if before is not None and again else now,
            attempts=attempts,
            retry_at=now + timedelta(seconds=delay),
        )
        self.stalls[key] = stall
        log.error(
            "read model stalled",
            extra={
                "model": stall.model,
                "log": stall.log,
                "position": stall.position,
                "topic": stall.topic,
                "error": stall.error,
                "attempts": attempts,
                "retry_in_s": delay,
            },
        )
        self._record_stall(stall)

    def _record_stall(self, stall: Stall) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            found = active_generation(cur, stall.model)
            generation = found[0] if found else 0
            cur.execute(
                f"INSERT INTO {SCHEMA}.stalls (model, log, generation, position, topic,"
                " error, since, attempts, retry_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (model, log) DO UPDATE SET"
                " generation = excluded.generation,"
                " position = excluded.position, topic = excluded.topic,"
                " error = excluded.error, since = excluded.since,"
                " attempts = excluded.attempts, retry_at = excluded.retry_at",
                (
                    stall.model,
                    stall.log,
                    generation,
                    stall.position,
                    stall.topic,
                    stall.error,
                    stall.since,
                    stall.attempts,
                    stall.retry_at,
                ),
            )

    def _resume(self, model: str, log_name: str) -> None:
        stall = self.stalls.pop((model, log_name))
        with self.conn.transaction():
            self.conn.execute(
                f"DELETE FROM {SCHEMA}.stalls WHERE model = %s AND log = %s",
                (model, log_name),
            )
        log.info(
            "read model resumed",
            extra={
                "model": model,
                "log": log_name,
                "position": stall.position,
                "stalled_s": round(
                    (datetime.now(UTC) - stall.since).total_seconds(), 1
                ),
            },
        )

    def _adopt_recorded_stalls(self) -> None:
        """A stall recorded before (by this follower before a reconnect, or by
        one that has stopped) is retried now, one event at a time, and its
        record removed once the model moves on."""
        with self.conn.transaction():
            rows = self.conn.execute(
                "SELECT model, log, position, topic, error, since, attempts, retry_at"
                f" FROM {SCHEMA}.stalls WHERE model = ANY(%s)",
                (list(self.models),),
            ).fetchall()
        for row in rows:
            stall = Stall(*row)
            if stall.log in self.logs[stall.model]:
                key = (stall.model, stall.log)
                self.stalls[key] = replace(stall, retry_at=datetime.now(UTC))

    def _next_retry_in(self) -> float:
        if not self.stalls:
            return float("inf")
        soonest = min(s.retry_at for s in self.stalls.values())
        return max((soonest - datetime.now(UTC)).total_seconds(), 0.0)

    def status(self) -> list[ModelStatus]:
        """Every model's position on each of its logs, the log's head, and its
        stall there if any.

        Read on a connection of its own, in one read-only snapshot: `self.conn`
        belongs to the thread that drives the projector (`follow`), and a
        transaction opened on it from another thread nests inside, or closes,
        the follower's batch (psycopg's OutOfOrderTransactionNesting; the
        follower then takes it for a lost database and reconnects)."""
        with psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                return statuses(conn, self.applications, self.models.values())

    def follow(self, stop: threading.Event, idle_wait: float = 1.0) -> None:
        """Catch up, then wake on every new event (LISTEN/NOTIFY) until stopped.

        When the database goes away (a restart, a failover, a killed backend)
        the follower reconnects by itself, with a short bounded backoff, and
        carries on from the tracking positions."""
        while not stop.is_set():
            try:
                self._follow(stop, idle_wait)
            except (psycopg.Error, PersistenceError) as exc:
                self.reconnects += 1
                delay = backoff(self.reconnects, self.reconnect_retry)
                log.error(
                    "projector lost the database; reconnecting",
                    extra={
                        "error": f"{type(exc).__name__}: {exc}",
                        "attempts": self.reconnects,
                        "retry_in_s": delay,
                    },
                )
                if stop.wait(delay):
                    return
                try:
                    self.reconnect()
                except psycopg.Error:
                    continue  # still away; the next pass waits a little longer

    def _follow(self, stop: threading.Event, idle_wait: float) -> None:
        self.prepare()
        self._adopt_recorded_stalls()
        channels = {name: _channel(app) for name, app in self.applications.items()}
        with psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        ) as listener:
            for channel in set(channels.values()):
                listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            if self.reconnects:
                log.info("projector reconnected", extra={"attempts": self.reconnects})
                self.reconnects = 0
            while not stop.is_set():
                for model in self.models.values():
                    self.feed(model)
                # Any notification means "look again"; the timeout bounds the
                # wait for events from a writer that could not NOTIFY, and for
                # a stalled model's next retry.
                wait = min(idle_wait, self._next_retry_in())
                for _ in listener.notifies(timeout=wait, stop_after=1):
                    pass


# A stored event as a batch reads it: position, topic, state and, when the
# batch needs them (`whole`), originator id and version.
Record = tuple[Any, ...]


def _read(
    cur: Cursor, app: Application[Any], after: int, limit: int, *, whole: bool
) -> list[Record]:
    """The next stored events of an application's log after `after`, read in
    the batch's own transaction: binary rows (the state as it is stored, not
    hex-escaped) and only the columns the batch needs, several times cheaper
    than the library's `select_notifications`."""
    columns = "notification_id, topic, state"
    if whole:
        columns += ", originator_id, originator_version"
    cur.execute(
        sql.SQL(
            "SELECT {} FROM {} WHERE notification_id > %s"
            " ORDER BY notification_id LIMIT %s"
        ).format(sql.SQL(columns), events_table(app)),
        (after, limit),
        binary=True,
    )
    return cur.fetchall()


def _stored(log: str, record: Record) -> StoredRecord:
    position, topic, state, originator_id, originator_version = record
    return StoredRecord(log, position, topic, originator_id, originator_version, state)


def _notification(record: Record) -> Notification:
    position, topic, state, originator_id, originator_version = record
    return Notification(
        id=position,
        originator_id=originator_id,
        originator_version=originator_version,
        topic=topic,
        state=state,
    )


def events_table(app: Application[Any]) -> sql.Composable:
    """The schema-qualified name of an application's events table."""
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    return sql.Identifier(recorder.datastore.schema, recorder.events_table_name)


def _channel(app: Application[Any]) -> str:
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    return recorder.channel_name


def run_in_thread(projector: Projector) -> tuple[threading.Thread, threading.Event]:
    """`casetrace serve`'s in-process projector (the production layout runs
    `casetrace project` instead)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                projector.follow(stop)
            except Exception:  # keep serving; the next pass starts from tracking
                log.exception("projector failed; retrying")
                stop.wait(1.0)
                try:
                    projector.reconnect()
                except psycopg.Error:
                    log.exception("projector cannot reconnect yet")

    thread = threading.Thread(target=loop, name="casetrace-projector", daemon=True)
    thread.start()
    return thread, stop
