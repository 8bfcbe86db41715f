"""Every event of the aftercare aggregates (回访, 质企联系, 评议), for the
persistence and read-as-recorded round trips."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.licensing.follow_up import FollowUp, InformationKind, InformationPassed
from domain.licensing.liaison import Contact, Liaison
from domain.licensing.rating import HandlingRating
from domain.shared.audit import Role
from domain.shared.satisfaction import Rating
from tests.domain.conftest import (
    APPROVER,
    CLERK,
    granted,
    licence,
    staff_audit,
    system_audit,
)


def aftercare_lifecycles() -> list[list[Any]]:
    follow_up = FollowUp.after_grant(licence(), 6, APPROVER)  # due 2026-09-15
    follow_up.record_missed_visit(date(2026, 9, 16), system_audit())
    passed = InformationPassed(
        kind=InformationKind.LICENCE_CONDITION, content="许可条件调整"
    )
    follow_up.record_visit(
        date(2026, 10, 8), "运行正常", (passed,), date(2026, 10, 9), CLERK
    )
    decided = staff_audit(Role.APPROVER, reason="分片包干")
    liaison = Liaison.designate(
        uscc="91320803MA1XYW01X6",
        enterprise_name="连云港示例计量有限公司",
        contact=Contact(staff_no="V-1", name="李四"),
        unit_code="320803",
        since=date(2026, 11, 20),
        audit=decided,
    )
    liaison.record_visit(
        date(2026, 12, 1), ("台账不全",), "指导建立台账", date(2026, 12, 1), CLERK
    )
    liaison.record_missed_quarter(date(2027, 4, 1), system_audit())
    liaison.change_contact(
        Contact(staff_no="V-2", name="王五"), date(2027, 4, 2), decided
    )
    liaison.end(date(2027, 4, 3), decided)
    rating = HandlingRating.rate(
        granted(),
        Rating.SATISFIED,
        "办理很快",
        date(2026, 10, 12),
        CLERK,
        already_rated=False,
    )
    return [list(a.collect_events()) for a in (follow_up, liaison, rating)]
