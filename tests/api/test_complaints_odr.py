"""ODR (在线消费纠纷解决, issue 10 §3a) through HTTP: a business enrolled by an
approver, a consumer's complaint taken to it first, the business's record of
the outcome with its key, the consumer's one-step escalation to a complaint
to the bureau, the clock on the business's 10 working days, and what the
business may see of the consumer."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from api.host.clock import DeadlineClock
from api.host.storage import Services
from domain.complaints.odr import enterprise_id
from domain.shared.audit import Role
from projections.runtime import Projector
from tests.api.conftest import COUNTY, OTHER_COUNTY, advance, make_uscc
from tests.api.helpers import StaffBook, assert_problem, ok, post
from tests.api.test_complaints_api import PUBLIC, person, secrets_of
from tests.api.test_public_abuse import app_client

ENTERPRISES = "/v1/complaints/odr-enterprises"
DISPUTES = "/v1/complaints/odr-disputes"
BUSINESS = "/odr/v1/disputes"

_seed = iter(range(7_000, 8_000))


def business(seed: int | None = None) -> dict[str, str]:
    n = next(_seed) if seed is None else seed
    return {
        "name": f"淮安区ODR电器商行{n}",
        "uscc": make_uscc(n, COUNTY),
        "region_code": COUNTY,
    }


def enrol(client: TestClient, staff: StaffBook, shop: dict[str, str]) -> dict[str, Any]:
    body = {**shop, "reason": "企业申请入驻ODR"}
    return ok(post(client, ENTERPRISES, staff[(Role.APPROVER, COUNTY)], body), 201)


def basic(uscc: str, key: str) -> dict[str, str]:
    token = base64.b64encode(f"{uscc}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def submit(
    client: TestClient, shop: dict[str, str], who: dict[str, str], odr: bool = True
) -> httpx.Response:
    return client.post(
        PUBLIC,
        json={
            "unit_code": COUNTY,
            "submitter": {"person": who},
            "respondent": shop,
            "facts": "网购的电饭煲三天后无法加热。",
            "claim": "退货退款",
            "odr": odr,
        },
    )


def progress(client: TestClient, receipt: dict[str, Any]) -> dict[str, Any]:
    params = {
        "intake_number": receipt["intake_number"],
        "query_code": receipt["query_code"],
    }
    return ok(client.get(f"{PUBLIC}/progress", params=params))


def escalation(client: TestClient, receipt: dict[str, Any]) -> httpx.Response:
    voucher = {k: receipt[k] for k in ("intake_number", "query_code")}
    return client.post(f"{PUBLIC}/escalation", json=voucher)


def caught_up(client: TestClient) -> dict[str, str]:
    """`consistent_after` the head of the line's log: a read that waits for it."""
    service = client.app.state.services.apps["complaints"]  # type: ignore[attr-defined]
    return {"consistent_after": f"complaints:{service.recorder.max_notification_id()}"}


def odr_step(answer: dict[str, Any]) -> dict[str, Any]:
    (step,) = [c for c in answer["cases"] if c["kind"] == "odr"]
    return step


@pytest.fixture
def enrolled(
    client: TestClient, staff: StaffBook, projector: Projector
) -> tuple[dict[str, str], str]:
    """An enrolled business and its key (and the read models fed)."""
    shop = business()
    return shop, enrol(client, staff, shop)["key"]


def test_an_approver_enrols_a_business_whose_key_is_shown_once_and_never_again(
    client: TestClient, staff: StaffBook
) -> None:
    shop = business()
    enrolled = enrol(client, staff, shop)
    assert enrolled["active"]
    assert len(enrolled["key"]) == 32
    approver = staff[(Role.APPROVER, COUNTY)]
    again = ok(client.get(f"{ENTERPRISES}/{enrolled['id']}", headers=approver.headers))
    history = client.get(
        f"{ENTERPRISES}/{enrolled['id']}/history", headers=approver.headers
    )
    assert enrolled["key"] not in again.__repr__() + history.text
    assert "key" not in again
    twice = post(client, ENTERPRISES, approver, {**shop, "reason": "再次登记"})
    assert_problem(twice, 409, "illegal-transition")


def test_only_an_approver_of_the_business_s_region_enrols_it(
    client: TestClient, staff: StaffBook
) -> None:
    shop = business()
    for who in (staff[(Role.HANDLER, COUNTY)], staff[(Role.APPROVER, OTHER_COUNTY)]):
        refused = post(client, ENTERPRISES, who, {**shop, "reason": "入驻"})
        assert_problem(refused, 403, "forbidden")
    assert submit(client, shop, person()).status_code == 422


def test_a_complaint_against_a_business_not_in_odr_is_refused_and_nothing_is_kept(
    client: TestClient,
) -> None:
    refused = submit(client, business(), person())
    problem = assert_problem(refused, 422, "invalid-input")
    assert "ODR" in problem["detail"]


