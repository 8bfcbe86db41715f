"""Which stored checkpoints to believe: only a note that verifies with the
ledger's public key, under its log's origin, and says what its row says.

The database holds the checkpoints but cannot sign one: a row whose note is
forged, re-signed with another key, or whose size or root columns were
edited is not a checkpoint, wherever it is read (the signer, the public
routes, the export, `casetrace verify`)."""

from __future__ import annotations

from typing import Any

import psycopg

from api.audit.keys import Key, log_of, origin
from api.audit.signing import verify_note
from domain.ledger.note import Checkpoint as Body
from domain.ledger.note import NoteError, parse_checkpoint
from projections.audit import ledger_queries as q

# How far back past unverifiable rows the latest good checkpoint is looked for.
SCAN = 50


def signed_body(note: str, key: Key, log: str | None = None) -> Body:
    """The checkpoint a note signs, if it is signed by the key under the
    origin of its log (`log`, when given); NoteError otherwise."""
    first = note.split("\n", 1)[0]
    names = [first] if log_of(key.name, first) is not None else [key.name]
    body = parse_checkpoint(verify_note(note, [(n, key.public) for n in names]).text)
    if log is not None and body.origin != origin(key.name, log):
        raise NoteError(f"its origin is {body.origin!r}")
    return body


def believed(cp: q.Checkpoint, key: Key) -> bool:
    """Whether a stored checkpoint is one the key signed, as its row says."""
    try:
        body = signed_body(cp.note, key, cp.log)
    except NoteError:
        return False
    return body.size == cp.size and body.root == cp.root


def latest_believed(
    conn: psycopg.Connection[Any], log: str, key: Key
) -> q.Checkpoint | None:
    """The log's latest checkpoint that verifies (rows that do not are
    passed over)."""
    return next((cp for cp in q.recent(conn, log, SCAN) if believed(cp, key)), None)
