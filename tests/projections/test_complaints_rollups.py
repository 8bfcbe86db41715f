"""Statistics of the 12315 line from the `complaints` rollup.

A district's year counted by hand (seed 002's line: complaints and reports
received, enquiries answered, losses recovered), driven through the service;
then, on varied interleaved cases made by a random walk through the
aggregates' commands (every unit, channel, classification, ground and
outcome, routing, takeovers, excluded periods, disputes, misses; dates over
two year ends), fed in batches of random sizes: the statistics summed from
the rollup equal a scan of the events for every grouping over many periods,
unit filters and scopes, and a rebuild makes the same rollup rows. The scan
folds the events into the domain's own aggregates and counts from their
state, not from the model's rows."""

from __future__ import annotations

import contextlib
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

from domain.complaints.complaint import Complaint, complaint_id
from domain.complaints.complaint import Status as ComplaintStatus
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake, Submitter
from domain.complaints.odr import Dispute, Negotiation, OdrEnterprise
from domain.complaints.odr import Status as DisputeStatus
from domain.complaints.parties import (
    Channel,
    Classification,
    ExcludedPeriod,
    MediationDocument,
    NonAcceptanceGround,
    NotOpenedGround,
    OutsideMatter,
    Platform,
    Rating,
    Remedy,
    Respondent,
    TerminationGround,
)
from domain.complaints.report import Officer, Report, Source, report_id
from domain.complaints.report import Status as ReportStatus
from domain.shared.audit import Audit, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import DomainError
from domain.shared.personal import PersonRef, Sealed
from projections.complaints.counts import (
    COUNTS,
    classified_as,
    not_accepted_for,
    rated,
    received_by,
    terminated_for,
)
from projections.complaints.index import ComplaintsIndex
from projections.complaints.statistics import (
    GroupBy,
    StatisticsQuery,
    figures,
    statistics,
)
from projections.queries import Scope
from projections.runtime import Tables, position
from tests.domain.conftest import staff_audit, system_audit
from tests.projections.complaints_line import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_SHOP,
    Line,
    open_line,
)

pytestmark = pytest.mark.db

EVERYWHERE = Scope(everything=True)
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def line(fresh_database: str) -> Iterator[Line]:
    with open_line(fresh_database) as opened:
        yield opened


def test_every_channel_classification_ground_and_rating_has_a_measure() -> None:
    named = (
        [received_by(c) for c in Channel]
        + [classified_as(c) for c in Classification]
        + [not_accepted_for(g) for g in NonAcceptanceGround]
        + [terminated_for(g) for g in TerminationGround]
        + [rated(r) for r in Rating]
    )
    assert set(named) <= set(COUNTS.measures)


# -- a district's year, by hand --------------------------------------------------------


