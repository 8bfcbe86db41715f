"""A few rules of 《行政许可法》 end to end through HTTP (the domain tests cover
each rule in depth; these show the API carries them: status, body, problem)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import FixedClock
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, advance, applicant, receive
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATIONS,
    DEFERRABLE,
    LICENCE_BODIES,
    LICENCES,
    StaffBook,
    assert_problem,
    field_errors,
    ok,
    post,
    unchanged,
)

MONDAY = date(2026, 11, 23)
CALENDAR = WorkingDayCalendar()
ART_32_4 = "行政许可法 第32条第1款第4项"

# 计量器具型式批准: 20 working days, no on-site review, not safety-critical.
TYPE_APPROVAL = "XK-JL-XSPZ"
TYPE_APPROVAL_MATERIALS = ["型式批准申请书", "型式评价报告", "产品照片"]
# 计量标准考核: 60-month certificates, on-site review before a grant.
STANDARD_EXAM = "XK-JL-BZKH"
STANDARD_EXAM_MATERIALS = [
    "计量标准考核（复查）申请书",
    "计量标准技术报告",
    "检定或校准证书",
    "人员能力证明",
]


def working_days_after(start: date, days: int) -> str:
    return CALENDAR.add_working_days(start, days).due.isoformat()


class Case:
    """One application driven through HTTP by the county's staff."""

    def __init__(self, client: TestClient, staff: StaffBook, **overrides: Any) -> None:
        self.client, self.staff = client, staff
        self.id = receive(client, staff[(Role.CLERK, COUNTY)], **overrides)["id"]
        self.path = f"{APPLICATIONS}/{self.id}"

    def who(self, role: Role, unit: str = COUNTY) -> Any:
        return self.staff[(role, unit)]

    def do(
        self,
        role: Role,
        verb: str,
        body: dict[str, Any] | None = None,
        *,
        unit: str = COUNTY,
    ) -> Any:
        if body is None:
            body = APPLICATION_BODIES[verb]
        return post(self.client, f"{self.path}/{verb}", self.who(role, unit), body)

    def ok_as(
        self, role: Role, unit: str, verb: str, body: dict[str, Any] | None = None
    ) -> Any:
        return ok(self.do(role, verb, body, unit=unit))

    def ok(self, role: Role, verb: str, body: dict[str, Any] | None = None) -> Any:
        return ok(self.do(role, verb, body))

    def read(self) -> dict[str, Any]:
        return ok(self.client.get(self.path, headers=self.who(Role.CLERK).headers))

    def events(self) -> list[dict[str, Any]]:
        reader = self.who(Role.AUDITOR)
        body = ok(self.client.get(f"{self.path}/history", headers=reader.headers))
        events = body["events"]
        assert isinstance(events, list)
        return events

    def unchanged(self) -> Any:
        return unchanged(self.client, self.path, self.who(Role.CLERK))


# -- acceptance -------------------------------------------------------------------


