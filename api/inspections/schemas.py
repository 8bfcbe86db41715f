"""The inspections context's response shapes as typed models (see
api/http/schemas.py), each with an example."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas import CommandOutcome, Page, example
from domain.inspections.check_item import CheckItemTerms
from domain.inspections.inspection import (
    EquipmentCheck,
    LabReport,
    Outcome,
    Rectification,
    Sample,
    Stage,
)
from domain.inspections.inspector import InspectorProfile
from domain.inspections.plan import PlanTerms, Status
from domain.inspections.rules import TargetKind

ID = "0b0e6a2c-5d1f-5c3e-9a57-3c2b6f1f2a10"
USCC = "91320803MA1X2Y3Z4L"
ITEM = {
    "code": "CJ-001",
    "name": "电热水壶产品质量监督抽查",
    "legal_basis": "《产品质量法》第15条",
    "kind": "general",
    "target_kind": "product",
    "line": "product_quality",
    "max_ratio_permille": 50,
    "frequency_per_year": 1,
}
TERMS = {
    "title": "2026年电热水壶监督抽查",
    "item_code": "CJ-001",
    "period_from": "2026-09-01",
    "period_to": "2026-12-31",
    "scope": {"region": "320800", "industries": ["C38"], "products": []},
    "count": 4,
    "ratio_permille": None,
    "weighting": {"priority": 2, "abnormal": 2, "complaints": 1},
    "higher_samples": [],
    "included": [],
    "nominations": [],
    "inspectors_per_target": 2,
    "exclude_home_desk": False,
}
OUTCOME = {"position": 42, "consistency_token": "inspections:42"}


class ItemView(CheckItemTerms):
    model_config = example({"id": ID, "version": 1, **ITEM, "active": True})

    id: UUID
    version: int
    active: bool


class ItemChanged(ItemView, CommandOutcome):
    model_config = example({"id": ID, "version": 1, **ITEM, "active": True, **OUTCOME})


class InspectorView(InspectorProfile):
    model_config = example(
        {
            "id": ID,
            "version": 2,
            "staff_no": "J-1",
            "name": "张检查",
            "unit_code": "320800",
            "lines": ["product_quality"],
            "qualifications": ["苏执法证0001"],
            "active": True,
            "conflicts": [USCC],
        }
    )

    id: UUID
    version: int
    conflicts: list[str]


class InspectorChanged(InspectorView, CommandOutcome):
    model_config = example(
        {
            "id": ID,
            "version": 2,
            "staff_no": "J-1",
            "name": "张检查",
            "unit_code": "320800",
            "lines": ["product_quality"],
            "qualifications": [],
            "active": True,
            "conflicts": [USCC],
            **OUTCOME,
        }
    )


class AssignmentView(BaseModel):
    uscc: str
    name: str
    inspectors: list[str]
    nominated: bool
    inspection_id: UUID


PLAN = {
    "id": ID,
    "version": 5,
    "number": "CC-320800-2026-01234",
    "status": "drawn",
    "unit_code": "320800",
    "terms": TERMS,
    "filed_with": "32",
    "commitments": 1,
    "snapshot_sha256": "ab" * 32,
    "seed_sha256": "cd" * 32,
    "public_value": "739201",
    "witness": "公证员 李四",
    "drawn_on": "2026-09-18",
    "assignments": [
        {
            "uscc": USCC,
            "name": "某某电器厂",
            "inspectors": ["J-1", "J-4"],
            "nominated": False,
            "inspection_id": ID,
        }
    ],
    "recusals": 0,
}


class PlanView(BaseModel):
    model_config = example(PLAN)

    id: UUID
    version: int
    number: str
    status: Status
    unit_code: str
    terms: PlanTerms
    filed_with: str | None
    commitments: int
    snapshot_sha256: str | None
    seed_sha256: str | None
    public_value: str | None
    witness: str | None
    drawn_on: date | None
    assignments: list[AssignmentView]
    recusals: int


class PlanChanged(PlanView, CommandOutcome):
    model_config = example({**PLAN, **OUTCOME})


INSPECTION = {
    "id": ID,
    "version": 3,
    "number": "CC-320800-2026-01234-001",
    "plan_id": ID,
    "plan_number": "CC-320800-2026-01234",
    "item_code": "CJ-001",
    "target_kind": "product",
    "uscc": USCC,
    "name": "某某电器厂",
    "region_code": "320803",
    "industry": "C3849",
    "unit_code": "320800",
    "inspectors": ["J-1", "J-4"],
    "nominated": False,
    "stage": "notified",
    "sample": None,
    "check": None,
    "report": None,
    "retest": None,
    "conforming": False,
    "failed_items": ["泄漏电流"],
    "objection_window_due": "2026-10-08",
    "objection_decision_due": None,
    "objection_accepted": None,
    "rectification": None,
    "rectification_deadline": None,
    "recheck_due": None,
    "seals": [],
    "outcome": None,
    "enforcement_origin": "inspection",
}


class InspectionView(BaseModel):
    model_config = example(INSPECTION)

    id: UUID
    version: int
    number: str
    plan_id: UUID
    plan_number: str
    item_code: str
    target_kind: TargetKind
    uscc: str
    name: str
    region_code: str
    industry: str
    unit_code: str
    inspectors: list[str]
    nominated: bool
    stage: Stage
    sample: Sample | None
    check: EquipmentCheck | None
    report: LabReport | None
    retest: LabReport | None
    conforming: bool | None
    failed_items: list[str]
    objection_window_due: date | None
    objection_decision_due: date | None
    objection_accepted: bool | None
    rectification: Rectification | None
    rectification_deadline: date | None
    recheck_due: date | None
    seals: list[str]
    outcome: Outcome | None
    enforcement_origin: str | None = Field(
        description="`inspection` once a nonconforming result may lead to an enforcement case"
    )


class InspectionChanged(InspectionView, CommandOutcome):
    model_config = example({**INSPECTION, **OUTCOME})


MEETING = {
    "id": ID,
    "version": 1,
    "number": "ZF-320800-2026-00001",
    "unit_code": "320800",
    "title": "2026年电热水壶行业质量分析会",
    "held_on": "2026-11-20",
    "industry": "C3849",
    "invited": [USCC],
    "attended": [USCC],
    "conclusions": "泄漏电流为共性问题，企业限期整改",
}


class MeetingView(BaseModel):
    model_config = example(MEETING)

    id: UUID
    version: int
    number: str
    unit_code: str
    title: str
    held_on: date
    industry: str
    invited: list[str]
    attended: list[str]
    conclusions: str


class MeetingChanged(MeetingView, CommandOutcome):
    model_config = example({**MEETING, **OUTCOME})


class ImportReport(BaseModel):
    """An import's outcome: each row accepted is recorded as an event."""

    model_config = example(
        {
            "rows": 300,
            "listed": 298,
            "updated": 2,
            "unchanged": 0,
            "position": 1200,
            "consistency_token": "inspections:1200",
        }
    )

    rows: int
    listed: int
    updated: int
    unchanged: int
    position: int
    consistency_token: str


