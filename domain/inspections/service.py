"""Inspections: the application service of 双随机一公开 — the random-check item
list, the two directories (两库), plans and their verifiable draw, the
inspections drawn, public nominations (你点我查) and quality meetings.

Commands are declared once, by their decision (domain/shared/service.py).
Three are not routed by the generic builder: the two bulk imports (a CSV
in, a validation report out) and the draw's commitment, whose snapshot the
API takes from the directory's read model (what the public can check it
against) and hands over here.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from domain.inspections import draw
from domain.inspections.check_item import CheckItem, CheckItemTerms, item_id
from domain.inspections.inspection import (
    EquipmentCheck,
    Inspection,
    LabReport,
    Outcome,
    Sample,
    SealKind,
)
from domain.inspections.inspector import (
    Conflict,
    Inspector,
    InspectorProfile,
    inspector_id,
)
from domain.inspections.meeting import MeetingRecord, QualityMeeting
from domain.inspections.nomination import Nominated, Nomination, nomination_id
from domain.inspections.plan import (
    DirectoryEntry,
    InspectionPlan,
    PlanTerms,
    PoolEntry,
)
from domain.inspections.target import Target, TargetProfile, target_id
from domain.shared.audit import ActorKind, Audit, Caller, Role
from domain.shared.command import CaseType
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import covers
from domain.shared.service import (
    CommandResult,
    DatedService,
    StaleVersionError,
    as_result,
    command,
    creation,
    replayable,
    system_command,
)
from domain.shared.store import Want
from domain.shared.text import Line, Prose

PLANNER = frozenset({Role.PLANNER})
APPROVER = frozenset({Role.APPROVER})
INSPECTOR = frozenset({Role.INSPECTOR})
LABORATORY = frozenset({Role.LABORATORY})
MAX_ROWS = 20_000  # one import; a bureau has thousands of firms
MAX_ERRORS = 200  # listed in a report (the count says how many in all)

A = TypeVar("A", bound=Aggregate)
Text = Annotated[str, Prose(2000)]


class ImportReport(BaseModel):
    """An import's outcome: every row accepted is recorded as an event."""

    model_config = ConfigDict(frozen=True)

    rows: int
    listed: int
    updated: int
    unchanged: int
    position: int
    log: str


def _unit(case: Any) -> str | None:
    return getattr(case, "unit_code", None)


