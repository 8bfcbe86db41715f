"""The licensing rules a hand-computed legal table found wrong (issue 7 §6).

Each test states the rule and the dates worked out by hand; no I/O.
"""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent

from domain.licensing.application import (
    DeadlineKind,
    LicenceApplication,
    Status,
)
from domain.licensing.licence import RULE_RENEWAL_WINDOW, Licence, renewal_deadline
from domain.registry.catalogue import ApprovalMode, Catalogue
from domain.registry.service import Registry, shipped_catalogue
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import DeadlineError, IllegalTransitionError
from domain.shared.events import PydanticMapper
from tests.domain.conftest import (
    ACCEPTED_ON,
    APPROVER,
    BOOTSTRAP,
    CALENDAR,
    CALENDAR_2027,
    CLERK,
    COMMIT_ITEM,
    NOTICE_2027,
    POPO,
    PRODUCTION_ITEM,
    SPOT_ITEM,
    item,
    item_with,
    licence,
    materials_of,
    receive_application,
    settled,
    system_audit,
)

CLOCK = system_audit()

# -- 6-month renewal lead at month ends (民法典 Arts. 201–203) -------------------------

# Last valid day → last day to apply, 6 months back to the corresponding day or,
# where that month has no such day, to its last day. Worked out by hand.
MONTH_ENDS_6 = [
    # 2031 (not a leap year; February 2031 has 28 days)
    (date(2031, 1, 31), date(2030, 7, 31)),
    (date(2031, 2, 28), date(2030, 8, 28)),
    (date(2031, 3, 31), date(2030, 9, 30)),
    (date(2031, 4, 30), date(2030, 10, 30)),
    (date(2031, 5, 31), date(2030, 11, 30)),
    (date(2031, 6, 30), date(2030, 12, 30)),
    (date(2031, 7, 31), date(2031, 1, 31)),
    (date(2031, 8, 31), date(2031, 2, 28)),
    (date(2031, 8, 30), date(2031, 2, 28)),  # the table's case
    (date(2031, 8, 29), date(2031, 2, 28)),
    (date(2031, 8, 28), date(2031, 2, 28)),
    (date(2031, 9, 30), date(2031, 3, 30)),
    (date(2031, 10, 31), date(2031, 4, 30)),
    (date(2031, 11, 30), date(2031, 5, 30)),
    (date(2031, 12, 31), date(2031, 6, 30)),
    (date(2031, 12, 30), date(2031, 6, 30)),  # the table's case
    # 2032 (a leap year; February 2032 has 29 days)
    (date(2032, 1, 31), date(2031, 7, 31)),
    (date(2032, 2, 29), date(2031, 8, 29)),
    (date(2032, 3, 31), date(2031, 9, 30)),
    (date(2032, 4, 30), date(2031, 10, 30)),
    (date(2032, 5, 31), date(2031, 11, 30)),
    (date(2032, 6, 30), date(2031, 12, 30)),
    (date(2032, 7, 31), date(2032, 1, 31)),
    (date(2032, 8, 31), date(2032, 2, 29)),
    (date(2032, 8, 30), date(2032, 2, 29)),
    (date(2032, 8, 29), date(2032, 2, 29)),
    (date(2032, 8, 28), date(2032, 2, 28)),
    (date(2032, 9, 30), date(2032, 3, 30)),
    (date(2032, 10, 31), date(2032, 4, 30)),
    (date(2032, 11, 30), date(2032, 5, 30)),
    (date(2032, 12, 31), date(2032, 6, 30)),
]


@pytest.mark.parametrize(
    ("valid_until", "last_day"), MONTH_ENDS_6, ids=[str(v) for v, _ in MONTH_ENDS_6]
)
def test_six_month_lead_counts_back_from_the_last_valid_day(
    valid_until: date, last_day: date
) -> None:
    assert renewal_deadline(valid_until, 6, 0) == last_day


