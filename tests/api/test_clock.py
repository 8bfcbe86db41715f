"""The deadline clock: due timers become commands by `system:clock`, each
recorded exactly once, whatever the ticks, crashes and rival clocks."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.host.clock import CLOCK_LOCK, DeadlineClock, Tick
from api.host.settings import Settings
from api.host.storage import Services, open_services
from domain.licensing.parties import Applicant, Channel
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.clock import FixedClock
from projections.deadline_board import Timer
from projections.runtime import Projector, wait_for
from projections.runtime import run_in_thread as run_projector
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, applicant
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATIONS,
    LICENCES,
    StaffBook,
    commitment_licence,
    log_head,
    ok,
    post,
)

LICENSING_MODELS = ("applications", "licences")  # the licensing log's models

MATERIALS = [
    "特种设备使用登记表",
    "使用单位统一社会信用代码证明",
    "产品合格证",
    "监督检验证明",
    "安装告知书",
]


@pytest.fixture
def settled(services: Services, projector: Projector) -> Any:
    """Waits until the read models (the clock's timers) reach the log's head."""

    def wait(client: TestClient) -> None:
        with psycopg.connect(services.url, autocommit=True) as conn:
            assert wait_for(conn, LICENSING_MODELS, log_head(client), timeout=30)

    return wait


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 Shanghai


def new_application(client: TestClient, staff: StaffBook, seed: int) -> str:
    body = {
        "item_code": "XK-TZSB-SYDJ",
        "applicant": applicant(seed),
        "materials": MATERIALS,
    }
    return str(
        ok(post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body), 201)["id"]
    )


def act(
    client: TestClient, staff: StaffBook, case_id: str, verb: str
) -> dict[str, Any]:
    who = staff[(Role.CLERK, COUNTY)]
    return ok(
        post(client, f"{APPLICATIONS}/{case_id}/{verb}", who, APPLICATION_BODIES[verb])
    )


def events(client: TestClient, staff: StaffBook, path: str) -> list[dict[str, Any]]:
    r = client.get(f"{path}/history", headers=staff[(Role.AUDITOR, COUNTY)].headers)
    return list(ok(r)["events"])


def of_type(history: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in history if e["type"] == kind]


def by_clock(event: dict[str, Any]) -> bool:
    actor = event["actor"]
    text = actor if isinstance(actor, str) else str(actor.get("id") or actor)
    return "system" in text and "clock" in text


def test_a_missed_correction_deadline_deems_the_application_accepted(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    case = new_application(client, staff, 730001)  # correction due Mon 2026-11-30
    settled(client)
    clock.at = at(date(2026, 11, 30))
    DeadlineClock(services).tick()
    assert (
        ok(
            client.get(
                f"{APPLICATIONS}/{case}", headers=staff[(Role.CLERK, COUNTY)].headers
            )
        )["status"]
        == "received"
    )
    clock.at = at(date(2026, 12, 1))
    assert DeadlineClock(services).tick().fired >= 1
    view = ok(
        client.get(
            f"{APPLICATIONS}/{case}", headers=staff[(Role.CLERK, COUNTY)].headers
        )
    )
    assert view["status"] == "accepted"
    deemed = of_type(
        events(client, staff, f"{APPLICATIONS}/{case}"), "AcceptanceDeemed"
    )
    assert len(deemed) == 1
    assert by_clock(deemed[0]), deemed[0]["actor"]
    assert deemed[0]["causation"].startswith(f"timer:application:{case}:correction:")
    settled(client)
    DeadlineClock(services).tick()
    assert (
        len(
            of_type(events(client, staff, f"{APPLICATIONS}/{case}"), "AcceptanceDeemed")
        )
        == 1
    )


def test_a_missed_supply_deadline_terminates_processing(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    case = new_application(client, staff, 730002)
    act(client, staff, case, "accept-with-deficiencies")  # supply by Fri 2026-11-27
    settled(client)
    clock.at = at(date(2026, 11, 28))
    DeadlineClock(services).tick()
    history = events(client, staff, f"{APPLICATIONS}/{case}")
    terminated = of_type(history, "ProcessingTerminated")
    assert len(terminated) == 1
    assert by_clock(terminated[0])
    view = ok(
        client.get(
            f"{APPLICATIONS}/{case}", headers=staff[(Role.CLERK, COUNTY)].headers
        )
    )
    assert view["status"] == "terminated"


def test_a_supply_deadline_set_on_a_saturday_runs_to_monday_and_fires_on_tuesday(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    case = new_application(client, staff, 730004)
    clerk = staff[(Role.CLERK, COUNTY)]
    body = {**(APPLICATION_BODIES["accept-with-deficiencies"] or {})}
    body["supply_deadline"] = "2026-11-28"  # a Saturday
    path = f"{APPLICATIONS}/{case}"
    accepted = ok(post(client, f"{path}/accept-with-deficiencies", clerk, body))
    # 民法典 Art. 203 by analogy: the last day moves to the next working day.
    assert accepted["supply_deadline"] == "2026-11-30"
    assert accepted["supply_deadline_provisional"] is False
    settled(client)
    for day in (date(2026, 11, 29), date(2026, 11, 30)):
        clock.at = at(day)
        DeadlineClock(services).tick()
        assert of_type(events(client, staff, path), "ProcessingTerminated") == []
    clock.at = at(date(2026, 12, 1))
    DeadlineClock(services).tick()
    assert len(of_type(events(client, staff, path), "ProcessingTerminated")) == 1


def test_a_missed_decision_deadline_is_recorded_once_by_rival_clocks_and_repeated_ticks(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    cases = [new_application(client, staff, 730003 + n) for n in range(3)]
    for case in cases:
        act(client, staff, case, "accept")  # decision due Mon 2026-12-21
    settled(client)
    clock.at = at(date(2026, 12, 22))
    results: list[Tick] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(DeadlineClock(services).tick())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2
    settled(client)
    DeadlineClock(services).tick()
    DeadlineClock(services).tick()
    for case in cases:
        missed = of_type(
            events(client, staff, f"{APPLICATIONS}/{case}"), "DeadlineMissed"
        )
        assert len(missed) == 1, case
        assert by_clock(missed[0])
        assert missed[0]["data"]["kind"] == "decision"
        assert missed[0]["data"]["due"] == "2026-12-21"


class ClockCrashError(Exception):
    pass


def test_a_clock_that_crashes_mid_batch_leaves_every_timer_recorded_exactly_once(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    cases = [new_application(client, staff, 730010 + n) for n in range(4)]
    for case in cases:
        act(client, staff, case, "accept")
    settled(client)
    clock.at = at(date(2026, 12, 22))
    fired: list[Timer] = []

    def crash(timer: Timer) -> None:
        fired.append(timer)
        raise ClockCrashError

    with pytest.raises(ClockCrashError):
        DeadlineClock(services, fault=crash).tick()
    assert len(fired) == 1
    # the crashed clock released its lock: a fresh clock is not busy
    settled(client)
    assert DeadlineClock(services).tick().busy is False
    settled(client)
    DeadlineClock(services).tick()
    for case in cases:
        missed = of_type(
            events(client, staff, f"{APPLICATIONS}/{case}"), "DeadlineMissed"
        )
        assert len(missed) == 1, case


def test_licence_reminders_and_expiry_fire_once(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    licence = commitment_licence(client, staff, seed=730020)
    settled(client)
    row = next(
        x
        for x in ok(
            client.get(
                LICENCES,
                params={
                    "holder_uscc": licence["holder"]["uscc"],
                    "consistent_after": log_head(client),
                },
                headers=clerk.headers,
            )
        )["items"]
        if x["id"] == licence["id"]
    )
    until = date.fromisoformat(row["valid_until"])
    renewal = date.fromisoformat(row["renewal_deadline"])
    assert until.year == 2032
    path = f"{LICENCES}/{licence['id']}"

    def reminders() -> list[dict[str, Any]]:
        return of_type(events(client, staff, path), "ReminderSent")

    clock.at = at(renewal - timedelta(days=31))
    settled(client)
    DeadlineClock(services).tick()
    assert reminders() == []
    clock.at = at(renewal - timedelta(days=30))
    settled(client)
    DeadlineClock(services).tick()
    settled(client)
    DeadlineClock(services).tick()
    sent = reminders()
    assert len(sent) == 1
    assert by_clock(sent[0])
    clock.at = at(until - timedelta(days=30))
    settled(client)
    DeadlineClock(services).tick()
    settled(client)
    DeadlineClock(services).tick()
    assert len(reminders()) == 2
    clock.at = at(until)
    settled(client)
    DeadlineClock(services).tick()
    assert of_type(events(client, staff, path), "Expired") == []
    clock.at = at(until + timedelta(days=1))
    settled(client)
    DeadlineClock(services).tick()
    settled(client)
    DeadlineClock(services).tick()
    history = events(client, staff, path)
    expired = of_type(history, "Expired")
    assert len(expired) == 1
    assert by_clock(expired[0])
    assert len(of_type(history, "ReminderSent")) == 2
    listed = ok(
        client.get(
            LICENCES,
            params={
                "holder_uscc": licence["holder"]["uscc"],
                "consistent_after": log_head(client),
            },
            headers=clerk.headers,
        )
    )["items"]
    assert [x["status"] for x in listed if x["id"] == licence["id"]] == ["expired"]


def test_a_tick_is_busy_while_another_clock_holds_the_lock(
    services: Services, projector: Projector
) -> None:
    with psycopg.connect(services.url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (CLOCK_LOCK,))
        try:
            assert DeadlineClock(services).tick() == Tick(busy=True)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (CLOCK_LOCK,))
    assert DeadlineClock(services).tick().busy is False


def test_a_clock_on_a_database_no_projector_has_built_waits_instead_of_failing(
    fresh_database: str, clock: FixedClock
) -> None:
    services = open_services(Settings(), clock=clock, url=fresh_database)
    try:
        tick = DeadlineClock(services).tick()
    finally:
        services.close()
    assert tick == Tick(not_ready=True)


# -- Art. 44: issued *and served* within 10 working days of the decision -----------


def test_an_issued_but_unserved_certificate_is_recorded_missed_and_the_case_late(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    services: Services,
    settled: Any,
) -> None:
    # Granted Mon 2031-06-02 in 淮阴区; 10 wd → Mon 2031-06-16 (端午 2031 is
    # Sat 6/21, after it). Issued in time, never served.
    clock.at = at(date(2031, 6, 2))
    clerk = staff[(Role.CLERK, OTHER_COUNTY)]
    body = {
        "item_code": "XK-TZSB-SYDJ",
        "applicant": applicant(730030, OTHER_COUNTY),
        "materials": MATERIALS,
    }
    case = ok(post(client, APPLICATIONS, clerk, body), 201)["id"]
    path = f"{APPLICATIONS}/{case}"
    ok(post(client, f"{path}/accept", clerk))
    granted = ok(
        post(
            client,
            f"{path}/grant",
            staff[(Role.APPROVER, OTHER_COUNTY)],
            APPLICATION_BODIES["grant"],
        )
    )
    assert granted["certificate_due"]["due"] == "2031-06-16"
    ok(post(client, f"{path}/issue-certificate", clerk))
    settled(client)
    clock.at = at(date(2031, 6, 17))
    DeadlineClock(services).tick()
    missed = of_type(events(client, staff, path), "DeadlineMissed")
    assert [(e["data"]["kind"], e["data"]["due"]) for e in missed] == [
        ("certificate", "2031-06-16")
    ]
    assert by_clock(missed[0])
    settled(client)
    stats = ok(
        client.get(
            "/v1/licensing/statistics",
            params={
                "from": "2031-06-01",
                "to": "2031-06-30",
                "unit": OTHER_COUNTY,
                "consistent_after": log_head(client),
            },
            headers=staff[(Role.AUDITOR, CITY)].headers,
        )
    )["total"]
    assert stats["completed"] == stats["completed_within_legal_limit"] == 1
    assert stats["deadlines_missed"] == 1
    assert stats["on_time_rate"] == 0.0  # late: the certificate was not served


# -- a holiday notice is published: provisional deadlines are recomputed ------------

NOTICE = "国办发明电〔2026〕99号（测试）"


def test_a_published_notice_recomputes_provisional_deadlines_before_any_timer_fires(
    fresh_database: str, clock: FixedClock, tmp_path: Any
) -> None:
    clock.at = at(date(2026, 12, 28))  # Mon; 5 wd → Tue 2027-01-05 (provisional)
    before = open_services(Settings(), clock=clock, url=fresh_database)
    feeder = before.projector()
    thread, stop = run_projector(feeder)
    clerk = Audit(
        actor=Actor(
            kind=ActorKind.STAFF,
            id="320803-clerk",
            name="clerk",
            role=Role.CLERK,
            unit_code=COUNTY,
        ),
        request_id="req-notice",
    )
    overrides = tmp_path / "calendar.json"
    overrides.write_text(
        json.dumps(
            {
                "2027": {
                    "notice": NOTICE,
                    # The notice gives 元旦 three days: Mon 1/4 is a holiday too.
                    "holidays": [
                        "2027-01-01",
                        "2027-01-02",
                        "2027-01-03",
                        "2027-01-04",
                    ],
                    "makeup_workdays": [],
                }
            }
        ),
        "utf-8",
    )
    after: Services | None = None
    try:
        receipt = before.licensing.receive(
            clerk,
            item_code="XK-JL-XSPZ",
            approval_mode=ApprovalMode.STANDARD,
            channel=Channel.COUNTER,
            applicant=Applicant.model_validate(applicant(730040)),
            agent=None,
            materials=("型式批准申请书", "型式评价报告", "产品照片"),
            commitment=None,
        )
        first = before.licensing.get_application(receipt.id).correction_due
        assert (first.due, first.provisional) == (date(2027, 1, 5), True)
        # The service restarts with CASETRACE_CALENDAR_OVERRIDES set.
        after = open_services(
            Settings(calendar_overrides=overrides), clock=clock, url=fresh_database
        )
        assert after.licensing.calendar.version != before.licensing.calendar.version
        with psycopg.connect(fresh_database, autocommit=True) as conn:
            assert wait_for(conn, LICENSING_MODELS, receipt.position, timeout=30)
        clock.at = at(date(2027, 1, 6))  # the old date has passed, the new not
        tick = DeadlineClock(after).tick()
        history = after.licensing.history(receipt.id)
        recomputed = [e for e in history if type(e).__name__ == "DeadlineRecomputed"]
        assert len(recomputed) == 1
        [change] = recomputed[0].changes
        assert (change.kind, change.old_due, change.new_due.due) == (
            "correction",
            date(2027, 1, 5),
            date(2027, 1, 6),
        )
        assert recomputed[0].calendar_version == after.licensing.calendar.version
        assert recomputed[0].notices == (NOTICE,)
        assert recomputed[0].audit.actor.id == "system:clock"
        # Not deemed accepted on the old date: the new calendar moved it.
        assert not any(type(e).__name__ == "AcceptanceDeemed" for e in history)
        assert tick.fired == 1
        assert DeadlineClock(after).tick().fired == 0  # recorded once
        clock.at = at(date(2027, 1, 7))
        DeadlineClock(after).tick()
        history = after.licensing.history(receipt.id)
        assert type(history[-1]).__name__ == "AcceptanceDeemed"
    finally:
        stop.set()
        thread.join(timeout=10)
        feeder.close()
        if after is not None:
            after.close()
        before.close()


def test_refused_timers_never_crowd_out_the_ones_behind_them(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of timers the clock refused before (a retention timer waiting
    for its matter's last case) is paged past, not retried for ever."""
    timers = [
        Timer(
            "complaints",
            "matter",
            f"case-{n:03d}",
            "retention",
            date(2029, 1, 1),
            "shred_personal_data",
            1,
            date(2029, 1, n % 28 + 1),
        )
        for n in range(10)
    ]
    timers.sort(key=lambda t: t.cursor)

    def due(
        _conn: Any, _today: date, limit: int, _sources: Any, after: Any = None
    ) -> list[Timer]:
        rest = [t for t in timers if after is None or t.cursor > after]
        return rest[:limit]

    monkeypatch.setattr("api.host.clock.due_timers", due)
    clock = DeadlineClock(services, batch=3)
    clock.refused = {(t.case_id, t.action, t.due, t.case_version) for t in timers[:7]}
    # The first page with any fresh timer: t7 and t8 (t9 comes next tick).
    assert clock._due(None, date(2029, 2, 1)) == timers[7:9]  # type: ignore[arg-type]
    clock.refused |= {(t.case_id, t.action, t.due, t.case_version) for t in timers}
    assert clock._due(None, date(2029, 2, 1)) == []  # type: ignore[arg-type]
