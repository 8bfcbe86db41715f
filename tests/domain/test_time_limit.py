"""The shared time limit, on dates checked by hand against the State Council's
2026 holiday notice (国庆 10/1–10/7, 调休上班 Sat 10/10; 元旦 2027-01-01)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.shared.calendar import WorkingDayCalendar, YearArrangement
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.time_limit import Counting, Extension, TimeLimit

CALENDAR = WorkingDayCalendar()
RULE = "行政许可法 第42条"


def twenty_working_days_from(start: date) -> TimeLimit:
    return TimeLimit.begin(
        CALENDAR, start=start, days=20, counting=Counting.WORKING, rule=RULE
    )


def extension(days: int = 10) -> Extension:
    return Extension(days=days, approved_by="局长", reason="需要专家论证", rule=RULE)


def test_twenty_working_days_skip_the_national_day_week() -> None:
    # 9/18 (Fri) + 20: 9/21–9/30 (8), 10/8, 10/9, 10/10 (调休 Sat), 10/12–10/22.
    limit = twenty_working_days_from(date(2026, 9, 18))
    assert limit.due.due == date(2026, 10, 22)
    assert not limit.due.provisional
    assert limit.running


def test_a_calendar_day_limit_ending_in_a_holiday_moves_to_the_next_working_day() -> (
    None
):
    limit = TimeLimit.begin(
        CALENDAR,
        start=date(2026, 7, 3),
        days=90,
        counting=Counting.CALENDAR,
        rule="行政处罚法 第60条",
    )
    # 7/3 + 90 days = 10/1 (国庆), so the limit ends on 10/8 (民法典 Art. 203).
    assert limit.due.due == date(2026, 10, 8)


def test_an_excluded_period_adds_the_working_days_it_covered() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    stopped = limit.stop("testing", date(2026, 9, 25), RULE)
    assert not stopped.running
    assert stopped.due == limit.due  # nothing moves while it is stopped

    resumed = stopped.resume(date(2026, 10, 12), CALENDAR, RULE)

    # (9/25, 10/12]: 9/28, 9/29, 9/30, 10/8, 10/9, 10/10 (调休), 10/12 = 7.
    assert resumed.exclusions[-1].days == 7
    assert resumed.due.due == date(2026, 11, 2)
    assert resumed.running


def test_a_calendar_day_exclusion_adds_calendar_days() -> None:
    limit = TimeLimit.begin(
        CALENDAR,
        start=date(2026, 3, 2),
        days=90,
        counting=Counting.CALENDAR,
        rule="行政处罚法 第60条",
    )
    resumed = limit.stop("hearing", date(2026, 3, 10), RULE).resume(
        date(2026, 3, 20), CALENDAR, RULE
    )
    assert resumed.exclusions[-1].days == 10
    # 3/2 + 100 days = 6/10 (a Wednesday).
    assert resumed.due.due == date(2026, 6, 10)


def test_several_exclusions_add_up() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    twice = (
        limit.stop("testing", date(2026, 9, 21), RULE)
        .resume(date(2026, 9, 22), CALENDAR, RULE)
        .stop("expert review", date(2026, 9, 23), RULE)
        .resume(date(2026, 9, 24), CALENDAR, RULE)
    )
    assert [e.days for e in twice.exclusions] == [1, 1]
    assert twice.due.due == CALENDAR.add_working_days(date(2026, 9, 18), 22).due


def test_resuming_on_the_day_it_stopped_excludes_nothing() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    same_day = limit.stop("testing", date(2026, 9, 21), RULE).resume(
        date(2026, 9, 21), CALENDAR, RULE
    )
    assert same_day.due.due == limit.due.due


def test_it_cannot_stop_twice_or_resume_while_running() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    stopped = limit.stop("testing", date(2026, 9, 21), RULE)
    with pytest.raises(IllegalTransitionError, match="already stopped"):
        stopped.stop("hearing", date(2026, 9, 22), RULE)
    with pytest.raises(IllegalTransitionError, match="running"):
        limit.resume(date(2026, 9, 22), CALENDAR, RULE)


def test_it_cannot_stop_before_it_started_or_restart_before_it_stopped() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    with pytest.raises(InvalidInputError):
        limit.stop("testing", date(2026, 9, 17), RULE)
    stopped = limit.stop("testing", date(2026, 9, 22), RULE)
    with pytest.raises(InvalidInputError):
        stopped.resume(date(2026, 9, 21), CALENDAR, RULE)


def test_time_that_ran_out_cannot_be_excluded_afterwards() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    limit.stop("testing", date(2026, 10, 22), RULE)  # the last day is still in time
    with pytest.raises(DeadlineError, match="ran out on 2026-10-22"):
        limit.stop("testing", date(2026, 10, 23), RULE)


def test_one_extension_moves_the_due_date_by_its_days() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    extended = limit.extend(extension(10), date(2026, 10, 20), CALENDAR)
    assert extended.due.due == date(2026, 11, 5)  # 30 working days after 9/18
    assert extended.extension is not None
    assert extended.extension.approved_by == "局长"
    with pytest.raises(IllegalTransitionError, match="only once"):
        extended.extend(extension(5), date(2026, 10, 21), CALENDAR)


def test_an_extension_needs_an_approver_a_reason_and_time_left() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    with pytest.raises(InvalidInputError):
        limit.extend(
            Extension(days=10, approved_by=" ", reason="x", rule=RULE),
            date(2026, 10, 1),
            CALENDAR,
        )
    with pytest.raises(InvalidInputError):
        limit.extend(extension(0), date(2026, 10, 1), CALENDAR)
    with pytest.raises(DeadlineError):
        limit.extend(extension(), date(2026, 10, 23), CALENDAR)


def test_while_stopped_the_day_it_stopped_is_what_counts_for_running_out() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    stopped = limit.stop("testing", date(2026, 10, 20), RULE)
    assert not stopped.has_run_out(date(2026, 12, 31))
    assert stopped.extend(extension(), date(2026, 12, 31), CALENDAR).extension
    assert limit.has_run_out(date(2026, 10, 23))
    assert not limit.has_run_out(date(2026, 10, 22))


def test_an_extension_and_an_exclusion_both_count() -> None:
    limit = (
        twenty_working_days_from(date(2026, 9, 18))
        .extend(extension(10), date(2026, 9, 21), CALENDAR)
        .stop("testing", date(2026, 9, 25), RULE)
        .resume(date(2026, 10, 12), CALENDAR, RULE)
    )
    assert limit.total_days == 37
    assert limit.due.due == CALENDAR.add_working_days(date(2026, 9, 18), 37).due


def test_a_limit_into_a_year_without_a_notice_is_provisional() -> None:
    limit = twenty_working_days_from(date(2026, 12, 10))
    assert limit.due.provisional


def test_a_published_notice_recomputes_a_provisional_limit() -> None:
    limit = twenty_working_days_from(date(2026, 12, 10))
    notice = YearArrangement(
        year=2027,
        notice="国办发明电〔2026〕测试",
        holidays=frozenset({date(2027, 1, 1), date(2027, 1, 4)}),
        makeup_workdays=frozenset(),
    )
    published = WorkingDayCalendar([notice])

    moved = limit.recomputed(published)

    assert not moved.due.provisional
    assert moved.due.due == published.add_working_days(date(2026, 12, 10), 20).due
    assert moved.due.due > limit.due.due  # 1/4 is now a holiday too
    assert moved.due.calendar_version != limit.due.calendar_version
    assert moved.recomputed(published) is moved  # nothing more to record


def test_recomputing_on_the_same_calendar_changes_nothing() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    assert limit.recomputed(CALENDAR) is limit


def test_a_limit_of_no_days_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        TimeLimit.begin(
            CALENDAR,
            start=date(2026, 9, 18),
            days=0,
            counting=Counting.WORKING,
            rule=RULE,
        )


def test_a_time_limit_survives_a_json_round_trip_as_an_event_field() -> None:
    limit = (
        twenty_working_days_from(date(2026, 9, 18))
        .stop("testing", date(2026, 9, 25), RULE)
        .resume(date(2026, 10, 12), CALENDAR, RULE)
        .extend(extension(), date(2026, 10, 13), CALENDAR)
    )
    assert TimeLimit.model_validate_json(limit.model_dump_json()) == limit
