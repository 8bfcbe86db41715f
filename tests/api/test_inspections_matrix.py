"""Who may call what on inspections: every command route on a plan and on an
inspection × every role × in and out of jurisdiction. The table is the
service's own (`Inspections.permissions`) and the routes are those the
service declares (`Inspections.routes_on`), so a new verb or a changed
permission shows up here without anyone remembering to add it. The plan and
its inspections belong to the city (3208); the county's staff (320803) and
the neighbouring county's are outside it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.storage import Services
from api.inspections import service
from domain.inspections.check_item import CheckItemTerms
from domain.inspections.inspection import Inspection
from domain.inspections.plan import (
    DirectoryEntry,
    InspectionPlan,
    PlanTerms,
    PoolEntry,
    Scope,
)
from domain.inspections.rules import ItemKind, TargetKind
from domain.inspections.service import Inspections
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, Staff, make_uscc
from tests.api.helpers import ok, post

TODAY = "2026-11-23"
POOL = [f"{CITY}-M{n}" for n in range(1, 4)]
BODIES: dict[str, dict[str, Any]] = {
    "approve": {"reason": "同意"},
    "file": {"filed_with": "320000", "filed_on": TODAY, "reference": "备案"},
    "abandon-commitment": {"reason": "名录有误"},
    "draw": {"public_value": "1", "witness": "见证人"},
    "recuse": {"uscc": make_uscc(1), "staff_no": POOL[0], "reason": "回避"},
    "publish-results": {"reason": "公示"},
    "sampling": {
        "sample": {
            "product": "电热水壶",
            "batch": "1",
            "quantity": "1 台",
            "sampled_from": "awaiting_sale",
            "sampled_on": TODAY,
        }
    },
    "check": {
        "check": {
            "check_type": "routine",
            "equipment_code": "1",
            "findings": "正常",
            "checked_on": TODAY,
        }
    },
    "seal-up": {"kind": "sealing", "items": ["电梯"], "reason": "隐患"},
    "test-result": {
        "report": {
            "laboratory": "所",
            "report_number": "1",
            "items": [{"name": "泄漏电流", "conforming": False}],
            "tested_on": TODAY,
        }
    },
    "notify-result": {"received_on": TODAY},
    "objection": {"filed_on": TODAY, "grounds": "异议"},
    "decide-objection": {"accepted": True, "reason": "受理"},
    "retest-result": {
        "report": {
            "laboratory": "院",
            "report_number": "2",
            "items": [{"name": "泄漏电流", "conforming": False}],
            "tested_on": TODAY,
        }
    },
    "order-rectification": {
        "deadline": "2026-12-31",
        "requirements": "整改",
        "reason": "不合格",
    },
    "rectification-report": {"received_on": TODAY},
    "recheck": {"passed": True, "findings": "合格"},
    "follow-up": {"outcome": "announced", "reference": "公告1", "reason": "未整改"},
}


def _audit(services: Services, staff_no: str, role: Role) -> Audit:
    actor = services.registry.get_staff(staff_no).actor(role)
    return Audit(actor=actor, request_id="matrix-setup", reason="准备")


@pytest.fixture(scope="module")
def cases(services: Services, staff: dict[tuple[Role, str], Staff]) -> dict[str, str]:
    """A plan of the city, committed (its draw not made) and another drawn."""
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="matrix-setup")
    for staff_no in POOL:
        services.registry.enrol_staff(
            staff_no, staff_no, CITY, frozenset({Role.INSPECTOR}), boot
        )
    s = service(services)
    planner = _audit(services, f"{CITY}-planner", Role.PLANNER)
    approver = _audit(services, f"{CITY}-approver", Role.APPROVER)
    code = f"MX-{uuid.uuid4().int % 9000 + 1000}"
    s.list_item(
        audit=planner,
        terms=CheckItemTerms(
            code=code,
            name="矩阵",
            legal_basis="《产品质量法》第15条",
            kind=ItemKind.PRIORITY,
            target_kind=TargetKind.PRODUCT,
            line="product_quality",
        ),
    )
    header = (
        "uscc,name,region_code,industry,products,risk_tags,priority,abnormal,complaints"
    )
    rows = [
        f"{make_uscc(n)},厂{n},{COUNTY},C3849,电热水壶,,,否,0"
        for n in range(920_000, 920_004)
    ]
    s.import_targets(planner, "\n".join([header, *rows]))
    entries = _entries(rows)
    pool = [
        PoolEntry(staff_no=p, unit_code=CITY, lines=("product_quality",)) for p in POOL
    ]
    ids = {}
    for name in ("committed", "drawn"):
        plan_id = s.draft_plan(
            audit=planner,
            terms=PlanTerms(
                title="矩阵",
                item_code=code,
                period_from=date(2026, 11, 1),
                period_to=date(2026, 12, 31),
                scope=Scope(region=COUNTY),
                count=2,
            ),
        ).id
        s.approve_plan(plan_id, approver)
        s.file_plan(plan_id, planner, "320000", date(2026, 11, 23), "备案")
        s.commit_draw(plan_id, planner, entries, pool)
        ids[name] = str(plan_id)
    s.make_draw(uuid.UUID(ids["drawn"]), planner, "42", "见证人")
    drawn = s.load(InspectionPlan, uuid.UUID(ids["drawn"]), "plan")
    ids["inspection"] = str(drawn.assignments[0].inspection_id)
    return ids


def _entries(rows: list[str]) -> list[DirectoryEntry]:
    return [
        DirectoryEntry(
            uscc=r.split(",")[0],
            name=r.split(",")[1],
            region_code=COUNTY,
            industry="C3849",
        )
        for r in rows
    ]


def routes() -> list[tuple[str, str, frozenset[Role]]]:
    found = []
    for kind, target in ((InspectionPlan, "plan"), (Inspection, "inspection")):
        for spec in Inspections.routes_on(kind):
            found.append((target, spec.verb or "", spec.roles))
    return found


def test_every_command_route_has_a_body_in_the_matrix() -> None:
    assert {verb for _, verb, _ in routes()} <= set(BODIES)


def _path(cases: dict[str, str], target: str) -> str:
    if target == "plan":
        return f"/v1/inspections/plans/{cases['committed']}"
    return f"/v1/inspections/inspections/{cases['inspection']}"


@pytest.mark.parametrize(("target", "verb", "roles"), routes())
def test_a_role_the_command_does_not_permit_is_forbidden_and_nothing_changes(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    cases: dict[str, str],
    target: str,
    verb: str,
    roles: frozenset[Role],
) -> None:
    path = _path(cases, target)
    auditor = staff[(Role.AUDITOR, CITY)]
    before = client.get(path, headers=auditor.headers).headers["etag"]
    for role in Role:
        if role in roles:
            continue
        response = post(client, f"{path}/{verb}", staff[(role, CITY)], BODIES[verb])
        assert response.status_code == 403, (verb, role, response.text)
    assert client.get(path, headers=auditor.headers).headers["etag"] == before


@pytest.mark.parametrize(("target", "verb", "roles"), routes())
def test_a_permitted_role_outside_the_jurisdiction_is_forbidden(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    cases: dict[str, str],
    target: str,
    verb: str,
    roles: frozenset[Role],
) -> None:
    path = _path(cases, target)
    for role in roles:
        for unit in (COUNTY, OTHER_COUNTY):
            response = post(client, f"{path}/{verb}", staff[(role, unit)], BODIES[verb])
            assert response.status_code == 403, (verb, role, unit, response.text)


def test_every_role_of_the_city_reads_and_only_an_auditor_reads_from_outside(
    client: TestClient, staff: dict[tuple[Role, str], Staff], cases: dict[str, str]
) -> None:
    for target in ("plan", "inspection"):
        path = _path(cases, target)
        for role in Role:
            assert (
                client.get(path, headers=staff[(role, CITY)].headers).status_code == 200
            )
            outside = client.get(path, headers=staff[(role, OTHER_COUNTY)].headers)
            assert outside.status_code == (200 if role is Role.AUDITOR else 403), role


def test_the_planner_may_commit_a_draw_others_may_not(
    client: TestClient, staff: dict[tuple[Role, str], Staff], cases: dict[str, str]
) -> None:
    path = f"/v1/inspections/plans/{cases['committed']}/commit-draw"
    for role in Role:
        if role is Role.PLANNER:
            continue
        assert post(client, path, staff[(role, CITY)], {}).status_code == 403, role
    # The planner's: committed already, so refused by the plan's state.
    assert post(client, path, staff[(Role.PLANNER, CITY)], {}).status_code == 409
    assert (
        post(client, path, staff[(Role.PLANNER, OTHER_COUNTY)], {}).status_code == 403
    )


def test_only_a_planner_imports_a_directory(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    body = {
        "csv": "staff_no,lines,qualifications,active\n"
        + f"{POOL[0]},product_quality,,是"
    }
    for role in Role:
        response = post(
            client, "/v1/inspections/pool/import", staff[(role, CITY)], body
        )
        assert response.status_code == (200 if role is Role.PLANNER else 403), (
            role,
            response.text,
        )
    assert ok(
        post(
            client,
            "/v1/inspections/pool/import",
            staff[(Role.PLANNER, CITY)],
            body,
        )
    )
