"""Working-day calendar: hand-computed deadlines, provisional years, overrides."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from domain.shared.calendar import (
    DueDate,
    WorkingDayCalendar,
    YearArrangement,
    load_overrides,
)
from domain.shared.errors import InvalidInputError

# Hypothetical 2027 arrangement for tests only: the real notice is not out yet.
# 2027-02-06 is a Saturday; 2027-02-20 is a Saturday.
OVERRIDE_2027: dict[str, Any] = {
    "2027": {
        "notice": "TEST ONLY: hypothetical 2027 arrangement",
        "holidays": ["2027-01-01"] + [f"2027-02-{day:02d}" for day in range(6, 15)],
        "makeup_workdays": ["2027-02-20"],
    }
}


@pytest.fixture
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


@pytest.fixture
def cal_2027() -> WorkingDayCalendar:
    return WorkingDayCalendar(load_overrides(OVERRIDE_2027))


# --- 2026, National Day (10/1-10/7, work Sun 9/20 and Sat 10/10) and 中秋 9/25-27


def test_twenty_working_days_from_2026_09_18_end_on_2026_10_22(
    cal: WorkingDayCalendar,
) -> None:
    # Fri 9/18 not counted. Sun 9/20 (调休) =1; Mon-Thu 9/21-24 =2..5;
    # 9/25-27 中秋 off; Mon-Wed 9/28-30 =6..8; 10/1-7 国庆 off; Thu 10/8 =9,
    # Fri 10/9 =10, Sat 10/10 (调休) =11; 10/12-16 =12..16; 10/19-22 =17..20.
    due = cal.add_working_days(date(2026, 9, 18), 20)
    assert due.due == date(2026, 10, 22)


def test_thirty_working_days_from_2026_09_18_end_on_2026_11_05(
    cal: WorkingDayCalendar,
) -> None:
    # Continuing from 10/22 =20: Fri 10/23 =21; 10/26-30 =22..26;
    # Mon-Thu 11/2-11/5 =27..30.
    due = cal.add_working_days(date(2026, 9, 18), 30)
    assert due.due == date(2026, 11, 5)


def test_a_working_day_period_records_its_length_version_and_is_final(
    cal: WorkingDayCalendar,
) -> None:
    due = cal.add_working_days(date(2026, 9, 18), 20)
    assert due == DueDate(
        due=date(2026, 10, 22),
        working_days=20,
        calendar_version=cal.version,
        provisional=False,
    )


def test_makeup_sunday_before_national_day_is_a_working_day(
    cal: WorkingDayCalendar,
) -> None:
    assert cal.is_working_day(date(2026, 9, 20))


def test_first_working_day_after_national_day_2026_is_october_8(
    cal: WorkingDayCalendar,
) -> None:
    # Wed 9/30 not counted; 10/1-10/7 off; Thu 10/8 =1.
    assert cal.add_working_days(date(2026, 9, 30), 1).due == date(2026, 10, 8)


# --- Spring Festival 2026 (2/15-2/23, work Sat 2/14 and Sat 2/28)


def test_five_working_days_from_2026_02_10_count_the_makeup_saturday(
    cal: WorkingDayCalendar,
) -> None:
    # Tue 2/10 not counted. Wed 2/11 =1, Thu 2/12 =2, Fri 2/13 =3,
    # Sat 2/14 (调休) =4; 2/15-2/23 off; Tue 2/24 =5.
    assert cal.add_working_days(date(2026, 2, 10), 5).due == date(2026, 2, 24)


def test_ten_working_days_across_spring_festival_2026_end_on_march_4(
    cal: WorkingDayCalendar,
) -> None:
    # Thu 2/12 not counted. Fri 2/13 =1, Sat 2/14 (调休) =2; 2/15-2/23 off;
    # Tue-Fri 2/24-2/27 =3..6, Sat 2/28 (调休) =7; Sun 3/1 off;
    # Mon-Wed 3/2-3/4 =8..10.
    assert cal.add_working_days(date(2026, 2, 12), 10).due == date(2026, 3, 4)


def test_weekend_inside_spring_festival_2026_is_not_a_working_day(
    cal: WorkingDayCalendar,
) -> None:
    assert not cal.is_working_day(date(2026, 2, 21))


# --- Spring Festival 2025 (chinesecalendar: 1/28-2/4 off, work Sun 1/26, Sat 2/8)


def test_six_working_days_across_spring_festival_2025_end_on_makeup_saturday(
    cal: WorkingDayCalendar,
) -> None:
    # Fri 1/24 not counted. Sat 1/25 off; Sun 1/26 (调休) =1; Mon 1/27 =2;
    # 1/28-2/4 off; Wed-Fri 2/5-2/7 =3..5; Sat 2/8 (调休) =6.
    assert cal.add_working_days(date(2025, 1, 24), 6).due == date(2025, 2, 8)


def test_first_day_of_spring_festival_2025_is_not_a_working_day(
    cal: WorkingDayCalendar,
) -> None:
    assert not cal.is_working_day(date(2025, 1, 29))


# --- 行政许可法 Art. 32(4): 5 working days to issue a correction notice


def test_correction_deadline_from_a_friday_receipt_is_the_next_friday(
    cal: WorkingDayCalendar,
) -> None:
    # Received Fri 2026-03-06 (not counted). Mon-Fri 3/9-3/13 =1..5.
    assert cal.add_working_days(date(2026, 3, 6), 5).due == date(2026, 3, 13)


def test_correction_deadline_from_a_friday_before_labour_day_skips_the_break(
    cal: WorkingDayCalendar,
) -> None:
    # Received Fri 2026-04-24. Mon-Thu 4/27-4/30 =1..4; 5/1-5/5 off; Wed 5/6 =5.
    assert cal.add_working_days(date(2026, 4, 24), 5).due == date(2026, 5, 6)


def test_zero_working_days_is_the_start_day(cal: WorkingDayCalendar) -> None:
    assert cal.add_working_days(date(2026, 10, 3), 0).due == date(2026, 10, 3)


def test_negative_working_days_are_rejected(cal: WorkingDayCalendar) -> None:
    with pytest.raises(InvalidInputError, match="zero or more"):
        cal.add_working_days(date(2026, 3, 6), -1)


def test_a_datetime_is_rejected_so_the_caller_picks_the_local_day(
    cal: WorkingDayCalendar,
) -> None:
    with pytest.raises(InvalidInputError, match="not a datetime"):
        cal.add_working_days(datetime(2026, 3, 6, 9, 0), 5)


# --- working_days_between


def test_working_days_between_skips_national_day_and_counts_makeup_saturday(
    cal: WorkingDayCalendar,
) -> None:
    # (9/30, 10/10]: 10/1-10/7 off; Thu 10/8, Fri 10/9, Sat 10/10 (调休) = 3.
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_working_days_between_is_the_inverse_of_add_working_days(
    cal: WorkingDayCalendar,
) -> None:
    assert cal.working_days_between(date(2026, 9, 18), date(2026, 10, 22)) == 20


def test_working_days_between_is_zero_when_end_is_not_after_start(
    cal: WorkingDayCalendar,
) -> None:
    assert cal.working_days_between(date(2026, 3, 13), date(2026, 3, 6)) == 0


# --- next working day and calendar-day periods (民法典 Art. 203)


def test_next_working_day_of_a_working_day_is_itself(
    cal: WorkingDayCalendar,
) -> None:
    assert cal.next_working_day_on_or_after(date(2026, 2, 14)) == date(2026, 2, 14)


def test_next_working_day_of_national_day_is_october_8(
    cal: WorkingDayCalendar,
) -> None:
    assert cal.next_working_day_on_or_after(date(2026, 10, 1)) == date(2026, 10, 8)


def test_calendar_day_period_ending_on_national_day_moves_to_october_8(
    cal: WorkingDayCalendar,
) -> None:
    # 8/2 + 60 days: 29 days to 8/31, 30 more to 9/30, 1 more = 10/1 (holiday),
    # so the period ends on the next working day, Thu 10/8.
    due = cal.add_calendar_days(date(2026, 8, 2), 60)
    assert (due.due, due.provisional) == (date(2026, 10, 8), False)


def test_calendar_day_period_ending_on_a_working_day_is_not_moved(
    cal: WorkingDayCalendar,
) -> None:
    # Fri 2026-03-06 + 7 days = Fri 3/13, a working day.
    assert cal.add_calendar_days(date(2026, 3, 6), 7).due == date(2026, 3, 13)


def test_calendar_day_period_ending_on_a_2027_weekend_is_provisional(
    cal: WorkingDayCalendar,
) -> None:
    # 2026-12-01 + 60 days: 30 days to 12/31, 30 more = Sat 2027-01-30,
    # moved by the weekday fallback to Mon 2027-02-01.
    due = cal.add_calendar_days(date(2026, 12, 1), 60)
    assert (due.due, due.provisional) == (date(2027, 2, 1), True)


# --- years without an official arrangement


def test_2026_is_covered_and_2027_is_not_without_an_override(
    cal: WorkingDayCalendar,
) -> None:
    assert (cal.is_covered(2026), cal.is_covered(2027)) == (True, False)


def test_uncovered_year_computes_the_statutory_holidays(
    cal: WorkingDayCalendar,
) -> None:
    # 2027 has no notice: 春节 is 除夕 Fri 2/5 to 初三 Mon 2/8, and 初一 and 初二
    # (Sat 2/6, Sun 2/7) are made up on Tue 2/9 and Wed 2/10 (办法 Art. 6);
    # only 调休 is unknown, so the date is still provisional.
    due = cal.add_working_days(date(2027, 2, 4), 1)
    assert (due.due, due.provisional) == (date(2027, 2, 11), True)


def test_uncovered_year_still_observes_fixed_date_national_day(
    cal: WorkingDayCalendar,
) -> None:
    # 2027-10-01 is a Friday; 国庆 10/1-10/3 is fixed by the 放假办法 Art. 2.
    assert not cal.is_working_day(date(2027, 10, 1))


def test_uncovered_year_still_observes_new_year_day(
    cal: WorkingDayCalendar,
) -> None:
    # 2027-01-01 is a Friday.
    assert not cal.is_working_day(date(2027, 1, 1))


def test_deadline_from_late_december_2026_into_2027_is_provisional(
    cal: WorkingDayCalendar,
) -> None:
    # Mon 2026-12-28 not counted. 12/29-12/31 =1..3; Fri 2027-01-01 off (元旦);
    # Mon 1/4 =4, Tue 1/5 =5.
    due = cal.add_working_days(date(2026, 12, 28), 5)
    assert (due.due, due.provisional) == (date(2027, 1, 5), True)


def test_deadline_ending_in_december_2026_is_not_provisional(
    cal: WorkingDayCalendar,
) -> None:
    # Mon 12/21 not counted. 12/22-12/25 =1..4; Mon 12/28 =5.
    due = cal.add_working_days(date(2026, 12, 21), 5)
    assert (due.due, due.provisional) == (date(2026, 12, 28), False)


# --- overrides


def test_override_makes_2027_covered(cal_2027: WorkingDayCalendar) -> None:
    assert cal_2027.is_covered(2027)


def test_override_makeup_saturday_counts_and_is_not_provisional(
    cal_2027: WorkingDayCalendar,
) -> None:
    # Fri 2027-02-19 not counted; Sat 2/20 is a 调休 day in the override.
    due = cal_2027.add_working_days(date(2027, 2, 19), 1)
    assert (due.due, due.provisional) == (date(2027, 2, 20), False)


def test_override_holidays_are_skipped(cal_2027: WorkingDayCalendar) -> None:
    # Fri 2027-02-05 not counted; 2/6-2/14 off in the override; Mon 2/15 =1.
    assert cal_2027.add_working_days(date(2027, 2, 5), 1).due == date(2027, 2, 15)


def test_override_takes_precedence_over_chinesecalendar() -> None:
    # Mon 2026-03-02 is a working day in the published 2026 data.
    arrangement = YearArrangement(
        year=2026,
        notice="TEST ONLY: hypothetical corrected 2026 arrangement",
        holidays=frozenset({date(2026, 3, 2)}),
        makeup_workdays=frozenset(),
    )
    assert not WorkingDayCalendar([arrangement]).is_working_day(date(2026, 3, 2))


def test_two_overrides_for_the_same_year_are_rejected() -> None:
    arrangement = load_overrides(OVERRIDE_2027)[0]
    with pytest.raises(InvalidInputError, match="more than one override"):
        WorkingDayCalendar([arrangement, arrangement])


def test_calendar_checks_arrangements_built_without_load_overrides() -> None:
    # Wed 2027-02-10 cannot be a 调休上班 day.
    arrangement = YearArrangement(
        year=2027,
        notice="TEST ONLY",
        holidays=frozenset(),
        makeup_workdays=frozenset({date(2027, 2, 10)}),
    )
    with pytest.raises(InvalidInputError, match="Saturday or Sunday"):
        WorkingDayCalendar([arrangement])


# --- version


def test_version_names_the_chinesecalendar_release(cal: WorkingDayCalendar) -> None:
    assert cal.version.startswith("chinesecalendar-")


def test_version_changes_with_an_override(
    cal: WorkingDayCalendar, cal_2027: WorkingDayCalendar
) -> None:
    assert cal_2027.version.startswith(cal.version + "+override:2027")


def test_version_is_stable_for_the_same_data(cal_2027: WorkingDayCalendar) -> None:
    assert WorkingDayCalendar(load_overrides(OVERRIDE_2027)).version == (
        cal_2027.version
    )


def test_version_changes_when_an_override_is_corrected(
    cal_2027: WorkingDayCalendar,
) -> None:
    corrected = {"2027": {**OVERRIDE_2027["2027"], "makeup_workdays": []}}
    assert WorkingDayCalendar(load_overrides(corrected)).version != (cal_2027.version)


# --- load_overrides


def test_load_overrides_parses_a_year() -> None:
    (arrangement,) = load_overrides(OVERRIDE_2027)
    assert (
        arrangement.year,
        len(arrangement.holidays),
        arrangement.makeup_workdays,
    ) == (2027, 10, frozenset({date(2027, 2, 20)}))


def _override(**changes: Any) -> dict[str, Any]:
    return {"2027": {**OVERRIDE_2027["2027"], **changes}}


@pytest.mark.parametrize("bad", ["2027-02-30", "2027/02/01", "27-2-1", 20270201])
def test_load_overrides_rejects_a_malformed_date(bad: object) -> None:
    with pytest.raises(InvalidInputError, match=r"holidays\[0\]"):
        load_overrides(_override(holidays=[bad]))


def test_load_overrides_rejects_a_date_outside_its_year() -> None:
    with pytest.raises(InvalidInputError, match="is not in 2027"):
        load_overrides(_override(holidays=["2026-12-31"]))


def test_load_overrides_rejects_a_day_that_is_both_holiday_and_makeup() -> None:
    with pytest.raises(InvalidInputError, match="both as a holiday"):
        load_overrides(_override(makeup_workdays=["2027-02-06"]))


def test_load_overrides_rejects_a_makeup_day_that_is_a_weekday() -> None:
    # 2027-03-10 is a Wednesday.
    with pytest.raises(InvalidInputError, match="is a Wednesday"):
        load_overrides(_override(makeup_workdays=["2027-03-10"]))


def test_load_overrides_rejects_a_key_that_is_not_a_year() -> None:
    with pytest.raises(InvalidInputError, match="not a four-digit year"):
        load_overrides({"next year": OVERRIDE_2027["2027"]})


def test_load_overrides_requires_the_notice() -> None:
    with pytest.raises(InvalidInputError, match="notice"):
        load_overrides(_override(notice=" "))


def test_load_overrides_rejects_an_unknown_key() -> None:
    with pytest.raises(InvalidInputError, match="unknown keys: makeup_workday"):
        load_overrides(_override(makeup_workday=["2027-02-20"]))


def test_load_overrides_names_the_field_at_fault() -> None:
    with pytest.raises(InvalidInputError) as excinfo:
        load_overrides(_override(makeup_workdays=["2027-03-10"]))
    assert excinfo.value.field == "overrides.2027.makeup_workdays"
