"""Working-day calendar (法定节假日 and 调休) for statutory deadlines."""

from __future__ import annotations

import calendar
import hashlib
import importlib.metadata
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from functools import cache
from typing import Any, Final

import chinese_calendar  # type: ignore[import-untyped]
import holidays as holidays_package
from pydantic import BaseModel, ConfigDict

from domain.shared.errors import IllegalTransitionError, InvalidInputError

__all__ = [
    "RULE_ARRANGEMENT",
    "RULE_RECOMPUTE",
    "RULE_STATUTORY",
    "DeadlineChange",
    "DueDate",
    "Recomputation",
    "WorkingDayCalendar",
    "YearArrangement",
    "load_overrides",
    "recomputation",
]

_ONE_DAY: Final = timedelta(days=1)
_WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

RULE_ARRANGEMENT: Final = (
    "全国年节及纪念日放假办法 第7条; 国务院办公厅 年度放假安排通知"
)

# 《全国年节及纪念日放假办法》 (2024-11-12 revision, in force 2025-01-01) Art. 2:
# 元旦 1 day, 春节 4 (除夕 and 初一–初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3;
# Art. 6: a holiday of all citizens that falls on a Saturday or Sunday is made
# up on a working day (补假). For a year with no State Council notice these are
# computed (lunar dates included) by the `holidays` package; only the year's
# 调休 stays unknown, so such a year is still provisional (DOMAIN §7.1).
RULE_STATUTORY = "全国年节及纪念日放假办法 (2024年修订) 第2条、第6条"
_SUBSTITUTED: Final = "Day off (substituted"


def _statutory_holidays(year: int) -> frozenset[date]:
    """The statutory 放假 days of a year, without any 调休 (DOMAIN §7.1)."""
    computed = holidays_package.country_holidays("CN", years=year, language="en_US")
    return frozenset(
        day
        for day, name in computed.items()
        if day.year == year
        and not any(part.startswith(_SUBSTITUTED) for part in str(name).split("; "))
    )


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_KEY: Final = re.compile(r"\d{4}")
_OVERRIDE_KEYS: Final = frozenset({"notice", "holidays", "makeup_workdays"})


class DueDate(BaseModel):
    """A computed time limit, recorded in events together with its provenance.

    `working_days` is the number of working days after the start day up to and
    including `due` (for a working-day period this is the period itself).
    `provisional` means some year the computation relied on had no official
    State Council arrangement yet, so the date must be re-projected once it does.
    """

    model_config = ConfigDict(frozen=True)

    due: date
    working_days: int
    calendar_version: str
    provisional: bool

    def is_stale(self, calendar: WorkingDayCalendar) -> bool:
        """Provisional, and worked out on another calendar version: a newer
        notice may move it, so it is recomputed (DESIGN §3)."""
        return self.provisional and self.calendar_version != calendar.version


RULE_RECOMPUTE = "国务院办公厅 年度放假安排通知 (DESIGN §3: recomputed when published)"


class DeadlineChange(BaseModel):
    """One computed date moved by a newly published calendar (DESIGN §3): what
    a `DeadlineRecomputed` event records per date (old date, the new one with
    its calendar version and provisional flag)."""

    model_config = ConfigDict(frozen=True)

    kind: str  # e.g. correction | decision | promised | certificate | supply
    old_due: date
    new_due: DueDate


class Recomputation(BaseModel):
    """What a `DeadlineRecomputed` event records: the moved dates, the calendar
    that moved them and the notices (override years) it rests on."""

    model_config = ConfigDict(frozen=True)

    changes: tuple[DeadlineChange, ...]
    calendar_version: str
    notices: tuple[str, ...]
    rule: str = RULE_RECOMPUTE


def recomputation(
    stale: Iterable[tuple[str, date, DueDate]], calendar: WorkingDayCalendar
) -> Recomputation:
    """(kind, old date, new DueDate) triples, as one event's payload; refuses
    when nothing predates the calendar (recorded once per calendar version)."""
    changes = tuple(
        DeadlineChange(kind=kind, old_due=old, new_due=new) for kind, old, new in stale
    )
    if not changes:
        raise IllegalTransitionError(
            f"no provisional deadline predates calendar {calendar.version}",
            rule=RULE_RECOMPUTE,
        )
    years = sorted({d.year for c in changes for d in (c.old_due, c.new_due.due)})
    return Recomputation(
        changes=changes,
        calendar_version=calendar.version,
        notices=tuple(n for y in years if (n := calendar.notice(y)) is not None),
    )


