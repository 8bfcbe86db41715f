"""The checkpoint signer: signs each log's tree head as a C2SP checkpoint
(tlog-checkpoint@v1.0.0, an Ed25519 signed note) every N events or T seconds.

One signer signs at a time (an advisory lock taken per round), wherever it
runs — a thread of `casetrace serve` or of `casetrace project`. It reads the
ledger's tables in one snapshot and signs a tree only if a consistency proof
joins it to the last checkpoint — a signature promises that the log only
grew. A ledger rebuilt from edited events (or edited in place) is refused,
recorded in `refusals` and logged at error level, never signed.

The last checkpoint is one it can believe: a stored row counts only if its
note verifies with this key and says what the row says (a forged, re-signed
or edited row is passed over). Because the database could also *delete* the
latest checkpoints before a rewrite, the signer keeps its own record of the
last size and root it signed per log and database (`state`: a file beside
its key, outside the database) and refuses to sign over a database whose
checkpoints end before that record.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg.conninfo import conninfo_to_dict

from api.audit.checkpoints import latest_believed
from api.audit.keys import Key, origin
from api.audit.signing import LedgerKey
from domain.ledger.merkle import verify_consistency
from domain.ledger.note import Checkpoint as CheckpointBody
from projections.audit import ledger_queries as q
from projections.audit.ledger import ensure_checkpoints
from projections.runtime import ReadModelMissingError, ensure_runtime, lock_key

log = logging.getLogger("casetrace.ledger")

SIGNER_LOCK = lock_key("ledger-signer")
ROUND_S = 1.0
STATE_FILE = "ledger.signed.json"  # beside the key, in the data directory
_STATE_LOCK = threading.Lock()  # one writer of a state file per process


@dataclass(frozen=True)
class Signed:
    log: str
    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class Last:
    """The tree head a log's next checkpoint must extend."""

    size: int
    root: bytes
    signed_at: datetime | None  # None: known from the signer's own record only


