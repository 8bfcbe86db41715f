"""并联审批 through HTTP: an admin makes a shipped item a joint item; accepting
an application starts each participant's task on the deadline board; opinions
are recorded by whom the role matrix says; the decision waits (409); the clock
deems a silent participant's opinion where the item's rule says so.

A private database (the catalogue is revised) with its own clock, projector
and staff: the city 3208 and its counties 320803 (the handling unit) and
320804. Dates as in tests/domain/test_joint_review.py: accepted Thu 2026-09-24,
10 working days → 10/15, 15 → 10/22 (中秋, 国庆 and the 10/10 make-up day).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.clock import DeadlineClock
from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from api.licensing import joint_reviews
from domain.licensing.service import Licensing
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from projections.runtime import run_in_thread
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, UNITS, Staff, applicant
from tests.api.helpers import APPLICATIONS, assert_problem, etag_of, ok, post, unchanged
from tests.conftest import another_database

REVIEWS = "/v1/licensing/joint-reviews"
ITEM = "XK-TZSB-SCXK"
MATERIALS = [
    "特种设备生产许可申请表",
    "营业执照复印件",
    "鉴定评审报告",
    "质量保证体系文件",
]
DEEMED_RULE = "本事项办事指南：逾期未提出意见视为同意（UNCONFIRMED）"
PARTICIPANTS = [
    {
        "code": "ZJ",
        "name": "住建部门",
        "limit_wd": 10,
        "deemed_agreement": True,
        "deemed_rule": DEEMED_RULE,
    },
    {"code": "XF", "name": "消防救援机构", "limit_wd": 15},
    {"code": "SJ", "name": "市局特种设备安全监察处", "unit_code": CITY, "limit_wd": 10},
]
DUE = {"ZJ": "2026-10-15", "XF": "2026-10-22", "SJ": "2026-10-15"}


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 Shanghai


@dataclass
class World:
    client: TestClient
    services: Services
    clock: FixedClock
    staff: dict[tuple[Role, str], Staff]

    def who(self, role: Role, unit: str = COUNTY) -> Staff:
        return self.staff[(role, unit)]

    def accepted(self, seed: int) -> tuple[str, str, dict[str, Any]]:
        """An application received and accepted on Thu 9/24: its id, its
        review's id, and the acceptance's answer."""
        self.clock.at = at(date(2026, 9, 24))
        clerk = self.who(Role.CLERK)
        body = {"item_code": ITEM, "applicant": applicant(seed), "materials": MATERIALS}
        created = ok(post(self.client, APPLICATIONS, clerk, body), 201)
        answer = ok(post(self.client, f"{APPLICATIONS}/{created['id']}/accept", clerk))
        return created["id"], answer["joint_review"]["id"], answer

    def opinion(
        self, review: str, participant: str, who: Staff | None = None, **body: Any
    ) -> Any:
        if who is None:
            who = self.who(Role.REVIEWER, CITY if participant == "SJ" else COUNTY)
        if participant != "SJ":
            body.setdefault("document", f"{participant}〔2026〕8号")
        body = {
            "participant": participant,
            "stance": "agree",
            "reason": "依参与单位的审查意见",
            **body,
        }
        return post(self.client, f"{REVIEWS}/{review}/record-opinion", who, body)

    def board(
        self, token: str | None, path: str = "/v1/deadlines"
    ) -> list[dict[str, Any]]:
        wait = {"consistent_after": token} if token else {}
        answer = self.client.get(
            path,
            params={**wait, "limit": 200},
            headers=self.who(Role.REVIEWER).headers,
        )
        return list(ok(answer)["items"])


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[World]:
    with another_database(database_url) as url:
        clock = FixedClock(at(date(2026, 9, 24)))
        services = open_services(Settings(), clock=clock, url=url)
        boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="joint-setup")
        staff: dict[tuple[Role, str], Staff] = {}
        for unit, name in UNITS.items():
            services.registry.establish_unit(unit, name, boot)
            for role in Role:
                staff_no = f"J-{unit}-{role.value}"
                roles = frozenset({role})
                services.registry.enrol_staff(staff_no, role.value, unit, roles, boot)
                secret, _ = services.registry.issue_token(staff_no, "t", boot)
                staff[(role, unit)] = Staff(staff_no, secret, unit, role)
        feeder = services.projector()
        thread, stop = run_in_thread(feeder)
        app = create_app(Settings(), services)
        with TestClient(app, raise_server_exceptions=False) as client:
            world = World(client, services, clock, staff)
            _make_joint_item(world)
            yield world
        stop.set()
        thread.join(timeout=10)
        feeder.close()
        services.close()


def _make_joint_item(world: World) -> None:
    """The admin revises the shipped item into a joint item (Art. 42 ¶2)."""
    path = f"/v1/licensing/items/{ITEM}"
    terms = {
        **world.client.get(path).json(),
        "handling": "unified",
        "statutory_limit_wd": 45,
        "promised_limit_wd": 30,
        "extension_wd": 15,
        "time_limit_rule": "行政许可法 第42条第2款、第26条：联合办理45个工作日",
        "on_site_review": False,
        "joint_review": PARTICIPANTS,
    }
    admin = world.who(Role.ADMIN, CITY)
    body = {"terms": terms, "reason": "气瓶充装许可实行并联审批"}
    ok(post(world.client, f"{path}/revise", admin, body))


def tasks_of(rows: list[dict[str, Any]], review: str) -> dict[str, dict[str, Any]]:
    return {r["kind"]: r for r in rows if r["case_id"] == review}


# -- the board and the views -------------------------------------------------------


def test_acceptance_puts_each_participants_task_on_the_board(world: World) -> None:
    app_id, review, accepted = world.accepted(seed=11)

    shared = tasks_of(world.board(accepted["consistency_token"]), review)
    assert {k: r["due"] for k, r in shared.items()} == {
        f"opinion:{code}": due for code, due in DUE.items()
    }
    assert {r["case_kind"] for r in shared.values()} == {"joint_review"}
    assert {r["rule"] for r in shared.values()} == {"行政许可法 第42条第2款、第26条"}
    own = tasks_of(
        world.board(accepted["consistency_token"], "/v1/licensing/deadlines"), review
    )
    assert {r["receipt_number"] for r in own.values()} == {accepted["receipt_number"]}
    # The application's own limit is the joint one: 45 working days.
    assert accepted["decision_limit_wd"] == 45
    view = ok(
        world.client.get(
            f"{APPLICATIONS}/{app_id}", headers=world.who(Role.CLERK).headers
        )
    )
    assert [p["due"]["due"] for p in view["joint_review"]["participants"]] == list(
        DUE.values()
    )


def test_an_opinion_closes_its_task_and_shows_on_the_application(world: World) -> None:
    app_id, review, _ = world.accepted(seed=12)
    response = world.opinion(
        review,
        "XF",
        stance="agree_with_conditions",
        conditions=["消防车通道保持畅通"],
        reason="依消防救援机构书面意见",
    )
    recorded = ok(response)
    assert recorded["version"] == 2

    rows = tasks_of(world.board(recorded["consistency_token"]), review)
    assert set(rows) == {"opinion:ZJ", "opinion:SJ"}
    clerk = world.who(Role.CLERK)
    view = ok(world.client.get(f"{APPLICATIONS}/{app_id}", headers=clerk.headers))
    (fire,) = [p for p in view["joint_review"]["participants"] if p["code"] == "XF"]
    assert fire["opinion"]["stance"] == "agree_with_conditions"
    assert fire["opinion"]["conditions"] == ["消防车通道保持畅通"]
    assert fire["opinion"]["document"] == "XF〔2026〕8号"
    history = ok(world.client.get(f"{REVIEWS}/{review}/history", headers=clerk.headers))
    last = history["events"][-1]
    assert last["type"] == "OpinionRecorded"
    assert last["summary"] == "参与单位 XF 审查意见：附条件同意"
    assert last["actor"]["id"] == world.who(Role.REVIEWER).staff_no
    assert last["reason"] == "依消防救援机构书面意见"
    # The application's history shows the review's events beside its own.
    own = ok(
        world.client.get(f"{APPLICATIONS}/{app_id}/history", headers=clerk.headers)
    )
    assert [e["type"] for e in own["related"]] == ["Started", "OpinionRecorded"]
    assert own["related"][-1] == last
    received = ok(
        world.client.get(
            f"{APPLICATIONS}/{app_id}/history",
            params={"version": 1},
            headers=clerk.headers,
        )
    )
    assert received["related"] == []  # as it stood at receipt: no review yet


def test_the_decision_is_409_until_every_opinion_is_in(world: World) -> None:
    app_id, review, _ = world.accepted(seed=13)
    approver = world.who(Role.APPROVER)
    grant = {
        "decision_number": "淮区市监许〔2026〕9号",
        "scope": "气瓶充装",
        "reason": "符合",
    }
    ok(world.opinion(review, "ZJ"))
    ok(world.opinion(review, "XF"))

    case = f"{APPLICATIONS}/{app_id}"
    with unchanged(world.client, case, approver):
        refused = post(world.client, f"{case}/grant", approver, grant)
    assert_problem(
        refused,
        409,
        "illegal-transition",
        detail="市局特种设备安全监察处",
        rule="第42条第2款",
    )

    ok(world.opinion(review, "SJ"))
    granted = ok(post(world.client, f"{case}/grant", approver, grant))
    assert granted["status"] == "granted"
    assert granted["joint_review"]["concluded"] == "granted"


def test_a_refusal_may_rest_on_a_disagreement(world: World) -> None:
    app_id, review, _ = world.accepted(seed=14)
    reasons = ["消防车通道宽度不足"]
    ok(world.opinion(review, "XF", stance="disagree", reasons=reasons))
    approver = world.who(Role.APPROVER)
    case = f"{APPLICATIONS}/{app_id}"
    grant = {"decision_number": "G-14", "scope": "气瓶充装", "reason": "符合"}
    assert_problem(
        post(world.client, f"{case}/grant", approver, grant),
        409,
        "illegal-transition",
        detail="消防救援机构 disagreed",
    )

    refuse = {"decision_number": "R-14", "reasons": reasons, "reason": "消防意见不同意"}
    refused = ok(post(world.client, f"{case}/refuse", approver, refuse))

    assert refused["status"] == "refused"
    assert tasks_of(world.board(refused["consistency_token"]), review) == {}


# -- the clock ---------------------------------------------------------------------------


def test_the_clock_deems_a_silent_opinion_where_the_rule_says_so(world: World) -> None:
    app_id, review, accepted = world.accepted(seed=15)
    world.board(accepted["consistency_token"])  # the timers are in the read model
    world.clock.at = at(date(2026, 10, 16))

    DeadlineClock(world.services).tick()

    reader = world.who(Role.CLERK)
    view = ok(world.client.get(f"{REVIEWS}/{review}", headers=reader.headers))
    by_code = {p["code"]: p for p in view["participants"]}
    assert by_code["ZJ"]["opinion"]["deemed"] is True
    assert by_code["ZJ"]["opinion"]["stance"] == "agree"
    assert by_code["SJ"]["opinion"] is None  # no rule deems its silence: missed
    assert by_code["SJ"]["missed"] is True
    assert by_code["XF"]["missed"] is False  # its limit runs to 10/22
    history = ok(
        world.client.get(f"{REVIEWS}/{review}/history", headers=reader.headers)
    )
    fired = {e["type"]: e for e in history["events"][1:]}
    assert fired["OpinionDeemed"]["data"]["rule"] == DEEMED_RULE
    assert fired["OpinionDeemed"]["actor"]["id"] == "system:clock"
    assert fired["DeadlineMissed"]["data"]["kind"] == "opinion:SJ"
    assert fired["OpinionDeemed"]["summary"] == (
        f"参与单位 ZJ 逾期未提出意见，视为同意（{DEEMED_RULE}）"
    )

    # The clock waited for the read models: the board waits on the city unit
    # (overdue) and the fire service; the housing department's task is closed.
    rows = tasks_of(world.board(None), review)
    assert set(rows) == {"opinion:SJ", "opinion:XF"}
    assert rows["opinion:SJ"]["state"] == "overdue"
    assert rows["opinion:XF"]["state"] is None
    application = ok(
        world.client.get(f"{APPLICATIONS}/{app_id}", headers=reader.headers)
    )
    assert application["joint_review"]["id"] == review


# -- who may record an opinion: roles × units (the role matrix) ----------------------------


ALLOWED = Licensing.permissions["record_opinion"]


@pytest.fixture(scope="module")
def shared_review(world: World) -> str:
    """One review the refused cells share (they must not change it)."""
    return world.accepted(seed=16)[1]


@pytest.mark.parametrize("unit", [COUNTY, CITY, OTHER_COUNTY])
@pytest.mark.parametrize("role", [r for r in Role if r not in ALLOWED])
def test_a_role_other_than_reviewer_may_not_record_an_opinion(
    world: World, shared_review: str, role: Role, unit: str
) -> None:
    path = f"{REVIEWS}/{shared_review}"
    with unchanged(world.client, path, world.who(Role.CLERK)):
        response = world.opinion(shared_review, "XF", world.who(role, unit))
    assert_problem(response, 403, "forbidden", detail="needs one of the roles")


def test_only_reviewers_record_opinions() -> None:
    assert {Role.REVIEWER} == ALLOWED


@pytest.mark.parametrize(
    ("seed", "participant", "unit", "allowed"),
    [
        (21, "XF", COUNTY, True),  # another department: the handling unit's reviewer
        (22, "XF", CITY, True),  # … or its city's
        (23, "XF", OTHER_COUNTY, False),
        (24, "SJ", CITY, True),  # a unit of the bureau: its own reviewers
        (25, "SJ", COUNTY, False),  # … not the handling unit's
        (26, "SJ", OTHER_COUNTY, False),
    ],
)
def test_a_reviewer_records_the_opinions_of_its_jurisdiction_only(
    world: World, seed: int, participant: str, unit: str, allowed: bool
) -> None:
    _, review, _ = world.accepted(seed)
    who = world.who(Role.REVIEWER, unit)
    path = f"{REVIEWS}/{review}"
    if not allowed:
        with unchanged(world.client, path, world.who(Role.AUDITOR)):
            response = world.opinion(review, participant, who)
        assert_problem(response, 403, "forbidden", detail="outside")
        return
    recorded = ok(world.opinion(review, participant, who))
    etag_of_review = world.client.get(path, headers=who.headers).headers["etag"]
    assert etag_of_review == '"2"'
    history = ok(world.client.get(f"{path}/history", headers=who.headers))
    assert history["events"][-1]["actor"]["unit_code"] == unit
    assert recorded["participants"]


@pytest.mark.parametrize("unit", [COUNTY, CITY, OTHER_COUNTY])
@pytest.mark.parametrize("role", list(Role))
def test_reads_follow_jurisdiction(
    world: World, shared_review: str, role: Role, unit: str
) -> None:
    for suffix in ("", "/history"):
        response = world.client.get(
            f"{REVIEWS}/{shared_review}{suffix}", headers=world.who(role, unit).headers
        )
        if unit != OTHER_COUNTY or role is Role.AUDITOR:
            assert response.status_code == 200, response.text
            assert response.json()["id"] == shared_review
        else:
            assert_problem(response, 403, "forbidden", detail="outside")


def test_no_token_is_401(world: World, shared_review: str) -> None:
    path = f"{REVIEWS}/{shared_review}"
    assert_problem(world.client.get(path), 401, "unauthenticated")
    body = {"participant": "XF", "stance": "agree", "document": "x"}
    response = world.client.post(f"{path}/record-opinion", json=body)
    assert_problem(response, 401, "unauthenticated")


# -- bad input changes nothing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "slug", "detail"),
    [
        ({"participant": "QQ"}, "invalid-input", "not a participant"),
        ({"participant": "XF", "stance": "disagree"}, "invalid-input", "reasons"),
        ({"participant": "XF", "document": None}, "invalid-input", "书面意见"),
        ({"participant": "XF", "stance": "maybe"}, "invalid-input", None),
        ({"participant": "XF", "colour": "red"}, "invalid-input", None),
    ],
)
def test_bad_input_is_422_and_changes_nothing(
    world: World,
    shared_review: str,
    body: dict[str, Any],
    slug: str,
    detail: str | None,
) -> None:
    path = f"{REVIEWS}/{shared_review}"
    body = dict(body)  # the parameter is shared by each database's run
    participant = body.pop("participant")
    with unchanged(world.client, path, world.who(Role.CLERK)):
        response = world.opinion(shared_review, participant, **body)
    assert_problem(response, 422, slug, detail=detail)


def test_a_stale_if_match_is_412_and_a_retried_key_answers_once(
    world: World,
) -> None:
    _, review, _ = world.accepted(seed=40)
    who = world.who(Role.REVIEWER)
    path = f"{REVIEWS}/{review}/record-opinion"
    body = {"participant": "XF", "stance": "agree", "document": "XF-1", "reason": "r"}
    stale = post(world.client, path, who, body, **{"If-Match": '"7"'})
    assert_problem(stale, 412, "stale-version")
    key = {"Idempotency-Key": "joint-40"}
    first = post(world.client, path, who, body, **key, **{"If-Match": '"1"'})
    again = post(world.client, path, who, body, **key, **{"If-Match": '"1"'})
    assert first.status_code == again.status_code == 200, again.text
    assert etag_of(first) == etag_of(again) == '"2"'
    assert again.headers["idempotent-replayed"] == "true"


def test_every_joint_review_route_is_in_this_matrix(world: World) -> None:
    """The role matrix above covers each route the document lists: GET the
    review and its history (reads), and each command the service declares."""
    paths = world.client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(REVIEWS)
        for method in operations
    }
    assert routes == {
        ("GET", f"{REVIEWS}/{{case_id}}"),
        ("GET", f"{REVIEWS}/{{case_id}}/history"),
        ("POST", f"{REVIEWS}/{{case_id}}/record-opinion"),
    }
    assert [c.name for c in joint_reviews.COMMANDS] == ["record_opinion"]
