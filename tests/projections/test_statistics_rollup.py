"""Statistics summed from the rollups are the statistics a scan of the facts
gives: on varied, interleaved cases (several units, items and categories; every
outcome, on time and late, corrections, suspensions, extensions, deficiencies,
withdrawals, missed deadlines recorded after an on-time decision, recomputed
deadlines; dates across months and years), fed in batches of random sizes,
checked part-way and at the end for every grouping over many periods (edge
days, month and year boundaries, random spans), unit filters and scopes; then
again after a rebuild, which makes the same rollup rows."""

from __future__ import annotations

import contextlib
import itertools
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from domain.licensing.application import DeadlineKind, LicenceApplication, Status
from domain.licensing.licence import LicenceChange, ReissueCause
from domain.licensing.matter import Matter
from domain.licensing.parties import (
    CertificateService,
    Channel,
    ExclusionKind,
    NonAcceptanceGround,
)
from domain.licensing.post_licence import MatterRequest
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.shared.audit import Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import DomainError
from projections.licensing.application_counts import COUNTS, DECISION_DAYS
from projections.licensing.applications import Applications
from projections.licensing.statistics import (
    GroupBy,
    StatisticsQuery,
    figures,
    statistics,
)
from projections.queries import Scope, Where
from projections.runtime import Tables, active_tables
from tests.domain.conftest import (
    CALENDAR_2027,
    TWO_VERIFIERS,
    applicant,
    item,
    item_with,
    staff_audit,
    system_audit,
)
from tests.projections.conftest import World

A = LicenceApplication
UNITS = ("320803", "320804", "320705", "3208")
ITEMS = ("XK-JL-XSPZ", "XK-JL-BZKH", "XK-TZSB-SYDJ", "XK-GYCP-SCXK", "XK-JYJC-ZZRD")
FIRST_DAY = date(2025, 11, 3)
CLERK = staff_audit(Role.CLERK, reason="依申请人书面请求")
REVIEWER = staff_audit(Role.REVIEWER, reason="需检测，依第45条告知")
APPROVER = staff_audit(Role.APPROVER, reason="经审查符合法定条件")
ADMIN = staff_audit(Role.ADMIN, reason="按省局通知调整")
CLOCK = system_audit()

pytestmark = pytest.mark.db


# -- the oracle: today's scan of the facts, kept verbatim -------------------------------

SCAN_GROUPS = {
    None: sql.SQL("'total'::text"),
    GroupBy.CATEGORY: sql.SQL("category"),
    GroupBy.ITEM: sql.SQL("item_code"),
    GroupBy.UNIT: sql.SQL("unit_code"),
    GroupBy.MATTER: sql.SQL("matter"),
    GroupBy.MONTH: sql.SQL("to_char(on_date, 'YYYY-MM')"),
}

SCAN_FIGURES = sql.SQL("""
    count(*) FILTER (WHERE metric = 'received') AS received,
    count(*) FILTER (WHERE metric = 'accepted') AS accepted,
    count(*) FILTER (WHERE metric = 'not_accepted') AS not_accepted,
    count(*) FILTER (WHERE metric = 'completed') AS completed,
    count(*) FILTER (WHERE metric = 'completed' AND within_legal) AS completed_within_legal_limit,
    count(*) FILTER (
        WHERE metric = 'completed' AND within_legal AND NOT late
    ) AS completed_on_time,
    count(*) FILTER (WHERE metric = 'completed' AND within_promised) AS completed_within_promised_limit,
    count(*) FILTER (WHERE metric = 'granted') AS granted,
    count(*) FILTER (WHERE metric = 'refused') AS refused,
    count(*) FILTER (WHERE metric = 'terminated') AS terminated,
    count(*) FILTER (WHERE metric = 'withdrawn') AS withdrawn,
    count(*) FILTER (WHERE metric = 'certificate_issued') AS certificates_issued,
    count(*) FILTER (WHERE metric = 'certificate_served') AS certificates_served,
    count(*) FILTER (WHERE metric = 'deadline_missed') AS deadlines_missed,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY working_days)
        FILTER (WHERE metric = 'completed') AS median_working_days_to_decision
""")


