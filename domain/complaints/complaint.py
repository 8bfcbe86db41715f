"""Complaint (投诉): a consumer's dispute with a business, which the bureau
accepts or not and then mediates (DOMAIN §3.2).

Periods are working days, as the measures say (工作日):
- accept or not, and tell the complainant, within 7 of receipt by the unit
  with authority (Art. 14; routing restarts it, see matter.py);
- mediation ends without agreement 45 after acceptance (Art. 21 (5)); time
  for testing, appraisal (Art. 20) and a recusal request (Art. 19) is not
  counted;
- the parties are told of a termination within 7 of it (Art. 21 ¶2).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.complaints.matter import Matter, working_limit
from domain.complaints.parties import (
    MEDIATION_EXCLUSIONS,
    NON_ACCEPTANCE_CLAUSE,
    TERMINATION_CLAUSE,
    Channel,
    ExcludedPeriod,
    MediationDocument,
    MediationMode,
    NonAcceptanceGround,
    Rating,
    Remedy,
    Respondent,
    TerminationGround,
    art,
)
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.dates import years_after
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.personal import Sealed
from domain.shared.time_limit import TimeLimit
from eventsourcing.domain import event

ACCEPTANCE_WD = 7  # Art. 14
MEDIATION_WD = 45  # Art. 21 (5)
TERMINATION_NOTICE_WD = 7  # Art. 21 ¶2
TIME_BAR_YEARS = 3  # Art. 15 (4)

ART_14 = art(14)
ART_21_5 = art(21, "第1款第5项")
ART_21_NOTICE = art(21, "第2款")
ART_22 = art(22)


def complaint_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:complaint:{number}")


class Status(StrEnum):
    REGISTERED = "registered"  # awaiting the acceptance decision
    ACCEPTED = "accepted"  # accepted; mediation may run
    SUSPENDED = "suspended"  # mediation suspended (recusal) or paused (testing)
    NOT_ACCEPTED = "not_accepted"
    AGREED = "agreed"  # mediated to agreement
    TERMINATED = "terminated"  # mediation ended without agreement
    WITHDRAWN = "withdrawn"


OPEN = frozenset({Status.REGISTERED, Status.ACCEPTED, Status.SUSPENDED})
IN_MEDIATION = frozenset({Status.ACCEPTED, Status.SUSPENDED})


class DeadlineKind(StrEnum):
    """Deadlines whose passing the clock records (DESIGN §3)."""

    ACCEPTANCE = "acceptance"  # Art. 14
    TERMINATION_NOTICE = "termination_notice"  # Art. 21 ¶2


class Complaint(Matter):
    PINNED_TOPIC = "casetrace.complaints.Complaint"
    LIMITS: ClassVar[dict[str, str]] = {
        DeadlineKind.ACCEPTANCE: "acceptance",
        "mediation": "mediation",
        DeadlineKind.TERMINATION_NOTICE: "notice",
    }

    class Opened(Matter.Created):
        number: str
        intake_id: UUID
        channel: Channel
        complainant: Sealed
        agent: Sealed | None
        representatives: tuple[Sealed, ...]
        joint: bool
        respondent: Respondent
        facts: str
        claim: str
        intake_unit_code: str
        unit_code: str
        received_on: date
        acceptance: TimeLimit
        linked_id: UUID | None
        odr_id: UUID | None = None  # the ODR dispute it was escalated from

    class Accepted(Matter.Event):
        accepted_on: date
        mediation: TimeLimit

    class NotAccepted(Matter.Event):
        ground: NonAcceptanceGround
        rule: str
        decided_on: date

    class MediationScheduled(Matter.Event):
        """Art. 18: on site (time, place and mediators told in advance) or remote."""

        mode: MediationMode
        at: datetime
        place: str
        mediators: tuple[str, ...]
        notified_on: date

    class MediationEntrusted(Matter.Event):
        """Art. 17: mediation entrusted to the consumer association or another body."""

        to: str
        entrusted_on: date

    class PeriodExcluded(Matter.Event):
        """Arts. 19–20: the mediation period stops (testing, appraisal, recusal)."""

        kind: ExcludedPeriod
        mediation: TimeLimit

    class PeriodResumed(Matter.Event):
        mediation: TimeLimit

    class AgreementReached(Matter.Event):
        """Art. 22: a 调解书 signed by both, or a 调解记录."""

        document: MediationDocument
        recovered_fen: int
        remedies: tuple[Remedy, ...]
        terms: str
        agreed_on: date

    class MediationTerminated(Matter.Event):
        ground: TerminationGround
        rule: str
        terminated_on: date
        notice: TimeLimit  # the parties told within 7 working days

    class PartiesNotified(Matter.Event):
        """Art. 21 ¶2: the parties told of the termination."""

        notified_on: date

    class Withdrawn(Matter.Event):
        withdrawn_on: date

    class ViolationReferred(Matter.Event):
        """Art. 23: a violation found in mediation becomes a report lead."""

        report_id: UUID

    class Rated(Matter.Event):
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
        agent: Sealed | None,
        representatives: tuple[Sealed, ...],
        joint: bool,
        respondent: Respondent,
        facts: str,
        claim: str,
        intake_unit_code: str,
        unit_code: str,
        received_on: date,
        acceptance: TimeLimit,
        linked_id: UUID | None,
        odr_id: UUID | None = None,
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
        self.complainant = complainant
        self.agent = agent
        self.representatives = representatives
        self.joint = joint
        self.claim = claim
        self.acceptance = acceptance
        self.odr_id = odr_id
        self.status = Status.REGISTERED
        self.mediation: TimeLimit | None = None
        self.mediation_mode: MediationMode | None = None
        self.mediation_at: datetime | None = None
        self.entrusted_to: str | None = None
        self.ground: str | None = None
        self.decided_on: date | None = None
        self.recovered_fen = 0
        self.remedies: tuple[Remedy, ...] = ()
        self.notice: TimeLimit | None = None
        self.parties_notified_on: date | None = None
        self.report_ids: list[UUID] = []
        self.rating: Rating | None = None

    @classmethod
    def open(
        cls,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        channel: Channel,
        complainant: Sealed,
        agent: Sealed | None,
        representatives: tuple[Sealed, ...],
        joint: bool,
        respondent: Respondent,
        facts: str,
        claim: str,
        intake_unit_code: str,
        unit_code: str,
        on: date,
        calendar: WorkingDayCalendar,
        linked_id: UUID | None = None,
        odr_id: UUID | None = None,
    ) -> Complaint:
        require_actor(audit)
        if len(representatives) > 2:
            raise InvalidInputError(
                "a joint complaint names at most two representatives",
                field="representatives",
                rule=art(11),
            )
        if representatives and not joint:
            raise InvalidInputError(
                "representatives belong to a joint complaint",
                field="representatives",
                rule=art(11),
            )
        if not claim.strip():
            raise InvalidInputError(
                "a complaint states what the complainant asks for",
                field="claim",
                rule=art(9),
            )
        return cls._create(
            cls.Opened,
            id=complaint_id(number),
            audit=audit,
            number=number,
            intake_id=intake_id,
            channel=channel,
            complainant=complainant,
            agent=agent,
            representatives=representatives,
            joint=joint,
            respondent=respondent,
            facts=facts,
            claim=claim,
            intake_unit_code=intake_unit_code,
            unit_code=unit_code,
            received_on=on,
            acceptance=working_limit(calendar, on, ACCEPTANCE_WD, ART_14),
            linked_id=linked_id,
            odr_id=odr_id,
        )

    @property
    def people(self) -> tuple[Sealed, ...]:
        agent = (self.agent,) if self.agent else ()
        return (self.complainant, *agent, *self.representatives)

    @property
    def is_closed(self) -> bool:
        return self.status not in OPEN

    # -- acceptance (Arts. 14–15) -----------------------------------------------------

    def accept(self, on: date, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """受理 within 7 working days, the complainant told (Art. 14); the
        mediation period of 45 working days starts (Art. 21 (5))."""
        require_actor(audit)
        self._require_undecided(on)
        self._accepted(
            audit=audit,
            accepted_on=on,
            mediation=working_limit(calendar, on, MEDIATION_WD, ART_21_5),
        )

    def decline(
        self,
        ground: NonAcceptanceGround,
        on: date,
        audit: Audit,
        knew_on: date | None = None,
    ) -> None:
        """不予受理 with its Art. 15 ground, the complainant told (Art. 14). The
        3-year bar (Art. 15 (4)) needs the day the complainant knew or should
        have known, and that day more than three years back."""
        require_reason(audit, "not accepting a complaint")
        self._require_undecided(on)
        if ground is NonAcceptanceGround.TIME_BARRED:
            _require_time_barred(knew_on, on)
        self._not_accepted(
            audit=audit,
            ground=ground,
            rule=art(15, NON_ACCEPTANCE_CLAUSE[ground]),
            decided_on=on,
        )

    # -- mediation (Arts. 16–22) ------------------------------------------------------

    def schedule_mediation(
        self,
        mode: MediationMode,
        at: datetime,
        place: str,
        mediators: tuple[str, ...],
        on: date,
        audit: Audit,
    ) -> None:
        """Art. 16: both parties have consented (the caller says so by asking);
        Art. 18: on site needs the time, place and mediators told in advance."""
        require_actor(audit)
        self._require_mediating("schedule mediation")
        if not mediators:
            raise InvalidInputError(
                "name the mediators", field="mediators", rule=art(18)
            )
        if mode is MediationMode.ON_SITE:
            if not place.strip():
                raise InvalidInputError(
                    "on-site mediation names its place", field="place", rule=art(18)
                )
            if at.date() <= on:
                raise InvalidInputError(
                    "on-site mediation is notified in advance: its day comes after"
                    " the notice",
                    field="at",
                    rule=art(18),
                )
        self._mediation_scheduled(
            audit=audit,
            mode=mode,
            at=at,
            place=place,
            mediators=mediators,
            notified_on=on,
        )

    def entrust_mediation(self, to: str, on: date, audit: Audit) -> None:
        """Art. 17: to the consumer association (消协) or another mediator."""
        require_reason(audit, "entrusting mediation")
        self._require_mediating("entrust mediation")
        if not to.strip():
            raise InvalidInputError("name the body entrusted", field="to", rule=art(17))
        self._mediation_entrusted(audit=audit, to=to, entrusted_on=on)

    def exclude_period(self, kind: ExcludedPeriod, on: date, audit: Audit) -> None:
        """Art. 20: testing or appraisal the parties commissioned is not counted;
        Art. 19: a recusal request suspends mediation until it is decided."""
        require_reason(audit, "stopping the mediation period")
        self._require_mediating("stop the mediation period")
        if kind not in MEDIATION_EXCLUSIONS:
            raise InvalidInputError(
                f"{kind} does not stop the mediation period",
                field="kind",
                rule=f"{art(19)}; {art(20)}",
            )
        rule = art(19) if kind is ExcludedPeriod.RECUSAL else art(20)
        stopped = self._mediation().stop(kind, on, rule)
        self._period_excluded(audit=audit, kind=kind, mediation=stopped)

    def resume_period(
        self, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require_mediating("resume the mediation period")
        stopped = self._mediation().open_exclusion
        if stopped is None:
            raise IllegalTransitionError(
                "the mediation period is running", rule=art(20)
            )
        rule = art(19) if stopped.kind == ExcludedPeriod.RECUSAL else art(20)
        self._period_resumed(
            audit=audit, mediation=self._mediation().resume(on, calendar, rule)
        )

    def reach_agreement(
        self,
        document: MediationDocument,
        recovered_fen: int,
        remedies: tuple[Remedy, ...],
        terms: str,
        on: date,
        audit: Audit,
        *,
        signed_by_both: bool = False,
        performed_at_once: bool = False,
        both_waived: bool = False,
    ) -> None:
        """Art. 22: a 调解书 is signed by both parties; without one (performed
        at once, or both waived it) a 调解记录 is kept. The recovered amount
        (挽回经济损失) is integer fen."""
        require_actor(audit)
        self._require_mediating("record an agreement")
        if self.status is Status.SUSPENDED:
            raise IllegalTransitionError(
                "mediation is suspended until the recusal is decided", rule=art(19)
            )
        if recovered_fen < 0:
            raise InvalidInputError(
                "the recovered amount is not negative", field="recovered_fen"
            )
        if document is MediationDocument.AGREEMENT and not signed_by_both:
            raise InvalidInputError(
                "a 调解书 is signed by both parties",
                field="signed_by_both",
                rule=ART_22,
            )
        if document is MediationDocument.RECORD and not (
            performed_at_once or both_waived
        ):
            raise InvalidInputError(
                "a 调解记录 instead of a 调解书 only when the agreement was performed"
                " at once or both parties waived the document",
                field="document",
                rule=ART_22,
            )
        self._agreement_reached(
            audit=audit,
            document=document,
            recovered_fen=recovered_fen,
            remedies=tuple(dict.fromkeys(remedies)),
            terms=terms,
            agreed_on=on,
        )

    def terminate(
        self,
        ground: TerminationGround,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """终止调解 with its Art. 21 ground; the parties are told within 7
        working days. The 45-day ground is the clock's (`time_out`)."""
        require_reason(audit, "terminating mediation")
        self._require_mediating("terminate mediation")
        if ground is TerminationGround.TIME_LIMIT and not self._mediation().has_run_out(
            on
        ):
            raise DeadlineError(
                f"the mediation period runs until {self._mediation().due.due}",
                rule=ART_21_5,
            )
        self._terminate(ground, on, calendar, audit)

    def time_out(self, on: date, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """The clock: 45 working days after acceptance (excluded periods not
        counted) without agreement end the mediation (Art. 21 (5))."""
        require_actor(audit)
        self._require_mediating("time out")
        mediation = self._mediation()
        if not mediation.running or not mediation.has_run_out(on):
            raise DeadlineError(
                f"the mediation period runs until {mediation.due.due}", rule=ART_21_5
            )
        self._terminate(TerminationGround.TIME_LIMIT, on, calendar, audit)

    def notify_parties(self, on: date, audit: Audit) -> None:
        require_actor(audit)
        if self.status is not Status.TERMINATED or self.notice is None:
            raise IllegalTransitionError(
                "the parties are told of a terminated mediation", rule=ART_21_NOTICE
            )
        if self.parties_notified_on is not None:
            raise IllegalTransitionError(
                "the parties were already told", rule=ART_21_NOTICE
            )
        self._parties_notified(audit=audit, notified_on=on)

    def withdraw(self, on: date, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """The complainant withdraws. Before acceptance the complaint simply
        closes; after it, the withdrawal ends mediation (Art. 21 (1))."""
        require_reason(audit, "recording a withdrawal")
        if self.status is Status.REGISTERED:
            self._withdrawn(audit=audit, withdrawn_on=on)
            return
        self._require_mediating("withdraw")
        self._terminate(TerminationGround.WITHDRAWN_OR_SETTLED, on, calendar, audit)

    def refer_violation(self, report_id: UUID, audit: Audit) -> None:
        """Art. 23: the lead goes to verification (15 working days)."""
        require_reason(audit, "referring a violation found in mediation")
        if self.status is Status.REGISTERED or self.status is Status.NOT_ACCEPTED:
            raise IllegalTransitionError(
                "a violation is referred from an accepted complaint's mediation",
                rule=art(23),
            )
        self._violation_referred(audit=audit, report_id=report_id)

    def rate(self, rating: Rating, comment: str, on: date, audit: Audit) -> None:
        """评议: once, after the complaint is closed."""
        require_actor(audit)
        if not self.is_closed:
            raise IllegalTransitionError("the handling is rated once it is closed")
        if self.rating is not None:
            raise IllegalTransitionError("the handling was already rated")
        self._rated(audit=audit, rating=rating, comment=comment, rated_on=on)

    # -- the clock's view ------------------------------------------------------------

    def due_deadlines(self) -> list[tuple[DeadlineKind, date, str]]:
        """Deadlines that can still be missed, with their due dates."""
        due: list[tuple[DeadlineKind, date, str]] = []
        if self.status is Status.REGISTERED and not self.returned:
            due.append((DeadlineKind.ACCEPTANCE, self.acceptance.due.due, ART_14))
        if self.notice is not None and self.parties_notified_on is None:
            due.append(
                (DeadlineKind.TERMINATION_NOTICE, self.notice.due.due, ART_21_NOTICE)
            )
        return [d for d in due if (d[0], d[1]) not in self.missed]

    # -- internals -------------------------------------------------------------------

    def _decided(self) -> bool:
        return self.status is not Status.REGISTERED

    def _restarted_limit(
        self, on: date, calendar: WorkingDayCalendar
    ) -> TimeLimit | None:
        if self.status is not Status.REGISTERED:
            return None  # accepted: the mediation period continues
        return working_limit(calendar, on, ACCEPTANCE_WD, ART_14)

    def on_routed(self, limit: TimeLimit | None) -> None:
        if limit is not None:
            self.acceptance = limit

    def _require_undecided(self, on: date) -> None:
        if self.status is not Status.REGISTERED:
            raise IllegalTransitionError(
                f"the complaint is {self.status}, not awaiting acceptance", rule=ART_14
            )
        if self.returned:
            raise IllegalTransitionError(
                "the complaint is back with the intake unit to be routed", rule=art(37)
            )
        if on < self.received_on:
            raise InvalidInputError(
                "a decision is not dated before the receipt", field="on"
            )

    def _require_mediating(self, action: str) -> None:
        if self.status not in IN_MEDIATION:
            raise IllegalTransitionError(
                f"cannot {action}: the complaint is {self.status}", rule=art(16)
            )

    def _mediation(self) -> TimeLimit:
        assert self.mediation is not None  # accepted: set with the acceptance
        return self.mediation

    def _terminate(
        self,
        ground: TerminationGround,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        self._mediation_terminated(
            audit=audit,
            ground=ground,
            rule=art(21, f"第1款{TERMINATION_CLAUSE[ground]}"),
            terminated_on=on,
            notice=working_limit(calendar, on, TERMINATION_NOTICE_WD, ART_21_NOTICE),
        )

    # -- mutators --------------------------------------------------------------------

    @event(Accepted)
    def _accepted(self, audit: Audit, accepted_on: date, mediation: TimeLimit) -> None:
        self.status = Status.ACCEPTED
        self.decided_on = accepted_on
        self.mediation = mediation

    @event(NotAccepted)
    def _not_accepted(
        self, audit: Audit, ground: NonAcceptanceGround, rule: str, decided_on: date
    ) -> None:
        self.status = Status.NOT_ACCEPTED
        self.ground = ground
        self.decided_on = decided_on
        self.closed = True  # the complainant is told with the decision (Art. 14)

    @event(MediationScheduled)
    def _mediation_scheduled(
        self,
        audit: Audit,
        mode: MediationMode,
        at: datetime,
        place: str,
        mediators: tuple[str, ...],
        notified_on: date,
    ) -> None:
        self.mediation_mode = mode
        self.mediation_at = at

    @event(MediationEntrusted)
    def _mediation_entrusted(self, audit: Audit, to: str, entrusted_on: date) -> None:
        self.entrusted_to = to

    @event(PeriodExcluded)
    def _period_excluded(
        self, audit: Audit, kind: ExcludedPeriod, mediation: TimeLimit
    ) -> None:
        self.mediation = mediation
        if kind is ExcludedPeriod.RECUSAL:
            self.status = Status.SUSPENDED

    @event(PeriodResumed)
    def _period_resumed(self, audit: Audit, mediation: TimeLimit) -> None:
        self.mediation = mediation
        self.status = Status.ACCEPTED

    @event(AgreementReached)
    def _agreement_reached(
        self,
        audit: Audit,
        document: MediationDocument,
        recovered_fen: int,
        remedies: tuple[Remedy, ...],
        terms: str,
        agreed_on: date,
    ) -> None:
        self.status = Status.AGREED
        self.recovered_fen = recovered_fen
        self.remedies = remedies
        self.closed = True

    @event(MediationTerminated)
    def _mediation_terminated(
        self,
        audit: Audit,
        ground: TerminationGround,
        rule: str,
        terminated_on: date,
        notice: TimeLimit,
    ) -> None:
        self.status = Status.TERMINATED
        self.ground = ground
        self.notice = notice

    @event(PartiesNotified)
    def _parties_notified(self, audit: Audit, notified_on: date) -> None:
        self.parties_notified_on = notified_on
        self.closed = True

    @event(Withdrawn)
    def _withdrawn(self, audit: Audit, withdrawn_on: date) -> None:
        self.status = Status.WITHDRAWN
        self.closed = True

    @event(ViolationReferred)
    def _violation_referred(self, audit: Audit, report_id: UUID) -> None:
        self.report_ids.append(report_id)

    @event(Rated)
    def _rated(
        self, audit: Audit, rating: Rating, comment: str, rated_on: date
    ) -> None:
        self.rating = rating


def _require_time_barred(knew_on: date | None, on: date) -> None:
    """Art. 15 (4): three years from when the complainant knew or should have."""
    if knew_on is None:
        raise InvalidInputError(
            "the 3-year bar needs the day the complainant knew or should have known",
            field="knew_on",
            rule=art(15, "第4项"),
        )
    bar = years_after(knew_on, TIME_BAR_YEARS)
    if on <= bar:
        raise InvalidInputError(
            f"three years from {knew_on} run until {bar}: not yet time-barred",
            field="knew_on",
            rule=art(15, "第4项"),
        )
