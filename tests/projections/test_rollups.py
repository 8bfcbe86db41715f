"""The rollups' arithmetic without a database: the buckets a query reads tile
its period exactly and come from the smallest cuboid that serves it, a batch's
deltas land in every grain and cuboid, and a histogram's median is
PostgreSQL's."""

from __future__ import annotations

import calendar
import dataclasses
import random
import statistics
from datetime import date, timedelta

import psycopg
import pytest
from psycopg import sql

from projections.licensing.application_counts import COUNTS, DECISION_DAYS
from projections.licensing.statistics import median
from projections.rollups import (
    GRAINS,
    Bucket,
    Grain,
    Rollup,
    Tally,
    cover,
    last_day,
    period_of,
)
from projections.runtime import Tables, ensure_runtime


def days_of(runs: list[tuple[Grain, date, date]]) -> list[date]:
    """Every day the buckets of the runs hold, in order."""
    found: list[date] = []
    for grain, first, last in runs:
        period = first
        while period <= last:
            assert period_of(grain, period) == period
            end = last_day(grain, period)
            found += [
                period + timedelta(days=i) for i in range((end - period).days + 1)
            ]
            period = end + timedelta(days=1)
    return found


@pytest.mark.parametrize("seed", range(10))
def test_the_buckets_of_a_cover_tile_the_period_exactly(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        first = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1500))
        last = first + timedelta(days=rng.choice((0, 1, 27, 30, 31, 364, 365, 900)))
        coarsest = rng.choice(GRAINS)
        runs = cover(first, last, coarsest)
        span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        assert days_of(runs) == span
        assert all(GRAINS.index(g) <= GRAINS.index(coarsest) for g, _, _ in runs)
        assert len(runs) <= 5


def test_a_cover_takes_whole_years_and_months_where_they_fit() -> None:
    assert cover(date(2025, 12, 30), date(2027, 2, 3)) == [
        (Grain.DAY, date(2025, 12, 30), date(2025, 12, 31)),
        (Grain.YEAR, date(2026, 1, 1), date(2026, 1, 1)),
        (Grain.MONTH, date(2027, 1, 1), date(2027, 1, 1)),
        (Grain.DAY, date(2027, 2, 1), date(2027, 2, 3)),
    ]
    assert cover(date(2026, 1, 1), date(2026, 12, 31), Grain.MONTH) == [
        (Grain.MONTH, date(2026, 1, 1), date(2026, 12, 1))
    ]
    assert cover(date(2026, 3, 2), date(2026, 3, 1)) == []


def test_a_months_last_day_is_the_calendars() -> None:
    for year in (2023, 2024, 2100):
        for month in range(1, 13):
            first = date(year, month, 1)
            end = calendar.monthrange(year, month)[1]
            assert last_day(Grain.MONTH, first) == date(year, month, end)
    assert last_day(Grain.YEAR, date(2024, 1, 1)) == date(2024, 12, 31)


def test_the_median_of_a_histogram_is_the_median_of_its_values() -> None:
    rng = random.Random(7)
    assert median({}) is None
    for _ in range(500):
        values = [rng.randint(0, 40) for _ in range(rng.randint(1, 30))]
        histogram: dict[int, int] = {}
        for v in values:
            histogram[v] = histogram.get(v, 0) + 1
        assert median(histogram) == float(statistics.median(values))


def test_a_query_reads_the_smallest_cuboid_with_what_it_needs() -> None:
    assert COUNTS.cuboid_for(set()) == 3  # neither unit nor item
    assert COUNTS.cuboid_for({"unit_code"}) == 1
    assert COUNTS.cuboid_for({"category"}) == 2
    assert COUNTS.cuboid_for({"item_code"}) == 2
    assert COUNTS.cuboid_for({"item_code", "unit_code"}) == 0
    assert COUNTS.cuboid_for({"matter"}) == 4
    assert COUNTS.cuboid_for({"matter", "unit_code"}) == 0
    assert DECISION_DAYS.cuboid_for({"unit_code"}) == 1


@pytest.mark.db
def test_a_batch_counts_each_delta_in_every_grain_of_every_cuboid(
    fresh_database: str,
) -> None:
    day = date(2026, 3, 2)
    tally = Tally([COUNTS])
    tally.add(COUNTS, day, ("320803", "XK-1", "计量", "new"), "received")
    tally.add(COUNTS, day, ("320803", "XK-1", "计量", "new"), "received")
    tally.add(
        COUNTS, day, ("320804", "XK-1", "计量", "change"), "completed_on_time", -1
    )
    tally.add(COUNTS, day, ("320805", "XK-1", "计量", "new"), "withdrawn")
    tally.add(
        COUNTS, day, ("320805", "XK-1", "计量", "new"), "withdrawn", -1
    )  # cancels
    tables = Tables("rollup", 1)
    with psycopg.connect(fresh_database) as conn, conn.cursor() as cur:
        ensure_runtime(conn)
        COUNTS.create(cur, tables)
        tally.write(cur, tables)
        tally.write(cur, tables)  # the same deltas again: added, not replaced
        query = sql.SQL(
            "SELECT cuboid, grain, period, unit_code, item_code, category, matter,"
            " received, completed_on_time, withdrawn FROM {}"
        ).format(tables("counts"))
        found = {tuple(r[:7]): r[7:] for r in cur.execute(query)}
    periods = [("day", day), ("month", date(2026, 3, 1)), ("year", date(2026, 1, 1))]
    for grain, period in periods:
        for cuboid, unit in ((0, "320803"), (1, "320803")):
            item = ("XK-1", "计量", "new") if cuboid == 0 else ("", "", "")
            assert found[(cuboid, grain, period, unit, *item)] == (4, 0, 0)
        for cuboid, unit in ((0, "320804"), (1, "320804")):
            item = ("XK-1", "计量", "change") if cuboid == 0 else ("", "", "")
            assert found[(cuboid, grain, period, unit, *item)] == (0, -2, 0)
        assert found[(2, grain, period, "", "XK-1", "计量", "")] == (4, -2, 0)
        assert found[(3, grain, period, "", "", "", "")] == (4, -2, 0)
        assert found[(4, grain, period, "", "", "", "new")] == (4, 0, 0)
        assert found[(4, grain, period, "", "", "", "change")] == (0, -2, 0)
    assert len(found) == 3 * (2 + 2 + 1 + 1 + 2)  # nothing of 320805


def test_a_rollup_states_its_bucket_then_dimensions_then_counts() -> None:
    @dataclasses.dataclass
    class Counted(Bucket):
        unit_code: str
        item_code: str
        received: int

    Rollup(Counted, "counts", dimensions=("unit_code", "item_code"))
    with pytest.raises(ValueError, match="in order"):
        Rollup(Counted, "counts", dimensions=("item_code", "unit_code"))
    with pytest.raises(TypeError, match="integer counts"):
        Rollup(Counted, "counts", dimensions=("unit_code",))
    with pytest.raises(ValueError, match="only dimensions"):
        Rollup(
            Counted, "counts", dimensions=("unit_code", "item_code"), cuboids=[{"x"}]
        )
