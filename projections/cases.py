"""One row per case, folded in memory a batch at a time, plus its deadlines.

A batch loads the rows of the cases it touches in one query, applies the
events to them in Python, then writes each changed row once (and replaces its
deadline rows), so a rebuild costs a few statements per thousand events rather
than a few per event. Every row keeps the version of its case, so a test (or an
auditor) can see that no event was applied twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from psycopg import sql

from projections.runtime import Cursor, Positioned, ReadModel, Tables

R = TypeVar("R")

# The deadlines of a case: the deadline board reads the legal ones; the clock
# fires the rows with an action once `fires_on` has come (the timers).
DEADLINE_COLUMNS = """
    case_id     uuid    NOT NULL,
    kind        text    NOT NULL,
    due         date    NOT NULL,
    provisional boolean NOT NULL,
    rule        text    NOT NULL,
    on_board    boolean NOT NULL,
    action      text,
    fires_on    date,
    lapses_on   date,
    unit_code   text    NOT NULL,
    reference   text    NOT NULL,
    item_code   text    NOT NULL,
    item_name   text    NOT NULL,
    party_name  text    NOT NULL,
    case_version integer NOT NULL,
    calendar_version text,
    promised_due date,
    PRIMARY KEY (case_id, kind)
"""


@dataclasses.dataclass(frozen=True)
class Deadline:
    """A legal deadline (on the board) or a timer (with an action), or both."""

    kind: str
    due: date
    rule: str
    provisional: bool = False
    on_board: bool = True
    action: str | None = None
    fires_on: date | None = None
    lapses_on: date | None = None  # a reminder is pointless after its deadline
    # The calendar a provisional date was computed with: the clock recomputes
    # (and so never fires) a date a newer calendar may have moved.
    calendar_version: str | None = None
    promised_due: date | None = None  # 承诺时限, shown beside the decision limit


Handler = Callable[[Any, Any, int], Any]


class CaseReadModel(ReadModel, Generic[R]):
    """A read model with one row per aggregate (a dataclass `R` with `id` and
    `version`), its deadlines, and optionally statistics facts."""

    row_type: ClassVar[type[Any]]
    case_kind: ClassVar[str]
    indexes: ClassVar[Sequence[str]] = ()  # "(column, ...)" index definitions
    facts_ddl: ClassVar[str | None] = None

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        """Event class → fold(row or None, event, position) → row."""
        raise NotImplementedError

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(cls.TOPIC for cls in self.handlers)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self.row_type))

    # SQL type of each field of the row dataclass (table columns follow its order).
    column_types: ClassVar[Mapping[str, str]]

    def column_ddl(self) -> str:
        return ", ".join(f"{name} {self.column_types[name]}" for name in self.columns)

    def deadlines(self, row: R) -> Iterable[Deadline]:
        return ()

    def summarise(self, row: R, deadlines: list[Deadline]) -> None:
        """Columns of the row derived from its running deadlines (none by default)."""

    def deadline_context(self, row: R) -> tuple[str, str, str, str, str]:
        """(unit_code, reference, item_code, item_name, party_name) of a case."""
        raise NotImplementedError

    def facts(self, row: R, event: Any) -> Iterable[tuple[Any, ...]]:
        return ()

    # -- tables --------------------------------------------------------------------

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        cur.execute(
            sql.SQL("CREATE TABLE {} ({}, PRIMARY KEY (id))").format(
                tables(),
                sql.SQL(self.column_ddl()),
            )
        )
        cur.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                tables("deadlines"),
                sql.SQL(DEADLINE_COLUMNS),
            )
        )
        for n, columns in enumerate(self.indexes):
            cur.execute(
                sql.SQL("CREATE INDEX {} ON {} {}").format(
                    sql.Identifier(f"{tables.model}_g{tables.generation}_i{n}"),
                    tables(),
                    sql.SQL(columns),
                )
            )
        cur.execute(
            sql.SQL("CREATE INDEX {} ON {} (fires_on) WHERE action IS NOT NULL").format(
                sql.Identifier(f"{tables.model}_g{tables.generation}_timers_idx"),
                tables("deadlines"),
            )
        )
        cur.execute(
            sql.SQL("CREATE INDEX {} ON {} (due, case_id) WHERE on_board").format(
                sql.Identifier(f"{tables.model}_g{tables.generation}_board_idx"),
                tables("deadlines"),
            )
        )
        # The clock looks for provisional dates of an older calendar every tick.
        cur.execute(
            sql.SQL(
                "CREATE INDEX {} ON {} (calendar_version) WHERE provisional"
            ).format(
                sql.Identifier(f"{tables.model}_g{tables.generation}_provisional_idx"),
                tables("deadlines"),
            )
        )
        if self.facts_ddl:
            cur.execute(
                sql.SQL("CREATE TABLE {} ({})").format(
                    tables("facts"),
                    sql.SQL(self.facts_ddl),
                )
            )
            cur.execute(
                sql.SQL("CREATE INDEX {} ON {} (on_date)").format(
                    sql.Identifier(
                        f"{tables.model}_g{tables.generation}_facts_on_date"
                    ),
                    tables("facts"),
                )
            )

    # -- the fold --------------------------------------------------------------------

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        if not events:
            return
        ids = list({p.event.originator_id for p in events})
        rows = self._load(cur, tables, ids)
        changed: dict[UUID, R] = {}
        facts: list[tuple[Any, ...]] = []
        handlers = self.handlers
        for p in events:
            event = p.event
            case_id = event.originator_id
            row = handlers[type(event)](rows.get(case_id), event, p.position)
            row.version = event.originator_version
            rows[case_id] = changed[case_id] = row
            facts.extend(self.facts(row, event))
        self._save(cur, tables, changed)
        if facts:
            self._copy(cur, tables("facts"), facts)

    def _load(self, cur: Cursor, tables: Tables, ids: list[UUID]) -> dict[UUID, R]:
        columns = sql.SQL(", ").join(map(sql.Identifier, self.columns))
        cur.execute(
            sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(columns, tables()),
            (ids,),
        )
        return {row[0]: self.row_type(*row) for row in cur.fetchall()}

    def _save(self, cur: Cursor, tables: Tables, changed: Mapping[UUID, R]) -> None:
        ids = list(changed)
        # Deadlines follow from the row as the batch left it: worked out once
        # per changed case, not after every event.
        running = {
            case_id: list(self.deadlines(row)) for case_id, row in changed.items()
        }
        for case_id, row in changed.items():
            self.summarise(row, running[case_id])
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(tables()), (ids,)
        )
        # Not dataclasses.astuple: it deep-copies every list (half a rebuild's time).
        columns = self.columns
        self._copy(
            cur,
            tables(),
            [tuple(getattr(r, c) for c in columns) for r in changed.values()],
        )
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE case_id = ANY(%s)").format(
                tables("deadlines")
            ),
            (ids,),
        )
        deadline_rows = [
            (
                case_id,
                d.kind,
                d.due,
                d.provisional,
                d.rule,
                d.on_board,
                d.action,
                d.fires_on,
                d.lapses_on,
                *self.deadline_context(row),
                row.version,  # type: ignore[attr-defined]
                d.calendar_version if d.provisional else None,
                d.promised_due,
            )
            for case_id, row in changed.items()
            for d in running[case_id]
        ]
        self._copy(cur, tables("deadlines"), deadline_rows)

    @staticmethod
    def _copy(cur: Cursor, table: sql.Composed, rows: list[tuple[Any, ...]]) -> None:
        # COPY is several times faster than INSERTs for a rebuild's batches.
        if not rows:
            return
        with cur.copy(sql.SQL("COPY {} FROM STDIN").format(table)) as copy:
            for row in rows:
                copy.write_row(row)