class Inspections(DatedService):
    name = "inspections"
    cases: ClassVar[tuple[CaseType[Any], ...]] = (
        CaseType(CheckItem, "check item"),
        CaseType(Inspector, "inspector", lambda i: i.profile.unit_code),
        CaseType(InspectionPlan, "plan", _unit),
        CaseType(Inspection, "inspection", _unit),
        CaseType(QualityMeeting, "meeting", _unit),
    )
    rights: ClassVar[dict[str, frozenset[Role]]] = {
        "import_targets": PLANNER,
        "import_inspectors": PLANNER,
        "commit_draw": PLANNER,
    }

    # -- the item list -------------------------------------------------------------------

    @creation(
        PLANNER,
        summary="List a random-check item (随机抽查事项清单)",
        body="ItemBody",
        replay=as_result,
        route="",
    )
    def list_item(self, audit: Audit, *, terms: CheckItemTerms) -> CommandResult:
        if self.find(CheckItem, item_id(terms.code)) is not None:
            raise IllegalTransitionError(f"check item {terms.code} is already listed")
        return self.commit(CheckItem.list(terms, audit))

    @command(PLANNER, summary="Retire a check item from the list", decision=True)
    def retire_item(self, item: CheckItem, audit: Audit) -> None:
        item.retire(audit)

    # -- the two directories (两库) --------------------------------------------------------

    def import_targets(self, who: Audit | Caller, csv_text: str) -> ImportReport:
        """检查对象名录库 from CSV, all or nothing: every bad row is listed
        with why, and then nothing is recorded."""
        audit = self.acting("import_targets", who)
        rows = _rows(csv_text, TARGET_COLUMNS)
        profiles: list[TargetProfile] = []
        errors: list[dict[str, object]] = []
        for n, row in rows:
            profile = _parse(TargetProfile, _target_fields(row), n, errors)
            if profile is not None:
                if not _within(audit, profile.region_code):
                    errors.append(
                        _error(n, "region_code", "outside your unit's jurisdiction")
                    )
                profiles.append(profile)
        _no_repeats(rows, "uscc", errors)
        _refuse_if(errors, len(rows))
        found = self.read(
            *(Want(self, Target, target_id(p.uscc)) for p in profiles), fresh=True
        )
        return self._import(
            audit, profiles, found, Target.list, lambda t, p: t.update(p, audit)
        )

    def import_inspectors(self, who: Audit | Caller, csv_text: str) -> ImportReport:
        """执法检查人员名录库 from CSV: each row a member of staff of the
        registry holding the inspector role, in the importer's jurisdiction."""
        audit = self.acting("import_inspectors", who)
        rows = _rows(csv_text, INSPECTOR_COLUMNS)
        profiles: list[InspectorProfile] = []
        errors: list[dict[str, object]] = []
        for n, row in rows:
            fields = _inspector_fields(row)
            staff = self._enrolled(str(fields.get("staff_no", "")))
            if staff is None:
                errors.append(
                    _error(n, "staff_no", "no member of staff with this number")
                )
                continue
            fields |= {"name": staff.name, "unit_code": staff.unit_code}
            profile = _parse(InspectorProfile, fields, n, errors)
            if profile is None:
                continue
            if Role.INSPECTOR not in staff.roles:
                errors.append(_error(n, "staff_no", "does not hold the inspector role"))
            if not _within(audit, profile.unit_code):
                errors.append(_error(n, "staff_no", "outside your unit's jurisdiction"))
            profiles.append(profile)
        _no_repeats(rows, "staff_no", errors)
        _refuse_if(errors, len(rows))
        found = self.read(
            *(Want(self, Inspector, inspector_id(p.staff_no)) for p in profiles),
            fresh=True,
        )
        return self._import(
            audit, profiles, found, Inspector.list, lambda i, p: i.update(p, audit)
        )

    def _enrolled(self, staff_no: str) -> Any:
        try:
            return self.registry.get_staff(staff_no) if staff_no else None
        except NotFoundError:
            return None

    def _import(
        self,
        audit: Audit,
        profiles: Sequence[Any],
        found: Sequence[Any],
        make: Callable[[Any, Audit], Aggregate],
        update: Callable[[Any, Any], None],
    ) -> ImportReport:
        changed: list[Aggregate] = []
        listed = updated = 0
        for profile, existing in zip(profiles, found, strict=True):
            if existing is None:
                changed.append(make(profile, audit))
                listed += 1
            elif existing.profile != profile:
                update(existing, profile)
                changed.append(existing)
                updated += 1
        position = self.commit(*changed).position if changed else 0
        return ImportReport(
            rows=len(profiles),
            listed=listed,
            updated=updated,
            unchanged=len(profiles) - listed - updated,
            position=position,
            log=self.name,
        )

    @command(
        PLANNER | INSPECTOR,
        summary="Declare an inspector's conflict of interest with a firm (回避)",
        body="ConflictBody",
        decision=True,
    )
    def declare_conflict(
        self, inspector: Inspector, audit: Audit, conflict: Conflict
    ) -> None:
        """An inspector declares their own; a planner records anyone's."""
        actor = audit.actor
        if actor.role is Role.INSPECTOR and actor.id != inspector.profile.staff_no:
            raise PermissionDeniedError("an inspector declares their own conflicts")
        inspector.declare_conflict(conflict, audit)

    # -- plans and the draw -------------------------------------------------------------

    @creation(
        PLANNER,
        summary="Draft an inspection plan (抽查任务)",
        body="PlanBody",
        replay=as_result,
    )
    def draft_plan(self, audit: Audit, *, terms: PlanTerms) -> CommandResult:
        item = self.find(CheckItem, item_id(terms.item_code))
        if item is None:
            raise InvalidInputError(
                f"no check item {terms.item_code}", field="item_code"
            )
        unit = audit.actor.unit_code or terms.scope.region
        nominations = self._nominations(terms.nominations)
        on = self.today()
        for _ in range(3):  # a number clash is astronomically rare
            number = f"CC-{unit}-{on:%Y}-{secrets.randbelow(10**5):05d}"
            plan = InspectionPlan.draft(
                number, unit, terms, item.terms, item.active, audit
            )
            for n in nominations:
                n.include_in(plan.id, number, audit)
            try:
                return self.commit(plan, *nominations)
            except IntegrityError:
                continue
        raise RuntimeError("could not allocate a plan number")  # pragma: no cover

    def _nominations(self, ids: Sequence[UUID]) -> list[Nomination]:
        found = self.read(*(Want(self, Nomination, i) for i in ids), fresh=True)
        missing = [str(i) for i, n in zip(ids, found, strict=True) if n is None]
        if missing:
            raise InvalidInputError(f"no nomination {missing}", field="nominations")
        return list(found)

    @command(APPROVER, summary="Approve the plan", route="approve", decision=True)
    def approve_plan(self, plan: InspectionPlan, audit: Audit) -> None:
        plan.approve(audit)

    @command(
        PLANNER,
        summary="Record the plan's filing with the level above (备案)",
        route="file",
        body="FilingBody",
    )
    def file_plan(
        self,
        plan: InspectionPlan,
        audit: Audit,
        filed_with: Annotated[str, Line(12)],
        filed_on: date,
        reference: Annotated[str, Line(100)],
    ) -> None:
        if filed_on > self.today():
            raise InvalidInputError("filed_on is in the future", field="filed_on")
        plan.file(filed_with, filed_on, reference, audit)

    @replayable(as_result)
    def commit_draw(
        self,
        plan_id: UUID,
        who: Audit | Caller,
        entries: Sequence[DirectoryEntry],
        pool: Sequence[PoolEntry],
        expected_version: int | None = None,
    ) -> CommandResult:
        """Publish the draw's commitment over the directory as `entries` and
        `pool` show it (the API reads them from the directory's read model)."""
        audit = self.acting("commit_draw", who)
        plan = self.load(InspectionPlan, plan_id, "plan")
        self.within_jurisdiction(audit.actor, plan.unit_code)
        if expected_version is not None and expected_version != plan.version:
            raise StaleVersionError(
                f"plan is at version {plan.version}, not {expected_version}"
            )
        plan.commit(entries, pool, draw.new_secret(), audit)
        return self.commit(plan)

    @command(PLANNER, summary="Abandon the draw's commitment (recorded)", decision=True)
    def abandon_commitment(self, plan: InspectionPlan, audit: Audit) -> None:
        plan.abandon_commitment(audit)

    @command(
        PLANNER,
        summary="Draw targets and inspectors with the witness's public value",
        route="draw",
        body="DrawBody",
    )
    def make_draw(
        self,
        plan: InspectionPlan,
        audit: Audit,
        public_value: Annotated[str, Line(200)],
        witness: Annotated[str, Line(100)],
    ) -> list[Aggregate]:
        """The secret is revealed with the result; an inspection is made for
        every target drawn, in the same save."""
        on = self.today()
        plan.make_draw(public_value, witness, on, audit)
        industries = self._industries(plan)
        return [
            Inspection(
                audit=audit,
                number=f"{plan.number}-{n:03d}",
                plan_id=plan.id,
                plan_number=plan.number,
                item_code=plan.terms.item_code,
                target_kind=plan.item.target_kind,
                uscc=a.uscc,
                name=a.name,
                region_code=a.region_code,
                industry=industries.get(a.uscc, ""),
                unit_code=plan.unit_code,
                inspectors=a.inspectors,
                nominated=a.nominated,
            )
            for n, a in enumerate(plan.assignments, start=1)
        ]

    def _industries(self, plan: InspectionPlan) -> dict[str, str]:
        targets = self.read(
            *(Want(self, Target, target_id(a.uscc)) for a in plan.assignments)
        )
        return {t.profile.uscc: t.profile.industry for t in targets if t is not None}

    @command(
        PLANNER,
        summary="Record a recusal after the draw; its slot is re-drawn (回避)",
        body="RecusalBody",
        decision=True,
    )
    def recuse(
        self,
        plan: InspectionPlan,
        audit: Audit,
        uscc: Annotated[str, Line(18)],
        staff_no: Annotated[str, Line(40)],
    ) -> list[Aggregate]:
        recusal = plan.recuse(uscc, staff_no, audit)
        assigned = next(a for a in plan.assignments if a.uscc == uscc)
        inspection = self.load(Inspection, assigned.inspection_id, "inspection")
        inspection.replace_inspector(staff_no, recusal.replacement, audit)
        return [inspection]

    @command(PLANNER, summary="Publish the plan's results (结果公示)", decision=True)
    def publish_results(self, plan: InspectionPlan, audit: Audit) -> None:
        plan.publish_results(self.today(), audit)

    # -- the inspection ------------------------------------------------------------------

    @command(
        INSPECTOR,
        summary="Record the sampling (产品质量法 Art. 15)",
        body="SamplingBody",
        route="sampling",
    )
    def record_sampling(self, i: Inspection, audit: Audit, sample: Sample) -> None:
        i.record_sampling(sample, self.today(), audit)

    @command(
        INSPECTOR,
        summary="Record an on-site check of special equipment (Art. 5)",
        body="CheckBody",
        route="check",
    )
    def record_check(
        self, i: Inspection, audit: Audit, check: EquipmentCheck
    ) -> list[Aggregate]:
        i.record_check(check, self.today(), audit)
        return []

    @command(
        INSPECTOR,
        summary="Record a seal-up or seizure (查封、扣押, Art. 26)",
        body="SealBody",
        route="seal-up",
        decision=True,
    )
    def seal_up(
        self,
        i: Inspection,
        audit: Audit,
        kind: SealKind,
        items: Annotated[
            tuple[Annotated[str, Line(200)], ...], Field(min_length=1, max_length=50)
        ],
    ) -> None:
        i.seal_up(kind, items, self.today(), audit)

    @command(
        LABORATORY,
        summary="Record the test report (检验报告)",
        body="TestBody",
        route="test-result",
    )
    def record_test(self, i: Inspection, audit: Audit, report: LabReport) -> None:
        i.record_test(report, self.today(), audit)

    @command(
        INSPECTOR,
        summary="Record that the firm received the result",
        body="ReceivedBody",
        route="notify-result",
    )
    def notify_result(
        self, i: Inspection, audit: Audit, received_on: date
    ) -> list[Aggregate]:
        i.notify_result(received_on, self.today(), self.calendar, audit)
        return self._concluded(i, audit)

    @command(
        INSPECTOR,
        summary="Record the firm's objection (复检申请, Art. 15)",
        body="ObjectionBody",
        route="objection",
    )
    def file_objection(
        self, i: Inspection, audit: Audit, filed_on: date, grounds: Text
    ) -> None:
        i.file_objection(filed_on, grounds, self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Accept or refuse the objection (3 working days)",
        body="ObjectionDecisionBody",
        route="decide-objection",
        decision=True,
    )
    def decide_objection(
        self, i: Inspection, audit: Audit, accepted: StrictBool
    ) -> list[Aggregate]:
        i.decide_objection(accepted, self.today(), audit)
        return self._concluded(i, audit)

    @command(
        LABORATORY,
        summary="Record the re-test (复检, not by the original laboratory)",
        body="TestBody",
        route="retest-result",
    )
    def record_retest(
        self, i: Inspection, audit: Audit, report: LabReport
    ) -> list[Aggregate]:
        i.record_retest(report, self.today(), audit)
        return self._concluded(i, audit)

    @command(
        INSPECTOR,
        summary="Order rectification within a time limit (责令限期改正)",
        body="RectificationBody",
        route="order-rectification",
        decision=True,
    )
    def order_rectification(
        self,
        i: Inspection,
        audit: Audit,
        deadline: date,
        requirements: Text,
    ) -> None:
        i.order_rectification(deadline, requirements, self.today(), audit)

    @command(
        INSPECTOR,
        summary="Record the firm's rectification report (整改报告)",
        body="ReceivedBody",
        route="rectification-report",
    )
    def receive_rectification_report(
        self, i: Inspection, audit: Audit, received_on: date
    ) -> None:
        i.receive_rectification_report(received_on, self.today(), self.calendar, audit)

    @command(
        INSPECTOR,
        summary="Record the re-check (复查, Art. 29)",
        body="RecheckBody",
        route="recheck",
    )
    def record_recheck(
        self, i: Inspection, audit: Audit, passed: StrictBool, findings: Text
    ) -> list[Aggregate]:
        i.record_recheck(passed, findings, self.today(), audit)
        return self._concluded(i, audit)

    @command(
        APPROVER,
        summary="Record the follow-up of a nonconforming firm (Art. 17)",
        body="FollowUpBody",
        route="follow-up",
        decision=True,
    )
    def record_follow_up(
        self,
        i: Inspection,
        audit: Audit,
        outcome: Outcome,
        reference: Annotated[str, Line(100)],
    ) -> list[Aggregate]:
        i.record_follow_up(outcome, reference, self.today(), audit)
        return self._concluded(i, audit)

    def _concluded(self, i: Inspection, audit: Audit) -> list[Aggregate]:
        """A concluded inspection is the target's last under its item."""
        if not i.closed:
            return []
        target = self.find(Target, target_id(i.uscc))
        if target is None:
            return []
        target.record_inspected(
            i.item_code, i.id, self.today(), i.outcome is Outcome.CONFORMING, audit
        )
        return [target]

    @system_command()
    def close_objection_window(self, i: Inspection, audit: Audit) -> list[Aggregate]:
        """The clock, the day after the window closed with no objection."""
        i.close_objection_window(self.today(), audit)
        return self._concluded(i, audit)

    @system_command()
    def record_missed_deadline(self, i: Inspection, audit: Audit, kind: str) -> None:
        i.record_missed(kind, self.today(), audit)

    @system_command()
    def recompute_deadlines(self, i: Inspection, audit: Audit) -> None:
        i.recompute_deadlines(self.calendar, audit)

    # -- 你点我查 and the meeting ----------------------------------------------------------

    def nominate(self, audit: Audit, nominated: Nominated) -> CommandResult:
        """POST /public/v1/nominations: anyone, no token (rate-limited by the API)."""
        if audit.actor.kind is not ActorKind.PUBLIC:
            raise PermissionDeniedError("the nomination form is for the public")
        on = self.today()
        for _ in range(3):
            number = f"DC{on:%Y%m%d}{secrets.randbelow(10**6):06d}"
            try:
                return self.commit(Nomination.submit(number, nominated, on, audit))
            except IntegrityError:
                continue
        raise RuntimeError("could not allocate a nomination number")  # pragma: no cover

    def nomination(self, number: str) -> Nomination:
        found = self.find(Nomination, nomination_id(number))
        if found is None:
            raise NotFoundError(f"nomination {number} not found")
        return found

    @creation(
        PLANNER,
        summary="Record a quality analysis meeting (质量分析会)",
        body="MeetingBody",
        replay=as_result,
    )
    def record_meeting(self, audit: Audit, *, record: MeetingRecord) -> CommandResult:
        unit = audit.actor.unit_code or ""
        on = self.today()
        if record.held_on > on:
            raise InvalidInputError("a meeting is recorded once held", field="held_on")
        for _ in range(3):
            number = f"ZF-{unit}-{on:%Y}-{secrets.randbelow(10**5):05d}"
            try:
                return self.commit(QualityMeeting.hold(number, unit, record, audit))
            except IntegrityError:
                continue
        raise RuntimeError("could not allocate a meeting number")  # pragma: no cover


