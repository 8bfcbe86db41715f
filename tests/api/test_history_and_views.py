"""The trace (全过程留痕) as the API shows it, state as of a version or instant,
what a read never shows, and the public catalogue."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from tests.api.conftest import CITY, COUNTY, Staff, receive
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATIONS,
    LICENCE_BODIES,
    LICENCES,
    StaffBook,
    assert_problem,
    commitment_licence,
    ok,
    post,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def history(client: TestClient, path: str, who: Staff, **params: Any) -> dict[str, Any]:
    return ok(client.get(f"{path}/history", params=params, headers=who.headers))


def act(
    client: TestClient,
    staff: StaffBook,
    path: str,
    steps: list[tuple[Role, str]],
    bodies: dict[str, dict[str, Any] | None],
    unit: str = COUNTY,
) -> None:
    for role, verb in steps:
        ok(post(client, f"{path}/{verb}", staff[(role, unit)], bodies[verb]))


def assert_readable(event: dict[str, Any]) -> None:
    summary = event["summary"]
    assert summary != event["type"], event
    assert CJK.search(summary), summary
    assert "{" not in summary
    assert "None" not in summary, summary


@pytest.fixture
def granted_case(client: TestClient, staff: StaffBook) -> str:
    """Received, corrected, accepted, verified, clock stopped and restarted,
    extended, granted, certificate issued and served: most kinds of event."""
    path = f"{APPLICATIONS}/{receive(client, staff[(Role.CLERK, COUNTY)])['id']}"
    act(
        client,
        staff,
        path,
        [
            (Role.CLERK, "request-correction"),
            (Role.CLERK, "submit-corrections"),
            (Role.CLERK, "accept"),
            (Role.REVIEWER, "record-verification"),
            (Role.REVIEWER, "suspend-clock"),
            (Role.REVIEWER, "resume-clock"),
            (Role.APPROVER, "extend"),
            (Role.APPROVER, "grant"),
            (Role.CLERK, "issue-certificate"),
            (Role.CLERK, "serve-certificate"),
        ],
        APPLICATION_BODIES,
    )
    return path


# -- history ------------------------------------------------------------------------


def test_history_lists_every_event_with_who_when_why_and_a_chinese_summary(
    client: TestClient, staff: StaffBook, granted_case: str
) -> None:
    auditor = staff[(Role.AUDITOR, "320804")]
    body = history(client, granted_case, auditor)
    events = body["events"]
    assert [e["type"] for e in events] == [
        "Received",
        "CorrectionRequested",
        "CorrectionsSubmitted",
        "Accepted",
        "VerificationRecorded",
        "ClockSuspended",
        "ClockResumed",
        "DeadlineExtended",
        "Granted",
        "CertificateIssued",
        "CertificateServed",
    ]
    assert [e["version"] for e in events] == list(range(1, 12))
    assert body["version"] == 11
    assert body["state"] is None
    for event in events:
        actor = event["actor"]
        assert actor["kind"] == "staff"
        assert actor["id"].startswith(f"{COUNTY}-")
        assert actor["name"]
        assert actor["role"] in {"clerk", "reviewer", "approver"}
        assert actor["unit_code"] == event["unit_code"] == COUNTY
        assert datetime.fromisoformat(event["at"]).utcoffset() is not None
        assert GENERATED_ID.match(event["request_id"])
        assert event["topic"].endswith(f".{event['type']}")
        assert_readable(event)
    causations = [e["causation"] for e in events]
    assert causations[0] == "command:receive"
    assert causations[7] == "command:extend"
    by_type = {e["type"]: e for e in events}
    assert by_type["Received"]["reason"] is None
    assert by_type["CorrectionRequested"]["reason"] == "安装告知书未盖章"
    assert by_type["DeadlineExtended"]["reason"] == "情况复杂，经负责人批准延长"
    assert by_type["Granted"]["reason"] == "材料齐全，符合法定条件"
    assert by_type["Granted"]["actor"]["role"] == "approver"
    assert by_type["VerificationRecorded"]["actor"]["role"] == "reviewer"
    assert "淮区市监许〔2026〕1号" in by_type["Granted"]["summary"]
    assert (
        by_type["Received"]["data"]["receipt_number"]
        in (by_type["Received"]["summary"])
    )
    assert (
        "review" in by_type["VerificationRecorded"]["summary"]
    )  # the verifiers' names
    assert (
        "（窗口）" in by_type["Received"]["summary"]
    )  # coded values in the bureau's words
    assert "['" not in by_type["CorrectionRequested"]["summary"]  # lists read as lists


def test_refusal_interview_and_licence_events_have_readable_summaries(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    local_item = {
        "item_code": "XK-JL-XSPZ",
        "materials": ["型式批准申请书"],
    }  # interview stays at the county
    refused = f"{APPLICATIONS}/{receive(client, staff[(Role.CLERK, COUNTY)], **local_item)['id']}"
    act(
        client,
        staff,
        refused,
        [
            (Role.CLERK, "accept"),
            (Role.APPROVER, "refuse"),
            (Role.APPROVER, "schedule-interview"),
            (Role.CLERK, "record-interview"),
        ],
        APPLICATION_BODIES,
    )
    licence = f"{LICENCES}/{commitment_licence(client, staff)['id']}"
    act(
        client,
        staff,
        licence,
        [
            (Role.APPROVER, "change"),
            (Role.CLERK, "reissue-certificate"),
        ],
        LICENCE_BODIES,
    )
    clock.at = clock.at.replace(year=2032, month=3)  # in the renewal window
    act(
        client,
        staff,
        licence,
        [
            (Role.CLERK, "request-renewal"),
            (Role.APPROVER, "renew"),
            (Role.REVIEWER, "verify-commitment"),
        ],
        LICENCE_BODIES,
    )
    # Art. 34: a second verifier (the city's reviewer) signs with their own token.
    act(
        client,
        staff,
        licence,
        [(Role.REVIEWER, "sign-commitment-check")],
        LICENCE_BODIES,
        unit=CITY,
    )
    act(
        client,
        staff,
        licence,
        [(Role.APPROVER, "revoke"), (Role.APPROVER, "cancel")],
        LICENCE_BODIES,
    )
    clerk = staff[(Role.CLERK, COUNTY)]
    events = [
        *history(client, refused, clerk)["events"],
        *history(client, licence, clerk)["events"],
    ]
    assert [e["type"] for e in events] == [
        "Received",
        "Accepted",
        "Refused",
        "InterviewScheduled",
        "InterviewHeld",
        "Issued",
        "Changed",
        "CertificateReissued",
        "RenewalRequested",
        "Renewed",
        "CommitmentCheckRecorded",
        "CommitmentVerified",
        "Revoked",
        "Cancelled",
    ]
    for event in events:
        assert_readable(event)


@pytest.mark.parametrize(
    ("steps", "last"),
    [
        ([(Role.CLERK, "reject")], "NotAccepted"),
        ([(Role.CLERK, "withdraw")], "Withdrawn"),
        (
            [
                (Role.CLERK, "accept-with-deficiencies"),
                (Role.CLERK, "cure-deficiencies"),
            ],
            "DeficienciesCured",
        ),
    ],
)
def test_intake_outcomes_have_readable_summaries(
    client: TestClient, staff: StaffBook, steps: list[tuple[Role, str]], last: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    act(client, staff, path, steps, APPLICATION_BODIES)
    events = history(client, path, clerk)["events"]
    assert events[-1]["type"] == last
    for event in events:
        assert_readable(event)


def test_a_licence_without_a_validity_period_reads_as_open_ended(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    act(
        client,
        staff,
        path,
        [(Role.CLERK, "accept"), (Role.APPROVER, "grant")],
        APPLICATION_BODIES,
    )
    licence_id = ok(client.get(path, headers=clerk.headers))["licence_id"]
    licence = ok(client.get(f"{LICENCES}/{licence_id}", headers=clerk.headers))
    assert licence["valid_until"] is None
    issued = history(client, f"{LICENCES}/{licence_id}", clerk)["events"][0]
    assert issued["type"] == "Issued"
    assert_readable(issued)


# -- state as of a version or an instant ---------------------------------------------


def test_history_at_a_version_shows_the_state_and_events_up_to_it(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    ok(post(client, f"{path}/accept", clerk))

    at_one = history(client, path, clerk, version=1)
    assert at_one["version"] == 2  # the case as it stands
    assert at_one["state"]["version"] == 1
    assert at_one["state"]["status"] == "received"
    assert at_one["state"]["acceptance_date"] is None
    assert [e["type"] for e in at_one["events"]] == ["Received"]

    at_two = history(client, path, clerk, version=2)
    assert at_two["state"]["status"] == "accepted"
    assert at_two["state"]["acceptance_date"] == "2026-11-23"
    assert len(at_two["events"]) == 2


def test_history_at_an_instant_shows_the_state_then(
    client: TestClient, staff: StaffBook
) -> None:
    """Events are stamped with the time they were recorded, so the instants
    are taken from the real clock between the commands."""
    clerk = staff[(Role.CLERK, COUNTY)]
    before = datetime.now(UTC) - timedelta(seconds=1)
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    ok(post(client, f"{path}/accept", clerk))
    after = datetime.now(UTC) + timedelta(seconds=1)

    then = history(client, path, clerk, at=between.isoformat())
    assert then["state"]["status"] == "received"
    assert [e["type"] for e in then["events"]] == ["Received"]

    shanghai = between.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (
        history(client, path, clerk, at=shanghai.isoformat())["state"]["version"] == 1
    )

    now = history(client, path, clerk, at=after.isoformat())
    assert now["state"]["status"] == "accepted"
    assert len(now["events"]) == 2

    response = client.get(
        f"{path}/history", params={"at": before.isoformat()}, headers=clerk.headers
    )
    assert_problem(response, 404, "not-found", detail="no version 0")


@pytest.mark.parametrize("version", [3, 99])
def test_a_version_the_case_never_had_is_404(
    client: TestClient, staff: StaffBook, version: int
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    ok(post(client, f"{path}/accept", clerk))
    response = client.get(
        f"{path}/history", params={"version": version}, headers=clerk.headers
    )
    assert_problem(response, 404, "not-found", detail=f"no version {version}")


@pytest.mark.parametrize("version", ["0", "-1", "two"])
def test_a_version_that_is_not_a_positive_number_is_422(
    client: TestClient, staff: StaffBook, version: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    response = client.get(
        f"{path}/history", params={"version": version}, headers=clerk.headers
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "version" in {e["field"] for e in body["errors"]}


def test_asking_for_a_version_and_an_instant_together_is_422(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    response = client.get(
        f"{path}/history",
        params={"version": 1, "at": datetime.now(UTC).isoformat()},
        headers=clerk.headers,
    )
    assert_problem(response, 422, "invalid-input", detail="not both")


@pytest.mark.parametrize("at", ["2026-11-23T09:00:00", "2026-11-23"])
def test_an_instant_without_an_offset_is_422(
    client: TestClient, staff: StaffBook, at: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    response = client.get(f"{path}/history", params={"at": at}, headers=clerk.headers)
    assert_problem(response, 422, "invalid-input", detail="offset")


def test_an_instant_that_is_not_a_time_is_422_naming_it(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    response = client.get(
        f"{path}/history", params={"at": "yesterday"}, headers=clerk.headers
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "at" in {e["field"] for e in body["errors"]}


def test_licence_history_at_a_version(client: TestClient, staff: StaffBook) -> None:
    licence = f"{LICENCES}/{commitment_licence(client, staff)['id']}"
    act(client, staff, licence, [(Role.CLERK, "reissue-certificate")], LICENCE_BODIES)
    clerk = staff[(Role.CLERK, CITY)]
    at_one = history(client, licence, clerk, version=1)
    assert at_one["state"]["certificate_reissues"] == 0
    assert history(client, licence, clerk)["events"][-1]["type"] == (
        "CertificateReissued"
    )


# -- what reads never show ----------------------------------------------------------


def test_the_query_code_is_shown_once_at_receipt_and_never_again(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, auditor = staff[(Role.CLERK, COUNTY)], staff[(Role.AUDITOR, CITY)]
    created = receive(client, clerk)
    code = created["query_code"]
    # 60 bits in Crockford base32, grouped for reading out from a voucher.
    assert re.fullmatch(
        r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code
    )
    assert "query_code_hash" not in created
    path = f"{APPLICATIONS}/{created['id']}"
    accepted = post(client, f"{path}/accept", clerk)
    reads = [
        accepted,
        client.get(path, headers=clerk.headers),
        client.get(path, headers=auditor.headers),
        client.get(f"{path}/history", headers=auditor.headers),
        client.get(f"{path}/history", params={"version": 1}, headers=clerk.headers),
    ]
    for response in reads:
        assert response.status_code == 200
        assert "query_code" not in response.text
        assert code not in response.text


def test_history_data_never_carries_the_query_code_hash_of_the_received_event(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    path = f"{APPLICATIONS}/{receive(client, clerk)['id']}"
    received = history(client, path, clerk)["events"][0]
    assert received["type"] == "Received"
    assert "query_code_hash" not in received["data"]
    assert received["data"]["receipt_number"]


# -- the public catalogue -----------------------------------------------------------


def test_the_catalogue_is_public_and_lists_the_seven_items(client: TestClient) -> None:
    response = client.get("/v1/licensing/items")
    body = ok(response)
    items = {item["code"]: item for item in body["items"]}
    assert len(items) == 7
    assert list(items) == sorted(items)
    production = items["XK-GYCP-SCXK"]
    assert production["statutory_limit_wd"] == 60
    assert production["name"] == "工业产品生产许可证核发"
    assert items["XK-TZSB-SYDJ"]["safety_critical"] is True
    assert items["XK-JL-XSPZ"]["safety_critical"] is False
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert "public" in response.headers["cache-control"]


def test_one_catalogue_item_is_public(client: TestClient) -> None:
    item = ok(client.get("/v1/licensing/items/XK-JL-BZKH"))
    assert item["code"] == "XK-JL-BZKH"
    assert item["validity_months"] == 60
    assert {m["name"] for m in item["materials"]} >= {"计量标准技术报告"}


def test_an_unknown_catalogue_item_is_404(client: TestClient) -> None:
    code = f"XK-UNKNOWN-{uuid.uuid4().hex[:6].upper()}"
    response = client.get(f"/v1/licensing/items/{code}")
    assert_problem(response, 404, "not-found", detail=code)
