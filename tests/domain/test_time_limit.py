"""The shared time limit, on dates checked by hand against the State Council's
2026 holiday notice (春节 2/15–2/23 with 调休上班 Sat 2/14 and Sat 2/28; 中秋
Fri 9/25; 国庆 10/1–10/7 with 调休上班 Sun 9/20 and Sat 10/10) and, for 2027
(no notice yet: provisional), the statutory days of 放假办法 only (元旦 Fri 1/1;
春节 Fri 2/5 and Mon–Wed 2/8–2/10; no 调休)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.shared.calendar import WorkingDayCalendar, YearArrangement
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.time_limit import Counting, Exclusion, Extension, TimeLimit

CALENDAR = WorkingDayCalendar()
RULE = "行政许可法 第42条"


def twenty_working_days_from(start: date) -> TimeLimit:
    return TimeLimit.begin(
        CALENDAR, start=start, days=20, counting=Counting.WORKING, rule=RULE
    )


def extension(days: int = 10) -> Extension:
    return Extension(days=days, approved_by="局长", reason="需要专家论证", rule=RULE)


def working(start: date, days: int) -> TimeLimit:
    return TimeLimit.begin(
        CALENDAR, start=start, days=days, counting=Counting.WORKING, rule=RULE
    )


def calendar_days(start: date, days: int) -> TimeLimit:
    return TimeLimit.begin(
        CALENDAR,
        start=start,
        days=days,
        counting=Counting.CALENDAR,
        rule="行政处罚法 第60条",
    )


# A 2027 notice as it might be published: 春节 Fri 2/5 – Fri 2/12, 调休上班
# Sun 1/31 and Sat 2/20; 元旦 Mon 1/4 added to the break.
NOTICE_2027 = YearArrangement(
    year=2027,
    notice="国办发明电〔2026〕测试",
    holidays=frozenset(
        {date(2027, 1, 1), date(2027, 1, 4)}
        | {date(2027, 2, day) for day in range(5, 13)}
    ),
    makeup_workdays=frozenset({date(2027, 1, 31), date(2027, 2, 20)}),
)
PUBLISHED = WorkingDayCalendar([NOTICE_2027])


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
        .stop("testing", date(2026, 9, 25), RULE, expected_days=5)
        .resume(date(2026, 10, 12), CALENDAR, RULE)
        .extend(extension(), date(2026, 10, 13), CALENDAR)
    )
    assert TimeLimit.model_validate_json(limit.model_dump_json()) == limit


# -- working days across the holidays --------------------------------------------------


def test_the_start_day_is_not_counted_and_a_make_up_saturday_is() -> None:
    # 2/11, 2/12, 2/13, Sat 2/14 (调休上班); 2/16–2/23 off; 2/24 is the fifth.
    assert working(date(2026, 2, 10), 5).due.due == date(2026, 2, 24)


def test_twenty_working_days_across_the_spring_festival() -> None:
    # 2/3–2/6 (4), 2/9–2/13 (9), Sat 2/14 (10), 2/24–2/27 (14), Sat 2/28 (15),
    # 3/2–3/6 (20).
    limit = working(date(2026, 2, 2), 20)
    assert limit.due.due == date(2026, 3, 6)
    assert limit.due.working_days == 20
    assert limit.due.calendar_version == CALENDAR.version


def test_a_limit_into_2027_counts_its_statutory_days_and_is_provisional() -> None:
    # 12/29, 12/30, 12/31; 元旦 Fri 1/1 off; Mon 1/4, Tue 1/5.
    limit = working(date(2026, 12, 28), 5)
    assert limit.due.due == date(2027, 1, 5)
    assert limit.due.provisional


def test_an_exclusion_spanning_the_spring_festival_adds_only_its_working_days() -> None:
    limit = working(date(2026, 2, 2), 20)
    resumed = limit.stop("testing", date(2026, 2, 12), RULE).resume(
        date(2026, 2, 25), CALENDAR, RULE
    )
    # (2/12, 2/25]: 2/13, Sat 2/14 (调休), 2/24, 2/25 = 4; the festival adds none.
    assert resumed.exclusions[-1].days == 4
    assert resumed.excluded_days == 4
    # 24 working days after 2/2: 3/6 was the 20th; 3/9–3/12.
    assert resumed.due.due == date(2026, 3, 12)


def test_an_extension_after_an_exclusion_counts_both() -> None:
    limit = (
        working(date(2026, 2, 2), 20)
        .stop("testing", date(2026, 2, 12), RULE)
        .resume(date(2026, 2, 25), CALENDAR, RULE)
        .extend(extension(10), date(2026, 3, 1), CALENDAR)
    )
    # 34 working days: 3/12 was the 24th; 3/13, 3/16–3/20, 3/23–3/26.
    assert limit.total_days == 34
    assert limit.due.due == date(2026, 3, 26)


def test_an_extension_while_stopped_moves_the_due_date_and_the_resume_adds_on() -> None:
    stopped = twenty_working_days_from(date(2026, 9, 18)).stop(
        "expert review", date(2026, 10, 20), RULE
    )
    # In time: the limit (10/22) was still running on 10/20, when it stopped.
    extended = stopped.extend(extension(10), date(2026, 11, 2), CALENDAR)
    assert extended.due.due == date(2026, 11, 5)  # 30 working days after 9/18
    assert not extended.running

    resumed = extended.resume(date(2026, 11, 4), CALENDAR, RULE)

    # (10/20, 11/4]: 10/21–10/23 (3), 10/26–10/30 (5), 11/2–11/4 (3) = 11.
    assert resumed.exclusions[-1].days == 11
    # 41 working days: 11/5 was the 30th; 11/6, 11/9–11/13, 11/16–11/20.
    assert resumed.due.due == date(2026, 11, 20)


def test_an_excluded_period_records_its_kind_and_expected_length() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    stopped = limit.stop("testing", date(2026, 9, 21), RULE, expected_days=5)
    assert stopped.open_exclusion == Exclusion(
        kind="testing", started_on=date(2026, 9, 21), expected_days=5
    )
    with pytest.raises(InvalidInputError) as exc:
        limit.stop("testing", date(2026, 9, 21), RULE, expected_days=0)
    assert exc.value.field == "expected_days"


def test_an_excluded_period_cannot_start_inside_the_previous_one() -> None:
    """Its days were counted once when it ended; overlapping would count twice."""
    resumed = (
        twenty_working_days_from(date(2026, 9, 18))
        .stop("testing", date(2026, 9, 21), RULE)
        .resume(date(2026, 9, 24), CALENDAR, RULE)
    )
    with pytest.raises(InvalidInputError):
        resumed.stop("hearing", date(2026, 9, 23), RULE)
    # The day it ended is not excluded (its days run (start, end]): may stop again.
    again = resumed.stop("hearing", date(2026, 9, 24), RULE)
    assert not again.running


def test_refusals_cite_the_rule_given_or_the_limits_own() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    with pytest.raises(DeadlineError) as stop_late:
        limit.stop("testing", date(2026, 10, 23), "行政许可法 第45条")
    assert stop_late.value.rule == "行政许可法 第45条"
    with pytest.raises(IllegalTransitionError) as resume_running:
        limit.resume(date(2026, 10, 1), CALENDAR, "行政许可法 第45条")
    assert resume_running.value.rule == "行政许可法 第45条"
    # Whether it may still be extended is the limit's own rule (Art. 42).
    extended_rule = "行政许可法 第42条第1款"
    once = Extension(days=10, approved_by="局长", reason="复杂", rule=extended_rule)
    extended = limit.extend(once, date(2026, 10, 1), CALENDAR)
    assert extended.extension == once
    with pytest.raises(IllegalTransitionError) as twice:
        extended.extend(once, date(2026, 10, 2), CALENDAR)
    assert twice.value.rule == RULE
    with pytest.raises(DeadlineError) as late:
        limit.extend(once, date(2026, 10, 23), CALENDAR)
    assert late.value.rule == RULE


# -- calendar days ----------------------------------------------------------------------


def test_a_ninety_day_limit_with_a_hearing_and_an_extension() -> None:
    # 8/3 + 90 days = Sun 11/1, so Mon 11/2 (民法典 Art. 203).
    limit = calendar_days(date(2026, 8, 3), 90)
    assert limit.due.due == date(2026, 11, 2)

    heard = limit.stop("hearing", date(2026, 9, 28), RULE).resume(
        date(2026, 10, 9), CALENDAR, RULE
    )
    # (9/28, 10/9] is 11 calendar days, holidays included: 8/3 + 101 = Thu 11/12.
    assert heard.exclusions[-1].days == 11
    assert heard.due.due == date(2026, 11, 12)

    extended = heard.extend(extension(30), date(2026, 10, 12), CALENDAR)
    # 8/3 + 131 = Sat 12/12, not a working day: Mon 12/14.
    assert extended.due.due == date(2026, 12, 14)


def test_a_calendar_day_limit_ending_on_a_make_up_saturday_ends_there() -> None:
    # 9/30 + 10 days = Sat 10/10, a 调休上班 day: a working day, so it stays.
    assert calendar_days(date(2026, 9, 30), 10).due.due == date(2026, 10, 10)


def test_a_calendar_day_limit_is_provisional_only_when_it_ends_in_2027() -> None:
    assert not calendar_days(date(2026, 12, 1), 15).due.provisional  # 12/16
    into_2027 = calendar_days(date(2026, 12, 20), 15)
    assert into_2027.due.due == date(2027, 1, 4)
    assert into_2027.due.provisional

    moved = into_2027.recomputed(PUBLISHED)

    # The notice makes Mon 1/4 a holiday: the limit ends on Tue 1/5.
    assert moved.due.due == date(2027, 1, 5)
    assert not moved.due.provisional


# -- days left ------------------------------------------------------------------------


def test_days_left_counts_working_days_after_today_up_to_the_due_date() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))  # due Thu 10/22
    # (9/30, 10/22]: 10/8, 10/9, Sat 10/10, 10/12–10/16, 10/19–10/22 = 12.
    assert limit.days_left(date(2026, 9, 30), CALENDAR) == 12
    assert limit.days_left(date(2026, 10, 21), CALENDAR) == 1
    assert limit.days_left(date(2026, 10, 22), CALENDAR) == 0
    assert not limit.has_run_out(date(2026, 10, 22))
    assert limit.days_left(date(2026, 10, 26), CALENDAR) == 0
    assert limit.has_run_out(date(2026, 10, 26))


def test_days_left_stand_still_while_the_limit_is_stopped() -> None:
    stopped = twenty_working_days_from(date(2026, 9, 18)).stop(
        "testing", date(2026, 10, 20), RULE
    )
    # As of the stop on 10/20: 10/21, 10/22.
    assert stopped.days_left(date(2026, 12, 31), CALENDAR) == 2
    assert not stopped.has_run_out(date(2026, 12, 31))


def test_days_left_of_a_calendar_day_limit_are_calendar_days() -> None:
    limit = calendar_days(date(2026, 9, 2), 15)  # due Thu 9/17
    assert limit.days_left(date(2026, 9, 10), CALENDAR) == 7
    assert limit.days_left(date(2026, 9, 18), CALENDAR) == 0
    assert limit.has_run_out(date(2026, 9, 18))


# -- a promised limit beside the legal one ------------------------------------------------


def test_a_limit_alongside_shares_the_exclusions_but_not_the_extension() -> None:
    legal = (
        twenty_working_days_from(date(2026, 9, 18))
        .stop("testing", date(2026, 9, 25), RULE)
        .resume(date(2026, 10, 12), CALENDAR, RULE)
        .extend(extension(10), date(2026, 10, 13), CALENDAR)
    )
    promised = legal.alongside(10, "承诺时限", CALENDAR)
    # 10 + 7 excluded = 17 working days after 9/18: Sun 9/20 (调休) 1, 9/21–9/24 5,
    # 9/28–9/30 8, 10/8 9, 10/9 10, Sat 10/10 11, 10/12–10/16 16, 10/19 17.
    assert promised.due.due == date(2026, 10, 19)
    assert promised.extension is None
    assert promised.rule == "承诺时限"
    with pytest.raises(InvalidInputError):
        legal.alongside(0, "承诺时限", CALENDAR)


# -- recomputation when a notice is published ------------------------------------------


def test_a_2027_limit_is_recomputed_on_the_published_notice() -> None:
    limit = working(date(2027, 1, 25), 15)
    # Statutory days only: 1/26–1/29 (4), 2/1–2/4 (8), 2/5 and 2/8–2/10 off,
    # 2/11–2/12 (10), 2/15–2/19 (15).
    assert limit.due.due == date(2027, 2, 19)
    assert limit.is_stale(PUBLISHED)

    moved = limit.recomputed(PUBLISHED)

    # The notice: 1/26–1/29 (4), Sun 1/31 (5), 2/1–2/4 (9), 2/5–2/12 off,
    # 2/15–2/19 (14), Sat 2/20 (15).
    assert moved.due.due == date(2027, 2, 20)
    assert not moved.due.provisional
    assert moved.due.calendar_version == PUBLISHED.version
    assert not moved.is_stale(PUBLISHED)


def test_recomputation_keeps_the_excluded_days_as_counted_and_a_stop_open() -> None:
    limit = (
        working(date(2026, 12, 10), 20)
        .stop("testing", date(2026, 12, 14), RULE)
        .resume(date(2026, 12, 16), CALENDAR, RULE)
        .stop("hearing", date(2026, 12, 21), RULE)
    )
    moved = limit.recomputed(PUBLISHED)
    assert [e.days for e in moved.exclusions] == [2, 0]
    assert not moved.running
    assert moved.due == PUBLISHED.add_working_days(date(2026, 12, 10), 22)


def test_a_new_calendar_version_records_a_provisional_date_even_if_it_stays() -> None:
    """A notice for another year leaves 2027 provisional and the date where it
    was; the limit still moves to the new version so that it is recorded once."""
    limit = working(date(2026, 12, 28), 5)
    notice_2028 = NOTICE_2027.model_copy(
        update={
            "year": 2028,
            "holidays": frozenset({date(2028, 1, 3)}),
            "makeup_workdays": frozenset(),
        }
    )
    newer = WorkingDayCalendar([notice_2028])

    moved = limit.recomputed(newer)

    assert moved is not limit
    assert moved.due.due == limit.due.due
    assert moved.due.provisional
    assert moved.due.calendar_version == newer.version
    assert moved.recomputed(newer) is moved


def test_a_date_of_a_published_year_is_never_stale() -> None:
    limit = twenty_working_days_from(date(2026, 9, 18))
    assert not limit.is_stale(PUBLISHED)
    assert limit.recomputed(PUBLISHED) is limit


# -- replay: rebuilt from what events recorded ------------------------------------------


def test_a_limit_rebuilt_from_recorded_facts_equals_the_decided_one() -> None:
    begun = twenty_working_days_from(date(2026, 9, 18))
    stopped = begun.stop("testing", date(2026, 9, 25), RULE, expected_days=5)
    resumed = stopped.resume(date(2026, 10, 12), CALENDAR, RULE)
    extended = resumed.extend(extension(), date(2026, 10, 13), CALENDAR)

    rebuilt = (
        TimeLimit(
            counting=Counting.WORKING,
            start=date(2026, 9, 18),
            days=20,
            rule=RULE,
            due=begun.due,
        )
        .with_stop("testing", date(2026, 9, 25), expected_days=5)
        .with_resume(date(2026, 10, 12), 7, resumed.due)
        .with_extension(extension(), extended.due)
    )

    assert rebuilt == extended


def test_a_replay_keeps_the_due_date_its_event_recorded() -> None:
    """A provisional date stays as recorded until an event moves it: applying
    recorded facts never consults a (newer) calendar."""
    recorded = working(date(2026, 12, 10), 20)
    replayed = recorded.with_stop("testing", date(2026, 12, 14)).with_resume(
        date(2026, 12, 14), 0, recorded.due
    )
    assert replayed.due == recorded.due
    assert replayed.due != replayed.recomputed(PUBLISHED).due
    assert replayed.with_due(PUBLISHED.add_working_days(date(2026, 12, 10), 20)) == (
        replayed.recomputed(PUBLISHED)
    )