def test_the_business_settles_and_the_matter_closes_with_the_result_recorded(
    client: TestClient,
    staff: StaffBook,
    enrolled: tuple[dict[str, str], str],
    projector: Projector,
) -> None:
    shop, key = enrolled
    who = person()
    receipt = ok(submit(client, shop, who), 201)
    step = odr_step(progress(client, receipt))
    # Received Mon 23 Nov 2026: ten working days end Mon 7 Dec.
    assert (step["status"], step["answer_due"]) == ("negotiating", "2026-12-07")
    assert step["may_escalate"] is False
    assert_problem(escalation(client, receipt), 409, "illegal-transition")

    _wait_for_index(
        client, staff[(Role.INTAKE, COUNTY)], f"{receipt['intake_number']}-HJ"
    )
    listed = ok(client.get(BUSINESS, headers=basic(shop["uscc"], key)))
    number = next(i["number"] for i in listed["items"] if i["consumer"])
    seen = ok(client.get(f"{BUSINESS}/{number}", headers=basic(shop["uscc"], key)))
    assert seen["consumer"].startswith("投诉人#")
    assert who["name"] not in str(seen)
    contact = ok(
        client.post(f"{BUSINESS}/{number}/contact", headers=basic(shop["uscc"], key))
    )
    assert (contact["name"], contact["phone"]) == (who["name"], who["phone"])
    assert who["address"] not in str(contact)
    assert who["id_number"] not in str(contact)

    settled = ok(
        client.post(
            f"{BUSINESS}/{number}/settlement",
            json={
                "how": "telephone",
                "negotiated_on": "2026-11-23",
                "terms": "退货退款299元",
                "recovered_fen": 29900,
                "remedies": ["refund"],
            },
            headers=basic(shop["uscc"], key),
        )
    )
    assert settled["status"] == "settled"
    step = odr_step(progress(client, receipt))
    assert step["outcome"]["recovered_fen"] == 29900
    assert step["closed"]
    assert step["may_escalate"] is True  # the consumer may contest what was recorded
    late = client.post(f"{BUSINESS}/{number}/contact", headers=basic(shop["uscc"], key))
    assert_problem(late, 409, "illegal-transition")  # settling is over

    intake = progress(client, receipt)
    handler = staff[(Role.HANDLER, COUNTY)]
    found = ok(
        client.get(
            DISPUTES,
            params={"consistent_after": settled["consistency_token"]},
            headers=handler.headers,
        )
    )
    (row,) = [r for r in found["items"] if r["number"] == number]
    history = ok(client.get(f"{DISPUTES}/{row['id']}/history", headers=handler.headers))
    read = [h for h in history["events"] if h["type"] == "PersonalDataRead"]
    assert read
    assert read[0]["actor"]["kind"] == "business"
    assert intake["classification"] == "odr"
    statistics = ok(
        client.get(
            "/v1/complaints/statistics",
            params={"consistent_after": settled["consistency_token"]},
            headers=staff[(Role.AUDITOR, COUNTY)].headers,
        )
    )
    assert statistics["total"]["odr"]["settled"] >= 1
    assert statistics["total"]["odr"]["recovered_fen"] >= 29900


def test_no_settlement_lets_the_consumer_turn_it_into_a_complaint_in_one_step(
    client: TestClient, staff: StaffBook, enrolled: tuple[dict[str, str], str]
) -> None:
    shop, key = enrolled
    receipt = ok(submit(client, shop, person()), 201)
    number = f"{receipt['intake_number']}-HJ"
    ok(
        client.post(
            f"{BUSINESS}/{number}/no-settlement",
            json={
                "how": "online",
                "negotiated_on": "2026-11-23",
                "explanation": "消费者要求三倍赔偿，协商未果",
            },
            headers=basic(shop["uscc"], key),
        )
    )
    assert odr_step(progress(client, receipt))["may_escalate"] is True
    escalated = ok(escalation(client, receipt))
    assert escalated["complaint_number"] == f"{receipt['intake_number']}-TS"
    # Art. 14's 7 working days run from the escalation (Mon 23 Nov → Wed 2 Dec).
    assert escalated["acceptance_due"] == "2026-12-02"
    answer = progress(client, receipt)
    kinds = {c["kind"]: c for c in answer["cases"]}
    assert kinds["odr"]["status"] == "escalated"
    assert kinds["complaint"]["status"] == "registered"
    again = escalation(client, receipt)
    assert_problem(again, 409, "illegal-transition")

    handler = staff[(Role.HANDLER, COUNTY)]
    complaint = ok(
        client.get(
            f"/v1/complaints/complaints/{_complaint_id(client, staff, number)}",
            headers=handler.headers,
        )
    )
    assert complaint["odr_id"] is not None
    assert complaint["claim"] == "退货退款"
    accepted = ok(
        post(client, f"/v1/complaints/complaints/{complaint['id']}/accept", handler)
    )
    assert accepted["status"] == "accepted"


