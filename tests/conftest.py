"""Test databases: a throwaway embedded PostgreSQL always, and the server named by
CASETRACE_TEST_DATABASE_URL when set. Each run creates its own uniquely named
database on each server and drops only that database afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from api.host.storage import start_embedded
from projections.licensing.applications import Applications
from projections.runtime import Positioned, Tables

EXTERNAL = os.environ.get("CASETRACE_TEST_DATABASE_URL")
SERVERS = ["embedded", *(["external"] if EXTERNAL else [])]


@pytest.fixture(scope="session")
def embedded_server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # pytest's temporary directories are pruned by pytest itself (it keeps the
    # last few runs); the server's data directory is deleted when it stops.
    return start_embedded(tmp_path_factory.mktemp("embedded-pg"), throwaway=True)


def _server_url(kind: str, request: pytest.FixtureRequest) -> str:
    if kind == "external":
        assert EXTERNAL is not None
        return EXTERNAL
    return str(request.getfixturevalue("embedded_server_url"))


@pytest.fixture(scope="session", params=SERVERS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database of this run on each server; dropped at the end."""
    server = _server_url(request.param, request)
    name = f"casetrace_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(server)
    params["dbname"] = name
    url = make_conninfo(**params)  # type: ignore[arg-type]
    yield url
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    """Another empty database on the same server, dropped afterwards."""
    with another_database(database_url) as url:
        yield url


@contextmanager
def another_database(database_url: str) -> Iterator[str]:
    """An empty database beside `database_url`'s, dropped on leaving (for a
    fixture of any scope)."""
    params = conninfo_to_dict(database_url)
    name = f"{params['dbname']}_{uuid.uuid4().hex[:6]}"
    admin = make_conninfo(**{**params, "dbname": "postgres"})  # type: ignore[arg-type]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(**{**params, "dbname": name})  # type: ignore[arg-type]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PoisonError(Exception):
    """What the applications model raises for a poisoned case's events."""


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Markers: while listed, the applications model cannot apply an event
    whose text contains one (an event a projection cannot apply; then the
    cause removed). Markers, not ids, so a test can poison an event before it
    exists (the projector may apply it as soon as it is stored)."""
    poisoned: set[str] = set()
    apply = Applications.apply

    def failing(
        self: Applications, cur: Any, tables: Tables, events: Sequence[Positioned]
    ) -> None:
        # A copy: the test adds and clears markers while the projector's
        # thread applies (iterating the set itself could raise "Set changed
        # size during iteration", a stall at the wrong event).
        markers = frozenset(poisoned)
        if any(m in str(p.event) for p in events for m in markers):
            raise PoisonError("this event cannot be applied")
        apply(self, cur, tables, events)

    monkeypatch.setattr(Applications, "apply", failing)
    return poisoned