def test_a_district_s_line_for_the_year_is_counted_by_unit_and_month(
    line: Line,
) -> None:
    c = line.complaints
    handler, approver = line.audit("H-1"), line.audit("A-1", "经负责人批准")
    # Fri 9/18 at the county desk: five complaints and an intake with both by
    # telephone, an anonymous report by internet, an enquiry at the counter, a
    # petition (信访) by telephone.
    agreed, declined, withdrawn, terminated, missed = (
        line.complaint() for _ in range(5)
    )
    both = line.classify(line.register(), Classification.BOTH)
    assert both.complaint_id is not None
    assert both.report_id is not None
    anonymous = line.report(None, channel=Channel.INTERNET)
    enquiry = line.register(channel=Channel.COUNTER)
    c.answer_enquiry(enquiry, audit=line.audit("I-1"), answer="三包期内可要求修理。")
    petition = line.register()
    c.refer(
        petition, audit=line.audit("I-1", "属信访事项"), matter=OutsideMatter.PETITION
    )
    for case in (agreed, terminated, both.complaint_id):
        c.accept(case, audit=handler)
    c.withdraw(withdrawn, audit=line.audit("H-1", "投诉人撤回"))
    # Mon 9/21: one against a business of the neighbouring county, sent there.
    line.on(date(2026, 9, 21))
    c.decline(
        declined,
        audit=line.audit("H-1", "消协已受理"),
        ground=NonAcceptanceGround.ALREADY_HANDLED,
    )
    neighbour = line.classify(
        line.register(respondent=OTHER_SHOP, channel=Channel.INTERNET),
        Classification.COMPLAINT,
        unit=OTHER_COUNTY,
    )
    assert neighbour.complaint_id is not None
    # Mon 9/28: decisions; the neighbour's acceptance is due Thu 10/8.
    line.on(date(2026, 9, 28))
    c.accept(neighbour.complaint_id, audit=line.audit("H-9"))
    c.open_case(both.report_id, audit=approver, officers=("E-1", "E-2"))
    c.not_open_case(anonymous, audit=approver, ground=NotOpenedGround.NO_VIOLATION)
    # Wed 9/30: one complaint's acceptance (due Tue 9/29) recorded missed; the
    # reporter told (due Sat 10/10, a make-up working day).
    line.on(date(2026, 9, 30))
    c.record_missed_deadline(missed, audit=system_audit(), kind="acceptance")
    c.notify_reporter(both.report_id, audit=handler)
    line.on(date(2026, 10, 9))
    c.reach_agreement(
        agreed,
        audit=handler,
        document=MediationDocument.AGREEMENT,
        recovered_fen=129900,
        remedies=(Remedy.REFUND,),
        terms="退货退款1299元",
        signed_by_both=True,
    )
    line.on(date(2026, 10, 12))
    c.terminate(
        terminated,
        audit=line.audit("H-1", "被投诉人拒绝调解"),
        ground=TerminationGround.ABSENT_OR_REFUSED,
    )
    line.rate(agreed, Rating.SATISFIED)
    line.rate(terminated, Rating.DISSATISFIED)
    line.project()

    county_scope = Scope(prefixes=(COUNTY,))
    with psycopg.connect(line.url, autocommit=True) as conn:
        county = statistics(conn, StatisticsQuery(county_scope, *YEAR_2026))["total"]
        by_unit = statistics(
            conn, StatisticsQuery(EVERYWHERE, *YEAR_2026, group_by=GroupBy.UNIT)
        )
        by_month = statistics(
            conn, StatisticsQuery(EVERYWHERE, *YEAR_2026, group_by=GroupBy.MONTH)
        )
        # A rating counts on the day it was given (the legal date it records).
        days = [
            e.rated_on
            for case in (agreed, terminated)
            for e in c.history(case)
            if type(e).__name__ == "Rated"
        ]
        ratings = statistics(conn, StatisticsQuery(EVERYWHERE, min(days), max(days)))

    # Seed 002's line for the county: received by kind, enquiries answered,
    # losses recovered (every intake counts at the desk that received it).
    assert county["intakes"] == {
        "received": 10,
        "by_channel": {
            "internet": 2,
            "telephone": 7,
            "fax": 0,
            "post": 0,
            "counter": 1,
            "national_platform": 0,
        },
        "by_classification": {
            "complaint": 6,
            "report": 1,
            "both": 1,
            "enquiry": 1,
            "outside": 1,
            "conduct": 0,
            "odr": 0,
        },
    }
    assert county["complaints"] == {
        "registered": 6,  # the neighbour's is registered where it was sent
        "accepted": 3,
        "not_accepted": 1,
        "not_accepted_by_ground": {
            "outside_duties": 0,
            "already_handled": 1,
            "not_consumption": 0,
            "time_barred": 0,
            "materials_missing": 0,
            "other": 0,
        },
        "decided_on_time": 4,
        "decided_on_time_rate": 1.0,
        "agreed": 1,
        "recovered_fen": 129900,
        "terminated": 1,
        "terminated_by_ground": {
            "withdrawn_or_settled": 0,
            "testing_disagreement": 0,
            "absent_or_refused": 1,
            "no_agreement_possible": 0,
            "time_limit": 0,
            "non_acceptance_found": 0,
            "other": 0,
        },
        "withdrawn": 1,
    }
    assert county["reports"] == {
        "registered": 2,
        "verified": 2,
        "verified_on_time": 2,
        "verified_on_time_rate": 1.0,
        "cases_opened": 1,
        "cases_not_opened": 1,
        "reporters_to_tell": 1,  # the anonymous reporter is told nothing
        "reporters_told": 1,
        "reporters_told_on_time": 1,
        "reporters_told_on_time_rate": 1.0,
    }
    assert county["deadlines_missed"] == 1
    assert [g["key"] for g in by_unit["groups"]] == [COUNTY, OTHER_COUNTY]
    neighbour_unit = by_unit["groups"][1]
    assert neighbour_unit["intakes"]["received"] == 0
    assert (
        neighbour_unit["complaints"]["registered"],
        neighbour_unit["complaints"]["accepted"],
        neighbour_unit["complaints"]["decided_on_time"],
    ) == (1, 1, 1)
    assert by_unit["total"]["complaints"]["accepted"] == 4
    months = {g["key"]: g for g in by_month["groups"]}
    september, october = months["2026-09"], months["2026-10"]
    assert september["intakes"]["received"] == 10
    assert september["complaints"]["accepted"] == 4
    assert september["deadlines_missed"] == 1
    assert (
        october["complaints"]["agreed"],
        october["complaints"]["recovered_fen"],
    ) == (
        1,
        129900,
    )
    assert october["complaints"]["terminated"] == 1
    assert october["intakes"]["received"] == 0
    assert ratings["total"]["ratings"] == {
        "satisfied": 1,
        "fairly_satisfied": 0,
        "dissatisfied": 1,
        "rated": 2,
        "satisfaction_rate": 0.5,
    }


# -- the oracle: the events folded into the domain's aggregates ---------------------------

Fact = tuple[str, date, str, int]  # measure, day, unit, n


