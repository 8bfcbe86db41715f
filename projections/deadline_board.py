"""The deadline board and the clock's timers: one query over the `deadlines`
tables of every case read model it is given (each context's models, from the
context registry), in neutral columns: the case's kind and id, its log, its
reference, party, unit and subject, and the deadline's kind, due date, rule,
provisional flag and promised date. A context's own board shapes these rows in
its words; the shared board shows them as they are."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import psycopg
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.cases import DEADLINES, CaseReadModel
from projections.queries import (
    Page,
    Scope,
    Where,
    decode_cursor,
    page_of,
    working_days_left,
)
from projections.runtime import SCHEMA, AnyReadModel, Tables, active_tables
from projections.schema import Column

AT_RISK_WD = 3  # "at risk": the last three working days before the deadline


@dataclass(frozen=True)
class Source:
    """A model whose deadlines the board and the clock read."""

    model: str
    case_kind: str
    log: str  # the context whose commands its timers fire
    roles: frozenset[str] | None = None  # who sees it on the board (None: all)

    def shown_to(self, roles: frozenset[str]) -> bool:
        return self.roles is None or not self.roles.isdisjoint(roles)


def sources_of(models: Iterable[AnyReadModel]) -> tuple[Source, ...]:
    """The case models among `models` (each has a deadlines table)."""
    return tuple(
        Source(m.name, m.case_kind, m.logs[0], m.board_roles)
        for m in models
        if isinstance(m, CaseReadModel)
    )


class BoardState(StrEnum):
    OVERDUE = "overdue"  # the deadline has passed
    DUE = "due"  # today is the last day
    AT_RISK = "at_risk"  # 1 to AT_RISK_WD working days left


def _union(conn: psycopg.Connection[Any], sources: Sequence[Source]) -> sql.Composable:
    if not sources:  # no context has deadlines: an empty board, not bad SQL
        nulls = [
            sql.SQL("NULL::{} AS {}").format(sql.SQL(c.type), sql.Identifier(c.name))
            for c in (
                Column("case_kind", "text", True),
                Column("log", "text", True),
                *DEADLINES.columns,
            )
        ]
        return sql.SQL("SELECT {} WHERE false").format(sql.SQL(", ").join(nulls))
    parts = []
    for s in sources:
        tables = active_tables(conn, s.model)
        if s.roles is not None and "withheld_from" not in _shape(conn, tables):
            continue  # a restricted board cannot withhold rows yet: fail closed
        parts.append(
            sql.SQL(
                "SELECT {}::text AS case_kind, {}::text AS log, {} FROM {} d"
            ).format(
                sql.Literal(s.case_kind),
                sql.Literal(s.log),
                _columns(conn, tables),
                tables("deadlines"),
            )
        )
    if not parts:
        return _union(conn, ())
    return sql.SQL(" UNION ALL ").join(parts)


# A generation's tables never change shape: its columns, looked up once.
_SHAPES: dict[tuple[str, ...], frozenset[str]] = {}


def _shape(conn: psycopg.Connection[Any], tables: Tables) -> frozenset[str]:
    """The columns of a generation's deadlines table."""
    name = f"{tables.model}_g{tables.generation}_deadlines"
    key = (conn.info.host, str(conn.info.port), conn.info.dbname, name)
    have = _SHAPES.get(key)
    if have is None:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            (SCHEMA, name),
        ).fetchall()
        have = _SHAPES[key] = frozenset(r[0] for r in rows)
    return have


def _columns(conn: psycopg.Connection[Any], tables: Tables) -> sql.Composable:
    """The deadline columns, a column an older generation lacks as NULL: while
    a newer model rebuilds after an upgrade, the board still reads the old
    generation (and the union needs the same columns from every model)."""
    have = _shape(conn, tables)
    return sql.SQL(", ").join(
        sql.SQL("d.{}").format(sql.Identifier(c.name))
        if c.name in have
        else sql.SQL("NULL::{} AS {}").format(sql.SQL(c.type), sql.Identifier(c.name))
        for c in DEADLINES.columns
    )


@dataclass(frozen=True)
class BoardQuery:
    scope: Scope
    today: date
    unit: str | None = None
    due_within_days: int | None = None
    state: BoardState | None = None
    after: str | None = None
    limit: int = 50
    logs: tuple[str, ...] = ()  # only these contexts' deadlines (all if empty)
    roles: frozenset[str] = frozenset()  # the reader's: a model may ask for one
    reader_no: str | None = None  # the reader: never shown a row withheld from them


