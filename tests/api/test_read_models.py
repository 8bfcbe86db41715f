"""The read side over HTTP: the applications index, read-your-writes, the
deadline board, the licence register and the statistics, on live read models
fed by the session's projector."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from projections.runtime import Projector
from tests.api.conftest import (
    CITY,
    COUNTY,
    OTHER_COUNTY,
    Staff,
    advance,
    applicant,
    make_uscc,
)
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATIONS,
    COMMITMENT_ITEM,
    COMMITMENT_MATERIALS,
    LICENCES,
    StaffBook,
    assert_problem,
    commitment_licence,
    field_errors,
    log_head,
    ok,
    post,
)

pytestmark = pytest.mark.usefixtures("projector")

DEADLINES = "/v1/licensing/deadlines"
STATISTICS = "/v1/licensing/statistics"
SYDJ = "XK-TZSB-SYDJ"
SYDJ_MATERIALS = [
    "特种设备使用登记表",
    "使用单位统一社会信用代码证明",
    "产品合格证",
    "监督检验证明",
    "安装告知书",
]
XSPZ = "XK-JL-XSPZ"  # 计量器具型式批准: 计量, no on-site review
XSPZ_MATERIALS = ["型式批准申请书", "型式评价报告", "产品照片"]


# -- helpers -----------------------------------------------------------------------


def new_application(
    client: TestClient,
    clerk: Staff,
    seed: int,
    item: str = SYDJ,
    materials: list[str] | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    body = {
        "item_code": item,
        "applicant": applicant(seed, region or clerk.unit[:6].ljust(6, "0")),
        "materials": materials or (XSPZ_MATERIALS if item == XSPZ else SYDJ_MATERIALS),
    }
    return ok(post(client, APPLICATIONS, clerk, body), 201)


def act(
    client: TestClient,
    who: Staff,
    case_id: str,
    verb: str,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if body is None:
        body = APPLICATION_BODIES.get(verb)
    return ok(post(client, f"{APPLICATIONS}/{case_id}/{verb}", who, body))


def read(
    client: TestClient, path: str, who: Staff, position: int, **params: Any
) -> dict[str, Any]:
    return ok(
        client.get(
            path, params={**params, "consistent_after": position}, headers=who.headers
        )
    )


def index(
    client: TestClient, who: Staff, position: int, **params: Any
) -> list[dict[str, Any]]:
    return list(read(client, APPLICATIONS, who, position, **params)["items"])


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def board(
    client: TestClient, who: Staff, position: int, **params: Any
) -> list[dict[str, Any]]:
    """Every page of the deadline board."""
    items: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        extra = {"after": after} if after else {}
        page = read(client, DEADLINES, who, position, limit=200, **params, **extra)
        items.extend(page["items"])
        after = page["next_cursor"]
        if not after:
            return items


def board_of(
    client: TestClient, who: Staff, position: int, case_id: str, **params: Any
) -> dict[str, dict[str, Any]]:
    """The board's deadlines of one case, by kind."""
    return {
        d["kind"]: d
        for d in board(client, who, position, **params)
        if d["case_id"] == case_id
    }


# -- the applications index ---------------------------------------------------------