def facts_of(case: Any, e: Any) -> Iterator[tuple[str, date, int]]:
    """What an event counts, read from the aggregate as the event left it
    (counts.py says which day each fact counts on)."""
    name = type(e).__name__
    if isinstance(case, Intake):
        if name == "Registered":
            yield "received", case.received_on, 1
            yield received_by(case.channel), case.received_on, 1
        elif name in ("Classified", "EnquiryAnswered", "Referred"):
            assert case.classification is not None
            yield classified_as(case.classification), case.received_on, 1
    elif isinstance(case, Complaint):
        if name == "Opened":
            yield "complaints", case.received_on, 1
        elif name in ("Accepted", "NotAccepted"):
            assert case.decided_on is not None
            on = case.decided_on
            if name == "Accepted":
                yield "accepted", on, 1
            else:
                yield "not_accepted", on, 1
                yield not_accepted_for(NonAcceptanceGround(str(case.ground))), on, 1
            if on <= case.acceptance.due.due and not case.missed:
                yield "acceptance_on_time", on, 1
        elif name == "AgreementReached":
            yield "agreed", e.agreed_on, 1
            yield "recovered_fen", e.agreed_on, case.recovered_fen
        elif name == "MediationTerminated":
            yield "terminated", e.terminated_on, 1
            yield (
                terminated_for(TerminationGround(str(case.ground))),
                e.terminated_on,
                1,
            )
        elif name == "Withdrawn":
            yield "withdrawn", e.withdrawn_on, 1
        elif name == "Rated":
            assert case.rating is not None
            yield rated(case.rating), e.rated_on, 1
        elif name == "DeadlineMissed":
            yield "deadlines_missed", e.due, 1
    elif isinstance(case, Report):
        if name == "Opened":
            yield "reports", case.received_on, 1
        elif name in ("CaseOpened", "NotOpened"):
            assert case.decided_on is not None
            on = case.decided_on
            yield "reports_verified", on, 1
            yield (
                ("cases_opened" if name == "CaseOpened" else "cases_not_opened"),
                on,
                1,
            )
            if not case.verification.has_run_out(on) and not case.missed:
                yield "reports_verified_on_time", on, 1
            if case.notice is not None:
                yield "reporters_to_tell", on, 1
        elif name == "ReporterNotified":
            on = e.notified_on
            yield "reporters_told", on, 1
            assert case.notice is not None
            due = case.notice.due.due
            if on <= due and ("reporter_notice", due) not in case.missed:
                yield "reporters_told_on_time", on, 1
        elif name == "DeadlineMissed":
            yield "deadlines_missed", e.due, 1
    elif isinstance(case, Dispute):
        yield from _odr_facts(case, e)


def _odr_facts(case: Dispute, e: Any) -> Iterator[tuple[str, date, int]]:
    name = type(e).__name__
    if name == "Opened":
        yield "odr_disputes", case.received_on, 1
    elif name in ("Settled", "NotSettled"):
        assert case.negotiated_on is not None
        settled = name == "Settled"
        yield ("odr_settled" if settled else "odr_not_settled"), case.negotiated_on, 1
        if settled:
            yield "odr_recovered_fen", case.negotiated_on, case.recovered_fen
    elif name == "Escalated":
        assert case.escalated_on is not None
        yield "odr_escalated", case.escalated_on, 1
        if e.contested:
            yield "odr_contested", case.escalated_on, 1
    elif name == "DeadlineMissed":
        yield "odr_unanswered", e.due, 1


def scanned_facts(line: Line, until: int = 10**7) -> list[Fact]:
    """Every fact of the log (up to position `until`), each under the unit
    its case had after it."""
    service = line.complaints
    cases: dict[UUID, Any] = {}
    found: list[Fact] = []
    for n in service.recorder.select_notifications(start=1, limit=until):
        e: Any = service.mapper.to_domain_event(n)
        case = cases[e.originator_id] = e.mutate(cases.get(e.originator_id))
        for measure, on, amount in facts_of(case, e):
            found.append((measure, on, case.unit_code, amount))
    return found


def scan(facts: list[Fact], q: StatisticsQuery) -> dict[str, Any]:
    """The statistics as a scan of every fact would answer them."""
    groups: dict[str | None, Counter[str]] = {}
    for measure, on, unit, amount in facts:
        in_scope = q.scope.everything or any(
            unit.startswith(p) for p in q.scope.prefixes
        )
        if not (q.date_from <= on <= q.date_to and in_scope and amount):
            continue
        if q.unit is not None and not unit.startswith(q.unit):
            continue
        key = {None: None, GroupBy.UNIT: unit, GroupBy.MONTH: f"{on:%Y-%m}"}[q.group_by]
        for k in {key, None}:
            groups.setdefault(k, Counter())[measure] += amount
    total = figures(groups.pop(None, Counter()))
    return {
        "from": q.date_from,
        "to": q.date_to,
        "group_by": q.group_by,
        "groups": [{"key": k, **figures(groups[k])} for k in sorted(groups)]  # type: ignore[type-var]
        if q.group_by
        else [],
        "total": total,
    }


# -- varied cases, by a random walk through the aggregates' commands ----------------------

