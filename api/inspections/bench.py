"""The inspections context's `casetrace bench` workload (the protocol:
api/bench/workload.py). A city's planner and approver drive plans over HTTP
(draft → approve → file); generated inspections cover the lifecycle's mix
(assigned, sampled, tested, notified, objected, final, concluded) for the
rebuild and the queries: the inspections index, the statistics and the
quality analysis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from api.bench.workload import UNITS, Command, Query, enrol
from api.host.storage import Services
from api.inspections import service
from domain.inspections.check_item import CheckItem, CheckItemTerms, item_id
from domain.inspections.inspection import (
    Inspection,
    ItemResult,
    LabReport,
    Sample,
    SampledFrom,
)
from domain.inspections.rules import ItemKind, TargetKind
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.events import Aggregate
from domain.shared.uscc import compose_uscc

CITY, COUNTY = "3208", "320803"
ITEM = "BJ-001"
STAFF = (
    ("I-PLAN", CITY, Role.PLANNER, "planner"),
    ("I-APPR", CITY, Role.APPROVER, "approver"),
    ("I-AUD", CITY, Role.AUDITOR, "auditor"),
)
INSPECTORS = ("I-J1", "I-J2")
PRODUCTS = ("电热水壶", "电饭锅", "插座", "儿童玩具", "加油机")
QUERIES = (
    ("inspections index", "/v1/inspections/inspections?limit=50"),
    (
        "inspections statistics",
        "/v1/inspections/statistics?from=2020-01-01&to=2030-12-31",
    ),
    ("quality analysis", "/v1/inspections/analysis?from=2020-01&to=2030-12"),
)
WORKFLOW = ("draft", "approve", "file")


def _audit(staff_no: str, role: Role, reason: str | None = "依法办理") -> Audit:
    actor = Actor(
        kind=ActorKind.STAFF,
        id=staff_no,
        name=f"bench {role.value}",
        role=role,
        unit_code=CITY,
    )
    return Audit(actor=actor, request_id="bench", reason=reason)


INSPECTOR = _audit(INSPECTORS[0], Role.INSPECTOR)
LAB = _audit("I-LAB", Role.LABORATORY)
APPROVER = _audit("I-APPR", Role.APPROVER, "经负责人决定")
CLOCK = Audit(actor=Actor.system("clock"), request_id="bench")


def _assigned(n: int) -> Inspection:
    uscc = compose_uscc(COUNTY, f"BN{n % 1_000_000:06d}")
    return Inspection(
        audit=_audit("I-PLAN", Role.PLANNER),
        number=f"CC-BENCH-{n:08d}",
        plan_id=uuid4(),
        plan_number=f"CC-BENCH-{n // 20:06d}",
        item_code=ITEM,
        target_kind=TargetKind.PRODUCT,
        uscc=uscc,
        name=f"淮安测试电器厂{n % 5000}",
        region_code=COUNTY,
        industry=f"C38{n % 9 + 1:02d}",
        unit_code=CITY,
        inspectors=INSPECTORS,
        nominated=n % 50 == 0,
    )


def one_inspection(calendar: WorkingDayCalendar, n: int, on: date) -> Inspection:
    """An inspection driven through its real methods; every 10 cover the mix."""
    i = _assigned(n)
    kind = n % 10
    if kind == 0:
        return i  # assigned
    product = PRODUCTS[n % len(PRODUCTS)]
    sample = Sample(
        product=product,
        batch=f"{on:%Y%m}01",
        quantity="4 件",
        sampled_from=SampledFrom.AWAITING_SALE,
        sampled_on=on,
    )
    i.record_sampling(sample, on, INSPECTOR)
    if kind == 1:
        return i
    failing = kind in (4, 5, 6, 7)
    report = LabReport(
        laboratory="淮安市产品质量监督检验所",
        report_number=f"JY-{n:08d}",
        items=(
            ItemResult(name="泄漏电流", conforming=not failing),
            ItemResult(name="标志和说明", conforming=kind != 5),
            ItemResult(name="输入功率", conforming=True),
        ),
        tested_on=on,
    )
    i.record_test(report, on, LAB)
    if kind == 2:
        return i
    i.notify_result(on, on, calendar, INSPECTOR)
    if kind == 5:
        i.file_objection(on, "有异议", on, calendar, INSPECTOR)
    elif kind in (6, 7):
        # The day after the window's last day, as the clock would: a window
        # across a holiday runs past `on` + 15 calendar days.
        window = i.objection_window
        closes = window.due.due if window is not None else on
        i.close_objection_window(closes + timedelta(days=1), CLOCK)
    return i


class Workflow:
    """One HTTP client's plans, each drafted, approved and filed."""

    def __init__(self, client: int, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        self.plan_id = ""
        self.step = 0

    def next(self) -> Command:
        verb = WORKFLOW[self.step]
        if verb == "draft":
            body: dict[str, Any] | None = {
                "terms": {
                    "title": f"bench plan {self.client}",
                    "item_code": ITEM,
                    "period_from": "2026-01-01",
                    "period_to": "2026-12-31",
                    "scope": {"region": COUNTY, "industries": ["C38"]},
                    "count": 10,
                }
            }
            return Command(verb, "/v1/inspections/plans", body, self.tokens["planner"])
        path = f"/v1/inspections/plans/{self.plan_id}/{verb}"
        if verb == "approve":
            return Command(verb, path, {"reason": "同意"}, self.tokens["approver"])
        body = {"filed_with": "320000", "filed_on": "2026-01-05", "reference": "备案"}
        return Command(verb, path, body, self.tokens["planner"])

    def answered(self, result: dict[str, Any]) -> None:
        if self.step == 0:
            self.plan_id = str(result["id"])
        self.step = (self.step + 1) % len(WORKFLOW)

    def failed(self) -> None:
        self.step = 0


class InspectionsWorkload:
    """The inspections context's side of the bench."""

    topic = "casetrace.inspections.Inspection.Assigned"
    lag_model = "inspections"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.calendar = service(services).calendar
        self.tokens: dict[str, str] = {}

    def seed(self) -> None:
        self.tokens = enrol(self.services, UNITS, STAFF)
        inspections = service(self.services)
        if inspections.find(CheckItem, item_id(ITEM)) is None:
            inspections.list_item(
                audit=_audit("I-PLAN", Role.PLANNER),
                terms=CheckItemTerms(
                    code=ITEM,
                    name="bench 家用电器抽查",
                    legal_basis="《产品质量法》第15条",
                    kind=ItemKind.PRIORITY,
                    target_kind=TargetKind.PRODUCT,
                    line="product_quality",
                ),
            )

    def new_case(self, n: int) -> Sequence[Aggregate]:
        return [_assigned(n)]

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        day = date(2025, 1, 6) + timedelta(days=(n // 50) % 600)
        return [one_inspection(self.calendar, n, day)]

    def commands(self, client: int) -> Workflow:
        return Workflow(client, self.tokens)

    def queries(self) -> Sequence[Query]:
        return [Query(label, path, self.tokens["auditor"]) for label, path in QUERIES]


def workload(services: Services) -> InspectionsWorkload:
    return InspectionsWorkload(services)
