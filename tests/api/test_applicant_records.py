"""Through HTTP: what binds an applicant's next case, renewal refusal, and 信用修复."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.licensing.applicant_record import applicant_record_id
from domain.licensing.parties import Applicant
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from tests.api.conftest import CITY, COUNTY, make_uscc
from tests.api.helpers import (
    APPLICATIONS,
    LICENCES,
    StaffBook,
    assert_problem,
    commitment_licence,
    ok,
    post,
)

SEED = 4242  # an applicant of its own: its record must not touch other tests


def test_a_false_commitment_closes_notify_and_commit_until_credit_is_restored(
    client: TestClient, staff: StaffBook
) -> None:
    licence = commitment_licence(client, staff, seed=SEED)
    reviewer = staff[(Role.REVIEWER, COUNTY)]
    ok(
        post(
            client,
            f"{LICENCES}/{licence['id']}/verify-commitment",
            reviewer,
            {"findings": "现场与承诺不符", "breached": True, "reason": "后置核查"},
        )
    )
    ok(
        post(
            client,
            f"{LICENCES}/{licence['id']}/sign-commitment-check",
            staff[(Role.REVIEWER, CITY)],
            {"reason": "第二核查人复核"},
        )
    )
    uscc = make_uscc(SEED)
    record = client.get(
        f"/v1/licensing/applicants/{uscc}/record", headers=reviewer.headers
    )
    assert record.status_code == 200, record.text
    assert record.json()["notify_and_commit_closed"] is True
    assert record.json()["false_commitments"] == [licence["id"]]

    # The licence now awaits only its revocation.
    change = post(
        client,
        f"{LICENCES}/{licence['id']}/change",
        staff[(Role.APPROVER, COUNTY)],
        {"change": {"scope": "扩项"}, "decision_number": "BG-1", "reason": "变更"},
    )
    assert_problem(change, 409, "illegal-transition", rule="第69条")

    clerk = staff[(Role.CLERK, COUNTY)]
    refused = post(
        client,
        f"/v1/licensing/applicants/{uscc}/restore-credit",
        clerk,
        {"reason": "整改完成"},
    )
    assert_problem(refused, 403, "forbidden")
    restored = post(
        client,
        f"/v1/licensing/applicants/{uscc}/restore-credit",
        staff[(Role.ADMIN, COUNTY)],
        {"reason": "已完成整改，准予信用修复"},
        **{"If-Match": record.headers["etag"]},
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["notify_and_commit_closed"] is False


def test_an_applicant_with_nothing_on_record_has_no_record(
    client: TestClient, staff: StaffBook
) -> None:
    r = client.get(
        f"/v1/licensing/applicants/{make_uscc(4243)}/record",
        headers=staff[(Role.CLERK, COUNTY)].headers,
    )
    assert_problem(r, 404, "not-found")


def test_restoring_the_credit_of_an_applicant_with_nothing_on_record_names_the_uscc(
    client: TestClient, staff: StaffBook
) -> None:
    """The 404 names the code the client sent, not the record's internal id."""
    uscc = make_uscc(4245)
    r = post(
        client,
        f"/v1/licensing/applicants/{uscc}/restore-credit",
        staff[(Role.ADMIN, COUNTY)],
        {"reason": "已完成整改"},
    )
    body = assert_problem(
        r, 404, "not-found", detail=f"no bans or findings are on record for {uscc}"
    )
    assert (
        str(applicant_record_id(Applicant(name="-", uscc=uscc, region_code="32")))
        not in body["detail"]
    )


def test_a_malformed_uscc_in_the_path_is_422_naming_the_rule(
    client: TestClient, staff: StaffBook
) -> None:
    r = client.get(
        "/v1/licensing/applicants/91350100M000100Y4Z/record",
        headers=staff[(Role.CLERK, COUNTY)].headers,
    )
    assert_problem(r, 422, "invalid-input", detail="GB 32100")


def test_a_refusal_for_false_materials_bans_a_safety_item_for_a_year(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, approver = staff[(Role.CLERK, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    body = {
        "item_code": "XK-TZSB-SYDJ",
        "applicant": {
            "name": "虚假材料测试公司",
            "uscc": make_uscc(4244),
            "region_code": COUNTY,
        },
        "materials": ["特种设备使用登记表"],
    }
    case = ok(post(client, APPLICATIONS, clerk, body), 201)
    path = f"{APPLICATIONS}/{case['id']}"
    ok(post(client, f"{path}/accept", clerk))
    ok(
        post(
            client,
            f"{path}/refuse",
            approver,
            {
                "decision_number": "BY-9",
                "reasons": ["监督检验证明系伪造"],
                "false_materials": True,
                "reason": "虚假材料",
            },
        )
    )
    again = ok(post(client, APPLICATIONS, clerk, body), 201)
    assert again["status"] == "not_accepted"  # received, and answered with a voucher
    record = client.get(
        f"/v1/licensing/applicants/{make_uscc(4244)}/record", headers=clerk.headers
    ).json()
    assert record["reapplication_bans"][0]["item_code"] == "XK-TZSB-SYDJ"


def test_an_approver_refuses_a_renewal_with_reasons(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    licence = commitment_licence(client, staff, seed=4245)
    path = f"{LICENCES}/{licence['id']}"
    clock.at = clock.at.replace(year=2032, month=3)  # in the renewal window
    ok(post(client, f"{path}/request-renewal", staff[(Role.CLERK, COUNTY)]))
    approver = staff[(Role.APPROVER, COUNTY)]
    no_reasons = post(
        client,
        f"{path}/refuse-renewal",
        approver,
        {"reasons": [], "reason": "不予延续"},
    )
    assert_problem(no_reasons, 422, "invalid-input")
    refused = ok(
        post(
            client,
            f"{path}/refuse-renewal",
            approver,
            {"reasons": ["条件不再具备"], "reason": "不予延续"},
        )
    )
    assert refused["renewal_requested_on"] is None
    history = client.get(f"{path}/history", headers=approver.headers).json()
    assert history["events"][-1]["type"] == "RenewalRefused"
    assert history["events"][-1]["summary"] == "不予延续：条件不再具备"
