"""Queries of the audit index: filtered pages in time order with a keyset
cursor, and the same filters walked page by page for an export (never the
whole result in memory). Each filter leads one of the index's indexes
(projections/audit/index.py), so a page is one index range scan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from domain.shared.errors import InvalidInputError
from psycopg import sql
from psycopg.rows import dict_row

from projections.audit.index import EVENTS, ORDER
from projections.queries import Page, Where, decode_cursor, encode_cursor
from projections.runtime import active_tables

MODEL = "audit_index"
COUNTY = 6  # digits of a county's region code, the lowest level
# The columns an index of the audit index leads with (projections/audit/index.py).
LEADS = frozenset(
    {"case_id", "request_id", "actor_id", "type", "case_kind", "role", "unit_code"}
)
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None  # the actor's id: a staff number, system:clock, …
    unit: str | None = None  # a region code: that unit and the units under it
    role: str | None = None
    type: str | None = None  # the event's name (Received) or its whole topic
    case_kind: str | None = None
    case_id: UUID | None = None
    request_id: str | None = None
    log: str | None = None
    since: datetime | None = None  # from (inclusive)
    until: datetime | None = None  # to (exclusive)
    after: str | None = None  # the cursor a previous page ended on
    limit: int = 50

    def equalities(self) -> list[tuple[str, Any]]:
        """The filters that fix a column, most selective first: the first
        leads the index the page is read from."""
        found = [
            (column, value)
            for column, value in (
                ("case_id", self.case_id),
                ("request_id", self.request_id),
                ("actor_id", self.actor),
                ("type", self.type if self.type and "." not in self.type else None),
                ("case_kind", self.case_kind),
                ("role", self.role),
                ("unit_code", self.unit if self._county else None),
            )
            if value is not None
        ]
        if self.type is not None and "." in self.type:
            found.append(("topic", self.type))
        if self.log is not None:
            found.append(("log", self.log))
        return found

    @property
    def _county(self) -> bool:
        # A county has no unit under it: its filter is an equality.
        return self.unit is not None and len(self.unit) == COUNTY

    def lead(self) -> str | None:
        """The indexed column the page is read along (None: time alone)."""
        first = next(iter(self.equalities()), None)
        return first[0] if first and first[0] in LEADS else None

    def order(self) -> sql.Composable:
        """ORDER BY the lead column (fixed by its filter, so the order is the
        same) then time: the planner then reads the lead's index in order
        instead of walking the time index and filtering (one person's events
        among ten million)."""
        columns = [c for c in (self.lead(),) if c] + list(ORDER)
        return sql.SQL(", ").join(map(sql.Identifier, columns))

    def where(self) -> Where:
        where = Where()
        for column, value in self.equalities():
            where.add(sql.SQL("{} = %s").format(sql.Identifier(column)), value)
        if self.unit is not None and not self._county:
            where.unit(self.unit)
        if self.since is not None:
            where.add("at >= %s", self.since)
        if self.until is not None:
            where.add("at < %s", self.until)
        if self.after is not None:
            at, log, position = decode_cursor(self.after, (str, str, int))
            lead = self.lead()
            if lead is None:
                where.add(
                    "(at, log, position) > (%s, %s, %s)", _instant(at), log, position
                )
            else:  # a range on the lead's own index
                value = dict(self.equalities())[lead]
                where.add(
                    sql.SQL("({}, at, log, position) > (%s, %s, %s, %s)").format(
                        sql.Identifier(lead)
                    ),
                    value,
                    _instant(at),
                    log,
                    position,
                )
        return where


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            "the cursor is not one this service issued; pass back `next_cursor`"
            " unchanged",
            field="after",
        ) from None


def events(conn: psycopg.Connection[Any], query: AuditQuery) -> Page[dict[str, Any]]:
    """One page of events matching the query, oldest first."""
    where = query.where()
    statement = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT %s").format(
        EVENTS.column_list(), active_tables(conn, MODEL)(), where.sql(), query.order()
    )
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(statement, [*where.params, query.limit + 1]).fetchall()
    more = len(rows) > query.limit
    items = rows[: query.limit]
    last = items[-1] if items else None
    cursor = (
        encode_cursor((last["at"].isoformat(), last["log"], last["position"]))
        if more and last is not None
        else None
    )
    return Page(items, cursor)


def walk(
    conn: psycopg.Connection[Any], query: AuditQuery, batch: int = EXPORT_BATCH
) -> Iterator[list[dict[str, Any]]]:
    """Every matching event, a page at a time (an export's stream)."""
    query = replace(query, limit=batch)
    while True:
        page = events(conn, query)
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        query = replace(query, after=page.next_cursor)