UNITS = ("320803", "320804", "320705")
NEIGHBOUR = {"320803": "320804", "320804": "320803", "320705": "320803"}
FIRST_DAY = date(2025, 11, 3)
CLOCK = system_audit()
Step = tuple[list[Any], list[Iterator[Any]]]  # aggregates to save, walks begun


def audit(role: Role, unit: str, reason: str = "依法办理") -> Audit:
    return staff_audit(role, unit, reason=reason)


def above(unit: str) -> str:
    """The level above a unit: its city (or the province)."""
    return unit[:4] if len(unit) == 6 else unit[:2]


def common_superior(a: str, b: str) -> str:
    return a[:4] if a[:4] == b[:4] else a[:2]


def sealed(role: str) -> Sealed:
    person = uuid4()
    return Sealed(
        person=PersonRef(id=person, pseudonym=f"{role}#{person.hex[:4]}"), box="00"
    )


def later(rng: random.Random, day: date) -> date:
    return day + timedelta(days=rng.choice((0, 1, 2, 3, 5, 8, 13, 21, 34, 70)))


def new_intake(rng: random.Random, n: int, *, named: bool) -> Intake:
    unit = rng.choice(UNITS)
    on = FIRST_DAY + timedelta(days=rng.randint(0, 480))
    platform = Platform(name="某电商平台", region_code=NEIGHBOUR[unit])
    respondent = Respondent(
        name=f"商户{n}",
        region_code=unit,
        platform=platform if rng.random() < 0.4 else None,
    )
    return Intake.register(
        audit=audit(Role.INTAKE, unit),
        number=f"{unit}{on:%Y%m%d}{n:06d}",
        query_code_hash="0" * 64,
        channel=rng.choice(list(Channel)),
        submitter=Submitter(person=sealed("来件人") if named else None),
        respondent=respondent,
        facts="事实",
        claim="退货",
        attachments=(),
        unit_code=unit,
        on=on,
        platform_reference="12315-0001",
    )


def intake_walk(
    rng: random.Random, n: int, calendar: WorkingDayCalendar
) -> Iterator[Step]:
    intake = new_intake(rng, n, named=rng.random() < 0.85)
    yield [intake], []
    on = later(rng, intake.received_on)
    kind = rng.choice([*Classification, None])
    desk = audit(Role.INTAKE, intake.unit_code, "登记分送")
    if kind is Classification.ENQUIRY:
        intake.answer_enquiry("答复", on, desk)
    elif kind is Classification.OUTSIDE:
        intake.refer(rng.choice(list(OutsideMatter)), on, desk)
    elif kind is not None:
        if intake.submitter.person is None:
            kind = Classification.REPORT
        cases = classified(rng, intake, kind, on, calendar)
        walked = [c for c in cases if not isinstance(c, ConductComplaint)]
        yield [intake, *cases], [case_walk(rng, c, on, calendar) for c in walked]
        return
    yield [intake], []


def scripted(
    rng: random.Random, n: int, calendar: WorkingDayCalendar
) -> list[Iterator[Step]]:
    """What a walk reaches only by luck: a complaint ended on each Art. 15
    and Art. 21 ground (45 working days run out by the 100th day), and a
    complaint and a report whose period stops and resumes."""

    def opened(n: int, kind: Classification) -> tuple[Intake, Any]:
        intake = new_intake(rng, n, named=True)
        (case,) = classified(rng, intake, kind, intake.received_on, calendar)
        return intake, case

    def ended(
        n: int, ground: NonAcceptanceGround | TerminationGround
    ) -> Iterator[Step]:
        intake, complaint = opened(n, Classification.COMPLAINT)
        yield [intake, complaint], []
        day, handler = intake.received_on, _handler(complaint)
        if isinstance(ground, NonAcceptanceGround):
            complaint.decline(ground, day, handler, knew_on=day - timedelta(days=1200))
        else:
            complaint.accept(day, calendar, handler)
            yield [complaint], []
            if ground is TerminationGround.TIME_LIMIT:
                complaint.time_out(day + timedelta(days=100), calendar, CLOCK)
            else:
                complaint.terminate(ground, day + timedelta(days=3), calendar, handler)
        yield [complaint], []

    def stopped(n: int, kind: Classification) -> Iterator[Step]:
        intake, case = opened(n, kind)
        yield [intake, case], []
        day, handler = intake.received_on, _handler(case, "检测")
        if isinstance(case, Complaint):
            case.accept(day, calendar, handler)
        case.exclude_period(ExcludedPeriod.TESTING, day + timedelta(days=1), handler)
        yield [case], []
        case.resume_period(day + timedelta(days=9), calendar, handler)
        yield [case], []

    def missed_then_rerouted(n: int, kind: Classification) -> Iterator[Step]:
        """Decided within a period restarted by routing, after the first one
        was recorded missed: in time, but not on time."""
        intake, case = opened(n, kind)
        yield [intake, case], []
        day, handler = intake.received_on + timedelta(days=40), _handler(case)
        due = "acceptance" if isinstance(case, Complaint) else "verification"
        case.record_missed(due, day, CLOCK)
        case.return_to_intake(day, handler)
        _route(rng, case, day, calendar)
        yield [case], []
        if isinstance(case, Complaint):
            case.accept(day + timedelta(days=1), calendar, _handler(case))
        else:
            case.open_case(OFFICERS, day + timedelta(days=1), calendar, handler)
        yield [case], []

    grounds = [*NonAcceptanceGround, *TerminationGround]
    more = n + len(grounds)
    return [ended(n + i, g) for i, g in enumerate(grounds)] + [
        stopped(more, Classification.COMPLAINT),
        stopped(more + 1, Classification.REPORT),
        missed_then_rerouted(more + 2, Classification.COMPLAINT),
        missed_then_rerouted(more + 3, Classification.REPORT),
    ]


