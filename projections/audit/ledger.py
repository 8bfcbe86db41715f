"""Read model `ledger`: every stored event of every log as a leaf of that
log's Merkle tree (RFC 6962/9162 hashing; DESIGN §5, README "The ledger").

It reads the events as stored (`RawReadModel`): the leaf covers the stored
bytes, encrypted or not (domain/ledger/entry.py). Per log it keeps the leaf
hashes with their positions (a log position is not a leaf index: positions
start at 1 and may have gaps, leaves are numbered 0, 1, 2, …), every perfect
subtree's hash once it is complete (so a proof is a few index lookups, never
a re-hash), and the tree's frontier (size and the hashes of the perfect
subtrees covering it), all written with the tracking position in one
transaction: exactly once.

These tables are a cache of what the events say, rebuilt like any read
model. What cannot be rebuilt is the signed checkpoints (CHECKPOINTS, in a
schema of their own that no rebuild touches): the signer refuses to sign a
tree that is not consistent with the last checkpoint (api/audit/signer.py),
and `casetrace verify` recomputes everything from the events tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Annotated, Any

import psycopg
from domain.ledger.entry import stored_entry
from domain.ledger.merkle import CompactRange, leaf_hash

from projections.runtime import EVERY_LOG, Cursor, RawReadModel, StoredRecord, Tables
from projections.schema import BigInt, Index, SqlType, Table

Hash = Annotated[bytes, SqlType("bytea")]
Hashes = Annotated[list[bytes], SqlType("bytea[]")]
SmallInt = Annotated[int, SqlType("smallint")]


@dataclasses.dataclass
class LeafRow:
    log: str
    idx: BigInt  # the leaf index: 0, 1, 2, … in log order
    position: BigInt  # the event's notification id in its log
    hash: Hash


@dataclasses.dataclass
class NodeRow:
    """A complete perfect subtree: leaves [idx·2^level, (idx+1)·2^level)."""

    log: str
    level: SmallInt
    idx: BigInt
    hash: Hash


@dataclasses.dataclass
class TreeRow:
    log: str
    size: BigInt
    parts: Hashes  # CompactRange.parts(), largest first


LEAVES = Table(
    LeafRow,
    "leaves",
    primary_key=("log", "idx"),
    indexes=(Index("log", "position", name="leaf_at"),),
)
NODES = Table(NodeRow, "nodes", primary_key=("log", "level", "idx"))
TREES = Table(TreeRow, "trees", primary_key=("log",))

SCHEMA = "casetrace_ledger"
CHECKPOINTS = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
-- Signed checkpoints (C2SP tlog-checkpoint notes): what the ledger has
-- promised, kept apart from the rebuildable tables above.
CREATE TABLE IF NOT EXISTS {SCHEMA}.checkpoints (
    log       text        NOT NULL,
    size      bigint      NOT NULL,
    root      bytea       NOT NULL,
    note      text        NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (log, size)
);
-- A tree the signer would not sign (it was not consistent with the last
-- checkpoint): kept until someone looks, shown on the ledger's status.
CREATE TABLE IF NOT EXISTS {SCHEMA}.refusals (
    log     text        NOT NULL,
    size    bigint      NOT NULL,
    reason  text        NOT NULL,
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (log, size)
);
"""
CHECKPOINTS_LOCK = 0x0CA5E7 << 8 | 0x1E  # creating the checkpoint tables


def ensure_checkpoints(conn: psycopg.Connection[Any]) -> None:
    """The checkpoint tables (once; under a lock, as every schema creation)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHECKPOINTS_LOCK,))
        conn.execute(CHECKPOINTS)


def leaf_of(record: StoredRecord) -> bytes:
    """The leaf hash of one stored event (one the encoding cannot hold stalls
    the ledger on it: someone made that row by hand)."""
    made = stored_entry(
        record.log,
        record.position,
        record.topic,
        record.originator_id,
        record.originator_version,
        record.state,
    )
    if made is None:
        msg = f"the event at {record.log} {record.position} has no leaf encoding"
        raise ValueError(msg)
    return leaf_hash(made)


class Ledger(RawReadModel):
    name = "ledger"
    version = 1
    logs = EVERY_LOG

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        for table in (LEAVES, NODES, TREES):
            table.create(cur, tables)

    def create_tables_to_fill(self, cur: Cursor, tables: Tables) -> None:
        for table in (LEAVES, NODES, TREES):
            table.create(cur, tables, indexes=False)

    def create_query_indexes(self, cur: Cursor, tables: Tables) -> None:
        LEAVES.create_indexes(cur, tables)

    def apply(
        self, cur: Cursor, tables: Tables, records: Sequence[StoredRecord]
    ) -> None:
        if not records:
            return
        log = records[0].log
        tree = frontier(cur, tables, log)
        leaves: list[LeafRow] = []
        nodes: list[NodeRow] = []
        for record in records:
            hashed = leaf_of(record)
            leaves.append(LeafRow(log, tree.size, record.position, hashed))
            nodes.extend(NodeRow(log, *done) for done in tree.append(hashed))
        LEAVES.copy(cur, tables, leaves)
        NODES.copy(cur, tables, nodes)
        parts = [h for _, _, h in tree.parts()]
        cur.execute(
            psycopg.sql.SQL(
                "INSERT INTO {} (log, size, parts) VALUES (%s, %s, %s)"
                " ON CONFLICT (log) DO UPDATE SET size = EXCLUDED.size,"
                " parts = EXCLUDED.parts"
            ).format(tables("trees")),
            (log, tree.size, parts),
        )


def frontier(cur: Cursor, tables: Tables, log: str) -> CompactRange:
    """The log's tree as far as the ledger has read it."""
    cur.execute(
        psycopg.sql.SQL("SELECT size, parts FROM {} WHERE log = %s").format(
            tables("trees")
        ),
        (log,),
    )
    row = cur.fetchone()
    if row is None:
        return CompactRange()
    return CompactRange.from_parts(int(row[0]), [bytes(h) for h in row[1]])
