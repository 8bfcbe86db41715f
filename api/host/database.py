"""The database as a process sees it: bounded waits, fast failure, quick return.

While PostgreSQL is unreachable a request must fail within about 2 s with 503,
and the service must answer again within about 2 s of the database's return,
however long it was away (DESIGN §4). Left alone, three things stand in the way:

- waits: a pooled connection was waited for 30 s, a new one for as long as the
  network let it hang, a statement for ever. Each is bounded here
  (`Timeouts`, from the settings).
- the library's reads retry ten times (`@retry(..., max_attempts=10,
  wait=0.2)` in eventsourcing.postgres), each after its own pool wait. Once
  this process knows the server is away (`Availability`), taking a connection
  from any pool fails at once with `DatabaseUnavailableError`, which those
  retries do not catch.
- psycopg_pool's reconnection backoff doubles without a useful cap (1 s, 2 s,
  … 32 s …), so after a long outage the pools came back up to half a minute
  after the database. It is capped at `RECONNECT_MAX_DELAY_S`, and the pools
  are checked (dead connections replaced) the moment the server answers again.

Whether the server is away is decided by a probe — a fresh connection and
`SELECT 1` — started by any failure that smells of it (a pool timeout, a lost
connection, a statement cancelled) and repeated every `PROBE_INTERVAL_S` while
it fails. A statement timeout on a healthy server therefore costs one probe,
not an outage.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg_pool.pool
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool
from psycopg_pool.base import AttemptWithBackoff

log = logging.getLogger("casetrace.database")

PROBE_INTERVAL_S = 0.25
RECONNECT_MAX_DELAY_S = 0.5
# libpq refuses connect timeouts under 2 s (a smaller value means 2).
MIN_CONNECT_TIMEOUT_S = 2


class DatabaseUnavailableError(PersistenceError):
    """The database server is known to be unreachable: fail now, retry later.

    A PersistenceError, so the projector treats it as a lost connection, but
    not the library's OperationalError, so its read retries let it through."""


# Every exception that means "the database did not answer in time": ours, the
# library's wrappers (raised after its retries) and psycopg's own (PoolTimeout,
# a lost connection, a statement cancelled by statement_timeout or lock_timeout).
UNAVAILABLE: tuple[type[Exception], ...] = (
    DatabaseUnavailableError,
    StoreOperationalError,
    StoreInterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


@dataclass(frozen=True)
class Timeouts:
    """How long anything waits on the database (seconds)."""

    connect: float = 2.0  # a new connection (libpq's connect_timeout)
    pool: float = 1.0  # a connection from a pool
    statement: float = 5.0  # any one statement (statement_timeout)
    lock: int = 5  # a lock, e.g. the events table's insert lock (lock_timeout)

    def connection_kwargs(self) -> dict[str, Any]:
        """psycopg.connect() arguments that apply them to a new connection.

        A server that stops answering without closing the connection (a hung
        host, a network black hole) is noticed too: TCP keepalives probe an
        idle connection, and tcp_user_timeout fails a write the server never
        acknowledges, instead of the kernel's ~15 minutes of retransmissions
        (both ignored on Unix sockets, where the kernel sees the peer go)."""
        return {
            "connect_timeout": max(MIN_CONNECT_TIMEOUT_S, round(self.connect)),
            "options": f"-c statement_timeout={int(self.statement * 1000)}"
            f" -c lock_timeout={self.lock * 1000}",
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": int((self.statement + self.connect) * 1000),
        }


class Availability:
    """Whether one database server answers, as this process last saw it."""

    def __init__(self, conninfo: str, timeouts: Timeouts) -> None:
        self.conninfo = conninfo
        self.timeouts = timeouts
        self.down_since: float | None = None
        self.error: str | None = None
        self._pools: weakref.WeakSet[ConnectionPool[Any]] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._probing = False

    @property
    def available(self) -> bool:
        return self.down_since is None

    def check(self) -> None:
        """Raise at once while the server is known to be away."""
        if self.down_since is not None:
            self.suspect()  # someone must be looking for its return
            msg = f"the database is unreachable ({self.error})"
            raise DatabaseUnavailableError(msg)

    def watch(self, pool: ConnectionPool[Any]) -> None:
        """Refuse to wait on this pool while the server is away; check its
        connections the moment the server answers again."""
        self._pools.add(pool)
        getconn = pool.getconn

        def guarded(timeout: float | None = None) -> Any:
            self.check()
            try:
                return getconn(timeout)
            except psycopg.OperationalError:  # PoolTimeout, a refused connection
                self.suspect()
                raise

        pool.getconn = guarded  # type: ignore[method-assign]

    def suspect(self) -> None:
        """Something failed as if the server were away: probe it (in the
        background; the caller's own error is its answer)."""
        with self._lock:
            if self._probing:
                return
            self._probing = True
        threading.Thread(target=self._probe_until_up, daemon=True).start()

    def _probe_until_up(self) -> None:
        try:
            while (error := self.probe()) is not None:
                if all(pool.closed for pool in list(self._pools)):
                    # Nobody here uses it any more: forget, let the next user find out.
                    self.down_since = self.error = None
                    return
                if self.down_since is None:
                    self.down_since, self.error = time.monotonic(), error
                    log.error("database unreachable", extra={"error": error})
                time.sleep(PROBE_INTERVAL_S)
            self._refresh_pools()
            if self.down_since is not None:
                away = time.monotonic() - self.down_since
                self.down_since = self.error = None
                log.info("database reachable again", extra={"away_s": round(away, 1)})
        finally:
            with self._lock:
                self._probing = False

    def probe(self) -> str | None:
        """None if the server answers `SELECT 1` on a new connection, else why not."""
        try:
            with psycopg.connect(
                self.conninfo,
                autocommit=True,
                **self.timeouts.connection_kwargs(),
            ) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            return f"{type(exc).__name__}: {exc}".strip()
        return None

    def _refresh_pools(self) -> None:
        """Replace the connections the outage killed before anyone takes them."""
        for pool in list(self._pools):
            try:
                pool.check()
            except (psycopg.Error, RuntimeError):  # closed meanwhile
                continue


_servers: dict[tuple[str, ...], Availability] = {}
_servers_lock = threading.Lock()


def availability(conninfo: str, timeouts: Timeouts) -> Availability:
    """The process's one view of the database a connection string names."""
    params = conninfo_to_dict(conninfo)
    defaults = {"port": "5432", "user": "postgres", "dbname": "postgres"}
    key = tuple(
        str(params.get(k) or defaults.get(k, ""))
        for k in ("host", "port", "dbname", "user")
    )
    with _servers_lock:
        found = _servers.get(key)
        if found is None:
            found = _servers[key] = Availability(conninfo, timeouts)
        return found


def open_pool(
    url: str, timeouts: Timeouts, *, name: str, min_size: int, max_size: int
) -> ConnectionPool[psycopg.Connection[Any]]:
    """An autocommit pool of this service's own (read side, API tables)."""
    pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, **timeouts.connection_kwargs()},
        timeout=timeouts.pool,
        check=ConnectionPool.check_connection,  # a dead connection is replaced, not handed out
        open=True,
        name=name,
    )
    availability(url, timeouts).watch(pool)
    return pool


