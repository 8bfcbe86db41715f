"""Every event class of the inspections context, made by its real methods in
memory: the samples of the persistence round trip and of the recorded-event
proof (tests/domain/test_recorded.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from domain.inspections import draw
from domain.inspections.check_item import CheckItem, CheckItemTerms
from domain.inspections.inspection import (
    EquipmentCheck,
    Inspection,
    ItemResult,
    LabReport,
    Outcome,
    Sample,
    SampledFrom,
    SealKind,
)
from domain.inspections.inspector import Conflict, Inspector, InspectorProfile
from domain.inspections.meeting import MeetingRecord, QualityMeeting
from domain.inspections.nomination import Nominated, Nomination, SubjectKind
from domain.inspections.plan import (
    DirectoryEntry,
    HigherSample,
    InspectionPlan,
    PlanTerms,
    PoolEntry,
    Scope,
)
from domain.inspections.rules import CheckType, ItemKind, TargetKind
from domain.inspections.target import Target, TargetProfile
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.uscc import compose_uscc
from tests.domain.conftest import CALENDAR, CALENDAR_2027, staff_audit, system_audit

DAY = date(2026, 9, 18)
PLANNER = staff_audit(Role.PLANNER, "3208", "按计划", staff_no="P-1")
APPROVER = staff_audit(Role.APPROVER, "3208", "同意", staff_no="A-1")
LAB = staff_audit(Role.LABORATORY, "3208", staff_no="L-1")
CLOCK = system_audit()
POOL = ("J-1", "J-2", "J-3")
INSPECTIONS = (
    CheckItem,
    Target,
    Inspector,
    Nomination,
    QualityMeeting,
    InspectionPlan,
    Inspection,
)
FIRMS = tuple(compose_uscc("320803", f"LC{n:06d}") for n in range(1, 5))
TERMS = CheckItemTerms(
    code="LC-001",
    name="抽查",
    legal_basis="《产品质量法》第15条",
    kind=ItemKind.GENERAL,
    target_kind=TargetKind.PRODUCT,
    line="product_quality",
    max_ratio_permille=800,
)


def inspector(staff_no: str) -> Audit:
    return staff_audit(Role.INSPECTOR, "3208", "依法检查", staff_no=staff_no)


def _directories() -> list[Any]:
    item = CheckItem.list(TERMS, PLANNER)
    item.retire(PLANNER)
    profile = TargetProfile(
        uscc=FIRMS[0], name="厂", region_code="320803", industry="C3849"
    )
    target = Target.list(profile, PLANNER)
    target.update(profile.model_copy(update={"abnormal": True}), PLANNER)
    target.record_inspected("LC-001", uuid4(), DAY, False, PLANNER)
    pool = InspectorProfile(
        staff_no="J-1", name="检查员", unit_code="3208", lines=("product_quality",)
    )
    member = Inspector.list(pool, PLANNER)
    member.update(pool.model_copy(update={"qualifications": ("执法证1",)}), PLANNER)
    member.declare_conflict(Conflict(uscc=FIRMS[0], relation="亲属"), PLANNER)
    public = Audit(
        actor=Actor(kind=ActorKind.PUBLIC, id="public", name="公众"), request_id="r"
    )
    nomination = Nomination.submit(
        "DC20260918000001",
        Nominated(
            kind=SubjectKind.PRODUCT,
            subject="加油机",
            region_code="320803",
            reason="不足",
        ),
        DAY,
        public,
    )
    nomination.include_in(uuid4(), "CC-3208-2026-00001", PLANNER)
    meeting = QualityMeeting.hold(
        "ZF-3208-2026-00001",
        "3208",
        MeetingRecord(
            title="质量分析会",
            held_on=DAY,
            industry="C38",
            invited=FIRMS[:2],
            attended=FIRMS[:1],
            conclusions="整改",
        ),
        PLANNER,
    )
    return [item, target, member, nomination, meeting]


def _plan() -> InspectionPlan:
    plan = InspectionPlan.draft(
        "CC-3208-2026-00001",
        "3208",
        PlanTerms(
            title="计划",
            item_code="LC-001",
            period_from=DAY,
            period_to=DAY + timedelta(days=90),
            scope=Scope(region="3208"),
            count=2,
            higher_samples=(HigherSample(uscc=FIRMS[3], level="省级", reference="1"),),
        ),
        TERMS,
        True,
        PLANNER,
    )
    plan.approve(APPROVER)
    plan.file("320000", DAY, "备案", PLANNER)
    entries = [
        DirectoryEntry(uscc=u, name=f"厂{n}", region_code="320803", industry="C3849")
        for n, u in enumerate(FIRMS)
    ]
    pool = [
        PoolEntry(staff_no=s, unit_code="3208", lines=("product_quality",))
        for s in POOL
    ]
    plan.commit(entries, pool, draw.new_secret(), PLANNER)
    plan.abandon_commitment(PLANNER)
    plan.commit(entries, pool, draw.new_secret(), PLANNER)
    plan.make_draw("42", "见证人", DAY, PLANNER)
    first = plan.assignments[0]
    plan.recuse(first.uscc, first.inspectors[0], PLANNER)
    plan.publish_results(DAY, PLANNER)
    return plan


def _inspection(n: int, kind: TargetKind = TargetKind.PRODUCT) -> Inspection:
    return Inspection(
        audit=PLANNER,
        number=f"CC-3208-2026-00001-{n:03d}",
        plan_id=uuid4(),
        plan_number="CC-3208-2026-00001",
        item_code="LC-001",
        target_kind=kind,
        uscc=FIRMS[n % 4],
        name="厂",
        region_code="320803",
        industry="C3849",
        unit_code="3208",
        inspectors=("J-1", "J-2"),
        nominated=False,
    )


def _report(lab: str, conforming: bool) -> LabReport:
    return LabReport(
        laboratory=lab,
        report_number="JY-1",
        items=(ItemResult(name="泄漏电流", conforming=conforming),),
        tested_on=DAY,
    )


def _inspections() -> list[Inspection]:
    me = inspector("J-1")
    sample = Sample(
        product="电热水壶",
        batch="1",
        quantity="2 台",
        sampled_from=SampledFrom.AWAITING_SALE,
        sampled_on=DAY,
    )
    full = _inspection(1)
    full.replace_inspector("J-2", "J-3", PLANNER)
    full.record_sampling(sample, DAY, me)
    full.record_test(_report("市所", False), DAY, LAB)
    full.notify_result(DAY, DAY, CALENDAR, me)
    full.file_objection(DAY, "异议", DAY, CALENDAR, me)
    full.decide_objection(True, DAY, APPROVER)
    full.record_retest(_report("省院", False), DAY, LAB)
    full.order_rectification(DAY + timedelta(days=30), "整改", DAY, me)
    full.receive_rectification_report(DAY, DAY, CALENDAR, me)
    full.record_missed("recheck", date(2026, 10, 12), CLOCK)
    full.record_recheck(True, "合格", date(2026, 10, 12), me)

    equipment = _inspection(2, TargetKind.SPECIAL_EQUIPMENT)
    check = EquipmentCheck(
        check_type=CheckType.ROUTINE,
        equipment_code="1",
        findings="隐患",
        failed_items=("限速器",),
        checked_on=DAY,
    )
    equipment.record_check(check, DAY, me)
    equipment.seal_up(SealKind.SEALING, ("电梯",), DAY, me)
    equipment.notify_result(DAY, DAY, CALENDAR, me)
    equipment.close_objection_window(date(2026, 10, 9), CLOCK)
    equipment.record_follow_up(
        Outcome.ENFORCEMENT, "立案1", date(2026, 10, 9), APPROVER
    )

    # A re-check due in 2027, a year with no notice yet: provisional until a
    # 2027 notice is published, then recomputed.
    provisional = _inspection(3)
    late = date(2026, 12, 24)
    provisional.record_sampling(
        sample.model_copy(update={"sampled_on": late}), late, me
    )
    provisional.record_test(
        _report("市所", False).model_copy(update={"tested_on": late}), late, LAB
    )
    provisional.notify_result(late, late, CALENDAR, me)
    provisional.order_rectification(late + timedelta(days=5), "整改", late, me)
    provisional.receive_rectification_report(late, late, CALENDAR, me)
    provisional.recompute_deadlines(CALENDAR_2027, CLOCK)
    return [full, equipment, provisional]


def inspections_lifecycles() -> list[list[Any]]:
    aggregates = [*_directories(), _plan(), *_inspections()]
    return [list(a.collect_events()) for a in aggregates]
