"""Rollups: counts per bucket, kept by additive deltas in the projector's batch.

A rollup is a read-model table stated once, like any other
(`projections.schema`): a row dataclass that starts with its bucket
(`Bucket`: which cuboid, which grain, the period's first day), then its
dimensions (a unit, an item, …), then its measures (integer counts). While a
model folds a batch it adds deltas, each on a day with its dimensions, to a
`Tally`, which sums them in Python; the batch then writes each bucket it
touched once, `INSERT … ON CONFLICT DO UPDATE SET m = m + excluded.m`, in the
batch's own transaction. So a rollup is exactly as current as the model's
rows and tracking position, is rebuilt with them in every new generation, and
an event that changes what an earlier one counted is one more (negative)
delta, never a rescan.

What a query reads is kept small in two directions:
- time: each delta counts at three grains (its day, its month, its year), and
  a query reads the coarsest buckets that tile its period (`cover`: whole
  years, whole months, the days at either end);
- dimensions: besides every dimension (cuboid 0), a rollup may keep the same
  counts with some dimensions left out (its `cuboids`: a left-out dimension
  holds a blank), and a query reads the smallest cuboid that has every
  dimension it groups or filters by (`cuboid_for`).
Deltas are summed per day and dimensions while a batch folds (one dictionary
update per count); the statement that writes them spreads those sums over the
grains and cuboids in the server, so the Python side of an event does not grow
with the buckets it lands in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from psycopg import sql

from projections.runtime import Cursor, Tables
from projections.schema import Index, SqlType, Table

B = TypeVar("B")

Key = tuple[Any, ...]
SmallInt = Annotated[int, SqlType("smallint")]
BLANKS = {"text": "", "integer": 0, "smallint": 0, "bigint": 0}


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
    """The leading columns of every rollup row: which bucket it counts."""

    cuboid: SmallInt  # 0: every dimension; n: the rollup's n-th cuboid
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


class Rollup(Generic[B]):
    """A rollup table: a row dataclass `B` (a `Bucket`) whose fields after the
    bucket are its `dimensions`, then its measures (integer counts). Each of
    `cuboids` names the dimensions a coarser copy of the counts keeps."""

    def __init__(
        self,
        row: type[B],
        part: str,
        *,
        dimensions: Sequence[str],
        cuboids: Sequence[Collection[str]] = (),
    ) -> None:
        if not issubclass(row, Bucket):
            msg = f"{row.__name__}: a rollup's row is a Bucket"
            raise TypeError(msg)
        self.dimensions = tuple(dimensions)
        self.key = ("cuboid", "grain", "period", *self.dimensions)
        self.table = Table(
            row,
            part,
            primary_key=self.key,
            # Room in each page: a bucket's update stays on its page and
            # leaves the indexes alone (HOT), most upserts of a batch.
            fillfactor=70,
            # Staff see their jurisdiction: a unit prefix, read by this index.
            indexes=(
                [
                    Index(
                        *("cuboid", "grain", "unit_code text_pattern_ops", "period"),
                        name=f"{part}_unit",
                    )
                ]
                if "unit_code" in self.dimensions
                else []
            ),
        )
        if self.table.names[: len(self.key)] != self.key:
            msg = f"{row.__name__}: the bucket's fields, then the dimensions, in order"
            raise ValueError(msg)
        types = {c.name: c.type for c in self.table.columns}
        self.measures = self.table.names[len(self.key) :]
        self.index = {name: i for i, name in enumerate(self.measures)}
        if not self.measures or any(
            types[m] not in {"integer", "bigint"} for m in self.measures
        ):
            msg = f"{row.__name__}: a rollup's measures are integer counts"
            raise TypeError(msg)
        self.kept = [frozenset(self.dimensions), *map(frozenset, cuboids)]
        if any(not kept <= self.kept[0] for kept in self.kept):
            msg = f"{row.__name__}: a cuboid keeps only dimensions of the rollup"
            raise ValueError(msg)
        # Per cuboid and dimension: keep the value (None) or the blank to store.
        self.masks = [
            tuple(None if d in kept else BLANKS[types[d]] for d in self.dimensions)
            for kept in self.kept
        ]

    def cuboid_for(self, needed: Collection[str]) -> int:
        """The cuboid with the fewest dimensions that has all those `needed`."""
        fitting = [i for i, kept in enumerate(self.kept) if kept >= set(needed)]
        return min(fitting, key=lambda i: len(self.kept[i]))

    def buckets(
        self, needed: Collection[str], first: date, last: date, coarsest: Grain
    ) -> tuple[sql.Composable, list[Any]]:
        """A WHERE condition that admits exactly the buckets of the cuboid for
        `needed` that tile `first`..`last`, and its parameters."""
        runs = cover(first, last, coarsest)
        if not runs:
            return sql.SQL("FALSE"), []
        periods = sql.SQL(" OR ").join(
            sql.SQL("(grain = %s AND period BETWEEN %s AND %s)") for _ in runs
        )
        params = [v for grain, start, end in runs for v in (grain.value, start, end)]
        condition = sql.SQL("(cuboid = %s AND ({}))").format(periods)
        return condition, [self.cuboid_for(needed), *params]

    def create(self, cur: Cursor, tables: Tables) -> None:
        self.table.create(cur, tables)

    def write(self, cur: Cursor, tables: Tables, sums: dict[Key, list[int]]) -> None:
        """Add deltas summed per (day, *dimensions) to the buckets they count
        in, every grain of every cuboid, in one statement: the server spreads
        and sums them per bucket, then adds each bucket's sums to its row
        (made if new). Deltas that cancel out are left out."""
        rows = [(*key, *deltas) for key, deltas in sums.items() if any(deltas)]
        if rows:
            cur.execute(
                self._spread(tables), [list(c) for c in zip(*rows, strict=True)]
            )

    def _spread(self, tables: Tables) -> sql.Composed:
        columns = self.table.columns[2:]  # period, the dimensions, the measures
        names = [sql.Identifier(c.name) for c in columns]
        arrays = sql.SQL(", ").join(
            sql.SQL("%s::{}[]").format(sql.SQL(c.type)) for c in columns
        )
        grains = sql.SQL(", ").join(
            sql.SQL("({})").format(sql.Literal(g.value)) for g in GRAINS
        )
        cuboids = sql.SQL(", ").join(
            sql.SQL("({}::smallint)").format(sql.Literal(i))
            for i in range(len(self.kept))
        )
        kept = [self._kept(i, name) for i, name in enumerate(self.dimensions)]
        sums = [sql.SQL("sum(d.{})").format(sql.Identifier(m)) for m in self.measures]
        return sql.SQL(
            "INSERT INTO {target} AS r ({columns})"
            " SELECT c.cuboid, g.grain, date_trunc(g.grain, d.period::timestamp)::date,"
            " {kept}, {sums} FROM unnest({arrays}) AS d ({names})"
            " CROSS JOIN (VALUES {grains}) AS g (grain)"
            " CROSS JOIN (VALUES {cuboids}) AS c (cuboid)"
            " GROUP BY {key} HAVING {changed}"
            " ON CONFLICT ({key_names}) DO UPDATE SET {updates}"
        ).format(
            target=tables(self.table.part),
            columns=self.table.column_list(),
            kept=sql.SQL(", ").join(kept),
            sums=sql.SQL(", ").join(sums),
            arrays=arrays,
            names=sql.SQL(", ").join(names),
            grains=grains,
            cuboids=cuboids,
            key=sql.SQL(", ").join(sql.SQL(str(i + 1)) for i in range(len(self.key))),
            changed=sql.SQL(" OR ").join(sql.SQL("{} <> 0").format(s) for s in sums),
            key_names=sql.SQL(", ").join(map(sql.Identifier, self.key)),
            updates=sql.SQL(", ").join(
                sql.SQL("{m} = r.{m} + excluded.{m}").format(m=sql.Identifier(m))
                for m in self.measures
            ),
        )

    def _kept(self, i: int, name: str) -> sql.Composable:
        """A dimension's value in each cuboid: its own, or the blank."""
        value = sql.SQL("d.{}").format(sql.Identifier(name))
        blanked = [c for c, mask in enumerate(self.masks) if mask[i] is not None]
        if not blanked:
            return value
        return sql.SQL("CASE WHEN c.cuboid IN ({}) THEN {} ELSE {} END").format(
            sql.SQL(", ").join(map(sql.Literal, blanked)),
            sql.Literal(self.masks[blanked[0]][i]),
            value,
        )


class Tally:
    """One batch's deltas to a model's rollups, summed per day and dimensions
    while the batch folds, written per bucket at its end."""

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
        sums = self.sums[rollup]
        key = (on, *dimensions)
        deltas = sums.get(key)
        if deltas is None:
            deltas = sums[key] = [0] * len(rollup.measures)
        deltas[rollup.index[measure]] += n

    def write(self, cur: Cursor, tables: Tables) -> None:
        for rollup, sums in self.sums.items():
            rollup.write(cur, tables, sums)
