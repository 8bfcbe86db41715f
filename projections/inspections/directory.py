"""Read model `inspection_directory`: the two directories (两库: targets and
inspectors), the random-check item list and public nominations, one row each
(its `kind`). The draw's commitment takes its candidates and pool from here
(what the public checks the published snapshot against); the item list and
the nominations' counts are served from here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.inspections.check_item import CheckItem
from domain.inspections.inspector import Inspector
from domain.inspections.nomination import Nomination
from domain.inspections.target import Target

from projections.cases import CaseOnBoard, CaseReadModel, Handler
from projections.schema import BigInt, Index, Table


class Kind(StrEnum):
    TARGET = "target"  # 检查对象
    INSPECTOR = "inspector"  # 执法检查人员
    ITEM = "item"  # 随机抽查事项
    NOMINATION = "nomination"  # 你点我查


@dataclasses.dataclass
class DirectoryRow:
    id: UUID
    seq: BigInt
    version: int
    kind: str
    key: str  # the USCC, staff number, item code or nomination number
    name: str
    region_code: str  # a target's region, an inspector's unit, a nomination's
    active: bool = True
    industry: str | None = None
    products: list[str] = dataclasses.field(default_factory=list)
    risk_tags: list[str] = dataclasses.field(default_factory=list)
    priority: list[str] = dataclasses.field(default_factory=list)
    abnormal: bool = False
    complaints: int = 0
    last_inspected: list[str] = dataclasses.field(default_factory=list)  # "item:date"
    lines: list[str] = dataclasses.field(default_factory=list)
    qualifications: list[str] = dataclasses.field(default_factory=list)
    conflicts: list[str] = dataclasses.field(default_factory=list)  # USCCs
    item_kind: str | None = None
    target_kind: str | None = None
    line: str | None = None
    legal_basis: str | None = None
    max_ratio_permille: int | None = None
    frequency_per_year: int | None = None
    subject_kind: str | None = None
    reason: str | None = None
    uscc: str | None = None  # a nomination's firm, if named
    submitted_on: date | None = None
    plan_id: UUID | None = None
    plan_number: str | None = None


class InspectionDirectory(CaseReadModel[DirectoryRow]):
    name = "inspection_directory"
    logs = ("inspections",)
    version = 1
    case_kind = "directory"
    row_table = Table(
        DirectoryRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("kind", "key"),
            Index("kind", "region_code text_pattern_ops", "key"),
            Index("kind", "subject_kind", "seq"),
        ),
    )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            Target.Listed: _target,
            Target.Updated: _target,
            Target.Inspected: _inspected,
            Inspector.Listed: _inspector,
            Inspector.Updated: _inspector,
            Inspector.ConflictDeclared: _conflict,
            CheckItem.Listed: _item,
            CheckItem.Retired: _retired,
            Nomination.Submitted: _nominated,
            Nomination.Included: _included,
        }

    def deadline_context(self, row: DirectoryRow) -> CaseOnBoard:  # pragma: no cover
        return CaseOnBoard(row.region_code, row.key, row.kind, row.name, row.name)


def _row(
    row: DirectoryRow | None, e: Any, p: int, kind: Kind, key: str
) -> DirectoryRow:
    if row is not None:
        return row
    return DirectoryRow(
        id=e.originator_id,
        seq=p,
        version=e.originator_version,
        kind=kind.value,
        key=key,
        name="",
        region_code="",
    )


def _target(row: DirectoryRow | None, e: Any, p: int) -> DirectoryRow:
    t = e.profile
    row = _row(row, e, p, Kind.TARGET, t.uscc)
    row.name = t.name
    row.region_code = t.region_code
    row.industry = t.industry
    row.products = list(t.products)
    row.risk_tags = list(t.risk_tags)
    row.priority = [g.value for g in t.priority]
    row.abnormal = t.abnormal
    row.complaints = t.complaints
    return row


def _inspected(row: DirectoryRow, e: Target.Inspected, p: int) -> DirectoryRow:
    kept = [x for x in row.last_inspected if not x.startswith(f"{e.item_code}:")]
    row.last_inspected = [*kept, f"{e.item_code}:{e.concluded_on}"]
    return row


def _inspector(row: DirectoryRow | None, e: Any, p: int) -> DirectoryRow:
    i = e.profile
    row = _row(row, e, p, Kind.INSPECTOR, i.staff_no)
    row.name = i.name
    row.region_code = i.unit_code
    row.lines = list(i.lines)
    row.qualifications = list(i.qualifications)
    row.active = i.active
    return row


def _conflict(row: DirectoryRow, e: Inspector.ConflictDeclared, p: int) -> DirectoryRow:
    row.conflicts = sorted({*row.conflicts, e.conflict.uscc})
    return row


def _item(row: DirectoryRow | None, e: CheckItem.Listed, p: int) -> DirectoryRow:
    t = e.terms
    row = _row(row, e, p, Kind.ITEM, t.code)
    row.name = t.name
    row.item_kind = t.kind.value
    row.target_kind = t.target_kind.value
    row.line = t.line
    row.legal_basis = t.legal_basis
    row.max_ratio_permille = t.max_ratio_permille
    row.frequency_per_year = t.frequency_per_year
    return row


def _retired(row: DirectoryRow, e: Any, p: int) -> DirectoryRow:
    row.active = False
    return row


def _nominated(
    row: DirectoryRow | None, e: Nomination.Submitted, p: int
) -> DirectoryRow:
    n = e.nominated
    row = _row(row, e, p, Kind.NOMINATION, e.number)
    row.name = n.subject
    row.region_code = n.region_code
    row.subject_kind = n.kind.value
    row.reason = n.reason
    row.uscc = n.uscc
    row.submitted_on = e.submitted_on
    return row


def _included(row: DirectoryRow, e: Nomination.Included, p: int) -> DirectoryRow:
    row.plan_id = e.plan_id
    row.plan_number = e.plan_number
    return row