# -- CSV -----------------------------------------------------------------------------------

TARGET_COLUMNS = (
    "uscc",
    "name",
    "region_code",
    "industry",
    "products",
    "risk_tags",
    "priority",
    "abnormal",
    "complaints",
)
INSPECTOR_COLUMNS = ("staff_no", "lines", "qualifications", "active")
REQUIRED = {"uscc", "name", "region_code", "industry", "staff_no", "lines"}
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"", "0", "false", "no", "n", "否"}


def _rows(text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The data rows by line number (the header is line 1); a bad header or
    an empty file is refused outright."""
    if "\x00" in text:
        raise InvalidInputError("the CSV holds a NUL character", field="csv")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in columns if c in REQUIRED and c not in header]
    unknown = [h for h in header if h not in columns]
    if missing or unknown or len(set(header)) != len(header):
        raise InvalidInputError(
            f"the header must name the columns {list(columns)} (missing {missing}, unknown {unknown})",
            field="csv",
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise InvalidInputError(
                f"line {line} has {len(values)} fields, the header {len(header)}",
                field="csv",
                errors=(_error(line, "csv", "wrong number of fields"),),
            )
        rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
        if len(rows) > MAX_ROWS:
            raise InvalidInputError(f"at most {MAX_ROWS} rows per import", field="csv")
    if not rows:
        raise InvalidInputError("the CSV has no data rows", field="csv")
    return rows


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.replace("；", ";").split(";") if v.strip()]


def _flag(value: str) -> bool | str:
    lowered = value.strip().casefold()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value  # refused by the model, named in the report


def _target_fields(row: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        k: row[k] for k in ("uscc", "name", "region_code", "industry")
    }
    for key in ("products", "risk_tags", "priority"):
        fields[key] = _list(row.get(key, ""))
    fields["abnormal"] = _flag(row.get("abnormal", ""))
    fields["complaints"] = row.get("complaints", "") or "0"
    return fields


def _inspector_fields(row: dict[str, str]) -> dict[str, Any]:
    return {
        "staff_no": row["staff_no"],
        "lines": _list(row.get("lines", "")),
        "qualifications": _list(row.get("qualifications", "")),
        "active": _flag(row.get("active", "") or "true"),
    }


M = TypeVar("M", bound=BaseModel)


def _parse(
    model: type[M], fields: dict[str, Any], line: int, errors: list[dict[str, object]]
) -> M | None:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "row"
            errors.append(_error(line, field, e["msg"]))
        return None


def _error(line: int, field: str, message: str) -> dict[str, object]:
    return {"row": line, "field": field, "message": message}


def _no_repeats(
    rows: list[tuple[int, dict[str, str]]],
    field: str,
    errors: list[dict[str, object]],
) -> None:
    """A key the file names twice: reported at each later row."""
    seen: set[str] = set()
    for n, row in rows:
        k = row.get(field, "").strip().upper()
        if k and k in seen:
            errors.append(_error(n, field, f"{k} appears twice"))
        seen.add(k)


def _refuse_if(errors: list[dict[str, object]], rows: int) -> None:
    if errors:
        bad = len({e["row"] for e in errors})
        raise InvalidInputError(
            f"{bad} of {rows} rows are invalid; nothing was imported",
            field="csv",
            errors=tuple(errors[:MAX_ERRORS]),
        )


def _within(audit: Audit, region: str) -> bool:
    unit = audit.actor.unit_code
    return audit.actor.kind is ActorKind.SYSTEM or bool(unit and covers(unit, region))
