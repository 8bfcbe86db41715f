"""What one command costs the database: at most one read round trip and one
write transaction (in one round trip), whatever its kind, with or without an
Idempotency-Key; no registry aggregate replayed from the store once its cache
is warm; no snapshot probe for a kind that is never snapshotted; and the
events' transaction waits for the table lock as many seconds as configured
(CASETRACE_LOCK_TIMEOUT, 5 by default), not a thousand times longer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL

from api.host.settings import Settings
from api.host.storage import open_services
from api.http.app import create_app
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from tests.api.conftest import ALL_MATERIALS, COUNTY, ITEM, applicant
from tests.api.helpers import (
    APPLICATIONS,
    LICENCES,
    StaffBook,
    commitment_licence,
    ok,
    post,
)
from tests.api.sqltrace import Trace, sql_trace

CATALOGUE_ITEM = "/v1/licensing/items/XK-JL-XSPZ"
BOOT = Audit(actor=SYSTEM_BOOTSTRAP, request_id="sql-per-command")


def traced(call: Any) -> tuple[httpx.Response, Trace]:
    with sql_trace() as trace:
        response = call()
    return response, trace


def assert_lean(
    trace: Trace, *, snapshots: bool = False, registry_case: bool = False
) -> None:
    """One read round trip at most, one write round trip holding the whole
    transaction, no registry aggregate replayed (but the case, if it is the
    registry's), and no snapshot probe unless the case's kind is snapshotted."""
    shown = trace.describe()
    assert len(trace.reads) <= 1, shown
    (write,) = trace.writes
    assert write.statements[0] == "BEGIN", shown
    assert write.statements[-1] == "COMMIT", shown
    read = [s for rt in trace.reads for s in rt.statements]
    replayed = [s for s in read if "registry_events" in s and "originator_id" in s]
    assert len(replayed) == int(registry_case), shown
    assert snapshots or not any("snapshots" in s for s in trace.statements), shown


def test_a_receipt_reads_once_and_writes_once(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    body = {"item_code": ITEM, "applicant": applicant(901), "materials": ALL_MATERIALS}
    ok(post(client, APPLICATIONS, clerk, body), 201)  # the registry's cache warm

    response, trace = traced(lambda: post(client, APPLICATIONS, clerk, body))

    ok(response, 201)
    assert_lean(trace)
    # The applicant's record (and the directory entry) once, with the
    # registry's head, in the one read.
    (read,) = trace.reads
    assert sum("licensing_events" in s for s in read.statements) == 1, trace.describe()


def test_a_command_on_an_application_reads_once_and_writes_once(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    body = {"item_code": ITEM, "applicant": applicant(902), "materials": ALL_MATERIALS}
    case = ok(post(client, APPLICATIONS, clerk, body), 201)

    response, trace = traced(
        lambda: post(client, f"{APPLICATIONS}/{case['id']}/accept", clerk)
    )

    ok(response)
    assert_lean(trace)


def test_a_keyed_command_costs_no_more_than_an_unkeyed_one(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    body = {"item_code": ITEM, "applicant": applicant(903), "materials": ALL_MATERIALS}
    case = ok(post(client, APPLICATIONS, clerk, body), 201)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    accept = f"{APPLICATIONS}/{case['id']}/accept"

    response, trace = traced(lambda: post(client, accept, clerk, None, **key))

    first = ok(response)
    assert_lean(trace)
    (write,) = trace.writes
    assert any("command_keys" in s for s in write.statements), trace.describe()
    # …and the key was recorded: the retry is answered with the first response.
    again = ok(post(client, accept, clerk, None, **key))
    assert again["version"] == first["version"]


def test_a_command_on_a_licence_reads_its_snapshot_and_events_in_one_statement(
    client: TestClient, staff: StaffBook
) -> None:
    licence = commitment_licence(client, staff, seed=904)
    clerk = staff[(Role.CLERK, COUNTY)]

    response, trace = traced(
        lambda: post(
            client,
            f"{LICENCES}/{licence['id']}/reissue-certificate",
            clerk,
            {"cause": "lost"},
        )
    )

    ok(response)
    assert_lean(trace, snapshots=True)
    (read,) = trace.reads
    assert any("licensing_snapshots" in s for s in read.statements)


@pytest.fixture
def own_catalogue(fresh_database: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A private database, so revising the catalogue disturbs no other test."""
    services = open_services(Settings(), url=fresh_database)
    services.registry.enrol_staff(
        "SQL-admin", "admin", "32", frozenset({Role.ADMIN}), BOOT
    )
    secret, _ = services.registry.issue_token("SQL-admin", "t", BOOT)
    with TestClient(create_app(Settings(), services)) as client:
        yield client, {"Authorization": f"Bearer {secret}"}
    services.close()


def test_a_catalogue_command_reads_once_and_writes_once(
    own_catalogue: tuple[TestClient, dict[str, str]],
) -> None:
    client, admin = own_catalogue
    terms = client.get(CATALOGUE_ITEM).json()
    nowhere = f"{APPLICATIONS}/{uuid.uuid4()}"
    assert client.get(nowhere, headers=admin).status_code == 404  # cache warm

    response, trace = traced(
        lambda: client.post(
            f"{CATALOGUE_ITEM}/revise",
            json={"terms": {**terms, "fee_fen": 7}, "reason": "收费标准调整"},
            headers=admin,
        )
    )

    ok(response)
    assert_lean(trace, snapshots=True, registry_case=True)


@pytest.mark.parametrize(("configured", "seen"), [(None, "5s"), ("2", "2s")])
def test_the_events_transaction_waits_for_the_table_lock_the_seconds_configured(
    fresh_database: str,
    configured: str | None,
    seen: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CASETRACE_LOCK_TIMEOUT is seconds, and so is the library's setting:
    # 5000 would be 83 minutes.
    environ = {"CASETRACE_LOCK_TIMEOUT": configured} if configured else {}
    services = open_services(Settings.from_env(environ), url=fresh_database)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE lock_timeout_seen (setting text)")
    recorder: Any = services.registry.recorder
    record = SQL("INSERT INTO lock_timeout_seen SELECT current_setting('lock_timeout')")
    # Right after the table lock, inside the events' own transaction.
    statements = [*recorder.lock_table_statements, record]
    monkeypatch.setattr(recorder, "lock_table_statements", statements)

    services.registry.establish_unit("3299", "测试局", BOOT)

    services.close()
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        rows = conn.execute("SELECT setting FROM lock_timeout_seen").fetchall()
    assert rows == [(seen,)]
