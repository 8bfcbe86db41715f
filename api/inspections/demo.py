"""The inspections demo: a directory of 300 firms and a pool of six
inspectors (CSV imports), the item list, one plan drawn verifiably and
completed — failures, an objection and its re-test, a rectification
re-checked, a firm sent to enforcement — its results published, public
nominations and a quality analysis meeting. Everything through the service,
on a demo clock; the firms and people are invented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.host.demo import CITY, HUAIAN, HUAIYIN
from api.host.storage import Services
from api.inspections import service
from domain.inspections.check_item import CheckItemTerms
from domain.inspections.inspection import (
    Inspection,
    ItemResult,
    LabReport,
    Outcome,
    Sample,
    SampledFrom,
)
from domain.inspections.meeting import MeetingRecord
from domain.inspections.nomination import Nominated, SubjectKind
from domain.inspections.plan import (
    DirectoryEntry,
    InspectionPlan,
    PlanTerms,
    PoolEntry,
    Scope,
)
from domain.inspections.rules import ItemKind, TargetKind, Weighting
from domain.inspections.service import Inspections
from domain.inspections.target import Target, target_id
from domain.shared.audit import SYSTEM_DEMO, Actor, ActorKind, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.store import Want
from domain.shared.uscc import compose_uscc

STAFF = [
    ("JC-001", "高远", Role.PLANNER),
    *((f"JC-{n:03d}", f"检查员{n}", Role.INSPECTOR) for n in range(2, 8)),
    ("JC-008", "淮安市产品质量监督检验所", Role.LABORATORY),
]
PRODUCTS = ("电热水壶", "电饭锅", "插座", "儿童玩具")


def firm(n: int) -> str:
    return compose_uscc(HUAIAN if n % 2 else HUAIYIN, f"DM{n:06d}")


def load_demo(services: Services, data_dir: Path) -> list[str]:
    inspections = service(services)
    real = inspections.clock
    clock = FixedClock(datetime.now(UTC) - timedelta(days=40))
    inspections.clock = clock
    try:
        return _walk(services, inspections, clock)
    finally:
        inspections.clock = real


def _as(
    services: Services, staff_no: str, role: Role, reason: str | None = None
) -> Audit:
    actor = services.registry.get_staff(staff_no).actor(role)
    return Audit(
        actor=actor, request_id="demo", reason=reason, causation="command:demo"
    )


def _walk(services: Services, s: Inspections, clock: FixedClock) -> list[str]:
    boot = Audit(actor=SYSTEM_DEMO, request_id="demo", causation="command:demo")
    lines = []
    for staff_no, name, role in STAFF:
        services.registry.enrol_staff(staff_no, name, CITY, frozenset({role}), boot)
        secret, _ = services.registry.issue_token(staff_no, "demo", boot)
        lines.append(f"{role.value:<9} {staff_no}  {name}  unit {CITY}  token {secret}")
    planner = _as(services, "JC-001", Role.PLANNER, "按年度抽查计划")
    s.list_item(
        audit=planner,
        terms=CheckItemTerms(
            code="CJ-001",
            name="家用电器及电子产品质量监督抽查",
            legal_basis="《中华人民共和国产品质量法》第十五条",
            kind=ItemKind.GENERAL,
            target_kind=TargetKind.PRODUCT,
            line="product_quality",
            max_ratio_permille=100,
        ),
    )
    header = (
        "uscc,name,region_code,industry,products,risk_tags,priority,abnormal,complaints"
    )
    rows = [
        f"{firm(n)},淮安演示电器厂{n:03d},{HUAIAN if n % 2 else HUAIYIN},C38{n % 9 + 1:02d},"
        f"{PRODUCTS[n % 4]},,{'school' if n % 37 == 0 else ''},{'是' if n % 23 == 0 else '否'},{(n % 5 == 0 and 2) or 0}"
        for n in range(1, 301)
    ]
    s.import_targets(planner, "\n".join([header, *rows]))
    pool = ["staff_no,lines,qualifications,active"] + [
        f"JC-{n:03d},product_quality,苏执法证{n:04d},是" for n in range(2, 8)
    ]
    s.import_inspectors(planner, "\n".join(pool))
    public = Audit(
        actor=Actor(kind=ActorKind.PUBLIC, id="public:nomination-form", name="公众"),
        request_id="demo",
    )
    nominated = s.nominate(
        public,
        Nominated(
            kind=SubjectKind.ENTERPRISE,
            subject="淮安演示电器厂007",
            region_code=HUAIAN,
            uscc=firm(7),
            reason="网购电热水壶通电后外壳带电",
        ),
    )
    s.nominate(
        public,
        Nominated(
            kind=SubjectKind.PRODUCT,
            subject="加油机",
            region_code=HUAIYIN,
            reason="加油量明显不足（你点我查）",
        ),
    )
    plan_id = s.draft_plan(
        audit=planner,
        terms=PlanTerms(
            title="2026年家用电器产品质量监督抽查",
            item_code="CJ-001",
            period_from=clock.now().date().replace(month=1, day=1),
            period_to=clock.now().date().replace(month=12, day=31),
            scope=Scope(region=CITY, industries=("C38",)),
            count=10,
            weighting=Weighting(priority=2, abnormal=2, complaints=1),
            included=(firm(7),),
            nominations=(nominated.id,),
        ),
    ).id
    s.approve_plan(plan_id, _as(services, "SJ-002", Role.APPROVER, "同意抽查计划"))
    s.file_plan(plan_id, planner, "320000", clock.now().date(), "淮市监备〔2026〕12号")
    s.commit_draw(plan_id, planner, _entries(s), _pool(s))
    clock.advance(timedelta(days=1))
    s.make_draw(plan_id, planner, "2026年演示见证值 58213", "公证员 王公证")
    plan = s.load(InspectionPlan, plan_id, "plan")
    for n, a in enumerate(plan.assignments):
        _inspect(services, s, clock, a.inspection_id, failing=n in (0, 3, 6), step=n)
    s.publish_results(plan_id, _as(services, "JC-001", Role.PLANNER, "抽查结果公示"))
    s.record_meeting(
        audit=planner,
        record=MeetingRecord(
            title="2026年家用电器行业质量分析会",
            held_on=clock.now().date(),
            industry="C38",
            invited=tuple(a.uscc for a in plan.assignments[:3]),
            attended=tuple(a.uscc for a in plan.assignments[:2]),
            conclusions="泄漏电流、标志说明为共性问题；相关企业限期整改并报送整改报告。",
        ),
    )
    lines.append(f"plan {plan.number}: 10 firms drawn, results published")
    return lines


def _inspect(
    services: Services,
    s: Inspections,
    clock: FixedClock,
    inspection_id: object,
    *,
    failing: bool,
    step: int,
) -> None:
    i = s.load(Inspection, inspection_id, "inspection")  # type: ignore[arg-type]
    me = _as(services, i.inspectors[0], Role.INSPECTOR, "依法抽查")
    today = clock.now().date()
    s.record_sampling(
        i.id,
        me,
        Sample(
            product=PRODUCTS[step % 4],
            batch=f"2026{step:02d}01",
            quantity="4 件",
            sampled_from=SampledFrom.AWAITING_SALE,
            sampled_on=today,
        ),
    )
    items = (
        ItemResult(name="泄漏电流", conforming=not failing),
        ItemResult(name="标志和说明", conforming=not (failing and step == 3)),
        ItemResult(name="输入功率", conforming=True),
    )
    lab = _as(services, "JC-008", Role.LABORATORY)
    report = LabReport(
        laboratory="淮安市产品质量监督检验所",
        report_number=f"JY2026-{step:04d}",
        items=items,
        tested_on=today,
    )
    s.record_test(i.id, lab, report)
    s.notify_result(i.id, me, today)
    if not failing:
        return
    if step == 0:  # an objection, accepted; the re-test upholds the result
        s.file_objection(i.id, me, today, "对泄漏电流检验结果有异议")
        s.decide_objection(
            i.id, _as(services, "SJ-002", Role.APPROVER, "符合复检条件"), True
        )
        s.record_retest(
            i.id,
            lab,
            report.model_copy(
                update={
                    "laboratory": "江苏省产品质量监督检验研究院",
                    "report_number": "FJ2026-0001",
                }
            ),
        )
    s.order_rectification(
        i.id,
        me.because("不合格，责令整改"),
        today + timedelta(days=30),
        "停止销售不合格批次并整改",
    )
    s.receive_rectification_report(i.id, me, today)
    if step == 6:
        s.record_recheck(i.id, me, False, "复查仍不合格")
    else:
        s.record_recheck(i.id, me, True, "已整改到位")
    if step in (3, 6):
        clock.advance(timedelta(days=16))
        s.close_objection_window(
            i.id, Audit(actor=Actor.system("clock"), request_id="demo")
        )
        if step == 6:
            s.record_follow_up(
                i.id,
                _as(services, "SJ-002", Role.APPROVER, "复查仍不合格，移送立案"),
                Outcome.ENFORCEMENT,
                "淮市监立〔2026〕8号",
            )


def _entries(s: Inspections) -> list[DirectoryEntry]:
    # One round trip for the 300 (the demo runs before any projection).
    found = s.read(*(Want(s, Target, target_id(firm(n))) for n in range(1, 301)))
    return [
        DirectoryEntry(
            uscc=t.profile.uscc,
            name=t.profile.name,
            region_code=t.profile.region_code,
            industry=t.profile.industry,
            products=t.profile.products,
            priority=bool(t.profile.priority),
            abnormal=t.profile.abnormal,
            complaints=t.profile.complaints,
        )
        for t in found
        if t is not None
    ]


def _pool(s: Inspections) -> list[PoolEntry]:
    return [
        PoolEntry(staff_no=f"JC-{n:03d}", unit_code=CITY, lines=("product_quality",))
        for n in range(2, 8)
    ]
