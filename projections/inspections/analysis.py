"""Read model `inspection_analysis`: what a quality analysis meeting (质量分析会,
seed 000) is prepared from — per industry and product, how many samples were
checked and failed, and which test items failed at several firms (共性问题)
or at one (个性问题).

One row per inspection: its number, unit, industry, product (the sample's;
for special equipment, which has no sample, the check item's code), the firm
(USCC and name), the failed items of its latest report or on-site check, and,
once counted, the month, result and failed items it was counted with.

A sample counts once, when its result becomes final:
- `ResultFinal`, conforming or not (after a re-test it carries the re-test's
  conclusion, and the failed items are the re-test report's);
- `Concluded` with outcome CONFORMING when no `ResultFinal` came first: a
  conforming result concludes at its notification, with no objection window.
A `ResultFinal` after a sample was counted (the domain never records one,
but a read model does not assume it) takes the old counts back and counts the
new ones, so a sample is never counted twice. An event the row has already
applied (its version is not newer than the row's) is skipped: a batch
replayed by hand changes nothing.

The rollups (`projections.rollups`), kept in the same transaction as the
rows, are what the queries (`analysis_queries`) sum, never the rows:
- `samples`: samples and failures per day, month and year × unit × industry ×
  product (and the same without the unit, for readers who see everything);
- `item_failures`: failures per day, month and year × unit × industry ×
  product × test item × firm (and without the unit). Summed over the firm it
  is the failures per test item; the firm dimension says at how many firms
  an item failed (共性 at two or more, 个性 at one). It grows with the
  failures, not with the samples, and a query reads it at its coarsest grain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.inspections.inspection import Inspection, Outcome
from psycopg import sql

from projections.rollups import Bucket, Rollup, Tally
from projections.runtime import Cursor, Positioned, ReadModel, Tables
from projections.schema import Index, Table


@dataclasses.dataclass(slots=True)
class SampleRow:
    """One inspection as the analysis sees it (a column each field)."""

    id: UUID
    version: int
    number: str
    unit_code: str
    industry: str  # GB/T 4754 code, as assigned
    product: str  # the sample's product; special equipment: the item code
    uscc: str
    name: str
    target_kind: str
    # The failed items of its latest laboratory report (a re-test's replaces
    # the original's) or on-site check: what a final result counts.
    latest_failed: list[str]
    counted: bool = False
    counted_on: date | None = None  # the day its final result counts on
    month: date | None = None  # that day's month (its first day)
    conforming: bool | None = None  # the final result, as counted
    failed_items: list[str] = dataclasses.field(default_factory=list)  # as counted


@dataclasses.dataclass
class SampleCounts(Bucket):
    unit_code: str
    industry: str
    product: str
    samples: int  # 抽查批次: final results
    failures: int  # 不合格批次


@dataclasses.dataclass
class ItemFailures(Bucket):
    unit_code: str
    industry: str
    product: str
    test_item: str  # 检验项目
    uscc: str  # the firm it failed at
    failures: int


ROWS = Table(SampleRow, primary_key=("id",), indexes=(Index("uscc"),))
SAMPLES = Rollup(
    SampleCounts,
    "samples",
    dimensions=("unit_code", "industry", "product"),
    cuboids=[{"industry", "product"}],
)
ITEM_FAILURES = Rollup(
    ItemFailures,
    "item_failures",
    dimensions=("unit_code", "industry", "product", "test_item", "uscc"),
    cuboids=[{"industry", "product", "test_item", "uscc"}],
)
ROLLUPS = (SAMPLES, ITEM_FAILURES)

Fold = Callable[[SampleRow | None, Any, Tally], SampleRow]


class UnknownInspectionError(LookupError):
    """An event of an inspection whose `Assigned` the model never saw."""


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _assigned(row: SampleRow | None, e: Inspection.Assigned, _: Tally) -> SampleRow:
    return SampleRow(
        id=e.originator_id,
        version=e.originator_version,
        number=e.number,
        unit_code=e.unit_code,
        industry=e.industry,
        product=e.item_code,  # until a sample names the product
        uscc=e.uscc,
        name=e.name,
        target_kind=str(e.target_kind),
        latest_failed=[],
    )


def _known(row: SampleRow | None, e: Any) -> SampleRow:
    if row is None:
        msg = f"inspection {e.originator_id} has no Assigned before this event"
        raise UnknownInspectionError(msg)
    return row


def _sampled(row: SampleRow | None, e: Inspection.Sampled, _: Tally) -> SampleRow:
    found = _known(row, e)
    found.product = e.sample.product
    return found


def _checked(
    row: SampleRow | None, e: Inspection.EquipmentChecked, _: Tally
) -> SampleRow:
    found = _known(row, e)
    found.latest_failed = _distinct(e.check.failed_items)
    return found


def _tested(
    row: SampleRow | None, e: Inspection.Tested | Inspection.Retested, _: Tally
) -> SampleRow:
    found = _known(row, e)
    found.latest_failed = _distinct(e.report.failed_items)
    return found


def _final(row: SampleRow | None, e: Inspection.ResultFinal, tally: Tally) -> SampleRow:
    found = _known(row, e)
    if found.counted:  # a later conclusion replaces what was counted
        _count(found, tally, -1)
    found.conforming = e.conforming
    found.failed_items = [] if e.conforming else list(found.latest_failed)
    found.counted_on = e.on
    found.month = e.on.replace(day=1)
    found.counted = True
    _count(found, tally, 1)
    return found


def _concluded(
    row: SampleRow | None, e: Inspection.Concluded, tally: Tally
) -> SampleRow:
    found = _known(row, e)
    if e.outcome is Outcome.CONFORMING and not found.counted:
        # Conforming at notification: no ResultFinal is recorded.
        found.conforming = True
        found.failed_items = []
        found.counted_on = e.concluded_on
        found.month = e.concluded_on.replace(day=1)
        found.counted = True
        _count(found, tally, 1)
    return found


def _count(row: SampleRow, tally: Tally, sign: int) -> None:
    """Add (sign 1) or take back (-1) what the row was counted with."""
    assert row.counted_on is not None
    dimensions = (row.unit_code, row.industry, row.product)
    tally.add(SAMPLES, row.counted_on, dimensions, "samples", sign)
    if not row.conforming:
        tally.add(SAMPLES, row.counted_on, dimensions, "failures", sign)
    for item in row.failed_items:
        tally.add(
            ITEM_FAILURES,
            row.counted_on,
            (*dimensions, item, row.uscc),
            "failures",
            sign,
        )


FOLDS: Mapping[type[Any], Fold] = {
    Inspection.Assigned: _assigned,
    Inspection.Sampled: _sampled,
    Inspection.EquipmentChecked: _checked,
    Inspection.Tested: _tested,
    Inspection.Retested: _tested,
    Inspection.ResultFinal: _final,
    Inspection.Concluded: _concluded,
}


class QualityAnalysis(ReadModel):
    """Samples, failures and failed test items per industry and product."""

    name = "inspection_analysis"
    logs = ("inspections",)
    version = 1

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(cls.TOPIC for cls in FOLDS)

    def _tables(self) -> list[Table[Any]]:
        return [ROWS, *(r.table for r in ROLLUPS)]

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        for table in self._tables():
            table.create(cur, tables)

    def create_tables_to_fill(self, cur: Cursor, tables: Tables) -> None:
        # The fold reads and deletes rows by their primary key only.
        for table in self._tables():
            table.create(cur, tables, indexes=False)

    def create_query_indexes(self, cur: Cursor, tables: Tables) -> None:
        for table in self._tables():
            table.create_indexes(cur, tables)

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        """Fold a batch: load the rows it touches once, apply its events in
        Python, write each changed row once and the rollups' summed deltas."""
        if not events:
            return
        ids = list({p.event.originator_id for p in events})
        rows = self._load(cur, tables, ids)
        changed: dict[UUID, SampleRow] = {}
        tally = Tally(ROLLUPS)
        for p in events:
            event = p.event
            case_id = event.originator_id
            row = rows.get(case_id)
            fold = FOLDS.get(type(event))
            if fold is None:  # the runtime hands over only `topics`
                continue
            if row is not None and event.originator_version <= row.version:
                continue  # applied already: a replay changes nothing
            row = fold(row, event, tally)
            row.version = event.originator_version
            rows[case_id] = changed[case_id] = row
        if changed:
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(tables()),
                (list(changed),),
            )
            ROWS.copy(cur, tables, list(changed.values()))
        tally.write(cur, tables)

    def _load(
        self, cur: Cursor, tables: Tables, ids: list[UUID]
    ) -> dict[UUID, SampleRow]:
        cur.execute(
            sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
                ROWS.column_list(), tables()
            ),
            (ids,),
        )
        return {r[0]: SampleRow(*r) for r in cur.fetchall()}
