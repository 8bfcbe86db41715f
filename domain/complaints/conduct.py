"""Conduct complaint (效能投诉): a complaint about a member of staff's conduct
or the bureau's work style (issue 10 §6; seed 001, the Zhenjiang bureau's
作风建设投诉 line and its 督察: "认真做好核查工作。发现问题，主动整改，及时反馈").

The intake desk classifies an intake as one (`Classification.CONDUCT`),
naming the unit complained about and, when known, the member of staff. From
then on it is the supervision office's (督察 / 纪检, `Role.SUPERVISION`) alone:
- only the supervision office, within its jurisdiction over the unit
  complained about, and auditors know of it. To everyone else, and always to
  the member of staff complained about whatever roles they hold, it does not
  exist: the API answers as for an unknown case (404), the staff index and
  the deadline board leave it out. The intake it came from stays known to
  the desk that recorded it (`Intake.readable_by`), never to that person;
- no statute fixes its period: the bureau's own rule does (below);
- the supervision office records the outcome (属实 / 部分属实 / 不属实 and
  the measures taken) and tells the complainant, which closes it; the
  complainant may then rate the handling once (评议), as for a complaint.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.complaints.matter import Timed, working_limit
from domain.complaints.parties import Channel, Rating
from domain.shared.audit import Audit, Role, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.personal import Sealed
from domain.shared.time_limit import TimeLimit
from eventsourcing.domain import event

# UNCONFIRMED: no statute fixes a period for a complaint about the bureau's
# own staff (the 暂行办法 govern complaints about businesses; Art. 39 sends
# 纪检监察 accusations elsewhere). Seed 001 names the bureau's 限时办结制 and
# 作风建设投诉 without a number; 15 working days to conclude and answer is the
# bureau's 效能投诉 rule as we apply it, to confirm with its 法制科 (DOMAIN §10).
CONCLUSION_WD = 15
RULE_CONCLUSION = (
    "本局效能投诉办理规定：15个工作日内办结并答复投诉人（seed 001 限时办结制）"
)
RULE_CONDUCT = "效能投诉 (issue 10 §6; seed 001 作风建设投诉、督察)"

# Who may know of a conduct complaint: the supervision office and auditors;
# of the intake it came from, also the desk that recorded it.
READERS = frozenset({Role.SUPERVISION, Role.AUDITOR})
INTAKE_READERS = READERS | {Role.INTAKE}


def conduct_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:conduct:{number}")


def may_know(
    readers: frozenset[Role],
    subject_no: str | None,
    staff_no: str,
    roles: frozenset[Role],
) -> bool:
    """One of `readers`, and never the member of staff complained about."""
    return staff_no != subject_no and not readers.isdisjoint(roles)


class Status(StrEnum):
    REGISTERED = "registered"  # with the supervision office, being looked into
    CONCLUDED = "concluded"  # the outcome recorded; the complainant not yet told
    CLOSED = "closed"  # the complainant told (办结)


class Finding(StrEnum):
    """What the supervision office found the complaint to be."""

    SUBSTANTIATED = "substantiated"  # 属实
    PARTLY_SUBSTANTIATED = "partly_substantiated"  # 部分属实
    NOT_SUBSTANTIATED = "not_substantiated"  # 不属实


class DeadlineKind(StrEnum):
    CONCLUSION = "conclusion"  # the bureau's 效能投诉 rule (UNCONFIRMED)


class ConductComplaint(Timed):
    PINNED_TOPIC = "casetrace.complaints.ConductComplaint"
    LIMITS: ClassVar[dict[str, str]] = {DeadlineKind.CONCLUSION: "conclusion"}

    class Opened(Timed.Created):
        number: str
        intake_id: UUID
        channel: Channel
        complainant: Sealed
        unit_code: str  # the unit complained about
        subject_no: str | None  # the member of staff complained about, if named
        subject_name: str | None
        facts: str
        claim: str
        intake_unit_code: str
        received_on: date
        conclusion: TimeLimit

    class OutcomeRecorded(Timed.Event):
        finding: Finding
        measures: str  # 整改措施 / 处理结果
        concluded_on: date

    class ComplainantNotified(Timed.Event):
        notified_on: date

    class Rated(Timed.Event):
        rating: Rating
        comment: str
        rated_on: date

    @event(Opened)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        channel: Channel,
        complainant: Sealed,
        unit_code: str,
        subject_no: str | None,
        subject_name: str | None,
        facts: str,
        claim: str,
        intake_unit_code: str,
        received_on: date,
        conclusion: TimeLimit,
    ) -> None:
        self._answerable(audit)
        self.number = number
        self.intake_id = intake_id
        self.channel = channel
        self.complainant = complainant
        self.unit_code = unit_code
        self.subject_no = subject_no
        self.subject_name = subject_name
        self.facts = facts
        self.claim = claim
        self.intake_unit_code = intake_unit_code
        self.received_on = received_on
        self.conclusion = conclusion
        self.status = Status.REGISTERED
        self.finding: Finding | None = None
        self.measures = ""
        self.concluded_on: date | None = None
        self.notified_on: date | None = None
        self.rating: Rating | None = None
        self.missed: list[tuple[str, date]] = []
        self.closed = False

    @classmethod
    def open(
        cls,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        channel: Channel,
        complainant: Sealed,
        unit_code: str,
        subject_no: str | None,
        subject_name: str | None,
        facts: str,
        claim: str,
        intake_unit_code: str,
        on: date,
        calendar: WorkingDayCalendar,
    ) -> ConductComplaint:
        require_actor(audit)
        return cls._create(
            cls.Opened,
            id=conduct_id(number),
            audit=audit,
            number=number,
            intake_id=intake_id,
            channel=channel,
            complainant=complainant,
            unit_code=unit_code,
            subject_no=subject_no,
            subject_name=subject_name,
            facts=facts,
            claim=claim,
            intake_unit_code=intake_unit_code,
            received_on=on,
            conclusion=working_limit(calendar, on, CONCLUSION_WD, RULE_CONCLUSION),
        )

    @property
    def people(self) -> tuple[Sealed, ...]:
        return (self.complainant,)

    def readable_by(self, staff_no: str, roles: frozenset[Role]) -> bool:
        return may_know(READERS, self.subject_no, staff_no, roles)

    # -- decisions -------------------------------------------------------------------

    def record_outcome(
        self, finding: Finding, measures: str, on: date, audit: Audit
    ) -> None:
        """What was found, and what was done about it: a complaint found true
        in whole or in part names its measures (seed 001: 主动整改)."""
        require_reason(audit, "recording a conduct complaint's outcome")
        if self.status is not Status.REGISTERED:
            raise IllegalTransitionError(
                f"the conduct complaint is already {self.status}", rule=RULE_CONDUCT
            )
        if on < self.received_on:
            raise InvalidInputError(
                "an outcome is not dated before the receipt", field="on"
            )
        if finding is not Finding.NOT_SUBSTANTIATED and not measures.strip():
            raise InvalidInputError(
                "a complaint found true names the measures taken",
                field="measures",
                rule=RULE_CONDUCT,
            )
        self._outcome_recorded(
            audit=audit, finding=finding, measures=measures, concluded_on=on
        )

    def notify_complainant(self, on: date, audit: Audit) -> None:
        """The complainant told of the outcome (seed 001: 及时反馈): 办结."""
        require_actor(audit)
        if self.status is not Status.CONCLUDED:
            raise IllegalTransitionError(
                "the complainant is told once the outcome is recorded",
                rule=RULE_CONDUCT,
            )
        self._complainant_notified(audit=audit, notified_on=on)

    def rate(self, rating: Rating, comment: str, on: date, audit: Audit) -> None:
        """评议: once, after the conduct complaint is closed."""
        require_actor(audit)
        if not self.closed:
            raise IllegalTransitionError("the handling is rated once it is closed")
        if self.rating is not None:
            raise IllegalTransitionError("the handling was already rated")
        self._rated(audit=audit, rating=rating, comment=comment, rated_on=on)

    # -- the clock's view ------------------------------------------------------------

    def due_deadlines(self) -> list[tuple[DeadlineKind, date, str]]:
        """Concluded means the complainant told: the period runs until then."""
        due = self.conclusion.due.due
        if self.closed or (DeadlineKind.CONCLUSION.value, due) in self.missed:
            return []
        return [(DeadlineKind.CONCLUSION, due, RULE_CONCLUSION)]

    # -- mutators --------------------------------------------------------------------

    @event(OutcomeRecorded)
    def _outcome_recorded(
        self, audit: Audit, finding: Finding, measures: str, concluded_on: date
    ) -> None:
        self.status = Status.CONCLUDED
        self.finding = finding
        self.measures = measures
        self.concluded_on = concluded_on

    @event(ComplainantNotified)
    def _complainant_notified(self, audit: Audit, notified_on: date) -> None:
        self.status = Status.CLOSED
        self.notified_on = notified_on
        self.closed = True

    @event(Rated)
    def _rated(
        self, audit: Audit, rating: Rating, comment: str, rated_on: date
    ) -> None:
        self.rating = rating
