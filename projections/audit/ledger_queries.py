"""Queries of the ledger: tree sizes, roots at a size, proofs from the stored
subtrees, and the signed checkpoints (projections/audit/ledger.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from domain.ledger.merkle import (
    EMPTY_ROOT,
    consistency_path,
    fold,
    inclusion_path,
    needed,
    perfect_parts,
    prove,
)
from psycopg import sql

from projections.audit.ledger import SCHEMA
from projections.runtime import Tables, active_tables

MODEL = "ledger"


@dataclass(frozen=True)
class Leaf:
    log: str
    index: int
    position: int
    hash: bytes


@dataclass(frozen=True)
class Checkpoint:
    log: str
    size: int
    root: bytes
    note: str
    signed_at: datetime


def tables(conn: psycopg.Connection[Any]) -> Tables:
    return active_tables(conn, MODEL)


def sizes(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """How many leaves the ledger holds, per log."""
    rows = conn.execute(
        sql.SQL("SELECT log, size FROM {} ORDER BY log").format(tables(conn)("trees"))
    ).fetchall()
    return {str(log): int(size) for log, size in rows}


def perfect_hashes(
    conn: psycopg.Connection[Any], log: str, wanted: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The hashes of complete perfect subtrees (level, index) of a log's tree
    (level 0: leaves), in one round trip."""
    wanted = sorted(set(wanted))
    if not wanted:
        return {}
    t = tables(conn)
    levels = [level for level, _ in wanted]
    indexes = [index for _, index in wanted]
    rows = conn.execute(
        sql.SQL(
            "WITH w(level, idx) AS (SELECT * FROM unnest(%s::smallint[], %s::bigint[]))"
            " SELECT 0, l.idx, l.hash FROM {leaves} l JOIN w ON w.level = 0"
            " AND l.log = %s AND l.idx = w.idx"
            " UNION ALL"
            " SELECT n.level, n.idx, n.hash FROM {nodes} n JOIN w ON w.level > 0"
            " AND n.log = %s AND n.level = w.level AND n.idx = w.idx"
        ).format(leaves=t("leaves"), nodes=t("nodes")),
        (levels, indexes, log, log),
    ).fetchall()
    found = {(int(level), int(idx)): bytes(h) for level, idx, h in rows}
    missing = set(wanted) - set(found)
    if missing:
        msg = f"the ledger of {log} lacks subtrees {sorted(missing)[:3]}…"
        raise LookupError(msg)
    return found


def root_at(conn: psycopg.Connection[Any], log: str, size: int) -> bytes:
    """The tree head of the log's first `size` leaves, from stored subtrees."""
    if size == 0:
        return EMPTY_ROOT
    parts = perfect_parts(0, size)
    found = perfect_hashes(conn, log, parts)
    return fold([found[p] for p in parts])


def leaf_at(conn: psycopg.Connection[Any], log: str, position: int) -> Leaf | None:
    """The leaf of the event at a log position (None if the ledger has none)."""
    row = conn.execute(
        sql.SQL("SELECT idx, hash FROM {} WHERE log = %s AND position = %s").format(
            tables(conn)("leaves")
        ),
        (log, position),
    ).fetchone()
    return None if row is None else Leaf(log, int(row[0]), position, bytes(row[1]))


def leaf_positions(
    conn: psycopg.Connection[Any], log: str, indexes: Iterable[int]
) -> dict[int, int]:
    """Leaf index → log position, for the given leaves."""
    rows = conn.execute(
        sql.SQL("SELECT idx, position FROM {} WHERE log = %s AND idx = ANY(%s)").format(
            tables(conn)("leaves")
        ),
        (log, list(indexes)),
    ).fetchall()
    return {int(i): int(p) for i, p in rows}


def inclusion_proof(
    conn: psycopg.Connection[Any], log: str, index: int, size: int
) -> list[bytes]:
    path = inclusion_path(index, size)
    return prove(path, perfect_hashes(conn, log, needed(path)))


def consistency_proof(
    conn: psycopg.Connection[Any], log: str, old: int, new: int
) -> list[bytes]:
    path = consistency_path(old, new)
    return prove(path, perfect_hashes(conn, log, needed(path)))


# -- checkpoints ----------------------------------------------------------------------

_COLUMNS = "log, size, root, note, signed_at"


def _checkpoint(row: tuple[Any, ...]) -> Checkpoint:
    log, size, root, note, signed_at = row
    return Checkpoint(str(log), int(size), bytes(root), str(note), signed_at)


def _select(
    conn: psycopg.Connection[Any], where: str, params: tuple[Any, ...], tail: str = ""
) -> list[Checkpoint]:
    try:
        with conn.transaction():  # a savepoint, if within a transaction
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM {SCHEMA}.checkpoints WHERE {where} {tail}",
                params,
            ).fetchall()
    except psycopg.errors.UndefinedTable:
        return []  # no signer has run on this database yet
    return [_checkpoint(r) for r in rows]


def latest(conn: psycopg.Connection[Any], log: str | None = None) -> list[Checkpoint]:
    """The latest signed checkpoint of each log (or of one)."""
    return _select(
        conn,
        "(log, size) IN (SELECT log, max(size) FROM"
        f" {SCHEMA}.checkpoints GROUP BY log) AND (%s::text IS NULL OR log = %s)",
        (log, log),
        "ORDER BY log",
    )


def at_size(conn: psycopg.Connection[Any], log: str, size: int) -> Checkpoint | None:
    found = _select(conn, "log = %s AND size = %s", (log, size))
    return found[0] if found else None


def history(
    conn: psycopg.Connection[Any], log: str, after: int = -1, limit: int = 1000
) -> list[Checkpoint]:
    """A log's checkpoints in order of size, after a size."""
    return _select(
        conn, "log = %s AND size > %s ORDER BY size LIMIT %s", (log, after, limit)
    )


def recent(conn: psycopg.Connection[Any], log: str, limit: int) -> list[Checkpoint]:
    """A log's checkpoints, the largest first."""
    return _select(conn, "log = %s ORDER BY size DESC LIMIT %s", (log, limit))


def refusals(conn: psycopg.Connection[Any]) -> list[tuple[str, int, str, datetime]]:
    try:
        with conn.transaction():
            rows = conn.execute(
                f"SELECT log, size, reason, at FROM {SCHEMA}.refusals"
                " ORDER BY at DESC LIMIT 100"
            ).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
    return [(str(a), int(b), str(c), d) for a, b, c, d in rows]


_RECORD = (
    f"INSERT INTO {SCHEMA}.checkpoints (log, size, root, note) VALUES (%s, %s, %s, %s)"
)
_REFUSE = (
    f"INSERT INTO {SCHEMA}.refusals (log, size, reason) VALUES (%s, %s, %s)"
    " ON CONFLICT DO NOTHING"
)


def record_checkpoint(
    conn: psycopg.Connection[Any], log: str, size: int, root: bytes, note: str
) -> None:
    conn.execute(_RECORD, (log, size, root, note))


def record_refusal(
    conn: psycopg.Connection[Any], log: str, size: int, reason: str
) -> None:
    conn.execute(_REFUSE, (log, size, reason))
