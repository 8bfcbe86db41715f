"""Follow-up visits (回访), enterprise liaison (质企联系) and ratings (工作评议)
through HTTP: the board shows the due visits, the clock fires the overdue
ones, the quarterly analysis and the rating statistics count what happened."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.host.clock import DeadlineClock
from api.host.storage import Services
from domain.licensing.follow_up import follow_up_id
from domain.registry.enterprise import EnterpriseProfile
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from tests.api.conftest import COUNTY, OTHER_COUNTY, Staff, make_uscc, receive
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATIONS,
    LICENCE_BODIES,
    LICENCES,
    StaffBook,
    assert_problem,
    commitment_licence,
    etag_of,
    log_head,
    ok,
    post,
)

FOLLOW_UPS = "/v1/licensing/follow-ups"
LIAISONS = "/v1/licensing/liaisons"
RATINGS = "/public/v1/licensing/ratings"
RATING_STATISTICS = "/v1/licensing/statistics/ratings"

pytestmark = pytest.mark.usefixtures("projector")


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 Shanghai


def caught_up(client: TestClient) -> str:
    return f"licensing:{log_head(client)}"


def board(client: TestClient, who: Staff, case_id: str) -> list[dict[str, Any]]:
    """The shared deadline board's rows of one case, once the models caught up."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        params = {"consistent_after": caught_up(client), "limit": 200}
        if after:
            params["after"] = after
        page = ok(client.get("/v1/deadlines", params=params, headers=who.headers))
        rows += [r for r in page["items"] if r["case_id"] == case_id]
        after = page["next_cursor"]
        if not after:
            return rows


def history_types(client: TestClient, path: str, who: Staff) -> list[tuple[str, str]]:
    events = ok(client.get(f"{path}/history", headers=who.headers))["events"]
    return [(e["type"], str(e["actor"]["id"])) for e in events]


def tick(services: Services, client: TestClient, who: Staff) -> None:
    """One clock tick, after the timers caught up with every write."""
    client.get(
        "/v1/deadlines",
        params={"consistent_after": caught_up(client)},
        headers=who.headers,
    )
    DeadlineClock(services).tick()


# -- 回访 ----------------------------------------------------------------------------


def test_a_grant_puts_its_first_follow_up_visit_on_the_board(
    client: TestClient, staff: StaffBook
) -> None:
    licence = commitment_licence(client, staff, seed=1401)  # granted Mon 2026-11-23
    schedule = str(follow_up_id(UUID(licence["id"])))
    clerk = staff[(Role.CLERK, COUNTY)]
    (row,) = board(client, clerk, schedule)
    assert (row["kind"], row["due"]) == ("follow_up_visit", "2027-11-23")
    assert row["case_kind"] == "follow-up schedule"
    assert row["reference"] == licence["licence_number"]
    assert "回访" in row["rule"]
    view = ok(client.get(f"{FOLLOW_UPS}/{schedule}", headers=clerk.headers))
    assert (view["licence_id"], view["interval_months"]) == (licence["id"], 12)