class DrawDocument(BaseModel):
    """A plan's draw: `document` is the published document exactly as
    docs/draw.md defines it (the commitment alone before the draw; the
    public value, the revealed secret, the result and recusals after)."""

    model_config = example(
        {
            "plan_number": "CC-3208-2026-01234",
            "plan_status": "drawn",
            "witness": "公证员 李四",
            "document": {
                "algorithm": "casetrace-draw-v1",
                "snapshot": {"plan": "CC-3208-2026-01234", "item": "CJ-001"},
                "commitment": {"snapshot_sha256": "ab" * 32, "seed_sha256": "cd" * 32},
                "public_value": "739201",
                "secret": "ef" * 32,
                "result": [
                    {"uscc": USCC, "inspectors": ["J-1", "J-4"], "nominated": False}
                ],
                "recusals": [],
            },
        }
    )

    plan_number: str
    plan_status: str
    witness: str | None
    document: dict[str, Any]


class PublicDraw(BaseModel):
    id: UUID
    number: str
    title: str
    item_code: str
    unit_code: str
    status: str
    targets: int
    snapshot_sha256: str
    seed_sha256: str


class PublicDraws(Page):
    model_config = example(
        {
            "items": [
                {
                    "id": ID,
                    "number": "CC-3208-2026-01234",
                    "title": "2026年电热水壶监督抽查",
                    "item_code": "CJ-001",
                    "unit_code": "3208",
                    "status": "committed",
                    "targets": 0,
                    "snapshot_sha256": "ab" * 32,
                    "seed_sha256": "cd" * 32,
                }
            ],
            "next_cursor": None,
        }
    )

    items: list[PublicDraw]


class Verification(BaseModel):
    model_config = example({"verified": True, "problems": []})

    verified: bool
    problems: list[str]


