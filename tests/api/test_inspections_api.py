"""Inspections through HTTP (issue 11): the item list, the directories' CSV
imports, a plan from draft to its publicly verifiable draw — re-run by an
independent implementation that imports no project code — an inspection's
lifecycle, 你点我查 nominations, statistics, and who may do what where."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.host.clock import DeadlineClock
from api.host.storage import Services
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from projections.runtime import Projector, wait_for
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, Staff, make_uscc
from tests.api.helpers import assert_problem, ok, post
from tests.independent import draw_reference

ITEMS = "/v1/inspections/items"
PLANS = "/v1/inspections/plans"
CASES = "/v1/inspections/inspections"
PUBLIC = "/public/v1/inspections"
TODAY = date(2026, 11, 23)
POOL = [f"{CITY}-J{n}" for n in range(1, 6)]


@pytest.fixture(scope="module")
def inspectors(services: Services) -> dict[str, Staff]:
    """Five inspectors of the city, each with a token."""
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    people = {}
    for staff_no in POOL:
        services.registry.enrol_staff(
            staff_no, f"检查员{staff_no}", CITY, frozenset({Role.INSPECTOR}), boot
        )
        secret, _ = services.registry.issue_token(staff_no, "tests", boot)
        people[staff_no] = Staff(staff_no, secret, CITY, Role.INSPECTOR)
    return people


def who(staff: dict[tuple[Role, str], Staff], role: Role, unit: str = CITY) -> Staff:
    return staff[(role, unit)]


def item_terms(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": "电热水壶产品质量监督抽查",
        "legal_basis": "《产品质量法》第15条",
        "kind": "general",
        "target_kind": "product",
        "line": "product_quality",
        "max_ratio_permille": 500,
    }


def targets_csv(seeds: range, region: str = COUNTY) -> str:
    header = (
        "uscc,name,region_code,industry,products,risk_tags,priority,abnormal,complaints"
    )
    rows = [
        f"{make_uscc(s, region)},某某电器厂{s},{region},C3849,电热水壶,,{'school' if s % 5 == 0 else ''},{'是' if s % 4 == 0 else '否'},{s % 3}"
        for s in seeds
    ]
    return "\n".join([header, *rows])


@pytest.fixture(scope="module")
def directory(
    app_client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    inspectors: dict[str, Staff],
) -> dict[str, Any]:
    client = app_client
    planner = who(staff, Role.PLANNER)
    code = f"CJ-{uuid.uuid4().int % 9000 + 1000}"
    ok(post(client, ITEMS, planner, {"terms": item_terms(code)}), 201)
    seeds = range(900_000, 900_030)
    targets = ok(
        post(
            client,
            "/v1/inspections/targets/import",
            planner,
            {"csv": targets_csv(seeds)},
        )
    )
    pool = "\n".join(
        ["staff_no,lines,qualifications,active"]
        + [f"{s},product_quality,执法证{s},是" for s in POOL]
    )
    imported = ok(post(client, "/v1/inspections/pool/import", planner, {"csv": pool}))
    return {"item": code, "seeds": seeds, "targets": targets, "pool": imported}


def draft(
    client: TestClient, staff: dict[tuple[Role, str], Staff], item: str, **kw: Any
) -> dict[str, Any]:
    terms = {
        "title": "2026年电热水壶监督抽查",
        "item_code": item,
        "period_from": "2026-11-01",
        "period_to": "2026-12-31",
        "scope": {"region": COUNTY, "industries": ["C38"]},
        "count": 3,
    } | kw
    return ok(post(client, PLANS, who(staff, Role.PLANNER), {"terms": terms}), 201)


def drawn(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    directory: dict[str, Any],
    projector: Projector,
) -> dict[str, Any]:
    plan = draft(client, staff, directory["item"])
    path = f"{PLANS}/{plan['id']}"
    ok(post(client, f"{path}/approve", who(staff, Role.APPROVER), {"reason": "同意"}))
    ok(
        post(
            client,
            f"{path}/file",
            who(staff, Role.PLANNER),
            {
                "filed_with": "320000",
                "filed_on": str(TODAY),
                "reference": "苏市监备1号",
            },
        )
    )
    token = directory["pool"]["consistency_token"]
    committed = ok(
        post(
            client,
            f"{path}/commit-draw?consistent_after={token}",
            who(staff, Role.PLANNER),
            {"reason": "按计划抽取"},
        )
    )
    return committed


def on_board(client: TestClient, reader: Staff, case: dict[str, Any]) -> bool:
    """Whether the case's deadline is on the shared board, page by page."""
    params: dict[str, Any] = {
        "consistent_after": case["consistency_token"],
        "unit": CITY,
        "limit": 200,
    }
    for _ in range(20):
        page = ok(client.get("/v1/deadlines", params=params, headers=reader.headers))
        if any(r["reference"] == case["number"] for r in page["items"]):
            return True
        if page["next_cursor"] is None:
            return False
        params = {"after": page["next_cursor"], "unit": CITY, "limit": 200}
    return False