@pytest.mark.parametrize(
    ("valid_until", "months", "days", "last_day"),
    [
        (date(2031, 3, 31), 3, 0, date(2030, 12, 31)),  # 资质认定: 3 months
        (date(2031, 5, 31), 3, 0, date(2031, 2, 28)),
        (date(2032, 5, 31), 3, 0, date(2032, 2, 29)),
        (date(2031, 3, 14), 0, 30, date(2031, 2, 12)),  # Art. 50: 30 days
    ],
)
def test_other_leads_count_back_the_same_way(
    valid_until: date, months: int, days: int, last_day: date
) -> None:
    assert renewal_deadline(valid_until, months, days) == last_day


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "last_day"),
    [
        (date(2026, 8, 31), date(2031, 8, 30), date(2031, 2, 28)),
        (date(2026, 12, 31), date(2031, 12, 30), date(2031, 6, 30)),
    ],
)
def test_a_renewal_requested_on_the_last_day_is_accepted(
    valid_from: date, valid_until: date, last_day: date
) -> None:
    lic = licence(PRODUCTION_ITEM, valid_from=valid_from)
    assert (lic.valid_until, lic.renewal_deadline) == (valid_until, last_day)

    lic.request_renewal(last_day, CLERK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.RenewalRequested)
    assert event.requested_on == last_day


# -- renewal timing -------------------------------------------------------------------


def test_a_renewal_on_the_day_of_the_grant_is_refused() -> None:
    lic = licence(PRODUCTION_ITEM, valid_from=date(2026, 10, 9))
    with pytest.raises(DeadlineError) as exc:
        lic.request_renewal(date(2026, 10, 9), CLERK)
    assert exc.value.rule == RULE_RENEWAL_WINDOW
    assert lic.collect_events() == []


def test_the_renewal_window_opens_six_months_before_the_last_day_to_apply() -> None:
    # Valid until 2031-10-08; apply by 2031-04-08; from 2030-10-08.
    lic = licence(PRODUCTION_ITEM, valid_from=date(2026, 10, 9))
    assert lic.renewal_deadline == date(2031, 4, 8)
    assert lic.renewal_window_opens == date(2030, 10, 8)
    with pytest.raises(DeadlineError):
        lic.request_renewal(date(2030, 10, 7), CLERK)
    lic.request_renewal(date(2030, 10, 8), CLERK)
    assert lic.renewal_requested_on == date(2030, 10, 8)


def test_the_renewed_validity_runs_from_the_day_after_the_old_one_ends() -> None:
    lic = licence(PRODUCTION_ITEM, valid_from=date(2026, 10, 9))
    lic.request_renewal(date(2031, 1, 5), CLERK)
    lic.renew("YX-1", 60, date(2031, 3, 2), APPROVER)  # decided early
    # Not 2036-03-01 (from the decision): 2031-10-09 + 5 years - 1 day.
    assert lic.valid_until == date(2036, 10, 8)


# -- Art. 44: issued and served ------------------------------------------------------


def test_the_certificate_deadline_runs_until_the_certificate_is_served() -> None:
    application = receive_application()
    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    application.grant("XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER)
    application.issue_certificate("ZS-1", date(2026, 10, 12), CLERK)
    assert application.open_deadline(DeadlineKind.CERTIFICATE) == (
        date(2026, 10, 22),
        "行政许可法 第44条",
    )


# -- a date staff set that falls on a non-working day ---------------------------------


def deferred_until(supply_deadline: date, on: date = ACCEPTED_ON) -> LicenceApplication:
    application = receive_application(
        SPOT_ITEM,
        materials=tuple(m for m in materials_of(SPOT_ITEM) if m != "安装告知书"),
        on=on,
    )
    application.accept_with_deficiencies(
        "RQ-1", ("安装告知书",), supply_deadline, on, CALENDAR, CLERK
    )
    return application


def test_a_supply_deadline_on_a_holiday_rolls_to_the_next_working_day() -> None:
    # Sat 2026-10-03 is inside 国庆 (10/1–10/7): the deadline runs to Thu 10/8.
    application = deferred_until(date(2026, 10, 3))
    event = application.collect_events()[-1]
    assert isinstance(event, LicenceApplication.AcceptedWithDeficiencies)
    assert event.supply_deadline_as_set == date(2026, 10, 3)
    assert event.supply_deadline == date(2026, 10, 8)
    assert event.supply_deadline_provisional is False  # 2026 has its notice
    assert application.supply_deadline == date(2026, 10, 8)


def test_the_supply_deadline_is_missed_only_after_the_day_it_rolled_to() -> None:
    application = settled(deferred_until(date(2026, 10, 3)))
    with pytest.raises(DeadlineError):
        application.terminate_for_missed_supply(date(2026, 10, 8), CLOCK)
    application.terminate_for_missed_supply(date(2026, 10, 9), CLOCK)
    assert application.status is Status.TERMINATED


def test_a_supply_deadline_in_a_year_without_a_notice_is_provisional() -> None:
    # Accepted Mon 2026-12-28; 5 wd promised → 2027-01-05; set Sat 2027-01-02.
    application = deferred_until(date(2027, 1, 2), on=date(2026, 12, 28))
    event = application.collect_events()[-1]
    assert isinstance(event, LicenceApplication.AcceptedWithDeficiencies)
    assert event.supply_deadline == date(2027, 1, 4)
    assert event.supply_deadline_provisional is True


def test_the_remedy_date_carries_the_provisional_flag() -> None:
    # Refused Tue 2026-12-01: 60 days end Sat 2027-01-30 → Mon 2027-02-01, and
    # whether 2/1 is a working day depends on a 2027 notice not yet published.
    application = receive_application()
    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    application.refuse("BY-1", ("不符",), None, date(2026, 12, 1), CALENDAR, APPROVER)
    event = application.collect_events()[-1]
    assert isinstance(event, LicenceApplication.Refused)
    assert event.remedy.reconsideration_until == date(2027, 2, 1)
    assert event.remedy.reconsideration_until_provisional is True


# -- 2027: statutory holidays without a notice ----------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 1, 1),  # 元旦
        date(2027, 2, 5),  # 除夕
        date(2027, 2, 8),  # 初三
        date(2027, 2, 9),  # 初一 (a Saturday) made up (办法 Art. 6)
        date(2027, 4, 5),  # 清明
        date(2027, 5, 3),  # 劳动节 day 2 (a Sunday) made up
        date(2027, 6, 9),  # 端午
        date(2027, 9, 15),  # 中秋
        date(2027, 10, 1),  # 国庆
    ],
)
def test_2027_statutory_holidays_are_not_working_days(day: date) -> None:
    assert not CALENDAR.is_working_day(day)


