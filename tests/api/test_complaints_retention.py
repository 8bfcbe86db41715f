"""Retention through the running parts: the clock destroys the keys of a
closed matter's people the day after 3 years from its last recorded act
(domain/complaints/matter.py RULE_RETENTION), records it, and the person then
reads as null while the case and its history stay whole."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from api.host.clock import DeadlineClock
from api.host.storage import Services
from domain.shared.audit import Role
from domain.shared.clock import FixedClock, legal_date
from domain.shared.dates import years_after
from projections.runtime import Projector
from tests.api.conftest import COUNTY
from tests.api.helpers import StaffBook, ok, post
from tests.api.test_clock import at
from tests.api.test_complaints_api import INTAKES, person, register
from tests.api.test_complaints_odr import caught_up


def tick_until_idle(services: Services) -> None:
    """The clock, batch after batch, as its loop runs it."""
    for _ in range(50):
        if not DeadlineClock(services).tick().fired:
            return


def test_the_clock_destroys_a_closed_matter_s_keys_three_years_on_and_records_it(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    clock: FixedClock,
    projector: Projector,
) -> None:
    desk = staff[(Role.INTAKE, COUNTY)]
    who = person()
    intake = register(client, staff, who)
    path = f"{INTAKES}/{intake['id']}"
    ok(post(client, f"{path}/answer-enquiry", desk, {"answer": "可要求修理"}))
    opened = ok(post(client, f"{path}/personal-data", desk, {"reason": "回访"}))
    assert opened["people"][0]["details"]["name"] == who["name"]
    # Kept 3 years from the last recorded act (that read), to the same date.
    modified = ok(client.get(path, headers=desk.headers))["modified_at"]
    until = years_after(legal_date(datetime.fromisoformat(modified)), 3)
    ok(client.get(INTAKES, params=caught_up(client), headers=desk.headers))
    clock.at = at(until)  # the last day it is kept: nothing happens
    tick_until_idle(services)
    assert (
        "PersonalDataShredded"
        not in client.get(f"{path}/history", headers=desk.headers).text
    )
    clock.at = at(until + timedelta(days=1))
    tick_until_idle(services)
    gone = ok(post(client, f"{path}/personal-data", desk, {"reason": "回访"}))
    assert gone["people"][0]["details"] is None
    history = ok(client.get(f"{path}/history", headers=desk.headers))["events"]
    (shredded,) = [e for e in history if e["type"] == "PersonalDataShredded"]
    assert shredded["actor"]["id"] == "system:clock"
    assert shredded["data"]["retained_until"] == until.isoformat()
    assert "销毁个人信息密钥" in shredded["summary"]
    view = ok(client.get(path, headers=desk.headers))
    assert view["answer"] == "可要求修理"  # the case itself is whole