def classified(
    rng: random.Random,
    intake: Intake,
    kind: Classification,
    on: date,
    calendar: WorkingDayCalendar,
) -> list[Any]:
    """As the service's `classify`: the intake's decision and its cases (a
    conduct complaint's own model is another's: it only counts its intake)."""
    number = intake.number
    desk = audit(Role.INTAKE, intake.unit_code, "分送")
    unit = rng.choice([intake.unit_code, *places(intake.respondent)])
    person = intake.submitter.person
    if kind is Classification.CONDUCT and person is not None:
        conduct = ConductComplaint.open(
            audit=desk,
            number=f"{number}-XN",
            intake_id=intake.id,
            channel=intake.channel,
            complainant=person,
            unit_code=unit,
            subject_no=None,
            subject_name=None,
            facts="事实",
            claim="",
            intake_unit_code=intake.unit_code,
            on=on,
            calendar=calendar,
        )
        intake.classify(kind, None, None, desk, conduct_id=conduct.id)
        return [conduct]
    if kind is Classification.ODR:
        return _odr_dispute(intake, unit, on, calendar, desk)
    intake.classify(kind, complaint_id(f"{number}-TS"), report_id(f"{number}-JB"), desk)
    cases: list[Any] = []
    if intake.complaint_id is not None and person is not None:
        cases.append(
            Complaint.open(
                audit=audit(Role.INTAKE, intake.unit_code),
                number=f"{number}-TS",
                intake_id=intake.id,
                channel=intake.channel,
                complainant=person,
                agent=None,
                representatives=(),
                joint=False,
                respondent=intake.respondent,
                facts="事实",
                claim="退货",
                intake_unit_code=intake.unit_code,
                unit_code=unit,
                on=on,
                calendar=calendar,
                linked_id=intake.report_id,
            )
        )
    if intake.report_id is not None:
        cases.append(
            Report.open(
                audit=audit(Role.INTAKE, intake.unit_code),
                number=f"{number}-JB",
                intake_id=intake.id,
                channel=intake.channel,
                source=Source.INTAKE,
                reporter=person,
                respondent=intake.respondent,
                facts="线索",
                intake_unit_code=intake.unit_code,
                unit_code=unit,
                on=on,
                calendar=calendar,
                linked_id=intake.complaint_id,
            )
        )
    return cases


def _odr_dispute(
    intake: Intake, unit: str, on: date, calendar: WorkingDayCalendar, desk: Audit
) -> list[Any]:
    """ODR: the consumer's complaint with an enrolled business first."""
    person = intake.submitter.person
    assert person is not None  # an anonymous intake walks as a report
    enterprise = OdrEnterprise.enrol(
        audit=audit(Role.APPROVER, unit, "入驻"),
        uscc="91320803MA1XYW01X6",
        name=intake.respondent.name,
        region_code=intake.respondent.region_code,
        unit_code=unit,
        key="K" * 32,
        on=on,
    )
    dispute = Dispute.open(
        audit=desk,
        number=f"{intake.number}-HJ",
        intake_id=intake.id,
        enterprise=enterprise,
        channel=intake.channel,
        consumer=person,
        respondent=intake.respondent,
        facts="事实",
        claim="退货",
        intake_unit_code=intake.unit_code,
        unit_code=unit,
        on=on,
        calendar=calendar,
    )
    intake.classify(Classification.ODR, None, None, desk, dispute_id=dispute.id)
    return [dispute]


def _escalate(
    rng: random.Random, d: Dispute, day: date, c: WorkingDayCalendar
) -> list[Any]:
    number = d.number.removesuffix("-HJ") + "-TS"
    d.escalate(complaint_id(number), day, CLOCK)
    complaint = Complaint.open(
        audit=CLOCK,
        number=number,
        intake_id=d.intake_id,
        channel=d.channel,
        complainant=d.consumer,
        agent=None,
        representatives=(),
        joint=False,
        respondent=d.respondent,
        facts=d.facts,
        claim=d.claim,
        intake_unit_code=d.intake_unit_code,
        unit_code=d.unit_code,
        on=day,
        calendar=c,
        odr_id=d.id,
    )
    return [complaint]


