"""The 12315 line through HTTP: intake, classification into linked cases,
the complaint's and the report's commands, the personal-data route, the
public form, progress lookup and rating — and Art. 33's confidentiality: no
person's data in any answer to anyone without the right, in any public
output, or in any log line."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.complaints.summaries import TEMPLATES
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake, Sightings
from domain.complaints.odr import Dispute, OdrEnterprise
from domain.complaints.report import Report
from domain.shared.audit import Role
from domain.shared.events import event_classes
from projections.runtime import Projector
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, Staff
from tests.api.helpers import StaffBook, assert_problem, ok, post

INTAKES = "/v1/complaints/intakes"
COMPLAINTS = "/v1/complaints/complaints"
REPORTS = "/v1/complaints/reports"
PUBLIC = "/public/v1/complaints"


def person() -> dict[str, str]:
    """A person no other test uses: every field is searchable in any output."""
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"保密{tag}",
        "phone": f"139{int(tag, 16) % 10**8:08d}",
        "address": f"地址{tag}",
        "id_number": f"ID{tag}",
    }


def secrets_of(people: list[dict[str, str]]) -> list[str]:
    return [value for p in people for value in p.values()]


RESPONDENT = {
    "name": "淮安区某某电器商行",
    "uscc": "91320803000000019H",
    "region_code": COUNTY,
}


def register(
    client: TestClient, staff: StaffBook, who: dict[str, str] | None, **more: Any
) -> dict[str, Any]:
    body = {
        "channel": "telephone",
        "submitter": {"person": who} if who else {},
        "respondent": RESPONDENT,
        "facts": "购买的电热水器漏电，商家拒绝退货。",
        "claim": "退货退款",
        **more,
    }
    return ok(post(client, INTAKES, staff[(Role.INTAKE, COUNTY)], body), 201)


def classify(
    client: TestClient, staff: StaffBook, intake: dict[str, Any], kind: str
) -> dict[str, Any]:
    return ok(
        post(
            client,
            f"{INTAKES}/{intake['id']}/classify",
            staff[(Role.INTAKE, COUNTY)],
            {"classification": kind, "unit_code": COUNTY, "reason": "分类分送"},
        )
    )


@pytest.fixture
def both(
    client: TestClient, staff: StaffBook
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    who = person()
    intake = register(client, staff, who)
    return classify(client, staff, intake, "both"), [who]


def test_an_intake_classified_as_both_becomes_a_linked_complaint_and_report(
    client: TestClient,
    staff: StaffBook,
    both: tuple[dict[str, Any], list[dict[str, str]]],
) -> None:
    intake, _ = both
    handler = staff[(Role.HANDLER, COUNTY)]
    complaint = ok(
        client.get(f"{COMPLAINTS}/{intake['complaint_id']}", headers=handler.headers)
    )
    report = ok(client.get(f"{REPORTS}/{intake['report_id']}", headers=handler.headers))
    assert complaint["linked_id"] == report["id"]
    assert report["linked_id"] == complaint["id"]
    assert complaint["complainant"].startswith("投诉人#")
    assert report["reporter"].startswith("举报人#")
    assert complaint["acceptance_due"]["working_days"] == 7


def test_a_complaint_is_accepted_and_mediated_to_an_agreement_over_http(
    client: TestClient,
    staff: StaffBook,
    both: tuple[dict[str, Any], list[dict[str, str]]],
) -> None:
    intake, _ = both
    handler = staff[(Role.HANDLER, COUNTY)]
    path = f"{COMPLAINTS}/{intake['complaint_id']}"
    accepted = ok(post(client, f"{path}/accept", handler))
    assert accepted["status"] == "accepted"
    assert accepted["mediation_due"]["working_days"] == 45
    stale = post(client, f"{path}/accept", handler, None, **{"If-Match": '"1"'})
    assert_problem(stale, 412, "stale-version")
    agreed = ok(
        post(
            client,
            f"{path}/reach-agreement",
            handler,
            {
                "document": "mediation_record",
                "recovered_fen": 129900,
                "remedies": ["refund"],
                "terms": "当场退货退款1299元",
                "performed_at_once": True,
            },
        )
    )
    assert (agreed["status"], agreed["recovered_fen"]) == ("agreed", 129900)


def test_a_clerk_cannot_accept_a_complaint_and_nothing_is_recorded(
    client: TestClient,
    staff: StaffBook,
    both: tuple[dict[str, Any], list[dict[str, str]]],
) -> None:
    intake, _ = both
    path = f"{COMPLAINTS}/{intake['complaint_id']}"
    before = ok(client.get(path, headers=staff[(Role.HANDLER, COUNTY)].headers))
    refused = post(client, f"{path}/accept", staff[(Role.CLERK, COUNTY)])
    assert_problem(refused, 403, "forbidden")
    after = ok(client.get(path, headers=staff[(Role.HANDLER, COUNTY)].headers))
    assert after["version"] == before["version"]


def test_the_reports_case_is_opened_by_an_approver_with_two_officers(
    client: TestClient,
    staff: StaffBook,
    both: tuple[dict[str, Any], list[dict[str, str]]],
) -> None:
    intake, _ = both
    path = f"{REPORTS}/{intake['report_id']}"
    one = post(
        client,
        f"{path}/open-case",
        staff[(Role.APPROVER, COUNTY)],
        {"officers": [staff[(Role.HANDLER, COUNTY)].staff_no], "reason": "立案"},
    )
    assert one.status_code == 422, one.text
    officers = [
        staff[(Role.HANDLER, COUNTY)].staff_no,
        staff[(Role.REVIEWER, COUNTY)].staff_no,
    ]
    opened = ok(
        post(
            client,
            f"{path}/open-case",
            staff[(Role.APPROVER, COUNTY)],
            {"officers": officers, "reason": "初步查明涉嫌违法"},
        )
    )
    assert opened["status"] == "case_opened"
    assert opened["reporter_notice_due"]["working_days"] == 5


def test_personal_data_is_opened_only_with_a_reason_and_the_read_is_in_the_history(
    client: TestClient,
    staff: StaffBook,
    both: tuple[dict[str, Any], list[dict[str, str]]],
) -> None:
    intake, people = both
    path = f"{COMPLAINTS}/{intake['complaint_id']}"
    handler = staff[(Role.HANDLER, COUNTY)]
    no_reason = post(client, f"{path}/personal-data", handler, {})
    assert no_reason.status_code == 422, no_reason.text
    opened = ok(
        post(client, f"{path}/personal-data", handler, {"reason": "联系投诉人"})
    )
    assert opened["people"][0]["details"]["name"] == people[0]["name"]
    history = ok(client.get(f"{path}/history", headers=handler.headers))
    last = history["events"][-1]
    assert last["type"] == "PersonalDataRead"
    assert last["reason"] == "联系投诉人"
    for role in (Role.CLERK, Role.AUDITOR, Role.SUPERVISION, Role.REVIEWER):
        refused = post(
            client, f"{path}/personal-data", staff[(role, CITY)], {"reason": "看看"}
        )
        assert refused.status_code == 403, (role, refused.text)
    other = post(
        client,
        f"{path}/personal-data",
        staff[(Role.HANDLER, OTHER_COUNTY)],
        {"reason": "看看"},
    )
    assert other.status_code == 403, other.text


def test_no_person_s_data_reaches_anyone_without_the_right_nor_any_log_line(
    client: TestClient,
    staff: StaffBook,
    projector: Projector,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Art. 33. Everything each role without the right can GET about these
    cases, every public output, and the server's log, scanned for every field
    of every person; the entitled read first proves the data is there."""
    people = [person(), person(), person()]
    agent = people[1]
    attorney = {"sha256": "a" * 64, "title": "授权委托书"}
    intake = register(
        client,
        staff,
        people[0],
        submitter={
            "person": people[0],
            "agent": agent,
            "power_of_attorney": attorney,
            "representatives": [people[2]],
            "joint": True,
        },
    )
    classified = classify(client, staff, intake, "both")
    handler = staff[(Role.HANDLER, COUNTY)]
    cases = [
        f"{INTAKES}/{intake['id']}",
        f"{COMPLAINTS}/{classified['complaint_id']}",
        f"{REPORTS}/{classified['report_id']}",
    ]
    ok(post(client, f"{cases[1]}/accept", handler))
    entitled = ok(
        post(client, f"{cases[1]}/personal-data", handler, {"reason": "联系"})
    )
    assert {p["details"]["name"] for p in entitled["people"]} == {
        p["name"] for p in people
    }
    outputs: list[str] = []
    for role in Role:
        if role in (Role.PERSONAL_DATA,):
            continue
        for unit in (CITY, COUNTY, OTHER_COUNTY):
            who = staff[(role, unit)]
            for case in cases:
                for suffix in ("", "/history"):
                    outputs.append(client.get(case + suffix, headers=who.headers).text)
    # The read models, once they have read the person's cases.
    wait = {"consistent_after": entitled["consistency_token"]}
    lists = (
        INTAKES,
        COMPLAINTS,
        REPORTS,
        "/v1/complaints/deadlines",
        "/v1/complaints/statistics",
        "/v1/deadlines",
    )
    for role in (Role.AUDITOR, Role.HANDLER, Role.INTAKE, Role.CLERK):
        for path in lists:
            answer = client.get(path, params=wait, headers=staff[(role, CITY)].headers)
            assert answer.status_code == 200, (path, answer.text)
            outputs.append(answer.text)
    index = client.get(
        COMPLAINTS, params=wait, headers=staff[(Role.AUDITOR, CITY)].headers
    )
    assert classified["complaint_id"] in index.text  # the case is there, by pseudonym
    outputs.append(client.get("/openapi.json").text)
    outputs.append(
        client.get(
            f"{PUBLIC}/progress",
            params={
                "intake_number": intake["intake_number"],
                "query_code": intake["query_code"],
            },
        ).text
    )
    logged = capfd.readouterr()
    outputs += [logged.out, logged.err]
    found = [s for s in secrets_of(people) for text in outputs if s in text]
    assert found == []