def scan(conn: psycopg.Connection[Any], q: StatisticsQuery) -> dict[str, Any]:
    """The statistics as they were answered before the rollups: a scan of
    every fact in the period, a case late if any of its facts is a missed
    deadline."""
    where = Where()
    where.add("on_date >= %s AND on_date <= %s", q.date_from, q.date_to)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    facts = active_tables(conn, Applications.name)("facts")
    group = SCAN_GROUPS[q.group_by]
    query = sql.SQL(
        "SELECT {group} AS key, {figures} FROM (SELECT f.*, m.case_id IS NOT NULL"
        " AS late FROM {facts} f LEFT JOIN (SELECT DISTINCT case_id FROM {facts}"
        " WHERE metric = 'deadline_missed') m ON m.case_id = f.case_id) facts"
        " WHERE {where} GROUP BY ROLLUP ({group}) ORDER BY key NULLS LAST"
    ).format(group=group, figures=SCAN_FIGURES, facts=facts, where=where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, where.params).fetchall()

    def shaped(r: dict[str, Any]) -> dict[str, Any]:
        found = r["median_working_days_to_decision"]
        return figures(r, float(found) if found is not None else None)

    total = next((shaped(r) for r in rows if r["key"] is None), figures({}, None))
    groups = [{"key": r["key"], **shaped(r)} for r in rows if r["key"] is not None]
    return {
        "from": q.date_from,
        "to": q.date_to,
        "group_by": q.group_by,
        "groups": groups if q.group_by else [],
        "total": total,
    }


# -- varied cases, by a random walk through the real commands ---------------------------


def terms_for(rng: random.Random) -> ItemTerms:
    code = rng.choice(ITEMS)
    if code == "XK-JL-XSPZ" and rng.random() < 0.3:
        # The catalogue moved the item to another category: cases keep theirs.
        return item_with(code, category="计量器具")
    return item(code)


def _last_material(a: LicenceApplication) -> tuple[str]:
    return (a.item.materials[-1].name,)


Act = Callable[[LicenceApplication, date, WorkingDayCalendar, random.Random], None]

# What a staff member (or the clock) may try on a case on a given day.
ACTIONS: dict[str, Act] = {
    "correct": lambda a, d, c, r: a.request_correction(_last_material(a), d, CLERK),
    "submit": lambda a, d, c, r: a.submit_corrections(
        a.outstanding_corrections, d, CLERK
    ),
    "accept": lambda a, d, c, r: a.accept(f"SL-{d}", d, c, CLERK),
    "accept_deficient": lambda a, d, c, r: a.accept_with_deficiencies(
        f"RQ-{d}",
        _last_material(a),
        d + timedelta(days=r.choice((3, 10, 30))),
        d,
        c,
        CLERK,
    ),
    "deem": lambda a, d, c, r: a.deem_acceptance(d, c, CLOCK),
    "reject": lambda a, d, c, r: a.reject(
        f"BSL-{d}", NonAcceptanceGround.FALSE_MATERIALS, None, d, CLERK
    ),
    "cure": lambda a, d, c, r: a.cure_deficiencies(
        a.outstanding_deficiencies, d, CLERK
    ),
    "terminate": lambda a, d, c, r: a.terminate_for_missed_supply(d, CLOCK),
    "record": lambda a, d, c, r: a.record_verification(
        TWO_VERIFIERS[0], True, "一致", d, d, CLERK
    ),
    "sign": lambda a, d, c, r: a.sign_verification(
        len(a.verifications), TWO_VERIFIERS[1], d, CLERK
    ),
    "suspend": lambda a, d, c, r: a.suspend_clock(
        ExclusionKind.TESTING, 5, "产品送检", d, REVIEWER
    ),
    "resume": lambda a, d, c, r: a.resume_clock(d, c, REVIEWER),
    "extend": lambda a, d, c, r: a.extend(d, c, APPROVER),
    "grant": lambda a, d, c, r: a.grant("XK-1", uuid4(), False, d, c, APPROVER),
    "refuse": lambda a, d, c, r: a.refuse(
        "BYXK-1", ("条件不符",), None, d, c, APPROVER
    ),
    "issue": lambda a, d, c, r: a.issue_certificate(f"ZS-{d}", d, CLERK),
    "serve": lambda a, d, c, r: a.serve_certificate(
        CertificateService.IN_PERSON, d, CLERK
    ),
    "withdraw": lambda a, d, c, r: a.withdraw(d, CLERK),
    "miss_decision": lambda a, d, c, r: a.record_missed_deadline(
        DeadlineKind.DECISION, d, CLOCK, c
    ),
    "miss_certificate": lambda a, d, c, r: a.record_missed_deadline(
        DeadlineKind.CERTIFICATE, d, CLOCK, c
    ),
}