def test_spring_festival_2027_is_counted_and_the_result_provisional() -> None:
    # Thu 2/4 + 1 wd: 2/5–2/8 春节, 2/9–2/10 补假 → Thu 2/11.
    due = CALENDAR.add_working_days(date(2027, 2, 4), 1)
    assert (due.due, due.provisional) == (date(2027, 2, 11), True)


# -- a notice is published: recompute ---------------------------------------------------


def correction_running_into_2027() -> LicenceApplication:
    # Received Mon 2026-12-28: 12/29, 12/30, 12/31, (1/1 元旦), 1/4, 1/5 → 1/5.
    return settled(receive_application(on=date(2026, 12, 28)))


def test_a_published_notice_recomputes_provisional_deadlines_by_an_event() -> None:
    application = correction_running_into_2027()
    assert application.correction_due.due == date(2027, 1, 5)
    assert application.correction_due.provisional

    # The notice makes Mon 1/4 a holiday: the fifth working day is Wed 1/6.
    application.recompute_deadlines(CALENDAR_2027, CLOCK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineRecomputed)
    [change] = event.changes
    assert (change.kind, change.old_due, change.new_due.due) == (
        "correction",
        date(2027, 1, 5),
        date(2027, 1, 6),
    )
    assert change.new_due.provisional is False
    assert event.calendar_version == CALENDAR_2027.version
    assert event.notices == (NOTICE_2027,)
    assert application.correction_due.due == date(2027, 1, 6)


def test_the_clock_never_acts_on_a_date_the_new_calendar_moved() -> None:
    application = correction_running_into_2027()
    with pytest.raises(IllegalTransitionError):
        application.deem_acceptance(date(2027, 1, 6), CALENDAR_2027, CLOCK)
    application.recompute_deadlines(CALENDAR_2027, CLOCK)
    settled(application)
    with pytest.raises(DeadlineError):  # 1/6 is now the last day, not past it
        application.deem_acceptance(date(2027, 1, 6), CALENDAR_2027, CLOCK)


def test_recomputing_twice_under_one_calendar_is_refused() -> None:
    application = correction_running_into_2027()
    application.recompute_deadlines(CALENDAR_2027, CLOCK)
    with pytest.raises(IllegalTransitionError):
        application.recompute_deadlines(CALENDAR_2027, CLOCK)


def test_a_licences_provisional_follow_up_date_is_recomputed() -> None:
    lic = licence(
        COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT, valid_from=date(2026, 11, 2)
    )
    before = lic.post_verification_due
    assert before is not None
    assert before.provisional
    lic.recompute_deadlines(CALENDAR_2027, CLOCK)
    [event] = lic.collect_events()
    assert isinstance(event, Licence.DeadlineRecomputed)
    [change] = event.changes
    assert change.kind == "commitment_check"
    assert change.old_due == before.due
    assert lic.post_verification_due == change.new_due


