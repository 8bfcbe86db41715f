"""The event store's recorder: the library's PostgreSQL recorder, with a
command's read and write each in one round trip, and two things a command
needs to have exactly one effect whatever the network does.

1. **One round trip to read, one to write.** `select_aggregates` reads the
   aggregates a command needs (its case; the applicant's record and directory
   entry), each as one statement — an aggregate's latest snapshot and the
   events after it in one, and no snapshot probe for a kind that is never
   snapshotted — pipelined with the heads of the logs whose cache the request
   relies on (domain/shared/store.py). `insert_events` pipelines BEGIN, the
   library's table lock, NOTIFY, the insert and COMMIT: one round trip where
   the library's pipeline, inside psycopg's transaction block, takes five.
2. **Keyed commands in the events' transaction.** A command sent with an
   Idempotency-Key saves `(scope, key, fingerprint, outcome)` in
   `casetrace_api.command_keys` in the same statement as its events. The
   key is the row's primary key, so a second attempt of the same request can
   never commit a second effect: it inserts nothing, and the service answers
   with the recorded outcome (`ContextService.replayed`).
3. **A lost COMMIT answer is resolved, not retried blindly.** The library
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

import contextlib
import random
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import Jsonb

from domain.shared.service import CommandKey, StoredCommand
from domain.shared.store import (
    Read,
    ReadBatch,
    Stored,
    confirm,
    pending_reliances,
    settle,
)

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


class CasetraceRecorder(PostgresApplicationRecorder):
    """Configured with APPLICATION_RECORDER_TOPIC (api/storage.py)."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        self.notify_statement = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        insert = SQL(
            "INSERT INTO {0}.{1} AS t (originator_id, originator_version, topic, state)"
            " SELECT originator_id, originator_version, topic, state"
            " FROM unnest(%s::{0}.{2}[])"
        ).format(*table, Identifier(self.stored_event_type_name))
        self.insert_statement = insert + SQL(" RETURNING notification_id")
        # A keyed command's key rides in the same statement: when the key is
        # already recorded (by the attempt a retry repeats, committed before
        # this one took the table lock) nothing is inserted, and no statement
        # fails (a failed statement would abort the pipelined transaction).
        self.keyed_insert_statement = (
            SQL(
                "WITH k AS (INSERT INTO {keys} (scope, key, fingerprint, log, outcome)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1) "
            ).format(keys=SQL(COMMAND_KEYS))
            + insert
            + SQL(" WHERE EXISTS (SELECT FROM k) RETURNING notification_id")
        )
        self.bulk_copy_statement = SQL(
            "COPY {0}.{1} (originator_id, originator_version, topic, state)"
            " FROM STDIN (FORMAT BINARY)"
        ).format(*table)
        self.bulk_ids_statement = SQL(
            "SELECT notification_id FROM {0}.{1} WHERE notification_id > %s"
            " ORDER BY notification_id"
        ).format(*table)
        self._reads: dict[tuple[str, str | None, bool], Composed] = {}

    # -- writing: one transaction, one round trip ---------------------------------

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
                return self._insert_once(stored_events, kwargs.get("command"))
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

    def _insert_once(
        self,
        stored_events: Sequence[StoredEvent],
        command: tuple[CommandKey, str, dict[str, Any]] | None,
    ) -> Sequence[int] | None:
        """BEGIN, the table lock (as the library takes it: inserts commit in
        notification-id order), NOTIFY, the insert (with the key), COMMIT —
        pipelined, so the transaction costs one round trip to the server
        (the library's own pipeline, inside psycopg's transaction block,
        syncs five times). Each statement only runs if the one before it
        succeeded, and a failed one leaves the transaction to be rolled back."""
        if not stored_events and command is None:
            return None
        confirm(pending_reliances())  # usually carried by the case's read
        events = [
            self.construct_pg_stored_event(
                e.originator_id, e.originator_version, e.topic, e.state
            )
            for e in stored_events
        ]
        params: list[Any] = [events]
        if command is None:
            statement = self.insert_statement
        else:
            key, log, outcome = command
            statement = self.keyed_insert_statement
            params = [key.scope, key.key, key.fingerprint, log, Jsonb(outcome), events]
        ids = self._write(statement, params)
        settle()
        if len(ids) != len(stored_events):  # the key: nothing was inserted
            msg = f"Idempotency-Key {command[0].key if command else ''!r} is already recorded"
            raise IntegrityError(msg)
        return ids

    def _write(self, statement: Composed, params: Sequence[Any]) -> list[int]:
        """The pipelined transaction; the notification ids it inserted."""
        with self.datastore.get_connection() as conn:
            steps, inserted = conn.cursor(), conn.cursor()
            try:
                with conn.pipeline():
                    steps.execute("BEGIN", prepare=False)
                    for lock in self.lock_table_statements:
                        steps.execute(lock, prepare=True)
                    steps.execute(self.notify_statement, prepare=False)
                    inserted.execute(statement, params, prepare=True)
                    steps.execute("COMMIT", prepare=False)
            except psycopg.Error:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK", prepare=False)
                raise
            return [row["notification_id"] for row in inserted.fetchall()]

    def insert_in_bulk(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        """Many new events in one transaction (an import), as `insert_events`
        writes them — the table lock, NOTIFY, in order — sent by COPY in
        binary: no statement holds tens of megabytes of parameters (the
        library's save() hang, docs/upstream-save-hang.md), and the server
        parses no arrays. Under the lock no one else inserts, so the ids
        after the head read before the COPY are this transaction's own. Not
        retried: an import is run again instead (it records nothing twice)."""
        if not stored_events:
            return []
        confirm(pending_reliances())
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute("BEGIN", prepare=False)
                for lock in self.lock_table_statements:
                    curs.execute(lock, prepare=True)
                curs.execute(self.notify_statement, prepare=False)
                curs.execute(self.max_notification_id_statement, prepare=False)
                head = _head(curs)
                with curs.copy(self.bulk_copy_statement) as copy:
                    copy.set_types(
                        [self.datastore.originator_id_type, "int8", "text", "bytea"]
                    )
                    for e in stored_events:
                        copy.write_row(
                            (e.originator_id, e.originator_version, e.topic, e.state)
                        )
                curs.execute(self.bulk_ids_statement, (head,), prepare=False)
                ids = [row["notification_id"] for row in curs.fetchall()]
                curs.execute("COMMIT", prepare=False)
            except psycopg.Error:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK", prepare=False)
                raise
        return ids

    # -- reading: several aggregates, and the reliances, in one round trip --------

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_aggregates(self, reads: Sequence[Read]) -> list[Stored]:
        """Each read's latest snapshot (if asked for) and events after it, in
        one pipelined round trip with the heads of the logs the request
        relies on (domain/shared/store.py)."""
        here = self._database()
        mine = [r for r in reads if _database_of(r.events) == here]
        reliances = [r for r in pending_reliances() if _database_of(r.log) == here]
        with self.datastore.get_connection() as conn:
            heads = [conn.cursor() for _ in reliances]
            found = [conn.cursor() for _ in mine]
            with conn.pipeline():
                for cursor, reliance in zip(heads, reliances, strict=True):
                    cursor.execute(
                        reliance.log.max_notification_id_statement, prepare=True
                    )
                for cursor, read in zip(found, mine, strict=True):
                    cursor.execute(*self._read_statement(read), prepare=True)
            positions = [_head(cursor) for cursor in heads]
            rows = iter([cursor.fetchall() for cursor in found])
        for reliance, position in zip(reliances, positions, strict=True):
            reliance.check(position)
        return [
            _stored(next(rows)) if read in mine else _elsewhere(read) for read in reads
        ]

    def _read_statement(self, read: Read) -> tuple[Composed, dict[str, Any]]:
        params = {"id": read.originator_id, "version": read.version}
        versioned = read.version is not None
        snapshots = read.snapshots.events_table_name if read.snapshots else None
        key = (read.events.events_table_name, snapshots, versioned)
        statement = self._reads.get(key)
        if statement is None:
            statement = self._reads[key] = _read_sql(
                self.datastore.schema, key[0], snapshots, versioned
            )
        return statement, params

    def _database(self) -> tuple[Any, ...]:
        return _database_of(self)

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

    def select_first_events(self, ids: Sequence[Any]) -> list[StoredEvent]:
        """The first event of each of these aggregates that exists, in one
        query (an import asks which of its rows are stored already)."""
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state"
            " FROM {schema}.{table} WHERE originator_id = ANY(%s)"
            " AND originator_version = 1"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (list(ids),))
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

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


