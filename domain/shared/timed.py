"""What every case with legal time limits shares: the deadlines the clock saw
pass (`DeadlineMissed`), and the recomputation of provisional dates when a
holiday notice is published (DESIGN §3 Deadlines)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from domain.shared.audit import Audit, require_actor
from domain.shared.calendar import DeadlineChange, WorkingDayCalendar, recomputation
from domain.shared.errors import DeadlineError, IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.time_limit import TimeLimit


class TimedCase(Aggregate):
    """Base of every case a legal period runs on (a complaint, a report, an
    inspection, a penalty case): the deadlines the clock saw pass, and their
    recomputation when a holiday notice is published. Each kind says which
    deadlines run (`due_deadlines`) and where its limits are (`LIMITS`), and
    sets `missed` (a list) when it is created. Its events apply themselves and
    are triggered by their class on the concrete aggregate, so each kind
    records them under its own pinned topic."""

    class DeadlineMissed(Aggregate.Event):
        """The clock saw a legal deadline pass with nothing done (DESIGN §3)."""

        kind: str
        due: date
        rule: str

        def apply(self, aggregate: Any) -> None:
            aggregate.missed.append((self.kind, self.due))

    class DeadlinesRecomputed(Aggregate.Event):
        """DESIGN §3: a holiday notice was published; the provisional dates
        worked out again, old and new recorded, and the limits as recomputed
        (by deadline kind) applied."""

        changes: tuple[DeadlineChange, ...]
        calendar_version: str
        notices: tuple[str, ...]
        rule: str
        limits: dict[str, TimeLimit]

        def apply(self, aggregate: Any) -> None:
            for kind, limit in self.limits.items():
                aggregate.set_limit(kind, limit)

    # The case's time limits by deadline kind → the attribute holding each.
    LIMITS: ClassVar[dict[str, str]] = {}

    def record_missed(self, kind: str, on: date, audit: Audit) -> None:
        """The clock, the day after a deadline passed with the step undone;
        once per deadline (one moved later that passes again is a new fact)."""
        require_actor(audit)
        running = {str(k): (due, rule) for k, due, rule in self.due_deadlines()}
        if kind not in running:
            raise IllegalTransitionError(f"no {kind} deadline is running")
        due, rule = running[kind]
        if on <= due:
            raise DeadlineError(f"the {kind} deadline runs until {due}", rule=rule)
        self.trigger_event(
            type(self).DeadlineMissed, audit=audit, kind=kind, due=due, rule=rule
        )

    def limits(self) -> dict[str, TimeLimit | None]:
        """The case's time limits by deadline kind (from `LIMITS`; a kind whose
        limits are not fixed attributes, one per participant, says its own)."""
        return {kind: getattr(self, attr) for kind, attr in self.LIMITS.items()}

    def set_limit(self, kind: str, limit: TimeLimit) -> None:
        setattr(self, self.LIMITS[kind], limit)

    def stale_limits(self, calendar: WorkingDayCalendar) -> dict[str, TimeLimit]:
        """Provisional limits worked out under another calendar version, as the
        current calendar makes them."""
        return {
            kind: limit.recomputed(calendar)
            for kind, limit in self.limits().items()
            if limit is not None and limit.is_stale(calendar)
        }

    def recompute_deadlines(self, calendar: WorkingDayCalendar, audit: Audit) -> None:
        """DESIGN §3: the clock, when the calendar version changed (a notice
        was published); refused when nothing predates the calendar."""
        require_actor(audit)
        stale = self.stale_limits(calendar)
        old = {k: v.due.due for k, v in self.limits().items() if v and k in stale}
        moved = recomputation(
            [(kind, old[kind], limit.due) for kind, limit in stale.items()], calendar
        )
        self.trigger_event(
            type(self).DeadlinesRecomputed,
            audit=audit,
            changes=moved.changes,
            calendar_version=moved.calendar_version,
            notices=moved.notices,
            rule=moved.rule,
            limits=stale,
        )

    def due_deadlines(self) -> Sequence[tuple[str, date, str]]:
        """Deadlines that can still be missed: (kind, due date, rule)."""
        raise NotImplementedError