def test_accepting_after_five_working_days_is_deemed_from_the_receipt_date(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    case = Case(client, staff)
    assert case.read()["correction_due"]["due"] == "2026-11-30"
    advance(clock, 8)  # Tuesday 2026-12-01: the 5-day notice period is over

    with case.unchanged():
        late_notice = case.do(Role.CLERK, "request-correction")
    assert_problem(late_notice, 409, "time-limit", detail="deemed", rule=ART_32_4)
    with case.unchanged():
        late_rejection = case.do(Role.CLERK, "reject")
    assert_problem(late_rejection, 409, "time-limit", rule=ART_32_4)

    accepted = case.ok(Role.CLERK, "accept")
    assert accepted["acceptance_date"] == accepted["received_on"] == "2026-11-23"
    assert accepted["decision_due"]["due"] == working_days_after(MONDAY, 20)
    recorded = case.events()[-1]
    assert recorded["type"] == "Accepted"
    assert recorded["data"]["deemed"] is True
    assert recorded["data"]["rule"] == ART_32_4


def test_accepting_within_five_working_days_starts_the_clock_that_day(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    case = Case(client, staff)
    advance(clock, 3)
    accepted = case.ok(Role.CLERK, "accept")
    assert accepted["acceptance_date"] == "2026-11-26"
    assert accepted["decision_due"]["due"] == working_days_after(date(2026, 11, 26), 20)
    assert case.events()[-1]["data"]["deemed"] is False


# -- 容缺受理 -----------------------------------------------------------------------


def test_a_grant_waits_until_the_deferred_materials_are_supplied(
    client: TestClient, staff: StaffBook
) -> None:
    materials = [
        "特种设备使用登记表",
        "使用单位统一社会信用代码证明",
        "产品合格证",
        "监督检验证明",
    ]
    case = Case(client, staff, materials=materials)
    assert case.read()["materials_not_received"] == [DEFERRABLE]

    accepted = case.ok(Role.CLERK, "accept-with-deficiencies")
    assert accepted["status"] == "accepted"
    assert accepted["deficiency_items"] == [DEFERRABLE]
    assert accepted["supply_deadline"] == "2026-11-27"

    with case.unchanged():
        early = case.do(Role.APPROVER, "grant")
    assert_problem(early, 409, "illegal-transition", detail=DEFERRABLE, rule="容缺")

    cured = case.ok(Role.CLERK, "cure-deficiencies")
    assert cured["deficiency_items"] == []
    assert DEFERRABLE in cured["materials"]
    assert case.ok(Role.APPROVER, "grant")["status"] == "granted"


def test_only_secondary_materials_may_be_deferred_and_only_within_the_promised_time(
    client: TestClient, staff: StaffBook
) -> None:
    case = Case(client, staff)
    with case.unchanged():
        main = case.do(
            Role.CLERK,
            "accept-with-deficiencies",
            {"deficiency_items": ["产品合格证"], "supply_deadline": "2026-11-27"},
        )
        late = case.do(
            Role.CLERK,
            "accept-with-deficiencies",
            {"deficiency_items": [DEFERRABLE], "supply_deadline": "2026-12-31"},
        )
    problem = assert_problem(main, 422, "invalid-input", detail="main material")
    assert "deficiency_items" in field_errors(problem)
    assert_problem(late, 409, "time-limit", detail="2026-11-30")


# -- the decision clock -------------------------------------------------------------


def test_stopping_and_restarting_the_clock_moves_the_decision_due_date(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    case = Case(
        client,
        staff,
        item_code=TYPE_APPROVAL,
        materials=TYPE_APPROVAL_MATERIALS,
        applicant=applicant(31),
    )
    before = case.ok(Role.CLERK, "accept")["decision_due"]["due"]
    assert before == working_days_after(MONDAY, 20)

    stopped = case.ok(Role.REVIEWER, "suspend-clock")
    assert stopped["clock_stopped_for"] == "testing"
    assert stopped["decision_due"]["due"] == before
    with case.unchanged():
        blocked = case.do(Role.APPROVER, "grant")
    assert_problem(blocked, 409, "illegal-transition", rule="行政许可法 第45条")

    advance(clock, 7)  # Monday 2026-11-30: five working days of testing
    resumed = case.ok(Role.REVIEWER, "resume-clock")
    assert resumed["clock_stopped_for"] is None
    assert resumed["excluded_working_days"] == 5
    assert resumed["decision_due"]["due"] == working_days_after(MONDAY, 25)
    assert case.events()[-1]["data"]["excluded_working_days"] == 5

    with case.unchanged():
        again = case.do(Role.REVIEWER, "resume-clock")
    assert_problem(again, 409, "illegal-transition", detail="running")


def test_the_decision_limit_is_extended_once_only(
    client: TestClient, staff: StaffBook
) -> None:
    case = Case(client, staff)
    case.ok(Role.CLERK, "accept")
    extended = case.ok(Role.APPROVER, "extend")
    assert extended["extended"] is True
    assert extended["decision_due"]["due"] == working_days_after(MONDAY, 30)
    assert case.events()[-1]["data"]["rule"].startswith("行政许可法 第42条")

    with case.unchanged():
        second = case.do(Role.APPROVER, "extend")
    assert_problem(
        second, 409, "illegal-transition", detail="only once", rule="行政许可法 第42条"
    )


# -- refusal, remedy and the interview ----------------------------------------------


@pytest.mark.parametrize(
    ("item", "materials", "interview_unit", "escalated"),
    [
        (TYPE_APPROVAL, TYPE_APPROVAL_MATERIALS, COUNTY, False),
        ("XK-TZSB-SYDJ", None, CITY, True),
    ],
    ids=["ordinary-item-county", "safety-item-city"],
)
def test_a_refusal_states_the_remedy_and_routes_the_interview(
    client: TestClient,
    staff: StaffBook,
    item: str,
    materials: list[str] | None,
    interview_unit: str,
    escalated: bool,
) -> None:
    extra = {"materials": materials} if materials else {}
    case = Case(client, staff, item_code=item, **extra)
    case.ok(Role.CLERK, "accept")

    refused = case.ok(Role.APPROVER, "refuse")
    assert refused["status"] == "refused"
    assert refused["decision_number"] == "淮区市监不许〔2026〕1号"
    assert refused["interview"] == {
        "unit_code": interview_unit,
        "scheduled_for": None,
        "held": False,
    }
    event = case.events()[-1]
    assert event["type"] == "Refused"
    assert event["data"]["interview_escalated"] is escalated
    remedy = event["data"]["remedy"]
    assert remedy["reconsideration_until"] == (MONDAY + timedelta(days=60)).isoformat()
    assert "行政复议" in remedy["text"]
    assert "行政诉讼" in remedy["text"]
    assert event["data"]["reasons"] == ["监督检验证明与设备不符"]


def test_the_refusal_interview_is_scheduled_then_recorded_once(
    client: TestClient, staff: StaffBook
) -> None:
    case = Case(client, staff)  # a safety item: the interview is the city's
    case.ok(Role.CLERK, "accept")
    case.ok(Role.APPROVER, "refuse")

    with case.unchanged():
        unscheduled = case.do(Role.CLERK, "record-interview", unit=CITY)
        past = case.do(
            Role.CLERK,
            "schedule-interview",
            {"scheduled_for": "2026-11-20", "place": "201 室"},
            unit=CITY,
        )
    assert_problem(unscheduled, 409, "illegal-transition", detail="no interview")
    assert "scheduled_for" in field_errors(assert_problem(past, 422, "invalid-input"))

    scheduled = ok(
        post(
            client,
            f"{case.path}/schedule-interview",
            staff[(Role.APPROVER, CITY)],
            APPLICATION_BODIES["schedule-interview"],
        )
    )
    assert scheduled["interview"]["scheduled_for"] == "2026-11-30"
    assert case.events()[-1]["data"]["unit_code"] == CITY
    held = ok(case.do(Role.CLERK, "record-interview", unit=CITY))
    assert held["interview"]["held"] is True

    with case.unchanged():
        again = case.do(Role.CLERK, "record-interview", unit=CITY)
    assert_problem(again, 409, "illegal-transition", detail="already")


def test_an_escalated_interview_belongs_to_the_city_not_the_county(
    client: TestClient, staff: StaffBook
) -> None:
    case = Case(client, staff)  # safety-critical: escalated to the city
    case.ok(Role.CLERK, "accept")
    case.ok(Role.APPROVER, "refuse")
    with case.unchanged():
        county = case.do(
            Role.CLERK, "schedule-interview", APPLICATION_BODIES["schedule-interview"]
        )
    assert_problem(county, 403, "forbidden", detail="3208")


def test_an_interview_routed_to_the_applicants_county_is_that_countys_to_hold(
    client: TestClient, staff: StaffBook
) -> None:
    """Received at 320803 for an applicant of 320804, not safety-critical: the
    interview is at 320804, whose staff schedule it and may read the case."""
    case = Case(
        client,
        staff,
        item_code="XK-JL-XSPZ",
        materials=["型式批准申请书"],
        applicant=applicant(91, region=OTHER_COUNTY),
    )
    case.ok(Role.CLERK, "accept")
    case.ok(Role.APPROVER, "refuse")
    routed = ok(
        case.do(
            Role.CLERK,
            "schedule-interview",
            APPLICATION_BODIES["schedule-interview"],
            unit=OTHER_COUNTY,
        )
    )
    assert routed["interview"]["unit_code"] == OTHER_COUNTY
    with case.unchanged():
        receiving_unit = case.do(Role.CLERK, "record-interview", unit=COUNTY)
    assert_problem(receiving_unit, 403, "forbidden")


def test_a_refusal_with_only_a_blank_reason_is_422_naming_it(
    client: TestClient, staff: StaffBook
) -> None:
    # The shared text type refuses a blank reason at the edge; the domain's
    # Art. 38 rule (require_reasons) still guards every other caller.
    case = Case(client, staff)
    case.ok(Role.CLERK, "accept")
    body = {**(APPLICATION_BODIES["refuse"] or {}), "reasons": ["  "]}
    with case.unchanged():
        response = case.do(Role.APPROVER, "refuse", body)
    problem = assert_problem(response, 422, "invalid-input")
    assert "reasons.0" in field_errors(problem)


# -- the licence --------------------------------------------------------------------


def granted_standard_exam(client: TestClient, staff: StaffBook) -> str:
    """A 计量标准考核 licence (60 months) granted after an on-site verification."""
    case = Case(
        client,
        staff,
        item_code=STANDARD_EXAM,
        materials=STANDARD_EXAM_MATERIALS,
        applicant=applicant(41),
    )
    case.ok(Role.CLERK, "accept")
    with case.unchanged():
        unverified = case.do(Role.APPROVER, "grant")
        # Art. 34: nothing about the check is assumed (on_site had a default).
        assumed = case.do(
            Role.REVIEWER,
            "record-verification",
            {"verified_on": "2026-11-23", "findings": "核查"},
        )
    assert_problem(unverified, 409, "illegal-transition", rule="第34条第3款")
    assert "on_site" in field_errors(assert_problem(assumed, 422, "invalid-input"))
    recorded = case.ok(Role.REVIEWER, "record-verification")
    [verification] = recorded["verifications"]
    assert verification["counted"] is False
    with case.unchanged():
        one_person = case.do(Role.APPROVER, "grant")
        same_again = case.do(Role.REVIEWER, "sign-verification", {"verification": 1})
    assert_problem(one_person, 409, "illegal-transition", rule="第34条第3款")
    assert_problem(same_again, 409, "illegal-transition", rule="第34条第3款")
    # The city's reviewer signs with their own token: two people, it counts.
    signed = case.ok_as(Role.REVIEWER, "3208", "sign-verification", {"verification": 1})
    [verification] = signed["verifications"]
    assert verification == {
        "number": 1,
        "on_site": True,
        "verified_on": "2026-11-23",
        "findings": "现场核查与申请材料一致",
        "signatures": [
            {
                "id": f"{COUNTY}-reviewer",
                "name": "reviewer@320803",
                "signed_on": "2026-11-23",
            },
            {"id": "3208-reviewer", "name": "reviewer@3208", "signed_on": "2026-11-23"},
        ],
        "counted": True,
    }
    licence_id = case.ok(Role.APPROVER, "grant")["licence_id"]
    return f"{LICENCES}/{licence_id}"


def licence_do(
    client: TestClient,
    staff: StaffBook,
    path: str,
    role: Role,
    verb: str,
    body: dict[str, Any] | None = None,
) -> Any:
    if body is None:
        body = LICENCE_BODIES[verb]
    return post(client, f"{path}/{verb}", staff[(role, COUNTY)], body)


def test_a_licence_is_changed_reissued_revoked_and_cancelled(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = granted_standard_exam(client, staff)
    licence = ok(client.get(path, headers=clerk.headers))
    assert licence["status"] == "valid"
    assert licence["valid_from"] == "2026-11-23"
    assert licence["valid_until"] == "2031-11-22"
    assert licence["renewal_deadline"] == "2031-10-23"
    assert licence["authority_unit_code"] == COUNTY

    changed = ok(licence_do(client, staff, path, Role.APPROVER, "change"))
    assert changed["scope"] == "检验检测能力范围（变更后）"
    with unchanged(client, path, clerk):
        empty = licence_do(
            client,
            staff,
            path,
            Role.APPROVER,
            "change",
            {"change": {}, "decision_number": "变〔2026〕2号", "reason": "无"},
        )
    assert "change" in field_errors(assert_problem(empty, 422, "invalid-input"))

    reissued = ok(licence_do(client, staff, path, Role.CLERK, "reissue-certificate"))
    assert reissued["certificate_reissues"] == 1

    advance(clock, (date(2031, 10, 24) - MONDAY).days)  # a day past the deadline
    with unchanged(client, path, clerk):
        late = licence_do(client, staff, path, Role.CLERK, "request-renewal")
    assert_problem(late, 409, "time-limit", detail="2031-10-23", rule="第50条")

    with unchanged(client, path, clerk):
        bad_ban = licence_do(
            client,
            staff,
            path,
            Role.APPROVER,
            "revoke",
            {"ground": "fraud_or_bribery", "ban_years": 2, "reason": "以欺骗手段取得"},
        )
    # The ban follows from Art. 79 and the item, never from the caller.
    assert_problem(bad_ban, 422, "invalid-input")
    assert "ban_years" in {e["field"] for e in bad_ban.json()["errors"]}
    revoked = ok(licence_do(client, staff, path, Role.APPROVER, "revoke"))
    assert revoked["status"] == "revoked"
    with unchanged(client, path, clerk):
        after = licence_do(client, staff, path, Role.APPROVER, "change")
        not_expired = licence_do(
            client,
            staff,
            path,
            Role.APPROVER,
            "cancel",
            {"ground": "expired_not_renewed", "reason": "有效期届满"},
        )
    assert_problem(after, 409, "illegal-transition", detail="revoked")
    assert_problem(not_expired, 409, "illegal-transition", rule="第70条")

    cancelled = ok(
        licence_do(
            client,
            staff,
            path,
            Role.APPROVER,
            "cancel",
            {"ground": "revoked_or_withdrawn", "reason": "许可已撤销，依法注销"},
        )
    )
    assert cancelled["status"] == "cancelled"
    with unchanged(client, path, clerk):
        twice = licence_do(client, staff, path, Role.APPROVER, "cancel")
    assert_problem(twice, 409, "illegal-transition", detail="already cancelled")

    types = [
        e["type"]
        for e in ok(client.get(f"{path}/history", headers=clerk.headers))["events"]
    ]
    assert types == ["Issued", "Changed", "CertificateReissued", "Revoked", "Cancelled"]


def test_a_renewal_requested_in_time_extends_the_validity(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = granted_standard_exam(client, staff)
    with unchanged(client, path, clerk):
        too_early = licence_do(client, staff, path, Role.CLERK, "request-renewal")
    # Valid until 2031-11-22, apply by 2031-10-23: not before 2031-04-23.
    assert_problem(too_early, 409, "time-limit", detail="2031-04-23")
    advance(clock, (date(2031, 4, 23) - MONDAY).days)
    requested = ok(licence_do(client, staff, path, Role.CLERK, "request-renewal"))
    assert requested["renewal_requested_on"] == "2031-04-23"
    with unchanged(client, path, clerk):
        again = licence_do(client, staff, path, Role.CLERK, "request-renewal")
    assert_problem(again, 409, "illegal-transition", detail="already")

    renewed = ok(licence_do(client, staff, path, Role.APPROVER, "renew"))
    assert renewed["valid_until"] == "2036-11-22"
    assert renewed["renewal_requested_on"] is None