def _complaint_id(client: TestClient, staff: StaffBook, number: str) -> str:
    intake = staff[(Role.INTAKE, COUNTY)]
    path = f"{DISPUTES}/{_dispute_id(client, intake, number)}"
    return str(ok(client.get(path, headers=intake.headers))["complaint_id"])


def test_the_clock_records_a_business_that_did_not_answer_and_the_consumer_escalates(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    enrolled: tuple[dict[str, str], str],
    projector: Projector,
) -> None:
    shop, _ = enrolled
    receipt = ok(submit(client, shop, person()), 201)
    assert_problem(escalation(client, receipt), 409, "illegal-transition")
    advance(services.clock, 14)  # Mon 7 Dec: the last day, still in time
    assert_problem(escalation(client, receipt), 409, "illegal-transition")
    advance(services.clock, 1)  # Tue 8 Dec
    intake = staff[(Role.INTAKE, COUNTY)]
    number = f"{receipt['intake_number']}-HJ"
    _wait_for_index(client, intake, number)
    DeadlineClock(services).tick()
    step = odr_step(progress(client, receipt))
    assert step["may_escalate"] is True
    dispute_id = _dispute_id(client, intake, number)
    dispute = ok(client.get(f"{DISPUTES}/{dispute_id}", headers=intake.headers))
    assert dispute["deadlines_missed"] == [{"kind": "odr_answer", "due": "2026-12-07"}]
    escalated = ok(escalation(client, receipt))
    assert escalated["acceptance_due"] == "2026-12-17"  # 7 wd from Tue 8 Dec


def _dispute_id(client: TestClient, who: Any, number: str) -> str:
    found = ok(client.get(DISPUTES, params=caught_up(client), headers=who.headers))
    (row,) = [r for r in found["items"] if r["number"] == number]
    return str(row["id"])


def _wait_for_index(client: TestClient, who: Any, number: str) -> None:
    """Until the read models (the clock's timers) have the whole log."""
    _dispute_id(client, who, number)


def test_the_desk_classifies_a_telephone_complaint_as_odr_and_escalates_it_on_request(
    client: TestClient, staff: StaffBook, enrolled: tuple[dict[str, str], str]
) -> None:
    shop, key = enrolled
    desk = staff[(Role.INTAKE, COUNTY)]
    intake = ok(
        post(
            client,
            "/v1/complaints/intakes",
            desk,
            {
                "channel": "telephone",
                "submitter": {"person": person()},
                "respondent": shop,
                "facts": "空调安装后漏水。",
                "claim": "免费维修",
            },
        ),
        201,
    )
    classified = ok(
        post(
            client,
            f"/v1/complaints/intakes/{intake['id']}/classify",
            desk,
            {
                "classification": "odr",
                "unit_code": COUNTY,
                "reason": "消费者同意先与经营者协商",
            },
        )
    )
    assert classified["dispute_id"] is not None
    path = f"{DISPUTES}/{classified['dispute_id']}"
    early = post(client, f"{path}/escalate", desk, {"reason": "消费者来电要求"})
    assert_problem(early, 409, "illegal-transition")
    number = f"{intake['intake_number']}-HJ"
    ok(
        client.post(
            f"{BUSINESS}/{number}/no-settlement",
            json={
                "how": "in_person",
                "negotiated_on": "2026-11-23",
                "explanation": "拒绝维修",
            },
            headers=basic(shop["uscc"], key),
        )
    )
    escalated = ok(post(client, f"{path}/escalate", desk, {"reason": "消费者来电要求"}))
    assert escalated["status"] == "escalated"
    assert escalated["complaint_id"]


def test_a_business_sees_only_its_own_disputes_and_a_wrong_key_is_refused(
    client: TestClient, staff: StaffBook, enrolled: tuple[dict[str, str], str]
) -> None:
    shop, key = enrolled
    other = business()
    other_key = enrol(client, staff, other)["key"]
    receipt = ok(submit(client, shop, person()), 201)
    number = f"{receipt['intake_number']}-HJ"
    theirs = client.get(f"{BUSINESS}/{number}", headers=basic(other["uscc"], other_key))
    assert_problem(theirs, 404, "not-found")
    assert (
        number not in client.get(BUSINESS, headers=basic(other["uscc"], other_key)).text
    )
    assert_problem(
        client.get(BUSINESS, headers=basic(shop["uscc"], "0" * 32)),
        401,
        "unauthenticated",
    )
    assert_problem(client.get(BUSINESS), 401, "unauthenticated")
    bearer = {"Authorization": f"Bearer {staff[(Role.AUDITOR, COUNTY)].token}"}
    assert_problem(client.get(BUSINESS, headers=bearer), 401, "unauthenticated")
    settle_late = client.post(
        f"{BUSINESS}/{number}/settlement",
        json={"how": "online", "negotiated_on": "2026-11-22", "terms": "退款"},
        headers=basic(shop["uscc"], key),
    )
    assert_problem(
        settle_late, 422, "invalid-input"
    )  # dated before the dispute was received