# What may be tried in each status (the rules still refuse some of it).
TRIED: dict[Status, tuple[str, ...]] = {
    Status.RECEIVED: (
        "correct",
        "accept",
        "accept_deficient",
        "deem",
        "reject",
        "withdraw",
    ),
    Status.CORRECTION_REQUESTED: ("submit", "accept", "reject", "withdraw"),
    Status.ACCEPTED: (
        *("cure", "terminate", "record", "sign", "suspend", "resume", "extend"),
        *("grant", "grant", "refuse", "withdraw", "miss_decision"),
    ),
    Status.GRANTED: ("issue", "miss_certificate"),
    Status.CERTIFICATE_ISSUED: ("serve", "miss_certificate"),
}


def walk(
    rng: random.Random, a: LicenceApplication, received_on: date
) -> Iterator[None]:
    """Try one command after another, days apart, on one case; yield after
    each so that other cases' events come in between. A command the rules
    refuse leaves the case as it was and the walk goes on."""
    calendar = WorkingDayCalendar()
    day = received_on
    for _ in range(rng.randint(0, 16)):
        tried = TRIED.get(a.status, ())
        if not tried:
            return
        day += timedelta(days=rng.choice((0, 1, 2, 3, 5, 8, 13, 21)))
        with contextlib.suppress(DomainError):
            if rng.random() < 0.03:
                # A holiday notice for 2027: provisional dates are recomputed.
                calendar = CALENDAR_2027
                a.recompute_deadlines(calendar, ADMIN)
            else:
                ACTIONS[rng.choice(tried)](a, day, calendar, rng)
        yield


def missed_then_moved(a: LicenceApplication) -> Iterator[None]:
    """A decision deadline recorded missed, then moved later by a holiday
    notice, and met: a decision within the legal limit that is not on time."""
    calendar = WorkingDayCalendar()
    a.accept("SL-moved", date(2026, 12, 10), calendar, CLERK)  # due 2027-01-08
    yield
    a.record_missed_deadline(DeadlineKind.DECISION, date(2027, 1, 9), CLOCK, calendar)
    yield
    a.recompute_deadlines(CALENDAR_2027, ADMIN)  # 4 January off: due 11 January
    yield
    a.grant("XK-moved", uuid4(), False, date(2027, 1, 11), CALENDAR_2027, APPROVER)
    yield


def matter_for(
    rng: random.Random, code: str | None
) -> tuple[Matter, MatterRequest | None]:
    """Most cases are new; the rest post-licence matters of some licence (the
    rules of which licence admits which are the domain's, tested there)."""
    if code or rng.random() < 0.6:
        return Matter.NEW, None
    matter = rng.choice([m for m in Matter if m is not Matter.NEW])
    return matter, MatterRequest(
        licence_id=uuid4(),
        licence_number=f"L-{rng.randint(1, 999)}",
        change=LicenceChange(scope="变更") if matter is Matter.CHANGE else None,
        reissue_cause=ReissueCause.LOST if matter is Matter.REISSUE else None,
    )


