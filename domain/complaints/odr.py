"""ODR (在线消费纠纷解决): the business settles first (issue 10 §3a; DOMAIN
§3.4a, the national 12315 platform's online dispute resolution).

A business enrolled as an ODR enterprise (`OdrEnterprise`, by the approver
of the unit whose region it operates in) gets a key, shown once and kept
hashed. A consumer's complaint against it may go to the business first, by
the consumer's choice (the online form's `odr`, or the desk's classification
of what the consumer said): a `Dispute` (在线和解), on which
- the business negotiates and records the outcome within **10 working days**
  of receiving it: how, when, and what was agreed (`settle`) or why not
  (`record_no_settlement`). A settlement closes the matter;
- no settlement, or no answer in time, lets the consumer turn it into a
  complaint to the bureau in one step (`escalate`): nothing re-typed, the
  dispute's history attached to the complaint (its `odr_id`). The bureau's
  Art. 14 period (7 working days to accept) runs from that escalation, the
  day the bureau receives the complaint (DOMAIN §3.4a);
- the business sees the consumer's name and telephone number (what settling
  needs) and nothing else of them, each read recorded as an access event,
  and must keep them confidential (Art. 33's logic; DOMAIN §3.4a).
"""

from __future__ import annotations

import hmac
from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.complaints.matter import Timed, working_limit
from domain.complaints.parties import Channel, Remedy, Respondent, art
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.dates import years_after
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.personal import Sealed
from domain.shared.query_code import query_code_hash
from domain.shared.time_limit import TimeLimit
from eventsourcing.domain import event

ANSWER_WD = 10
ESCALATION_YEARS = 3  # Art. 15 (4): a complaint after 3 years is not accepted
RULE_ODR = "全国12315平台在线消费纠纷解决（ODR）：经营者10个工作日内与消费者协商和解并记录 (DOMAIN §3.4a)"
RULE_ESCALATION = "ODR未和解或逾期未处理，消费者可转为向市场监管部门投诉，第14条期限自此起算 (DOMAIN §3.4a)"