def places(respondent: Respondent) -> list[str]:
    """Units with jurisdiction over the respondent (Arts. 12–13)."""
    found = [respondent.region_code]
    if respondent.platform is not None:
        found.append(respondent.platform.region_code)
    return found


def case_walk(
    rng: random.Random, case: Any, on: date, calendar: WorkingDayCalendar
) -> Iterator[Step]:
    """Try one command after another, days apart; yield after each so that
    other cases' events come in between. A refused command changes nothing."""
    day = on
    for _ in range(rng.randint(0, 14)):
        day = later(rng, day)
        tried = ACTS[type(case)].get(str(case.status), ())
        if not tried:
            return
        begun: list[Iterator[Any]] = []
        with contextlib.suppress(DomainError):
            made = ACT[rng.choice(tried)](rng, case, day, calendar)
            begun = [case_walk(rng, r, day, calendar) for r in made]
            yield [case, *made], begun
            continue
        yield [case], []


def _handler(case: Any, reason: str = "依法办理") -> Audit:
    return audit(Role.HANDLER, case.unit_code, reason)


def _route(
    rng: random.Random, case: Any, day: date, c: WorkingDayCalendar
) -> list[Any]:
    unit = rng.choice(places(case.respondent))
    case.route(unit, day, c, audit(Role.INTAKE, case.intake_unit_code, "重新分送"))
    return []


def _refer_violation(
    rng: random.Random, case: Complaint, day: date, c: WorkingDayCalendar
) -> list[Any]:
    report = Report.open(
        audit=_handler(case),
        number=f"{case.number}-WF{len(case.report_ids) + 1}",
        intake_id=case.intake_id,
        channel=case.channel,
        source=Source.MEDIATION,
        reporter=None,
        respondent=case.respondent,
        facts="违法线索",
        intake_unit_code=case.intake_unit_code,
        unit_code=case.unit_code,
        on=day,
        calendar=c,
        linked_id=case.id,
    )
    case.refer_violation(report.id, _handler(case, "调解中发现违法"))
    return [report]


def _settle(
    rng: random.Random, r: Report, day: date, c: WorkingDayCalendar
) -> list[Any]:
    assert r.disputed_with is not None
    unit = rng.choice([r.unit_code, r.disputed_with])
    superior = common_superior(r.unit_code, r.disputed_with)
    actor_unit = rng.choice([unit, superior])
    r.settle_jurisdiction(unit, day, c, audit(Role.APPROVER, actor_unit, "协商确定"))
    return []


def _do(action: Any) -> Any:
    """An action that makes nothing new."""

    def act(
        rng: random.Random, case: Any, day: date, c: WorkingDayCalendar
    ) -> list[Any]:
        action(rng, case, day, c)
        return []

    return act


