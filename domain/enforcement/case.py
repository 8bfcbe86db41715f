"""EnforcementCase (行政处罚案件): 立案 with two or more officers → evidence →
hearing right notified → decision within 90 days → served within 7 working
days → paid within 15 days or compulsory enforcement → 结案.

The rules and their articles are in domain/enforcement/terms.py; each refusal
here names the article it enforces.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.enforcement.terms import (
    ART_9,
    ART_51,
    ART_60,
    ART_61,
    ART_63,
    ART_64,
    ART_66,
    ART_67,
    ART_72,
    DECISION_DAYS,
    EXTENSION_DAYS,
    HEARING,
    HEARING_KINDS,
    HEARING_REQUEST_WD,
    LARGE_AMOUNT_ORG_FEN,
    LARGE_AMOUNT_PERSON_FEN,
    MIN_OFFICERS,
    PAYMENT_DAYS,
    PROCEDURE_19,
    PROCEDURE_64,
    PUBLICATION_2,
    REVOCATION_RULES,
    SCHEMA_RULE,
    SERVICE_WD,
    SUMMARY_FINE_ORG_FEN,
    SUMMARY_FINE_PERSON_FEN,
    WITHDRAWAL_RULE,
    Decision,
    DecisionRevocationGround,
    Evidence,
    ExcludedPeriod,
    Instalments,
    NoPenaltyGround,
    Officer,
    Origin,
    Party,
    PartyType,
    PenaltyKind,
    Procedure,
    ServiceMethod,
    law,
    publishable,
)
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate
from domain.shared.time_limit import Counting, Extension, TimeLimit
from eventsourcing.domain import event


def decision_number_id(unit_code: str, number: str) -> UUID:
    """The id of a decision number's reservation: one per unit and number."""
    return uuid5(NAMESPACE_URL, f"casetrace:enforcement:decision:{unit_code}:{number}")


class Status(StrEnum):
    OPENED = "opened"  # 立案: under investigation
    DECIDED = "decided"  # 处罚决定书 made, not yet served
    SERVED = "served"  # 送达; payment (if any) due
    PAID = "paid"  # 罚没款 paid in full
    ENFORCEMENT_APPLIED = "enforcement_applied"  # 强制执行 (Art. 72)
    CLOSED = "closed"  # 结案 (or 不予处罚 / 撤销立案)
    DECISION_REVOKED = "decision_revoked"  # the decision was set aside


class DeadlineKind(StrEnum):
    DECISION = "decision"  # Art. 60: 90 days from 立案
    HEARING_REQUEST = "hearing_request"  # Art. 64: the party's 5 working days
    SERVICE = "service"  # Art. 61: 7 working days from the decision
    PAYMENT = "payment"  # Art. 67: 15 days from service (the party's)


def calendar_limit(
    calendar: WorkingDayCalendar, start: date, days: int, rule: str
) -> TimeLimit:
    return TimeLimit.begin(
        calendar, start=start, days=days, counting=Counting.CALENDAR, rule=rule
    )


def working_limit(
    calendar: WorkingDayCalendar, start: date, days: int, rule: str
) -> TimeLimit:
    return TimeLimit.begin(
        calendar, start=start, days=days, counting=Counting.WORKING, rule=rule
    )


class DecisionNumber(Aggregate):
    """A decision number taken in a unit: saved with the decision, so that a
    second decision under the same number fails atomically (CF_WSH is unique)."""

    PINNED_TOPIC = "casetrace.enforcement.DecisionNumber"

    class Taken(Aggregate.Created):
        unit_code: str
        number: str
        case_id: UUID

    @event(Taken)
    def __init__(
        self, *, audit: Audit, unit_code: str, number: str, case_id: UUID
    ) -> None:
        self.unit_code = unit_code
        self.number = number
        self.case_id = case_id

    @staticmethod
    def create_id(*_: Any, unit_code: str = "", number: str = "", **__: Any) -> UUID:
        return decision_number_id(unit_code, number)