def enterprise_id(uscc: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:odr-enterprise:{uscc}")


def dispute_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:odr-dispute:{number}")


class OdrEnterprise(Aggregate):
    """A business enrolled in ODR, with the hash of its key (the key itself is
    shown once, at enrolment)."""

    PINNED_TOPIC = "casetrace.complaints.OdrEnterprise"

    class Enrolled(Aggregate.Created):
        uscc: str
        name: str
        region_code: str
        unit_code: str  # the enrolling unit, whose region covers the business
        key_hash: str
        enrolled_on: date

    class Reenrolled(Aggregate.Event):
        """Enrolled again after its enrolment ended, with a new key."""

        key_hash: str
        enrolled_on: date

    class Ended(Aggregate.Event):
        """No longer an ODR enterprise: new disputes go to the bureau; those
        already with it run on."""

        ended_on: date

    @event(Enrolled)
    def __init__(
        self,
        *,
        audit: Audit,
        uscc: str,
        name: str,
        region_code: str,
        unit_code: str,
        key_hash: str,
        enrolled_on: date,
    ) -> None:
        self.uscc = uscc
        self.name = name
        self.region_code = region_code
        self.unit_code = unit_code
        self.key_hash = key_hash
        self.enrolled_on = enrolled_on
        self.active = True

    @classmethod
    def enrol(
        cls,
        *,
        audit: Audit,
        uscc: str,
        name: str,
        region_code: str,
        unit_code: str,
        key: str,
        on: date,
    ) -> OdrEnterprise:
        require_reason(audit, "enrolling an ODR enterprise")
        return cls._create(
            cls.Enrolled,
            id=enterprise_id(uscc),
            audit=audit,
            uscc=uscc,
            name=name,
            region_code=region_code,
            unit_code=unit_code,
            key_hash=query_code_hash(uscc, key),
            enrolled_on=on,
        )

    def reenrol(self, key: str, on: date, audit: Audit) -> None:
        require_reason(audit, "enrolling an ODR enterprise")
        if self.active:
            raise IllegalTransitionError(
                f"{self.uscc} is already an ODR enterprise", rule=RULE_ODR
            )
        self._reenrolled(
            audit=audit, key_hash=query_code_hash(self.uscc, key), enrolled_on=on
        )

    def end(self, on: date, audit: Audit) -> None:
        require_reason(audit, "ending an ODR enrolment")
        if not self.active:
            raise IllegalTransitionError("the enrolment has already ended")
        self._ended(audit=audit, ended_on=on)

    def admits(self, key: str) -> bool:
        """The business's key, compared in constant time; an ended enrolment
        keeps its key for the disputes it still has."""
        return hmac.compare_digest(self.key_hash, query_code_hash(self.uscc, key))

    @event(Reenrolled)
    def _reenrolled(self, audit: Audit, key_hash: str, enrolled_on: date) -> None:
        self.key_hash = key_hash
        self.enrolled_on = enrolled_on
        self.active = True

    @event(Ended)
    def _ended(self, audit: Audit, ended_on: date) -> None:
        self.active = False


class Status(StrEnum):
    NEGOTIATING = "negotiating"  # with the business
    SETTLED = "settled"  # 和解: closed with the result recorded
    NOT_SETTLED = "not_settled"  # the business recorded no settlement
    ESCALATED = "escalated"  # turned into a complaint to the bureau


class DeadlineKind(StrEnum):
    ANSWER = "odr_answer"  # the business's 10 working days


class Negotiation(StrEnum):
    """How the business negotiated with the consumer."""

    ONLINE = "online"  # on the platform, in writing
    TELEPHONE = "telephone"
    IN_PERSON = "in_person"


class Dispute(Timed):
    """One consumer's complaint, with the business first (在线和解)."""

    PINNED_TOPIC = "casetrace.complaints.Dispute"
    LIMITS: ClassVar[dict[str, str]] = {DeadlineKind.ANSWER: "answer"}

    class Opened(Timed.Created):
        number: str
        intake_id: UUID
        enterprise_id: UUID
        channel: Channel
        consumer: Sealed
        respondent: Respondent
        facts: str
        claim: str
        intake_unit_code: str
        unit_code: str  # the unit with authority, which would take the complaint
        received_on: date
        answer: TimeLimit

    class Settled(Timed.Event):
        """The business's record of the settlement: how, when, what."""

        how: Negotiation
        negotiated_on: date
        terms: str
        recovered_fen: int
        remedies: tuple[Remedy, ...]

    class NotSettled(Timed.Event):
        how: Negotiation
        negotiated_on: date
        explanation: str

    class Escalated(Timed.Event):
        """Turned into a complaint to the bureau (the complaint's own events
        record its receipt); `contested`: over a settlement the business
        recorded and the consumer denies."""

        complaint_id: UUID
        escalated_on: date
        contested: bool = False

    @event(Opened)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        enterprise_id: UUID,
        channel: Channel,
        consumer: Sealed,
        respondent: Respondent,
        facts: str,
        claim: str,
        intake_unit_code: str,
        unit_code: str,
        received_on: date,
        answer: TimeLimit,
    ) -> None:
        self._answerable(audit)
        self.number = number
        self.intake_id = intake_id
        self.enterprise_id = enterprise_id
        self.channel = channel
        self.consumer = consumer
        self.respondent = respondent
        self.facts = facts
        self.claim = claim
        self.intake_unit_code = intake_unit_code
        self.unit_code = unit_code
        self.received_on = received_on
        self.answer = answer
        self.status = Status.NEGOTIATING
        self.missed: list[tuple[str, date]] = []
        self.how: Negotiation | None = None
        self.negotiated_on: date | None = None
        self.terms = ""
        self.explanation = ""
        self.recovered_fen = 0
        self.remedies: tuple[Remedy, ...] = ()
        self.complaint_id: UUID | None = None
        self.escalated_on: date | None = None

    @classmethod
    def open(
        cls,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        enterprise: OdrEnterprise,
        channel: Channel,
        consumer: Sealed,
        respondent: Respondent,
        facts: str,
        claim: str,
        intake_unit_code: str,
        unit_code: str,
        on: date,
        calendar: WorkingDayCalendar,
    ) -> Dispute:
        require_actor(audit)
        if not enterprise.active:
            raise InvalidInputError(
                f"{enterprise.uscc} is no longer an ODR enterprise: complain to"
                " the bureau",
                field="classification",
                rule=RULE_ODR,
            )
        if not claim.strip():
            raise InvalidInputError(
                "a complaint states what the consumer asks for",
                field="claim",
                rule=art(9),
            )
        return cls._create(
            cls.Opened,
            id=dispute_id(number),
            audit=audit,
            number=number,
            intake_id=intake_id,
            enterprise_id=enterprise.id,
            channel=channel,
            consumer=consumer,
            respondent=respondent,
            facts=facts,
            claim=claim,
            intake_unit_code=intake_unit_code,
            unit_code=unit_code,
            received_on=on,
            answer=working_limit(calendar, on, ANSWER_WD, RULE_ODR),
        )

    @property
    def people(self) -> tuple[Sealed, ...]:
        return (self.consumer,)

    @property
    def closed(self) -> bool:
        """Nothing more is owed on it: the business recorded its outcome, or
        let its 10 working days pass (recorded by the clock), or the consumer
        escalated. The consumer may still escalate within the window."""
        return self.status is not Status.NEGOTIATING or bool(self.missed)

    @property
    def escalation_ends(self) -> date:
        """The last day the consumer may escalate: 3 years from receipt, as a
        complaint would be time-barred after them (Art. 15 (4)); never after
        the people's data is destroyed (retention, matter.py)."""
        return years_after(self.received_on, ESCALATION_YEARS)

    # -- the business ----------------------------------------------------------------

    def require_negotiating(self) -> None:
        """What the business may do only while it negotiates (read the
        consumer's contact details: what settling needs, and no longer)."""
        if self.status is not Status.NEGOTIATING:
            raise IllegalTransitionError(
                f"the dispute is {self.status}: its outcome is recorded once, and"
                " the consumer's details served the negotiation only",
                rule=RULE_ODR,
            )

    def settle(
        self,
        how: Negotiation,
        negotiated_on: date,
        terms: str,
        recovered_fen: int,
        remedies: tuple[Remedy, ...],
        on: date,
        audit: Audit,
    ) -> None:
        """和解: closes the matter. A settlement after the 10 days is still one
        (the consumer agreed to it); the missed deadline stays on record."""
        require_actor(audit)
        self._require_negotiating(negotiated_on, on)
        if not terms.strip():
            raise InvalidInputError("record what was agreed", field="terms")
        if recovered_fen < 0:
            raise InvalidInputError(
                "the recovered amount is not negative", field="recovered_fen"
            )
        self._settled(
            audit=audit,
            how=how,
            negotiated_on=negotiated_on,
            terms=terms,
            recovered_fen=recovered_fen,
            remedies=tuple(dict.fromkeys(remedies)),
        )

    def record_no_settlement(
        self,
        how: Negotiation,
        negotiated_on: date,
        explanation: str,
        on: date,
        audit: Audit,
    ) -> None:
        require_actor(audit)
        self._require_negotiating(negotiated_on, on)
        if not explanation.strip():
            raise InvalidInputError(
                "say why no settlement was reached", field="explanation"
            )
        self._not_settled(
            audit=audit, how=how, negotiated_on=negotiated_on, explanation=explanation
        )

    # -- the consumer ------------------------------------------------------------------

    def _too_late(self, on: date) -> bool:
        """Past the escalation window, or its people's data destroyed."""
        return getattr(self, "shredded", False) or on > self.escalation_ends

    def may_escalate(self, on: date) -> bool:
        if self._too_late(on):
            return False
        if self.status in (Status.NOT_SETTLED, Status.SETTLED):
            return True  # a recorded settlement the consumer contests, too
        return self.status is Status.NEGOTIATING and on > self.answer.due.due

    def escalate(self, complaint_id: UUID, on: date, audit: Audit) -> None:
        """No settlement, or no answer within the 10 working days: the consumer
        turns the dispute into a complaint to the bureau. A settlement the
        business recorded does not bar it: the consumer may contest it (the
        business alone records it), and the escalation says so."""
        require_actor(audit)
        if self.status is Status.ESCALATED:
            raise IllegalTransitionError(
                "the dispute is already a complaint to the bureau",
                rule=RULE_ESCALATION,
            )
        if self._too_late(on):
            raise IllegalTransitionError(
                f"the time to turn it into a complaint ended on {self.escalation_ends}",
                rule=art(15, "第4项"),
            )
        if not self.may_escalate(on):
            raise IllegalTransitionError(
                f"the business has until {self.answer.due.due} to negotiate; a"
                " complaint to the bureau follows no settlement or no answer in time",
                rule=RULE_ESCALATION,
            )
        self._escalated(
            audit=audit,
            complaint_id=complaint_id,
            escalated_on=on,
            contested=self.status is Status.SETTLED,
        )

    # -- the clock's view ------------------------------------------------------------

    def due_deadlines(self) -> list[tuple[DeadlineKind, date, str]]:
        due: list[tuple[DeadlineKind, date, str]] = []
        if self.status is Status.NEGOTIATING:
            due.append((DeadlineKind.ANSWER, self.answer.due.due, RULE_ODR))
        return [d for d in due if (d[0], d[1]) not in self.missed]

    def _require_negotiating(self, negotiated_on: date, on: date) -> None:
        """The outcome is recorded once, dated within the negotiation."""
        self.require_negotiating()
        if not self.received_on <= negotiated_on <= on:
            raise InvalidInputError(
                f"the negotiation is dated between {self.received_on} and today",
                field="negotiated_on",
            )

    # -- mutators --------------------------------------------------------------------

    @event(Settled)
    def _settled(
        self,
        audit: Audit,
        how: Negotiation,
        negotiated_on: date,
        terms: str,
        recovered_fen: int,
        remedies: tuple[Remedy, ...],
    ) -> None:
        self.status = Status.SETTLED
        self.how = how
        self.negotiated_on = negotiated_on
        self.terms = terms
        self.recovered_fen = recovered_fen
        self.remedies = remedies

    @event(NotSettled)
    def _not_settled(
        self, audit: Audit, how: Negotiation, negotiated_on: date, explanation: str
    ) -> None:
        self.status = Status.NOT_SETTLED
        self.how = how
        self.negotiated_on = negotiated_on
        self.explanation = explanation

    @event(Escalated)
    def _escalated(
        self,
        audit: Audit,
        complaint_id: UUID,
        escalated_on: date,
        contested: bool = False,
    ) -> None:
        self.status = Status.ESCALATED
        self.complaint_id = complaint_id
        self.escalated_on = escalated_on
