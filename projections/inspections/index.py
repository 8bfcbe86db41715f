"""Read model `inspections`: every plan and every inspection as one row (its
`kind`), their deadlines on the shared board and the clock's timers, and the
rollup the statistics sum (`counts`).

Deadlines (DOMAIN §4.2): the objection window (the day after it closes the
clock makes the result final), the decision on an objection (3 working
days), the firm's rectification deadline and the re-check (10 working days):
each missed one is recorded by the clock the day after.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.inspections.inspection import DeadlineKind, Inspection, Outcome
from domain.inspections.plan import InspectionPlan
from domain.inspections.rules import (
    RULE_OBJECTION,
    RULE_OBJECTION_DECISION,
    RULE_RECHECK,
    RULE_RECTIFICATION,
)
from domain.shared.calendar import DueDate
from domain.shared.clock import legal_date

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.rollups import Bucket, Rollup, Tally
from projections.schema import BigInt, Index, Table

P = InspectionPlan
I = Inspection  # noqa: E741 (the aggregate's initial, as P is the plan's)


class Kind(StrEnum):
    PLAN = "plan"  # 抽查任务
    INSPECTION = "inspection"  # one drawn target


RULES = {
    DeadlineKind.OBJECTION_WINDOW: RULE_OBJECTION,
    DeadlineKind.OBJECTION_DECISION: RULE_OBJECTION_DECISION,
    DeadlineKind.RECTIFICATION: RULE_RECTIFICATION,
    DeadlineKind.RECHECK: RULE_RECHECK,
}
DUE_KINDS = tuple(k.value for k in DeadlineKind)


@dataclasses.dataclass
class InspectionRow:
    id: UUID
    seq: BigInt
    version: int
    kind: str
    number: str
    status: str  # a plan's Status, an inspection's Stage
    unit_code: str
    item_code: str
    title: str  # a plan's title; an inspection's firm name
    plan_id: UUID | None = None
    plan_number: str | None = None
    uscc: str | None = None
    region_code: str | None = None
    industry: str | None = None
    product: str | None = None
    inspectors: list[str] = dataclasses.field(default_factory=list)
    nominated: bool = False
    targets: int = 0  # a plan's drawn targets
    recusals: int = 0
    conforming: bool | None = None
    failed_items: list[str] = dataclasses.field(default_factory=list)
    objection: str | None = None  # filed, accepted, refused
    rectification: str | None = None
    outcome: str | None = None
    seals: int = 0
    objection_window_due: date | None = None
    objection_decision_due: date | None = None
    rectification_due: date | None = None
    recheck_due: date | None = None
    provisional: list[str] = dataclasses.field(default_factory=list)
    missed: list[str] = dataclasses.field(default_factory=list)
    concluded_on: date | None = None
    # A plan's published commitment (docs/draw.md): public from the moment
    # it is made, so the draw cannot be re-rolled unseen.
    snapshot_sha256: str | None = None
    seed_sha256: str | None = None
    deadline_kind: str | None = None
    deadline_due: date | None = None
    deadline_provisional: bool = False
    updated_at: datetime | None = None


@dataclasses.dataclass
class InspectionCounts(Bucket):
    unit_code: str
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


COUNTS = Rollup(
    InspectionCounts, "counts", dimensions=("unit_code",), cuboids=[set[str]()]
)


class InspectionsIndex(CaseReadModel[InspectionRow]):
    name = "inspections"
    logs = ("inspections",)
    # 2: a plan's commitment (its two hashes) for the public list of draws.
    version = 2
    case_kind = "inspection"
    row_table = Table(
        InspectionRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("number"),
            Index("kind", "seq"),
            Index("plan_id", "seq"),
            Index("status", "seq"),
            Index("unit_code text_pattern_ops", "seq"),
            Index("uscc", "seq"),
        ),
    )
    rollups = (COUNTS,)

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            P.Drafted: _drafted,
            P.Approved: _status("approved"),
            P.Filed: _status("filed"),
            P.Committed: _committed,
            P.CommitmentAbandoned: _abandoned,
            P.Drawn: _drawn,
            P.Recused: _recused,
            P.ResultsPublished: _status("published"),
            I.Assigned: _assigned,
            I.InspectorReplaced: _replaced,
            I.Sampled: _sampled,
            I.EquipmentChecked: _checked,
            I.SealedUp: _sealed,
            I.Tested: _tested,
            I.ResultNotified: _notified,
            I.ObjectionFiled: _objection_filed,
            I.ObjectionDecided: _objection_decided,
            I.Retested: _tested,
            I.ResultFinal: _final,
            I.RectificationOrdered: _rectification_ordered,
            I.RectificationReported: _rectification_reported,
            I.Rechecked: _rechecked,
            I.Concluded: _concluded,
            I.DeadlineMissed: _deadline_missed,
            I.DeadlinesRecomputed: _recomputed,
        }

    def deadlines(self, row: InspectionRow) -> Iterable[Deadline]:
        return case_deadlines(row)

    def summarise(self, row: InspectionRow, deadlines: list[Deadline]) -> None:
        legal = [d for d in deadlines if d.on_board]
        soonest = min(legal, key=lambda d: d.due, default=None)
        row.deadline_kind = soonest.kind if soonest else None
        row.deadline_due = soonest.due if soonest else None
        row.deadline_provisional = soonest.provisional if soonest else False

    def deadline_context(self, row: InspectionRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.number,
            subject_code=row.item_code,
            subject_name="监督抽查",
            party_name=row.title,
        )

    def tally(self, row: InspectionRow, event: Any, tally: Tally) -> None:
        for measure, on in counted(row, event):
            tally.add(COUNTS, on, (row.unit_code,), measure, 1)


# -- deadlines -------------------------------------------------------------------------------


def case_deadlines(row: InspectionRow) -> list[Deadline]:
    if row.kind != Kind.INSPECTION:
        return []
    found: list[Deadline] = []
    stage = row.status
    if stage == "notified" and row.objection_window_due is not None:
        found.append(
            _deadline(
                row, DeadlineKind.OBJECTION_WINDOW, "close_objection_window", once=False
            )
        )
    if stage == "objected":
        found.append(_deadline(row, DeadlineKind.OBJECTION_DECISION))
    if row.rectification == "ordered" and stage != "closed":
        found.append(_deadline(row, DeadlineKind.RECTIFICATION))
    if row.rectification == "reported" and stage != "closed":
        found.append(_deadline(row, DeadlineKind.RECHECK))
    return found


def _deadline(
    row: InspectionRow,
    kind: DeadlineKind,
    action: str | None = None,
    *,
    once: bool = True,
) -> Deadline:
    due = getattr(row, f"{kind.value}_due")
    assert due is not None
    recorded = f"{kind.value}:{due}" in row.missed
    if action is None:
        action = None if recorded else f"record_missed_deadline:{kind.value}"
    provisional = next(
        (p.split("@", 1)[1] for p in row.provisional if p.startswith(f"{kind.value}@")),
        None,
    )
    return Deadline(
        kind.value,
        due,
        RULES[kind],
        provisional=provisional is not None,
        action=action,
        fires_on=due + timedelta(days=1) if action else None,
        calendar_version=provisional,
    )


# -- what each event counts ----------------------------------------------------------------


def counted(row: InspectionRow, e: Any) -> Iterable[tuple[str, date]]:
    on = legal_date(e.timestamp)
    measures: dict[type[Any], str] = {
        P.Drafted: "plans",
        P.Approved: "plans_approved",
        P.Drawn: "plans_drawn",
        P.Recused: "recusals",
        I.Assigned: "targets_drawn",
        I.ObjectionFiled: "objections",
        I.RectificationOrdered: "rectifications_ordered",
        I.SealedUp: "seals",
        I.DeadlineMissed: "deadlines_missed",
    }
    measure = measures.get(type(e))
    if measure is not None:
        yield measure, on
    if isinstance(e, I.ObjectionDecided):
        yield ("objections_accepted" if e.accepted else "objections_refused"), on
    elif isinstance(e, I.Retested) and not e.upheld:
        yield "retests_changed", on
    elif isinstance(e, I.Rechecked):
        yield ("rechecks_passed" if e.passed else "rechecks_failed"), on
    elif isinstance(e, I.ResultFinal) and not e.conforming:
        yield "nonconforming", on
    elif isinstance(e, I.Concluded):
        yield "concluded", on
        if e.outcome is Outcome.CONFORMING:
            yield "conforming", on
        elif e.outcome.value in ("announced", "suspended", "enforcement"):
            yield e.outcome.value, on


# -- the fold ---------------------------------------------------------------------------------


def _touch(row: InspectionRow, e: Any, p: int) -> InspectionRow:
    row.updated_at = e.timestamp
    return row


def _status(status: str) -> Handler:
    def fold(row: InspectionRow, e: Any, p: int) -> InspectionRow:
        row.status = status
        return _touch(row, e, p)

    return fold


def _drafted(row: InspectionRow | None, e: P.Drafted, p: int) -> InspectionRow:
    return _touch(
        InspectionRow(
            id=e.originator_id,
            seq=p,
            version=e.originator_version,
            kind=Kind.PLAN.value,
            number=e.number,
            status="drafted",
            unit_code=e.unit_code,
            item_code=e.terms.item_code,
            title=e.terms.title,
        ),
        e,
        p,
    )


def _committed(row: InspectionRow, e: P.Committed, p: int) -> InspectionRow:
    row.status = "committed"
    row.snapshot_sha256 = e.snapshot_sha256
    row.seed_sha256 = e.seed_sha256
    return _touch(row, e, p)


def _abandoned(row: InspectionRow, e: P.CommitmentAbandoned, p: int) -> InspectionRow:
    row.status = "filed"
    row.snapshot_sha256 = row.seed_sha256 = None
    return _touch(row, e, p)


def _drawn(row: InspectionRow, e: P.Drawn, p: int) -> InspectionRow:
    row.status = "drawn"
    row.targets = len(e.assignments)
    return _touch(row, e, p)


def _recused(row: InspectionRow, e: Any, p: int) -> InspectionRow:
    row.recusals += 1
    if row.kind == Kind.INSPECTION:
        row.inspectors = [
            e.replacement if s == e.staff_no else s for s in row.inspectors
        ]
    return _touch(row, e, p)


def _assigned(row: InspectionRow | None, e: I.Assigned, p: int) -> InspectionRow:
    return _touch(
        InspectionRow(
            id=e.originator_id,
            seq=p,
            version=e.originator_version,
            kind=Kind.INSPECTION.value,
            number=e.number,
            status="assigned",
            unit_code=e.unit_code,
            item_code=e.item_code,
            title=e.name,
            plan_id=e.plan_id,
            plan_number=e.plan_number,
            uscc=e.uscc,
            region_code=e.region_code,
            industry=e.industry,
            inspectors=list(e.inspectors),
            nominated=e.nominated,
        ),
        e,
        p,
    )


def _replaced(row: InspectionRow, e: I.InspectorReplaced, p: int) -> InspectionRow:
    row.inspectors = [e.replacement if s == e.staff_no else s for s in row.inspectors]
    row.recusals += 1
    return _touch(row, e, p)


def _sampled(row: InspectionRow, e: I.Sampled, p: int) -> InspectionRow:
    row.status = "sampled"
    row.product = e.sample.product
    return _touch(row, e, p)


def _checked(row: InspectionRow, e: I.EquipmentChecked, p: int) -> InspectionRow:
    row.status = "sampled"
    row.conforming = e.check.conforming
    row.failed_items = list(e.check.failed_items)
    return _touch(row, e, p)


def _sealed(row: InspectionRow, e: I.SealedUp, p: int) -> InspectionRow:
    row.seals += 1
    return _touch(row, e, p)


def _tested(row: InspectionRow, e: I.Tested | I.Retested, p: int) -> InspectionRow:
    if isinstance(e, I.Tested):
        row.status = "tested"
    row.conforming = e.report.conforming
    row.failed_items = list(e.report.failed_items)
    return _touch(row, e, p)


def _notified(row: InspectionRow, e: I.ResultNotified, p: int) -> InspectionRow:
    row.status = "notified"
    if e.objection_window is not None:
        _set_due(row, DeadlineKind.OBJECTION_WINDOW.value, e.objection_window.due)
    return _touch(row, e, p)


def _objection_filed(row: InspectionRow, e: I.ObjectionFiled, p: int) -> InspectionRow:
    row.status = "objected"
    row.objection = "filed"
    _set_due(row, DeadlineKind.OBJECTION_DECISION.value, e.objection_decision.due)
    return _touch(row, e, p)


def _objection_decided(
    row: InspectionRow, e: I.ObjectionDecided, p: int
) -> InspectionRow:
    row.objection = "accepted" if e.accepted else "refused"
    if e.accepted:
        row.status = "retesting"
    return _touch(row, e, p)


def _final(row: InspectionRow, e: I.ResultFinal, p: int) -> InspectionRow:
    row.status = "final"
    row.conforming = e.conforming
    return _touch(row, e, p)


def _rectification_ordered(
    row: InspectionRow, e: I.RectificationOrdered, p: int
) -> InspectionRow:
    row.rectification = "ordered"
    row.rectification_due = e.deadline
    row.missed = [m for m in row.missed if not m.startswith("rectification:")]
    return _touch(row, e, p)


def _rectification_reported(
    row: InspectionRow, e: I.RectificationReported, p: int
) -> InspectionRow:
    row.rectification = "reported"
    _set_due(row, DeadlineKind.RECHECK.value, e.recheck.due)
    return _touch(row, e, p)


def _rechecked(row: InspectionRow, e: I.Rechecked, p: int) -> InspectionRow:
    row.rectification = "passed" if e.passed else "failed"
    return _touch(row, e, p)


def _concluded(row: InspectionRow, e: I.Concluded, p: int) -> InspectionRow:
    row.status = "closed"
    row.outcome = e.outcome.value
    row.concluded_on = e.concluded_on
    return _touch(row, e, p)


def _deadline_missed(row: InspectionRow, e: Any, p: int) -> InspectionRow:
    row.missed = [*row.missed, f"{e.kind}:{e.due}"]
    return _touch(row, e, p)


def _recomputed(row: InspectionRow, e: Any, p: int) -> InspectionRow:
    for kind, limit in e.limits.items():
        _set_due(row, str(kind), limit.due)
    return _touch(row, e, p)


def _set_due(row: InspectionRow, kind: str, due: DueDate) -> None:
    setattr(row, f"{kind}_due", due.due)
    row.provisional = [p for p in row.provisional if not p.startswith(f"{kind}@")]
    if due.provisional:
        row.provisional.append(f"{kind}@{due.calendar_version}")
