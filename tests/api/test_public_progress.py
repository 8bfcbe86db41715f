"""办件查询 over HTTP: no token, only with the query code, nothing personal, and
a client that keeps guessing is refused for a while."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.recorder import API_SCHEMA
from api.http.limits import MAX_FAILURES, WINDOW_S
from domain.shared.audit import Role
from tests.api.conftest import COUNTY, applicant
from tests.api.helpers import (
    APPLICATIONS,
    StaffBook,
    assert_problem,
    field_errors,
    ok,
    post,
)

pytestmark = pytest.mark.usefixtures("projector")

PROGRESS = "/public/v1/progress"
MATERIALS = [
    "特种设备使用登记表",
    "使用单位统一社会信用代码证明",
    "产品合格证",
    "监督检验证明",
    "安装告知书",
]


def forget_failures(client: TestClient) -> None:
    pool = client.app.state.reads.pool  # type: ignore[attr-defined]
    with pool.connection() as conn:
        conn.execute(f"DELETE FROM {API_SCHEMA}.lookup_failures")


@pytest.fixture(autouse=True)
def fresh_limiter(client: TestClient) -> Iterator[None]:
    """Each test starts (and leaves) with no failed lookups on record."""
    forget_failures(client)
    yield
    forget_failures(client)


def received(client: TestClient, staff: StaffBook, seed: int) -> dict[str, Any]:
    body = {
        "item_code": "XK-TZSB-SYDJ",
        "applicant": applicant(
            seed,
            name=f"淮安私密电梯有限公司{seed}",
            address="淮安区私密路88号",
            phone="13912345678",
            legal_representative="张秘密",
        ),
        "materials": MATERIALS,
    }
    return ok(post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body), 201)


def lookup(client: TestClient, number: str, code: str, position: int = 0) -> Any:
    """With a position, retried while the answer is 503 not-caught-up (public
    lookups do not wait), as a client honouring Retry-After would."""
    params: dict[str, Any] = {"receipt_number": number, "query_code": code}
    if position:
        params["consistent_after"] = position
    deadline = time.monotonic() + 10
    while True:
        r = client.get(PROGRESS, params=params)
        if r.status_code != 503 or not position or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def test_the_right_code_shows_progress_and_nothing_personal(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720001)
    accepted = ok(
        post(
            client,
            f"{APPLICATIONS}/{created['id']}/accept",
            staff[(Role.CLERK, COUNTY)],
        )
    )
    r = lookup(
        client, created["receipt_number"], created["query_code"], accepted["position"]
    )
    body = ok(r)
    assert "authorization" not in {k.lower() for k in r.request.headers}
    assert body["receipt_number"] == created["receipt_number"]
    assert body["item_name"] == "特种设备使用登记"
    assert body["status"] == "已受理，审查中"
    assert body["finished"] is False
    assert body["received_on"] == body["accepted_on"] == "2026-11-23"
    assert body["decision"] is None
    assert body["deadline"] == {
        "kind": "decision",
        "due": "2026-12-21",
        "working_days_left": 20,
        "overdue": False,
        "provisional": False,
    }
    text = r.text
    applicant_data = created["applicant"]
    for secret in (
        applicant_data["name"],
        applicant_data["uscc"],
        applicant_data["phone"],
        applicant_data["address"],
        "张秘密",
        "13912345678",
        created["query_code"],
        created["id"],
    ):
        assert secret not in text, secret
    for key in ("applicant", "uscc", "phone", "address", "id_document_number", "agent"):
        assert key not in text, key


def test_the_code_is_accepted_without_dashes_and_in_lower_case(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720002)
    code, number = created["query_code"], created["receipt_number"]
    assert "-" in code
    for variant in (
        code,
        code.replace("-", ""),
        code.lower(),
        code.replace("-", "").lower(),
    ):
        body = ok(lookup(client, number, variant, created["position"]))
        assert body["status"] == "已收件"
        assert body["deadline"]["kind"] == "correction"


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


def test_a_wrong_code_and_an_unknown_number_answer_identically(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720003)
    number, code = created["receipt_number"], created["query_code"]
    wrong_code = "AAAA-BBBB-CCCC" if code != "AAAA-BBBB-CCCC" else "DDDD-EEEE-FFFF"
    wrong = lookup(client, number, wrong_code, created["position"])
    unknown = lookup(client, "32080319990101000000", code, created["position"])
    a = assert_problem(wrong, 404, "not-found")
    b = assert_problem(unknown, 404, "not-found")
    assert _comparable(a) == _comparable(b)
    assert wrong.headers["content-type"] == unknown.headers["content-type"]
    assert number not in wrong.text


def test_repeated_failures_are_refused_even_with_the_right_code(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720004)
    number, code = created["receipt_number"], created["query_code"]
    ok(lookup(client, number, code, created["position"]))
    for n in range(MAX_FAILURES):
        r = lookup(client, number, f"WRONG-{n:04d}")
        assert_problem(r, 404, "not-found")
    # successes do not count, nor wipe the record
    r = lookup(client, number, code)
    assert_problem(r, 429, "too-many-requests")
    retry = int(r.headers["retry-after"])
    assert 0 < retry <= WINDOW_S + 1
    r = lookup(client, "32080319990101000000", "ANY")
    assert_problem(r, 429, "too-many-requests")


def test_nine_failures_do_not_lock_the_client_out(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720005)
    number, code = created["receipt_number"], created["query_code"]
    for n in range(MAX_FAILURES - 1):
        assert lookup(client, number, f"WRONG-{n:04d}").status_code == 404
    ok(lookup(client, number, code, created["position"]))


@pytest.mark.parametrize(
    ("params", "missing"),
    [
        ({}, {"receipt_number", "query_code"}),
        ({"receipt_number": "32080320261123000001"}, {"query_code"}),
        ({"query_code": "AAAA-BBBB-CCCC"}, {"receipt_number"}),
        ({"receipt_number": "", "query_code": ""}, {"receipt_number", "query_code"}),
    ],
)
def test_missing_parameters_are_422(
    client: TestClient, params: dict[str, str], missing: set[str]
) -> None:
    r = client.get(PROGRESS, params=params)
    body = assert_problem(r, 422, "invalid-input")
    assert missing <= set(field_errors(body)), body


def test_the_lookup_shows_the_day_the_certificate_was_served(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720050)
    clerk = staff[(Role.CLERK, COUNTY)]
    case = f"{APPLICATIONS}/{created['id']}"
    ok(post(client, f"{case}/accept", clerk))
    ok(
        post(
            client,
            f"{case}/grant",
            staff[(Role.APPROVER, COUNTY)],
            {
                "decision_number": "淮区市监许〔2026〕9号",
                "scope": "电梯 1 台",
                "reason": "符合",
            },
        )
    )
    ok(post(client, f"{case}/issue-certificate", clerk))
    served = ok(post(client, f"{case}/serve-certificate", clerk, {"method": "post"}))
    body = ok(
        lookup(
            client, created["receipt_number"], created["query_code"], served["position"]
        )
    )
    assert body["status"] == "已办结"
    assert body["certificate_issued_on"] == "2026-11-23"
    assert body["certificate_served_on"] == "2026-11-23"
