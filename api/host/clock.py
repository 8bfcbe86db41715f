"""`casetrace clock`: turns due timers into commands, as actor `system:clock`.

The timers are the deadlines read models' rows with an action. An action
names a system command a context declares (`@system_command`), with at most
one argument after a colon in its text form: `deem_acceptance`,
`record_missed_deadline:decision` (the deadline's kind),
`send_reminder:expiry` (the reminder's subject). The clock looks the name up
in the `commands` of the context whose read model holds the timer (every
registered context's case models are read) and runs it on the timer's case
(`ContextService.execute`); it names no context and no command but
`recompute_deadlines`, which a context with provisional deadlines declares
for the day a holiday notice is published.

One clock is active at a time (a PostgreSQL advisory lock); and every
command is idempotent in the domain (a deadline already recorded missed, an
application already accepted, a licence already expired is refused, and a
concurrent save of the same case fails on its version), so two clocks, or a
clock restarted mid-batch, never record a timer twice.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import IntegrityError

from api.host.recorder import forget_old_keys
from api.host.storage import Services
from domain.shared.audit import SYSTEM_CLOCK, Audit
from domain.shared.clock import legal_date
from domain.shared.errors import DomainError
from domain.shared.service import CommandResult, ContextService
from projections.deadline_board import Timer, due_timers, sources_of, stale_cases
from projections.runtime import ReadModelMissingError, ensure_runtime, wait_for_logs

log = structlog.get_logger("casetrace.clock")

CLOCK_LOCK = 0x0CA5E7 << 8 | 2
BATCH = 500

RECOMPUTE = "recompute_deadlines"


@dataclass
class Tick:
    fired: int = 0
    refused: int = 0
    busy: bool = False  # another clock holds the lock
    not_ready: bool = False  # no projector has built the timers yet


class DeadlineClock:
    def __init__(
        self,
        services: Services,
        *,
        batch: int = BATCH,
        fault: Callable[[Timer], None] | None = None,
    ) -> None:
        self.services = services
        self.sources = sources_of(services.read_models())  # whose timers fire
        with psycopg.connect(services.url, autocommit=True) as conn:
            ensure_runtime(conn)  # so the clock may start before any projector
        self.batch = batch
        self.fault = fault  # tests crash the clock between two commands
        # Timers the domain refused at a given case version: not retried until
        # the case changes (so a refusal is logged once, not every minute).
        self.refused: set[tuple[UUID, str, Any, int]] = set()

    def tick(self) -> Tick:
        with psycopg.connect(self.services.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (CLOCK_LOCK,)
            ).fetchone()
            if not row or not row[0]:
                return Tick(busy=True)
            try:
                forget_old_keys(conn)  # housekeeping of the one active clock
                return self._fire_due(conn)
            except ReadModelMissingError:
                # A fresh database: the projector (another thread or process)
                # has not built the timers yet. Nothing is due before it has.
                return Tick(not_ready=True)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (CLOCK_LOCK,))

    def _recompute_stale(self, conn: psycopg.Connection[Any], tick: Tick) -> None:
        """DESIGN §3: a newly published calendar (an override file or a
        chinesecalendar release changes the version) moves provisional dates.
        They are recomputed, by events, before any timer fires, so the clock
        never acts on a date the new calendar moved."""
        version = self.services.calendar.version
        last: dict[str, int] = {}  # log → the last position written to it
        for stale in stale_cases(conn, version, self.batch, self.sources):
            case_id = stale.case_id
            key = (case_id, RECOMPUTE, version, stale.case_version)
            if key in self.refused:
                continue
            audit = Audit(
                actor=SYSTEM_CLOCK,
                request_id=f"recompute-{secrets.token_hex(8)}",
                reason=f"calendar {version}",
                causation=f"calendar:{version}",
            )
            try:
                result = self.services.apps[stale.log].execute(
                    RECOMPUTE, case_id, audit, {}
                )
            except DomainError as exc:
                self.refused.add(key)
                log.info("recompute refused", case_id=str(case_id), why=str(exc))
                continue
            except IntegrityError:
                continue
            tick.fired += 1
            last[result.log] = max(last.get(result.log, 0), result.position)
            log.info("deadlines recomputed", case_id=str(case_id), calendar=version)
        if last:
            wait_for_logs(conn, last, timeout=30.0)

    def _fire(self, timer: Timer) -> CommandResult:
        """The timer's command: `name` or `name:argument` (see the module's doc)."""
        name, _, argument = timer.action.partition(":")
        context: ContextService = self.services.apps[timer.log]
        spec = context.commands.get(name)
        if spec is None or not spec.system_only:
            raise LookupError(f"{timer.log} declares no system command {name!r}")
        arguments = context.commands[name].arguments_from(argument)
        return context.execute(name, timer.case_id, _audit(timer), arguments)

    def _due(self, conn: psycopg.Connection[Any], today: date) -> list[Timer]:
        """The next batch of due timers not refused before: pages past those
        refused (a retention timer waits for its matter's last case), so they
        never crowd out the rest."""
        after = None
        while True:
            page = due_timers(conn, today, self.batch, self.sources, after)
            fresh = [t for t in page if _key(t) not in self.refused]
            if fresh or len(page) < self.batch:
                return fresh
            after = page[-1].cursor

    def _fire_due(self, conn: psycopg.Connection[Any]) -> Tick:
        tick = Tick()
        last: dict[str, int] = {}  # log → the last position written to it
        today = legal_date(self.services.clock.now())
        self._recompute_stale(conn, tick)
        for timer in self._due(conn, today):
            key = _key(timer)
            try:
                result = self._fire(timer)
            except DomainError as exc:
                self.refused.add(key)
                tick.refused += 1
                log.info(
                    "timer refused",
                    timer=timer.action,
                    case_id=str(timer.case_id),
                    why=str(exc),
                )
                continue
            except IntegrityError:
                continue  # another writer changed the case meanwhile: next tick
            tick.fired += 1
            last[result.log] = max(last.get(result.log, 0), result.position)
            log.info(
                "timer fired",
                timer=timer.action,
                case_id=str(timer.case_id),
                due=str(timer.due),
            )
            if self.fault is not None:
                self.fault(timer)
        if last:
            # The next tick must see the timers these commands closed.
            wait_for_logs(conn, last, timeout=30.0)
        return tick

    def run(self, stop: threading.Event, interval: float = 60.0) -> None:
        while not stop.is_set():
            wait = interval
            try:
                while (tick := self.tick()).fired:
                    pass  # a full batch may have more behind it
                if tick.not_ready:
                    wait = min(interval, 1.0)  # look again soon after start-up
            except Exception:
                log.exception("clock tick failed; retrying")
            stop.wait(wait)


def _key(timer: Timer) -> tuple[Any, str, date, int]:
    """A timer as refused: at this due date and case version."""
    return (timer.case_id, timer.action, timer.due, timer.case_version)


def _audit(timer: Timer) -> Audit:
    return Audit(
        actor=SYSTEM_CLOCK,
        request_id=f"clock-{secrets.token_hex(8)}",
        reason=f"{timer.kind} deadline {timer.due.isoformat()} reached ({timer.action})",
        causation=f"timer:{timer.case_kind}:{timer.case_id}:{timer.kind}:{timer.due.isoformat()}",
    )


def run_in_thread(
    clock: DeadlineClock, interval: float = 60.0
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=clock.run, args=(stop, interval), name="casetrace-clock", daemon=True
    )
    thread.start()
    return thread, stop
