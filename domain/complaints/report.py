"""Report (举报): a lead that a business broke the law, verified and then
decided: a case opened (立案) or not (DOMAIN §3.3).

Periods are working days:
- the lead is verified within 15 of receipt by the unit with authority,
  +15 once with an approver's approval and reason; time for testing,
  inspection, quarantine, appraisal and rights-holder identification is not
  counted (处罚程序规定 Art. 18);
- a jurisdiction dispute is settled within 7, or goes to the common superior
  (Art. 30);
- a named reporter is told whether a case was opened within 5 of that
  decision (Art. 31); an anonymous reporter is told nothing, and no deadline
  runs for them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.complaints.matter import Matter, working_limit
from domain.complaints.parties import (
    PENALTY_PROCEDURE,
    VERIFICATION_EXCLUSIONS,
    Channel,
    ExcludedPeriod,
    NotOpenedGround,
    Respondent,
    art,
)
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.jurisdiction import covers, normalise_region_code
from domain.shared.personal import Sealed
from domain.shared.time_limit import Extension, TimeLimit
from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

VERIFICATION_WD = 15  # 处罚程序规定 Art. 18
VERIFICATION_EXTENSION_WD = 15  # the same article, with approval
REPORTER_NOTICE_WD = 5  # Art. 31
JURISDICTION_WD = 7  # Art. 30
MIN_OFFICERS = 2  # 处罚程序规定 Art. 19 (两名以上具有执法资格的人员)

ART_18 = f"{PENALTY_PROCEDURE} 第18条"
ART_19 = f"{PENALTY_PROCEDURE} 第19条"
ART_20 = f"{PENALTY_PROCEDURE} 第20条"
ART_30 = art(30)
ART_31 = art(31)
ART_32 = art(32)


def report_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:report:{number}")


class Status(StrEnum):
    REGISTERED = "registered"  # the lead under verification
    DISPUTED = "disputed"  # jurisdiction disputed (Art. 30)
    CASE_OPENED = "case_opened"  # 立案
    NOT_OPENED = "not_opened"  # 不予立案


class Source(StrEnum):
    INTAKE = "intake"  # a report received by the 12315 line
    MEDIATION = "mediation"  # Art. 23: a violation found in mediation


class DeadlineKind(StrEnum):
    VERIFICATION = "verification"  # 处罚程序规定 Art. 18
    REPORTER_NOTICE = "reporter_notice"  # Art. 31
    JURISDICTION = "jurisdiction"  # Art. 30


class Officer(BaseModel):
    """An enforcement officer named on the case (执法人员)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_no: str
    name: str


