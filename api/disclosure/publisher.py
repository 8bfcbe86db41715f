"""The publisher: follows the logs whose decisions are published (domain/
disclosure/policy.py) and records their disclosures in the `disclosure` log.

At least once, idempotently: it keeps, per followed log, the position it has
carried out (table `casetrace_disclosure.publisher`), and moves it only after
the disclosures are saved; a crash in between repeats the event, which finds
its disclosure already prepared, published or retracted and records nothing
(one disclosure per decision, `disclosure_id`). One publisher works at a time
(an advisory lock per round); a second waits its turn.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import PersistenceError

from domain.disclosure.policy import TOPICS, Retract, decision_keys, instructions
from domain.disclosure.service import DisclosureService
from projections.runtime import lock_key

log = structlog.get_logger("casetrace.publisher")

PUBLISHER_LOCK = lock_key("disclosure-publisher")
BATCH = 200
ROUND_S = 1.0

SCHEMA_DDL = (
    "CREATE SCHEMA IF NOT EXISTS casetrace_disclosure",
    "CREATE TABLE IF NOT EXISTS casetrace_disclosure.publisher"
    " (log text PRIMARY KEY, position bigint NOT NULL)",
    # An event the publisher could not carry out (not the database's fault):
    # passed over so it never stops the rest, and kept here to be seen to.
    "CREATE TABLE IF NOT EXISTS casetrace_disclosure.refused"
    " (log text, position bigint, error text NOT NULL, at timestamptz NOT NULL"
    " DEFAULT now(), PRIMARY KEY (log, position))",
)


@dataclass
class Round:
    read: int = 0  # source events read
    written: int = 0  # disclosure-log position last written (0: none)
    busy: bool = False  # another publisher holds the lock
    positions: dict[str, int] = field(default_factory=dict)


class Publisher:
    def __init__(
        self,
        url: str,
        service: DisclosureService,
        sources: dict[str, Application[Any]],
        batch: int = BATCH,
    ) -> None:
        """`sources`: the followed logs that are registered (log → its app)."""
        self.url = url
        self.service = service
        self.sources = {name: app for name, app in sources.items() if name in TOPICS}
        self.batch = batch
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_schema(conn)

    def round(self) -> Round:
        """Carry out everything the followed logs hold now, a batch at a time."""
        done = Round()
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (PUBLISHER_LOCK,)
            ).fetchone()
            if row is None or not row[0]:
                done.busy = True
                return done
            try:
                for name, app in self.sources.items():
                    while self._batch(conn, name, app, done):
                        pass
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (PUBLISHER_LOCK,))
        return done

    def _batch(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        app: Application[Any],
        done: Round,
    ) -> bool:
        """One batch of a log; True when there may be more."""
        start = position(conn, name)
        notifications = app.recorder.select_notifications(
            start + 1, self.batch, topics=sorted(TOPICS[name])
        )
        for notification in notifications:
            try:
                event = app.mapper.to_domain_event(notification)
                written = self._carry_out(name, app, event, notification.id)
            except (psycopg.Error, PersistenceError):
                raise  # the database: the round fails and is tried again
            except Exception as exc:
                # A poison event must not stop every later publication.
                log.exception("event refused", log=name, position=notification.id)
                refuse(conn, name, notification.id, f"{type(exc).__name__}: {exc}")
                written = 0
            done.written = max(done.written, written)
            done.read += 1
            # Moved after each event: a crash repeats at most one.
            save_position(conn, name, notification.id)
            done.positions[name] = notification.id
        return len(notifications) == self.batch

    def _carry_out(self, name: str, app: Application[Any], event: Any, at: int) -> int:
        case_id = event.originator_id
        case: Any = app.repository.get(case_id, version=event.originator_version)
        todo = instructions(name, case, event)
        if not todo:
            return 0
        earlier: list[str] = []
        if any(isinstance(i, Retract) and i.targets is None for i in todo):
            history = app.repository.event_store.get(
                case_id, lte=event.originator_version
            )
            earlier = decision_keys(list(history))
        return self.service.carry_out(name, case_id, at, todo, earlier)

    def run(self, stop: threading.Event) -> None:
        """Rounds every second until stopped; a failed round (the database
        away) is logged and the next one tries again."""
        while not stop.is_set():
            try:
                self.round()
            except Exception:
                log.exception("publishing round failed; retrying")
            stop.wait(ROUND_S)


def ensure_schema(conn: psycopg.Connection[Any]) -> None:
    for statement in SCHEMA_DDL:
        conn.execute(statement)


def refuse(conn: psycopg.Connection[Any], name: str, at: int, error: str) -> None:
    conn.execute(
        "INSERT INTO casetrace_disclosure.refused (log, position, error)"
        " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (name, at, error[:2000]),
    )


def position(conn: psycopg.Connection[Any], name: str) -> int:
    row = conn.execute(
        "SELECT position FROM casetrace_disclosure.publisher WHERE log = %s", (name,)
    ).fetchone()
    return int(row[0]) if row else 0


def save_position(conn: psycopg.Connection[Any], name: str, at: int) -> None:
    conn.execute(
        "INSERT INTO casetrace_disclosure.publisher (log, position) VALUES (%s, %s)"
        " ON CONFLICT (log) DO UPDATE SET position = excluded.position",
        (name, at),
    )
