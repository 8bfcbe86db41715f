"""The national view's store (一张网, DESIGN §2 "Beyond one machine"): other
deployments' disclosures, followed by `casetrace follow`, in the schema
`casetrace_national` of this deployment's database.

- `sources`: each followed feed URL, its feed id, and its position — the
  archive pages fully read (`pages_read`, the newest one's URL) and the head's
  ETag — with its last success and failure.
- `entries`: one row per (feed id, entry id), the CloudEvents (source, id) of
  a disclosure: an entry seen twice changes nothing; a tombstone marks its
  entry retracted or ended and is kept (a tombstone that comes first makes a
  row with no record yet; the entry, when it comes, fills the record in and
  stays retracted). Nothing is ever deleted.
- `counts`: entries by (feed id, kind, category, status), kept in the same
  transaction as the rows, so statistics never scan entries.

Each page is applied in one transaction with the source's new position, so
reading a page again (at-least-once delivery, a crash before the commit) is
harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

SCHEMA = "casetrace_national"
LOCK = 0x6E6174696F6E616C  # "national": one schema creation at a time
UNKNOWN = ""  # kind / category of an entry only its tombstone has told us of

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.sources (
    url text PRIMARY KEY,
    feed_id text,
    pages_read integer NOT NULL DEFAULT 0,
    last_archive text,
    etag text,
    last_success_at timestamptz,
    last_failure_at timestamptz,
    last_error text,
    failures integer NOT NULL DEFAULT 0,
    skipped bigint NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.entries (
    feed_id text NOT NULL,
    entry_id uuid NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    source_url text NOT NULL,
    record jsonb,
    status text NOT NULL CHECK (status IN ('published', 'retracted', 'ended')),
    kind text,
    category text,
    party_name text,
    uscc text,
    decision_number text,
    decided_on date,
    published_at timestamptz,
    updated_at timestamptz,
    gone_at timestamptz,
    gone_comment text,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed_id, entry_id)
);
CREATE INDEX IF NOT EXISTS entries_uscc ON {SCHEMA}.entries (uscc, seq);
CREATE INDEX IF NOT EXISTS entries_number ON {SCHEMA}.entries (decision_number);
CREATE TABLE IF NOT EXISTS {SCHEMA}.counts (
    feed_id text NOT NULL,
    kind text NOT NULL,
    category text NOT NULL,
    status text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (feed_id, kind, category, status)
);
"""


def create(conn: psycopg.Connection[Any]) -> None:
    """Make the schema if it is not there. Under an advisory lock: several
    followers running CREATE … IF NOT EXISTS at once can fail with "tuple
    concurrently updated" (DESIGN §2 Storage)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
        conn.execute(DDL)


def _t(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))


# -- what a page brings ----------------------------------------------------------------


class Record(Protocol):
    """What the store needs of a published record (a PublicRecord)."""

    @property
    def kind(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def party_name(self) -> str: ...
    @property
    def uscc(self) -> str | None: ...
    @property
    def decision_number(self) -> str: ...
    @property
    def decided_on(self) -> date: ...
    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


class PublishedItem(Protocol):
    @property
    def entry_id(self) -> UUID: ...
    @property
    def record(self) -> Record: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


class TombstoneItem(Protocol):
    @property
    def entry_id(self) -> UUID: ...
    @property
    def action(self) -> str: ...
    @property
    def when(self) -> datetime: ...
    @property
    def comment(self) -> str: ...


@dataclass(frozen=True)
class Position:
    """Where a source was left: archive pages fully read and the head's ETag."""

    feed_id: str | None
    pages_read: int
    last_archive: str | None
    etag: str | None


@dataclass
class Applied:
    """What a page changed (an entry or tombstone seen before changes nothing)."""

    added: int = 0
    filled: int = 0  # a record arriving after its tombstone
    gone: int = 0  # entries newly retracted or ended

    def __iadd__(self, other: Applied) -> Applied:
        self.added += other.added
        self.filled += other.filled
        self.gone += other.gone
        return self


# -- writing ---------------------------------------------------------------------------


def position(conn: psycopg.Connection[Any], url: str) -> Position:
    row = conn.execute(
        sql.SQL(
            "SELECT feed_id, pages_read, last_archive, etag FROM {} WHERE url = %s"
        ).format(_t("sources")),
        (url,),
    ).fetchone()
    if row is None:
        return Position(None, 0, None, None)
    return Position(row[0], int(row[1]), row[2], row[3])


def enrol(conn: psycopg.Connection[Any], url: str) -> None:
    conn.execute(
        sql.SQL("INSERT INTO {} (url) VALUES (%s) ON CONFLICT DO NOTHING").format(
            _t("sources")
        ),
        (url,),
    )


def _bump(
    cur: psycopg.Cursor[Any],
    feed_id: str,
    key: tuple[str | None, str | None, str],
    delta: int,
) -> None:
    kind, category, status = key
    cur.execute(
        sql.SQL(
            "INSERT INTO {} AS c (feed_id, kind, category, status, n)"
            " VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (feed_id, kind, category, status)"
            " DO UPDATE SET n = c.n + EXCLUDED.n"
        ).format(_t("counts")),
        (feed_id, kind or UNKNOWN, category or UNKNOWN, status, delta),
    )


