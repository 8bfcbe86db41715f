"""Liaison (质企联系): an enterprise's designated contact, and its quarterly visits.

Seed 001, the bureau's 质企联系制度, "三定": 定点联系 (a designated contact for
each enterprise), 定期走访 ("每季度至少深入联系点一次": at least one visit
per calendar quarter), 定时分析 (a quarterly analysis: the read model
`liaisons` and GET /v1/licensing/liaisons/analysis). One liaison per
enterprise (by USCC). From the quarter it is designated in, each quarter
owes a visit by its last day; a quarter that ends unvisited is recorded
missed by the clock the day after, and the obligation moves to the next
quarter not yet visited.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate
from domain.shared.text import Line

RULE_LIAISON = "质企联系制度（定点联系、每季度至少走访一次、每季度分析）"

Findings = Annotated[tuple[Annotated[str, Line(500)], ...], Field(max_length=50)]


def quarter_of(day: date) -> date:
    """The first day of the calendar quarter that holds `day`."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def next_quarter(first: date) -> date:
    month = first.month + 3
    return date(first.year + (month > 12), (month - 1) % 12 + 1, 1)


def quarter_end(first: date) -> date:
    """The last day of the quarter starting on `first`: the visit's due date."""
    return next_quarter(first) - timedelta(days=1)


def quarter_label(first: date) -> str:
    """2026-10-01 → "2026Q4"."""
    return f"{first.year}Q{(first.month - 1) // 3 + 1}"


def owed_quarter(since: date, settled: Collection[date]) -> date:
    """The earliest quarter from the designation's neither visited nor
    recorded missed: the one whose visit is owed."""
    quarter = quarter_of(since)
    while quarter in settled:
        quarter = next_quarter(quarter)
    return quarter


def liaison_id(uscc: str) -> UUID:
    """One liaison per enterprise: its id follows from the USCC."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:liaison:{uscc}")


class Contact(BaseModel):
    """The designated member of staff (联系人)."""

    model_config = ConfigDict(frozen=True)

    staff_no: str
    name: str


class Liaison(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.Liaison"

    class Designated(Aggregate.Created):
        uscc: str
        enterprise_name: str
        contact: Contact
        unit_code: str
        since: date
        rule: str

    class ContactChanged(Aggregate.Event):
        contact: Contact
        changed_on: date

    class VisitRecorded(Aggregate.Event):
        visited_on: date
        quarter: date  # the first day of the visit's quarter
        first_of_quarter: bool  # the quarter's obligation met by this visit
        findings: tuple[str, ...]
        help_given: str

    class QuarterMissed(Aggregate.Event):
        quarter: date
        due: date
        rule: str

    class Ended(Aggregate.Event):
        ended_on: date

    @event(Designated)
    def __init__(
        self,
        *,
        audit: Audit,
        uscc: str,
        enterprise_name: str,
        contact: Contact,
        unit_code: str,
        since: date,
        rule: str,
    ) -> None:
        self.uscc = uscc
        self.enterprise_name = enterprise_name
        self.contact = contact
        self.unit_code = unit_code
        self.since = since
        self.visited: list[date] = []  # quarters visited
        self.missed: list[date] = []  # quarters recorded missed
        self.ended_on: date | None = None

    @classmethod
    def designate(
        cls,
        *,
        uscc: str,
        enterprise_name: str,
        contact: Contact,
        unit_code: str,
        since: date,
        audit: Audit,
    ) -> Liaison:
        return cls._create(
            cls.Designated,
            id=liaison_id(uscc),
            audit=require_reason(audit, "designating a liaison contact"),
            uscc=uscc,
            enterprise_name=enterprise_name,
            contact=contact,
            unit_code=unit_code,
            since=since,
            rule=RULE_LIAISON,
        )

    @property
    def due_quarter(self) -> date | None:
        """The quarter whose visit is owed (None once the liaison ended)."""
        if self.ended_on is not None:
            return None
        return owed_quarter(self.since, {*self.visited, *self.missed})

    def _require_running(self) -> None:
        if self.ended_on is not None:
            raise IllegalTransitionError(
                f"the liaison ended on {self.ended_on}", rule=RULE_LIAISON
            )

    def change_contact(self, contact: Contact, on: date, audit: Audit) -> None:
        require_reason(audit, "changing the liaison contact")
        self._require_running()
        if contact == self.contact:
            raise IllegalTransitionError(f"{contact.staff_no} is the contact already")
        self._contact_changed(audit=audit, contact=contact, changed_on=on)

    def record_visit(
        self,
        visited_on: date,
        findings: tuple[str, ...],
        help_given: str,
        today: date,
        audit: Audit,
    ) -> None:
        """走访: dated from designation to today, in a quarter not recorded missed."""
        require_actor(audit)
        self._require_running()
        if not self.since <= visited_on <= today:
            raise InvalidInputError(
                f"a visit is dated from {self.since} (designation) to today ({today})",
                field="visited_on",
                rule=RULE_LIAISON,
            )
        quarter = quarter_of(visited_on)
        if quarter in self.missed:
            raise IllegalTransitionError(
                f"{quarter_label(quarter)} was recorded missed; the record stands",
                rule=RULE_LIAISON,
            )
        self._visit_recorded(
            audit=audit,
            visited_on=visited_on,
            quarter=quarter,
            first_of_quarter=quarter not in self.visited,
            findings=findings,
            help_given=help_given,
        )

    def record_missed_quarter(self, today: date, audit: Audit) -> None:
        """The clock, the day after the owed quarter ended unvisited."""
        require_actor(audit)
        quarter = self.due_quarter
        if quarter is None:
            raise IllegalTransitionError("the liaison has ended", rule=RULE_LIAISON)
        due = quarter_end(quarter)
        if today <= due:
            raise DeadlineError(
                f"{quarter_label(quarter)}'s visit is due by {due}", rule=RULE_LIAISON
            )
        self._quarter_missed(audit=audit, quarter=quarter, due=due, rule=RULE_LIAISON)

    def end(self, on: date, audit: Audit) -> None:
        require_reason(audit, "ending a liaison")
        self._require_running()
        self._ended(audit=audit, ended_on=on)

    @event(ContactChanged)
    def _contact_changed(
        self, audit: Audit, contact: Contact, changed_on: date
    ) -> None:
        self.contact = contact

    @event(VisitRecorded)
    def _visit_recorded(
        self,
        audit: Audit,
        visited_on: date,
        quarter: date,
        first_of_quarter: bool,
        findings: tuple[str, ...],
        help_given: str,
    ) -> None:
        if first_of_quarter:
            self.visited.append(quarter)

    @event(QuarterMissed)
    def _quarter_missed(
        self, audit: Audit, quarter: date, due: date, rule: str
    ) -> None:
        self.missed.append(quarter)

    @event(Ended)
    def _ended(self, audit: Audit, ended_on: date) -> None:
        self.ended_on = ended_on
