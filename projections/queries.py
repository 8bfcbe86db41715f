"""What every read-model query shares: pages with opaque cursors, the
jurisdiction filter, and working days left by the calendar."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

import orjson
import psycopg
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import InvalidInputError
from psycopg import sql
from psycopg.rows import dict_row

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Scope:
    """Whose cases a query may return: region-code prefixes, or all (auditors)."""

    prefixes: tuple[str, ...] = ()
    everything: bool = False

    def clause(self, *columns: str) -> tuple[sql.Composable, list[str]]:
        """SQL that admits rows whose region column lies under a prefix, and its parameters."""
        if self.everything:
            return sql.SQL("TRUE"), []
        if not self.prefixes:
            return sql.SQL("FALSE"), []
        tests = [(c, p + "%") for c in columns for p in self.prefixes]
        condition = sql.SQL("({})").format(
            sql.SQL(" OR ").join(
                sql.SQL("{} LIKE %s").format(sql.Identifier(c)) for c, _ in tests
            )
        )
        return condition, [pattern for _, pattern in tests]


def encode_cursor(key: Sequence[Any]) -> str:
    raw = orjson.dumps(list(key), default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, shape: Sequence[type]) -> list[Any]:
    """The key a previous page ended on; a malformed cursor is the caller's error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError
        return [
            date.fromisoformat(v) if t is date else t(v)
            for v, t in zip(values, shape, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidInputError(
            "the cursor is not one this service issued; pass back `next_cursor` unchanged",
            field="after",
        ) from None


def page_of(rows: list[T], limit: int, key: Any) -> Page[T]:
    """Rows fetched with LIMIT limit + 1: the extra row says whether more follow."""
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items, encode_cursor(key(items[-1])) if more and items else None)


@dataclass(frozen=True)
class Where:
    """AND-ed SQL conditions with their bound parameters."""

    parts: list[sql.Composable] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, condition: str | sql.Composable, *params: Any) -> None:
        self.parts.append(
            sql.SQL(condition) if isinstance(condition, str) else condition
        )
        self.params.extend(params)

    def scope(self, scope: Scope, *columns: str) -> None:
        condition, params = scope.clause(*columns)
        self.add(condition, *params)

    def unit(self, prefix: str | None) -> None:
        """Cases of a unit and of the units under it (a region-code prefix)."""
        if prefix is not None:
            self.add("unit_code LIKE %s", prefix + "%")

    def sql(self) -> sql.Composable:
        return sql.SQL(" AND ").join(self.parts) if self.parts else sql.SQL("TRUE")


def newest_first(
    conn: psycopg.Connection[Any],
    table: sql.Composable,
    columns: sql.Composable,
    where: Where,
    after: str | None,
    limit: int,
) -> Page[dict[str, Any]]:
    """A page of rows, newest first by `seq` (the log position of the case's
    first event): stable however many cases arrive between pages."""
    if after is not None:
        (seq,) = decode_cursor(after, (int,))
        where.add("seq < %s", seq)
    query = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY seq DESC LIMIT %s").format(
        columns, table, where.sql()
    )
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*where.params, limit + 1]).fetchall()
    return page_of(rows, limit, lambda r: (r["seq"],))


def working_days_left(calendar: WorkingDayCalendar, today: date, due: date) -> int:
    """0 on the last day; negative once overdue (working days since it passed)."""
    if due >= today:
        return calendar.working_days_between(today, due)
    return -calendar.working_days_between(due, today)


def deadline_view(
    calendar: WorkingDayCalendar,
    today: date,
    kind: str | None,
    due: date | None,
    provisional: bool,
) -> dict[str, Any] | None:
    if kind is None or due is None:
        return None
    left = working_days_left(calendar, today, due)
    return {
        "kind": kind,
        "due": due,
        "working_days_left": left,
        "overdue": due < today,
        "provisional": provisional,
    }