def board(
    conn: psycopg.Connection[Any],
    q: BoardQuery,
    calendar: WorkingDayCalendar,
    sources: Sequence[Source],
) -> Page[dict[str, Any]]:
    """Every running legal deadline the reader may see, soonest first."""
    sources = [s for s in sources if s.shown_to(q.roles)]
    if q.logs:
        sources = [s for s in sources if s.log in q.logs]
    where = Where()
    where.add("on_board")
    if q.reader_no is not None:
        where.add("withheld_from IS DISTINCT FROM %s", q.reader_no)
    where.scope(q.scope, "unit_code")
    where.unit(q.unit)
    if q.due_within_days is not None:
        where.add("due <= %s", q.today + timedelta(days=q.due_within_days))
    if q.state is BoardState.OVERDUE:
        where.add("due < %s", q.today)
    elif q.state is BoardState.DUE:
        where.add("due = %s", q.today)
    elif q.state is BoardState.AT_RISK:
        last = calendar.add_working_days(q.today, AT_RISK_WD).due
        where.add("due > %s AND due <= %s", q.today, last)
    if q.after is not None:
        due, case_id, kind = decode_cursor(q.after, (date, str, str))
        where.add("(due, case_id::text, kind) > (%s, %s, %s)", due, case_id, kind)
    query = sql.SQL(
        "SELECT * FROM ({}) board WHERE {} ORDER BY due, case_id::text, kind LIMIT %s"
    ).format(_union(conn, sources), where.sql())
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*where.params, q.limit + 1]).fetchall()
    page = page_of(rows, q.limit, lambda r: (r["due"], str(r["case_id"]), r["kind"]))
    return Page([_view(r, calendar, q.today) for r in page.items], page.next_cursor)


def _view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    left = working_days_left(calendar, today, r["due"])
    state = (
        BoardState.OVERDUE
        if left < 0 or r["due"] < today
        else BoardState.DUE
        if r["due"] == today
        else BoardState.AT_RISK
        if left <= AT_RISK_WD
        else None
    )
    return {
        "case_kind": r["case_kind"],
        "case_id": r["case_id"],
        "context": r["log"],
        "reference": r["reference"],
        "party": {"name": r["party_name"]},
        "subject": {"code": r["subject_code"], "name": r["subject_name"]},
        "kind": r["kind"],
        "due": r["due"],
        "promised_due": r["promised_due"],
        "working_days_left": left,
        "state": state,
        "provisional": r["provisional"],
        "rule": r["rule"],
        "unit_code": r["unit_code"],
    }


@dataclass(frozen=True)
class Timer:
    log: str  # the context whose registered command `action` names
    case_kind: str
    case_id: Any
    kind: str
    due: date
    action: str
    case_version: int
    fires_on: date | None = None

    @property
    def cursor(self) -> tuple[date | None, Any, str]:
        """Where the next page of due timers starts (their order)."""
        return (self.fires_on, self.case_id, self.kind)


@dataclass(frozen=True)
class StaleCase:
    log: str
    case_kind: str
    case_id: Any
    case_version: int


def stale_cases(
    conn: psycopg.Connection[Any],
    calendar_version: str,
    limit: int,
    sources: Sequence[Source],
) -> list[StaleCase]:
    """Cases with a provisional deadline worked out under another calendar."""
    query = sql.SQL(
        "SELECT DISTINCT log, case_kind, case_id, case_version FROM ({}) t"
        " WHERE provisional AND calendar_version IS DISTINCT FROM %s"
        " ORDER BY log, case_kind, case_id LIMIT %s"
    ).format(_union(conn, sources))
    rows = conn.execute(query, (calendar_version, limit)).fetchall()
    return [StaleCase(*row) for row in rows]


def due_timers(
    conn: psycopg.Connection[Any],
    today: date,
    limit: int,
    sources: Sequence[Source],
    after: tuple[date | None, Any, str] | None = None,
) -> list[Timer]:
    """Timers whose day has come (and whose purpose has not lapsed), oldest
    first; from `after` (a timer's `cursor`), to page past refused ones."""
    page = sql.SQL("AND (fires_on, case_id, kind) > (%s, %s, %s)" if after else "")
    query = sql.SQL(
        "SELECT log, case_kind, case_id, kind, due, action, case_version, fires_on"
        " FROM ({}) t WHERE action IS NOT NULL AND fires_on <= %s"
        " AND (lapses_on IS NULL OR lapses_on >= %s) {}"
        " ORDER BY fires_on, case_id, kind LIMIT %s"
    ).format(_union(conn, sources), page)
    rows = conn.execute(query, (today, today, *(after or ()), limit)).fetchall()
    return [Timer(*row) for row in rows]
