"""Penalty cases (行政处罚案件) through HTTP: 立案 → evidence → decision →
service → payment → 结案; bad input refused with nothing stored; If-Match
and Idempotency-Key; the link from a report whose case was opened (and the
refusal of one that was not); the index, statistics and board; who may call
what (role × endpoint × jurisdiction); and the clock recording the missed
decision deadline."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.enforcement.summaries import TEMPLATES
from api.host.clock import DeadlineClock
from api.host.demo import load_demo
from api.host.settings import Settings
from api.host.storage import Services, open_services
from domain.enforcement.case import DecisionNumber, EnforcementCase
from domain.enforcement.service import Enforcement
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from domain.shared.events import event_classes
from projections.runtime import Projector
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, make_uscc
from tests.api.helpers import StaffBook, assert_problem, field_errors, ok, post

CASES = "/v1/enforcement/cases"
INTAKES = "/v1/complaints/intakes"
REPORTS = "/v1/complaints/reports"


def officers(staff: StaffBook) -> list[str]:
    """Two officers whose units cover the county: its own and the city's."""
    return [
        staff[(Role.OFFICER, COUNTY)].staff_no,
        staff[(Role.OFFICER, CITY)].staff_no,
    ]


def party(seed: int = 1) -> dict[str, Any]:
    return {
        "name": f"淮安测试制造有限公司{seed}",
        "party_type": "legal_person",
        "uscc": make_uscc(70_000 + seed),
        "legal_representative": "张三",
        "region_code": COUNTY,
    }


def open_body(staff: StaffBook, **more: Any) -> dict[str, Any]:
    return {
        "party": party(),
        "facts": "生产销售不合格产品。",
        "unit_code": COUNTY,
        "officers": officers(staff),
        "reason": "初步证据表明存在违法行为，依法立案",
        **more,
    }


def open_case(client: TestClient, staff: StaffBook, **more: Any) -> dict[str, Any]:
    response = post(
        client, CASES, staff[(Role.OFFICER, COUNTY)], open_body(staff, **more)
    )
    return ok(response, 201)


def log_head(services: Services) -> int:
    return int(services.apps["enforcement"].recorder.max_notification_id() or 0)


def decision_body(number: str, **more: Any) -> dict[str, Any]:
    return {
        "decision_number": number,
        "penalties": ["fine", "confiscation_of_illegal_gains"],
        "violation": "生产、销售不合格产品",
        "legal_basis": "《产品质量法》第四十九条",
        "result": "没收违法所得二千元，并处罚款一万元",
        "fine_fen": 10_000_00,
        "confiscation_fen": 2_000_00,
        "reason": "事实清楚、证据确凿",
        **more,
    }


