"""The registry's cache never serves stale authorisation: a token revoked or a
role withdrawn through one instance is refused by another instance on the
same database on the very next request (domain/shared/store.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from domain.registry.staff import Staff, staff_id
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from tests.api.conftest import ALL_MATERIALS, COUNTY, ITEM, applicant
from tests.api.helpers import APPLICATIONS, assert_problem, ok

BOOT = Audit(actor=SYSTEM_BOOTSTRAP, request_id="stale-authorisation")


@pytest.fixture
def other(
    database_url: str, clock: FixedClock, services: Services
) -> Iterator[TestClient]:
    """A second instance of the service on the same database: its own
    services, pools and registry cache."""
    second = open_services(Settings(), clock=clock, url=database_url)
    with TestClient(create_app(Settings(), second)) as client:
        yield client
    second.close()


def enrol(services: Services, role: Role) -> tuple[str, UUID, dict[str, str]]:
    staff_no = f"STALE-{uuid.uuid4().hex[:8]}"
    services.registry.enrol_staff(staff_no, "临时", COUNTY, frozenset({role}), BOOT)
    secret, token_id = services.registry.issue_token(staff_no, "t", BOOT)
    return staff_no, token_id, {"Authorization": f"Bearer {secret}"}


def receive(client: TestClient, headers: dict[str, str], seed: int) -> httpx.Response:
    body = {"item_code": ITEM, "applicant": applicant(seed), "materials": ALL_MATERIALS}
    return client.post(APPLICATIONS, json=body, headers=headers)


def test_a_token_revoked_through_one_instance_is_refused_by_another_at_once(
    services: Services, other: TestClient
) -> None:
    _, token_id, headers = enrol(services, Role.CLERK)
    case = ok(receive(other, headers, 801), 201)  # the other's cache holds it
    accept = f"{APPLICATIONS}/{case['id']}/accept"

    services.registry.revoke_token(token_id, BOOT)

    assert_problem(other.post(accept, headers=headers), 401, "unauthenticated")
    assert_problem(
        other.get(accept.removesuffix("/accept"), headers=headers),
        401,
        "unauthenticated",
    )


def test_a_role_withdrawn_through_one_instance_takes_effect_in_another_at_once(
    services: Services, other: TestClient
) -> None:
    staff_no, _, headers = enrol(services, Role.CLERK)
    ok(receive(other, headers, 802), 201)

    member = services.registry.find(Staff, staff_id(staff_no))
    assert member is not None
    member.change_roles(frozenset({Role.REVIEWER}), BOOT.because("调岗"))
    services.registry.save(member)

    assert_problem(receive(other, headers, 803), 403, "forbidden")


def test_a_refusal_answered_from_the_cache_alone_is_checked_before_it_leaves(
    services: Services, other: TestClient
) -> None:
    # A clerk may not grant: refused by the role check, before the case is
    # read — so no round trip carries the check; the answer itself waits for it.
    _, token_id, headers = enrol(services, Role.CLERK)
    case = ok(receive(other, headers, 804), 201)
    grant = f"{APPLICATIONS}/{case['id']}/grant"
    body = {"decision_number": "X", "scope": "Y", "reason": "Z"}
    assert_problem(other.post(grant, json=body, headers=headers), 403, "forbidden")

    services.registry.revoke_token(token_id, BOOT)

    assert_problem(
        other.post(grant, json=body, headers=headers), 401, "unauthenticated"
    )


def test_the_cache_serves_while_nothing_changed(
    services: Services, other: TestClient
) -> None:
    _, _, headers = enrol(services, Role.CLERK)
    ok(receive(other, headers, 805), 201)
    registry = other.app.state.services.registry  # type: ignore[attr-defined]
    generation = registry._generation

    ok(receive(other, headers, 806), 201)

    assert registry._generation is generation
