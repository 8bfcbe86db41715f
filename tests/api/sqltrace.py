"""What SQL a request sends, and how often it waits for the server.

Captured at psycopg's level, so it sees exactly what the library and our code
send: each statement, and each round trip — a point where the client waits
for the server's answer: a statement outside a pipeline (the pool's liveness
check `''` too), a pipeline Sync, or a pipelined result fetched before its
Sync. Pipelined statements ride the round trip that follows them, which is
the point of pipelining.

Only the threads that serve requests are traced (FastAPI runs sync endpoints
and dependencies in AnyIO's worker threads): not the pool's own workers, a
projector or a probe running meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg._pipeline_base import BasePipeline
from psycopg.sql import Composable

WRITES = ("INSERT", "UPDATE", "DELETE", "LOCK", "NOTIFY", "WITH K AS (INSERT")


@dataclass
class RoundTrip:
    """One wait for the server, with the statements it carried."""

    statements: list[str] = field(default_factory=list)
    # Carried a write, or was sent inside a transaction that wrote.
    writes: bool = False

    @property
    def ping(self) -> bool:
        return self.statements == [""]


@dataclass
class Trace:
    round_trips: list[RoundTrip] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [s for rt in self.round_trips for s in rt.statements if s]

    @property
    def reads(self) -> list[RoundTrip]:
        """Round trips that read (neither a liveness check nor in a write)."""
        return [rt for rt in self.round_trips if not rt.writes and not rt.ping]

    @property
    def writes(self) -> list[RoundTrip]:
        return [rt for rt in self.round_trips if rt.writes]

    @property
    def pings(self) -> int:
        return sum(rt.ping for rt in self.round_trips)

    def describe(self) -> str:
        lines = []
        for n, rt in enumerate(self.round_trips, 1):
            kind = "ping" if rt.ping else ("write" if rt.writes else "read")
            shown = "; ".join(_short(s) for s in rt.statements) or "(sync)"
            lines.append(f"{n:2d} {kind:5s} {shown}")
        return "\n".join(lines)


def _short(statement: str) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= 110 else text[:107] + "..."


def _text(query: Any, conn: Any) -> str:
    if isinstance(query, Composable):
        return query.as_string(conn)
    if isinstance(query, bytes):
        return query.decode()
    return str(query)


def serving_requests() -> bool:
    return threading.current_thread().name.startswith("AnyIO worker thread")


class _Tracer:
    """Per connection: the statements queued since its last round trip, and
    whether a transaction that wrote is open on it."""

    def __init__(self) -> None:
        self.trace = Trace()
        self.pending: dict[int, list[str]] = {}
        self.in_write: dict[int, bool] = {}
        self.lock = threading.Lock()

    def statement(self, conn: Any, text: str, pipelined: bool) -> None:
        with self.lock:
            self.pending.setdefault(id(conn), []).append(text.strip())
        if not pipelined:
            self.round_trip(conn)

    def round_trip(self, conn: Any) -> None:
        with self.lock:
            key = id(conn)
            sent = self.pending.pop(key, [])
            was_writing = writing = self.in_write.get(key, False)
            for s in sent:
                upper = s.upper()
                if upper == "BEGIN":
                    writing = False
                writing = writing or upper.startswith(WRITES)
            ends = any(s.upper() in ("COMMIT", "ROLLBACK") for s in sent)
            self.in_write[key] = writing and not ends
            self.trace.round_trips.append(RoundTrip(sent, writing or was_writing))


@contextmanager
def sql_trace(traced: Callable[[], bool] = serving_requests) -> Iterator[Trace]:
    """Trace the SQL the `traced` threads send inside the block."""
    tracer = _Tracer()
    execute = psycopg.Cursor.execute
    exec_command = psycopg.Connection._exec_command
    enqueue_sync = BasePipeline._enqueue_sync
    fetch_early = psycopg.Cursor._fetch_pipeline

    def cursor_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if traced():
            conn = self.connection
            tracer.statement(conn, _text(query, conn), conn._pipeline is not None)
        return execute(self, query, *args, **kwargs)

    def connection_command(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        if traced():
            tracer.statement(self, _text(command, self), self._pipeline is not None)
        return exec_command(self, command, *args, **kwargs)

    def pipeline_sync(self: Any) -> None:
        if traced():
            tracer.round_trip(self._conn)
        enqueue_sync(self)

    def cursor_fetch_early(self: Any) -> None:
        # psycopg flushes and waits for a result fetched before its Sync (the
        # same condition as psycopg's own).
        early = self._execmany_returning is not False and not self.pgresult
        if early and self._conn._pipeline and traced():
            tracer.round_trip(self._conn)
        fetch_early(self)

    psycopg.Cursor.execute = cursor_execute  # type: ignore[method-assign,assignment]
    psycopg.Connection._exec_command = connection_command  # type: ignore[method-assign]
    BasePipeline._enqueue_sync = pipeline_sync  # type: ignore[method-assign]
    psycopg.Cursor._fetch_pipeline = cursor_fetch_early  # type: ignore[method-assign]
    try:
        yield tracer.trace
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        psycopg.Connection._exec_command = exec_command  # type: ignore[method-assign]
        BasePipeline._enqueue_sync = enqueue_sync  # type: ignore[method-assign]
        psycopg.Cursor._fetch_pipeline = fetch_early  # type: ignore[method-assign]