OFFICERS = (Officer(staff_no="E-1", name="甲"), Officer(staff_no="E-2", name="乙"))
ACT: dict[str, Any] = {
    "accept": _do(lambda r, x, d, c: x.accept(d, c, _handler(x))),
    "decline": _do(
        lambda r, x, d, c: x.decline(
            r.choice(list(NonAcceptanceGround)),
            d,
            _handler(x, "不予受理"),
            knew_on=d - timedelta(days=1200),  # time-barred, if that is the ground
        )
    ),
    "withdraw": _do(lambda r, x, d, c: x.withdraw(d, c, _handler(x, "撤回"))),
    "return": _do(lambda r, x, d, c: x.return_to_intake(d, _handler(x, "无管辖权"))),
    "route": _route,
    "take_over": _do(
        lambda r, x, d, c: x.take_over(
            above(x.unit_code), d, audit(Role.APPROVER, above(x.unit_code), "提级")
        )
    ),
    "hand_over": _do(
        lambda r, x, d, c: x.hand_over(
            f"H-{r.randint(1, 9)}", "接手人", _handler(x, "交接")
        )
    ),
    "exclude_mediation": _do(
        lambda r, x, d, c: x.exclude_period(
            r.choice([ExcludedPeriod.TESTING, ExcludedPeriod.RECUSAL]),
            d,
            _handler(x, "检测"),
        )
    ),
    "exclude_verification": _do(
        lambda r, x, d, c: x.exclude_period(
            r.choice([ExcludedPeriod.TESTING, ExcludedPeriod.QUARANTINE]),
            d,
            _handler(x, "检验"),
        )
    ),
    "resume": _do(lambda r, x, d, c: x.resume_period(d, c, _handler(x))),
    "agree": _do(
        lambda r, x, d, c: x.reach_agreement(
            MediationDocument.AGREEMENT,
            r.choice((0, 5000, 129900, 2_000_000)),
            (r.choice(list(Remedy)),),
            "协议",
            d,
            _handler(x),
            signed_by_both=True,
        )
    ),
    "terminate": _do(
        lambda r, x, d, c: x.terminate(
            r.choice(
                [g for g in TerminationGround if g is not TerminationGround.TIME_LIMIT]
            ),
            d,
            c,
            _handler(x, "终止调解"),
        )
    ),
    "time_out": _do(lambda r, x, d, c: x.time_out(d, c, CLOCK)),
    "notify_parties": _do(lambda r, x, d, c: x.notify_parties(d, _handler(x))),
    "refer_violation": _refer_violation,
    "rate": _do(lambda r, x, d, c: x.rate(r.choice(list(Rating)), "", d, CLOCK)),
    "miss_acceptance": _do(lambda r, x, d, c: x.record_missed("acceptance", d, CLOCK)),
    "miss_notice": _do(
        lambda r, x, d, c: x.record_missed("termination_notice", d, CLOCK)
    ),
    "extend": _do(
        lambda r, x, d, c: x.extend_verification(
            d, c, audit(Role.APPROVER, x.unit_code, "延长")
        )
    ),
    "dispute": _do(
        lambda r, x, d, c: x.dispute_jurisdiction(
            NEIGHBOUR.get(x.unit_code, "320803"), d, c, _handler(x, "管辖争议")
        )
    ),
    "settle": _settle,
    "open_case": _do(
        lambda r, x, d, c: x.open_case(
            OFFICERS, d, c, audit(Role.APPROVER, x.unit_code, "立案")
        )
    ),
    "not_open": _do(
        lambda r, x, d, c: x.decline(
            r.choice(list(NotOpenedGround)),
            d,
            c,
            audit(Role.APPROVER, x.unit_code, "不予立案"),
        )
    ),
    "notify_reporter": _do(lambda r, x, d, c: x.notify_reporter(d, _handler(x))),
    "notify_result": _do(
        lambda r, x, d, c: x.notify_result("已处罚", 10000, d, _handler(x))
    ),
    "miss_verification": _do(
        lambda r, x, d, c: x.record_missed("verification", d, CLOCK)
    ),
    "miss_jurisdiction": _do(
        lambda r, x, d, c: x.record_missed("jurisdiction", d, CLOCK)
    ),
    "miss_reporter_notice": _do(
        lambda r, x, d, c: x.record_missed("reporter_notice", d, CLOCK)
    ),
    "odr_settle": _do(
        lambda r, x, d, c: x.settle(
            Negotiation.ONLINE,
            x.received_on,
            "和解",
            r.choice((0, 3000, 99900)),
            (Remedy.REFUND,),
            d,
            CLOCK,
        )
    ),
    "odr_no_settlement": _do(
        lambda r, x, d, c: x.record_no_settlement(
            Negotiation.TELEPHONE, x.received_on, "未达成", d, CLOCK
        )
    ),
    "odr_miss": _do(lambda r, x, d, c: x.record_missed("odr_answer", d, CLOCK)),
    "escalate": _escalate,
}
COMPLAINT_ACTS: dict[str, tuple[str, ...]] = {
    ComplaintStatus.REGISTERED: (
        *("accept", "accept", "decline", "withdraw", "return", "route"),
        *("take_over", "hand_over", "miss_acceptance", "miss_acceptance"),
    ),
    ComplaintStatus.ACCEPTED: (
        *("exclude_mediation", "agree", "agree", "terminate", "terminate"),
        *("time_out", "time_out", "resume"),
        *("withdraw", "refer_violation", "take_over", "hand_over"),
    ),
    ComplaintStatus.SUSPENDED: ("resume", "resume", "terminate"),
    ComplaintStatus.TERMINATED: ("notify_parties", "miss_notice", "rate"),
    ComplaintStatus.AGREED: ("rate",),
    ComplaintStatus.NOT_ACCEPTED: ("rate",),
    ComplaintStatus.WITHDRAWN: ("rate",),
}
REPORT_ACTS: dict[str, tuple[str, ...]] = {
    ReportStatus.REGISTERED: (
        *("exclude_verification", "resume", "extend", "dispute", "open_case"),
        *("not_open", "open_case", "return", "route", "take_over", "miss_verification"),
        *("miss_verification", "hand_over"),
    ),
    ReportStatus.DISPUTED: ("settle", "settle", "miss_jurisdiction", "route"),
    ReportStatus.CASE_OPENED: (
        "notify_reporter",
        "miss_reporter_notice",
        "notify_result",
    ),
    ReportStatus.NOT_OPENED: ("notify_reporter", "miss_reporter_notice"),
}


DISPUTE_ACTS: dict[str, tuple[str, ...]] = {
    DisputeStatus.NEGOTIATING: (
        *("odr_settle", "odr_no_settlement", "odr_miss", "odr_miss"),
        *("escalate", "escalate"),
    ),
    DisputeStatus.NOT_SETTLED: ("escalate",),
    DisputeStatus.SETTLED: ("escalate",),  # contested by the consumer
}
ACTS = {Complaint: COMPLAINT_ACTS, Report: REPORT_ACTS, Dispute: DISPUTE_ACTS}


