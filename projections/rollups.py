"""Rollups: counts per bucket, kept by additive deltas in the projector's batch.

A rollup is a read-model table stated once, like any other
(`projections.schema`): a row dataclass that starts with its bucket's period
(`Bucket`: a grain and the period's first day), then its dimensions (a unit,
an item, …), then its measures (integer counts). While a model folds a batch
it adds deltas to a `Tally`, which sums them per bucket in Python; the batch
then writes each bucket it touched once, `INSERT … ON CONFLICT DO UPDATE SET
m = m + excluded.m`, in the batch's own transaction. So a rollup is exactly as
current as the model's rows and tracking position, is rebuilt with them in
every new generation, and an event that changes what an earlier one counted
is one more (negative) delta, never a rescan.

Each delta counts at three grains: its day, its month and its year. A query
over a period reads the coarsest buckets that tile it (`cover`: whole years,
then whole months, then the days at either end), so it sums at most about a
hundred periods per combination of dimensions, however long the period and
however many events it holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from psycopg import sql

from projections.runtime import Cursor, Tables
from projections.schema import Table

B = TypeVar("B")

Key = tuple[Any, ...]


class Grain(StrEnum):
    """How long a bucket's period is; the finest first."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


GRAINS = tuple(Grain)  # finest first


def period_of(grain: Grain, day: date) -> date:
    """The first day of the period of `grain` that holds `day`."""
    if grain is Grain.DAY:
        return day
    if grain is Grain.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def last_day(grain: Grain, first: date) -> date:
    """The last day of the period of `grain` that starts on `first`."""
    if grain is Grain.DAY:
        return first
    if grain is Grain.YEAR:
        return first.replace(month=12, day=31)
    following = first.replace(day=28) + timedelta(days=4)  # always next month
    return following.replace(day=1) - timedelta(days=1)


@dataclasses.dataclass
class Bucket:
    """The leading columns of every rollup: which period a row counts."""

    grain: str  # a Grain
    period: date  # the period's first day


def cover(
    first: date, last: date, coarsest: Grain = Grain.YEAR
) -> list[tuple[Grain, date, date]]:
    """The buckets that tile the days `first`..`last` exactly, the coarsest
    that fit first: runs of (grain, first period, last period), in date order
    (at most five: days, months, years, months, days)."""
    allowed = GRAINS[: GRAINS.index(coarsest) + 1][::-1]  # coarsest first
    runs: list[tuple[Grain, date, date]] = []
    day = first
    while day <= last:
        grain = next(
            g for g in allowed if period_of(g, day) == day and last_day(g, day) <= last
        )
        if runs and runs[-1][0] is grain:
            runs[-1] = (grain, runs[-1][1], day)
        else:
            runs.append((grain, day, day))
        day = last_day(grain, day) + timedelta(days=1)
    return runs


def cover_condition(
    first: date, last: date, coarsest: Grain = Grain.YEAR
) -> tuple[sql.Composable, list[Any]]:
    """A WHERE condition on a rollup's (grain, period) that admits exactly the
    buckets that tile `first`..`last`, and its parameters."""
    runs = cover(first, last, coarsest)
    if not runs:
        return sql.SQL("FALSE"), []
    condition = sql.SQL(" OR ").join(
        sql.SQL("(grain = %s AND period BETWEEN %s AND %s)") for _ in runs
    )
    params = [v for grain, first, last in runs for v in (grain.value, first, last)]
    return sql.SQL("({})").format(condition), params


class Rollup(Generic[B]):
    """A rollup table: a row dataclass `B` (a `Bucket`) whose fields after the
    period are its `dimensions`, then its measures (integer counts); its key is
    the grain, the period and the dimensions."""

    def __init__(self, row: type[B], part: str, *, dimensions: Sequence[str]) -> None:
        if not issubclass(row, Bucket):
            msg = f"{row.__name__}: a rollup's row is a Bucket"
            raise TypeError(msg)
        self.key = ("grain", "period", *dimensions)
        self.table = Table(row, part, primary_key=self.key)
        self.measures = tuple(n for n in self.table.names if n not in self.key)
        self.index = {name: i for i, name in enumerate(self.measures)}
        counts = {
            c.name
            for c in self.table.columns
            if c.type in {"integer", "bigint"} and not c.nullable
        }
        if not self.measures or not set(self.measures) <= counts:
            msg = f"{row.__name__}: a rollup's measures are integer counts"
            raise TypeError(msg)

    def create(self, cur: Cursor, tables: Tables) -> None:
        self.table.create(cur, tables)

    def write(self, cur: Cursor, tables: Tables, sums: dict[Key, list[int]]) -> None:
        """Add each bucket's summed deltas to its row (made if new), in one
        statement. Buckets whose deltas cancel out are left alone."""
        changed = [(k, v) for k, v in sums.items() if any(v)]
        if not changed:
            return
        types = {c.name: c.type for c in self.table.columns}
        arrays = sql.SQL(", ").join(
            sql.SQL("%s::{}[]").format(sql.SQL(types[name]))
            for name in self.table.names
        )
        target = tables(self.table.part)
        statement = sql.SQL(
            "INSERT INTO {target} AS r ({columns}) SELECT * FROM unnest({arrays})"
            " ON CONFLICT ({key}) DO UPDATE SET {updates}"
        ).format(
            target=target,
            columns=self.table.column_list(),
            arrays=arrays,
            key=sql.SQL(", ").join(map(sql.Identifier, self.key)),
            updates=sql.SQL(", ").join(
                sql.SQL("{m} = r.{m} + excluded.{m}").format(m=sql.Identifier(m))
                for m in self.measures
            ),
        )
        rows = [(*key, *values) for key, values in changed]
        cur.execute(statement, [list(column) for column in zip(*rows, strict=True)])


class Tally:
    """One batch's deltas to a model's rollups, summed per bucket (at every
    grain) before anything is written: a batch of a thousand events writes a
    row per bucket it touched, not one per event."""

    def __init__(self, rollups: Sequence[Rollup[Any]]) -> None:
        self.sums: dict[Rollup[Any], dict[Key, list[int]]] = {r: {} for r in rollups}

    def add(
        self,
        rollup: Rollup[Any],
        on: date,
        dimensions: Key,
        measure: str,
        n: int = 1,
    ) -> None:
        """Count `n` (negative to take back) of `measure` on day `on`."""
        i = rollup.index[measure]
        sums = self.sums[rollup]
        width = len(rollup.measures)
        for key in (
            (Grain.DAY.value, on, *dimensions),
            (Grain.MONTH.value, on.replace(day=1), *dimensions),
            (Grain.YEAR.value, on.replace(month=1, day=1), *dimensions),
        ):
            values = sums.get(key)
            if values is None:
                values = sums[key] = [0] * width
            values[i] += n

    def write(self, cur: Cursor, tables: Tables) -> None:
        for rollup, sums in self.sums.items():
            rollup.write(cur, tables, sums)
