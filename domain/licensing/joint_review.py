"""JointReview (并联审批): the opinions a jointly handled application waits for.

行政许可法 Art. 26 lets an item that needs several units or departments be
handled jointly (联合办理), and Art. 42 ¶2 gives such handling 45 working days,
extendable by 15 (the item's terms say so; domain/registry/catalogue.py). Each
participant named by the item gets its own task with its own limit in working
days (Art. 82) from the application's acceptance; the decision waits until
every opinion is recorded, or deemed where the item's rule deems silence an
opinion (UNCONFIRMED as a national rule: the item names its own rule).

One review per application, its id derived from the application's, started in
the same save as the acceptance; the application itself is not changed by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.registry.catalogue import RULE_JOINT, JointParticipant
from domain.shared.audit import Audit, require_actor
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate
from domain.shared.text import Line, Prose
from domain.shared.time_limit import Counting, TimeLimit
from domain.shared.timed import TimedCase

# A participant's deadline as the board, the clock and DeadlineMissed name it.
OPINION = "opinion"


# The reasons of a disagreement, the conditions of an agreement: one per entry.
Opinions = Annotated[tuple[Annotated[str, Prose(2000)], ...], Field(max_length=20)]


def joint_review_id(application_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:joint-review:{application_id}")


def deadline_kind(code: str) -> str:
    return f"{OPINION}:{code}"


class Stance(StrEnum):
    AGREE = "agree"  # 同意
    AGREE_WITH_CONDITIONS = "agree_with_conditions"  # 附条件同意
    DISAGREE = "disagree"  # 不同意 (with reasons)


class Opinion(BaseModel):
    """A participant's opinion (审查意见) as recorded: its stance, the reasons
    of a disagreement, the conditions of a conditional agreement, and the
    written opinion it was taken from (another department's 书面意见)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stance: Stance
    reasons: Opinions = ()
    conditions: Opinions = ()
    document: Annotated[str, Line(200)] | None = None
    given_on: date
    within_limit: bool
    deemed: bool = False  # 逾期未提出意见, deemed by the item's rule


class Task(BaseModel):
    """One participant's task: its limit and, once in, its opinion."""

    model_config = ConfigDict(frozen=True)

    participant: JointParticipant
    limit: TimeLimit
    opinion: Opinion | None = None


class JointReview(TimedCase):
    PINNED_TOPIC = "casetrace.licensing.JointReview"

    class Started(Aggregate.Created):
        application_id: UUID
        receipt_number: str
        item_code: str
        item_name: str
        unit_code: str
        applicant_name: str
        started_on: date
        tasks: tuple[Task, ...]
        rule: str

    class OpinionRecorded(Aggregate.Event):
        participant: str
        opinion: Opinion

    class OpinionDeemed(Aggregate.Event):
        """The participant's limit passed in silence and its rule deems that an
        opinion of agreement (视为同意)."""

        participant: str
        opinion: Opinion
        rule: str

    class Concluded(Aggregate.Event):
        """The application was decided, withdrawn or terminated: the tasks
        still open close unanswered (they are no longer anyone's work)."""

        outcome: str
        concluded_on: date
        open_participants: tuple[str, ...]

    @staticmethod
    def create_id(*_: Any, application_id: UUID | None = None, **__: Any) -> UUID:
        assert application_id is not None
        return joint_review_id(application_id)

    @event(Started)
    def __init__(
        self,
        *,
        audit: Audit,
        application_id: UUID,
        receipt_number: str,
        item_code: str,
        item_name: str,
        unit_code: str,
        applicant_name: str,
        started_on: date,
        tasks: tuple[Task, ...],
        rule: str,
    ) -> None:
        self.application_id = application_id
        self.receipt_number = receipt_number
        self.item_code = item_code
        self.item_name = item_name
        self.unit_code = unit_code
        self.applicant_name = applicant_name
        self.started_on = started_on
        self.tasks = {t.participant.code: t for t in tasks}
        self.concluded: str | None = None
        self.missed: list[tuple[str, date]] = []

    @classmethod
    def start(
        cls,
        *,
        application_id: UUID,
        receipt_number: str,
        item_code: str,
        item_name: str,
        unit_code: str,
        applicant_name: str,
        participants: Sequence[JointParticipant],
        accepted_on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> JointReview:
        """Each participant's limit runs from the acceptance date, in working
        days (Art. 82), the start day not counted."""
        require_actor(audit)
        if not participants:
            raise InvalidInputError("a joint review needs its participants")
        tasks = tuple(
            Task(
                participant=p,
                limit=TimeLimit.begin(
                    calendar,
                    start=accepted_on,
                    days=p.limit_wd,
                    counting=Counting.WORKING,
                    rule=RULE_JOINT,
                ),
            )
            for p in participants
        )
        return cls._create(
            cls.Started,
            audit=audit,
            application_id=application_id,
            receipt_number=receipt_number,
            item_code=item_code,
            item_name=item_name,
            unit_code=unit_code,
            applicant_name=applicant_name,
            started_on=accepted_on,
            tasks=tasks,
            rule=RULE_JOINT,
        )

    # -- what it is now ---------------------------------------------------------------

    def task(self, code: str) -> Task:
        try:
            return self.tasks[code]
        except KeyError:
            raise InvalidInputError(
                f"{code!r} is not a participant of this joint review",
                field="participant",
            ) from None

    @property
    def open_tasks(self) -> list[Task]:
        if self.concluded is not None:
            return []
        return [t for t in self.tasks.values() if t.opinion is None]

    @property
    def disagreements(self) -> list[Task]:
        return [
            t
            for t in self.tasks.values()
            if t.opinion is not None and t.opinion.stance is Stance.DISAGREE
        ]

    # -- opinions ---------------------------------------------------------------------

    def record_opinion(
        self,
        code: str,
        stance: Stance,
        reasons: tuple[str, ...],
        conditions: tuple[str, ...],
        document: str | None,
        on: date,
        audit: Audit,
    ) -> None:
        """A participant's opinion: a disagreement gives its reasons, a
        conditional agreement its conditions; another department's opinion is
        taken from its written opinion, which is named."""
        require_actor(audit)
        task = self._open_task(code)
        if stance is Stance.DISAGREE and not reasons:
            raise InvalidInputError(
                "a disagreeing opinion gives its reasons", field="reasons"
            )
        if stance is Stance.AGREE_WITH_CONDITIONS and not conditions:
            raise InvalidInputError(
                "a conditional agreement states its conditions", field="conditions"
            )
        if stance is not Stance.AGREE_WITH_CONDITIONS and conditions:
            raise InvalidInputError(
                "only a conditional agreement has conditions", field="conditions"
            )
        if task.participant.unit_code is None and not document:
            raise InvalidInputError(
                f"{task.participant.name} is another department: name its written"
                " opinion (书面意见)",
                field="document",
                rule=RULE_JOINT,
            )
        opinion = Opinion(
            stance=stance,
            reasons=reasons,
            conditions=conditions,
            document=document,
            given_on=on,
            within_limit=not task.limit.has_run_out(on),
        )
        self._opinion_recorded(audit=audit, participant=code, opinion=opinion)

    def lapse(self, code: str, on: date, audit: Audit) -> None:
        """The clock, the day after a participant's limit passed in silence: the
        opinion is deemed agreement where the item's rule says so, otherwise
        the missed deadline is recorded (once per due date)."""
        require_actor(audit)
        task = self._open_task(code)
        due = task.limit.due.due
        if on <= due:
            raise DeadlineError(
                f"{task.participant.name}'s limit runs until {due}", rule=RULE_JOINT
            )
        participant = task.participant
        if not participant.deemed_agreement:
            self.record_missed(deadline_kind(code), on, audit)
            return
        opinion = Opinion(
            stance=Stance.AGREE, given_on=on, within_limit=False, deemed=True
        )
        self._opinion_deemed(
            audit=audit,
            participant=code,
            opinion=opinion,
            rule=participant.deemed_rule or RULE_JOINT,
        )

    def check_decision(self, granting: bool) -> None:
        """The decision waits for every opinion; a grant is refused against a
        disagreement, while a refusal may rest on one before the rest are in."""
        disagreeing = [t.participant.name for t in self.disagreements]
        if granting and disagreeing:
            raise IllegalTransitionError(
                f"cannot grant: {', '.join(disagreeing)} disagreed; refuse, or"
                " obtain a new opinion",
                rule=RULE_JOINT,
            )
        waiting = [t.participant.name for t in self.open_tasks]
        if waiting and not (disagreeing and not granting):
            raise IllegalTransitionError(
                f"cannot decide: the joint review waits for the opinions of"
                f" {', '.join(waiting)}",
                rule=RULE_JOINT,
            )

    def conclude(self, outcome: str, on: date, audit: Audit) -> None:
        """The application was decided or closed: open tasks close with it."""
        require_actor(audit)
        if self.concluded is not None:
            raise IllegalTransitionError(f"the joint review ended: {self.concluded}")
        self._concluded(
            audit=audit,
            outcome=outcome,
            concluded_on=on,
            open_participants=tuple(t.participant.code for t in self.open_tasks),
        )

    # -- deadlines (TimedCase) ----------------------------------------------------------

    def due_deadlines(self) -> Sequence[tuple[str, date, str]]:
        found: list[tuple[str, date, str]] = []
        for task in self.open_tasks:
            kind = deadline_kind(task.participant.code)
            due = task.limit.due.due
            if (kind, due) not in self.missed:
                found.append((kind, due, task.limit.rule))
        return found

    def limits(self) -> dict[str, TimeLimit | None]:
        return {
            deadline_kind(t.participant.code): t.limit
            for t in self.tasks.values()
            if t in self.open_tasks
        }

    def set_limit(self, kind: str, limit: TimeLimit) -> None:
        code = kind.removeprefix(f"{OPINION}:")
        self.tasks[code] = self.tasks[code].model_copy(update={"limit": limit})

    def _open_task(self, code: str) -> Task:
        task = self.task(code)
        if self.concluded is not None:
            raise IllegalTransitionError(
                f"the joint review ended: the application was {self.concluded}",
                rule=RULE_JOINT,
            )
        if task.opinion is not None:
            deemed = " (deemed)" if task.opinion.deemed else ""
            raise IllegalTransitionError(
                f"{task.participant.name}'s opinion was recorded on"
                f" {task.opinion.given_on}{deemed}",
                rule=RULE_JOINT,
            )
        return task

    # -- recorded facts ----------------------------------------------------------------

    def _with_opinion(self, code: str, opinion: Opinion) -> None:
        self.tasks[code] = self.tasks[code].model_copy(update={"opinion": opinion})

    @event(OpinionRecorded)
    def _opinion_recorded(
        self, audit: Audit, participant: str, opinion: Opinion
    ) -> None:
        self._with_opinion(participant, opinion)

    @event(OpinionDeemed)
    def _opinion_deemed(
        self, audit: Audit, participant: str, opinion: Opinion, rule: str
    ) -> None:
        self._with_opinion(participant, opinion)

    @event(Concluded)
    def _concluded(
        self,
        audit: Audit,
        outcome: str,
        concluded_on: date,
        open_participants: tuple[str, ...],
    ) -> None:
        self.concluded = outcome
