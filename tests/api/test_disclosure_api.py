"""Public disclosure (双公示) through HTTP: a licence granted is published at
once and a penalty when served; a revoked licence leaves a tombstone; the
search, one entry, the Atom feed with RFC 5005 archives (read by feedparser)
and the JSON Feed; ETag and 304; the publication deadline on the board and
the clock recording a missed one; the publisher carrying out an event twice
records nothing new; and no public output carries the personal data of the
fixtures."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg import sql

from api.disclosure import service
from api.disclosure.publisher import Publisher
from api.host.clock import DeadlineClock
from api.host.storage import Services
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from projections.runtime import Projector, active_tables, wait_until
from tests.api.conftest import CITY, COUNTY, make_uscc
from tests.api.helpers import StaffBook, commitment_licence, ok, post
from tests.api.test_enforcement_api import CASES, decision_body, open_case, party

PUBLIC = "/public/v1/disclosures"
LICENCES = "/v1/licensing/licences"


def publish(services: Services) -> int:
    """One publisher round; the disclosure log's head after it."""
    Publisher(services.url, service(services), services.logs()).round()
    return int(services.apps["disclosure"].recorder.max_notification_id() or 0)


def shown(
    client: TestClient, services: Services, **params: Any
) -> list[dict[str, Any]]:
    """The search, once the read model has read the disclosure log's head."""
    head = publish(services)
    token = {"consistent_after": f"disclosure:{head}"} if head else {}
    found: list[dict[str, Any]] = []

    def done() -> bool:
        response = client.get(PUBLIC, params={**params, **token})
        if response.status_code == 503:
            return False
        found[:] = ok(response)["items"]
        return True

    assert wait_until(done, 10.0)
    return found


def licence(client: TestClient, staff: StaffBook, seed: int) -> dict[str, Any]:
    return commitment_licence(client, staff, seed=seed)


def test_a_granted_licence_is_published_at_once_with_its_fields(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    lic = licence(client, staff, 9101)
    (entry,) = shown(client, services, uscc=lic["holder"]["uscc"])
    record = entry["record"]
    assert entry["status"] == "published"
    assert entry["late"] is False
    assert record["kind"] == "licence"
    assert record["category"] == "granted"
    assert record["decision_number"] == lic["decision_number"]
    assert record["licence_number"] == lic["licence_number"]
    assert record["party_name"] == lic["holder"]["name"]
    assert record["authority"] == "淮安区市场监督管理局"
    assert "address" not in record
    assert "phone" not in record
    one = ok(client.get(f"{PUBLIC}/{entry['id']}"))
    assert one["record"] == record


def test_a_penalty_waits_on_the_board_until_served_then_is_published(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    uscc = make_uscc(91_201)
    case = open_case(client, staff, party={**party(), "uscc": uscc})
    number = f"淮区市监罚〔2026〕{uuid.uuid4().hex[:6]}号"
    path = f"{CASES}/{case['id']}"
    ok(
        post(
            client,
            f"{path}/decide",
            staff[(Role.APPROVER, COUNTY)],
            decision_body(number),
        )
    )
    assert shown(client, services, uscc=uscc) == []
    auditor = staff[(Role.AUDITOR, CITY)]
    board = ok(
        client.get("/v1/deadlines", params={"limit": 200}, headers=auditor.headers)
    )
    mine = {e["kind"]: e for e in board["items"] if e.get("reference") == number}
    assert mine["publication"]["due"] == "2026-12-02"  # 7 wd from Mon 11/23
    assert mine["legal_publication"]["due"] == "2026-12-21"  # 20 wd
    ok(
        post(
            client,
            f"{path}/serve",
            staff[(Role.OFFICER, COUNTY)],
            {"served_on": "2026-11-23", "method": "in_person"},
        )
    )
    (entry,) = shown(client, services, uscc=uscc)
    assert entry["record"]["decision_number"] == number
    assert entry["record"]["title"] == "罚款、没收违法所得"
    assert entry["display_until"] == "2029-11-23"  # 3 years (Art. 13)


def test_the_clock_records_a_missed_publication_and_the_late_one_says_so(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    clock: FixedClock,
    projector: Projector,
) -> None:
    uscc = make_uscc(91_301)
    case = open_case(client, staff, party={**party(), "uscc": uscc})
    number = f"淮区市监罚〔2026〕{uuid.uuid4().hex[:6]}号"
    path = f"{CASES}/{case['id']}"
    ok(
        post(
            client,
            f"{path}/decide",
            staff[(Role.APPROVER, COUNTY)],
            decision_body(number),
        )
    )
    shown(client, services, uscc=uscc)
    clock.at = clock.at + timedelta(days=10)  # Thu 12/3: the 7 wd ran out on 12/2
    DeadlineClock(services).tick()
    disclosures = services.apps["disclosure"]
    entry_id = _entry_of(services, number)
    missed = disclosures.history(entry_id)[-1]
    assert type(missed).__name__ == "DeadlineMissed"
    assert missed.kind == "publication"
    assert str(missed.due) == "2026-12-02"
    assert missed.audit.actor.id == "system:clock"
    ok(
        post(
            client,
            f"{path}/serve",
            staff[(Role.OFFICER, COUNTY)],
            {"served_on": "2026-12-03", "method": "in_person"},
        )
    )
    (entry,) = shown(client, services, uscc=uscc)
    assert entry["late"] is True
    assert entry["unlawful"] is False


def _entry_of(services: Services, number: str) -> uuid.UUID:
    """The disclosure of a decision number (published or not), read directly."""
    with psycopg.connect(services.url) as conn:
        table = active_tables(conn, "disclosure_entries")()
        query = sql.SQL("SELECT id FROM {} WHERE decision_number = %s").format(table)
        row = conn.execute(query, (number,)).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))