class SignerState:
    """The signer's own record of what it last signed: {database: {log:
    [size, base64 root]}} in a JSON file, written whole and renamed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, list[Any]]]:
        if self.path is None:
            return {}
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def last(self, database: str, name: str) -> tuple[int, bytes] | None:
        found = self._read().get(database, {}).get(name)
        if not found:
            return None
        return int(found[0]), base64.b64decode(found[1])

    def record(self, database: str, name: str, size: int, root: bytes) -> None:
        if self.path is None:
            return
        with _STATE_LOCK:
            data = self._read()
            data.setdefault(database, {})[name] = [
                size,
                base64.b64encode(root).decode(),
            ]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            draft = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            draft.write_bytes(orjson.dumps(data))
            draft.replace(self.path)


class CheckpointSigner:
    """Signs due checkpoints of the given logs."""

    def __init__(
        self,
        url: str,
        key: LedgerKey,
        logs: Iterable[str],
        *,
        every: int = 1000,
        interval: float = 60.0,
        state: Path | None = None,
    ) -> None:
        self.url = url
        self.key = key
        self.public = Key.of(key)
        self.logs = tuple(logs)
        self.every = max(every, 1)
        self.interval = timedelta(seconds=max(interval, 0.0))
        self.state = SignerState(state)
        # Which database the record is of: from the configuration, which the
        # database's administrator does not write.
        where = conninfo_to_dict(url)
        named = f"{where.get('host')}:{where.get('port')}/{where.get('dbname')}"
        self.database = hashlib.sha256(named.encode()).hexdigest()[:16]
        self.conn: psycopg.Connection[Any] | None = None
        self.keep = False  # keep the connection between rounds (`run`)
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_runtime(conn)  # a signer may start before any projector
            ensure_checkpoints(conn)

    def _connection(self) -> psycopg.Connection[Any]:
        """One connection kept between rounds (a new one after a failure)."""
        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(self.url)
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def sign_due(self, *, force: bool = False) -> list[Signed]:
        """One round: every log whose tree grew by `every` leaves, or whose
        last checkpoint is older than `interval` (or any that grew, if
        forced); a log never signed gets its first checkpoint at once (the
        empty tree's, if it has no event yet)."""
        conn = self._connection()
        try:
            with conn.transaction():
                row = conn.execute(
                    "SELECT pg_try_advisory_xact_lock(%s), now()", (SIGNER_LOCK,)
                ).fetchone()
                if row is None or not row[0]:
                    return []  # another signer is at it
                try:
                    sizes = q.sizes(conn)
                except ReadModelMissingError:
                    return []  # the ledger has not been built yet
                database = self.database
                signed = []
                for name in self.logs:
                    made = self._sign_log(
                        conn, database, name, sizes.get(name, 0), row[1], force
                    )
                    if made is not None:
                        signed.append(made)
        except psycopg.Error:
            self.close()
            raise
        finally:
            if not self.keep:  # a single round (the CLI, a test) leaves nothing open
                self.close()
        for made in signed:  # once committed: the record follows the database
            self.state.record(database, made.log, made.size, made.root)
        return signed

    def _last(
        self, conn: psycopg.Connection[Any], database: str, name: str, size: int
    ) -> Last | None:
        """The head to extend: the latest checkpoint that verifies, unless the
        signer's own record is further (checkpoints were deleted): refused."""
        stored = latest_believed(conn, name, self.public)
        own = self.state.last(database, name)
        if own is not None and (stored is None or stored.size < own[0]):
            self._refuse(
                conn,
                name,
                size,
                f"this signer signed {own[0]} leaves of the {name} log, but the"
                f" database's checkpoints end at {stored.size if stored else 0}:"
                " checkpoints were removed; not signed",
            )
            return None
        if stored is None:
            return Last(0, b"", None)
        return Last(stored.size, stored.root, stored.signed_at)

    def _sign_log(
        self,
        conn: psycopg.Connection[Any],
        database: str,
        name: str,
        size: int,
        now: datetime,
        force: bool,
    ) -> Signed | None:
        last = self._last(conn, database, name, size)
        if last is None:
            return None
        first = last.signed_at is None and last.size == 0
        if not first and not self._due(last, size, now, force):
            return None
        root = q.root_at(conn, name, size)
        if last.size > 0:  # every tree extends the empty one
            proof = q.consistency_proof(conn, name, last.size, size)
            if not verify_consistency(last.size, size, last.root, root, proof):
                self._refuse(
                    conn,
                    name,
                    size,
                    f"the ledger's tree of {size} leaves is not consistent with"
                    f" the checkpoint of {last.size}: the log was rewritten;"
                    " not signed",
                )
                return None
        body = CheckpointBody(origin(self.key.name, name), size, root).body()
        note = self.key.sign_note(body, origin(self.key.name, name))
        q.record_checkpoint(conn, name, size, root, note)
        log.info("checkpoint signed", extra={"log": name, "size": size})
        return Signed(name, size, root, note)

    def _due(self, last: Last, size: int, now: datetime, force: bool) -> bool:
        if size <= last.size:
            return False
        old = last.signed_at is None or now - last.signed_at >= self.interval
        return force or size - last.size >= self.every or old

    def _refuse(
        self, conn: psycopg.Connection[Any], name: str, size: int, reason: str
    ) -> None:
        log.error("checkpoint refused", extra={"log": name, "size": size})
        q.record_refusal(conn, name, size, reason)

    def run(self, stop: threading.Event) -> None:
        """Sign due checkpoints every second until stopped; a failed round
        (the database away, a table altered) is logged and the next one
        tries again — the thread never dies of it."""
        self.keep = True
        try:
            while not stop.is_set():
                try:
                    self.sign_due()
                except Exception:
                    log.exception("checkpoint round failed; retrying")
                stop.wait(ROUND_S)
        finally:
            self.close()