def test_a_new_calendar_version_when_the_override_changes() -> None:
    assert WorkingDayCalendar().version != CALENDAR_2027.version


# -- catalogue renewal leads --------------------------------------------------------------


def test_the_shipped_catalogue_has_the_renewal_leads_of_the_sources() -> None:
    cma = item("XK-JYJC-ZZRD")  # 资质认定管理办法 Art. 11: 3 months
    special = item("XK-TZSB-SCXK")  # TSG 07-2019: 6 months
    assert (cma.renewal_lead_months, cma.renewal_lead_days) == (3, 0)
    assert (special.renewal_lead_months, special.renewal_lead_days) == (6, 0)
    assert "第11条" in cma.renewal_rule
    assert "TSG 07-2019" in special.renewal_rule


def test_shipped_lead_corrections_reach_an_existing_catalogue() -> None:
    registry = Registry(env=POPO)
    try:
        old = [
            item_with(t.code, renewal_lead_months=0, renewal_lead_days=30)
            if t.code in {"XK-JYJC-ZZRD", "XK-TZSB-SCXK"}
            else t
            for t in shipped_catalogue()
        ]
        registry.load_catalogue(old, BOOTSTRAP)
        assert registry.get_item("XK-JYJC-ZZRD").renewal_lead_days == 30

        assert registry.load_catalogue(shipped_catalogue(), BOOTSTRAP) == 2

        assert registry.get_item("XK-JYJC-ZZRD").renewal_lead_months == 3
        assert registry.get_item("XK-TZSB-SCXK").renewal_lead_months == 6
        events = registry.history(registry.catalogue().id)
        assert sum(isinstance(e, Catalogue.ItemRevised) for e in events) == 2
    finally:
        registry.close()


# -- stored events of the old vocabulary stay readable (upcast, never rewritten) -----


def stored_v1(cls: type, state: dict[str, object]) -> StoredEvent:
    audit = {
        "actor": {"kind": "staff", "id": "V-1", "name": "李四", "role": "reviewer"},
        "request_id": "req-old",
    }
    full = {
        "originator_id": str(UUID(int=5)),
        "originator_version": 3,
        "timestamp": "2026-10-09T01:00:00+00:00",
        "audit": audit,
        **state,
    }
    return StoredEvent(
        originator_id=UUID(int=5),
        originator_version=3,
        topic=cls.TOPIC,  # type: ignore[attr-defined]
        state=json.dumps(full).encode(),
    )


MAPPER = PydanticMapper(transcoder=JSONTranscoder())


def test_an_old_verification_naming_two_staff_reads_as_signed_by_one() -> None:
    stored = stored_v1(
        LicenceApplication.VerificationRecorded,
        {
            "verifiers": [
                {"staff_no": "V-1", "name": "李四"},
                {"staff_no": "V-2", "name": "王五"},
            ],
            "on_site": True,
            "findings": "现场核查",
            "verified_on": "2026-10-09",
        },
    )
    event = MAPPER.to_domain_event(stored)
    assert isinstance(event, LicenceApplication.VerificationRecorded)
    assert event.verifier.id == "V-1"
    assert [v.id for v in event.named_verifiers] == ["V-1", "V-2"]


def test_old_item_lists_read_under_their_glossary_names() -> None:
    corrections = MAPPER.to_domain_event(
        stored_v1(
            LicenceApplication.CorrectionsSubmitted,
            {"items": ["产品照片"], "submitted_on": "2026-09-28"},
        )
    )
    cured = MAPPER.to_domain_event(
        stored_v1(
            LicenceApplication.DeficienciesCured,
            {"items": ["安装告知书"], "cured_on": "2026-10-08"},
        )
    )
    assert corrections.missing_items == ("产品照片",)
    assert cured.deficiency_items == ("安装告知书",)


def test_an_old_commitment_check_reads_verifier_ids() -> None:
    event = MAPPER.to_domain_event(
        stored_v1(
            Licence.CommitmentVerified,
            {
                "verifiers": [
                    {"staff_no": "V-1", "name": "李四"},
                    {"staff_no": "V-2", "name": "王五"},
                ],
                "findings": "一致",
                "verified_on": "2026-05-06",
            },
        )
    )
    assert [v.id for v in event.verifiers] == ["V-1", "V-2"]