class YearArrangement(BaseModel):
    """One year's State Council holiday arrangement (国务院办公厅 放假安排通知)."""

    model_config = ConfigDict(frozen=True)

    year: int
    notice: str
    # 放假 days, including the Saturdays and Sundays that fall inside a break.
    holidays: frozenset[date]
    # 调休上班: Saturdays or Sundays that are working days.
    makeup_workdays: frozenset[date]


@dataclass(frozen=True, slots=True)
class _Year:
    covered: bool
    working: tuple[date, ...]  # sorted, so periods can be counted by bisection


def _working_days_of(
    year: int, holidays: frozenset[date], makeup: frozenset[date]
) -> tuple[date, ...]:
    # A working day is Mon-Fri and not 放假, or a designated 调休上班 weekend day
    # (DOMAIN §7.1); 行政许可法 Art. 82 excludes 法定节假日 from every period.
    days: list[date] = []
    day = date(year, 1, 1)
    while day.year == year:
        if day in makeup or (day.weekday() < 5 and day not in holidays):
            days.append(day)
        if day.month == 12 and day.day == 31:
            break
        day += _ONE_DAY
    return tuple(days)


def _from_chinesecalendar(year: int) -> tuple[frozenset[date], frozenset[date]] | None:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        # The package raises for years outside its data; asking it (rather than
        # hard-coding its range) picks up new years when the package is upgraded.
        return None
    all_holidays: Mapping[date, object] = chinese_calendar.holidays
    all_workdays: Mapping[date, object] = chinese_calendar.workdays
    holidays = frozenset(d for d in all_holidays if d.year == year)
    makeup = frozenset(d for d in all_workdays if d.year == year)
    return holidays, makeup


