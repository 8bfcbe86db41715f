"""One request, one effect when the answer to the event store's COMMIT is lost.

The service talks to PostgreSQL through a proxy that lets a COMMIT through
and drops its answer: the transaction committed, the service cannot know it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from tests.api.conftest import ALL_MATERIALS, COUNTY, ITEM, Staff, applicant
from tests.api.helpers import APPLICATIONS, ok, post
from tests.faultproxy import FaultProxy, for_database, via


@pytest.fixture
def proxy(database_url: str) -> Iterator[FaultProxy]:
    proxy = for_database(database_url)
    yield proxy
    proxy.close()


@pytest.fixture
def faulty(
    proxy: FaultProxy,
    database_url: str,
    clock: FixedClock,
    staff: dict[tuple[Role, str], Staff],
) -> Iterator[tuple[TestClient, Services]]:
    services = open_services(Settings(), clock=clock, url=via(database_url, proxy))
    app = create_app(Settings(), services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, services
    services.close()


def events_of(database_url: str, case_id: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT topic FROM licensing_events WHERE originator_id = %s"
            " ORDER BY originator_version",
            (case_id,),
        ).fetchall()
    return [topic.rsplit(".", 1)[-1] for (topic,) in rows]


def cases_of(database_url: str, name: str) -> int:
    """Applications received for an applicant name (unique per test)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM licensing_events WHERE topic LIKE %s"
            " AND convert_from(state, 'UTF8') LIKE %s",
            ("%LicenceApplication.Received", f"%{name}%"),
        ).fetchone()
    assert row is not None
    return int(row[0])


def receive_body(name: str) -> dict[str, Any]:
    return {
        "item_code": ITEM,
        "applicant": applicant(7, name=name),
        "materials": ALL_MATERIALS,
    }


def test_a_lost_commit_answer_on_receipt_files_one_case_and_answers_201(
    faulty: tuple[TestClient, Services],
    proxy: FaultProxy,
    database_url: str,
    staff: dict[tuple[Role, str], Staff],
) -> None:
    client, services = faulty
    clerk = staff[(Role.CLERK, COUNTY)]
    name = f"丢失提交测试{uuid.uuid4().hex[:8]}有限公司"
    proxy.arm("drop_commit_answer")

    response = post(client, APPLICATIONS, clerk, receive_body(name))

    assert proxy.fired.is_set()
    body = ok(response, 201)
    assert cases_of(database_url, name) == 1
    # The query code the applicant was given opens the case that was filed.
    found = services.licensing.find_by_receipt(
        body["receipt_number"], body["query_code"]
    )
    assert str(found.id) == body["id"]


def test_a_lost_commit_answer_then_a_same_key_retry_yields_one_case_and_the_first_body(
    faulty: tuple[TestClient, Services],
    proxy: FaultProxy,
    database_url: str,
    staff: dict[tuple[Role, str], Staff],
) -> None:
    client, _ = faulty
    clerk = staff[(Role.CLERK, COUNTY)]
    name = f"重试测试{uuid.uuid4().hex[:8]}有限公司"
    retry_key = {"Idempotency-Key": f"lost-{uuid.uuid4()}"}
    proxy.arm("drop_commit_answer")

    first = post(client, APPLICATIONS, clerk, receive_body(name), **retry_key)
    again = post(client, APPLICATIONS, clerk, receive_body(name), **retry_key)

    assert proxy.fired.is_set()
    assert ok(first, 201)["query_code"]
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert cases_of(database_url, name) == 1


def test_a_lost_commit_answer_on_a_command_is_200_once_not_409(
    faulty: tuple[TestClient, Services],
    proxy: FaultProxy,
    database_url: str,
    staff: dict[tuple[Role, str], Staff],
) -> None:
    client, _ = faulty
    clerk = staff[(Role.CLERK, COUNTY)]
    name = f"受理测试{uuid.uuid4().hex[:8]}有限公司"
    case = ok(post(client, APPLICATIONS, clerk, receive_body(name)), 201)["id"]
    accept_key = {"Idempotency-Key": f"accept-{uuid.uuid4()}"}
    proxy.arm("drop_commit_answer")

    first = post(client, f"{APPLICATIONS}/{case}/accept", clerk, None, **accept_key)
    again = post(client, f"{APPLICATIONS}/{case}/accept", clerk, None, **accept_key)

    assert proxy.fired.is_set()
    assert ok(first)["status"] == "accepted"
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert events_of(database_url, case) == ["Received", "Accepted"]


def test_a_commit_that_never_reached_the_server_is_run_again_by_the_retry(
    faulty: tuple[TestClient, Services],
    proxy: FaultProxy,
    database_url: str,
    staff: dict[tuple[Role, str], Staff],
) -> None:
    """The connection is cut before the COMMIT arrives: nothing committed, and
    the service's own bounded retry runs the insert again, once."""
    client, _ = faulty
    clerk = staff[(Role.CLERK, COUNTY)]
    name = f"未提交测试{uuid.uuid4().hex[:8]}有限公司"
    proxy.arm("hold_commit")
    proxy.release()  # cut at once

    response = post(client, APPLICATIONS, clerk, receive_body(name))

    assert proxy.fired.is_set()
    ok(response, 201)
    assert cases_of(database_url, name) == 1
