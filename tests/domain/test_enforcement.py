"""Penalty cases (行政处罚案件): each rule and refusal, without I/O.

Dates are 2026, counted by hand on the 2026 notice (DOMAIN §7.1): 中秋
9/25–9/27, 国庆 10/1–10/7, make-up working days Sun 9/20 and Sat 10/10.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from domain.enforcement.case import DeadlineKind, EnforcementCase, Status
from domain.enforcement.service import Enforcement
from domain.enforcement.terms import (
    Decision,
    Evidence,
    EvidenceKind,
    ExcludedPeriod,
    NoPenaltyGround,
    Officer,
    Origin,
    Party,
    PartyType,
    PenaltyKind,
    Procedure,
    ServiceMethod,
    publishable,
)
from domain.registry.service import Registry
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    AuditContractError,
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
)
from domain.shared.events import Aggregate
from domain.shared.uscc import compose_uscc
from tests.domain.conftest import CALENDAR, POPO, staff_audit, system_audit

UNIT = "320803"
OFFICER = staff_audit(Role.OFFICER, reason="初步证据表明存在违法行为，依法立案")
APPROVER = staff_audit(Role.APPROVER, reason="经负责人审查批准")
OFFICERS = (
    Officer(staff_no="O-1", name="办案一", unit_code=UNIT),
    Officer(staff_no="O-2", name="办案二", unit_code=UNIT),
)
COMPANY = Party(
    name="淮安测试机械有限公司",
    party_type=PartyType.LEGAL_PERSON,
    uscc=compose_uscc(UNIT, "12345678"),
    legal_representative="张三",
    region_code=UNIT,
)
PERSON = Party(name="李四", party_type=PartyType.NATURAL_PERSON, region_code=UNIT)


def opened(on: date = date(2026, 7, 1), party: Party = COMPANY) -> EnforcementCase:
    return EnforcementCase.open(
        audit=OFFICER,
        number="CF-1",
        unit_code=UNIT,
        party=party,
        facts="生产销售不合格产品",
        officers=OFFICERS,
        origin=None,
        on=on,
        calendar=CALENDAR,
    )


def decision(on: date, **overrides: Any) -> Decision:
    facts: dict[str, Any] = {
        "decision_number": "淮区市监罚〔2026〕1号",
        "penalties": (PenaltyKind.FINE,),
        "violation": "生产不合格产品",
        "legal_basis": "产品质量法第四十九条",
        "facts": "生产销售不合格产品",
        "result": "罚款五千元",
        "fine_fen": 5_000_00,
        "confiscation_fen": 0,
        "procedure": Procedure.ORDINARY,
        "decided_on": on,
        "authority": "淮安区市场监督管理局",
        "authority_unit_code": UNIT,
        "published": True,
        **overrides,
    }
    return Decision(**facts)


def last(case: Aggregate) -> Any:
    return case.collect_events()[-1]


# -- 立案 -----------------------------------------------------------------------


def test_a_case_is_opened_with_two_officers_and_90_calendar_days() -> None:
    case = opened()
    assert case.status is Status.OPENED
    # 2026-07-01 + 90 calendar days = Tue 2026-09-29 (行政处罚法 Art. 60).
    assert case.decision_limit.due.due == date(2026, 9, 29)
    assert case.decision_limit.rule == "行政处罚法 第60条"


def test_one_officer_is_refused_citing_art_19() -> None:
    with pytest.raises(InvalidInputError) as refused:
        EnforcementCase.open(
            audit=OFFICER,
            number="CF-1",
            unit_code=UNIT,
            party=COMPANY,
            facts="x",
            officers=(OFFICERS[0], OFFICERS[0]),  # the same officer twice
            origin=None,
            on=date(2026, 7, 1),
            calendar=CALENDAR,
        )
    assert refused.value.rule == "市场监督管理行政处罚程序规定 第19条"


def test_opening_without_a_reason_is_refused() -> None:
    with pytest.raises(AuditContractError):
        EnforcementCase.open(
            audit=staff_audit(Role.OFFICER),
            number="CF-1",
            unit_code=UNIT,
            party=COMPANY,
            facts="x",
            officers=OFFICERS,
            origin=None,
            on=date(2026, 7, 1),
            calendar=CALENDAR,
        )


@pytest.mark.parametrize(
    ("party", "field"),
    [
        (COMPANY.model_copy(update={"uscc": None}), "uscc"),
        (
            COMPANY.model_copy(update={"legal_representative": ""}),
            "legal_representative",
        ),
        (PERSON.model_copy(update={"uscc": COMPANY.uscc}), "uscc"),
    ],
)
def test_a_party_is_named_as_the_penalty_record_needs(party: Party, field: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        opened(party=party)
    assert refused.value.field == field


def test_an_invalid_uscc_is_refused_by_the_party_type() -> None:
    with pytest.raises(ValueError, match="uscc"):
        Party(
            name="x",
            party_type=PartyType.LEGAL_PERSON,
            uscc="91320803123456789X",
            legal_representative="张三",
            region_code=UNIT,
        )


# -- the 90 days: excluded period, holiday, extension ------------------------------


def test_the_90_days_move_with_an_excluded_period_a_holiday_and_the_extension() -> None:
    case = opened(date(2026, 7, 1))
    case.exclude_period(ExcludedPeriod.TESTING, date(2026, 7, 10), OFFICER)
    assert case.due_deadlines() == []  # stopped: nothing can be missed
    case.resume_period(date(2026, 7, 14), CALENDAR, OFFICER)
    # 7/11–7/14 not counted: 94 days from 7/1 end on Sat 10/3, inside 国庆
    # (10/1–10/7), so the last day moves to the next working day, Thu 10/8.
    assert case.decision_limit.excluded_days == 4
    assert case.decision_limit.due.due == date(2026, 10, 8)
    case.extend_decision_limit(date(2026, 9, 1), CALENDAR, APPROVER)
    # +30 (程序规定 Art. 64): 124 days from 7/1 = Mon 11/2.
    assert case.decision_limit.due.due == date(2026, 11, 2)
    assert case.decision_limit.extension is not None
    assert case.decision_limit.extension.approved_by == APPROVER.actor.name


def test_the_decision_limit_is_extended_once_only() -> None:
    case = opened()
    case.extend_decision_limit(date(2026, 8, 1), CALENDAR, APPROVER)
    with pytest.raises(IllegalTransitionError):
        case.extend_decision_limit(date(2026, 8, 2), CALENDAR, APPROVER)


def test_an_extension_after_the_limit_ran_out_is_refused() -> None:
    case = opened()
    with pytest.raises(DeadlineError):
        case.extend_decision_limit(date(2026, 9, 30), CALENDAR, APPROVER)


def test_a_decision_while_the_limit_is_stopped_is_refused() -> None:
    case = opened()
    case.exclude_period(ExcludedPeriod.EXPERT_REVIEW, date(2026, 7, 10), OFFICER)
    with pytest.raises(IllegalTransitionError):
        case.decide(decision(date(2026, 7, 20)), CALENDAR, APPROVER)


# -- the hearing (Arts. 63–64): 5 working days ----------------------------------------


def test_the_hearing_request_window_is_five_working_days() -> None:
    case = opened(date(2026, 8, 1))
    case.notify_hearing_right(date(2026, 9, 24), CALENDAR, OFFICER)
    # Thu 9/24: 9/25–9/27 中秋; 9/28, 9/29, 9/30 = 1..3; 国庆; 10/8 = 4, 10/9 = 5.
    assert case.hearing_window is not None
    assert case.hearing_window.due.due == date(2026, 10, 9)
    late = opened(date(2026, 8, 1))
    late.notify_hearing_right(date(2026, 9, 24), CALENDAR, OFFICER)
    with pytest.raises(DeadlineError):
        late.request_hearing(date(2026, 10, 10), OFFICER)
    case.request_hearing(date(2026, 10, 9), OFFICER)
    assert case.decision_limit.open_exclusion is not None


def test_a_requested_hearing_stops_the_90_days_until_it_is_held() -> None:
    case = opened(date(2026, 7, 1))
    case.notify_hearing_right(date(2026, 8, 3), CALENDAR, OFFICER)
    case.request_hearing(date(2026, 8, 5), OFFICER)
    with pytest.raises(IllegalTransitionError):  # its period ends with the hearing
        case.resume_period(date(2026, 8, 6), CALENDAR, OFFICER)
    with pytest.raises(IllegalTransitionError):
        case.decide(decision(date(2026, 8, 10)), CALENDAR, APPROVER)
    case.hold_hearing(date(2026, 8, 15), CALENDAR, OFFICER)
    # 8/6–8/15 not counted: 9/29 + 10 = Fri 10/9 (a working day).
    assert case.decision_limit.due.due == date(2026, 10, 9)
    case.decide(decision(date(2026, 8, 20)), CALENDAR, APPROVER)
    assert case.status is Status.DECIDED


def test_a_heavy_penalty_needs_the_hearing_right_notified() -> None:
    case = opened()
    revoke = decision(
        date(2026, 8, 1),
        penalties=(PenaltyKind.LICENCE_REVOKED,),
        fine_fen=0,
    )
    with pytest.raises(IllegalTransitionError) as refused:
        case.decide(revoke, CALENDAR, APPROVER)
    assert refused.value.rule == "行政处罚法 第63条"


def test_no_decision_while_the_party_may_still_ask_for_a_hearing() -> None:
    case = opened()
    case.notify_hearing_right(date(2026, 8, 3), CALENDAR, OFFICER)  # Mon
    with pytest.raises(DeadlineError):  # until Mon 8/10
        case.decide(decision(date(2026, 8, 10)), CALENDAR, APPROVER)
    case.decide(decision(date(2026, 8, 11)), CALENDAR, APPROVER)


def test_a_waived_hearing_lets_the_decision_be_made_at_once() -> None:
    case = opened()
    case.notify_hearing_right(date(2026, 8, 3), CALENDAR, OFFICER)
    case.waive_hearing(date(2026, 8, 4), CALENDAR, OFFICER)
    case.decide(decision(date(2026, 8, 4)), CALENDAR, APPROVER)
    with pytest.raises(IllegalTransitionError):
        case.request_hearing(date(2026, 8, 4), OFFICER)


# -- the decision ------------------------------------------------------------------


def test_a_fine_names_its_amount_in_fen() -> None:
    with pytest.raises(InvalidInputError):
        opened().decide(decision(date(2026, 8, 1), fine_fen=0), CALENDAR, APPROVER)
    with pytest.raises(InvalidInputError):
        opened().decide(
            decision(
                date(2026, 8, 1), penalties=(PenaltyKind.WARNING,), published=False
            ),
            CALENDAR,
            APPROVER,
        )


def test_the_summary_procedure_is_a_warning_or_a_small_fine() -> None:
    big = decision(
        date(2026, 8, 1),
        procedure=Procedure.SUMMARY,
        fine_fen=3_001_00,
        published=False,
    )
    with pytest.raises(InvalidInputError) as refused:
        opened().decide(big, CALENDAR, APPROVER)
    assert refused.value.rule == "行政处罚法 第51条"
    small = big.model_copy(update={"fine_fen": 3_000_00})
    opened().decide(small, CALENDAR, APPROVER)
    person = opened(party=PERSON)
    with pytest.raises(InvalidInputError):  # 200 yuan for a citizen
        person.decide(small, CALENDAR, APPROVER)


def test_warning_only_penalties_are_not_published() -> None:
    assert not publishable(Procedure.ORDINARY, (PenaltyKind.WARNING,))
    assert publishable(Procedure.ORDINARY, (PenaltyKind.WARNING, PenaltyKind.FINE))
    assert not publishable(Procedure.SUMMARY, (PenaltyKind.FINE,))
    with pytest.raises(InvalidInputError) as refused:
        opened().decide(
            decision(
                date(2026, 8, 1),
                penalties=(PenaltyKind.WARNING,),
                fine_fen=0,
                published=True,
            ),
            CALENDAR,
            APPROVER,
        )
    assert refused.value.rule == "市场监督管理行政处罚信息公示规定 第2条"


def test_no_penalty_closes_the_case() -> None:
    case = opened()
    case.decide_no_penalty(NoPenaltyGround.NOT_PENALISED, date(2026, 8, 1), APPROVER)
    assert case.status is Status.CLOSED
    assert last(case).rule == "行政处罚法 第33条"
    with pytest.raises(IllegalTransitionError):
        case.decide(decision(date(2026, 8, 2)), CALENDAR, APPROVER)


# -- service (Art. 61: 7 working days) across 国庆 2026 --------------------------------


def test_service_is_due_seven_working_days_after_the_decision_across_guoqing() -> None:
    case = opened()
    case.decide(decision(date(2026, 9, 29)), CALENDAR, APPROVER)
    # Tue 9/29: 9/30 = 1; 国庆 10/1–10/7; 10/8 = 2, 10/9 = 3, Sat 10/10 (调休) = 4,
    # 10/12 = 5, 10/13 = 6, 10/14 = 7.
    assert case.service_limit is not None
    assert case.service_limit.due.due == date(2026, 10, 14)
    assert case.due_deadlines() == [
        (DeadlineKind.SERVICE, date(2026, 10, 14), "行政处罚法 第61条")
    ]
    case.serve(
        date(2026, 10, 15), ServiceMethod.POST, date(2026, 10, 16), CALENDAR, OFFICER
    )
    assert case.served_late
    # Art. 67: 15 calendar days from service: Fri 10/30.
    assert case.payment_due == date(2026, 10, 30)


def test_service_before_the_decision_or_in_the_future_is_refused() -> None:
    case = opened()
    case.decide(decision(date(2026, 9, 29)), CALENDAR, APPROVER)
    for served_on in (date(2026, 9, 28), date(2026, 10, 2)):
        with pytest.raises(InvalidInputError):
            case.serve(
                served_on, ServiceMethod.IN_PERSON, date(2026, 10, 1), CALENDAR, OFFICER
            )


# -- payment, enforcement, closing -------------------------------------------------


def served_case() -> EnforcementCase:
    case = opened()
    case.decide(decision(date(2026, 8, 3)), CALENDAR, APPROVER)
    case.serve(
        date(2026, 8, 4), ServiceMethod.IN_PERSON, date(2026, 8, 4), CALENDAR, OFFICER
    )
    return case


def test_a_part_payment_needs_instalments_approved() -> None:
    case = served_case()
    with pytest.raises(IllegalTransitionError) as refused:
        case.record_payment(1_000_00, date(2026, 8, 5), date(2026, 8, 5), OFFICER)
    assert refused.value.rule == "行政处罚法 第66条"
    case.approve_instalments(2, date(2026, 9, 30), APPROVER)
    case.record_payment(1_000_00, date(2026, 8, 5), date(2026, 8, 5), OFFICER)
    assert case.outstanding_fen == 4_000_00
    case.record_payment(4_000_00, date(2026, 9, 1), date(2026, 9, 1), OFFICER)
    assert case.status is Status.PAID
    case.close(date(2026, 9, 2), APPROVER)
    assert case.status is Status.CLOSED


def test_overpaying_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        served_case().record_payment(
            5_000_01, date(2026, 8, 5), date(2026, 8, 5), OFFICER
        )


def test_enforcement_only_after_the_15_days_and_then_the_case_closes() -> None:
    case = served_case()
    with pytest.raises(IllegalTransitionError):  # unpaid
        case.close(date(2026, 8, 10), APPROVER)
    with pytest.raises(DeadlineError):  # 8/4 + 15 = 8/19
        case.apply_enforcement(date(2026, 8, 19), OFFICER)
    case.apply_enforcement(date(2026, 8, 20), OFFICER)
    assert case.status is Status.ENFORCEMENT_APPLIED
    case.close(date(2026, 8, 21), APPROVER)


# -- the clock ----------------------------------------------------------------------


def test_the_clock_records_the_decision_deadline_missed_once() -> None:
    case = opened()
    clock = system_audit()
    with pytest.raises(DeadlineError):
        case.record_missed("decision", date(2026, 9, 29), clock)
    case.record_missed("decision", date(2026, 9, 30), clock)
    event = last(case)
    assert (event.kind, event.due) == ("decision", date(2026, 9, 29))
    with pytest.raises(IllegalTransitionError):
        case.record_missed("decision", date(2026, 10, 1), clock)


# -- the service: officers, roles, the unique decision number -------------------------


@pytest.fixture
def service() -> Enforcement:
    registry = Registry(POPO)
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="t")
    registry.establish_unit("3208", "淮安市市场监督管理局", boot)
    registry.establish_unit(UNIT, "淮安区市场监督管理局", boot)
    registry.establish_unit("320804", "淮阴区市场监督管理局", boot)
    for staff_no, unit, role in (
        ("O-1", UNIT, Role.OFFICER),
        ("O-2", "3208", Role.OFFICER),
        ("O-3", "320804", Role.OFFICER),
        ("H-1", UNIT, Role.HANDLER),
    ):
        registry.enrol_staff(staff_no, staff_no, unit, frozenset({role}), boot)
    clock = FixedClock(datetime(2026, 8, 3, 1, 0, tzinfo=UTC))
    return Enforcement(POPO, registry=registry, calendar=CALENDAR, clock=clock)


def _open(s: Enforcement, officers: tuple[str, ...] = ("O-1", "O-2")) -> Any:
    return s.open_case(
        OFFICER, party=COMPANY, facts="事实", unit_code=UNIT, officers=officers
    )


def test_officers_hold_the_role_in_the_case_s_jurisdiction(
    service: Enforcement,
) -> None:
    for officers in (("O-1", "H-1"), ("O-1", "O-3"), ("O-1", "NOBODY")):
        with pytest.raises(InvalidInputError) as refused:
            _open(service, officers)
        assert refused.value.field == "officers"
    case = service.case_of(_open(service))
    assert [o.staff_no for o in case.officers] == ["O-1", "O-2"]


def test_only_officers_open_a_case(service: Enforcement) -> None:
    with pytest.raises(PermissionDeniedError):
        service.open_case(
            APPROVER, party=COMPANY, facts="x", unit_code=UNIT, officers=("O-1", "O-2")
        )


def test_a_case_from_an_origin_records_it_and_takes_its_date(
    service: Enforcement,
) -> None:
    origin = Origin(context="complaints", case_id=uuid4(), kind="report", number="R1")
    result = service.open_case(
        OFFICER,
        party=COMPANY,
        facts="x",
        unit_code=UNIT,
        officers=("O-1", "O-2"),
        origin=origin,
        opened_on=date(2026, 7, 1),
    )
    case = service.case_of(result)
    assert case.origin == origin
    assert case.decision_limit.due.due == date(2026, 9, 29)


def test_a_decision_number_is_unique_in_its_unit(service: Enforcement) -> None:
    body = {
        "decision_number": "淮区市监罚〔2026〕7号",
        "penalties": (PenaltyKind.FINE,),
        "violation": "v",
        "legal_basis": "b",
        "result": "r",
        "fine_fen": 100_00,
    }
    first = _open(service).id
    service.decide(first, APPROVER, **body)
    second = _open(service).id
    with pytest.raises(IllegalTransitionError):
        service.decide(second, APPROVER, **body)
    other_unit = service.case_of(_open(service))
    assert other_unit.unit_code == UNIT


def test_evidence_is_recorded_once_per_document(service: Enforcement) -> None:
    case_id = _open(service).id
    evidence = Evidence(
        kind=EvidenceKind.DOCUMENTARY,
        title="检验报告",
        sha256="a" * 64,
        collected_on=date(2026, 8, 3),
    )
    service.record_evidence(case_id, OFFICER, evidence=evidence)
    with pytest.raises(IllegalTransitionError):
        service.record_evidence(case_id, OFFICER, evidence=evidence)
    with pytest.raises(InvalidInputError):
        service.record_evidence(
            case_id,
            OFFICER,
            evidence=evidence.model_copy(
                update={"sha256": "b" * 64, "collected_on": date(2026, 8, 4)}
            ),
        )
