"""One time limit (期限) for every context: a period from a start day, counted in
working or calendar days, that excluded periods stop and restart, that may be
extended once, and that is recomputed when a holiday notice is published.

Licensing's decision limit (行政许可法 Arts. 42, 45), a complaint's acceptance
and mediation periods (投诉举报处理暂行办法 Arts. 14, 20, 21), a report's
verification (处罚程序规定 Art. 18) and an inspection's objection and re-check
windows all have this shape; only the numbers and the articles differ.

The value is immutable and its methods are pure. Two kinds of method change it:
- decisions (`stop`, `resume`, `extend`, `recomputed`, `alongside`) check the
  rules and work the due date out on a calendar; an event records the result
  (the due date with its calendar version and provisional flag);
- `with_…` methods apply what an event recorded, with no checks and no
  calendar, so a replay rebuilds the limit exactly as decided and never
  recomputes a legal date with a newer calendar (DESIGN §3 Deadlines).
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
    until `ended_on`; `expected_days` is how long the party was told it would
    take, `days` what it added to the limit once ended, in the limit's counting."""

    model_config = ConfigDict(frozen=True)

    kind: str
    started_on: date
    ended_on: date | None = None
    days: int = 0
    expected_days: int | None = None


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
        _require_days(days, "a time limit")
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
    def excluded_days(self) -> int:
        """What the ended excluded periods added (an open one adds nothing yet)."""
        return sum(e.days for e in self.exclusions)

    @property
    def total_days(self) -> int:
        """The period with its extension and every ended exclusion."""
        extended = self.extension.days if self.extension else 0
        return self.days + extended + self.excluded_days

    def is_stale(self, calendar: WorkingDayCalendar) -> bool:
        """Provisional and worked out on another calendar: to be recomputed."""
        return self.due.is_stale(calendar)

    def has_run_out(self, on: date) -> bool:
        """Whether the limit had passed by `on`. While it is stopped, time does
        not run, so what counts is the day it stopped."""
        return self._as_of(on) > self.due.due

    def days_left(self, on: date, calendar: WorkingDayCalendar) -> int:
        """Days of its counting after `on` up to the due date: 0 on the last day
        and after it (`has_run_out` tells which); while stopped, as of the stop."""
        as_of = self._as_of(on)
        return _count(calendar, self.counting, as_of, self.due.due)

    # -- decisions: check the rules, work the due date out -------------------------

    def stop(
        self, kind: str, on: date, rule: str, *, expected_days: int | None = None
    ) -> TimeLimit:
        """An excluded period starts; the due date waits for `resume`."""
        if self.open_exclusion is not None:
            raise IllegalTransitionError(
                f"the time limit is already stopped for {self.open_exclusion.kind}",
                rule=rule,
            )
        previous_end = self.exclusions[-1].ended_on if self.exclusions else None
        if on < max(self.start, previous_end or self.start):
            # Before the start, or inside an excluded period already counted.
            raise InvalidInputError(
                "an excluded period cannot start before the time limit or the"
                " end of the previous one",
                field="on",
            )
        if expected_days is not None and expected_days < 1:
            raise InvalidInputError(
                "an excluded period is expected to last at least one day",
                field="expected_days",
                rule=rule,
            )
        self._require_not_run_out(on, rule)
        return self.with_stop(kind, on, expected_days=expected_days)

    def resume(self, on: date, calendar: WorkingDayCalendar, rule: str) -> TimeLimit:
        """The excluded period ends; its days after the day it stopped, up to
        and including `on`, are added to the limit."""
        stopped = self.open_exclusion
        if stopped is None:
            raise IllegalTransitionError("the time limit is running", rule=rule)
        if on < stopped.started_on:
            raise InvalidInputError(
                "the time limit cannot restart before it stopped", field="on"
            )
        excluded = _count(calendar, self.counting, stopped.started_on, on)
        return self.with_resume(on, excluded, self.due)._recounted(calendar)

    def extend(
        self,
        extension: Extension,
        on: date,
        calendar: WorkingDayCalendar,
    ) -> TimeLimit:
        """The one extension: approved, with a reason, before the limit ran out.
        Refusals cite the limit's own rule, which is what allows one extension."""
        if self.extension is not None:
            raise IllegalTransitionError(
                "the time limit may be extended only once", rule=self.rule
            )
        _require_days(extension.days, "an extension")
        if not extension.approved_by.strip() or not extension.reason.strip():
            raise InvalidInputError(
                "an extension needs its approver and reason", field="reason"
            )
        self._require_not_run_out(on, self.rule)
        return self.with_extension(extension, self.due)._recounted(calendar)

    def recomputed(self, calendar: WorkingDayCalendar) -> TimeLimit:
        """The same facts on a newer calendar (a holiday notice was published).
        Only a provisional due date is worked out again; `self` when it is not
        stale, so callers record a change only when there is one to record."""
        return self._recounted(calendar) if self.is_stale(calendar) else self

    def alongside(
        self, days: int, rule: str, calendar: WorkingDayCalendar
    ) -> TimeLimit:
        """Another period from the same start, stopped by the same excluded
        periods but never extended: e.g. a promised limit (承诺时限) inside the
        legal one."""
        _require_days(days, "a time limit")
        beside = self.model_copy(update={"days": days, "rule": rule, "extension": None})
        return beside._recounted(calendar)

    # -- as an event recorded it: no checks, no calendar -----------------------------

    def with_stop(
        self, kind: str, on: date, *, expected_days: int | None = None
    ) -> TimeLimit:
        added = Exclusion(kind=kind, started_on=on, expected_days=expected_days)
        return self.model_copy(update={"exclusions": (*self.exclusions, added)})

    def with_resume(self, on: date, days: int, due: DueDate) -> TimeLimit:
        stopped = self.exclusions[-1]
        closed = stopped.model_copy(update={"ended_on": on, "days": days})
        return self.model_copy(
            update={"exclusions": (*self.exclusions[:-1], closed), "due": due}
        )

    def with_extension(self, extension: Extension, due: DueDate) -> TimeLimit:
        return self.model_copy(update={"extension": extension, "due": due})

    def with_due(self, due: DueDate) -> TimeLimit:
        return self.model_copy(update={"due": due})

    # -- internals -----------------------------------------------------------------

    def _as_of(self, on: date) -> date:
        stopped = self.open_exclusion
        return min(on, stopped.started_on) if stopped else on

    def _require_not_run_out(self, on: date, rule: str) -> None:
        """Time that has run out cannot be excluded or extended after the fact."""
        if self.has_run_out(on):
            raise DeadlineError(
                f"the time limit already ran out on {self.due.due}", rule=rule
            )

    def _recounted(self, calendar: WorkingDayCalendar) -> TimeLimit:
        return self.with_due(
            _compute(calendar, self.counting, self.start, self.total_days)
        )


def _require_days(days: int, what: str) -> None:
    if days < 1:
        raise InvalidInputError(f"{what} is at least one day", field="days")


def _compute(
    calendar: WorkingDayCalendar, counting: Counting, start: date, days: int
) -> DueDate:
    if counting is Counting.WORKING:
        return calendar.add_working_days(start, days)
    return calendar.add_calendar_days(start, days)


def _count(
    calendar: WorkingDayCalendar, counting: Counting, after: date, until: date
) -> int:
    """Days d of the counting with after < d <= until (0 when until <= after)."""
    if counting is Counting.WORKING:
        return calendar.working_days_between(after, until)
    return max((until - after).days, 0)