class Report(Matter):
    PINNED_TOPIC = "casetrace.complaints.Report"
    LIMITS: ClassVar[dict[str, str]] = {
        DeadlineKind.VERIFICATION: "verification",
        DeadlineKind.JURISDICTION: "settle_by",
        DeadlineKind.REPORTER_NOTICE: "notice",
    }

    class Opened(Matter.Created):
        number: str
        intake_id: UUID
        channel: Channel
        source: Source
        reporter: Sealed | None  # None: anonymous
        respondent: Respondent
        facts: str
        intake_unit_code: str
        unit_code: str
        received_on: date
        verification: TimeLimit
        linked_id: UUID | None

    class PeriodExcluded(Matter.Event):
        kind: ExcludedPeriod
        verification: TimeLimit

    class PeriodResumed(Matter.Event):
        verification: TimeLimit

    class VerificationExtended(Matter.Event):
        verification: TimeLimit

    class JurisdictionDisputed(Matter.Event):
        with_unit: str
        disputed_on: date
        settle_by: TimeLimit

    class JurisdictionSettled(Matter.Event):
        """By agreement, or designated by the common superior (Art. 30)."""

        unit_code: str
        designated: bool
        received_on: date
        verification: TimeLimit

    class CaseOpened(Matter.Event):
        officers: tuple[Officer, ...]
        decided_on: date
        notice: TimeLimit | None  # a named reporter is told within 5 working days

    class NotOpened(Matter.Event):
        ground: NotOpenedGround
        rule: str
        decided_on: date
        notice: TimeLimit | None

    class ReporterNotified(Matter.Event):
        """Art. 31: a named reporter told whether a case was opened."""

        notified_on: date

    class ResultNotified(Matter.Event):
        """Art. 32: the result (and any reward) where the rules require it."""

        result: str
        reward_fen: int
        notified_on: date

    @event(Opened)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        channel: Channel,
        source: Source,
        reporter: Sealed | None,
        respondent: Respondent,
        facts: str,
        intake_unit_code: str,
        unit_code: str,
        received_on: date,
        verification: TimeLimit,
        linked_id: UUID | None,
    ) -> None:
        self._begin(
            audit=audit,
            number=number,
            intake_id=intake_id,
            channel=channel,
            respondent=respondent,
            facts=facts,
            intake_unit_code=intake_unit_code,
            unit_code=unit_code,
            received_on=received_on,
            linked_id=linked_id,
        )
        self.source = source
        self.reporter = reporter
        self.verification = verification
        self.status = Status.REGISTERED
        self.disputed_with: str | None = None
        self.settle_by: TimeLimit | None = None
        self.officers: tuple[Officer, ...] = ()
        self.ground: NotOpenedGround | None = None
        self.decided_on: date | None = None
        self.notice: TimeLimit | None = None
        self.reporter_notified_on: date | None = None
        self.result_notified = False

    @classmethod
    def open(
        cls,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        channel: Channel,
        source: Source,
        reporter: Sealed | None,
        respondent: Respondent,
        facts: str,
        intake_unit_code: str,
        unit_code: str,
        on: date,
        calendar: WorkingDayCalendar,
        linked_id: UUID | None = None,
    ) -> Report:
        """Registers the lead; verification runs 15 working days from receipt."""
        require_actor(audit)
        return cls._create(
            cls.Opened,
            id=report_id(number),
            audit=audit,
            number=number,
            intake_id=intake_id,
            channel=channel,
            source=source,
            reporter=reporter,
            respondent=respondent,
            facts=facts,
            intake_unit_code=intake_unit_code,
            unit_code=unit_code,
            received_on=on,
            verification=working_limit(calendar, on, VERIFICATION_WD, ART_18),
            linked_id=linked_id,
        )

    @property
    def people(self) -> tuple[Sealed, ...]:
        return (self.reporter,) if self.reporter else ()

    @property
    def anonymous(self) -> bool:
        return self.reporter is None

    @property
    def enforcement_origin(self) -> str | None:
        """A report whose case was opened (立案) leads to a penalty case."""
        return "report" if self.status is Status.CASE_OPENED else None

    @property
    def enforcement_opened_on(self) -> date | None:
        """立案 was decided on `decided_on` (CaseOpened)."""
        return self.decided_on if self.status is Status.CASE_OPENED else None

    # -- verification (处罚程序规定 Art. 18) ------------------------------------------

    def exclude_period(self, kind: ExcludedPeriod, on: date, audit: Audit) -> None:
        require_reason(audit, "stopping the verification period")
        self._require_verifying("stop the verification period")
        if kind not in VERIFICATION_EXCLUSIONS:
            raise InvalidInputError(
                f"{kind} does not stop the verification period",
                field="kind",
                rule=ART_18,
            )
        self._period_excluded(
            audit=audit,
            kind=kind,
            verification=self.verification.stop(kind, on, ART_18),
        )

    def resume_period(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require_verifying("resume the verification period")
        self._period_resumed(
            audit=audit, verification=self.verification.resume(on, calendar, ART_18)
        )

    def extend_verification(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """+15 working days once, approved by the approver, with the reason."""
        require_reason(audit, "extending the verification")
        self._require_verifying("extend the verification")
        extension = Extension(
            days=VERIFICATION_EXTENSION_WD,
            approved_by=audit.actor.name,
            reason=audit.reason or "",
            rule=ART_18,
        )
        self._verification_extended(
            audit=audit, verification=self.verification.extend(extension, on, calendar)
        )

    # -- jurisdiction disputes (Art. 30) -----------------------------------------------

    def dispute_jurisdiction(
        self, with_unit: str, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        require_reason(audit, "recording a jurisdiction dispute")
        self._require_verifying("dispute jurisdiction")
        other = normalise_region_code(with_unit)
        if other == self.unit_code:
            raise InvalidInputError(
                "a dispute is with another unit", field="with_unit", rule=ART_30
            )
        self._jurisdiction_disputed(
            audit=audit,
            with_unit=other,
            disputed_on=on,
            settle_by=working_limit(calendar, on, JURISDICTION_WD, ART_30),
        )

    def settle_jurisdiction(
        self, unit_code: str, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """By agreement of the two units, or designated by their common
        superior (whose unit covers both). A report settled to another unit is
        received there: its verification restarts from that day."""
        require_reason(audit, "settling jurisdiction")
        if self.status is not Status.DISPUTED or self.disputed_with is None:
            raise IllegalTransitionError(
                "no jurisdiction dispute to settle", rule=ART_30
            )
        unit = normalise_region_code(unit_code)
        if unit not in (self.unit_code, self.disputed_with):
            raise InvalidInputError(
                "the dispute is settled to one of the two units",
                field="unit_code",
                rule=ART_30,
            )
        actor_unit = audit.actor.unit_code or ""
        designated = actor_unit not in (self.unit_code, self.disputed_with)
        if designated and not (
            covers(actor_unit, self.unit_code)
            and covers(actor_unit, self.disputed_with)
        ):
            raise IllegalTransitionError(
                "the two units agree, or their common superior designates",
                rule=ART_30,
            )
        moved = unit != self.unit_code
        verification = (
            working_limit(calendar, on, VERIFICATION_WD, ART_18)
            if moved
            else self.verification
        )
        self._jurisdiction_settled(
            audit=audit,
            unit_code=unit,
            designated=designated,
            received_on=on if moved else self.received_on,
            verification=verification,
        )

    # -- the decision (处罚程序规定 Arts. 19–20; measures Art. 31) ----------------------

    def open_case(
        self,
        officers: tuple[Officer, ...],
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """立案 with two or more officers; a named reporter is told within 5
        working days (Art. 31)."""
        require_reason(audit, "opening a case")
        self._require_verifying("open a case")
        named = tuple({o.staff_no: o for o in officers}.values())
        if len(named) < MIN_OFFICERS:
            raise InvalidInputError(
                "a case is handled by two or more officers",
                field="officers",
                rule=ART_19,
            )
        self._case_opened(
            audit=audit,
            officers=named,
            decided_on=on,
            notice=self._notice(on, calendar),
        )

    def decline(
        self,
        ground: NotOpenedGround,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """不予立案 with its ground; a named reporter is told within 5 working days."""
        require_reason(audit, "not opening a case")
        self._require_verifying("decide not to open a case")
        self._not_opened(
            audit=audit,
            ground=ground,
            rule=ART_20,
            decided_on=on,
            notice=self._notice(on, calendar),
        )

    def notify_reporter(self, on: date, audit: Audit) -> None:
        require_actor(audit)
        self._require_named("told of the decision")
        if self.notice is None:
            raise IllegalTransitionError(
                "the reporter is told once the decision is made", rule=ART_31
            )
        if self.reporter_notified_on is not None:
            raise IllegalTransitionError("the reporter was already told", rule=ART_31)
        self._reporter_notified(audit=audit, notified_on=on)

    def notify_result(
        self, result: str, reward_fen: int, on: date, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require_named("told of the result")
        if self.status is not Status.CASE_OPENED:
            raise IllegalTransitionError(
                "a result is told for a case that was opened", rule=ART_32
            )
        if reward_fen < 0:
            raise InvalidInputError("a reward is not negative", field="reward_fen")
        if self.result_notified:
            raise IllegalTransitionError("the result was already told", rule=ART_32)
        self._result_notified(
            audit=audit, result=result, reward_fen=reward_fen, notified_on=on
        )

    # -- the clock's view --------------------------------------------------------------

    def due_deadlines(self) -> list[tuple[DeadlineKind, date, str]]:
        due: list[tuple[DeadlineKind, date, str]] = []
        verifying = self.status is Status.REGISTERED and not self.returned
        if verifying and self.verification.running:
            due.append((DeadlineKind.VERIFICATION, self.verification.due.due, ART_18))
        if self.status is Status.DISPUTED and self.settle_by is not None:
            due.append((DeadlineKind.JURISDICTION, self.settle_by.due.due, ART_30))
        if self.notice is not None and self.reporter_notified_on is None:
            due.append((DeadlineKind.REPORTER_NOTICE, self.notice.due.due, ART_31))
        return [d for d in due if (d[0], d[1]) not in self.missed]

    # -- internals ---------------------------------------------------------------------

    def _decided(self) -> bool:
        return self.status in (Status.CASE_OPENED, Status.NOT_OPENED)

    def _restarted_limit(
        self, on: date, calendar: WorkingDayCalendar
    ) -> TimeLimit | None:
        if self._decided():
            return None
        return working_limit(calendar, on, VERIFICATION_WD, ART_18)

    def on_routed(self, limit: TimeLimit | None) -> None:
        if limit is not None:
            self.verification = limit
        if self.status is Status.DISPUTED:
            self.status = Status.REGISTERED

    def _require_verifying(self, action: str) -> None:
        if self.status is not Status.REGISTERED:
            raise IllegalTransitionError(
                f"cannot {action}: the report is {self.status}", rule=ART_18
            )
        if self.returned:
            raise IllegalTransitionError(
                "the report is back with the intake unit to be routed", rule=art(37)
            )

    def _require_named(self, what: str) -> None:
        if self.anonymous:
            raise IllegalTransitionError(
                f"an anonymous reporter is not {what}: there is no one to tell",
                rule=ART_31,
            )

    def _notice(self, on: date, calendar: WorkingDayCalendar) -> TimeLimit | None:
        if self.anonymous:
            return None
        return working_limit(calendar, on, REPORTER_NOTICE_WD, ART_31)

    # -- mutators ----------------------------------------------------------------------

    @event(PeriodExcluded)
    def _period_excluded(
        self, audit: Audit, kind: ExcludedPeriod, verification: TimeLimit
    ) -> None:
        self.verification = verification

    @event(PeriodResumed)
    def _period_resumed(self, audit: Audit, verification: TimeLimit) -> None:
        self.verification = verification

    @event(VerificationExtended)
    def _verification_extended(self, audit: Audit, verification: TimeLimit) -> None:
        self.verification = verification

    @event(JurisdictionDisputed)
    def _jurisdiction_disputed(
        self, audit: Audit, with_unit: str, disputed_on: date, settle_by: TimeLimit
    ) -> None:
        self.status = Status.DISPUTED
        self.disputed_with = with_unit
        self.settle_by = settle_by

    @event(JurisdictionSettled)
    def _jurisdiction_settled(
        self,
        audit: Audit,
        unit_code: str,
        designated: bool,
        received_on: date,
        verification: TimeLimit,
    ) -> None:
        self.status = Status.REGISTERED
        self.unit_code = unit_code
        self.received_on = received_on
        self.verification = verification
        self.disputed_with = None
        self.settle_by = None

    @event(CaseOpened)
    def _case_opened(
        self,
        audit: Audit,
        officers: tuple[Officer, ...],
        decided_on: date,
        notice: TimeLimit | None,
    ) -> None:
        self.status = Status.CASE_OPENED
        self.officers = officers
        self.decided_on = decided_on
        self.notice = notice
        self.closed = notice is None

    @event(NotOpened)
    def _not_opened(
        self,
        audit: Audit,
        ground: NotOpenedGround,
        rule: str,
        decided_on: date,
        notice: TimeLimit | None,
    ) -> None:
        self.status = Status.NOT_OPENED
        self.ground = ground
        self.decided_on = decided_on
        self.notice = notice
        self.closed = notice is None

    @event(ReporterNotified)
    def _reporter_notified(self, audit: Audit, notified_on: date) -> None:
        self.reporter_notified_on = notified_on
        self.closed = True

    @event(ResultNotified)
    def _result_notified(
        self, audit: Audit, result: str, reward_fen: int, notified_on: date
    ) -> None:
        self.result_notified = True