def populate(line: Line, rng: random.Random, intakes: int) -> None:
    """Intakes and their cases walked in random turns, saved a few at a time,
    so each case's events are spread over the log between others'."""
    calendar = line.services.calendar
    walking = [intake_walk(rng, n, calendar) for n in range(intakes)]
    walking += scripted(rng, intakes, calendar)
    pending: dict[UUID, Any] = {}
    while walking:
        walk = rng.choice(walking)
        step = next(walk, None)
        if step is None:
            walking.remove(walk)
        else:
            touched, begun = step
            pending.update((a.id, a) for a in touched)
            walking += begun
        if len(pending) >= 8 or not walking:
            line.complaints.save(*pending.values())
            pending.clear()


# -- the queries compared -----------------------------------------------------------------

SCOPES = (
    EVERYWHERE,
    Scope(prefixes=("3208",)),
    Scope(prefixes=("320803", "3207")),
    Scope(prefixes=("3210",)),
)
EDGE_PERIODS = (
    (date(2010, 1, 1), date(2029, 12, 31)),  # everything
    (date(2026, 1, 1), date(2026, 12, 31)),  # a whole year
    (date(2025, 12, 31), date(2026, 12, 30)),  # a day more, a day less
    (date(2025, 12, 15), date(2026, 1, 15)),  # across the new year
    (date(2026, 2, 1), date(2026, 2, 28)),  # a whole February
    (date(2026, 3, 2), date(2026, 3, 2)),  # one day
    (date(2025, 11, 1), date(2027, 3, 31)),  # whole months over two year ends
)


def queries(
    rng: random.Random, days: list[date], share: float
) -> Iterator[StatisticsQuery]:
    periods = list(EDGE_PERIODS) + [(d, d) for d in rng.sample(days, min(3, len(days)))]
    for _ in range(6):
        first = FIRST_DAY + timedelta(days=rng.randint(-40, 600))
        periods.append((first, first + timedelta(days=rng.randint(0, 400))))
    combos = itertools.product(
        periods, (None, *GroupBy), SCOPES, (None, "3208", "320803")
    )
    for (first, last), group_by, scope, unit in combos:
        if rng.random() < share:
            yield StatisticsQuery(scope, first, last, unit, group_by)


def assert_rollup_answers_as_the_scan(
    conn: psycopg.Connection[Any], facts: list[Fact], rng: random.Random, share: float
) -> int:
    compared = 0
    days = sorted({on for _, on, _, _ in facts})
    for q in queries(rng, days, share):
        assert statistics(conn, q) == scan(facts, q), q
        compared += 1
    return compared


def rollup_rows(conn: psycopg.Connection[Any], tables: Tables) -> list[Any]:
    query = sql.SQL("SELECT * FROM {} ORDER BY {}").format(
        tables(COUNTS.table.part), sql.SQL(", ").join(map(sql.Identifier, COUNTS.key))
    )
    return conn.execute(query).fetchall()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_statistics_from_the_rollup_equal_a_scan_of_the_events(
    line: Line, seed: int
) -> None:
    rng = random.Random(seed)
    populate(line, rng, intakes=200)
    model = line.model()
    projector = line.projector()
    projector.prepare()
    head = int(line.complaints.recorder.max_notification_id() or 0)
    with psycopg.connect(line.url, autocommit=True) as conn:
        checks = batches = 0
        while projector.step(model, limit=rng.choice((1, 7, 50, 150))):
            batches += 1
            if batches % 4 == 1:  # part-way: the rollup keeps up batch by batch
                done = position(conn, ComplaintsIndex.name)
                checks += assert_rollup_answers_as_the_scan(
                    conn, scanned_facts(line, done), rng, share=0.02
                )
        assert checks > 0
        assert position(conn, ComplaintsIndex.name) == head
        facts = scanned_facts(line)
        assert assert_rollup_answers_as_the_scan(conn, facts, rng, share=1.0) > 500
        live = rollup_rows(conn, line.tables(conn))
        rebuilt = projector.rebuild(ComplaintsIndex.name)
        assert rollup_rows(conn, rebuilt) == live
    assert_the_walk_reached_every_figure(facts, line)


def assert_the_walk_reached_every_figure(facts: list[Fact], line: Line) -> None:
    """Every measure counted something (so each was compared), and the log
    holds the events that move a case between units or move its periods."""
    counted = {measure for measure, _, _, amount in facts if amount}
    assert set(COUNTS.measures) - counted == set()
    recorder = line.complaints.recorder
    topics = {n.topic for n in recorder.select_notifications(start=1, limit=10**7)}
    for aggregate, event in itertools.product(
        (Complaint.PINNED_TOPIC, Report.PINNED_TOPIC),
        (
            "Routed",
            "ReturnedToIntake",
            "TakenOver",
            "HandedOver",
            "PeriodExcluded",
            "PeriodResumed",
            "DeadlineMissed",
        ),
    ):
        assert f"{aggregate}.{event}" in topics
    for event in (
        "VerificationExtended",
        "JurisdictionDisputed",
        "JurisdictionSettled",
    ):
        assert f"{Report.PINNED_TOPIC}.{event}" in topics
