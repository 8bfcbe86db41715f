"""The rollups' arithmetic without a database: the buckets a query reads tile
its period exactly, and a histogram's median is PostgreSQL's."""

from __future__ import annotations

import calendar
import random
import statistics
from datetime import date, timedelta

import pytest

from projections.licensing.statistics import median
from projections.rollups import GRAINS, Grain, cover, last_day, period_of


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
