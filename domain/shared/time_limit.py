"""One time limit (期限) for every context: a period from a start day, counted in
working or calendar days, that excluded periods stop and restart, that may be
extended once, and that is recomputed when a holiday notice is published.

Licensing's decision limit (行政许可法 Arts. 42, 45), a complaint's acceptance
and mediation periods (投诉举报处理暂行办法 Arts. 14, 20, 21), a report's
verification (处罚程序规定 Art. 18) and an inspection's objection and re-check
windows all have this shape; only the numbers and the articles differ.

The value is immutable: each change returns a new limit whose `due` an event
records (with the calendar version and the provisional flag), so a replay
never recomputes a legal date with a newer calendar (DESIGN §3 Deadlines).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.shared.calendar import DueDate, WorkingDayCalendar
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)


class Counting(StrEnum):
    # 工作日: 行政许可法 Art. 82; the 投诉举报 measures say 工作日 expressly.
    WORKING = "working"
    # 日 in calendar days (e.g. 行政处罚法 Art. 60's 90 days); a last day that is
    # not a working day moves to the next one (民法典 Art. 203).
    CALENDAR = "calendar"


class Exclusion(BaseModel):
    """Time not counted (检验、检测、鉴定、专家评审、听证…): from `started_on`
    until `ended_on`; `days` is what it added to the limit, in its counting."""

    model_config = ConfigDict(frozen=True)

    kind: str
    started_on: date
    ended_on: date | None = None
    days: int = 0


class Extension(BaseModel):
    """The one extension a rule allows, with who approved it and why."""

    model_config = ConfigDict(frozen=True)

    days: int
    approved_by: str
    reason: str
    rule: str


class TimeLimit(BaseModel):
    """A running legal time limit. The start day is not counted (民法典 Art. 201)."""

    model_config = ConfigDict(frozen=True)

    counting: Counting
    start: date
    days: int
    rule: str
    exclusions: tuple[Exclusion, ...] = ()
    extension: Extension | None = None
    due: DueDate

    @classmethod
    def begin(
        cls,
        calendar: WorkingDayCalendar,
        *,
        start: date,
        days: int,
        counting: Counting,
        rule: str,
    ) -> TimeLimit:
        if days < 1:
            raise InvalidInputError("a time limit is at least one day", field="days")
        facts = {"counting": counting, "start": start, "days": days, "rule": rule}
        return cls(**facts, due=_compute(calendar, counting, start, days))

    # -- what it is now ------------------------------------------------------------

    @property
    def open_exclusion(self) -> Exclusion | None:
        last = self.exclusions[-1] if self.exclusions else None
        return last if last is not None and last.ended_on is None else None

    @property
    def running(self) -> bool:
        return self.open_exclusion is None

    @property
    def total_days(self) -> int:
        """The period with its extension and every closed exclusion."""
        extended = self.extension.days if self.extension else 0
        return self.days + extended + sum(e.days for e in self.exclusions)

    def has_run_out(self, on: date) -> bool:
        """Whether the limit had passed by `on`. While it is stopped, time does
        not run, so what counts is the day it stopped."""
        stopped = self.open_exclusion
        return min(on, stopped.started_on if stopped else on) > self.due.due

    # -- changes -------------------------------------------------------------------

    def stop(self, kind: str, on: date, rule: str) -> TimeLimit:
        """An excluded period starts; the due date waits for `resume`."""
        if self.open_exclusion is not None:
            raise IllegalTransitionError(
                f"the time limit is already stopped for {self.open_exclusion.kind}",
                rule=rule,
            )
        if on < self.start:
            raise InvalidInputError(
                "an excluded period cannot start before the time limit", field="on"
            )
        self._require_not_run_out(on, rule)
        added = Exclusion(kind=kind, started_on=on)
        return self.model_copy(update={"exclusions": (*self.exclusions, added)})

    def resume(self, on: date, calendar: WorkingDayCalendar, rule: str) -> TimeLimit:
        """The excluded period ends; its days are added to the limit."""
        stopped = self.open_exclusion
        if stopped is None:
            raise IllegalTransitionError("the time limit is running", rule=rule)
        if on < stopped.started_on:
            raise InvalidInputError(
                "the time limit cannot restart before it stopped", field="on"
            )
        closed = stopped.model_copy(
            update={"ended_on": on, "days": self._days_between(calendar, stopped, on)}
        )
        return self._recounted(calendar, exclusions=(*self.exclusions[:-1], closed))

    def extend(
        self,
        extension: Extension,
        on: date,
        calendar: WorkingDayCalendar,
    ) -> TimeLimit:
        """The one extension: approved, with a reason, before the limit ran out."""
        if self.extension is not None:
            raise IllegalTransitionError(
                "the time limit may be extended only once", rule=extension.rule
            )
        if extension.days < 1:
            raise InvalidInputError("an extension is at least one day", field="days")
        if not extension.approved_by.strip() or not extension.reason.strip():
            raise InvalidInputError(
                "an extension needs its approver and reason", field="reason"
            )
        self._require_not_run_out(on, extension.rule)
        return self._recounted(calendar, extension=extension)

    def recomputed(self, calendar: WorkingDayCalendar) -> TimeLimit:
        """The same facts on another calendar (a holiday notice was published).
        Returns `self` when nothing moved, so callers record only real changes."""
        moved = self._recounted(calendar)
        same = (moved.due.due, moved.due.provisional) == (
            self.due.due,
            self.due.provisional,
        )
        return self if same else moved

    # -- internals -----------------------------------------------------------------

    def _require_not_run_out(self, on: date, rule: str) -> None:
        """Time that has run out cannot be excluded or extended after the fact."""
        if self.has_run_out(on):
            raise DeadlineError(
                f"the time limit already ran out on {self.due.due}", rule=rule
            )

    def _days_between(
        self, calendar: WorkingDayCalendar, stopped: Exclusion, on: date
    ) -> int:
        if self.counting is Counting.WORKING:
            return calendar.working_days_between(stopped.started_on, on)
        return (on - stopped.started_on).days

    def _recounted(
        self,
        calendar: WorkingDayCalendar,
        *,
        exclusions: tuple[Exclusion, ...] | None = None,
        extension: Extension | None = None,
    ) -> TimeLimit:
        changed = self.model_copy(
            update={
                "exclusions": self.exclusions if exclusions is None else exclusions,
                "extension": extension or self.extension,
            }
        )
        due = _compute(calendar, self.counting, self.start, changed.total_days)
        return changed.model_copy(update={"due": due})


def _compute(
    calendar: WorkingDayCalendar, counting: Counting, start: date, days: int
) -> DueDate:
    if counting is Counting.WORKING:
        return calendar.add_working_days(start, days)
    return calendar.add_calendar_days(start, days)