def test_an_ended_enrolment_takes_no_new_disputes_but_its_open_ones_run_on(
    client: TestClient, staff: StaffBook, enrolled: tuple[dict[str, str], str]
) -> None:
    shop, key = enrolled
    receipt = ok(submit(client, shop, person()), 201)
    approver = staff[(Role.APPROVER, COUNTY)]
    path = f"{ENTERPRISES}/{enterprise_id(shop['uscc'])}"
    ended = ok(post(client, f"{path}/end-odr", approver, {"reason": "企业申请退出"}))
    assert ended["active"] is False
    assert_problem(submit(client, shop, person()), 422, "invalid-input")
    number = f"{receipt['intake_number']}-HJ"
    assert ok(client.get(f"{BUSINESS}/{number}", headers=basic(shop["uscc"], key)))


def test_no_consumer_data_reaches_staff_without_the_right_or_the_public(
    client: TestClient, staff: StaffBook, enrolled: tuple[dict[str, str], str]
) -> None:
    shop, key = enrolled
    who = person()
    receipt = ok(submit(client, shop, who), 201)
    number = f"{receipt['intake_number']}-HJ"
    desk = staff[(Role.INTAKE, COUNTY)]
    dispute_id = _dispute_id(client, desk, number)
    outputs = [
        client.get(f"{BUSINESS}/{number}", headers=basic(shop["uscc"], key)).text,
        client.get(BUSINESS, headers=basic(shop["uscc"], key)).text,
        str(progress(client, receipt)),
    ]
    for role in (Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.HANDLER):
        who_ = staff[(role, COUNTY)]
        outputs.append(
            client.get(f"{DISPUTES}/{dispute_id}", headers=who_.headers).text
        )
        outputs.append(
            client.get(f"{DISPUTES}/{dispute_id}/history", headers=who_.headers).text
        )
    found = [s for s in secrets_of([who]) for text in outputs if s in text]
    assert found == []
    opened = ok(
        post(
            client,
            f"{DISPUTES}/{dispute_id}/personal-data",
            staff[(Role.HANDLER, COUNTY)],
            {"reason": "核实投诉人身份"},
        )
    )
    assert opened["people"][0]["details"]["name"] == who["name"]


def test_the_business_s_failed_keys_are_limited_per_client(services: Services) -> None:
    headers = basic(make_uscc(9_999, COUNTY), "F" * 32)
    with app_client(services, peer="198.51.100.9") as guesser:
        answers = [
            guesser.get(BUSINESS, headers=headers).status_code for _ in range(40)
        ]
    assert answers[0] == 401
    assert answers[-1] == 429
    with psycopg.connect(services.url, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM casetrace_api.lookup_failures WHERE client = %s",
            ("198.51.100.9",),
        )


def test_the_business_records_its_outcome_once_and_a_keyed_retry_gets_the_first_answer(
    client: TestClient, enrolled: tuple[dict[str, str], str]
) -> None:
    shop, key = enrolled
    receipt = ok(submit(client, shop, person()), 201)
    path = f"{BUSINESS}/{receipt['intake_number']}-HJ"
    body = {"how": "online", "negotiated_on": "2026-11-23", "terms": "退款"}
    keyed = {**basic(shop["uscc"], key), "Idempotency-Key": "odr-settle-1"}
    first = client.post(f"{path}/settlement", json=body, headers=keyed)
    again = client.post(f"{path}/settlement", json=body, headers=keyed)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["position"] == first.json()["position"]
    twice = client.post(
        f"{path}/settlement", json=body, headers=basic(shop["uscc"], key)
    )
    assert_problem(twice, 409, "illegal-transition")
    refused = client.post(
        f"{path}/no-settlement",
        json={"how": "online", "negotiated_on": "2026-11-23", "explanation": "反悔"},
        headers=basic(shop["uscc"], key),
    )
    assert_problem(refused, 409, "illegal-transition")
    stale = client.post(
        f"{path}/contact", headers={**basic(shop["uscc"], key), "If-Match": '"1"'}
    )
    assert_problem(stale, 412, "stale-version")
    history_before = ok(client.get(path, headers=basic(shop["uscc"], key)))
    assert history_before["status"] == "settled"