def test_a_recorded_visit_schedules_the_next_from_its_date(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    licence = commitment_licence(client, staff, seed=1402)
    schedule = f"{FOLLOW_UPS}/{follow_up_id(UUID(licence['id']))}"
    reviewer = staff[(Role.REVIEWER, COUNTY)]
    clock.at = at(date(2027, 2, 1))
    response = post(
        client,
        f"{schedule}/record-follow-up",
        reviewer,
        {
            "visited_on": "2027-02-01",
            "findings": "设备运行正常，检测能力未变",
            "information": [
                {"kind": "standard", "content": "GB/T 27025-2019 实施"},
                {"kind": "licence_condition", "content": "资质认定条件调整"},
            ],
        },
        **{"If-Match": '"1"'},
    )
    assert etag_of(response) == '"2"'
    visited = ok(response)
    assert (visited["visits"], visited["next_due"]) == (1, "2028-02-01")
    (row,) = board(client, reviewer, visited["id"])
    assert row["due"] == "2028-02-01"
    assert ("VisitRecorded", reviewer.staff_no) in (
        history_types(client, schedule, reviewer)
    )


def test_a_visit_in_the_future_is_422_and_changes_nothing(
    client: TestClient, staff: StaffBook
) -> None:
    licence = commitment_licence(client, staff, seed=1403)
    schedule = f"{FOLLOW_UPS}/{follow_up_id(UUID(licence['id']))}"
    clerk = staff[(Role.CLERK, COUNTY)]
    response = post(
        client,
        f"{schedule}/record-follow-up",
        clerk,
        {"visited_on": "2026-11-24", "findings": "x"},
    )
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"][0]["field"] == "visited_on"
    bad_kind = post(
        client,
        f"{schedule}/record-follow-up",
        clerk,
        {
            "visited_on": "2026-11-23",
            "findings": "x",
            "information": [{"kind": "rumour", "content": "x"}],
        },
    )
    assert_problem(bad_kind, 422, "invalid-input")
    assert ok(client.get(schedule, headers=clerk.headers))["version"] == 1


def test_the_clock_records_an_overdue_visit_missed_once(
    client: TestClient, staff: StaffBook, clock: FixedClock, services: Services
) -> None:
    licence = commitment_licence(client, staff, seed=1404)  # visit due 2027-11-23
    schedule = f"{FOLLOW_UPS}/{follow_up_id(UUID(licence['id']))}"
    auditor = staff[(Role.AUDITOR, COUNTY)]
    clock.at = at(date(2027, 11, 23))
    tick(services, client, auditor)
    assert ok(client.get(schedule, headers=auditor.headers))["missed"] == []
    clock.at = at(date(2027, 11, 24))
    tick(services, client, auditor)
    tick(services, client, auditor)
    missed = [
        t for t in history_types(client, schedule, auditor) if t[0] == "VisitMissed"
    ]
    assert missed == [("VisitMissed", "system:clock")]
    view = ok(client.get(schedule, headers=auditor.headers))
    assert (view["missed"], view["next_due"]) == (["2027-11-23"], "2028-11-23")
    (row,) = board(client, auditor, view["id"])
    assert row["due"] == "2028-11-23"


def test_a_revoked_licence_takes_its_follow_up_visits_off_the_board(
    client: TestClient, staff: StaffBook
) -> None:
    licence = commitment_licence(client, staff, seed=1405)
    schedule = str(follow_up_id(UUID(licence["id"])))
    approver = staff[(Role.APPROVER, COUNTY)]
    assert board(client, approver, schedule)
    ok(
        post(
            client,
            f"{LICENCES}/{licence['id']}/revoke",
            approver,
            LICENCE_BODIES["revoke"],
        )
    )
    assert board(client, approver, schedule) == []
    refused = post(
        client,
        f"{FOLLOW_UPS}/{schedule}/record-follow-up",
        approver,
        {"visited_on": "2026-11-23", "findings": "已撤销"},
    )
    assert_problem(refused, 409, "illegal-transition", detail="revoked")


# -- 质企联系 --------------------------------------------------------------------------


def enterprise(services: Services, seed: int, region: str) -> str:
    uscc = make_uscc(seed, region)
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    services.registry.register_enterprise(
        EnterpriseProfile(uscc=uscc, name=f"淮阴测试企业{seed}", region_code=region),
        boot,
    )
    return uscc


def designate(
    client: TestClient, staff: StaffBook, uscc: str, unit: str
) -> dict[str, Any]:
    body = {
        "uscc": uscc,
        "contact_staff_no": f"{unit}-reviewer",
        "reason": "分片包干，定点联系",
    }
    response = post(client, LIAISONS, staff[(Role.APPROVER, unit)], body)
    created = ok(response, 201)
    assert response.headers["location"] == f"{LIAISONS}/{created['id']}"
    return created


def visit(
    client: TestClient, who: Staff, liaison: str, day: str, findings: list[str]
) -> dict[str, Any]:
    body = {"visited_on": day, "findings": findings, "help_given": "协调解决检定"}
    return ok(post(client, f"{LIAISONS}/{liaison}/record-liaison-visit", who, body))


def test_a_liaison_owes_a_visit_each_quarter_on_the_board(
    client: TestClient, staff: StaffBook, services: Services
) -> None:
    liaison = designate(client, staff, enterprise(services, 1410, COUNTY), COUNTY)
    assert (liaison["due_quarter"], liaison["due"]) == ("2026Q4", "2026-12-31")
    assert liaison["contact"]["staff_no"] == f"{COUNTY}-reviewer"
    clerk = staff[(Role.CLERK, COUNTY)]
    (row,) = board(client, clerk, liaison["id"])
    assert (row["kind"], row["due"], row["case_kind"]) == (
        "liaison_visit",
        "2026-12-31",
        "liaison",
    )
    visited = visit(client, clerk, liaison["id"], "2026-11-23", ["特种设备台账不全"])
    assert (visited["due_quarter"], visited["visited_quarters"]) == (
        "2027Q1",
        ["2026Q4"],
    )
    (row,) = board(client, clerk, liaison["id"])
    assert row["due"] == "2027-03-31"


def test_an_enterprise_has_one_liaison_and_it_must_be_in_the_directory(
    client: TestClient, staff: StaffBook, services: Services
) -> None:
    uscc = enterprise(services, 1411, COUNTY)
    designate(client, staff, uscc, COUNTY)
    approver = staff[(Role.APPROVER, COUNTY)]
    again = post(
        client,
        LIAISONS,
        approver,
        {"uscc": uscc, "contact_staff_no": f"{COUNTY}-clerk", "reason": "再次"},
    )
    assert_problem(again, 409, "illegal-transition", detail="already has a liaison")
    unknown = post(
        client,
        LIAISONS,
        approver,
        {"uscc": make_uscc(1412), "contact_staff_no": f"{COUNTY}-clerk", "reason": "x"},
    )
    assert_problem(unknown, 404, "not-found", detail="not in the directory")
    no_reason = post(
        client,
        LIAISONS,
        approver,
        {"uscc": uscc, "contact_staff_no": f"{COUNTY}-clerk"},
    )
    assert_problem(no_reason, 422, "invalid-input")


def test_the_quarterly_analysis_counts_liaisons_visits_and_findings_per_unit(
    client: TestClient, staff: StaffBook, services: Services, clock: FixedClock
) -> None:
    """Three enterprises of 320804 (no other test designates there): one
    visited twice (3 findings), one once (none), one never."""
    unit = OTHER_COUNTY
    who = staff[(Role.CLERK, unit)]
    a, b, c = (
        designate(client, staff, enterprise(services, s, unit), unit)["id"]
        for s in (1420, 1421, 1422)
    )
    visit(client, who, a, "2026-11-23", ["计量器具超期未检", "标识不全"])
    visit(client, who, a, "2026-11-23", ["台账缺失"])
    visit(client, who, b, "2026-11-23", [])

    def analysis(**params: str) -> list[dict[str, Any]]:
        query = {"consistent_after": caught_up(client), **params}
        response = client.get(f"{LIAISONS}/analysis", params=query, headers=who.headers)
        return list(ok(response)["quarters"])

    assert analysis() == [
        {
            "quarter": "2026Q4",
            "unit_code": unit,
            "under_liaison": 3,
            "visited": 2,
            "not_visited": 1,
            "visits": 3,
            "findings": 3,
        }
    ]
    # The new year: the clock records c's quarter missed; every one owes 2027Q1.
    clock.at = at(date(2027, 1, 1))
    tick(services, client, staff[(Role.AUDITOR, unit)])
    assert ok(client.get(f"{LIAISONS}/{c}", headers=who.headers))[
        "missed_quarters"
    ] == ["2026Q4"]
    q1 = analysis(quarter_from="2027Q1", quarter_to="2027Q1")
    assert q1 == [
        {
            "quarter": "2027Q1",
            "unit_code": unit,
            "under_liaison": 3,
            "visited": 0,
            "not_visited": 3,
            "visits": 0,
            "findings": 0,
        }
    ]
    # The county's staff see nothing of 320804's liaisons.
    county = staff[(Role.CLERK, COUNTY)]
    response = client.get(
        f"{LIAISONS}/analysis",
        params={"quarter_from": "2026Q4", "quarter_to": "2027Q1", "unit": unit},
        headers=county.headers,
    )
    assert_problem(response, 403, "forbidden")


def test_a_bad_quarter_is_422(client: TestClient, staff: StaffBook) -> None:
    who = staff[(Role.CLERK, COUNTY)]
    for params in (
        {"quarter_from": "2026Q5"},
        {"quarter_from": "2027Q1", "quarter_to": "2026Q4"},
    ):
        response = client.get(
            f"{LIAISONS}/analysis", params=params, headers=who.headers
        )
        assert_problem(response, 422, "invalid-input")


# -- 工作评议 ------------------------------------------------------------------------


def rate(client: TestClient, receipt: dict[str, Any], rating: str, **extra: str) -> Any:
    body = {
        "receipt_number": receipt["receipt_number"],
        "query_code": receipt["query_code"],
        "rating": rating,
        **extra,
    }
    return client.post(RATINGS, json=body)


def statistics(client: TestClient, who: Staff, group_by: str) -> dict[str, Any]:
    params = {"consistent_after": caught_up(client), "group_by": group_by}
    return ok(client.get(RATING_STATISTICS, params=params, headers=who.headers))


def group(figures: dict[str, Any], key: str) -> dict[str, Any]:
    empty = {"rated": 0, "satisfied": 0, "fairly_satisfied": 0, "dissatisfied": 0}
    return next((g for g in figures["groups"] if g["key"] == key), empty)


def decide(
    client: TestClient, staff: StaffBook, receipt: dict[str, Any], verb: str
) -> None:
    case = f"{APPLICATIONS}/{receipt['id']}"
    ok(post(client, f"{case}/accept", staff[(Role.CLERK, COUNTY)]))
    ok(
        post(
            client,
            f"{case}/{verb}",
            staff[(Role.APPROVER, COUNTY)],
            APPLICATION_BODIES[verb],
        )
    )


def test_the_applicant_rates_a_decision_once_without_a_token(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = receive(client, staff[(Role.CLERK, COUNTY)])
    early = rate(client, receipt, "satisfied")
    assert_problem(
        early, 409, "illegal-transition", detail="once the application is decided"
    )
    decide(client, staff, receipt, "refuse")
    first = rate(
        client, receipt, "dissatisfied", comment="等待时间长，联系电话13812345678未接"
    )
    assert first.status_code == 201, first.text
    assert first.json()["rating"] == "dissatisfied"
    second = rate(client, receipt, "satisfied")
    assert_problem(second, 409, "already-rated")


def test_a_wrong_query_code_answers_as_an_unknown_receipt(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = receive(client, staff[(Role.CLERK, COUNTY)])
    decide(client, staff, receipt, "refuse")
    wrong = rate(client, {**receipt, "query_code": "AAAA-BBBB-CCCC"}, "satisfied")
    unknown = rate(
        client, {**receipt, "receipt_number": "32080320990101000000"}, "satisfied"
    )
    assert_problem(wrong, 404, "not-found")
    assert_problem(unknown, 404, "not-found")
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert rate(client, receipt, "satisfied").status_code == 201  # still rateable


def test_bad_rating_input_is_422_and_records_nothing(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = receive(client, staff[(Role.CLERK, COUNTY)])
    decide(client, staff, receipt, "refuse")
    head = log_head(client)
    assert_problem(rate(client, receipt, "excellent"), 422, "invalid-input")
    assert_problem(
        rate(client, receipt, "satisfied", comment="a\x00b"), 422, "invalid-input"
    )
    assert log_head(client) == head


def test_rating_statistics_count_each_grade_per_unit_and_item(
    client: TestClient, staff: StaffBook
) -> None:
    auditor = staff[(Role.AUDITOR, COUNTY)]
    by_unit, by_item = (
        statistics(client, auditor, "unit"),
        statistics(client, auditor, "item"),
    )
    clerk = staff[(Role.CLERK, COUNTY)]
    for rating, verb in (
        ("satisfied", "grant"),
        ("fairly_satisfied", "refuse"),
        ("dissatisfied", "refuse"),
    ):
        receipt = receive(client, clerk)
        decide(client, staff, receipt, verb)
        assert rate(client, receipt, rating).status_code == 201
    unit_after, item_after = (
        statistics(client, auditor, "unit"),
        statistics(client, auditor, "item"),
    )
    for before, after, key in (
        (by_unit, unit_after, COUNTY),
        (by_item, item_after, "XK-TZSB-SYDJ"),
    ):
        old, new = group(before, key), group(after, key)
        deltas = {
            k: new[k] - old[k]
            for k in ("rated", "satisfied", "fairly_satisfied", "dissatisfied")
        }
        assert deltas == {
            "rated": 3,
            "satisfied": 1,
            "fairly_satisfied": 1,
            "dissatisfied": 1,
        }
        assert new["satisfaction_rate"] == round(
            (new["satisfied"] + new["fairly_satisfied"]) / new["rated"], 4
        )
    assert unit_after["total"]["rated"] - by_unit["total"]["rated"] == 3


def test_rating_statistics_of_a_county_are_its_own(
    client: TestClient, staff: StaffBook
) -> None:
    other = staff[(Role.CLERK, OTHER_COUNTY)]
    figures = statistics(client, other, "unit")
    assert all(g["key"].startswith(OTHER_COUNTY) for g in figures["groups"])
    refused = client.get(
        RATING_STATISTICS, params={"group_by": "team"}, headers=other.headers
    )
    assert_problem(refused, 422, "invalid-input")


def test_a_keyed_retry_of_a_rating_gets_the_first_answer(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = receive(client, staff[(Role.CLERK, COUNTY)])
    decide(client, staff, receipt, "refuse")
    body = {
        "receipt_number": receipt["receipt_number"],
        "query_code": receipt["query_code"],
        "rating": "satisfied",
    }
    key = {"Idempotency-Key": f"rate-{receipt['id']}"}
    first = client.post(RATINGS, json=body, headers=key)
    retry = client.post(RATINGS, json=body, headers=key)
    assert first.status_code == 201, first.text
    assert (retry.status_code, retry.json()) == (201, first.json())