def test_a_case_is_opened_decided_served_paid_and_closed(
    client: TestClient, staff: StaffBook
) -> None:
    opened = post(client, CASES, staff[(Role.OFFICER, COUNTY)], open_body(staff))
    body = ok(opened, 201)
    path = f"{CASES}/{body['id']}"
    assert opened.headers["Location"] == path
    assert opened.headers["ETag"] == '"1"'
    assert body["status"] == "opened"
    assert body["decision_limit"]["due"] == "2027-02-22"  # 11/23 + 90 days
    assert body["consistency_token"].startswith("enforcement:")
    officer, head = staff[(Role.OFFICER, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    evidence = {
        "kind": "expert_opinion",
        "title": "检验报告",
        "sha256": "ab" * 32,
        "collected_on": "2026-11-20",
    }
    ok(post(client, f"{path}/record-evidence", officer, {"evidence": evidence}))
    number = f"淮区市监罚〔2026〕{uuid.uuid4().hex[:6]}号"
    decided = ok(post(client, f"{path}/decide", head, decision_body(number)))
    assert decided["status"] == "decided"
    record = decided["penalty_record"]
    assert record["CF_WSH"] == number
    assert record["CF_CFMC"] == "罚款、没收违法所得"
    assert record["CF_XDR_SHXYM"] == party()["uscc"]
    assert record["CF_FR"] == "张三"
    assert record["CF_XZJG"] == "淮安区市场监督管理局"
    assert decided["decision"]["published"] is True
    # 7 working days from Mon 11/23: Tue 12/2.
    assert decided["service_limit"]["due"] == "2026-12-02"
    served = ok(
        post(
            client,
            f"{path}/serve",
            officer,
            {"served_on": "2026-11-23", "method": "in_person"},
        )
    )
    assert served["payment_due"] == "2026-12-08"  # 15 days (Art. 67)
    ok(
        post(
            client,
            f"{path}/record-payment",
            officer,
            {"amount_fen": 12_000_00, "paid_on": "2026-11-23"},
        )
    )
    closed = ok(post(client, f"{path}/close", head, {"reason": "罚没款缴清"}))
    assert closed["status"] == "closed"
    history = ok(client.get(f"{path}/history", headers=officer.headers))
    lines = [e["summary"] for e in history["events"]]
    assert lines[0].startswith("立案，编号 CF-320803-2026-")
    assert f"作出行政处罚决定：{number}" in lines
    assert history["events"][0]["reason"] == "初步证据表明存在违法行为，依法立案"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"officers": ["320803-officer"]}, "officers"),
        ({"officers": ["320803-officer", "320803-handler"]}, "officers"),
        ({"officers": ["320803-officer", "320804-officer"]}, "officers"),
        ({"party": {**party(), "uscc": None}}, "uscc"),
        ({"party": {**party(), "uscc": "91320803000000019X"}}, "uscc"),
        ({"party": {**party(), "party_type": "company"}}, "party_type"),
        ({"unit_code": "32080X"}, "unit_code"),
        ({"reason": ""}, "reason"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    client: TestClient, staff: StaffBook, change: dict[str, Any], field: str
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    before = log_head(services)
    response = post(
        client, CASES, staff[(Role.OFFICER, COUNTY)], open_body(staff, **change)
    )
    body = assert_problem(response, 422, "invalid-input")
    assert any(field in f for f in field_errors(body)), body
    assert log_head(services) == before


def test_a_stale_if_match_and_a_replayed_key(
    client: TestClient, staff: StaffBook
) -> None:
    officer = staff[(Role.OFFICER, COUNTY)]
    key = str(uuid.uuid4())
    first = post(client, CASES, officer, open_body(staff), **{"Idempotency-Key": key})
    again = post(client, CASES, officer, open_body(staff), **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    path = f"{CASES}/{first.json()['id']}"
    stale = post(
        client, f"{path}/notify-hearing-right", officer, None, **{"If-Match": '"7"'}
    )
    assert_problem(stale, 412, "stale-version")


def test_a_decision_number_is_used_once_in_a_unit(
    client: TestClient, staff: StaffBook
) -> None:
    head = staff[(Role.APPROVER, COUNTY)]
    number = f"淮区市监罚〔2026〕{uuid.uuid4().hex[:6]}号"
    first, second = open_case(client, staff), open_case(client, staff)
    ok(post(client, f"{CASES}/{first['id']}/decide", head, decision_body(number)))
    again = post(client, f"{CASES}/{second['id']}/decide", head, decision_body(number))
    assert_problem(again, 409, "illegal-transition", detail="already used")


def test_a_heavy_penalty_without_the_hearing_right_is_refused_citing_art_63(
    client: TestClient, staff: StaffBook
) -> None:
    case = open_case(client, staff)
    response = post(
        client,
        f"{CASES}/{case['id']}/decide",
        staff[(Role.APPROVER, COUNTY)],
        decision_body(
            "X1", penalties=["licence_revoked"], fine_fen=0, confiscation_fen=0
        ),
    )
    assert_problem(response, 409, "illegal-transition", rule="行政处罚法 第63条")


# -- the report → penalty case link ------------------------------------------------


def report(client: TestClient, staff: StaffBook) -> str:
    desk = staff[(Role.INTAKE, COUNTY)]
    intake = ok(
        post(
            client,
            INTAKES,
            desk,
            {
                "channel": "telephone",
                "submitter": {},
                "respondent": {"name": "淮安测试制造有限公司1", "region_code": COUNTY},
                "facts": "该公司生产的电热水器不合格。",
            },
        ),
        201,
    )
    classified = ok(
        post(
            client,
            f"{INTAKES}/{intake['id']}/classify",
            desk,
            {"classification": "report", "unit_code": COUNTY, "reason": "举报"},
        )
    )
    return str(classified["report_id"])


def test_a_case_opened_from_a_report_whose_case_was_opened(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    report_id = report(client, staff)
    origin = {"context": "complaints", "case_id": report_id}
    services = client.app.state.services  # type: ignore[attr-defined]
    before = log_head(services)
    unopened = post(
        client, CASES, staff[(Role.OFFICER, COUNTY)], open_body(staff, origin=origin)
    )
    body = assert_problem(unopened, 422, "invalid-input", detail="cannot lead")
    assert "origin" in field_errors(body)
    assert log_head(services) == before
    ok(
        post(
            client,
            f"{REPORTS}/{report_id}/open-case",
            staff[(Role.APPROVER, COUNTY)],
            {
                "officers": [
                    staff[(Role.HANDLER, COUNTY)].staff_no,
                    *officers(staff)[:1],
                ],
                "reason": "线索查证属实，立案",
            },
        )
    )
    clock.advance(timedelta(days=2))  # opened two days after the report's 立案
    opened = open_case(client, staff, origin=origin)
    assert opened["origin"]["kind"] == "report"
    assert opened["origin"]["context"] == "complaints"
    assert opened["origin"]["number"].startswith("")
    assert opened["opened_on"] == "2026-11-23"  # the report's 立案 date
    case = services.apps["enforcement"].load(
        EnforcementCase, uuid.UUID(opened["id"]), "c"
    )
    history = services.apps["enforcement"].history(case.id)
    assert history[0].origin.case_id == uuid.UUID(report_id)


@pytest.mark.parametrize(
    "origin",
    [
        {"context": "nowhere", "case_id": str(uuid.uuid4())},
        {"context": "complaints", "case_id": str(uuid.uuid4())},
        {"context": "enforcement", "case_id": str(uuid.uuid4())},
    ],
)
def test_an_unknown_origin_is_refused(
    client: TestClient, staff: StaffBook, origin: dict[str, str]
) -> None:
    response = post(
        client, CASES, staff[(Role.OFFICER, COUNTY)], open_body(staff, origin=origin)
    )
    assert "origin" in field_errors(assert_problem(response, 422, "invalid-input"))


# -- read models -----------------------------------------------------------------------


def test_the_index_statistics_and_board(
    client: TestClient, staff: StaffBook, projector: Projector
) -> None:
    auditor = staff[(Role.AUDITOR, CITY)]
    uscc = make_uscc(79_999)
    seeded = open_case(client, staff, party={**party(), "uscc": uscc})
    wait = {"consistent_after": seeded["consistency_token"]}
    found = ok(
        client.get(CASES, params={**wait, "party_uscc": uscc}, headers=auditor.headers)
    )
    (row,) = found["items"]
    assert row["id"] == seeded["id"]
    assert row["deadline"]["kind"] == "decision"
    other = staff[(Role.OFFICER, OTHER_COUNTY)]
    theirs = ok(client.get(CASES, params={"party_uscc": uscc}, headers=other.headers))
    assert theirs["items"] == []  # outside their jurisdiction
    stats = ok(
        client.get(
            "/v1/enforcement/statistics",
            params={"from": "2026-01-01", "to": "2026-12-31"},
            headers=auditor.headers,
        )
    )
    assert stats["total"]["opened"] >= 1
    assert set(stats["total"]["penalties_by_kind"]) >= {"fine", "warning"}
    board = ok(
        client.get(
            "/v1/enforcement/deadlines", params={"limit": 200}, headers=auditor.headers
        )
    )
    assert any(
        e["case_id"] == seeded["id"] and e["kind"] == "decision" for e in board["items"]
    )
    shared = ok(
        client.get("/v1/deadlines", params={"limit": 200}, headers=auditor.headers)
    )
    assert any(e["context"] == "enforcement" for e in shared["items"])


def test_the_clock_records_the_missed_decision_deadline(
    client: TestClient, staff: StaffBook, clock: FixedClock, projector: Projector
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    case = open_case(client, staff)
    auditor = staff[(Role.AUDITOR, CITY)]
    wait = {"consistent_after": case["consistency_token"]}
    ok(client.get(CASES, params=wait, headers=auditor.headers))
    clock.at = clock.at + timedelta(days=92)  # past Mon 2027-02-22
    DeadlineClock(services).tick()
    events = services.apps["enforcement"].history(uuid.UUID(case["id"]))
    missed = events[-1]
    assert type(missed).__name__ == "DeadlineMissed"
    assert (missed.kind, missed.due) == ("decision", date(2027, 2, 22))
    assert missed.audit.actor.id == "system:clock"


# -- who may call what ---------------------------------------------------------------

COMMANDS = {spec.verb: spec for spec in Enforcement.routes_on(EnforcementCase)}
BODIES: dict[str, dict[str, Any] | None] = {
    "record-evidence": {
        "evidence": {
            "kind": "documentary",
            "title": "x",
            "sha256": "cd" * 32,
            "collected_on": "2026-11-20",
        }
    },
    "exclude-period": {"kind": "testing", "reason": "送检"},
    "decide": decision_body("M-1"),
    "decide-no-penalty": {"ground": "not_penalised", "reason": "r"},
    "serve": {"served_on": "2026-11-23", "method": "post"},
    "approve-instalments": {"count": 2, "last_due": "2027-01-31", "reason": "r"},
    "record-payment": {"amount_fen": 100, "paid_on": "2026-11-23"},
    "revoke-decision": {"ground": "court", "reason": "判决撤销"},
}


def _body(verb: str) -> dict[str, Any] | None:
    spec = COMMANDS[verb]
    return BODIES.get(verb) or ({"reason": "依法"} if spec.decision else None)


@pytest.mark.parametrize("verb", sorted(COMMANDS))
def test_each_command_is_refused_to_other_roles_and_units(
    client: TestClient, staff: StaffBook, verb: str
) -> None:
    case = open_case(client, staff)
    path = f"{CASES}/{case['id']}"
    allowed = Enforcement.permissions[COMMANDS[verb].name]
    for (role, unit), who in staff.items():
        if role in allowed and unit != OTHER_COUNTY:
            continue
        assert_problem(
            post(client, f"{path}/{verb}", who, _body(verb)), 403, "forbidden"
        )
    reader = staff[(Role.AUDITOR, CITY)]
    assert (
        ok(client.get(path, headers=reader.headers))["version"] == 1
    )  # nothing stored
    permitted = next(r for r in Role if r in allowed)
    response = post(client, f"{path}/{verb}", staff[(permitted, COUNTY)], _body(verb))
    assert response.status_code not in (401, 403), response.text
    assert Role.AUDITOR not in allowed


def test_reads_by_jurisdiction_and_creation_by_officers_only(
    client: TestClient, staff: StaffBook
) -> None:
    case = open_case(client, staff)
    for (role, unit), who in staff.items():
        for suffix in ("", "/history"):
            response = client.get(f"{CASES}/{case['id']}{suffix}", headers=who.headers)
            readable = unit != OTHER_COUNTY or role is Role.AUDITOR
            assert response.status_code == (200 if readable else 403), (role, unit)
        if role is not Role.OFFICER:
            refused = post(client, CASES, who, open_body(staff))
            assert_problem(refused, 403, "forbidden")
    other = post(client, CASES, staff[(Role.OFFICER, OTHER_COUNTY)], open_body(staff))
    assert_problem(other, 403, "forbidden")
    assert client.post(CASES, json=open_body(staff)).status_code == 401


def test_every_event_has_a_history_line_under_its_topic() -> None:
    missing = [
        cls.TOPIC
        for kind in (EnforcementCase, DecisionNumber)
        for cls in event_classes(kind)
        if cls.__name__ != "Created" and cls.TOPIC not in TEMPLATES
    ]
    assert missing == []


def test_the_demo_opens_a_penalty_case_from_one_of_its_reports(
    fresh_database: str, tmp_path: Path
) -> None:
    services = open_services(Settings(), url=fresh_database)
    try:
        lines = load_demo(services, tmp_path)
        made = lines[lines.index("# demo enforcement") :]
        (line,) = [x for x in made if x.startswith("penalty case ")]
        assert " from complaints report " in line
        assert line.endswith("decided, served, paid, closed")
        case_id = uuid.UUID(line.split()[2].rstrip(":"))
        case = services.apps["enforcement"].load(EnforcementCase, case_id, "case")
        assert case.status == "closed"
        assert case.origin is not None
    finally:
        services.close()
