"""Queries of `disclosure_entries`: the public search (current entries only),
one entry, the feed's items by number, and a week's decisions for the credit
system. Every public answer is built from the stored redacted record and the
public dates, never from another column (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.disclosure.entries import FEED, DisclosureEntries
from projections.queries import Page, Where, newest_first
from projections.runtime import active_tables

COLUMNS = sql.SQL(
    "id, seq, version, record, stage, published_on, published_at, late, unlawful,"
    " display_until, retracted_on, retraction_reason, ended_on, updated_at"
)


@dataclass(frozen=True)
class EntryQuery:
    party: str | None = None  # a part of the party's (published) name
    uscc: str | None = None
    decision_number: str | None = None
    kind: str | None = None
    category: str | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    after: str | None = None
    limit: int = 50


def like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def record_filters(where: Where, q: EntryQuery, shown: str = "") -> None:
    """The filters every disclosure search shares. `shown` is a condition the
    party's name and USCC match only with (the national store keeps
    tombstones, whose party a search must not reveal)."""
    if q.party:
        where.add(f"{shown}party_name ILIKE %s", like(q.party))
    if q.uscc:
        where.add(f"{shown}uscc = %s", q.uscc)
    for column, value in (
        ("decision_number", q.decision_number),
        ("kind", q.kind),
        ("category", q.category),
    ):
        if value:
            where.add(sql.SQL("{} = %s").format(sql.Identifier(column)), value)
    if q.decided_from:
        where.add("decided_on >= %s", q.decided_from)
    if q.decided_to:
        where.add("decided_on <= %s", q.decided_to)


def search(conn: psycopg.Connection[Any], q: EntryQuery) -> Page[dict[str, Any]]:
    """Entries on display now, newest first; a stable cursor."""
    where = Where()
    where.add("stage = 'published'")
    record_filters(where, q)
    table = active_tables(conn, DisclosureEntries.name)()
    page = newest_first(conn, table, COLUMNS, where, q.after, q.limit)
    return Page([public_view(r) for r in page.items], page.next_cursor)


def entry(conn: psycopg.Connection[Any], entry_id: UUID) -> dict[str, Any] | None:
    """One entry as the public may see it (None: unknown or not yet published)."""
    table = active_tables(conn, DisclosureEntries.name)()
    query = sql.SQL("SELECT {} FROM {} WHERE id = %s AND stage <> 'prepared'").format(
        COLUMNS, table
    )
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, (entry_id,)).fetchone()
    return public_view(row) if row is not None else None


def public_view(r: dict[str, Any]) -> dict[str, Any]:
    """The public's view of an entry. A retracted or expired entry keeps only
    what identifies it and why it is gone (a tombstone): its record is no
    longer shown."""
    record = orjson.loads(r["record"])
    view: dict[str, Any] = {
        "id": r["id"],
        "status": r["stage"],
        "published_on": r["published_on"],
        "published_at": r["published_at"],
        "display_until": r["display_until"],
        "late": r["late"],  # published after the 7 working days
        "unlawful": r["unlawful"],  # after the 20 of 处罚信息公示规定 (a penalty)
        "updated_at": r["updated_at"],
    }
    if r["stage"] == "published":
        return {**view, "record": record}
    return {
        **view,
        "record": None,
        "decision_number": record["decision_number"],
        "kind": record["kind"],
        "retracted_on": r["retracted_on"],
        "retraction_reason": r["retraction_reason"],
        "display_ended_on": r["ended_on"],
    }


# -- the feed ----------------------------------------------------------------------------


def feed_size(conn: psycopg.Connection[Any]) -> int:
    table = active_tables(conn, DisclosureEntries.name)(FEED.part)
    row = conn.execute(
        sql.SQL("SELECT coalesce(max(item_no) + 1, 0) FROM {}").format(table)
    ).fetchone()
    return int(row[0]) if row else 0


def feed_items(
    conn: psycopg.Connection[Any], first: int, stop: int
) -> list[dict[str, Any]]:
    """Items first … stop−1, oldest first, each with its entry's record."""
    tables = active_tables(conn, DisclosureEntries.name)
    query = sql.SQL(
        "SELECT f.item_no, f.seq, f.entry_id, f.action, f.at, f.reason, e.record,"
        " e.published_on, e.display_until FROM {} f JOIN {} e ON e.id = f.entry_id"
        " WHERE f.item_no >= %s AND f.item_no < %s ORDER BY f.item_no"
    ).format(tables(FEED.part), tables())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, (first, stop)).fetchall()
    for row in rows:
        row["record"] = orjson.loads(row["record"])
    return rows
