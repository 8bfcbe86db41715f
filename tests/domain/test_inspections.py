"""Inspections (DOMAIN §4): the item list, the two directories, plans and their
verifiable draw, and an inspection's lifecycle, through the service in memory.

Dates were counted by hand on the 2026 calendar (中秋 9/25–9/27, 国庆
10/1–10/7; make-up working days Sun 9/20 and Sat 10/10):
- the objection window, 15 calendar days from receipt on Fri 9/18: 9/19 =1 …
  10/3 =15, a 国庆 holiday, so the last day moves to the first working day
  after it (民法典 Art. 203): Thu 10/8;
- the decision on an objection filed Wed 9/30, 3 working days: 10/1–10/7 off,
  10/8 =1, 10/9 =2, Sat 10/10 (调休) =3 → Sat 10/10;
- the re-check, 10 working days from a report received Fri 9/18: Sun 9/20 =1,
  9/21–24 =2..5, 9/25–27 off, 9/28–30 =6..8, 10/1–7 off, 10/8 =9,
  10/9 =10 → Fri 10/9.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from domain.inspections import draw
from domain.inspections.check_item import CheckItemTerms
from domain.inspections.inspection import (
    DeadlineKind,
    EquipmentCheck,
    Inspection,
    ItemResult,
    LabReport,
    Outcome,
    Rectification,
    Sample,
    SampledFrom,
    SealKind,
    Stage,
)
from domain.inspections.inspector import Conflict, Inspector, inspector_id
from domain.inspections.nomination import Nominated, SubjectKind
from domain.inspections.plan import (
    DirectoryEntry,
    HigherSample,
    InspectionPlan,
    PlanTerms,
    PoolEntry,
    Scope,
    Status,
)
from domain.inspections.rules import CheckType, ItemKind, TargetKind
from domain.inspections.service import Inspections
from domain.inspections.target import Target, target_id
from domain.registry.service import Registry
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
)
from domain.shared.uscc import compose_uscc
from tests.domain.conftest import (
    BOOTSTRAP,
    CALENDAR,
    POPO,
    at_shanghai,
    staff_audit,
    system_audit,
)

COUNTY = "320803"
OTHER_COUNTY = "320804"
CITY = "320800"
TODAY = date(2026, 9, 18)
PLANNER = staff_audit(Role.PLANNER, CITY, "按年度计划", staff_no="P-1")
APPROVER = staff_audit(Role.APPROVER, CITY, "同意", staff_no="A-1")
LAB = staff_audit(Role.LABORATORY, CITY, staff_no="L-1")
CLOCK = system_audit()
INSPECTORS = [f"J-{n}" for n in range(1, 7)]


def inspector(staff_no: str, reason: str | None = "依法检查") -> Audit:
    return staff_audit(Role.INSPECTOR, CITY, reason, staff_no=staff_no)


def uscc(n: int, region: str = COUNTY) -> str:
    return compose_uscc(region, f"{n:08d}")


FIRMS = [uscc(n) for n in range(1, 13)]


def targets_csv(rows: list[str]) -> str:
    header = (
        "uscc,name,region_code,industry,products,risk_tags,priority,abnormal,complaints"
    )
    return "\n".join([header, *rows]) + "\n"


def firm_row(n: int, **kw: str) -> str:
    fields = {
        "uscc": uscc(n),
        "name": f"某某电器厂{n}",
        "region_code": COUNTY,
        "industry": "C3849",
        "products": "电热水壶;电饭锅",
        "risk_tags": "",
        "priority": "",
        "abnormal": "否",
        "complaints": "0",
    } | kw
    return ",".join(fields.values())


ITEM = CheckItemTerms(
    code="CJ-001",
    name="电热水壶产品质量监督抽查",
    legal_basis="《产品质量法》第15条",
    kind=ItemKind.GENERAL,
    target_kind=TargetKind.PRODUCT,
    line="product_quality",
    max_ratio_permille=500,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at_shanghai(TODAY))


@pytest.fixture
def service(clock: FixedClock) -> Iterator[Inspections]:
    registry = Registry(env=POPO)
    for code, name in (
        (COUNTY, "海州区局"),
        (OTHER_COUNTY, "连云区局"),
        (CITY, "市局"),
    ):
        registry.establish_unit(code, name, BOOTSTRAP)
    for staff_no in INSPECTORS:
        registry.enrol_staff(
            staff_no, f"检查员{staff_no}", CITY, frozenset({Role.INSPECTOR}), BOOTSTRAP
        )
    registry.enrol_staff("C-1", "窗口", CITY, frozenset({Role.CLERK}), BOOTSTRAP)
    s = Inspections(POPO, registry=registry, calendar=CALENDAR, clock=clock)
    yield s
    s.close()


def pool_csv(*rows: str) -> str:
    return "\n".join(["staff_no,lines,qualifications,active", *rows]) + "\n"


def loaded(service: Inspections) -> Inspections:
    service.list_item(audit=PLANNER, terms=ITEM)
    service.import_targets(PLANNER, targets_csv([firm_row(n) for n in range(1, 13)]))
    service.import_inspectors(
        PLANNER, pool_csv(*(f"{s},product_quality,执法证{s},是" for s in INSPECTORS))
    )
    return service


def entries(service: Inspections) -> list[DirectoryEntry]:
    out = []
    for u in FIRMS:
        t = service.find(Target, target_id(u))
        assert t is not None
        p = t.profile
        out.append(
            DirectoryEntry(
                uscc=p.uscc,
                name=p.name,
                region_code=p.region_code,
                industry=p.industry,
                products=p.products,
                priority=bool(p.priority),
                abnormal=p.abnormal,
                complaints=p.complaints,
            )
        )
    return out


def pool(service: Inspections) -> list[PoolEntry]:
    out = []
    for s in INSPECTORS:
        i = service.find(Inspector, inspector_id(s))
        assert i is not None
        out.append(
            PoolEntry(
                staff_no=s,
                unit_code=i.profile.unit_code,
                lines=i.profile.lines,
                active=i.profile.active,
                conflicts=tuple(i.conflicts),
            )
        )
    return out


def terms(**kw: object) -> PlanTerms:
    base: dict[str, object] = {
        "title": "2026年电热水壶监督抽查",
        "item_code": "CJ-001",
        "period_from": date(2026, 9, 1),
        "period_to": date(2026, 12, 31),
        "scope": Scope(region=CITY, industries=("C38",)),
        "count": 4,
    }
    return PlanTerms.model_validate(base | kw)


def approved_plan(service: Inspections, **kw: object) -> InspectionPlan:
    plan_id = service.draft_plan(audit=PLANNER, terms=terms(**kw)).id
    service.approve_plan(plan_id, APPROVER)
    service.file_plan(plan_id, PLANNER, "320000", TODAY, "苏市监备〔2026〕1号")
    return service.load(InspectionPlan, plan_id, "plan")


def drawn_plan(service: Inspections, **kw: object) -> InspectionPlan:
    plan = approved_plan(loaded(service), **kw)
    service.commit_draw(plan.id, PLANNER, entries(service), pool(service))
    service.make_draw(plan.id, PLANNER, "见证人读出的数字 739201", "公证员 李四")
    return service.load(InspectionPlan, plan.id, "plan")


# -- the item list and the directories ----------------------------------------------


def test_a_general_item_caps_its_ratio_and_a_priority_item_has_none(
    service: Inspections,
) -> None:
    uncapped = ITEM.model_copy(update={"max_ratio_permille": None})
    with pytest.raises(InvalidInputError, match="caps its ratio"):
        service.list_item(audit=PLANNER, terms=uncapped)
    capped = ITEM.model_copy(update={"kind": ItemKind.PRIORITY})
    with pytest.raises(InvalidInputError, match="no upper ratio"):
        service.list_item(audit=PLANNER, terms=capped)


def test_an_item_is_listed_once(service: Inspections) -> None:
    service.list_item(audit=PLANNER, terms=ITEM)
    with pytest.raises(IllegalTransitionError, match="already listed"):
        service.list_item(audit=PLANNER, terms=ITEM)


def test_a_target_import_records_each_row_and_a_repeat_changes_nothing(
    service: Inspections,
) -> None:
    csv_text = targets_csv([firm_row(1), firm_row(2, priority="school", abnormal="是")])
    report = service.import_targets(PLANNER, csv_text)
    assert (report.rows, report.listed, report.updated) == (2, 2, 0)
    target = service.find(Target, target_id(uscc(2)))
    assert target is not None
    assert target.profile.abnormal
    assert target.profile.products == ("电热水壶", "电饭锅")
    again = service.import_targets(PLANNER, csv_text)
    assert (again.listed, again.updated, again.unchanged, again.position) == (
        0,
        0,
        2,
        0,
    )
    renamed = service.import_targets(PLANNER, targets_csv([firm_row(1, name="新名称")]))
    assert (renamed.updated, renamed.listed) == (1, 0)


def test_a_bad_import_lists_every_bad_row_and_records_nothing(
    service: Inspections,
) -> None:
    rows = [
        firm_row(1),
        firm_row(2, uscc="91320803000000000X"),  # a wrong check character
        firm_row(3, industry="Z99"),
        firm_row(4, abnormal="maybe"),
        firm_row(5, region_code=OTHER_COUNTY),
        firm_row(1),  # twice
    ]
    with pytest.raises(InvalidInputError) as refused:
        service.import_targets(
            staff_audit(Role.PLANNER, COUNTY, staff_no="P-2"), targets_csv(rows)
        )
    faults = {(e["row"], e["field"]) for e in refused.value.errors}
    assert {(3, "uscc"), (4, "industry"), (5, "abnormal"), (6, "region_code")} <= faults
    assert any(
        e["field"] == "uscc" and "twice" in str(e["message"])
        for e in refused.value.errors
    )
    assert service.find(Target, target_id(uscc(1))) is None


def test_a_malformed_csv_is_refused_outright(service: Inspections) -> None:
    for text, why in (
        ("", "header"),
        ("uscc,name\n", "header"),
        (targets_csv([]), "no data rows"),
        (targets_csv([firm_row(1) + ",extra"]), "fields"),
        (targets_csv([firm_row(1).replace("某", "\x00")]), "NUL"),
    ):
        with pytest.raises(InvalidInputError, match=why):
            service.import_targets(PLANNER, text)


def test_the_pool_takes_staff_holding_the_inspector_role(service: Inspections) -> None:
    with pytest.raises(InvalidInputError) as refused:
        service.import_inspectors(
            PLANNER,
            pool_csv(
                "J-1,product_quality,,是",
                "C-1,product_quality,,是",
                "X-9,product_quality,,是",
                "J-2,Bad Line,,是",
            ),
        )
    faults = {(e["row"], e["field"]) for e in refused.value.errors}
    assert {(3, "staff_no"), (4, "staff_no"), (5, "lines")} <= faults
    report = service.import_inspectors(
        PLANNER, pool_csv("J-1,product_quality;special_equipment,执法证1,是")
    )
    assert report.listed == 1
    j1 = service.find(Inspector, inspector_id("J-1"))
    assert j1 is not None
    assert j1.profile.name == "检查员J-1"  # the registry's name, one name per thing


def test_an_inspector_declares_only_their_own_conflicts(service: Inspections) -> None:
    loaded(service)
    j1 = inspector_id("J-1")
    conflict = Conflict(uscc=uscc(1), relation="配偶任该企业质量负责人")
    with pytest.raises(PermissionDeniedError, match="their own"):
        service.declare_conflict(j1, inspector("J-2", "如实申报"), conflict)
    service.declare_conflict(j1, inspector("J-1", "如实申报"), conflict)
    with pytest.raises(IllegalTransitionError, match="already declared"):
        service.declare_conflict(j1, PLANNER, conflict)


def test_only_a_planner_imports(service: Inspections) -> None:
    with pytest.raises(PermissionDeniedError):
        service.import_targets(inspector("J-1"), targets_csv([firm_row(1)]))


# -- plans ----------------------------------------------------------------------------------


def test_a_plan_draws_a_count_or_a_ratio_within_the_items_cap(
    service: Inspections,
) -> None:
    loaded(service)
    with pytest.raises(InvalidInputError, match="either a count or a ratio"):
        service.draft_plan(audit=PLANNER, terms=terms(ratio_permille=100))
    with pytest.raises(InvalidInputError, match="capped at 500"):
        service.draft_plan(audit=PLANNER, terms=terms(count=None, ratio_permille=600))
    with pytest.raises(InvalidInputError, match="at least 2 inspectors"):
        service.draft_plan(audit=PLANNER, terms=terms(inspectors_per_target=1))
    with pytest.raises(InvalidInputError, match="outside unit"):
        service.draft_plan(
            audit=staff_audit(Role.PLANNER, COUNTY, staff_no="P-2"),
            terms=terms(scope=Scope(region=OTHER_COUNTY)),
        )


def test_a_plan_is_approved_then_filed_with_the_level_above(
    service: Inspections,
) -> None:
    loaded(service)
    plan_id = service.draft_plan(audit=PLANNER, terms=terms()).id
    with pytest.raises(IllegalTransitionError, match="drafted, not approved"):
        service.file_plan(plan_id, PLANNER, "320000", TODAY, "备案1")
    with pytest.raises(PermissionDeniedError):
        service.approve_plan(plan_id, PLANNER)
    service.approve_plan(plan_id, APPROVER)
    with pytest.raises(InvalidInputError, match="level above"):
        service.file_plan(plan_id, PLANNER, "330000", TODAY, "备案1")
    service.file_plan(plan_id, PLANNER, "320000", TODAY, "备案1")
    assert service.load(InspectionPlan, plan_id, "plan").status is Status.FILED


def test_the_draw_is_committed_before_and_verifiable_after(
    service: Inspections,
) -> None:
    plan = approved_plan(loaded(service))
    with pytest.raises(IllegalTransitionError, match="filed, not committed"):
        service.make_draw(plan.id, PLANNER, "1234", "见证人")
    service.commit_draw(plan.id, PLANNER, entries(service), pool(service))
    committed = service.load(InspectionPlan, plan.id, "plan").published()
    assert committed["secret"] is None
    assert committed["result"] == []
    assert len(committed["commitment"]["seed_sha256"]) == 64
    result = service.make_draw(plan.id, PLANNER, "739201", "公证员 李四")
    plan = service.load(InspectionPlan, plan.id, "plan")
    document = plan.published()
    assert draw.verify(document) == []
    assert document["commitment"] == committed["commitment"]
    assert len(plan.assignments) == 4
    for a in plan.assignments:
        assert len(a.inspectors) == 2
        inspection = service.load(Inspection, a.inspection_id, "inspection")
        assert inspection.inspectors == a.inspectors
        assert inspection.industry == "C3849"
    assert result.position > 0


def test_a_draw_changes_with_the_public_value(service: Inspections) -> None:
    plan = approved_plan(loaded(service))
    service.commit_draw(plan.id, PLANNER, entries(service), pool(service))
    snapshot = service.load(InspectionPlan, plan.id, "plan").snapshot
    secret = service.load(InspectionPlan, plan.id, "plan")._commitment().secret
    results = {draw.draw(snapshot, secret, str(v)) for v in range(20)}
    assert len(results) > 1


def test_an_abandoned_commitment_stays_in_the_history(service: Inspections) -> None:
    plan = approved_plan(loaded(service))
    service.commit_draw(plan.id, PLANNER, entries(service), pool(service))
    service.abandon_commitment(plan.id, PLANNER)
    service.commit_draw(plan.id, PLANNER, entries(service), pool(service))
    types = [type(e).__name__ for e in service.history(plan.id)]
    assert types.count("Committed") == 2
    assert "CommitmentAbandoned" in types


def test_higher_samples_are_excluded_and_nominated_firms_drawn_first(
    service: Inspections,
) -> None:
    plan = drawn_plan(
        service,
        higher_samples=(
            HigherSample(uscc=uscc(1), level="省级", reference="苏2026-1"),
        ),
        included=(uscc(5),),
    )
    drawn = [a.uscc for a in plan.assignments]
    assert uscc(1) not in drawn
    assert drawn[0] == uscc(5)
    assert plan.assignments[0].nominated
    assert uscc(1) not in [c.uscc for c in plan.snapshot.candidates]


def test_a_nominated_firm_out_of_scope_is_refused(service: Inspections) -> None:
    plan = approved_plan(
        loaded(service),
        higher_samples=(
            HigherSample(uscc=uscc(1), level="省级", reference="苏2026-1"),
        ),
        included=(uscc(1),),
    )
    with pytest.raises(InvalidInputError, match="not in scope or excluded"):
        service.commit_draw(plan.id, PLANNER, entries(service), pool(service))


def test_declared_conflicts_keep_an_inspector_from_a_firm(service: Inspections) -> None:
    loaded(service)
    for s in INSPECTORS[:3]:
        for u in FIRMS:
            service.declare_conflict(
                inspector_id(s), PLANNER, Conflict(uscc=u, relation="曾任职")
            )
    plan = approved_plan(service)
    service.commit_draw(plan.id, PLANNER, entries(service), pool(service))
    service.make_draw(plan.id, PLANNER, "42", "见证人")
    plan = service.load(InspectionPlan, plan.id, "plan")
    assert {s for a in plan.assignments for s in a.inspectors} <= set(INSPECTORS[3:])


def test_a_recusal_redraws_the_slot_verifiably(service: Inspections) -> None:
    plan = drawn_plan(service)
    first = plan.assignments[0]
    leaving = first.inspectors[0]
    service.recuse(plan.id, PLANNER, first.uscc, leaving)
    plan = service.load(InspectionPlan, plan.id, "plan")
    now = plan.assignments[0].inspectors
    assert leaving not in now
    assert len(now) == 2
    inspection = service.load(Inspection, first.inspection_id, "inspection")
    assert inspection.inspectors == now
    document = plan.published()
    assert len(document["recusals"]) == 1
    assert draw.verify(document) == []


def test_the_pool_must_hold_two_inspectors_of_the_line(service: Inspections) -> None:
    plan = approved_plan(loaded(service))
    with pytest.raises(InvalidInputError, match="each target needs 2"):
        service.commit_draw(plan.id, PLANNER, entries(service), pool(service)[:1])


# -- the inspection -------------------------------------------------------------------


def first_inspection(service: Inspections) -> Inspection:
    plan = drawn_plan(service)
    return service.load(Inspection, plan.assignments[0].inspection_id, "inspection")


SAMPLE = Sample(
    product="电热水壶",
    batch="20260801",
    quantity="4 台",
    sampled_from=SampledFrom.AWAITING_SALE,
    sampled_on=TODAY,
)


def failing(lab: str = "市产品质量监督检验所", on: date = TODAY) -> LabReport:
    return LabReport(
        laboratory=lab,
        report_number="JY2026-0001",
        items=(
            ItemResult(
                name="泄漏电流",
                conforming=False,
                value="0.9 mA",
                requirement="≤0.75 mA",
            ),
            ItemResult(name="标志和说明", conforming=True),
        ),
        tested_on=on,
    )


def notified(service: Inspections) -> tuple[Inspection, Audit]:
    i = first_inspection(service)
    who = inspector(i.inspectors[0])
    service.record_sampling(i.id, who, SAMPLE)
    service.record_test(i.id, LAB, failing())
    service.notify_result(i.id, who, TODAY)
    return service.load(Inspection, i.id, "inspection"), who


def test_only_the_drawn_inspectors_act_on_an_inspection(service: Inspections) -> None:
    i = first_inspection(service)
    stranger = next(s for s in INSPECTORS if s not in i.inspectors)
    with pytest.raises(PermissionDeniedError, match="not drawn"):
        service.record_sampling(i.id, inspector(stranger), SAMPLE)


def test_sampling_charges_no_fee_and_is_never_in_the_future(
    service: Inspections,
) -> None:
    i = first_inspection(service)
    who = inspector(i.inspectors[0])
    with pytest.raises(InvalidInputError, match="future"):
        service.record_sampling(
            i.id,
            who,
            SAMPLE.model_copy(update={"sampled_on": TODAY + timedelta(days=1)}),
        )
    service.record_sampling(i.id, who, SAMPLE)
    sampled = service.history(i.id)[-1]
    assert sampled.fee_charged is False
    assert "不得收取检验费用" in sampled.rule


def test_the_objection_window_is_15_days_moved_past_national_day(
    service: Inspections,
) -> None:
    i, _ = notified(service)
    assert i.objection_window is not None
    assert i.objection_window.due.due == date(2026, 10, 8)
    assert i.stage is Stage.NOTIFIED


def test_an_objection_after_the_window_is_refused(
    service: Inspections, clock: FixedClock
) -> None:
    i, who = notified(service)
    clock.at = at_shanghai(date(2026, 10, 9))
    with pytest.raises(DeadlineError, match="closed on 2026-10-08"):
        service.file_objection(i.id, who, date(2026, 10, 9), "不服")
    service.file_objection(i.id, who, date(2026, 10, 8), "对泄漏电流结果有异议")


def test_the_objection_decision_is_due_in_3_working_days(
    service: Inspections, clock: FixedClock
) -> None:
    i, who = notified(service)
    clock.at = at_shanghai(date(2026, 9, 30))
    service.file_objection(i.id, who, date(2026, 9, 30), "样品非待销售产品")
    i = service.load(Inspection, i.id, "inspection")
    assert i.objection_decision is not None
    assert i.objection_decision.due.due == date(2026, 10, 10)
    assert (DeadlineKind.OBJECTION_DECISION, date(2026, 10, 10)) in [
        (k, d) for k, d, _ in i.due_deadlines()
    ]


def test_the_retest_is_not_the_original_laboratorys(
    service: Inspections, clock: FixedClock
) -> None:
    i, who = notified(service)
    service.file_objection(i.id, who, TODAY, "有异议")
    service.decide_objection(i.id, APPROVER, True)
    with pytest.raises(InvalidInputError, match="original laboratory"):
        service.record_retest(i.id, LAB, failing(" 市产品质量监督检验所"))
    service.record_retest(i.id, LAB, failing("省产品质量监督检验研究院"))
    i = service.load(Inspection, i.id, "inspection")
    assert i.stage is Stage.FINAL
    assert i.conforming is False
    retested = next(e for e in service.history(i.id) if type(e).__name__ == "Retested")
    assert retested.upheld is True


def test_a_retest_that_changes_the_conclusion_closes_it_conforming(
    service: Inspections,
) -> None:
    i, who = notified(service)
    service.file_objection(i.id, who, TODAY, "有异议")
    service.decide_objection(i.id, APPROVER, True)
    passing = failing("省院").model_copy(
        update={"items": (ItemResult(name="泄漏电流", conforming=True),)}
    )
    service.record_retest(i.id, LAB, passing)
    i = service.load(Inspection, i.id, "inspection")
    assert i.outcome is Outcome.CONFORMING
    target = service.find(Target, target_id(i.uscc))
    assert target is not None
    assert target.last_inspected["CJ-001"] == TODAY


def test_an_objection_does_not_suspend_the_order_to_correct(
    service: Inspections,
) -> None:
    i, who = notified(service)
    service.file_objection(i.id, who, TODAY, "有异议")
    service.order_rectification(
        i.id,
        inspector(i.inspectors[0], "责令整改"),
        date(2026, 10, 30),
        "停止销售该批次",
    )
    ordered = service.history(i.id)[-1]
    assert "不停止责令改正" in ordered.rule
    assert service.load(Inspection, i.id, "inspection").stage is Stage.OBJECTED


def test_the_window_closing_makes_the_result_final(
    service: Inspections, clock: FixedClock
) -> None:
    i, _ = notified(service)
    with pytest.raises(DeadlineError, match="runs until 2026-10-08"):
        service.close_objection_window(i.id, CLOCK)
    clock.at = at_shanghai(date(2026, 10, 9))
    service.close_objection_window(i.id, CLOCK)
    assert service.load(Inspection, i.id, "inspection").stage is Stage.FINAL


def test_a_refused_objection_makes_the_result_final(service: Inspections) -> None:
    i, who = notified(service)
    service.file_objection(i.id, who, TODAY, "有异议")
    with pytest.raises(PermissionDeniedError):
        service.decide_objection(i.id, who, False)
    service.decide_objection(i.id, APPROVER, False)
    assert service.load(Inspection, i.id, "inspection").stage is Stage.FINAL


def test_rectification_is_rechecked_within_10_working_days(
    service: Inspections, clock: FixedClock
) -> None:
    i, who = notified(service)
    ordering = inspector(i.inspectors[0], "责令整改")
    with pytest.raises(InvalidInputError, match="after today"):
        service.order_rectification(i.id, ordering, TODAY, "整改")
    service.order_rectification(i.id, ordering, date(2026, 10, 30), "整改")
    service.receive_rectification_report(i.id, who, TODAY)
    i = service.load(Inspection, i.id, "inspection")
    assert i.recheck is not None
    assert i.recheck.due.due == date(2026, 10, 9)
    clock.at = at_shanghai(date(2026, 10, 12))
    service.record_missed_deadline(i.id, CLOCK, DeadlineKind.RECHECK)
    service.close_objection_window(i.id, CLOCK)
    service.record_recheck(i.id, who, True, "已整改到位")
    i = service.load(Inspection, i.id, "inspection")
    assert i.rectification is Rectification.PASSED
    assert i.outcome is Outcome.RECTIFIED


def test_a_failed_recheck_leads_to_a_follow_up(
    service: Inspections, clock: FixedClock
) -> None:
    i, who = notified(service)
    service.order_rectification(
        i.id, inspector(i.inspectors[0], "整改"), date(2026, 10, 30), "整改"
    )
    service.receive_rectification_report(i.id, who, TODAY)
    service.record_recheck(i.id, who, False, "仍不合格")
    with pytest.raises(IllegalTransitionError, match="it is notified"):
        service.record_follow_up(i.id, APPROVER, Outcome.ANNOUNCED, "公告2026-1")
    clock.at = at_shanghai(date(2026, 10, 9))
    service.close_objection_window(i.id, CLOCK)
    with pytest.raises(InvalidInputError, match="follow-up is one of"):
        service.record_follow_up(i.id, APPROVER, Outcome.RECTIFIED, "x")
    service.record_follow_up(i.id, APPROVER, Outcome.ENFORCEMENT, "立案2026-7")
    i = service.load(Inspection, i.id, "inspection")
    assert i.outcome is Outcome.ENFORCEMENT
    assert i.enforcement_origin == "inspection"


def test_a_conforming_result_concludes_at_notification(service: Inspections) -> None:
    i = first_inspection(service)
    who = inspector(i.inspectors[1])
    service.record_sampling(i.id, who, SAMPLE)
    service.record_test(
        i.id,
        LAB,
        failing().model_copy(
            update={"items": (ItemResult(name="泄漏电流", conforming=True),)}
        ),
    )
    service.notify_result(i.id, who, TODAY)
    i = service.load(Inspection, i.id, "inspection")
    assert i.outcome is Outcome.CONFORMING
    assert i.objection_window is None
    assert i.enforcement_origin is None


def test_special_equipment_is_checked_on_site_and_may_be_sealed_up(
    service: Inspections,
) -> None:
    service.list_item(
        audit=PLANNER,
        terms=ITEM.model_copy(
            update={
                "code": "TZ-001",
                "target_kind": TargetKind.SPECIAL_EQUIPMENT,
                "kind": ItemKind.PRIORITY,
                "max_ratio_permille": None,
            }
        ),
    )
    plan = drawn_plan(service, item_code="TZ-001")
    i = service.load(Inspection, plan.assignments[0].inspection_id, "inspection")
    who = inspector(i.inspectors[0], "存在严重事故隐患")
    with pytest.raises(IllegalTransitionError, match="checked on site"):
        service.record_sampling(i.id, who, SAMPLE)
    check = EquipmentCheck(
        check_type=CheckType.ROUTINE,
        equipment_code="31103208032026000001",
        findings="安全保护装置失效",
        failed_items=("限速器",),
        checked_on=TODAY,
    )
    service.record_check(i.id, who, check)
    service.seal_up(i.id, who, SealKind.SEALING, ("乘客电梯 1 台",))
    service.notify_result(i.id, who, TODAY)
    i = service.load(Inspection, i.id, "inspection")
    assert i.seals == [SealKind.SEALING]
    assert i.failed_items == ("限速器",)
    assert i.objection_window is not None


def test_a_nomination_is_the_publics(service: Inspections) -> None:
    public = Audit(
        actor=Actor(kind=ActorKind.PUBLIC, id="public", name="公众"), request_id="r"
    )
    nominated = Nominated(
        kind=SubjectKind.PRODUCT,
        subject="加油机",
        region_code=COUNTY,
        reason="加油量不足",
    )
    with pytest.raises(PermissionDeniedError):
        service.nominate(PLANNER, nominated)
    result = service.nominate(public, nominated)
    loaded(service)
    plan_id = service.draft_plan(
        audit=PLANNER, terms=terms(nominations=(result.id,))
    ).id
    n = service.nomination(service.case_of(result).number)
    assert n.plan_id == plan_id
