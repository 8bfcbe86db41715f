"""The event store's recorder: the library's PostgreSQL recorder, plus two things
a command needs to have exactly one effect whatever the network does.

1. **Keyed commands in the events' transaction.** A command sent with an
   Idempotency-Key saves `(scope, key, fingerprint, outcome)` in
   `casetrace_api.command_keys` in the same transaction as its events. The
   key is the row's primary key, so a second attempt of the same request can
   never commit a second effect: its transaction fails on the key, and the
   service answers with the recorded outcome (`ContextService.replayed`).
2. **A lost COMMIT answer is resolved, not retried blindly.** The library
   retries an insert after a dropped connection; when the first attempt had
   in fact committed, the retry fails on a uniqueness constraint, and a
   caller would take that for a conflict (409) or, for a new case, a receipt
   number clash (a second case). Here, after a failure whose outcome is
   unknown, the recorder reads back its own first event: identical stored
   bytes mean the earlier attempt committed, and it answers with the
   notification ids that attempt was given. Retries are bounded by time, so a
   database that is gone gives an error within about two seconds (→ 503).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from domain.shared.service import CommandKey, StoredCommand

API_SCHEMA = "casetrace_api"
COMMAND_KEYS = f"{API_SCHEMA}.command_keys"
# A retry comes within seconds or hours; a day is ample. An outcome may hold a
# query code shown once at receipt, so it is not kept longer than needed.
KEEP_SECONDS = 24 * 3600
# How long one insert may keep trying after connection failures (the API
# answers 503 after that; the client retries with its key).
RETRY_SECONDS = 2.0

COMMAND_KEYS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {COMMAND_KEYS} (
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    log         text        NOT NULL,
    outcome     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS command_keys_created ON {COMMAND_KEYS} (created_at);
"""

_insert_once = PostgresApplicationRecorder.insert_events.__wrapped__


class CasetraceRecorder(PostgresApplicationRecorder):
    """Configured with APPLICATION_RECORDER_TOPIC (api/storage.py)."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        deadline = time.monotonic() + RETRY_SECONDS
        uncertain = False  # an attempt may have committed without our knowing
        pause = 0.05
        while True:
            try:
                if uncertain:
                    committed = self._committed_ids(stored_events)
                    if committed is not None:
                        return committed
                result: Sequence[int] | None = _insert_once(
                    self, stored_events, **kwargs
                )
                return result
            except (InterfaceError, OperationalError):
                uncertain = True
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause * (0.5 + random.random()))  # noqa: S311
                pause = min(pause * 2, 0.5)
            except IntegrityError:
                committed = self._committed_ids(stored_events) if uncertain else None
                if committed is None:
                    raise
                return committed

    def _committed_ids(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The notification ids of these very events if they are stored.

        The first event decides: its stored bytes hold its timestamp (and, when
        events are encrypted, a random nonce), so equal bytes at the same
        (originator, version) can only be this attempt's own."""
        if not stored_events:
            return None
        first = stored_events[0]
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state, notification_id"
            " FROM {schema}.{table} WHERE originator_id = ANY(%s)"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )
        originators = list({e.originator_id for e in stored_events})
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originators,))
            rows = {
                (row["originator_id"], row["originator_version"]): row
                for row in curs.fetchall()
            }
        mine = rows.get((first.originator_id, first.originator_version))
        if mine is None or bytes(mine["state"]) != first.state:
            return None
        if mine["topic"] != first.topic:
            return None
        return [
            rows[(e.originator_id, e.originator_version)]["notification_id"]
            for e in stored_events
        ]

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        command: tuple[CommandKey, str, dict[str, Any]] | None = kwargs.get("command")
        if command is not None:
            key, log, outcome = command
            # First in the transaction: a same-key attempt waits here for this
            # one to end. If that one committed, there is no row to insert and
            # the save fails before any event is written; the service then
            # answers with the recorded outcome. (DO NOTHING + a check, not a
            # unique violation: a failed statement aborts psycopg's pipeline,
            # which can leave the pooled connection's prepared statements
            # out of step with the server.)
            curs.execute(
                f"INSERT INTO {COMMAND_KEYS} (scope, key, fingerprint, log, outcome)"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (key.scope, key.key, key.fingerprint, log, Jsonb(outcome)),
            )
            if curs.fetchone() is None:
                msg = f"Idempotency-Key {key.key!r} is already recorded"
                raise IntegrityError(msg)
        super()._insert_events(curs, stored_events, **kwargs)

    def find_command(self, scope: str, key: str) -> StoredCommand | None:
        """The recorded outcome of a keyed command, with the log position of the
        event that put the case at the recorded version."""
        statement = SQL(
            "SELECT k.fingerprint, k.outcome,"
            " (SELECT e.notification_id FROM {schema}.{table} e"
            "   WHERE k.log = %s"
            "     AND e.originator_id = (k.outcome->>'id')::uuid"
            "     AND e.originator_version = (k.outcome->>'version')::int) AS position"
            " FROM {keys} k WHERE k.scope = %s AND k.key = %s"
            " AND k.created_at > now() - %s * interval '1 second'"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            keys=SQL(COMMAND_KEYS),
        )
        log = self.events_table_name.removesuffix("_events")
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (log, scope, key, KEEP_SECONDS))
            row = curs.fetchone()
        if row is None:
            return None
        return StoredCommand(
            fingerprint=row["fingerprint"],
            outcome=row["outcome"],
            position=row["position"],
        )


def forget_old_keys(conn: Any) -> None:
    """Keys older than a day are dropped (run by a background process, not on
    the command path)."""
    conn.execute(
        f"DELETE FROM {COMMAND_KEYS} WHERE created_at < now() - %s * interval '1 second'",  # noqa: S608
        (KEEP_SECONDS,),
    )