def test_a_received_application_appears_in_the_index_with_its_correction_deadline(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = new_application(client, clerk, 710001)
    items = index(client, clerk, created["position"], applicant_uscc=make_uscc(710001))
    assert ids(items) == [created["id"]]
    row = items[0]
    assert row["receipt_number"] == created["receipt_number"]
    assert row["status"] == "received"
    assert row["public_status"] == "已收件"
    assert row["item"] == {
        "code": SYDJ,
        "name": "特种设备使用登记",
        "category": "特种设备",
    }
    assert row["unit_code"] == COUNTY
    assert row["applicant"]["uscc"] == make_uscc(710001)
    assert row["deadline"] == {
        "kind": "correction",
        "due": "2026-11-30",
        "working_days_left": 5,
        "overdue": False,
        "provisional": False,
    }


def test_the_index_filters_by_status_including_several_statuses(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    received = new_application(client, clerk, 710002)
    accepted = new_application(client, clerk, 710002)
    act(client, clerk, accepted["id"], "accept")
    correcting = new_application(client, clerk, 710002)
    last = act(client, clerk, correcting["id"], "request-correction")
    uscc = make_uscc(710002)
    assert ids(index(client, clerk, last["position"], applicant_uscc=uscc)) == [
        correcting["id"],
        accepted["id"],
        received["id"],
    ]
    assert ids(
        index(client, clerk, last["position"], applicant_uscc=uscc, status="accepted")
    ) == [accepted["id"]]
    both = index(
        client,
        clerk,
        last["position"],
        applicant_uscc=uscc,
        status=["accepted", "correction_requested"],
    )
    assert ids(both) == [correcting["id"], accepted["id"]]
    assert {i["public_status"] for i in both} == {"已受理，审查中", "待补正"}


def test_the_index_filters_by_item_category_unit_and_applicant(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, other = staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, OTHER_COUNTY)]
    city = staff[(Role.CLERK, CITY)]
    uscc = make_uscc(710003)
    sydj = new_application(client, clerk, 710003)
    xspz = new_application(client, clerk, 710003, item=XSPZ)
    elsewhere = new_application(client, other, 710003, region="320803")
    pos = elsewhere["position"]
    assert ids(index(client, city, pos, applicant_uscc=uscc)) == [
        elsewhere["id"],
        xspz["id"],
        sydj["id"],
    ]
    assert ids(index(client, city, pos, applicant_uscc=uscc, item=XSPZ)) == [xspz["id"]]
    assert ids(index(client, city, pos, applicant_uscc=uscc, category="计量")) == [
        xspz["id"]
    ]
    assert ids(index(client, city, pos, applicant_uscc=uscc, unit=OTHER_COUNTY)) == [
        elsewhere["id"]
    ]
    assert ids(index(client, city, pos, applicant_uscc=uscc, unit="320803")) == [
        xspz["id"],
        sydj["id"],
    ]
    # 320800 is the city's code in full: the same as 3208.
    assert len(index(client, city, pos, applicant_uscc=uscc, unit="320800")) == 3
    # the applicant's USCC in lower case is the same USCC
    assert len(index(client, city, pos, applicant_uscc=uscc.lower())) == 3


def test_the_index_filters_by_a_substring_of_the_applicant_name(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    named = new_application(client, clerk, 710004)
    body = {
        "item_code": SYDJ,
        "applicant": applicant(710004, name="清江浦100%_纯净水有限公司"),
        "materials": SYDJ_MATERIALS,
    }
    odd = ok(post(client, APPLICATIONS, clerk, body), 201)
    pos = odd["position"]
    uscc = make_uscc(710004)
    assert ids(
        index(client, clerk, pos, applicant_uscc=uscc, applicant_name="机械")
    ) == [named["id"]]
    assert ids(
        index(
            client,
            clerk,
            pos,
            applicant_uscc=uscc,
            applicant_name="测试机械有限公司710004",
        )
    ) == [named["id"]]
    # LIKE wildcards in the query are literal characters
    assert ids(
        index(client, clerk, pos, applicant_uscc=uscc, applicant_name="100%_")
    ) == [odd["id"]]
    assert index(client, clerk, pos, applicant_uscc=uscc, applicant_name="0%纯") == []
    assert ids(index(client, clerk, pos, applicant_uscc=uscc, applicant_name="_")) == [
        odd["id"]
    ]


def test_the_index_filters_by_received_dates(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    monday = new_application(client, clerk, 710005)
    advance(clock, 2)
    wednesday = new_application(client, clerk, 710005)
    pos, uscc = wednesday["position"], make_uscc(710005)
    assert wednesday["received_on"] == "2026-11-25"
    assert ids(
        index(client, clerk, pos, applicant_uscc=uscc, received_from="2026-11-24")
    ) == [wednesday["id"]]
    assert ids(
        index(client, clerk, pos, applicant_uscc=uscc, received_to="2026-11-24")
    ) == [monday["id"]]
    assert ids(
        index(
            client,
            clerk,
            pos,
            applicant_uscc=uscc,
            received_from="2026-11-23",
            received_to="2026-11-25",
        )
    ) == [wednesday["id"], monday["id"]]
    assert (
        index(
            client,
            clerk,
            pos,
            applicant_uscc=uscc,
            received_from="2026-11-24",
            received_to="2026-11-24",
        )
        == []
    )


def test_the_overdue_filter_follows_the_clock(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = new_application(client, clerk, 710006)
    pos, uscc = created["position"], make_uscc(710006)
    assert index(client, clerk, pos, applicant_uscc=uscc, overdue="true") == []
    assert ids(index(client, clerk, pos, applicant_uscc=uscc, overdue="false")) == [
        created["id"]
    ]
    clock.at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # the last day: not overdue
    assert index(client, clerk, pos, applicant_uscc=uscc, overdue="true") == []
    clock.at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    late = index(client, clerk, pos, applicant_uscc=uscc, overdue="true")
    assert ids(late) == [created["id"]]
    assert late[0]["deadline"]["overdue"] is True
    assert late[0]["deadline"]["working_days_left"] == -1
    assert index(client, clerk, pos, applicant_uscc=uscc, overdue="false") == []


def test_cursor_pagination_returns_every_row_once_even_when_new_ones_arrive(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = [new_application(client, clerk, 710007) for _ in range(5)]
    uscc = make_uscc(710007)
    pos = created[-1]["position"]
    seen: list[str] = []
    first = read(client, APPLICATIONS, clerk, pos, applicant_uscc=uscc, limit=2)
    seen += ids(first["items"])
    assert len(first["items"]) == 2
    late = new_application(client, clerk, 710007)  # arrives between pages
    after = first["next_cursor"]
    pages = 1
    while after:
        page = read(
            client,
            APPLICATIONS,
            clerk,
            late["position"],
            applicant_uscc=uscc,
            limit=2,
            after=after,
        )
        seen += ids(page["items"])
        after = page["next_cursor"]
        pages += 1
    assert seen == [c["id"] for c in reversed(created)]  # newest first, once each
    assert pages == 3
    # a fresh listing shows the newcomer first
    assert (
        ids(index(client, clerk, late["position"], applicant_uscc=uscc))[0]
        == (late["id"])
    )


def test_staff_see_only_their_jurisdiction_and_auditors_see_all(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, other = staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, OTHER_COUNTY)]
    created = new_application(client, clerk, 710008)
    pos, uscc = created["position"], make_uscc(710008)
    assert index(client, other, pos, applicant_uscc=uscc) == []
    for auditor in (staff[(Role.AUDITOR, OTHER_COUNTY)], staff[(Role.AUDITOR, CITY)]):
        assert ids(index(client, auditor, pos, applicant_uscc=uscc)) == [created["id"]]
    assert ids(
        index(client, staff[(Role.APPROVER, CITY)], pos, applicant_uscc=uscc)
    ) == [created["id"]]
    r = client.get(APPLICATIONS, params={"unit": COUNTY}, headers=other.headers)
    assert_problem(r, 403, "forbidden", detail="320803")
    r = client.get(APPLICATIONS, params={"unit": CITY}, headers=clerk.headers)
    assert_problem(r, 403, "forbidden")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status.0"),
        ({"status": ["accepted", "lost"]}, "status.1"),
        ({"received_from": "2026-13-01"}, "received_from"),
        ({"received_to": "yesterday"}, "received_to"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"after": "not-a-cursor!"}, "after"),
        ({"after": "W10"}, "after"),  # base64 of [] : a cursor of the wrong shape
        ({"received_from": "2026-11-25", "received_to": "2026-11-24"}, "received_from"),
        ({"unit": "32x8"}, "unit"),
        ({"overdue": "maybe"}, "overdue"),
        ({"applicant_uscc": "123"}, "applicant_uscc"),
    ],
)
def test_invalid_index_queries_are_422_with_the_field(
    client: TestClient, staff: StaffBook, params: dict[str, Any], field: str
) -> None:
    r = client.get(
        APPLICATIONS, params=params, headers=staff[(Role.CLERK, COUNTY)].headers
    )
    body = assert_problem(r, 422, "invalid-input")
    assert field in field_errors(body), body


def test_the_index_needs_a_token(client: TestClient) -> None:
    assert_problem(client.get(APPLICATIONS), 401, "unauthenticated")
    r = client.get(APPLICATIONS, headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


# -- read-your-writes -----------------------------------------------------------------


def test_consistent_after_shows_the_new_application_at_once(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    for n in range(3):
        created = new_application(client, clerk, 710010)
        found = index(
            client, clerk, created["position"], applicant_uscc=make_uscc(710010)
        )
        assert len(found) == n + 1
        assert found[0]["id"] == created["id"]
        accepted = act(client, clerk, created["id"], "accept")
        found = index(
            client, clerk, accepted["position"], applicant_uscc=make_uscc(710010)
        )
        assert found[0]["status"] == "accepted"


def test_the_consistent_after_header_works_too(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = new_application(client, clerk, 710011)
    r = client.get(
        APPLICATIONS,
        params={"applicant_uscc": make_uscc(710011)},
        headers={**clerk.headers, "X-Consistent-After": str(created["position"])},
    )
    assert ids(ok(r)["items"]) == [created["id"]]
    r = client.get(
        APPLICATIONS,
        headers={**clerk.headers, "X-Consistent-After": "minus one"},
    )
    assert_problem(r, 422, "invalid-input")


def test_a_position_beyond_the_log_is_503_with_retry_after(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    beyond = log_head(client) + 1_000_000
    started = time.monotonic()
    r = client.get(
        APPLICATIONS, params={"consistent_after": beyond}, headers=clerk.headers
    )
    waited = time.monotonic() - started
    assert_problem(r, 503, "not-caught-up", detail=str(beyond))
    assert int(r.headers["retry-after"]) >= 1
    assert 4.5 <= waited < 15


# -- the deadline board ----------------------------------------------------------------


def test_the_board_shows_the_decision_deadline_after_acceptance(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = new_application(client, clerk, 710020)
    accepted = act(client, clerk, created["id"], "accept")
    mine = board_of(client, clerk, accepted["position"], created["id"], unit=COUNTY)
    assert set(mine) == {"decision"}
    decision = mine["decision"]
    assert decision["due"] == accepted["decision_due"]["due"] == "2026-12-21"
    assert decision["working_days_left"] == 20
    assert decision["state"] is None
    assert decision["case_kind"] == "application"
    # The index's names: receipt_number and applicant.name (not reference, party_name).
    assert decision["receipt_number"] == created["receipt_number"]
    assert decision["licence_number"] is None
    assert decision["unit_code"] == COUNTY
    assert decision["applicant"] == {"name": "淮安测试机械有限公司710020"}
    # 承诺时限 beside the legal limit: 5 promised working days after 11/23.
    assert decision["promised_due"] == accepted["promised_due"]["due"] == "2026-11-30"
    assert "42" in decision["rule"]


def test_a_suspension_takes_the_decision_deadline_off_and_resuming_moves_it_later(
    client: TestClient, staff: StaffBook, clock: FixedClock, services: Any
) -> None:
    clerk, reviewer = staff[(Role.CLERK, COUNTY)], staff[(Role.REVIEWER, COUNTY)]
    created = new_application(client, clerk, 710021)
    accepted = act(client, clerk, created["id"], "accept")
    before = date.fromisoformat(accepted["decision_due"]["due"])
    suspended = act(client, reviewer, created["id"], "suspend-clock")
    assert board_of(client, clerk, suspended["position"], created["id"]) == {}
    row = index(client, clerk, suspended["position"], applicant_uscc=make_uscc(710021))
    assert row[0]["clock_stopped"] is True
    advance(clock, 3)  # Thursday
    resumed = act(client, reviewer, created["id"], "resume-clock")
    excluded = resumed["excluded_working_days"]
    assert excluded > 0
    after = date.fromisoformat(resumed["decision_due"]["due"])
    assert after > before
    assert services.licensing.calendar.working_days_between(before, after) == excluded
    mine = board_of(client, clerk, resumed["position"], created["id"])
    assert mine["decision"]["due"] == after.isoformat()


def test_an_extension_moves_the_decision_deadline(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, approver = staff[(Role.CLERK, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    created = new_application(client, clerk, 710022)
    accepted = act(client, clerk, created["id"], "accept")
    extended = act(client, approver, created["id"], "extend")
    assert extended["decision_due"]["due"] > accepted["decision_due"]["due"]
    mine = board_of(client, clerk, extended["position"], created["id"])
    assert mine["decision"]["due"] == extended["decision_due"]["due"]


def test_the_board_shows_the_certificate_deadline_after_a_grant(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, approver = staff[(Role.CLERK, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    created = new_application(client, clerk, 710023)
    act(client, clerk, created["id"], "accept")
    granted = act(client, approver, created["id"], "grant")
    mine = board_of(client, clerk, granted["position"], created["id"])
    assert set(mine) == {"certificate"}
    assert mine["certificate"]["due"] == granted["certificate_due"]["due"]
    # Art. 44: issued *and served* — issuing alone does not end the deadline.
    issued = act(client, clerk, created["id"], "issue-certificate")
    assert set(board_of(client, clerk, issued["position"], created["id"])) == {
        "certificate"
    }
    served = act(client, clerk, created["id"], "serve-certificate")
    assert board_of(client, clerk, served["position"], created["id"]) == {}


def test_the_board_shows_the_supply_deadline_of_an_acceptance_with_deficiencies(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = new_application(client, clerk, 710024)
    accepted = act(client, clerk, created["id"], "accept-with-deficiencies")
    mine = board_of(client, clerk, accepted["position"], created["id"])
    assert set(mine) == {"supply", "decision"}
    assert mine["supply"]["due"] == "2026-11-27"
    assert mine["supply"]["working_days_left"] == 4
    cured = act(client, clerk, created["id"], "cure-deficiencies")
    assert set(board_of(client, clerk, cured["position"], created["id"])) == {
        "decision"
    }


def test_the_board_shows_a_licences_renewal_application_deadline(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    licence = commitment_licence(client, staff, seed=710025)
    assert licence["valid_until"]
    mine = board_of(client, clerk, log_head(client), licence["id"], unit=COUNTY)
    renewal = mine["renewal_application"]
    assert renewal["case_kind"] == "licence"
    assert renewal["licence_number"] == licence["licence_number"]
    assert renewal["receipt_number"] is None
    assert renewal["holder"] == {"name": licence["holder"]["name"]}
    assert renewal["due"] < licence["valid_until"]
    assert "expiry" not in mine  # a timer, not a board entry
    assert not any(k.endswith("_reminder") for k in mine)


def test_the_board_states_follow_the_clock(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = new_application(client, clerk, 710026)
    pos = act(client, clerk, created["id"], "accept")["position"]  # due 2026-12-21

    def states(**params: Any) -> dict[str, Any]:
        return board_of(client, clerk, pos, created["id"], **params)

    assert states(state="at_risk") == {}
    clock.at = datetime(2026, 12, 17, 1, 0, tzinfo=UTC)  # Thursday: Fri and Mon left
    assert states(state="at_risk")["decision"]["working_days_left"] == 2
    assert states()["decision"]["state"] == "at_risk"
    assert states(state="due") == states(state="overdue") == {}
    clock.at = datetime(2026, 12, 21, 1, 0, tzinfo=UTC)
    assert states(state="due")["decision"]["state"] == "due"
    assert states(state="due")["decision"]["working_days_left"] == 0
    assert states(state="at_risk") == states(state="overdue") == {}
    clock.at = datetime(2026, 12, 22, 1, 0, tzinfo=UTC)
    overdue = states(state="overdue")["decision"]
    assert overdue["state"] == "overdue"
    assert overdue["working_days_left"] < 0
    assert states(state="due") == states(state="at_risk") == {}


def test_the_board_filters_by_due_within_days_and_jurisdiction(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, other = staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, OTHER_COUNTY)]
    created = new_application(client, clerk, 710027)
    pos = act(client, clerk, created["id"], "accept")["position"]  # 28 days away
    assert board_of(client, clerk, pos, created["id"], due_within_days=27) == {}
    assert "decision" in board_of(client, clerk, pos, created["id"], due_within_days=28)
    assert board_of(client, other, pos, created["id"]) == {}
    auditor = staff[(Role.AUDITOR, OTHER_COUNTY)]
    assert "decision" in board_of(client, auditor, pos, created["id"], unit=COUNTY)
    r = client.get(DEADLINES, params={"unit": COUNTY}, headers=other.headers)
    assert_problem(r, 403, "forbidden")
    for bad in ({"state": "late"}, {"due_within_days": -1}, {"after": "zzz"}):
        r = client.get(DEADLINES, params=bad, headers=clerk.headers)
        assert_problem(r, 422, "invalid-input")


# -- the licence register -----------------------------------------------------------------


def test_a_granted_licence_is_in_the_register_and_its_filters_work(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, other = staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, OTHER_COUNTY)]
    licence = commitment_licence(client, staff, seed=710030)
    pos, uscc = log_head(client), make_uscc(710030)
    found = read(client, LICENCES, clerk, pos, holder_uscc=uscc)["items"]
    assert [x["id"] for x in found] == [licence["id"]]
    row = found[0]
    assert row["status"] == "valid"
    assert row["holder"]["uscc"] == uscc
    assert row["item"]["code"] == COMMITMENT_ITEM
    assert row["valid_from"] == "2026-11-23"
    assert row["valid_until"] == licence["valid_until"]
    assert row["valid_until"].startswith("2032-11")  # 72 months
    assert row["renewal_deadline"]
    assert row["renewal_deadline"] < row["valid_until"]
    days = row["days_to_expiry"]
    assert days == (date.fromisoformat(row["valid_until"]) - date(2026, 11, 23)).days
    by = {"holder_uscc": uscc}
    assert len(read(client, LICENCES, clerk, pos, **by, status="valid")["items"]) == 1
    assert read(client, LICENCES, clerk, pos, **by, status="expired")["items"] == []
    assert (
        len(
            read(client, LICENCES, clerk, pos, **by, status=["expired", "valid"])[
                "items"
            ]
        )
        == 1
    )
    assert (
        len(
            read(client, LICENCES, clerk, pos, **by, expiring_within_days=days)["items"]
        )
        == 1
    )
    assert (
        read(client, LICENCES, clerk, pos, **by, expiring_within_days=days - 1)["items"]
        == []
    )
    assert read(client, LICENCES, other, pos, **by)["items"] == []
    for bad in ({"status": "lapsed"}, {"expiring_within_days": -1}, {"limit": 0}):
        r = client.get(LICENCES, params=bad, headers=clerk.headers)
        assert_problem(r, 422, "invalid-input")


# -- statistics ---------------------------------------------------------------------------


def _through(
    client: TestClient,
    staff: StaffBook,
    created: dict[str, Any],
    *,
    verify: bool = False,
    number: int,
) -> dict[str, Any]:
    """Grant, issue and serve an accepted application, in OTHER_COUNTY."""
    clerk = staff[(Role.CLERK, OTHER_COUNTY)]
    approver = staff[(Role.APPROVER, OTHER_COUNTY)]
    case = created["id"]
    if verify:  # Art. 34: recorded by one reviewer, signed by a second
        act(
            client,
            staff[(Role.REVIEWER, OTHER_COUNTY)],
            case,
            "record-verification",
            {
                "on_site": True,
                "verified_on": "2030-03-07",
                "findings": "现场核查与申请材料一致",
            },
        )
        act(
            client,
            staff[(Role.REVIEWER, CITY)],
            case,
            "sign-verification",
            {"verification": 1},
        )
    act(
        client,
        approver,
        case,
        "grant",
        {
            "decision_number": f"淮阴市监许〔2030〕{number}号",
            "scope": "统计测试",
            "reason": "材料齐全，符合法定条件",
        },
    )
    act(client, clerk, case, "issue-certificate")
    return act(client, clerk, case, "serve-certificate")


def test_statistics_reproduce_a_halls_table_of_work_completed_on_time(
    client: TestClient, staff: StaffBook, clock: FixedClock
) -> None:
    """Like 上海市质监局受理大廳's report: counts by category, all completed on
    time, certificates made and served; here in March 2030 in 淮阴区."""
    clock.at = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # Monday 09:00
    clerk = staff[(Role.CLERK, OTHER_COUNTY)]
    zzrd_body = {
        "item_code": COMMITMENT_ITEM,
        "applicant": applicant(710040, OTHER_COUNTY),
        "materials": COMMITMENT_MATERIALS,
    }
    sydj = [new_application(client, clerk, 710040 + n) for n in range(3)]
    xspz = [new_application(client, clerk, 710043 + n, item=XSPZ) for n in range(2)]
    zzrd = ok(post(client, APPLICATIONS, clerk, zzrd_body), 201)
    for created in [*sydj, *xspz, zzrd]:
        act(client, clerk, created["id"], "accept")
    n = iter(range(1, 100))
    _through(client, staff, sydj[0], number=next(n))  # 0 working days
    advance(clock, 1)  # Tuesday
    _through(client, staff, sydj[1], number=next(n))  # 1
    _through(client, staff, xspz[0], number=next(n))  # 1
    advance(clock, 2)  # Thursday
    _through(client, staff, sydj[2], number=next(n))  # 3
    _through(client, staff, xspz[1], number=next(n))  # 3
    last = _through(client, staff, zzrd, verify=True, number=next(n))  # 3
    auditor = staff[(Role.AUDITOR, CITY)]
    window = {"from": "2030-03-01", "to": "2030-03-31", "unit": OTHER_COUNTY}

    stats = read(
        client, STATISTICS, auditor, last["position"], **window, group_by="category"
    )
    assert stats["from"] == "2030-03-01"
    assert stats["to"] == "2030-03-31"
    assert stats["group_by"] == "category"
    groups = {g["key"]: g for g in stats["groups"]}
    assert list(groups) == sorted(groups)
    expected = {"特种设备": (3, 1.0), "计量": (2, 2.0), "认证认可": (1, 3.0)}
    assert set(groups) == set(expected)
    for category, (count, median) in expected.items():
        g = groups[category]
        for figure in (
            "received",
            "accepted",
            "completed",
            "completed_within_legal_limit",
            "completed_within_promised_limit",
            "granted",
            "certificates_issued",
            "certificates_served",
        ):
            assert g[figure] == count, (category, figure, g)
        for figure in (
            "not_accepted",
            "refused",
            "terminated",
            "withdrawn",
            "deadlines_missed",
        ):
            assert g[figure] == 0, (category, figure, g)
        assert g["on_time_rate"] == 1.0
        assert g["median_working_days_to_decision"] == median, (category, g)
    total = stats["total"]
    assert total["received"] == total["completed"] == total["certificates_served"] == 6
    assert total["on_time_rate"] == 1.0
    assert total["median_working_days_to_decision"] == 2.0

    by_month = read(
        client, STATISTICS, auditor, last["position"], **window, group_by="month"
    )
    assert [g["key"] for g in by_month["groups"]] == ["2030-03"]
    assert by_month["groups"][0]["completed"] == 6
    assert by_month["total"] == total

    by_item = read(
        client, STATISTICS, auditor, last["position"], **window, group_by="item"
    )
    assert {g["key"]: g["completed"] for g in by_item["groups"]} == {
        COMMITMENT_ITEM: 1,
        SYDJ: 3,
        XSPZ: 2,
    }
    ungrouped = read(client, STATISTICS, auditor, last["position"], **window)
    assert ungrouped["groups"] == []
    assert ungrouped["total"] == total
    # the county's own staff see the same; the other county sees nothing of it
    own = read(
        client,
        STATISTICS,
        staff[(Role.APPROVER, OTHER_COUNTY)],
        last["position"],
        **window,
    )
    assert own["total"] == total
    r = client.get(
        STATISTICS, params=window, headers=staff[(Role.CLERK, COUNTY)].headers
    )
    assert_problem(r, 403, "forbidden")
    elsewhere = read(
        client,
        STATISTICS,
        staff[(Role.CLERK, COUNTY)],
        last["position"],
        **{"from": "2030-03-01", "to": "2030-03-31"},
    )
    assert elsewhere["total"]["received"] == 0
    assert elsewhere["total"]["on_time_rate"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "week"}, "group_by"),
        ({"from": "2026-11-24", "to": "2026-11-23"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "to"),
    ],
)
def test_invalid_statistics_queries_are_422(
    client: TestClient, staff: StaffBook, params: dict[str, str], field: str
) -> None:
    r = client.get(
        STATISTICS, params=params, headers=staff[(Role.CLERK, COUNTY)].headers
    )
    body = assert_problem(r, 422, "invalid-input")
    assert field in field_errors(body), body


def test_projector_fixture_is_the_sessions(projector: Projector) -> None:
    assert "applications" in projector.models
    assert "licences" in projector.models