def receive(
    rng: random.Random, n: int, *, on: date | None = None, code: str | None = None
) -> tuple[LicenceApplication, date]:
    terms = item(code) if code else terms_for(rng)
    unit = rng.choice(UNITS)
    on = on or FIRST_DAY + timedelta(days=rng.randint(0, 480))
    # From a generator of its own, so the walks draw what they drew before.
    matter, request = matter_for(random.Random(n * 7919 + 1), code)
    a = LicenceApplication.receive(
        audit=CLERK,
        receipt_number=f"{unit}{on:%Y%m%d}{n:06d}",
        query_code_hash="0" * 64,
        item=terms,
        approval_mode=ApprovalMode.STANDARD,
        channel=Channel.COUNTER,
        applicant=applicant(),
        agent=None,
        materials=tuple(m.name for m in terms.materials),
        commitment=None,
        unit_code=unit,
        on=on,
        calendar=WorkingDayCalendar(),
        matter=matter,
        request=request,
    )
    return a, on


def populate(world: World, rng: random.Random, cases: int) -> None:
    """Cases received and walked in random turns, saved a few at a time, so
    each case's events are spread over the log between other cases' events."""
    walking: dict[UUID, tuple[LicenceApplication, Iterator[None]]] = {}
    for n in range(cases):
        a, on = receive(rng, n)
        walking[a.id] = (a, walk(rng, a, on))
    for n in range(cases, cases + 3):
        a, _ = receive(rng, n, on=date(2026, 12, 9), code="XK-JL-XSPZ")
        walking[a.id] = (a, missed_then_moved(a))
    pending = {a.id: a for a, _ in walking.values()}
    while walking:
        a, steps = walking[rng.choice(list(walking))]
        if next(steps, StopIteration) is StopIteration:
            del walking[a.id]
        pending[a.id] = a
        if len(pending) >= 8 or not walking:
            world.services.licensing.save(*pending.values())
            pending.clear()


# -- the queries compared ----------------------------------------------------------------

SCOPES = (
    Scope(everything=True),
    Scope(prefixes=("3208",)),
    Scope(prefixes=("320803", "3207")),
    Scope(prefixes=("3210",)),
)
EDGE_PERIODS = (
    (date(2000, 1, 1), date(2019, 12, 31)),  # long before anything
    (date(2010, 1, 1), date(2029, 12, 31)),  # everything, twenty years
    (date(2026, 1, 1), date(2026, 12, 31)),  # a whole year
    (date(2026, 1, 1), date(2026, 12, 30)),  # a day short of it
    (date(2025, 12, 31), date(2026, 12, 31)),  # a day more
    (date(2025, 12, 15), date(2026, 1, 15)),  # across the new year
    (date(2026, 1, 31), date(2026, 2, 1)),  # across a month's end
    (date(2026, 2, 1), date(2026, 2, 28)),  # a whole February
    (date(2026, 3, 2), date(2026, 3, 2)),  # one day
    (date(2025, 11, 1), date(2027, 3, 31)),  # whole months over two year ends
)


def periods(rng: random.Random, data_days: list[date]) -> list[tuple[date, date]]:
    """The edge periods, single days with events, and random spans."""
    found = list(EDGE_PERIODS)
    found += [(d, d) for d in rng.sample(data_days, min(3, len(data_days)))]
    for _ in range(8):
        first = FIRST_DAY + timedelta(days=rng.randint(-40, 560))
        found.append((first, first + timedelta(days=rng.randint(0, 400))))
    return found


def queries(
    rng: random.Random, data_days: list[date], share: float = 1.0
) -> Iterator[StatisticsQuery]:
    combos = itertools.product(
        periods(rng, data_days),
        (None, *GroupBy),
        SCOPES,
        (None, "3208", "320803", "3207"),
    )
    for (first, last), group_by, scope, unit in combos:
        if rng.random() < share:
            yield StatisticsQuery(scope, first, last, unit, group_by)


