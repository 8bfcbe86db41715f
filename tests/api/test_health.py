"""/healthz and /readyz, and a stalled read model seen from the API: the
service keeps answering — writes, reads of cases, lists from the last good
state — while /readyz reports the stall, and resumes when the cause is gone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.contexts import registered
from api.host.settings import Settings
from api.host.storage import open_services
from api.http.app import create_app
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import FixedClock
from projections.audit import audit_read_models
from projections.licensing import licensing_read_models
from projections.runtime import Projector
from tests.api.conftest import ITEM, MONDAY_0900, applicant
from tests.api.helpers import APPLICATIONS, ok


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@pytest.fixture
def stack(fresh_database: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A service of its own (database, app, projector with quick retries)."""
    services = open_services(
        Settings(), clock=FixedClock(MONDAY_0900), url=fresh_database
    )
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    services.registry.establish_unit("320803", "淮安区市场监督管理局", boot)
    services.registry.enrol_staff(
        "H-1", "窗口", "320803", frozenset({Role.CLERK}), boot
    )
    token, _ = services.registry.issue_token("H-1", "health", boot)
    projector = Projector(
        fresh_database,
        {"licensing": services.licensing},
        # Every model following the licensing log (read-your-writes waits for
        # them all): its own, and the audit index and ledger over every log.
        [
            *licensing_read_models(services.licensing.calendar),
            *audit_read_models(services.calendar),
        ],
        stall_retry=(0.05, 0.2),
    )
    stop = threading.Event()
    thread = threading.Thread(target=projector.follow, args=(stop, 0.1), daemon=True)
    thread.start()
    app = create_app(Settings(), services)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, {"Authorization": f"Bearer {token}"}
    finally:
        stop.set()
        thread.join(timeout=10)
        projector.close()
        services.close()


def models(client: TestClient) -> dict[str, dict[str, Any]]:
    body = ok(client.get("/readyz"))
    return {m["name"]: m for m in body["read_models"]}


CALENDAR = WorkingDayCalendar()


def test_healthz_needs_no_database_and_readyz_reports_each_read_model(
    stack: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = stack
    assert ok(client.get("/healthz")) == {"status": "ok"}
    body = ok(client.get("/readyz"))
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    expected = {m.name for c in registered() for m in c.read_models(CALENDAR)}
    assert (
        {m["name"] for m in body["read_models"]}
        == expected
        >= {
            "applications",
            "licences",
        }
    )
    paths = client.get("/openapi.json").json()["paths"]
    assert "/healthz" in paths
    assert "/readyz" in paths
    assert "application/problem+json" in str(
        paths["/readyz"]["get"]["responses"]["503"]
    )


def test_a_stalled_read_model_is_reported_and_the_service_keeps_answering(
    stack: tuple[TestClient, dict[str, str]], poison: set[str]
) -> None:
    client, headers = stack
    body = {
        "item_code": ITEM,
        "applicant": applicant(),
        "materials": ["特种设备使用登记表"],
    }
    first = ok(client.post(APPLICATIONS, json=body, headers=headers), 201)
    ok(
        client.get(
            APPLICATIONS,
            params={"consistent_after": first["position"]},
            headers=headers,
        )
    )

    poison.add("机械有限公司999")
    bad_body = {**body, "applicant": applicant(999)}
    bad = ok(client.post(APPLICATIONS, json=bad_body, headers=headers), 201)
    eventually(lambda: models(client)["applications"]["stalled"] is not None)
    stalled = models(client)["applications"]
    assert stalled["stalled"]["position"] == bad["position"]
    assert stalled["stalled"]["topic"].endswith("LicenceApplication.Received")
    assert "PoisonError" in stalled["stalled"]["error"]
    assert ok(client.get("/readyz"))["status"] == "degraded"  # still 200: serving

    # Writes, case reads, the other model and lists (the last good state) go on.
    later = ok(client.post(APPLICATIONS, json=body, headers=headers), 201)
    ok(client.get(f"{APPLICATIONS}/{bad['id']}", headers=headers))
    eventually(lambda: models(client)["licences"]["lag"] == 0)
    listed = ok(client.get(APPLICATIONS, headers=headers))
    assert [i["id"] for i in listed["items"]] == [first["id"]]
    assert (
        models(client)["applications"]["lag"] == later["position"] - first["position"]
    )

    poison.clear()
    eventually(lambda: models(client)["applications"]["stalled"] is None)
    eventually(lambda: models(client)["applications"]["lag"] == 0)
    assert ok(client.get("/readyz"))["status"] == "ready"
    listed = ok(client.get(APPLICATIONS, headers=headers))
    assert {i["id"] for i in listed["items"]} == {first["id"], bad["id"], later["id"]}
