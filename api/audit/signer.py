"""The checkpoint signer: signs each log's tree head as a C2SP checkpoint
(tlog-checkpoint@v1.0.0, an Ed25519 signed note) every N events or T seconds.

One signer signs at a time (an advisory lock taken per round), wherever it
runs — a thread of `casetrace serve` or of `casetrace project`. It reads the
ledger's tables in one snapshot, and before it signs a tree it checks a
consistency proof from the last checkpoint to it: a ledger rebuilt from edited
events (or edited in place) is refused, recorded in `refusals` and logged at
error level, and never signed — a signature promises that the log only grew.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from api.audit.keys import origin
from api.audit.signing import LedgerKey
from domain.ledger.merkle import verify_consistency
from domain.ledger.note import Checkpoint as CheckpointBody
from projections.audit import ledger_queries as q
from projections.audit.ledger import ensure_checkpoints
from projections.runtime import ReadModelMissingError, lock_key

log = logging.getLogger("casetrace.ledger")

SIGNER_LOCK = lock_key("ledger-signer")
ROUND_S = 1.0


@dataclass(frozen=True)
class Signed:
    log: str
    size: int
    root: bytes
    note: str


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
    ) -> None:
        self.url = url
        self.key = key
        self.logs = tuple(logs)
        self.every = max(every, 1)
        self.interval = timedelta(seconds=max(interval, 0.0))
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_checkpoints(conn)

    def sign_due(self, *, force: bool = False) -> list[Signed]:
        """One round: every log whose tree grew by `every` leaves, or whose
        last checkpoint is older than `interval` (or any that grew, if
        forced); a log never signed gets its first checkpoint at once (the
        empty tree's, if it has no event yet)."""
        with psycopg.connect(self.url) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
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
                signed = []
                for name in self.logs:
                    made = self._sign_log(conn, name, sizes.get(name, 0), row[1], force)
                    if made is not None:
                        signed.append(made)
                return signed

    def _sign_log(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        size: int,
        now: datetime,
        force: bool,
    ) -> Signed | None:
        last = next(iter(q.latest(conn, name)), None)
        if last is not None and not self._due(last, size, now, force):
            return None
        root = q.root_at(conn, name, size)
        if last is not None and last.size > 0:  # all trees extend the empty one
            proof = q.consistency_proof(conn, name, last.size, size)
            if not verify_consistency(last.size, size, last.root, root, proof):
                self._refuse(conn, name, size, last.size)
                return None
        body = CheckpointBody(origin(self.key.name, name), size, root).body()
        note = self.key.sign_note(body, origin(self.key.name, name))
        q.record_checkpoint(conn, name, size, root, note)
        log.info("checkpoint signed", extra={"log": name, "size": size})
        return Signed(name, size, root, note)

    def _due(self, last: q.Checkpoint, size: int, now: datetime, force: bool) -> bool:
        if size <= last.size:
            return False
        return (
            force
            or size - last.size >= self.every
            or now - last.signed_at >= self.interval
        )

    def _refuse(
        self, conn: psycopg.Connection[Any], name: str, size: int, last: int
    ) -> None:
        reason = (
            f"the ledger's tree of {size} leaves is not consistent with the"
            f" checkpoint of {last}: the log was rewritten; not signed"
        )
        log.error("checkpoint refused", extra={"log": name, "size": size})
        q.record_refusal(conn, name, size, reason)

    def run(self, stop: threading.Event) -> None:
        """Sign due checkpoints every second until stopped; a failed round
        (the database away) is logged and the next one tries again."""
        while not stop.is_set():
            try:
                self.sign_due()
            except (psycopg.Error, LookupError):
                log.exception("checkpoint round failed; retrying")
            stop.wait(ROUND_S)