def fact_days(conn: psycopg.Connection[Any]) -> list[date]:
    facts = active_tables(conn, Applications.name)("facts")
    rows = conn.execute(sql.SQL("SELECT DISTINCT on_date FROM {}").format(facts))
    return sorted(d for (d,) in rows)


def assert_rollups_answer_as_the_scan(
    conn: psycopg.Connection[Any], rng: random.Random, share: float = 1.0
) -> int:
    compared = 0
    for q in queries(rng, fact_days(conn), share):
        assert statistics(conn, q) == scan(conn, q), q
        compared += 1
    return compared


def rollup_rows(conn: psycopg.Connection[Any], tables: Tables) -> list[Any]:
    found = []
    for rollup in (COUNTS, DECISION_DAYS):
        query = sql.SQL("SELECT * FROM {} ORDER BY {}").format(
            tables(rollup.table.part),
            sql.SQL(", ").join(map(sql.Identifier, rollup.key)),
        )
        found.append(conn.execute(query).fetchall())
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_statistics_from_rollups_equal_a_scan_of_the_facts(
    world: World, seed: int
) -> None:
    rng = random.Random(seed)
    populate(world, rng, cases=160)
    (model,) = (m for m in world.models() if m.name == Applications.name)
    projector = world.projector([model])
    projector.prepare()
    with psycopg.connect(world.url, autocommit=True) as conn:
        checks = batches = 0
        while projector.step(model, limit=rng.choice((1, 7, 50, 150))):
            batches += 1
            if batches % 4 == 1:  # part-way: the rollups keep up batch by batch
                checks += assert_rollups_answer_as_the_scan(conn, rng, share=0.02)
        assert checks > 0
        assert assert_rollups_answer_as_the_scan(conn, rng) > 1500
        live = rollup_rows(conn, active_tables(conn, model.name))

        rebuilt = projector.rebuild(model.name)  # in batches of its own size
        assert rollup_rows(conn, rebuilt) == live
        assert assert_rollups_answer_as_the_scan(conn, rng, share=0.2) > 200

        assert_the_walk_reached_every_figure(conn, world)


def assert_the_walk_reached_every_figure(
    conn: psycopg.Connection[Any], world: World
) -> None:
    """The cases count in every figure, and the log holds the events that move
    deadlines or take back what was counted."""
    everything = StatisticsQuery(Scope(everything=True), FIRST_DAY, date(2029, 1, 1))
    total = scan(conn, everything)["total"]
    for name, value in total.items():
        assert value, (name, total)
    assert total["completed_within_legal_limit"] < total["completed"]  # some late
    by_matter = scan(
        conn,
        StatisticsQuery(
            Scope(everything=True), FIRST_DAY, date(2029, 1, 1), None, GroupBy.MATTER
        ),
    )
    received = {g["key"]: g["received"] for g in by_matter["groups"]}
    assert set(received) == {m.value for m in Matter}  # every matter counted
    assert sum(g["completed"] for g in by_matter["groups"] if g["key"] != "new")
    facts = active_tables(conn, Applications.name)("facts")
    corrected = conn.execute(
        sql.SQL(
            "SELECT count(DISTINCT d.case_id) FROM {0} d JOIN {0} m USING (case_id)"
            " WHERE d.metric = 'completed' AND d.within_legal"
            " AND m.metric = 'deadline_missed'"
        ).format(facts)
    ).fetchone()
    assert corrected is not None
    assert corrected[0] > 0  # on time, then a miss recorded
    recorder = world.services.licensing.recorder
    topics = {n.topic for n in recorder.select_notifications(0, 1_000_000)}
    for event in (
        A.CorrectionRequested,
        A.AcceptanceDeemed,
        A.AcceptedWithDeficiencies,
        A.ClockSuspended,
        A.ClockResumed,
        A.DeadlineExtended,
        A.DeadlineRecomputed,
    ):
        assert event.TOPIC in topics, event
