"""Post-licence matters over HTTP: received on the applications route with a
`matter` and a `licence_id`, decided by the usual routes, carried out on the
licence, shown in views, history, the progress lookup and the statistics."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from tests.api.conftest import ALL_MATERIALS, ITEM, OTHER_COUNTY, applicant
from tests.api.helpers import (
    APPLICATIONS,
    LICENCES,
    StaffBook,
    assert_problem,
    field_errors,
    log_head,
    ok,
    post,
)

pytestmark = pytest.mark.usefixtures("projector")

STATISTICS = "/v1/licensing/statistics"
PROGRESS = "/public/v1/progress"
MAY_2032 = datetime(2032, 5, 10, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai


def _staff(staff: StaffBook, role: Role) -> Any:
    return staff[(role, OTHER_COUNTY)]


def _body(seed: int, **body: Any) -> dict[str, Any]:
    return {
        "item_code": ITEM,
        "applicant": applicant(seed, OTHER_COUNTY),
        "materials": ALL_MATERIALS,
        **body,
    }


def _refused(
    client: TestClient,
    staff: StaffBook,
    seed: int,
    licence_id: str,
    matter: str,
    **body: Any,
) -> Any:
    """A matter received, answered (not asserted): for refusals."""
    payload = _body(seed, matter=matter, licence_id=licence_id, **body)
    return post(client, APPLICATIONS, _staff(staff, Role.CLERK), payload)


def _receive(
    client: TestClient, staff: StaffBook, seed: int, **body: Any
) -> dict[str, Any]:
    return ok(
        post(client, APPLICATIONS, _staff(staff, Role.CLERK), _body(seed, **body)), 201
    )


def _act(
    client: TestClient,
    staff: StaffBook,
    role: Role,
    case_id: str,
    verb: str,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return ok(
        post(client, f"{APPLICATIONS}/{case_id}/{verb}", _staff(staff, role), body)
    )


def _grant(client: TestClient, staff: StaffBook, case_id: str, n: str) -> Any:
    _act(client, staff, Role.CLERK, case_id, "accept")
    return _act(
        client,
        staff,
        Role.APPROVER,
        case_id,
        "grant",
        {
            "decision_number": f"淮阴市监〔2032〕{n}号",
            "scope": "电梯 1 台",
            "reason": "符合条件",
        },
    )


def _registered(client: TestClient, staff: StaffBook, seed: int) -> str:
    """A use registration granted, its certificate issued and served."""
    created = _receive(client, staff, seed)
    granted = _grant(client, staff, created["id"], f"{seed}")
    _act(client, staff, Role.CLERK, created["id"], "issue-certificate")
    _act(
        client,
        staff,
        Role.CLERK,
        created["id"],
        "serve-certificate",
        {"method": "post"},
    )
    return str(granted["licence_id"])


def _matter(
    client: TestClient,
    staff: StaffBook,
    seed: int,
    licence_id: str,
    matter: str,
    **body: Any,
) -> dict[str, Any]:
    return _receive(client, staff, seed, matter=matter, licence_id=licence_id, **body)


def progress(client: TestClient, number: str, code: str) -> Any:
    """办件查询, retried while the read model catches up (public lookups do not wait)."""
    deadline = time.monotonic() + 10
    params = {"receipt_number": number, "query_code": code}
    while True:
        r = client.get(PROGRESS, params=params)
        if (
            r.status_code == 200 and r.json()["decision"]
        ) or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def _licence(client: TestClient, staff: StaffBook, licence_id: str) -> dict[str, Any]:
    return ok(
        client.get(
            f"{LICENCES}/{licence_id}", headers=_staff(staff, Role.CLERK).headers
        )
    )


def test_a_change_is_a_matter_with_a_receipt_whose_grant_changes_the_licence(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clock.at = MAY_2032
    licence_id = _registered(client, staff, 920001)
    created = _matter(
        client,
        staff,
        920001,
        licence_id,
        "change",
        change={"address": "淮阴区新址 8 号"},
    )
    assert created["matter"] == "change"
    assert created["licence_id"] == licence_id
    assert created["post_licence"]["change"]["address"] == "淮阴区新址 8 号"
    assert created["receipt_number"]
    assert created["query_code"]
    _grant(client, staff, created["id"], "920001-BG")
    assert _licence(client, staff, licence_id)["holder"]["address"] == "淮阴区新址 8 号"
    _act(client, staff, Role.CLERK, created["id"], "issue-certificate")
    served = _act(
        client,
        staff,
        Role.CLERK,
        created["id"],
        "serve-certificate",
        {"method": "in_person"},
    )
    assert served["status"] == "certificate_served"
    history = ok(
        client.get(
            f"{APPLICATIONS}/{created['id']}/history",
            headers=_staff(staff, Role.CLERK).headers,
        )
    )
    assert "收到变更申请材料" in history["events"][0]["summary"]


def test_suspension_and_scrapping_of_a_use_registration_are_matters_done_at_the_grant(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clock.at = MAY_2032
    licence_id = _registered(client, staff, 920002)
    stop = _matter(client, staff, 920002, licence_id, "suspension")
    granted = _grant(client, staff, stop["id"], "920002-TY")
    assert granted["certificate_due"] is None
    assert _licence(client, staff, licence_id)["status"] == "suspended"
    issue = post(
        client,
        f"{APPLICATIONS}/{stop['id']}/issue-certificate",
        _staff(staff, Role.CLERK),
    )
    assert_problem(issue, 409, "illegal-transition", detail="no certificate")
    scrap = _matter(client, staff, 920002, licence_id, "scrapping")
    _grant(client, staff, scrap["id"], "920002-BF")
    assert _licence(client, staff, licence_id)["status"] == "scrapped"

    found = ok(progress(client, scrap["receipt_number"], scrap["query_code"]))
    assert found["matter"] == "scrapping"
    assert found["matter_name"] == "报废"
    assert found["finished"] is True


def test_a_matter_the_licence_does_not_admit_is_refused_and_nothing_is_stored(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clock.at = MAY_2032
    licence_id = _registered(client, staff, 920003)
    cancel = _matter(client, staff, 920003, licence_id, "cancellation")
    _grant(client, staff, cancel["id"], "920003-ZX")
    assert _licence(client, staff, licence_id)["status"] == "cancelled"
    head = log_head(client)
    refused = _refused(
        client, staff, 920003, licence_id, "change", change={"scope": "电梯 2 台"}
    )
    assert_problem(refused, 409, "illegal-transition", detail="cancelled")
    assert log_head(client) == head


def test_a_matter_of_an_unknown_licence_is_a_field_error(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    unknown = "00000000-0000-0000-0000-000000000001"
    refused = _refused(client, staff, 920004, unknown, "reissue", reissue_cause="lost")
    body = assert_problem(refused, 422, "invalid-input")
    assert "licence_id" in field_errors(body)
    assert log_head(client) == head


def test_statistics_count_each_matter_and_the_certificates_changes_and_reissues_make(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clock.at = datetime(2032, 6, 7, 1, 0, tzinfo=UTC)  # a Monday
    first = _registered(client, staff, 920011)
    second = _registered(client, staff, 920012)
    change = _matter(
        client, staff, 920011, first, "change", change={"holder_name": "淮阴新名称公司"}
    )
    reissue = _matter(client, staff, 920012, second, "reissue", reissue_cause="damaged")
    for case, n in ((change, "BG"), (reissue, "BL")):
        _grant(client, staff, case["id"], f"920011-{n}")
        _act(client, staff, Role.CLERK, case["id"], "issue-certificate")
        _act(
            client,
            staff,
            Role.CLERK,
            case["id"],
            "serve-certificate",
            {"method": "post"},
        )
    stop = _matter(client, staff, 920011, first, "suspension")
    last = _grant(client, staff, stop["id"], "920011-TY")

    stats = ok(
        client.get(
            STATISTICS,
            params={
                "from": "2032-06-01",
                "to": "2032-06-30",
                "unit": OTHER_COUNTY,
                "group_by": "matter",
                "consistent_after": last["position"],
            },
            headers=staff[(Role.AUDITOR, OTHER_COUNTY)].headers,
        )
    )
    got = {
        g["key"]: (
            g["received"],
            g["completed"],
            g["certificates_issued"],
            g["certificates_served"],
        )
        for g in stats["groups"]
    }
    assert got == {
        "change": (1, 1, 1, 1),
        "new": (2, 2, 2, 2),
        "reissue": (1, 1, 1, 1),
        "suspension": (1, 1, 0, 0),
    }
    assert stats["total"]["certificates_served"] == 4
    assert stats["total"]["on_time_rate"] == 1.0