# A connection handed out this recently is not pinged again before use (see
# `check_unless_recent`).
RECENT_S = 1.0
_handed_out: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def check_unless_recent(conn: psycopg.Connection[Any]) -> None:
    """The pool's liveness check (a round trip), skipped for a connection it
    handed out less than RECENT_S ago and got back healthy: a command takes
    two connections, and two pings were a third of its round trips. A
    connection the server dropped within that second fails its first
    statement instead, as it could after any ping; the reads and the insert
    retry on a fresh connection (api/host/recorder.py), and psycopg_pool
    discards the broken one when it comes back."""
    now = time.monotonic()
    last = _handed_out.get(conn)
    _handed_out[conn] = now
    healthy = not conn.closed and conn.info.status == psycopg.pq.ConnStatus.OK
    if last is not None and now - last < RECENT_S and healthy:
        return
    ConnectionPool.check_connection(conn)


def harden_pool(pool: ConnectionPool[Any], url: str, timeouts: Timeouts) -> None:
    """Bound an existing pool's waits and watch it (a pool built elsewhere)."""
    pool.timeout = timeouts.pool
    if pool._check is not None:  # the library's pre-ping (POSTGRES_PRE_PING)
        pool._check = check_unless_recent
    if isinstance(pool.kwargs, dict):
        pool.kwargs.update(timeouts.connection_kwargs())
    availability(url, timeouts).watch(pool)


class Factory(PostgresFactory):
    """The library's PostgreSQL persistence with this service's timeouts: its
    pools wait `Timeouts.pool` for a connection, connect and run statements
    within bounds, and fail at once while the server is known to be away."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        timeouts = Timeouts(
            connect=float(self.env.get("CASETRACE_CONNECT_TIMEOUT") or 2.0),
            pool=float(self.env.get("CASETRACE_POOL_TIMEOUT") or 1.0),
            statement=float(self.env.get("CASETRACE_STATEMENT_TIMEOUT") or 5.0),
            lock=self.datastore.lock_timeout,
        )
        pool = self.datastore.pool  # not opened yet: the library opens it lazily
        # Connections are opened as they are needed, not kept open by the
        # dozen: each context has a pool in each process (API workers, the
        # projector, the clock), and idle ones would use up max_connections.
        pool.resize(1, pool.max_size)
        kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}
        params = {k: v for k, v in kwargs.items() if k != "row_factory"}
        harden_pool(pool, make_conninfo(**params), timeouts)
        # The pool's first connection is a start-up's, not a request's: open
        # it now and wait for it as long as connecting may take, not the 1 s a
        # request waits (a loaded server's first connect was seen to take
        # longer); later requests then never wait on an opening pool.
        pool.open(wait=True, timeout=timeouts.connect + timeouts.pool)


class _CappedBackoff(AttemptWithBackoff):
    """psycopg_pool's reconnection backoff, capped: a pool tries again at least
    every RECONNECT_MAX_DELAY_S, so it is back soon after the server is."""

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, RECONNECT_MAX_DELAY_S)


# The pool module looks the class up when it schedules a reconnection, so this
# applies to every pool in the process (the library's included).
psycopg_pool.pool.AttemptWithBackoff = _CappedBackoff  # type: ignore[attr-defined]