class EnforcementCase(Aggregate):
    PINNED_TOPIC = "casetrace.enforcement.EnforcementCase"
    LIMITS: ClassVar[dict[str, str]] = {
        DeadlineKind.DECISION: "decision_limit",
        DeadlineKind.HEARING_REQUEST: "hearing_window",
        DeadlineKind.SERVICE: "service_limit",
        DeadlineKind.PAYMENT: "payment_limit",
    }

    class Opened(Aggregate.Created):
        number: str
        unit_code: str
        party: Party
        facts: str
        officers: tuple[Officer, ...]
        origin: Origin | None  # None: on the bureau's own motion
        opened_on: date
        decision_limit: TimeLimit

    class EvidenceRecorded(Aggregate.Event):
        evidence: Evidence

    class PeriodExcluded(Aggregate.Event):
        kind: str
        decision_limit: TimeLimit

    class PeriodResumed(Aggregate.Event):
        decision_limit: TimeLimit

    class DecisionLimitExtended(Aggregate.Event):
        decision_limit: TimeLimit

    class HearingRightNotified(Aggregate.Event):
        notified_on: date
        hearing_window: TimeLimit

    class HearingRequested(Aggregate.Event):
        requested_on: date
        decision_limit: TimeLimit

    class HearingHeld(Aggregate.Event):
        held_on: date
        decision_limit: TimeLimit

    class HearingWaived(Aggregate.Event):
        waived_on: date
        decision_limit: TimeLimit

    class Decided(Aggregate.Event):
        decision: Decision
        service_limit: TimeLimit

    class NotPenalised(Aggregate.Event):
        """不予处罚 or 撤销立案: the case closes with no penalty."""

        ground: NoPenaltyGround
        rule: str
        decided_on: date

    class Served(Aggregate.Event):
        served_on: date
        method: ServiceMethod
        late: bool
        payment_limit: TimeLimit | None

    class InstalmentsApproved(Aggregate.Event):
        instalments: Instalments

    class PaymentRecorded(Aggregate.Event):
        amount_fen: int
        paid_on: date
        paid_fen: int  # in all, after this payment
        in_full: bool

    class EnforcementApplied(Aggregate.Event):
        applied_on: date
        outstanding_fen: int

    class Closed(Aggregate.Event):
        closed_on: date

    class DecisionRevoked(Aggregate.Event):
        """The decision no longer stands (复议、诉讼 or 自行纠正)."""

        ground: DecisionRevocationGround
        revoked_on: date
        rule: str

    class DeadlineMissed(Aggregate.Event):
        """The clock saw a legal deadline pass with nothing done (DESIGN §3)."""

        kind: str
        due: date
        rule: str

        def apply(self, aggregate: Any) -> None:
            aggregate.missed.append((self.kind, self.due))

    class DeadlinesRecomputed(Aggregate.Event):
        """A holiday notice was published: provisional limits worked out again."""

        calendar_version: str
        limits: dict[str, TimeLimit]

        def apply(self, aggregate: Any) -> None:
            for kind, limit in self.limits.items():
                setattr(aggregate, aggregate.LIMITS[kind], limit)

    @event(Opened)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        unit_code: str,
        party: Party,
        facts: str,
        officers: tuple[Officer, ...],
        origin: Origin | None,
        opened_on: date,
        decision_limit: TimeLimit,
    ) -> None:
        self.number = number
        self.unit_code = unit_code
        self.party = party
        self.facts = facts
        self.officers = officers
        self.origin = origin
        self.opened_on = opened_on
        self.decision_limit = decision_limit
        self.status = Status.OPENED
        self.evidence: list[Evidence] = []
        self.hearing_notified_on: date | None = None
        self.hearing_window: TimeLimit | None = None
        self.hearing_requested_on: date | None = None
        self.hearing_held_on: date | None = None
        self.hearing_waived_on: date | None = None
        self.decision: Decision | None = None
        self.no_penalty: NoPenaltyGround | None = None
        self.decided_on: date | None = None
        self.service_limit: TimeLimit | None = None
        self.served_on: date | None = None
        self.service_method: ServiceMethod | None = None
        self.served_late = False
        self.payment_limit: TimeLimit | None = None
        self.instalments: Instalments | None = None
        self.paid_fen = 0
        self.enforcement_applied_on: date | None = None
        self.closed_on: date | None = None
        self.missed: list[tuple[str, date]] = []

    @classmethod
    def open(
        cls,
        *,
        audit: Audit,
        number: str,
        unit_code: str,
        party: Party,
        facts: str,
        officers: tuple[Officer, ...],
        origin: Origin | None,
        on: date,
        calendar: WorkingDayCalendar,
    ) -> EnforcementCase:
        """立案 on `on` (the origin's 立案 date, or today): 90 calendar days to
        decide (行政处罚法 Art. 60)."""
        require_reason(audit, "opening a penalty case")
        named = tuple({o.staff_no: o for o in officers}.values())
        if len(named) < MIN_OFFICERS:
            raise InvalidInputError(
                "a case is handled by two or more officers",
                field="officers",
                rule=PROCEDURE_19,
            )
        require_party(party)
        return cls._create(
            cls.Opened,
            audit=audit,
            number=number,
            unit_code=unit_code,
            party=party,
            facts=facts,
            officers=named,
            origin=origin,
            opened_on=on,
            decision_limit=calendar_limit(calendar, on, DECISION_DAYS, ART_60),
        )

    # -- investigation ---------------------------------------------------------------

    def record_evidence(self, evidence: Evidence, on: date, audit: Audit) -> None:
        require_actor(audit)
        self._require(Status.OPENED, "record evidence")
        if evidence.collected_on > on:
            raise InvalidInputError(
                "evidence is collected on or before today", field="collected_on"
            )
        if any(e.sha256 == evidence.sha256 for e in self.evidence):
            raise IllegalTransitionError(
                "this document is already recorded as evidence"
            )
        self._evidence_recorded(audit=audit, evidence=evidence)

    def exclude_period(self, kind: ExcludedPeriod, on: date, audit: Audit) -> None:
        """公告、检测检验检疫鉴定、技术专家评审 stop the 90 days (程序规定 Art. 64)."""
        require_reason(audit, "stopping the decision limit")
        self._require(Status.OPENED, "stop the decision limit")
        self._period_excluded(
            audit=audit,
            kind=kind.value,
            decision_limit=self.decision_limit.stop(kind.value, on, PROCEDURE_64),
        )

    def resume_period(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.OPENED, "resume the decision limit")
        stopped = self.decision_limit.open_exclusion
        if stopped is not None and stopped.kind == HEARING:
            raise IllegalTransitionError(
                "a hearing's period ends when the hearing is held or waived",
                rule=ART_64,
            )
        self._period_resumed(
            audit=audit,
            decision_limit=self.decision_limit.resume(on, calendar, PROCEDURE_64),
        )

    def extend_decision_limit(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """+30 days once, approved by the head with the reason (程序规定 Art. 64,
        UNCONFIRMED)."""
        require_reason(audit, "extending the decision limit")
        self._require(Status.OPENED, "extend the decision limit")
        extension = Extension(
            days=EXTENSION_DAYS,
            approved_by=audit.actor.name,
            reason=audit.reason or "",
            rule=PROCEDURE_64,
        )
        self._decision_limit_extended(
            audit=audit,
            decision_limit=self.decision_limit.extend(extension, on, calendar),
        )

    # -- the hearing (行政处罚法 Arts. 63–64) ----------------------------------------------

    def notify_hearing_right(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """听证告知: the party may ask within 5 working days (Arts. 64, 85)."""
        require_actor(audit)
        self._require(Status.OPENED, "notify the hearing right")
        if self.hearing_notified_on is not None:
            raise IllegalTransitionError(
                "the hearing right was already notified", rule=ART_64
            )
        self._hearing_right_notified(
            audit=audit,
            notified_on=on,
            hearing_window=working_limit(calendar, on, HEARING_REQUEST_WD, ART_64),
        )

    def request_hearing(self, on: date, audit: Audit) -> None:
        """The party asks in time: the 90 days stop while the hearing runs."""
        require_actor(audit)
        self._require(Status.OPENED, "record a hearing request")
        window = self._hearing_open("request a hearing")
        if window.has_run_out(on):
            raise DeadlineError(
                f"a hearing is requested within 5 working days of the notice"
                f" (by {window.due.due})",
                rule=ART_64,
            )
        limit = self.decision_limit
        if limit.running and not limit.has_run_out(on):
            # A limit already stopped (testing…) or run out is left as it is:
            # the party's right does not depend on the bureau's time.
            limit = limit.stop(HEARING, on, ART_64)
        self._hearing_requested(audit=audit, requested_on=on, decision_limit=limit)

    def hold_hearing(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.OPENED, "record the hearing")
        if self.hearing_requested_on is None or self.hearing_held_on is not None:
            raise IllegalTransitionError("no requested hearing to hold", rule=ART_64)
        if self.hearing_waived_on is not None:
            raise IllegalTransitionError("the party waived the hearing", rule=ART_64)
        self._hearing_held(
            audit=audit, held_on=on, decision_limit=self._hearing_over(on, calendar)
        )

    def waive_hearing(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """The party waives the hearing, or withdraws its request (the 90 days
        run again from then)."""
        require_reason(audit, "recording that the party waived the hearing")
        self._require(Status.OPENED, "record a waiver")
        self._hearing_open("waive the hearing")
        self._hearing_waived(
            audit=audit, waived_on=on, decision_limit=self._hearing_over(on, calendar)
        )

    # -- the decision ------------------------------------------------------------------

    def decide(
        self, decision: Decision, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """处罚决定书; served within 7 working days (Art. 61)."""
        require_reason(audit, "deciding a penalty")
        self._require(Status.OPENED, "decide")
        self._require_running("decide")
        self._check_penalties(decision)
        self._check_hearing(decision)
        self._decided(
            audit=audit,
            decision=decision,
            service_limit=working_limit(
                calendar, decision.decided_on, SERVICE_WD, ART_61
            ),
        )

    def decide_no_penalty(
        self, ground: NoPenaltyGround, on: date, audit: Audit
    ) -> None:
        """不予行政处罚 (Art. 33) or 撤销立案: the case closes."""
        require_reason(audit, "deciding not to penalise")
        self._require(Status.OPENED, "decide")
        rule = law_for(ground)
        self._not_penalised(audit=audit, ground=ground, rule=rule, decided_on=on)

    # -- service and payment ----------------------------------------------------------

    def serve(
        self,
        served_on: date,
        method: ServiceMethod,
        today: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """Served on `served_on` (not before the decision, not after today);
        the payment falls due 15 days after (Art. 67)."""
        require_actor(audit)
        self._require(Status.DECIDED, "serve the decision")
        decision, limit = self._decision(), self.service_limit
        if not decision.decided_on <= served_on <= today:
            raise InvalidInputError(
                f"service is on or after the decision ({decision.decided_on})"
                " and not in the future",
                field="served_on",
            )
        payment = None
        if decision.amount_fen > 0:
            payment = calendar_limit(calendar, served_on, PAYMENT_DAYS, ART_67)
        self._served(
            audit=audit,
            served_on=served_on,
            method=method,
            late=limit is not None and served_on > limit.due.due,
            payment_limit=payment,
        )

    def approve_instalments(self, count: int, last_due: date, audit: Audit) -> None:
        """Art. 66 ¶2: deferred or instalment payment, on the party's application."""
        require_reason(audit, "approving deferred or instalment payment")
        self._require(Status.SERVED, "approve instalments")
        if self.outstanding_fen <= 0:
            raise IllegalTransitionError("nothing is left to pay", rule=ART_66)
        if self.instalments is not None:
            raise IllegalTransitionError(
                "instalments were already approved", rule=ART_66
            )
        if self.served_on is not None and last_due <= self.served_on:
            raise InvalidInputError(
                "the last instalment falls due after service", field="last_due"
            )
        approved = Instalments(
            count=count, last_due=last_due, approved_by=audit.actor.name
        )
        self._instalments_approved(audit=audit, instalments=approved)

    def record_payment(
        self, amount_fen: int, paid_on: date, today: date, audit: Audit
    ) -> None:
        """罚没款 paid: in full, or in part when instalments were approved."""
        require_actor(audit)
        self._require(Status.SERVED, "record a payment")
        outstanding = self.outstanding_fen
        if outstanding <= 0:
            raise IllegalTransitionError("nothing is left to pay", rule=ART_67)
        if amount_fen <= 0 or amount_fen > outstanding:
            raise InvalidInputError(
                f"a payment is between 1 and {outstanding} fen (what is left)",
                field="amount_fen",
            )
        if amount_fen < outstanding and self.instalments is None:
            raise IllegalTransitionError(
                "a part payment needs deferred or instalment payment approved",
                rule=ART_66,
            )
        if not (self.served_on or today) <= paid_on <= today:
            raise InvalidInputError(
                "a payment is made after service and not in the future",
                field="paid_on",
            )
        paid = self.paid_fen + amount_fen
        self._payment_recorded(
            audit=audit,
            amount_fen=amount_fen,
            paid_on=paid_on,
            paid_fen=paid,
            in_full=paid == self._decision().amount_fen,
        )

    def apply_enforcement(self, on: date, audit: Audit) -> None:
        """强制执行 (Art. 72): the payment's day has passed with money unpaid."""
        require_reason(audit, "applying compulsory enforcement")
        self._require(Status.SERVED, "apply compulsory enforcement")
        due = self.payment_due
        if self.outstanding_fen <= 0 or due is None:
            raise IllegalTransitionError("nothing is left to pay", rule=ART_72)
        if on <= due:
            raise DeadlineError(f"the party may pay until {due}", rule=ART_72)
        self._enforcement_applied(
            audit=audit, applied_on=on, outstanding_fen=self.outstanding_fen
        )

    def close(self, on: date, audit: Audit) -> None:
        """结案: served and paid (or nothing to pay), or enforcement applied."""
        require_reason(audit, "closing the case")
        if self.status not in (Status.SERVED, Status.PAID, Status.ENFORCEMENT_APPLIED):
            raise IllegalTransitionError(
                f"cannot close: the case is {self.status}", rule=ART_67
            )
        if self.status is Status.SERVED and self.outstanding_fen > 0:
            raise IllegalTransitionError(
                "the penalty is unpaid: record the payment or apply enforcement",
                rule=ART_72,
            )
        self._closed(audit=audit, closed_on=on)

    def revoke_decision(
        self, ground: DecisionRevocationGround, on: date, audit: Audit
    ) -> None:
        """The decision is set aside by reconsideration, a court, or the
        bureau's own correction; its publication is withdrawn (publication
        rules, Art. 11)."""
        require_reason(audit, "recording that the decision was set aside")
        if self.decision is None or self.status is Status.DECISION_REVOKED:
            raise IllegalTransitionError(
                f"no standing penalty decision: the case is {self.status}"
            )
        self._decision_revoked(
            audit=audit, ground=ground, revoked_on=on, rule=REVOCATION_RULES[ground]
        )

    @event(DecisionRevoked)
    def _decision_revoked(
        self,
        *,
        audit: Audit,
        ground: DecisionRevocationGround,
        revoked_on: date,
        rule: str,
    ) -> None:
        self.status = Status.DECISION_REVOKED

    # -- the clock's view ----------------------------------------------------------------

    @property
    def outstanding_fen(self) -> int:
        if self.decision is None:
            return 0
        return self.decision.amount_fen - self.paid_fen

    @property
    def payment_due(self) -> date | None:
        if self.instalments is not None:
            return self.instalments.last_due
        return self.payment_limit.due.due if self.payment_limit else None

    def due_deadlines(self) -> list[tuple[DeadlineKind, date, str]]:
        """The bureau's deadlines that can still be missed: (kind, due, rule)."""
        due: list[tuple[DeadlineKind, date, str]] = []
        if self.status is Status.OPENED and self.decision_limit.running:
            due.append((DeadlineKind.DECISION, self.decision_limit.due.due, ART_60))
        if self.status is Status.DECIDED and self.service_limit is not None:
            due.append((DeadlineKind.SERVICE, self.service_limit.due.due, ART_61))
        return [d for d in due if (d[0], d[1]) not in self.missed]

    def record_missed(self, kind: str, on: date, audit: Audit) -> None:
        """The clock, the day after a deadline passed with the step undone."""
        require_actor(audit)
        running = {str(k): (d, rule) for k, d, rule in self.due_deadlines()}
        if kind not in running:
            raise IllegalTransitionError(f"no {kind} deadline is running")
        due, rule = running[kind]
        if on <= due:
            raise DeadlineError(f"the {kind} deadline runs until {due}", rule=rule)
        self.trigger_event(
            self.DeadlineMissed, audit=audit, kind=kind, due=due, rule=rule
        )

    def recompute_deadlines(self, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """DESIGN §3: a published notice moves provisional limits."""
        require_actor(audit)
        stale: dict[str, TimeLimit] = {}
        for kind, attribute in self.LIMITS.items():
            limit: TimeLimit | None = getattr(self, attribute)
            if limit is not None and limit.is_stale(calendar):
                stale[kind] = limit.recomputed(calendar)
        if not stale:
            raise IllegalTransitionError("no provisional deadline to recompute")
        self.trigger_event(
            self.DeadlinesRecomputed,
            audit=audit,
            calendar_version=calendar.version,
            limits=stale,
        )

    # -- internals -----------------------------------------------------------------------

    def _require(self, status: Status, action: str) -> None:
        if self.status is not status:
            raise IllegalTransitionError(f"cannot {action}: the case is {self.status}")

    def _require_running(self, action: str) -> None:
        stopped = self.decision_limit.open_exclusion
        if stopped is not None:
            raise IllegalTransitionError(
                f"cannot {action} while the limit is stopped for {stopped.kind}",
                rule=PROCEDURE_64,
            )

    def _hearing_open(self, action: str) -> TimeLimit:
        window = self.hearing_window
        if window is None:
            raise IllegalTransitionError(
                f"cannot {action}: the hearing right was not notified", rule=ART_64
            )
        if self.hearing_waived_on is not None or self.hearing_held_on is not None:
            raise IllegalTransitionError(
                f"cannot {action}: the hearing is over", rule=ART_64
            )
        if action == "request a hearing" and self.hearing_requested_on is not None:
            raise IllegalTransitionError("a hearing was already requested", rule=ART_64)
        return window

    def _hearing_over(self, on: date, calendar: WorkingDayCalendar) -> TimeLimit:
        """The 90 days run again once a requested hearing is over."""
        stopped = self.decision_limit.open_exclusion
        if stopped is not None and stopped.kind == HEARING:
            return self.decision_limit.resume(on, calendar, ART_64)
        return self.decision_limit

    def _decision(self) -> Decision:
        if self.decision is None:
            raise IllegalTransitionError("no penalty was decided")
        return self.decision

    def _check_penalties(self, d: Decision) -> None:
        kinds = set(d.penalties)
        if not kinds or len(kinds) != len(d.penalties):
            raise InvalidInputError(
                "name each kind of penalty once", field="penalties", rule=ART_9
            )
        if d.fine_fen < 0 or d.confiscation_fen < 0:
            raise InvalidInputError("amounts are not negative", field="fine_fen")
        if (PenaltyKind.FINE in kinds) != (d.fine_fen > 0):
            raise InvalidInputError(
                "a fine (罚款) names its amount, and only a fine has one",
                field="fine_fen",
                rule=ART_9,
            )
        confiscation = {
            PenaltyKind.CONFISCATION_OF_ILLEGAL_GAINS,
            PenaltyKind.CONFISCATION_OF_ILLEGAL_PROPERTY,
        }
        if d.confiscation_fen > 0 and not kinds & confiscation:
            raise InvalidInputError(
                "a confiscated amount goes with 没收违法所得 or 没收非法财物",
                field="confiscation_fen",
                rule=ART_9,
            )
        if (
            PenaltyKind.CONFISCATION_OF_ILLEGAL_GAINS in kinds
            and d.confiscation_fen <= 0
        ):
            raise InvalidInputError(
                "没收违法所得 names the amount confiscated",
                field="confiscation_fen",
                rule=ART_9,
            )
        if d.procedure is Procedure.SUMMARY:
            cap = (
                SUMMARY_FINE_ORG_FEN
                if self.party.organisation
                else SUMMARY_FINE_PERSON_FEN
            )
            if not kinds <= {PenaltyKind.WARNING, PenaltyKind.FINE} or d.fine_fen > cap:
                raise InvalidInputError(
                    f"the summary procedure decides a warning or a fine of at most"
                    f" {cap // 100} yuan",
                    field="procedure",
                    rule=ART_51,
                )
        if d.published != publishable(d.procedure, d.penalties):
            raise InvalidInputError(
                "ordinary-procedure penalties are published, warning-only ones not",
                field="published",
                rule=PUBLICATION_2,
            )

    def _check_hearing(self, d: Decision) -> None:
        """Art. 63: the party had the right to a hearing, and it is over."""
        large = (
            LARGE_AMOUNT_ORG_FEN if self.party.organisation else LARGE_AMOUNT_PERSON_FEN
        )
        needs = bool(set(d.penalties) & HEARING_KINDS) or d.amount_fen >= large
        if needs and self.hearing_notified_on is None:
            raise IllegalTransitionError(
                "this penalty needs the hearing right notified first", rule=ART_63
            )
        if self.hearing_requested_on is not None and not (
            self.hearing_held_on or self.hearing_waived_on
        ):
            raise IllegalTransitionError(
                "the requested hearing is held (or waived) first", rule=ART_64
            )
        window = self.hearing_window
        over = self.hearing_requested_on or self.hearing_waived_on
        if window is not None and not over and not window.has_run_out(d.decided_on):
            raise DeadlineError(
                f"the party may ask for a hearing until {window.due.due}", rule=ART_64
            )

    # -- mutators (plain assignments; replayed) ------------------------------------------

    @event(EvidenceRecorded)
    def _evidence_recorded(self, audit: Audit, evidence: Evidence) -> None:
        self.evidence = [*self.evidence, evidence]

    @event(PeriodExcluded)
    def _period_excluded(
        self, audit: Audit, kind: str, decision_limit: TimeLimit
    ) -> None:
        self.decision_limit = decision_limit

    @event(PeriodResumed)
    def _period_resumed(self, audit: Audit, decision_limit: TimeLimit) -> None:
        self.decision_limit = decision_limit

    @event(DecisionLimitExtended)
    def _decision_limit_extended(self, audit: Audit, decision_limit: TimeLimit) -> None:
        self.decision_limit = decision_limit

    @event(HearingRightNotified)
    def _hearing_right_notified(
        self, audit: Audit, notified_on: date, hearing_window: TimeLimit
    ) -> None:
        self.hearing_notified_on = notified_on
        self.hearing_window = hearing_window

    @event(HearingRequested)
    def _hearing_requested(
        self, audit: Audit, requested_on: date, decision_limit: TimeLimit
    ) -> None:
        self.hearing_requested_on = requested_on
        self.decision_limit = decision_limit

    @event(HearingHeld)
    def _hearing_held(
        self, audit: Audit, held_on: date, decision_limit: TimeLimit
    ) -> None:
        self.hearing_held_on = held_on
        self.decision_limit = decision_limit

    @event(HearingWaived)
    def _hearing_waived(
        self, audit: Audit, waived_on: date, decision_limit: TimeLimit
    ) -> None:
        self.hearing_waived_on = waived_on
        self.decision_limit = decision_limit

    @event(Decided)
    def _decided(
        self, audit: Audit, decision: Decision, service_limit: TimeLimit
    ) -> None:
        self.status = Status.DECIDED
        self.decision = decision
        self.decided_on = decision.decided_on
        self.service_limit = service_limit

    @event(NotPenalised)
    def _not_penalised(
        self, audit: Audit, ground: NoPenaltyGround, rule: str, decided_on: date
    ) -> None:
        self.status = Status.CLOSED
        self.no_penalty = ground
        self.decided_on = decided_on
        self.closed_on = decided_on

    @event(Served)
    def _served(
        self,
        audit: Audit,
        served_on: date,
        method: ServiceMethod,
        late: bool,
        payment_limit: TimeLimit | None,
    ) -> None:
        self.status = Status.SERVED
        self.served_on = served_on
        self.service_method = method
        self.served_late = late
        self.payment_limit = payment_limit

    @event(InstalmentsApproved)
    def _instalments_approved(self, audit: Audit, instalments: Instalments) -> None:
        self.instalments = instalments

    @event(PaymentRecorded)
    def _payment_recorded(
        self, audit: Audit, amount_fen: int, paid_on: date, paid_fen: int, in_full: bool
    ) -> None:
        self.paid_fen = paid_fen
        if in_full:
            self.status = Status.PAID

    @event(EnforcementApplied)
    def _enforcement_applied(
        self, audit: Audit, applied_on: date, outstanding_fen: int
    ) -> None:
        self.status = Status.ENFORCEMENT_APPLIED
        self.enforcement_applied_on = applied_on

    @event(Closed)
    def _closed(self, audit: Audit, closed_on: date) -> None:
        self.status = Status.CLOSED
        self.closed_on = closed_on


def require_party(party: Party) -> None:
    """The 双公示 record names a legal person by USCC and legal representative
    (CF_XDR_SHXYM, CF_FR); a natural person has neither."""
    if party.party_type is PartyType.LEGAL_PERSON:
        if party.uscc is None:
            raise InvalidInputError(
                "a legal person is named by its USCC", field="uscc", rule=SCHEMA_RULE
            )
        if not party.legal_representative:
            raise InvalidInputError(
                "a legal person's legal representative is named",
                field="legal_representative",
                rule=SCHEMA_RULE,
            )
    if party.party_type is PartyType.NATURAL_PERSON and party.uscc is not None:
        raise InvalidInputError(
            "a natural person has no USCC", field="uscc", rule=SCHEMA_RULE
        )


def law_for(ground: NoPenaltyGround) -> str:
    return law(33) if ground is NoPenaltyGround.NOT_PENALISED else WITHDRAWAL_RULE
