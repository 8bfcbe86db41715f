"""FollowUp (回访): the visits a licence holder is owed after a grant.

Seed 000, the bureau's 行政许可回访制度: "对获得行政许可的企业采取定期回访、
信息通报等方式，帮助企业及时了解国家标准、技术规范、实施细则和许可条件变化
的动态信息". One schedule per licence, opened in the grant's own save: the
first visit is due the item's `follow_up_months` after the grant, each next
one that many months after the visit recorded (or after the due date the
clock recorded missed, so a missed visit does not stop the schedule). The
schedule ends with the licence (withdrawn, revoked, cancelled, expired): the
service refuses visits to an ended licence, and the read model drops its due
visit from the board.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.licensing.licence import Licence
from domain.shared.audit import Audit, require_actor
from domain.shared.calendar import add_months
from domain.shared.errors import DeadlineError, InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.text import Line

RULE_FOLLOW_UP = "行政许可回访制度（定期回访、信息通报）"
DEFAULT_FOLLOW_UP_MONTHS = 12


class InformationKind(StrEnum):
    """What a visit passes on (信息通报), in the seed's words."""

    STANDARD = "standard"  # 国家标准的变化
    TECHNICAL_RULE = "technical_rule"  # 技术规范、实施细则的变化
    LICENCE_CONDITION = "licence_condition"  # 许可条件的变化


class InformationPassed(BaseModel):
    """One item of information passed on to the holder at a visit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: InformationKind
    content: Annotated[str, Line(500)]


Information = Annotated[tuple[InformationPassed, ...], Field(max_length=20)]


def follow_up_id(licence_id: UUID) -> UUID:
    """One schedule per licence: its id follows from the licence's."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:follow-up:{licence_id}")


class FollowUp(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.FollowUp"

    class Scheduled(Aggregate.Created):
        licence_id: UUID
        licence_number: str
        holder_name: str
        holder_uscc: str | None
        item_code: str
        item_name: str
        unit_code: str
        interval_months: int
        granted_on: date
        next_due: date
        rule: str

    class VisitRecorded(Aggregate.Event):
        visited_on: date
        findings: str
        information: tuple[InformationPassed, ...]
        next_due: date

    class VisitMissed(Aggregate.Event):
        """The clock saw a due visit pass unrecorded; the next is scheduled."""

        due: date
        next_due: date
        rule: str

    @event(Scheduled)
    def __init__(
        self,
        *,
        audit: Audit,
        licence_id: UUID,
        licence_number: str,
        holder_name: str,
        holder_uscc: str | None,
        item_code: str,
        item_name: str,
        unit_code: str,
        interval_months: int,
        granted_on: date,
        next_due: date,
        rule: str,
    ) -> None:
        self.licence_id = licence_id
        self.licence_number = licence_number
        self.holder_name = holder_name
        self.holder_uscc = holder_uscc
        self.item_code = item_code
        self.item_name = item_name
        self.unit_code = unit_code
        self.interval_months = interval_months
        self.granted_on = granted_on
        self.next_due = next_due
        self.rule = rule
        self.last_visited_on: date | None = None
        self.visits = 0
        self.missed: list[date] = []

    @classmethod
    def after_grant(
        cls, licence: Licence, interval_months: int, audit: Audit
    ) -> FollowUp:
        """Opened in the grant's save: the first visit is due one interval
        after the grant (the licence's first day)."""
        return cls._create(
            cls.Scheduled,
            id=follow_up_id(licence.id),
            audit=require_actor(audit),
            licence_id=licence.id,
            licence_number=licence.licence_number,
            holder_name=licence.holder.name,
            holder_uscc=licence.holder.uscc,
            item_code=licence.item_code,
            item_name=licence.item_name,
            unit_code=licence.authority_unit_code,
            interval_months=interval_months,
            granted_on=licence.valid_from,
            next_due=add_months(licence.valid_from, interval_months),
            rule=RULE_FOLLOW_UP,
        )

    def record_visit(
        self,
        visited_on: date,
        findings: str,
        information: tuple[InformationPassed, ...],
        today: date,
        audit: Audit,
    ) -> None:
        """A visit made: the next falls due one interval after it."""
        require_actor(audit)
        earliest = self.last_visited_on or self.granted_on
        if not earliest <= visited_on <= today:
            raise InvalidInputError(
                f"a visit is dated from {earliest} (the grant or the last visit)"
                f" to today ({today})",
                field="visited_on",
                rule=RULE_FOLLOW_UP,
            )
        self._visit_recorded(
            audit=audit,
            visited_on=visited_on,
            findings=findings,
            information=information,
            next_due=add_months(visited_on, self.interval_months),
        )

    def record_missed_visit(self, today: date, audit: Audit) -> None:
        """The clock, the day after a visit fell due unrecorded: recorded once
        (the next is then due one interval after the missed one)."""
        require_actor(audit)
        if today <= self.next_due:
            raise DeadlineError(
                f"the follow-up visit is due by {self.next_due}", rule=RULE_FOLLOW_UP
            )
        self._visit_missed(
            audit=audit,
            due=self.next_due,
            next_due=add_months(self.next_due, self.interval_months),
            rule=RULE_FOLLOW_UP,
        )

    @event(VisitRecorded)
    def _visit_recorded(
        self,
        audit: Audit,
        visited_on: date,
        findings: str,
        information: tuple[InformationPassed, ...],
        next_due: date,
    ) -> None:
        self.last_visited_on = visited_on
        self.visits += 1
        self.next_due = next_due

    @event(VisitMissed)
    def _visit_missed(self, audit: Audit, due: date, next_due: date, rule: str) -> None:
        self.missed.append(due)
        self.next_due = next_due
