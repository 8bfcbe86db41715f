"""Queries of the national view's store (projections/disclosure/national.py):
the search over every followed feed, and statistics from the rollup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.disclosure.entries_queries import EntryQuery, record_filters
from projections.disclosure.national import SCHEMA
from projections.queries import Page, Where, newest_first


def _t(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))


def exists(conn: psycopg.Connection[Any]) -> bool:
    """Whether `casetrace follow` has made the store (else the routes say 503)."""
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.counts",)
    ).fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class NationalQuery(EntryQuery):
    status: str | None = None
    source: str | None = None  # a feed id


COLUMNS = sql.SQL(
    "feed_id, entry_id, seq, source_url, record, status, kind, decision_number,"
    " published_at, updated_at, gone_at, gone_comment"
)


def search(conn: psycopg.Connection[Any], q: NationalQuery) -> Page[dict[str, Any]]:
    """Entries of every followed feed, newest stored first; a stable cursor.
    The party's name and USCC match entries on display only: a retracted
    entry no longer shows them, so a search must not reveal them either."""
    where = Where()
    where.add("TRUE")
    record_filters(where, q, shown="status = 'published' AND ")
    if q.status:
        where.add("status = %s", q.status)
    if q.source:
        where.add("feed_id = %s", q.source)
    page = newest_first(conn, _t("entries"), COLUMNS, where, q.after, q.limit)
    return Page([public_view(r) for r in page.items], page.next_cursor)


def public_view(r: dict[str, Any]) -> dict[str, Any]:
    """An entry as the public sees it; a tombstone shows what identifies the
    decision and why it went, not its record (as on its own deployment)."""
    record = r["record"]
    if isinstance(record, str | bytes):
        record = orjson.loads(record)
    view: dict[str, Any] = {
        "source": r["feed_id"],
        "source_url": r["source_url"],
        "id": r["entry_id"],
        "status": r["status"],
        "published_at": r["published_at"],
        "updated_at": r["updated_at"],
    }
    if r["status"] == "published":
        return {**view, "record": record}
    return {
        **view,
        "record": None,
        "decision_number": r["decision_number"],
        "kind": r["kind"],
        "gone_at": r["gone_at"],
        "gone_reason": r["gone_comment"],
    }


def statistics(conn: psycopg.Connection[Any], source: str | None) -> dict[str, Any]:
    """Counts by source, kind, category and status, from the rollup."""
    query = "SELECT feed_id, kind, category, status, n FROM {} WHERE n <> 0"
    if source:
        query += " AND feed_id = %s"
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            sql.SQL(query).format(_t("counts")),
            (source,) if source else (),
        ).fetchall()
        sources = cur.execute(
            sql.SQL(
                "SELECT url, feed_id, pages_read, last_success_at, last_failure_at,"
                " last_error, skipped FROM {} ORDER BY url"
            ).format(_t("sources"))
        ).fetchall()
    return rollup(rows, sources, source)


def rollup(
    rows: list[dict[str, Any]], sources: list[dict[str, Any]], source: str | None
) -> dict[str, Any]:
    by: dict[str, dict[str, int]] = {"kind": {}, "category": {}, "status": {}}
    per_feed: dict[str, int] = {}
    for row in rows:
        n = int(row["n"])
        per_feed[row["feed_id"]] = per_feed.get(row["feed_id"], 0) + n
        for dimension in by:
            value = row[dimension] or "unknown"
            by[dimension][value] = by[dimension].get(value, 0) + n
    listed = [
        {
            "url": s["url"],
            "source": s["feed_id"],
            "entries": per_feed.get(s["feed_id"], 0) if s["feed_id"] else 0,
            "pages_read": s["pages_read"],
            "last_success_at": s["last_success_at"],
            "last_failure_at": s["last_failure_at"],
            "last_error": s["last_error"],
            "skipped": s["skipped"],
        }
        for s in sources
        if source is None or s["feed_id"] == source
    ]
    return {
        "total": sum(per_feed.values()),
        "sources": listed,
        "by_kind": by["kind"],
        "by_category": by["category"],
        "by_status": by["status"],
    }
