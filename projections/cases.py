"""One row per case, folded in memory a batch at a time, plus its deadlines.

A batch loads the rows of the cases it touches in one query, applies the
events to them in Python, then writes each changed row once (and replaces its
deadline rows), so a rebuild costs a few statements per thousand events rather
than a few per event. Every row keeps the version of its case, so a test (or an
auditor) can see that no event was applied twice.

Each model states its tables once, as row dataclasses (`projections.schema`):
its rows, the shared `deadlines` (DEADLINES), optionally its facts, and its
rollups (`projections.rollups`), whose deltas the batch sums and writes with
its rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from psycopg import sql

from projections.rollups import Rollup, Tally
from projections.runtime import Cursor, Positioned, ReadModel, Tables
from projections.schema import Index, Table

R = TypeVar("R")


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


@dataclasses.dataclass(frozen=True)
class CaseOnBoard:
    """The neutral columns that name a case beside its deadlines."""

    unit_code: str
    reference: str
    subject_code: str
    subject_name: str
    party_name: str
    # A member of staff who must never see the case on the board (the one a
    # conduct complaint is about), whatever roles they hold.
    withheld_from: str | None = None


@dataclasses.dataclass(slots=True)  # not frozen: its __init__ is 3x slower
class DeadlineRow:
    """A row of a case model's `deadlines`: the deadline board reads the legal
    ones; the clock fires the rows with an action once `fires_on` has come (the
    timers). It names its case, so neither needs the case's row."""

    case_id: UUID
    kind: str
    due: date
    provisional: bool
    rule: str
    on_board: bool
    action: str | None
    fires_on: date | None
    lapses_on: date | None
    unit_code: str
    reference: str  # the case's number in the bureau's words (a receipt number…)
    subject_code: str  # what the case is about (a licence item, a check item…)
    subject_name: str
    party_name: str
    case_version: int
    calendar_version: str | None
    promised_due: date | None
    withheld_from: str | None  # a staff_no never shown the row (CaseOnBoard)


DEADLINES = Table(
    DeadlineRow,
    "deadlines",
    primary_key=("case_id", "kind"),
    indexes=(
        Index("fires_on", where="action IS NOT NULL", name="timers_idx"),
        Index("due", "case_id", where="on_board", name="board_idx"),
        # The clock looks for provisional dates of an older calendar every tick.
        Index("calendar_version", where="provisional", name="provisional_idx"),
    ),
)


Handler = Callable[[Any, Any, int], Any]


class CaseReadModel(ReadModel, Generic[R]):
    """A read model with one row per aggregate (a dataclass `R` with `id` and
    `version`), its deadlines, and optionally statistics facts."""

    case_kind: ClassVar[str]
    # The roles whose holders see its deadlines on the board (None: every
    # member of staff, by jurisdiction). The clock fires its timers all the same.
    board_roles: ClassVar[frozenset[str] | None] = None
    row_table: ClassVar[Table[Any]]  # of R, keyed by id
    fact_table: ClassVar[Table[Any] | None] = None
    rollups: ClassVar[tuple[Rollup[Any], ...]] = ()

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        """Event class → fold(row or None, event, position) → row."""
        raise NotImplementedError

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(cls.TOPIC for cls in self.handlers)

    def deadlines(self, row: R) -> Iterable[Deadline]:
        return ()

    def summarise(self, row: R, deadlines: list[Deadline]) -> None:
        """Columns of the row derived from its running deadlines (none by default)."""

    def deadline_context(self, row: R) -> CaseOnBoard:
        """How the case's deadlines name it on the board."""
        raise NotImplementedError

    def facts(self, row: R, event: Any) -> Iterable[Any]:
        """Rows of the fact table an event adds (none by default)."""
        return ()

    def tally(self, row: R, event: Any, tally: Tally) -> None:
        """Add what an event counts (or takes back) to the rollups; the row is
        as the event left it (nothing by default)."""

    # -- tables --------------------------------------------------------------------

    def _tables(self) -> list[Table[Any]]:
        """Its tables: rows, deadlines, facts, and each rollup's."""
        own = [t for t in (self.row_table, DEADLINES, self.fact_table) if t is not None]
        return own + [rollup.table for rollup in self.rollups]

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        for table in self._tables():
            table.create(cur, tables)

    def create_tables_to_fill(self, cur: Cursor, tables: Tables) -> None:
        # The fold reads and deletes by primary key only.
        for table in self._tables():
            table.create(cur, tables, indexes=False)

    def create_query_indexes(self, cur: Cursor, tables: Tables) -> None:
        for table in self._tables():
            table.create_indexes(cur, tables)

    # -- the fold --------------------------------------------------------------------

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        if not events:
            return
        ids = list({p.event.originator_id for p in events})
        rows = self._load(cur, tables, ids)
        changed: dict[UUID, R] = {}
        facts: list[Any] = []
        tally = Tally(self.rollups)
        handlers = self.handlers
        for p in events:
            event = p.event
            case_id = event.originator_id
            row = handlers[type(event)](rows.get(case_id), event, p.position)
            row.version = event.originator_version
            rows[case_id] = changed[case_id] = row
            facts.extend(self.facts(row, event))
            self.tally(row, event, tally)
        self._save(cur, tables, changed)
        if self.fact_table is not None:
            self.fact_table.copy(cur, tables, facts)
        tally.write(cur, tables)

    def _load(self, cur: Cursor, tables: Tables, ids: list[UUID]) -> dict[UUID, R]:
        table = self.row_table
        cur.execute(
            sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
                table.column_list(), tables()
            ),
            (ids,),
        )
        return {row[0]: table.row(*row) for row in cur.fetchall()}

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
        self.row_table.copy(cur, tables, list(changed.values()))
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE case_id = ANY(%s)").format(
                tables("deadlines")
            ),
            (ids,),
        )
        DEADLINES.copy(
            cur,
            tables,
            [
                deadline
                for case_id, row in changed.items()
                for deadline in self._deadline_rows(case_id, row, running[case_id])
            ],
        )

    def _deadline_rows(
        self, case_id: UUID, row: R, deadlines: list[Deadline]
    ) -> Iterable[DeadlineRow]:
        case = self.deadline_context(row)
        for d in deadlines:
            yield DeadlineRow(
                case_id=case_id,
                kind=d.kind,
                due=d.due,
                provisional=d.provisional,
                rule=d.rule,
                on_board=d.on_board,
                action=d.action,
                fires_on=d.fires_on,
                lapses_on=d.lapses_on,
                unit_code=case.unit_code,
                reference=case.reference,
                subject_code=case.subject_code,
                subject_name=case.subject_name,
                party_name=case.party_name,
                case_version=row.version,  # type: ignore[attr-defined]
                calendar_version=d.calendar_version if d.provisional else None,
                promised_due=d.promised_due,
                withheld_from=case.withheld_from,
            )