@cache
def _chinesecalendar_version() -> str:
    for dist in ("chinesecalendar", "chinese-calendar"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return str(getattr(chinese_calendar, "__version__", "unknown"))


@cache
def _holidays_version() -> str:
    try:
        return importlib.metadata.version("holidays")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _arrangement_digest(arrangement: YearArrangement) -> str:
    # Part of the version, so a corrected notice for the same year still changes
    # the version and triggers re-projection of deadlines recorded under it.
    payload = "|".join(
        [
            str(arrangement.year),
            arrangement.notice,
            ",".join(sorted(d.isoformat() for d in arrangement.holidays)),
            ",".join(sorted(d.isoformat() for d in arrangement.makeup_workdays)),
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:8]


def _require_date(value: date, field: str) -> None:
    # datetime is a date subclass but compares unequal to dates; the caller must
    # choose the local (Asia/Shanghai) calendar day explicitly.
    if isinstance(value, datetime):
        raise InvalidInputError(
            f"{field} must be a calendar date, not a datetime ({value.isoformat()})",
            field=field,
        )


def _require_non_negative(n: int, field: str) -> None:
    if n < 0:
        raise InvalidInputError(f"{field} must be zero or more, got {n}", field=field)


def _check_arrangement(arrangement: YearArrangement, field: str) -> None:
    year = arrangement.year
    if not MINYEAR <= year <= MAXYEAR:
        raise InvalidInputError(f"year {year} is out of range", field=field)
    if not arrangement.notice.strip():
        raise InvalidInputError(
            f"the {year} arrangement must name its State Council notice",
            field=f"{field}.notice",
            rule=RULE_ARRANGEMENT,
        )
    for kind, dates in (
        ("holidays", arrangement.holidays),
        ("makeup_workdays", arrangement.makeup_workdays),
    ):
        for day in sorted(dates):
            if day.year != year:
                raise InvalidInputError(
                    f"{day.isoformat()} is listed in {kind} of {year} but is not "
                    f"in {year}",
                    field=f"{field}.{kind}",
                    rule=RULE_ARRANGEMENT,
                )
    both = sorted(arrangement.holidays & arrangement.makeup_workdays)
    if both:
        raise InvalidInputError(
            f"{both[0].isoformat()} is listed both as a holiday and as a make-up "
            f"working day (调休上班) in {year}",
            field=f"{field}.makeup_workdays",
            rule=RULE_ARRANGEMENT,
        )
    for day in sorted(arrangement.makeup_workdays):
        # 调休 moves work onto a weekend day; a weekday is a working day anyway,
        # so listing one signals a typo in the transcribed notice.
        if day.weekday() < 5:
            raise InvalidInputError(
                f"make-up working day {day.isoformat()} is a "
                f"{_WEEKDAY_NAMES[day.weekday()]}; 调休上班 days must be a Saturday "
                "or Sunday",
                field=f"{field}.makeup_workdays",
                rule=RULE_ARRANGEMENT,
            )


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a short
    month: validity periods, renewal leads and bans count by calendar month or
    year (2028-02-29 plus one year is 2029-02-28)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class WorkingDayCalendar:
    """Working days per year from, in order: an override, chinesecalendar, or
    the statutory holidays computed for the year (an uncovered, provisional
    year: its 调休 is unknown)."""

    def __init__(self, overrides: Iterable[YearArrangement] = ()) -> None:
        self._overrides: dict[int, YearArrangement] = {}
        for arrangement in overrides:
            field = f"overrides.{arrangement.year}"
            _check_arrangement(arrangement, field)
            if arrangement.year in self._overrides:
                raise InvalidInputError(
                    f"more than one override given for {arrangement.year}",
                    field=field,
                    rule=RULE_ARRANGEMENT,
                )
            self._overrides[arrangement.year] = arrangement
        self._version = (
            f"chinesecalendar-{_chinesecalendar_version()}"
            # Uncovered years are computed by this package: a release that
            # computes them differently is a new calendar too.
            + f"+holidays-{_holidays_version()}"
            + "".join(
                f"+override:{year}@{_arrangement_digest(self._overrides[year])}"
                for year in sorted(self._overrides)
            )
        )
        # Built lazily, one entry per year, so a request only pays for the years
        # it touches and repeated lookups are a bisection on a sorted tuple.
        self._years: dict[int, _Year] = {}

    def notice(self, year: int) -> str | None:
        """The notice an override year was loaded from (None otherwise)."""
        override = self._overrides.get(year)
        return override.notice if override else None

    @property
    def version(self) -> str:
        """Identifies the data, e.g. `chinesecalendar-1.11.0+override:2027@1a2b3c4d`."""
        return self._version

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        if not MINYEAR <= year <= MAXYEAR:
            raise InvalidInputError(
                f"year {year} is outside the supported date range", field="date"
            )
        override = self._overrides.get(year)
        if override is not None:
            data = _Year(
                True,
                _working_days_of(year, override.holidays, override.makeup_workdays),
            )
        else:
            published = _from_chinesecalendar(year)
            if published is not None:
                data = _Year(True, _working_days_of(year, *published))
            else:
                data = _Year(
                    False,
                    _working_days_of(year, _statutory_holidays(year), frozenset()),
                )
        self._years[year] = data
        return data

    def _any_uncovered(self, first_year: int, last_year: int) -> bool:
        return any(not self._year(y).covered for y in range(first_year, last_year + 1))

    def is_covered(self, year: int) -> bool:
        """Whether an official arrangement (override or chinesecalendar) exists."""
        return self._year(year).covered

    def is_working_day(self, d: date) -> bool:
        _require_date(d, "date")
        days = self._year(d.year).working
        i = bisect_left(days, d)
        return i < len(days) and days[i] == d

    def next_working_day_on_or_after(self, d: date) -> date:
        """民法典 Art. 203: a period whose last day is a holiday ends on the
        next working day."""
        _require_date(d, "date")
        year = d.year
        while True:
            days = self._year(year).working
            i = bisect_left(days, d) if year == d.year else 0
            if i < len(days):
                return days[i]
            year += 1

    def add_working_days(self, start: date, n: int) -> DueDate:
        """The n-th working day after `start` (行政许可法 Art. 82).

        The start day itself is not counted (民法典 Art. 201, applied by analogy,
        DOMAIN §1.1); n = 0 gives `start`.
        """
        _require_date(start, "start")
        _require_non_negative(n, "working_days")
        if n == 0:
            due = start
            first_year = start.year
        else:
            remaining = n
            year = start.year
            while True:
                days = self._year(year).working
                i = bisect_right(days, start) if year == start.year else 0
                available = len(days) - i
                if remaining <= available:
                    due = days[i + remaining - 1]
                    break
                remaining -= available
                year += 1
            # Counting begins the day after start, which may be in the next year.
            first_year = start.year + (1 if (start.month, start.day) == (12, 31) else 0)
        return DueDate(
            due=due,
            working_days=n,
            calendar_version=self._version,
            provisional=self._any_uncovered(first_year, due.year),
        )

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (the start day is not counted)."""
        _require_date(start, "start")
        _require_date(end, "end")
        if end <= start:
            return 0
        count = 0
        for year in range(start.year, end.year + 1):
            days = self._year(year).working
            count += bisect_right(days, end) - bisect_right(days, start)
        return count

    def add_calendar_days(self, start: date, n: int) -> DueDate:
        """A period in calendar days (e.g. 行政复议法 Art. 20, 60 days), moved to
        the next working day when it ends on a non-working day (民法典 Art. 203).

        Provisional when deciding whether the end day is a working day needed a
        year without an official arrangement.
        """
        _require_date(start, "start")
        _require_non_negative(n, "days")
        try:
            end = start + timedelta(days=n)
        except OverflowError:
            raise InvalidInputError(
                "the period ends outside the supported date range", field="days"
            ) from None
        due = self.next_working_day_on_or_after(end)
        return DueDate(
            due=due,
            working_days=self.working_days_between(start, due),
            calendar_version=self._version,
            provisional=self._any_uncovered(end.year, due.year),
        )


def _parse_year(key: object) -> int:
    text = str(key)
    if not _YEAR_KEY.fullmatch(text) or not MINYEAR <= int(text) <= MAXYEAR:
        raise InvalidInputError(
            f"override key {text!r} is not a four-digit year",
            field="overrides",
            rule=RULE_ARRANGEMENT,
        )
    return int(text)


def _parse_dates(raw: object, field: str) -> frozenset[date]:
    if not isinstance(raw, list | tuple):
        raise InvalidInputError(
            f"{field} must be a list of YYYY-MM-DD dates", field=field
        )
    parsed: set[date] = set()
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        if isinstance(item, date) and not isinstance(item, datetime):
            parsed.add(item)
            continue
        if not isinstance(item, str) or not _ISO_DATE.fullmatch(item):
            raise InvalidInputError(
                f"{where} must be a date written YYYY-MM-DD, got {item!r}",
                field=where,
            )
        try:
            parsed.add(date.fromisoformat(item))
        except ValueError:
            raise InvalidInputError(
                f"{where} is not a real calendar date: {item!r}", field=where
            ) from None
    return frozenset(parsed)


def load_overrides(data: Mapping[str, Any]) -> list[YearArrangement]:
    """Parse `{"2027": {"notice": ..., "holidays": [...], "makeup_workdays": [...]}}`.

    This is how a newly published State Council notice is loaded as data before
    chinesecalendar ships it. Returns the arrangements sorted by year.
    """
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            "overrides must be a mapping of year to arrangement", field="overrides"
        )
    arrangements: list[YearArrangement] = []
    for key, entry in data.items():
        year = _parse_year(key)
        field = f"overrides.{year}"
        if not isinstance(entry, Mapping):
            raise InvalidInputError(
                f"{field} must be a mapping with notice, holidays and makeup_workdays",
                field=field,
            )
        unknown = sorted(str(k) for k in entry if k not in _OVERRIDE_KEYS)
        if unknown:
            # A misspelt key would silently drop a list of days.
            raise InvalidInputError(
                f"{field} has unknown keys: {', '.join(unknown)}", field=field
            )
        notice = entry.get("notice")
        if not isinstance(notice, str) or not notice.strip():
            raise InvalidInputError(
                f"{field}.notice must name the State Council notice",
                field=f"{field}.notice",
                rule=RULE_ARRANGEMENT,
            )
        if "holidays" not in entry:
            raise InvalidInputError(
                f"{field}.holidays is missing", field=f"{field}.holidays"
            )
        arrangement = YearArrangement(
            year=year,
            notice=notice.strip(),
            holidays=_parse_dates(entry["holidays"], f"{field}.holidays"),
            makeup_workdays=_parse_dates(
                entry.get("makeup_workdays", []), f"{field}.makeup_workdays"
            ),
        )
        _check_arrangement(arrangement, field)
        arrangements.append(arrangement)
    return sorted(arrangements, key=lambda a: a.year)
