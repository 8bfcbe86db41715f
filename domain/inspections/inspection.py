"""An inspection (one drawn target of a plan, DOMAIN §4.2) from assignment to
its outcome.

assigned → sampled (产品质量法 Art. 15: at random from goods awaiting sale or
the finished-goods store; no fee) or checked on site (special equipment,
特种设备安全监督检查办法 Art. 5) → tested by a laboratory → result notified →
objection (复检申请) within 15 days of receipt → accepted or refused within 3
working days → re-test by another laboratory → conclusion upheld or changed;
a nonconforming result → rectification ordered with a deadline (an objection
does not suspend it: the municipal rule of DOMAIN §4.2) → rectification
report → re-check within 10 working days (Art. 29) → passed, or a follow-up:
announcement, suspension and rectification (产品质量法 Art. 17), or an
enforcement case. Seal-up and seizure (Art. 26) are recorded when made.

Only the inspectors drawn for it act on it (a re-draw after a recusal
replaces one); test results are the laboratory's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.inspections.rules import (
    OBJECTION_COUNTING,
    OBJECTION_DAYS,
    OBJECTION_DECISION_WD,
    RECHECK_WD,
    RULE_CHECK_TYPES,
    RULE_FOLLOW_UP,
    RULE_NOT_SUSPENDED,
    RULE_OBJECTION,
    RULE_OBJECTION_DECISION,
    RULE_RECHECK,
    RULE_RECTIFICATION,
    RULE_RECUSAL,
    RULE_RETEST_LAB,
    RULE_SAMPLING,
    RULE_SEAL_UP,
    CheckType,
    TargetKind,
)
from domain.shared.audit import ActorKind, Audit, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
)
from domain.shared.events import Aggregate
from domain.shared.text import Line, Prose
from domain.shared.time_limit import Counting, TimeLimit
from domain.shared.timed import TimedCase


def inspection_id(plan_number: str, uscc: str) -> UUID:
    return uuid5(
        NAMESPACE_URL, f"casetrace:inspections:inspection:{plan_number}:{uscc}"
    )


class Stage(StrEnum):
    ASSIGNED = "assigned"
    SAMPLED = "sampled"  # samples taken (or, for equipment, checked on site)
    TESTED = "tested"
    NOTIFIED = "notified"  # the firm has the result; the objection window runs
    OBJECTED = "objected"  # 复检申请 awaiting the decision
    RETESTING = "retesting"  # accepted; the re-test is the laboratory's
    FINAL = "final"  # the result stands
    CLOSED = "closed"


class Rectification(StrEnum):
    ORDERED = "ordered"  # 责令限期改正
    REPORTED = "reported"  # 整改报告 received; the re-check is due
    PASSED = "passed"
    FAILED = "failed"


class Outcome(StrEnum):
    CONFORMING = "conforming"  # 合格
    RECTIFIED = "rectified"  # 不合格, corrected and passed the re-check
    ANNOUNCED = "announced"  # 公告 (Art. 17)
    SUSPENDED = "suspended"  # 责令停业、限期整顿 (Art. 17)
    ENFORCEMENT = "enforcement"  # 立案查处


FOLLOW_UPS = (Outcome.ANNOUNCED, Outcome.SUSPENDED, Outcome.ENFORCEMENT)


class SampledFrom(StrEnum):
    """产品质量法 Art. 15: where a sample may be taken."""

    AWAITING_SALE = "awaiting_sale"  # 市场上待销售的产品
    FINISHED_GOODS_STORE = "finished_goods_store"  # 企业成品仓库


class SealKind(StrEnum):
    SEALING = "sealing"  # 查封
    SEIZURE = "seizure"  # 扣押


class DeadlineKind(StrEnum):
    OBJECTION_WINDOW = "objection_window"
    OBJECTION_DECISION = "objection_decision"
    RECTIFICATION = "rectification"
    RECHECK = "recheck"


class Sample(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    product: Annotated[str, Line(100)]
    batch: Annotated[str, Line(60)]
    quantity: Annotated[str, Line(60)]  # "2 台", "4 kg"
    sampled_from: SampledFrom
    sampled_on: date
    reserve_sample: bool = True  # 备样 kept for a re-test


class ItemResult(BaseModel):
    """One test item of a report (检验项目) and its result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Line(100)]
    requirement: Annotated[str, Line(200)] = ""
    value: Annotated[str, Line(200)] = ""
    conforming: bool


class LabReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    laboratory: Annotated[str, Line(200)]
    report_number: Annotated[str, Line(60)]
    items: tuple[ItemResult, ...] = Field(min_length=1, max_length=200)
    defects: Annotated[str, Prose(2000)] = ""
    tested_on: date

    @property
    def conforming(self) -> bool:
        return all(i.conforming for i in self.items)

    @property
    def failed_items(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.items if not i.conforming)


class EquipmentCheck(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    check_type: CheckType
    equipment_code: Annotated[str, Line(60)]  # 设备注册代码
    findings: Annotated[str, Prose(4000)]
    failed_items: tuple[Annotated[str, Line(100)], ...] = Field(
        default=(), max_length=100
    )
    checked_on: date

    @property
    def conforming(self) -> bool:
        return not self.failed_items


class Inspection(TimedCase):
    PINNED_TOPIC = "casetrace.inspections.Inspection"
    LIMITS: ClassVar[dict[str, str]] = {
        DeadlineKind.OBJECTION_WINDOW: "objection_window",
        DeadlineKind.OBJECTION_DECISION: "objection_decision",
        DeadlineKind.RECHECK: "recheck",
    }

    class Assigned(Aggregate.Created):
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
        inspectors: tuple[str, ...]
        nominated: bool

    class InspectorReplaced(Aggregate.Event):
        staff_no: str
        replacement: str
        rule: str

        def apply(self, a: Any) -> None:
            a.inspectors = tuple(
                self.replacement if s == self.staff_no else s for s in a.inspectors
            )

    class Sampled(Aggregate.Event):
        sample: Sample
        fee_charged: bool  # always False: Art. 15
        rule: str

        def apply(self, a: Any) -> None:
            a.sample = self.sample
            a.stage = Stage.SAMPLED

    class EquipmentChecked(Aggregate.Event):
        check: EquipmentCheck
        rule: str

        def apply(self, a: Any) -> None:
            a.check = self.check
            a.conforming = self.check.conforming
            a.stage = Stage.SAMPLED

    class SealedUp(Aggregate.Event):
        kind: SealKind
        items: tuple[str, ...]
        on: date
        rule: str

        def apply(self, a: Any) -> None:
            a.seals.append(self.kind)

    class Tested(Aggregate.Event):
        report: LabReport

        def apply(self, a: Any) -> None:
            a.report = self.report
            a.conforming = self.report.conforming
            a.stage = Stage.TESTED

    class ResultNotified(Aggregate.Event):
        received_on: date
        objection_window: TimeLimit | None  # none for a conforming result

        def apply(self, a: Any) -> None:
            a.objection_window = self.objection_window
            a.stage = Stage.NOTIFIED

    class ObjectionFiled(Aggregate.Event):
        filed_on: date
        grounds: str
        objection_decision: TimeLimit

        def apply(self, a: Any) -> None:
            a.objection_decision = self.objection_decision
            a.stage = Stage.OBJECTED

    class ObjectionDecided(Aggregate.Event):
        accepted: bool
        decided_on: date
        rule: str

        def apply(self, a: Any) -> None:
            a.objection_accepted = self.accepted
            if self.accepted:
                a.stage = Stage.RETESTING

    class Retested(Aggregate.Event):
        report: LabReport
        upheld: bool  # the original conclusion stands
        rule: str

        def apply(self, a: Any) -> None:
            a.retest = self.report
            a.conforming = self.report.conforming

    class ResultFinal(Aggregate.Event):
        """The result stands: the window closed with no objection, the
        objection was refused, or the re-test concluded."""

        def apply(self, a: Any) -> None:
            a.conforming = self.conforming
            a.stage = Stage.FINAL

        conforming: bool
        on: date
        rule: str

    class RectificationOrdered(Aggregate.Event):
        deadline: date
        requirements: str
        ordered_on: date
        rule: str

        def apply(self, a: Any) -> None:
            a.rectification = Rectification.ORDERED
            a.rectification_deadline = self.deadline
            a.missed = [m for m in a.missed if m[0] != DeadlineKind.RECTIFICATION]

    class RectificationReported(Aggregate.Event):
        received_on: date
        recheck: TimeLimit

        def apply(self, a: Any) -> None:
            a.rectification = Rectification.REPORTED
            a.recheck = self.recheck

    class Rechecked(Aggregate.Event):
        passed: bool
        rechecked_on: date
        findings: str
        rule: str

        def apply(self, a: Any) -> None:
            a.rectification = (
                Rectification.PASSED if self.passed else Rectification.FAILED
            )

    class Concluded(Aggregate.Event):
        outcome: Outcome
        concluded_on: date
        reference: str  # the announcement's or the enforcement case's number
        rule: str

        def apply(self, a: Any) -> None:
            a.outcome = self.outcome
            a.stage = Stage.CLOSED

    # -- creation --------------------------------------------------------------------

    @staticmethod
    def create_id(
        *_: object, plan_number: str = "", uscc: str = "", **__: object
    ) -> UUID:
        return inspection_id(plan_number, uscc)

    @event(Assigned)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        plan_id: UUID,
        plan_number: str,
        item_code: str,
        target_kind: TargetKind,
        uscc: str,
        name: str,
        region_code: str,
        industry: str,
        unit_code: str,
        inspectors: tuple[str, ...],
        nominated: bool,
    ) -> None:
        self.number = number
        self.plan_id = plan_id
        self.plan_number = plan_number
        self.item_code = item_code
        self.target_kind = target_kind
        self.uscc = uscc
        self.name = name
        self.region_code = region_code
        self.industry = industry
        self.unit_code = unit_code
        self.inspectors = inspectors
        self.nominated = nominated
        self.stage = Stage.ASSIGNED
        self.sample: Sample | None = None
        self.check: EquipmentCheck | None = None
        self.report: LabReport | None = None
        self.retest: LabReport | None = None
        self.conforming: bool | None = None
        self.objection_window: TimeLimit | None = None
        self.objection_decision: TimeLimit | None = None
        self.objection_accepted: bool | None = None
        self.rectification: Rectification | None = None
        self.rectification_deadline: date | None = None
        self.recheck: TimeLimit | None = None
        self.outcome: Outcome | None = None
        self.seals: list[SealKind] = []
        self.missed: list[tuple[str, date]] = []

    # -- what it shows -------------------------------------------------------------------

    @property
    def enforcement_origin(self) -> str | None:
        """A nonconforming result may lead to a case at once: an objection
        does not suspend case filing (RULE_NOT_SUSPENDED)."""
        return "inspection" if self.conforming is False else None

    @property
    def failed_items(self) -> tuple[str, ...]:
        last = self.retest or self.report
        if last is not None:
            return last.failed_items
        return self.check.failed_items if self.check else ()

    @property
    def closed(self) -> bool:
        return self.stage is Stage.CLOSED

    def due_deadlines(self) -> Sequence[tuple[StrEnum, date, str]]:
        found: list[tuple[StrEnum, date, str]] = []
        if self.stage is Stage.OBJECTED and self.objection_decision is not None:
            limit = self.objection_decision
            found.append((DeadlineKind.OBJECTION_DECISION, limit.due.due, limit.rule))
        if self.rectification is Rectification.ORDERED:
            assert self.rectification_deadline is not None
            found.append(
                (
                    DeadlineKind.RECTIFICATION,
                    self.rectification_deadline,
                    RULE_RECTIFICATION,
                )
            )
        if self.rectification is Rectification.REPORTED and self.recheck is not None:
            found.append(
                (DeadlineKind.RECHECK, self.recheck.due.due, self.recheck.rule)
            )
        missed = {kind for kind, _ in self.missed}
        return [d for d in found if str(d[0]) not in missed]

    # -- commands ----------------------------------------------------------------------

    def replace_inspector(self, staff_no: str, replacement: str, audit: Audit) -> None:
        require_actor(audit)
        if staff_no not in self.inspectors:
            raise InvalidInputError(
                f"{staff_no} is not drawn for {self.number}", field="staff_no"
            )
        self.trigger_event(
            Inspection.InspectorReplaced,
            audit=audit,
            staff_no=staff_no,
            replacement=replacement,
            rule=RULE_RECUSAL,
        )

    def record_sampling(self, sample: Sample, today: date, audit: Audit) -> None:
        self._drawn_inspector(audit)
        self._stage(Stage.ASSIGNED, "record sampling")
        if self.target_kind is TargetKind.SPECIAL_EQUIPMENT:
            raise IllegalTransitionError(
                "special equipment is checked on site (record-check), not sampled"
            )
        _not_after(sample.sampled_on, today, "sampled_on")
        self.trigger_event(
            Inspection.Sampled,
            audit=audit,
            sample=sample,
            fee_charged=False,
            rule=RULE_SAMPLING,
        )

    def record_check(self, check: EquipmentCheck, today: date, audit: Audit) -> None:
        self._drawn_inspector(audit)
        self._stage(Stage.ASSIGNED, "record an on-site check")
        if self.target_kind is not TargetKind.SPECIAL_EQUIPMENT:
            raise IllegalTransitionError(
                "products are sampled and tested, not checked on site"
            )
        _not_after(check.checked_on, today, "checked_on")
        self.trigger_event(
            Inspection.EquipmentChecked, audit=audit, check=check, rule=RULE_CHECK_TYPES
        )

    def seal_up(
        self, kind: SealKind, items: tuple[str, ...], today: date, audit: Audit
    ) -> None:
        require_reason(audit, "a seal-up or seizure (查封、扣押)")
        self._drawn_inspector(audit)
        if self.stage is Stage.CLOSED:
            raise IllegalTransitionError(f"inspection {self.number} is closed")
        self.trigger_event(
            Inspection.SealedUp,
            audit=audit,
            kind=kind,
            items=items,
            on=today,
            rule=RULE_SEAL_UP,
        )

    def record_test(self, report: LabReport, today: date, audit: Audit) -> None:
        require_actor(audit)
        self._stage(Stage.SAMPLED, "record a test result")
        if self.sample is None:
            raise IllegalTransitionError("an on-site check has no laboratory result")
        _not_after(report.tested_on, today, "tested_on")
        if report.tested_on < self.sample.sampled_on:
            raise InvalidInputError("tested before it was sampled", field="tested_on")
        self.trigger_event(Inspection.Tested, audit=audit, report=report)

    def notify_result(
        self, received_on: date, today: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """The firm received the result: a nonconforming one opens the
        15-day objection window from the day of receipt (Art. 15)."""
        self._drawn_inspector(audit)
        ready = Stage.SAMPLED if self.check is not None else Stage.TESTED
        self._stage(ready, "notify the result")
        _not_after(received_on, today, "received_on")
        window = None
        if self.conforming is False:
            window = TimeLimit.begin(
                calendar,
                start=received_on,
                days=OBJECTION_DAYS,
                counting=OBJECTION_COUNTING,
                rule=RULE_OBJECTION,
            )
        self.trigger_event(
            Inspection.ResultNotified,
            audit=audit,
            received_on=received_on,
            objection_window=window,
        )
        if self.conforming:
            self._conclude(Outcome.CONFORMING, received_on, "", audit)

    def file_objection(
        self,
        filed_on: date,
        grounds: str,
        today: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """The firm's written application for a re-test (复检申请), recorded
        by its inspector: on time only within the window (Art. 15)."""
        self._drawn_inspector(audit)
        self._stage(Stage.NOTIFIED, "file an objection")
        _not_after(filed_on, today, "filed_on")
        window = self.objection_window
        assert window is not None
        if filed_on > window.due.due:
            raise DeadlineError(
                f"the objection window closed on {window.due.due}", rule=RULE_OBJECTION
            )
        decision = TimeLimit.begin(
            calendar,
            start=filed_on,
            days=OBJECTION_DECISION_WD,
            counting=Counting.WORKING,
            rule=RULE_OBJECTION_DECISION,
        )
        self.trigger_event(
            Inspection.ObjectionFiled,
            audit=audit,
            filed_on=filed_on,
            grounds=grounds,
            objection_decision=decision,
        )

    def decide_objection(self, accepted: bool, today: date, audit: Audit) -> None:
        require_reason(audit, "deciding on an objection")
        self._stage(Stage.OBJECTED, "decide on an objection")
        self.trigger_event(
            Inspection.ObjectionDecided,
            audit=audit,
            accepted=accepted,
            decided_on=today,
            rule=RULE_OBJECTION_DECISION,
        )
        if not accepted:
            self._final(today, RULE_OBJECTION_DECISION, audit)

    def record_retest(self, report: LabReport, today: date, audit: Audit) -> None:
        require_actor(audit)
        self._stage(Stage.RETESTING, "record a re-test")
        assert self.report is not None
        if _same_lab(report.laboratory, self.report.laboratory):
            raise InvalidInputError(
                f"the re-test is not the original laboratory's ({self.report.laboratory})",
                field="laboratory",
                rule=RULE_RETEST_LAB,
            )
        _not_after(report.tested_on, today, "tested_on")
        upheld = report.conforming == self.report.conforming
        self.trigger_event(
            Inspection.Retested,
            audit=audit,
            report=report,
            upheld=upheld,
            rule=RULE_OBJECTION,
        )
        self._final(today, RULE_OBJECTION, audit)
        if report.conforming:
            self._conclude(Outcome.CONFORMING, today, "", audit)

    def close_objection_window(self, today: date, audit: Audit) -> None:
        """The clock, the day after the window closed with no objection: the
        result is final (deemed accepted, DOMAIN §4.2)."""
        require_actor(audit)
        self._stage(Stage.NOTIFIED, "close the objection window of")
        window = self.objection_window
        assert window is not None
        if today <= window.due.due:
            raise DeadlineError(
                f"the window runs until {window.due.due}", rule=RULE_OBJECTION
            )
        self._final(today, RULE_OBJECTION, audit)

    def order_rectification(
        self, deadline: date, requirements: str, today: date, audit: Audit
    ) -> None:
        """Ordered on a nonconforming result, whether or not it is final: an
        objection does not suspend it (RULE_NOT_SUSPENDED)."""
        require_reason(audit, "ordering rectification")
        self._drawn_inspector(audit)
        if self.conforming is not False or self.stage is Stage.CLOSED:
            raise IllegalTransitionError("rectification follows a nonconforming result")
        if self.rectification not in (None, Rectification.FAILED):
            raise IllegalTransitionError(
                f"rectification is already {self.rectification}"
            )
        if deadline <= today:
            raise InvalidInputError("the deadline is after today", field="deadline")
        self.trigger_event(
            Inspection.RectificationOrdered,
            audit=audit,
            deadline=deadline,
            requirements=requirements,
            ordered_on=today,
            rule=f"{RULE_RECTIFICATION}; {RULE_NOT_SUSPENDED}",
        )

    def receive_rectification_report(
        self, received_on: date, today: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        self._drawn_inspector(audit)
        if self.rectification is not Rectification.ORDERED:
            raise IllegalTransitionError("no rectification order awaits a report")
        _not_after(received_on, today, "received_on")
        recheck = TimeLimit.begin(
            calendar,
            start=received_on,
            days=RECHECK_WD,
            counting=Counting.WORKING,
            rule=RULE_RECHECK,
        )
        self.trigger_event(
            Inspection.RectificationReported,
            audit=audit,
            received_on=received_on,
            recheck=recheck,
        )

    def record_recheck(
        self, passed: bool, findings: str, today: date, audit: Audit
    ) -> None:
        self._drawn_inspector(audit)
        if self.rectification is not Rectification.REPORTED:
            raise IllegalTransitionError("no rectification report awaits a re-check")
        self.trigger_event(
            Inspection.Rechecked,
            audit=audit,
            passed=passed,
            rechecked_on=today,
            findings=findings,
            rule=RULE_RECHECK,
        )
        if passed and self.stage is Stage.FINAL:
            self._conclude(Outcome.RECTIFIED, today, "", audit)

    def record_follow_up(
        self, outcome: Outcome, reference: str, today: date, audit: Audit
    ) -> None:
        """A nonconforming firm that did not correct: announced, suspended,
        or an enforcement case opened (Art. 17)."""
        require_reason(audit, "a follow-up of a nonconforming result")
        if outcome not in FOLLOW_UPS:
            raise InvalidInputError(
                f"a follow-up is one of {[o.value for o in FOLLOW_UPS]}",
                field="outcome",
            )
        self._stage(Stage.FINAL, "record a follow-up of")
        if self.conforming is not False:
            raise IllegalTransitionError("the result is conforming")
        self._conclude(outcome, today, reference, audit)

    # -- rules ---------------------------------------------------------------------------

    def _drawn_inspector(self, audit: Audit) -> None:
        """Only the inspectors drawn for it (DOMAIN §4.1, 随机选派)."""
        require_actor(audit)
        actor = audit.actor
        if actor.kind is ActorKind.STAFF and actor.id not in self.inspectors:
            raise PermissionDeniedError(
                f"{actor.id} was not drawn for inspection {self.number}",
                rule=RULE_RECUSAL,
            )

    def _stage(self, stage: Stage, action: str) -> None:
        if self.stage is not stage:
            raise IllegalTransitionError(
                f"cannot {action} inspection {self.number}: it is {self.stage.value}"
            )

    def _final(self, on: date, rule: str, audit: Audit) -> None:
        last = self.retest or self.report
        conforming = last.conforming if last else bool(self.conforming)
        self.trigger_event(
            Inspection.ResultFinal, audit=audit, conforming=conforming, on=on, rule=rule
        )
        if not conforming and self.rectification is Rectification.PASSED:
            # Corrected and re-checked before the result became final.
            self._conclude(Outcome.RECTIFIED, on, "", audit)

    def _conclude(
        self, outcome: Outcome, on: date, reference: str, audit: Audit
    ) -> None:
        rule = RULE_FOLLOW_UP if outcome in FOLLOW_UPS else RULE_RECHECK
        if outcome is Outcome.CONFORMING:
            rule = RULE_OBJECTION
        self.trigger_event(
            Inspection.Concluded,
            audit=audit,
            outcome=outcome,
            concluded_on=on,
            reference=reference,
            rule=rule,
        )


def _not_after(day: date, today: date, field: str) -> None:
    if day > today:
        raise InvalidInputError(f"{field} {day} is in the future", field=field)


def _same_lab(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()