def test_a_bad_import_lists_each_bad_row_and_records_nothing(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    planner = who(staff, Role.PLANNER, COUNTY)
    text = (
        targets_csv(range(910_000, 910_003))
        + "\n"
        + "91320803XXXXXXXXXX,坏行,320803,C3849,,,,否,0"
    )
    text += f"\n{make_uscc(910_010, OTHER_COUNTY)},别处,{OTHER_COUNTY},C3849,,,,否,0"
    response = post(client, "/v1/inspections/targets/import", planner, {"csv": text})
    body = assert_problem(response, 422, "invalid-input")
    rows = {(e["row"], e["field"]) for e in body["errors"]}
    assert (5, "uscc") in rows
    assert (6, "region_code") in rows
    listed = client.get(
        "/v1/inspections/targets",
        params={"region": COUNTY},
        headers=planner.headers,
    )
    assert make_uscc(910_000) not in listed.text


def test_the_draw_is_committed_then_verified_by_an_independent_implementation(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    directory: dict[str, Any],
    projector: Projector,
) -> None:
    plan = drawn(client, staff, directory, projector)
    before = ok(client.get(f"{PUBLIC}/plans/{plan['id']}/draw"))["document"]
    # Public queries do not wait for a position: a staff read does first.
    caught_up = {"consistent_after": plan["consistency_token"]}
    auditor = who(staff, Role.AUDITOR)
    ok(client.get(PLANS, params=caught_up, headers=auditor.headers))
    listed = ok(client.get(f"{PUBLIC}/plans", params={"limit": 200}))
    committed = next(d for d in listed["items"] if d["id"] == plan["id"])
    assert committed["seed_sha256"] == before["commitment"]["seed_sha256"]
    assert before["secret"] is None
    assert before["result"] == []
    assert len(before["snapshot"]["candidates"]) == 30
    # The public value is fixed only now, after the commitment was published.
    drawn_plan = ok(
        post(
            client,
            f"{PLANS}/{plan['id']}/draw",
            who(staff, Role.PLANNER),
            {
                "public_value": "2026-11-23 上证指数收盘 3391.27",
                "witness": "公证员 李四",
            },
        )
    )
    assert len(drawn_plan["assignments"]) == 3
    after = ok(client.get(f"{PUBLIC}/plans/{plan['id']}/draw"))["document"]
    assert after["commitment"] == before["commitment"]
    assert after["secret"] is not None
    # Re-run from the published document alone (tests/independent imports
    # no project code).
    assert draw_reference.check(after) == []
    recomputed = draw_reference.recompute(after)
    assert recomputed["result"] == after["result"]
    for assignment in after["result"]:
        assert len(assignment["inspectors"]) >= 2
        assert set(assignment["inspectors"]) <= set(POOL)
    verdict = ok(client.get(f"{PUBLIC}/plans/{plan['id']}/draw/verification"))
    assert verdict == {"verified": True, "problems": []}
    tampered = after | {"public_value": "another value"}
    assert draw_reference.check(tampered) != []
    history = ok(
        client.get(
            f"{PLANS}/{plan['id']}/history", headers=who(staff, Role.AUDITOR).headers
        )
    )
    assert after["secret"] not in str(history)


def test_an_inspection_runs_from_sampling_to_an_order_not_suspended_by_objection(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    inspectors: dict[str, Staff],
    directory: dict[str, Any],
    projector: Projector,
    services: Services,
) -> None:
    plan = drawn(client, staff, directory, projector)
    result = ok(
        post(
            client,
            f"{PLANS}/{plan['id']}/draw",
            who(staff, Role.PLANNER),
            {"public_value": "20261123", "witness": "见证人"},
        )
    )
    first = result["assignments"][0]
    path = f"{CASES}/{first['inspection_id']}"
    mine = inspectors[first["inspectors"][0]]
    stranger = next(
        s for s in inspectors.values() if s.staff_no not in first["inspectors"]
    )
    sample = {
        "product": "电热水壶",
        "batch": "20261101",
        "quantity": "4 台",
        "sampled_from": "awaiting_sale",
        "sampled_on": str(TODAY),
    }
    assert_problem(
        post(client, f"{path}/sampling", stranger, {"sample": sample}), 403, "forbidden"
    )
    ok(post(client, f"{path}/sampling", mine, {"sample": sample}))
    report = {
        "laboratory": "市产品质量监督检验所",
        "report_number": "JY-1",
        "items": [
            {"name": "泄漏电流", "conforming": False},
            {"name": "标志", "conforming": True},
        ],
        "tested_on": str(TODAY),
    }
    assert_problem(
        post(client, f"{path}/test-result", mine, {"report": report}), 403, "forbidden"
    )
    ok(
        post(
            client,
            f"{path}/test-result",
            who(staff, Role.LABORATORY),
            {"report": report},
        )
    )
    notified = ok(
        post(client, f"{path}/notify-result", mine, {"received_on": str(TODAY)})
    )
    # 15 calendar days from Mon 11/23: Tue 12/8.
    assert notified["objection_window_due"] == "2026-12-08"
    objected = ok(
        post(
            client,
            f"{path}/objection",
            mine,
            {"filed_on": str(TODAY), "grounds": "有异议"},
        )
    )
    # 3 working days from Mon 11/23: Thu 11/26.
    assert objected["objection_decision_due"] == "2026-11-26"
    ordered = ok(
        post(
            client,
            f"{path}/order-rectification",
            mine,
            {
                "deadline": "2026-12-31",
                "requirements": "停止销售该批次",
                "reason": "不合格",
            },
        )
    )
    assert ordered["rectification"] == "ordered"
    assert ordered["stage"] == "objected"
    ok(
        post(
            client,
            f"{path}/decide-objection",
            who(staff, Role.APPROVER),
            {"accepted": True, "reason": "符合条件"},
        )
    )
    same_lab = post(
        client, f"{path}/retest-result", who(staff, Role.LABORATORY), {"report": report}
    )
    assert_problem(same_lab, 422, "invalid-input")
    retested = ok(
        post(
            client,
            f"{path}/retest-result",
            who(staff, Role.LABORATORY),
            {"report": report | {"laboratory": "省质检院", "report_number": "FJ-1"}},
        )
    )
    assert retested["stage"] == "final"
    assert on_board(client, who(staff, Role.PLANNER), retested)
    # The nonconforming result may lead to a penalty case (an objection does
    # not suspend case filing): the enforcement context takes it as an origin.
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    second = f"{CITY}-officer-{uuid.uuid4().hex[:6]}"
    services.registry.enrol_staff(
        second, "办案员二", CITY, frozenset({Role.OFFICER}), boot
    )
    opened = ok(
        post(
            client,
            "/v1/enforcement/cases",
            who(staff, Role.OFFICER),
            {
                "party": {
                    "name": first["name"],
                    "party_type": "legal_person",
                    "uscc": first["uscc"],
                    "legal_representative": "张三",
                    "region_code": COUNTY,
                },
                "facts": "生产销售泄漏电流不合格的电热水壶。",
                "unit_code": CITY,
                "officers": [who(staff, Role.OFFICER).staff_no, second],
                "origin": {"context": "inspections", "case_id": first["inspection_id"]},
                "reason": "监督抽查不合格，依法立案",
            },
        ),
        201,
    )
    assert opened["origin"]["kind"] == "inspection"
    assert opened["origin"]["number"] == retested["number"]
    listed = ok(
        client.get(
            CASES,
            params={
                "plan_id": plan["id"],
                "consistent_after": retested["consistency_token"],
            },
            headers=who(staff, Role.AUDITOR).headers,
        )
    )
    assert len(listed["items"]) == 3
    figures = ok(
        client.get(
            "/v1/inspections/statistics",
            params={"from": "2026-01-01", "to": "2026-12-31"},
            headers=who(staff, Role.AUDITOR).headers,
        )
    )
    assert figures["targets_drawn"] >= 3
    assert figures["objections_accepted"] >= 1


def test_a_nomination_needs_no_token_and_planners_see_them_grouped(
    client: TestClient, staff: dict[tuple[Role, str], Staff], projector: Projector
) -> None:
    body = {
        "kind": "product",
        "subject": "加油机",
        "region_code": COUNTY,
        "reason": "加油量不足",
    }
    receipt = ok(client.post("/public/v1/nominations", json=body), 201)
    assert (
        client.post(
            "/public/v1/nominations", json=body | {"reason": "a\x00b"}
        ).status_code
        == 422
    )
    status = ok(client.get(f"/public/v1/nominations/{receipt['number']}"))
    assert status["plan_number"] is None
    grouped = ok(
        client.get(
            "/v1/inspections/nominations",
            params={"consistent_after": receipt["consistency_token"]},
            headers=who(staff, Role.PLANNER, COUNTY).headers,
        )
    )
    assert any(g["subject"] == "加油机" for g in grouped["groups"])


def test_the_item_list_is_public(
    client: TestClient, directory: dict[str, Any], projector: Projector
) -> None:
    listed = ok(
        client.get(
            f"{PUBLIC}/items",
            params={"consistent_after": directory["pool"]["consistency_token"]},
        )
    )
    assert any(i["code"] == directory["item"] for i in listed["items"])


def test_roles_and_jurisdiction_decide_who_plans_and_approves(
    client: TestClient, staff: dict[tuple[Role, str], Staff], directory: dict[str, Any]
) -> None:
    for role in (Role.CLERK, Role.INSPECTOR, Role.AUDITOR, Role.LABORATORY):
        response = post(client, PLANS, who(staff, role), {"terms": {"title": "x"}})
        assert response.status_code in (403, 422), (role, response.text)
    plan = draft(client, staff, directory["item"])
    path = f"{PLANS}/{plan['id']}"
    assert_problem(
        post(client, f"{path}/approve", who(staff, Role.PLANNER), {"reason": "x"}),
        403,
        "forbidden",
    )
    assert_problem(
        post(
            client,
            f"{path}/approve",
            who(staff, Role.APPROVER, OTHER_COUNTY),
            {"reason": "x"},
        ),
        403,
        "forbidden",
    )
    assert_problem(
        post(
            client,
            f"{path}/draw",
            who(staff, Role.PLANNER),
            {"public_value": "1", "witness": "w"},
        ),
        409,
        "illegal-transition",
    )
    assert client.get(path, headers=who(staff, Role.AUDITOR).headers).status_code == 200
    assert (
        client.get(
            path, headers=who(staff, Role.CLERK, OTHER_COUNTY).headers
        ).status_code
        == 403
    )
    assert client.get(path).status_code == 401


def test_the_clock_makes_a_result_final_the_day_after_the_objection_window(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    inspectors: dict[str, Staff],
    directory: dict[str, Any],
    projector: Projector,
    services: Services,
    clock: FixedClock,
) -> None:
    plan = drawn(client, staff, directory, projector)
    result = ok(
        post(
            client,
            f"{PLANS}/{plan['id']}/draw",
            who(staff, Role.PLANNER),
            {"public_value": "clock", "witness": "见证人"},
        )
    )
    first = result["assignments"][0]
    path = f"{CASES}/{first['inspection_id']}"
    mine = inspectors[first["inspectors"][0]]
    sample = {
        "product": "电热水壶",
        "batch": "1",
        "quantity": "2 台",
        "sampled_from": "finished_goods_store",
        "sampled_on": str(TODAY),
    }
    ok(post(client, f"{path}/sampling", mine, {"sample": sample}))
    report = {
        "laboratory": "市所",
        "report_number": "JY-9",
        "items": [{"name": "泄漏电流", "conforming": False}],
        "tested_on": str(TODAY),
    }
    ok(
        post(
            client,
            f"{path}/test-result",
            who(staff, Role.LABORATORY),
            {"report": report},
        )
    )
    notified = ok(
        post(client, f"{path}/notify-result", mine, {"received_on": str(TODAY)})
    )
    with psycopg.connect(services.url, autocommit=True) as conn:
        assert wait_for(conn, ("inspections",), notified["position"], timeout=30)
    clock.at = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # the window's last day
    DeadlineClock(services).tick()
    assert ok(client.get(path, headers=mine.headers))["stage"] == "notified"
    clock.at = datetime(2026, 12, 9, 1, 0, tzinfo=UTC)
    assert DeadlineClock(services).tick().fired >= 1
    view = ok(client.get(path, headers=mine.headers))
    assert view["stage"] == "final"
    history = ok(client.get(f"{path}/history", headers=mine.headers))["events"]
    final = [e for e in history if e["type"] == "ResultFinal"]
    assert len(final) == 1
    assert final[0]["actor"]["id"] == "system:clock"


def test_a_commitment_retried_with_its_key_answers_as_the_first_did(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    directory: dict[str, Any],
) -> None:
    plan = draft(client, staff, directory["item"])
    path = f"{PLANS}/{plan['id']}"
    ok(post(client, f"{path}/approve", who(staff, Role.APPROVER), {"reason": "同意"}))
    filing = {"filed_with": "320000", "filed_on": str(TODAY), "reference": "备案2"}
    ok(post(client, f"{path}/file", who(staff, Role.PLANNER), filing))
    key = {"Idempotency-Key": f"commit-{uuid.uuid4()}"}
    token = directory["pool"]["consistency_token"]
    url = f"{path}/commit-draw?consistent_after={token}"
    planner = who(staff, Role.PLANNER)
    first = post(client, url, planner, {}, **key)
    again = post(client, url, planner, {}, **key)
    assert again.status_code == 200, again.text
    assert again.json()["position"] == first.json()["position"]
    assert again.json()["seed_sha256"] == first.json()["seed_sha256"]
    assert again.headers.get("Idempotent-Replayed") == "true"