def test_the_public_form_gives_a_code_shown_once_and_the_progress_shows_no_one(
    client: TestClient, staff: StaffBook
) -> None:
    who = person()
    submitted = client.post(
        PUBLIC,
        json={
            "unit_code": COUNTY,
            "submitter": {"person": who},
            "respondent": RESPONDENT,
            "facts": "网购的电饭煲与描述不符。",
            "claim": "退款",
        },
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    body = ok(submitted, 201)
    assert submitted.headers["cache-control"] == "no-store"
    wrong = client.get(
        f"{PUBLIC}/progress",
        params={"intake_number": body["intake_number"], "query_code": "AAAA-AAAA-AAAA"},
    )
    assert_problem(wrong, 404, "not-found")
    progress = ok(
        client.get(
            f"{PUBLIC}/progress",
            params={
                "intake_number": body["intake_number"],
                "query_code": body["query_code"],
            },
        )
    )
    assert progress["status"] == "registered"
    assert who["name"] not in str(progress)


def test_a_closed_complaint_is_rated_once_by_its_person(
    client: TestClient, staff: StaffBook
) -> None:
    registered = register(client, staff, person())
    intake = classify(client, staff, registered, "complaint")
    handler = staff[(Role.HANDLER, COUNTY)]
    rating = {
        "intake_number": registered["intake_number"],
        "query_code": registered["query_code"],
        "rating": "satisfied",
        "comment": "处理及时",
    }
    early = client.post(f"{PUBLIC}/rating", json=rating)
    assert_problem(early, 409, "illegal-transition")
    path = f"{COMPLAINTS}/{intake['complaint_id']}"
    ok(post(client, f"{path}/withdraw", handler, {"reason": "投诉人撤回"}))
    assert ok(client.post(f"{PUBLIC}/rating", json=rating))["rating"] == "satisfied"
    again = client.post(f"{PUBLIC}/rating", json={**rating, "rating": "dissatisfied"})
    assert_problem(again, 409, "illegal-transition")
    rated = ok(client.get(path, headers=handler.headers))
    assert rated["rating"] == "satisfied"


# -- conduct complaints: about the bureau's own staff (效能投诉, issue 10 §6) ------------

CONDUCT = "/v1/complaints/conduct"
BUREAU = {"name": "淮安区市场监督管理局", "region_code": COUNTY}


def conduct_complaint(
    client: TestClient, staff: StaffBook, subject: Staff
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A complaint about `subject`'s conduct, classified by the county desk."""
    registered = register(
        client,
        staff,
        person(),
        channel="counter",
        respondent=BUREAU,
        facts="窗口工作人员推诿，态度生硬。",
        claim="要求调查处理",
    )
    classified = ok(
        post(
            client,
            f"{INTAKES}/{registered['id']}/classify",
            staff[(Role.INTAKE, COUNTY)],
            {
                "classification": "conduct",
                "unit_code": COUNTY,
                "staff_no": subject.staff_no,
                "reason": "反映工作人员作风问题，转督察",
            },
        )
    )
    return registered, classified


def test_the_supervision_office_concludes_a_conduct_complaint_and_its_person_rates_it(
    client: TestClient, staff: StaffBook
) -> None:
    registered, intake = conduct_complaint(client, staff, staff[(Role.HANDLER, COUNTY)])
    assert (intake["classification"], intake["complaint_id"]) == ("conduct", None)
    path = f"{CONDUCT}/{intake['conduct_id']}"
    office = staff[(Role.SUPERVISION, CITY)]
    case = ok(client.get(path, headers=office.headers))
    assert case["subject"]["staff_no"] == staff[(Role.HANDLER, COUNTY)].staff_no
    assert case["conclusion_due"]["working_days"] == 15
    bare = post(client, f"{path}/record-outcome", office, {"finding": "substantiated"})
    assert_problem(bare, 422, "invalid-input")
    refused = post(
        client,
        f"{path}/record-outcome",
        staff[(Role.APPROVER, COUNTY)],
        {"finding": "not_substantiated", "reason": "不属实"},
    )
    assert_problem(refused, 403, "forbidden")
    concluded = ok(
        post(
            client,
            f"{path}/record-outcome",
            office,
            {"finding": "substantiated", "measures": "批评教育", "reason": "核查属实"},
        )
    )
    assert (concluded["status"], concluded["finding"]) == ("concluded", "substantiated")
    closed = ok(post(client, f"{path}/notify-complainant", office))
    assert closed["closed"]
    code = {
        "intake_number": registered["intake_number"],
        "query_code": registered["query_code"],
    }
    progress = ok(client.get(f"{PUBLIC}/progress", params=code))
    assert [(c["kind"], c["status"]) for c in progress["cases"]] == [
        ("conduct", "closed")
    ]
    rated = client.post(f"{PUBLIC}/rating", json={**code, "rating": "satisfied"})
    assert ok(rated)["rating"] == "satisfied"
    history = ok(client.get(f"{path}/history", headers=office.headers))["events"]
    assert [e["type"] for e in history] == [
        "Opened",
        "OutcomeRecorded",
        "ComplainantNotified",
        "Rated",
    ]
    assert "转督察部门" in history[0]["summary"]
    assert "属实" in history[1]["summary"]


def test_a_conduct_complaint_is_unknown_to_all_but_the_supervision_office_and_auditors(
    client: TestClient, staff: StaffBook
) -> None:
    """404 as for an unknown case (it reveals nothing to the one complained
    about); the supervision office of another county: 403 (jurisdiction)."""
    registered, intake = conduct_complaint(client, staff, staff[(Role.HANDLER, COUNTY)])
    path = f"{CONDUCT}/{intake['conduct_id']}"
    for role in Role:
        for unit in (CITY, COUNTY, OTHER_COUNTY):
            who = staff[(role, unit)]
            if role is Role.AUDITOR:
                expected = 200
            elif role is Role.SUPERVISION:
                expected = 403 if unit == OTHER_COUNTY else 200
            else:
                expected = 404
            for suffix in ("", "/history"):
                got = client.get(path + suffix, headers=who.headers)
                assert got.status_code == expected, (role, unit, suffix, got.text)
            opened = post(client, f"{path}/personal-data", who, {"reason": "查阅"})
            if expected == 404:
                assert_problem(opened, 404, "not-found")
    # Its intake: the desk that recorded it, the supervision office, auditors.
    intake_path = f"{INTAKES}/{registered['id']}"
    for role, expected in (
        (Role.INTAKE, 200),
        (Role.SUPERVISION, 200),
        (Role.AUDITOR, 200),
        (Role.HANDLER, 404),
        (Role.APPROVER, 404),
        (Role.CLERK, 404),
    ):
        got = client.get(intake_path, headers=staff[(role, COUNTY)].headers)
        assert got.status_code == expected, (role, got.text)
    handed = post(
        client,
        f"{intake_path}/hand-over",
        staff[(Role.HANDLER, COUNTY)],
        {"staff_no": staff[(Role.HANDLER, CITY)].staff_no, "reason": "交接"},
    )
    assert_problem(handed, 404, "not-found")


@pytest.mark.usefixtures("projector")
def test_a_conduct_complaint_about_a_supervisor_is_unknown_to_that_supervisor(
    client: TestClient, staff: StaffBook
) -> None:
    """Not by GET, a command, the conduct index nor either board (where the
    office's other members see it)."""
    subject = staff[(Role.SUPERVISION, COUNTY)]
    _, intake = conduct_complaint(client, staff, subject)
    case_id = intake["conduct_id"]
    path = f"{CONDUCT}/{case_id}"
    assert_problem(client.get(path, headers=subject.headers), 404, "not-found")
    done = post(client, f"{path}/notify-complainant", subject)
    assert_problem(done, 404, "not-found")
    office = staff[(Role.SUPERVISION, CITY)]
    ok(client.get(path, headers=office.headers))
    wait = {"consistent_after": intake["consistency_token"], "limit": 200}
    for board in ("/v1/complaints/deadlines", "/v1/deadlines", CONDUCT):
        seen = client.get(board, params=wait, headers=subject.headers).text
        assert case_id not in seen, board
        assert case_id in client.get(board, params=wait, headers=office.headers).text


@pytest.mark.usefixtures("projector")
def test_a_conduct_complaint_stays_out_of_the_index_and_board_of_ordinary_roles(
    client: TestClient, staff: StaffBook
) -> None:
    subject = staff[(Role.HANDLER, COUNTY)]
    registered, intake = conduct_complaint(client, staff, subject)
    case_id = intake["conduct_id"]
    wait = {"consistent_after": intake["consistency_token"], "limit": 200}

    def listed(path: str, who: Staff) -> list[str]:
        page = ok(client.get(path, params=wait, headers=who.headers))
        return [str(i.get("case_id", i.get("id"))) for i in page["items"]]

    for role in (Role.HANDLER, Role.APPROVER, Role.CLERK, Role.INTAKE):
        who = staff[(role, COUNTY)]
        for board in ("/v1/complaints/deadlines", "/v1/deadlines"):
            assert case_id not in listed(board, who), (role, board)
        refused = client.get(CONDUCT, params=wait, headers=who.headers)
        assert_problem(refused, 403, "forbidden")
    for role in (Role.HANDLER, Role.APPROVER, Role.CLERK):
        assert registered["id"] not in listed(INTAKES, staff[(role, COUNTY)])
    assert registered["id"] in listed(INTAKES, staff[(Role.INTAKE, COUNTY)])
    office, auditor = staff[(Role.SUPERVISION, CITY)], staff[(Role.AUDITOR, CITY)]
    for reader in (office, auditor):
        assert case_id in listed(CONDUCT, reader)
        assert case_id in listed("/v1/complaints/deadlines", reader)
    board = ok(
        client.get("/v1/complaints/deadlines", params=wait, headers=office.headers)
    )
    (row,) = [r for r in board["items"] if str(r["case_id"]) == case_id]
    assert (row["matter"], row["kind"]) == ("效能投诉", "conclusion")
    assert row["responsible"]["staff_no"] == staff[(Role.INTAKE, COUNTY)].staff_no


def test_every_event_of_the_line_has_a_history_line_under_its_topic() -> None:
    kinds = (Intake, Sightings, Complaint, Report, ConductComplaint)
    kinds += (Dispute, OdrEnterprise)
    missing = [
        cls.TOPIC
        for kind in kinds
        for cls in event_classes(kind)
        if cls.__name__ != "Created" and cls.TOPIC not in TEMPLATES
    ]
    assert missing == []