ROW = {
    "id": ID,
    "version": 3,
    "kind": "inspection",
    "number": "CC-320800-2026-01234-001",
    "status": "notified",
    "unit_code": "320800",
    "item_code": "CJ-001",
    "title": "某某电器厂",
    "plan_id": ID,
    "plan_number": "CC-320800-2026-01234",
    "uscc": USCC,
    "region_code": "320803",
    "industry": "C3849",
    "product": "电热水壶",
    "inspectors": ["J-1", "J-4"],
    "nominated": False,
    "targets": 0,
    "recusals": 0,
    "conforming": False,
    "failed_items": ["泄漏电流"],
    "objection": None,
    "rectification": None,
    "outcome": None,
    "seals": 0,
    "objection_window_due": "2026-10-08",
    "objection_decision_due": None,
    "rectification_due": None,
    "recheck_due": None,
    "missed": [],
    "concluded_on": None,
    "deadline": {
        "kind": "objection_window",
        "due": "2026-10-08",
        "working_days_left": 3,
        "overdue": False,
        "provisional": False,
    },
}


class Row(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: UUID
    version: int
    kind: str
    number: str
    status: str
    unit_code: str


class RowsPage(Page):
    model_config = example({"items": [ROW], "next_cursor": None})

    items: list[Row]


class DirectoryPage(Page):
    model_config = example(
        {
            "items": [
                {
                    "uscc": USCC,
                    "name": "某某电器厂",
                    "region_code": "320803",
                    "industry": "C3849",
                    "products": ["电热水壶"],
                    "risk_tags": [],
                    "priority": [],
                    "abnormal": False,
                    "complaints": 0,
                    "last_inspected": ["CJ-001:2026-10-20"],
                }
            ],
            "next_cursor": None,
        }
    )

    items: list[dict[str, Any]]


class ItemList(Page):
    model_config = example({"items": [{**ITEM, "active": True}], "next_cursor": None})

    items: list[dict[str, Any]]


class NominationGroups(BaseModel):
    model_config = example(
        {
            "groups": [
                {
                    "kind": "product",
                    "subject": "加油机",
                    "named": "加油机",
                    "uscc": None,
                    "nominations": 12,
                    "in_plans": 0,
                    "open_ids": [ID],
                }
            ]
        }
    )

    groups: list[dict[str, Any]]


class NominationReceipt(BaseModel):
    model_config = example(
        {
            "number": "DC20260918000123",
            "submitted_on": "2026-09-18",
            "consistency_token": "inspections:77",
        }
    )

    number: str
    submitted_on: date
    consistency_token: str


class NominationStatus(BaseModel):
    model_config = example(
        {
            "number": "DC20260918000123",
            "kind": "product",
            "subject": "加油机",
            "region_code": "320803",
            "submitted_on": "2026-09-18",
            "plan_number": "CC-320800-2026-01234",
            "results": [],
        }
    )

    number: str
    kind: str
    subject: str
    region_code: str
    submitted_on: date
    plan_number: str | None
    results: list[dict[str, Any]] | None = Field(
        description="the plan's published results (结果公示); null until published"
    )


class PlanResults(BaseModel):
    model_config = example(
        {
            "plan_id": ID,
            "results": [
                {
                    "number": "CC-320800-2026-01234-001",
                    "uscc": USCC,
                    "name": "某某电器厂",
                    "product": "电热水壶",
                    "status": "closed",
                    "conforming": False,
                    "failed_items": ["泄漏电流"],
                    "outcome": "rectified",
                    "concluded_on": "2026-11-02",
                }
            ],
        }
    )

    plan_id: UUID
    results: list[dict[str, Any]]


class Statistics(BaseModel):
    model_config = example(
        {
            "from": "2026-01-01",
            "to": "2026-12-31",
            "plans": 3,
            "plans_approved": 3,
            "plans_drawn": 3,
            "targets_drawn": 40,
            "recusals": 1,
            "concluded": 40,
            "conforming": 35,
            "nonconforming": 5,
            "objections": 2,
            "objections_accepted": 1,
            "objections_refused": 1,
            "retests_changed": 0,
            "rectifications_ordered": 5,
            "rechecks_passed": 4,
            "rechecks_failed": 1,
            "announced": 0,
            "suspended": 0,
            "enforcement": 1,
            "seals": 0,
            "deadlines_missed": 0,
            "completion_rate": "1.0000",
            "pass_rate": "0.8750",
        }
    )

    model_config["populate_by_name"] = True
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    plans: int
    plans_approved: int
    plans_drawn: int
    targets_drawn: int
    recusals: int
    concluded: int
    conforming: int
    nonconforming: int
    objections: int
    objections_accepted: int
    objections_refused: int
    retests_changed: int
    rectifications_ordered: int
    rechecks_passed: int
    rechecks_failed: int
    announced: int
    suspended: int
    enforcement: int
    seals: int
    deadlines_missed: int
    completion_rate: str | None
    pass_rate: str | None
