"""Penalty cases driven through every event their aggregates declare, for
the persistence and read-as-recorded proofs (test_persistence_roundtrip,
test_recorded)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.enforcement.case import DecisionNumber
from domain.enforcement.terms import (
    DecisionRevocationGround,
    Evidence,
    EvidenceKind,
    ExcludedPeriod,
    NoPenaltyGround,
    ServiceMethod,
)
from tests.domain.conftest import CALENDAR, system_audit
from tests.domain.test_enforcement import APPROVER, OFFICER, decision, opened


def enforcement_lifecycles() -> list[list[Any]]:
    case = opened(date(2026, 7, 1))
    case.record_evidence(
        Evidence(
            kind=EvidenceKind.DOCUMENTARY,
            title="检验报告",
            sha256="a" * 64,
            collected_on=date(2026, 7, 2),
        ),
        date(2026, 7, 3),
        OFFICER,
    )
    case.exclude_period(ExcludedPeriod.TESTING, date(2026, 7, 10), OFFICER)
    case.resume_period(date(2026, 7, 14), CALENDAR, OFFICER)
    case.extend_decision_limit(date(2026, 8, 1), CALENDAR, APPROVER)
    case.notify_hearing_right(date(2026, 8, 3), CALENDAR, OFFICER)
    case.request_hearing(date(2026, 8, 4), OFFICER)
    case.hold_hearing(date(2026, 8, 14), CALENDAR, OFFICER)
    case.decide(decision(date(2026, 8, 17)), CALENDAR, APPROVER)
    case.record_missed("service", date(2026, 8, 27), system_audit())
    case.serve(
        date(2026, 8, 28), ServiceMethod.POST, date(2026, 8, 28), CALENDAR, OFFICER
    )
    case.approve_instalments(2, date(2026, 10, 30), APPROVER)
    case.record_payment(1_000_00, date(2026, 9, 1), date(2026, 9, 1), OFFICER)
    case.apply_enforcement(date(2026, 11, 2), OFFICER)
    case.close(date(2026, 11, 3), APPROVER)
    case.revoke_decision(
        DecisionRevocationGround.RECONSIDERATION, date(2026, 11, 20), APPROVER
    )
    limit = case.decision_limit
    case.trigger_event(
        case.DeadlinesRecomputed,
        audit=system_audit(),
        calendar_version="test",
        limits={"decision": limit},
    )
    waived = opened(date(2026, 7, 1))
    waived.notify_hearing_right(date(2026, 8, 3), CALENDAR, OFFICER)
    waived.waive_hearing(date(2026, 8, 4), CALENDAR, OFFICER)
    waived.decide_no_penalty(NoPenaltyGround.CASE_WITHDRAWN, date(2026, 8, 5), APPROVER)
    number = DecisionNumber(
        audit=APPROVER,
        unit_code="320803",
        number="淮区市监罚〔2026〕1号",
        case_id=case.id,
    )
    return [list(a.collect_events()) for a in (case, waived, number)]
