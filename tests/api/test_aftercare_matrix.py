"""Who may call what after the decision: every follow-up and liaison endpoint ×
every role × in or out of jurisdiction (as tests/api/test_authorisation_matrix.py
does for applications and licences; the commands come from the routers, the
roles from `Licensing.permissions`). Cases belong to the county 320803; its
staff and the city's (3208) are in jurisdiction, 320804's are not."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.host.storage import Services
from api.licensing import follow_ups
from domain.licensing.follow_up import follow_up_id
from domain.licensing.liaison import Liaison
from domain.licensing.service import Licensing
from domain.registry.enterprise import EnterpriseProfile
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, Staff, make_uscc
from tests.api.helpers import (
    StaffBook,
    assert_problem,
    commitment_licence,
    etag_of,
    log_head,
    ok,
    post,
    unchanged,
)

FOLLOW_UPS = "/v1/licensing/follow-ups"
LIAISONS = "/v1/licensing/liaisons"
UNITS = {COUNTY: "county", CITY: "city", OTHER_COUNTY: "other-county"}
SEEDS = itertools.count(1500)

BODIES: dict[str, dict[str, Any]] = {
    "record-follow-up": {"visited_on": "2026-11-23", "findings": "运行正常"},
    "change-contact": {"contact_staff_no": f"{COUNTY}-clerk", "reason": "人员调整"},
    "record-liaison-visit": {"visited_on": "2026-11-23", "findings": ["无"]},
    "end-liaison": {"reason": "企业注销"},
}


@dataclass(frozen=True)
class Endpoint:
    base: str
    verb: str
    permission: str

    @property
    def allowed(self) -> frozenset[Role]:
        return Licensing.permissions[self.permission]

    def __str__(self) -> str:
        return f"POST {self.base}/{{case_id}}/{self.verb}"


COMMANDS = [
    *(Endpoint(FOLLOW_UPS, c.verb or "", c.name) for c in follow_ups.COMMANDS),
    *(Endpoint(LIAISONS, c.verb or "", c.name) for c in Licensing.routes_on(Liaison)),
]
DESIGNATE = "designate_liaison"


def cells(
    endpoints: list[Endpoint], *, permitted: bool, units: tuple[str, ...]
) -> list[Any]:
    return [
        pytest.param(e, role, unit, id=f"{e.verb}-{role.value}-{UNITS[unit]}")
        for e in endpoints
        for role in Role
        for unit in units
        if (role in e.allowed) is permitted
    ]


def new_enterprise(services: Services) -> str:
    uscc = make_uscc(next(SEEDS), COUNTY)
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    profile = EnterpriseProfile(uscc=uscc, name="淮安矩阵企业", region_code=COUNTY)
    services.registry.register_enterprise(profile, boot)
    return uscc


def designation(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "contact_staff_no": f"{COUNTY}-reviewer",
        "reason": "定点联系",
    }


def new_case(
    client: TestClient, staff: StaffBook, services: Services, base: str
) -> str:
    """A fresh follow-up schedule (from a grant) or liaison of the county."""
    if base == FOLLOW_UPS:
        licence = commitment_licence(client, staff, seed=next(SEEDS))
        return str(follow_up_id(UUID(licence["id"])))
    body = designation(new_enterprise(services))
    return str(
        ok(post(client, LIAISONS, staff[(Role.APPROVER, COUNTY)], body), 201)["id"]
    )


def refused(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    who: Staff,
) -> Any:
    """The command on the shared case, which must leave it as it was."""
    case = f"{endpoint.base}/{cases[endpoint.base]}"
    with unchanged(client, case, staff[(Role.AUDITOR, COUNTY)]):
        return post(client, f"{case}/{endpoint.verb}", who, BODIES[endpoint.verb])


@pytest.fixture(scope="module")
def cases(
    app_client: TestClient, staff: StaffBook, services: Services
) -> dict[str, str]:
    return {
        base: new_case(app_client, staff, services, base)
        for base in (FOLLOW_UPS, LIAISONS)
    }


def test_every_route_is_in_the_matrix_with_a_permission(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    posts = {
        path
        for path, operations in paths.items()
        if path.startswith((FOLLOW_UPS, LIAISONS)) and "post" in operations
    }
    assert posts == {f"{e.base}/{{case_id}}/{e.verb}" for e in COMMANDS} | {LIAISONS}
    for endpoint in COMMANDS:
        assert endpoint.allowed, f"nobody may call {endpoint}"
    assert Licensing.permissions[DESIGNATE] == {Role.APPROVER}


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells(COMMANDS, permitted=False, units=tuple(UNITS)),
)
def test_a_role_the_command_does_not_permit_is_forbidden_and_nothing_changes(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    response = refused(client, staff, cases, endpoint, staff[(role, unit)])
    body = assert_problem(response, 403, "forbidden", detail="needs one of the roles")
    for allowed in endpoint.allowed:
        assert allowed.value in body["detail"]


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells(COMMANDS, permitted=True, units=(OTHER_COUNTY,)),
)
def test_a_permitted_role_outside_the_cases_jurisdiction_is_forbidden(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    response = refused(client, staff, cases, endpoint, staff[(role, unit)])
    assert_problem(response, 403, "forbidden", detail="outside")


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells(COMMANDS, permitted=True, units=(COUNTY, CITY)),
)
def test_a_permitted_role_of_the_county_or_its_city_may_act(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    case = f"{endpoint.base}/{new_case(client, staff, services, endpoint.base)}"
    actor = staff[(role, unit)]
    response = post(client, f"{case}/{endpoint.verb}", actor, BODIES[endpoint.verb])
    assert response.status_code == 200, response.text
    etag_of(response)
    recorded = ok(client.get(f"{case}/history", headers=actor.headers))["events"][-1]
    assert recorded["actor"]["id"] == actor.staff_no
    assert recorded["actor"]["role"] == role.value
    assert recorded["causation"] == f"command:{endpoint.permission}"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.APPROVER])
def test_only_an_approver_designates_a_liaison_and_a_refusal_files_nothing(
    client: TestClient, staff: StaffBook, services: Services, role: Role
) -> None:
    uscc = new_enterprise(services)
    head = log_head(client)
    response = post(client, LIAISONS, staff[(role, COUNTY)], designation(uscc))
    assert_problem(response, 403, "forbidden", detail="needs one of the roles")
    assert log_head(client) == head


@pytest.mark.parametrize("unit", list(UNITS), ids=list(UNITS.values()))
def test_an_approver_designates_a_liaison_only_within_its_jurisdiction(
    client: TestClient, staff: StaffBook, services: Services, unit: str
) -> None:
    response = post(
        client,
        LIAISONS,
        staff[(Role.APPROVER, unit)],
        designation(new_enterprise(services)),
    )
    if unit == OTHER_COUNTY:
        assert_problem(response, 403, "forbidden", detail="outside")
    else:
        assert ok(response, 201)["unit_code"] == COUNTY


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("unit", list(UNITS), ids=list(UNITS.values()))
def test_reads_of_a_case_follow_jurisdiction_and_an_auditor_reads_all(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    role: Role,
    unit: str,
) -> None:
    who = staff[(role, unit)]
    readable = unit != OTHER_COUNTY or role is Role.AUDITOR
    for base, case_id in cases.items():
        for suffix in ("", "/history"):
            response = client.get(f"{base}/{case_id}{suffix}", headers=who.headers)
            if readable:
                assert response.status_code == 200, response.text
            else:
                assert_problem(response, 403, "forbidden")


@pytest.mark.usefixtures("projector")
@pytest.mark.parametrize(
    "path", ["/v1/licensing/liaisons/analysis", "/v1/licensing/statistics/ratings"]
)
def test_the_figures_need_a_token_and_every_role_reads_them(
    client: TestClient, staff: StaffBook, path: str
) -> None:
    assert_problem(client.get(path), 401, "unauthenticated")
    caught_up = {"consistent_after": f"licensing:{log_head(client)}"}
    for role in Role:
        who = staff[(role, COUNTY)]
        response = client.get(path, params=caught_up, headers=who.headers)
        assert response.status_code == 200, response.text