def _read_sql(
    schema: str, events: str, snapshots: str | None, versioned: bool
) -> Composed:
    """An aggregate's events (after its latest snapshot, when asked for) in
    one statement, so the snapshot and the events are of one moment."""
    upto = SQL(" AND originator_version <= %(version)s") if versioned else SQL("")
    columns = SQL("originator_id, originator_version, topic, state")
    if snapshots is None:
        return SQL(
            "SELECT false AS snapshot, {columns} FROM {schema}.{events}"
            " WHERE originator_id = %(id)s{upto} ORDER BY originator_version"
        ).format(
            columns=columns,
            schema=Identifier(schema),
            events=Identifier(events),
            upto=upto,
        )
    return SQL(
        "WITH s AS (SELECT {columns} FROM {schema}.{snapshots}"
        " WHERE originator_id = %(id)s{upto}"
        " ORDER BY originator_version DESC LIMIT 1)"
        " SELECT true AS snapshot, {columns} FROM s"
        " UNION ALL"
        " SELECT false, {columns} FROM {schema}.{events}"
        " WHERE originator_id = %(id)s{upto}"
        " AND originator_version > COALESCE((SELECT originator_version FROM s), 0)"
        " ORDER BY snapshot DESC, originator_version"
    ).format(
        columns=columns,
        schema=Identifier(schema),
        snapshots=Identifier(snapshots),
        events=Identifier(events),
        upto=upto,
    )


def _stored(rows: list[DictRow]) -> Stored:
    snapshot = None
    events = []
    for row in rows:
        stored = StoredEvent(
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        if row["snapshot"]:
            snapshot = stored
        else:
            events.append(stored)
    return Stored(snapshot, events)


def _head(cursor: Cursor[DictRow]) -> int:
    row = cursor.fetchone()
    return int(row["max"] or 0) if row else 0


def _database_of(recorder: Any) -> tuple[Any, ...]:
    """Which database (and schema) a recorder's tables are in; () if it is not
    a PostgreSQL recorder this one could read through."""
    datastore = getattr(recorder, "datastore", None)
    if not isinstance(datastore, PostgresDatastore):
        return ()
    kwargs = datastore.pool.kwargs if isinstance(datastore.pool.kwargs, dict) else {}
    return (*(kwargs.get(k) for k in ("host", "port", "dbname")), datastore.schema)


def _elsewhere(read: Read) -> Stored:
    """A read of another database's log, through its own recorder."""
    recorder = read.events
    if not isinstance(recorder, ReadBatch):
        msg = f"cannot read {read.originator_id} from {recorder!r}"
        raise TypeError(msg)
    (stored,) = recorder.select_aggregates([read])
    return stored