def _current(
    cur: psycopg.Cursor[Any], feed_id: str, entry_id: UUID
) -> dict[str, Any] | None:
    cur.execute(
        sql.SQL(
            "SELECT status, kind, category, record IS NOT NULL AS known"
            " FROM {} WHERE feed_id = %s AND entry_id = %s FOR UPDATE"
        ).format(_t("entries")),
        (feed_id, entry_id),
    )
    row = cur.fetchone()
    return dict(row) if row is not None else None


def _record_columns(item: PublishedItem) -> dict[str, Any]:
    r = item.record
    return {
        "record": orjson.dumps(r.model_dump(mode="json")).decode(),
        "kind": str(r.kind),
        "category": str(r.category),
        "party_name": r.party_name,
        "uscc": r.uscc,
        "decision_number": r.decision_number,
        "decided_on": r.decided_on,
        "published_at": item.published_at,
        "updated_at": item.updated_at,
    }


def apply_published(
    cur: psycopg.Cursor[Any], feed_id: str, url: str, item: PublishedItem
) -> Applied:
    columns = _record_columns(item)
    found = _current(cur, feed_id, item.entry_id)
    if found is None:
        names = ["feed_id", "entry_id", "source_url", "status", *columns]
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                _t("entries"),
                sql.SQL(", ").join(map(sql.Identifier, names)),
                sql.SQL(", ").join(sql.Placeholder() * len(names)),
            ),
            [feed_id, item.entry_id, url, "published", *columns.values()],
        )
        _bump(cur, feed_id, (columns["kind"], columns["category"], "published"), 1)
        return Applied(added=1)
    if found["known"]:
        return Applied()  # seen before: changes nothing
    # Its tombstone came first: the record fills in; the status stays.
    cur.execute(
        sql.SQL("UPDATE {} SET {} WHERE feed_id = %s AND entry_id = %s").format(
            _t("entries"),
            sql.SQL(", ").join(
                sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns
            ),
        ),
        [*columns.values(), feed_id, item.entry_id],
    )
    status = found["status"]
    _bump(cur, feed_id, (None, None, status), -1)
    _bump(cur, feed_id, (columns["kind"], columns["category"], status), 1)
    return Applied(filled=1)


def apply_tombstone(
    cur: psycopg.Cursor[Any], feed_id: str, url: str, item: TombstoneItem
) -> Applied:
    found = _current(cur, feed_id, item.entry_id)
    if found is None:
        cur.execute(
            sql.SQL(
                "INSERT INTO {} (feed_id, entry_id, source_url, status, gone_at,"
                " gone_comment) VALUES (%s, %s, %s, %s, %s, %s)"
            ).format(_t("entries")),
            (feed_id, item.entry_id, url, item.action, item.when, item.comment),
        )
        _bump(cur, feed_id, (None, None, item.action), 1)
        return Applied(gone=1)
    if found["status"] != "published":
        return Applied()  # already gone: the first tombstone stands
    cur.execute(
        sql.SQL(
            "UPDATE {} SET status = %s, gone_at = %s, gone_comment = %s"
            " WHERE feed_id = %s AND entry_id = %s"
        ).format(_t("entries")),
        (item.action, item.when, item.comment, feed_id, item.entry_id),
    )
    kind, category = found["kind"], found["category"]
    _bump(cur, feed_id, (kind, category, "published"), -1)
    _bump(cur, feed_id, (kind, category, item.action), 1)
    return Applied(gone=1)


def apply_page(
    conn: psycopg.Connection[Any],
    url: str,
    feed_id: str,
    published: Iterable[PublishedItem],
    tombstones: Iterable[TombstoneItem],
    *,
    skipped: int,
    moved_to: Position,
) -> Applied:
    """A page's items and the source's new position, in one transaction."""
    applied = Applied()
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # One writer per feed at a time (two URLs may name the same feed).
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (feed_id,))
        for item in published:
            applied += apply_published(cur, feed_id, url, item)
        for gone in tombstones:
            applied += apply_tombstone(cur, feed_id, url, gone)
        cur.execute(
            sql.SQL(
                "UPDATE {} SET feed_id = %s, pages_read = %s, last_archive = %s,"
                " etag = %s, skipped = skipped + %s WHERE url = %s"
            ).format(_t("sources")),
            (
                feed_id,
                moved_to.pages_read,
                moved_to.last_archive,
                moved_to.etag,
                skipped,
                url,
            ),
        )
    return applied


def succeeded(conn: psycopg.Connection[Any], url: str) -> None:
    conn.execute(
        sql.SQL(
            "UPDATE {} SET last_success_at = now(), failures = 0, last_error = NULL"
            " WHERE url = %s"
        ).format(_t("sources")),
        (url,),
    )


def failed(conn: psycopg.Connection[Any], url: str, error: str) -> int:
    """Record a failed read; the number of failures in a row."""
    row = conn.execute(
        sql.SQL(
            "UPDATE {} SET last_failure_at = now(), failures = failures + 1,"
            " last_error = %s WHERE url = %s RETURNING failures"
        ).format(_t("sources")),
        (error[:1000], url),
    ).fetchone()
    return int(row[0]) if row else 1
