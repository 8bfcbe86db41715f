"""Disclosure rules without I/O (DOMAIN §5): the 7- and 20-working-day
publication limits counted on hand-checked dates, late and unlawful
publications, the 3-working-day retraction, the display periods of
处罚信息公示规定 Art. 13, and the redaction of a record."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.disclosure.credit import CreditExport, SentFile, iso_week
from domain.disclosure.disclosure import Disclosure, Source, Stage
from domain.disclosure.record import (
    Category,
    DecisionKind,
    PublicRecord,
    mask_person,
    public_party,
    scrub,
)
from domain.shared.errors import DeadlineError, IllegalTransitionError
from tests.domain.conftest import CALENDAR, CALENDAR_2027, system_audit

PUBLISHER = system_audit("publisher")
CLOCK = system_audit("clock")


def record(kind: DecisionKind = DecisionKind.PENALTY, **changes: Any) -> PublicRecord:
    fields: dict[str, Any] = {
        "kind": kind,
        "category": Category.PENALISED if kind == "penalty" else Category.GRANTED,
        "decision_number": "淮区市监罚〔2026〕1号",
        "title": "罚款",
        "party_name": "淮安测试制造有限公司",
        "party_type": "legal_person",
        "uscc": "91320803MA1XYW01X6",
        "legal_representative": "张三",
        "content": "罚款一万元",
        "basis": "《产品质量法》第四十九条",
        "reason": "生产不合格产品",
        "decided_on": date(2026, 9, 28),  # Mon, before the National Day holiday
        "authority": "淮安区市场监督管理局",
        "authority_unit_code": "320803",
        "penalty_kinds": ("fine",),
        "fine_fen": 10_000_00,
        **changes,
    }
    return PublicRecord(**fields)


def prepared(r: PublicRecord | None = None) -> Disclosure:
    return Disclosure.prepare(
        source=Source(
            log="enforcement", case_id=UUID(int=1), decision="penalised", position=9
        ),
        record=r or record(),
        unit_code="320803",
        calendar=CALENDAR,
        audit=PUBLISHER,
    )


def test_the_seven_working_days_skip_the_national_day_holiday() -> None:
    # Decided Mon 2026-09-28. Counted by hand with the 2026 arrangement
    # (10/1–10/7 off, Sat 10/10 worked): 9/29, 9/30, 10/8, 10/9, 10/10,
    # 10/12, 10/13 → due Tue 10/13.
    d = prepared()
    assert d.publication_limit.due.due == date(2026, 10, 13)
    days = d.publication_limit.due.working_days
    assert days == 7
    due = d.publication_limit.due.due
    assert CALENDAR.working_days_between(date(2026, 9, 28), due) == 7
    assert CALENDAR.is_working_day(due)
    assert d.legal_limit is not None
    assert CALENDAR.working_days_between(date(2026, 9, 28), d.legal_limit.due.due) == 20


@pytest.mark.parametrize(
    ("decided", "publication_due", "legal_due"),
    [
        # Mon 11/23 → +7 wd: Tue 12/2; +20 wd: Mon 12/21.
        (date(2026, 11, 23), date(2026, 12, 2), date(2026, 12, 21)),
        # Fri 12/25 → 7 wd: 12/28–12/31, 1/1 holiday, 1/4, 1/5, 1/6 → Wed 1/6 (2027).
        (date(2026, 12, 25), date(2027, 1, 6), None),
    ],
)
def test_publication_limits_on_hand_counted_dates(
    decided: date, publication_due: date, legal_due: date | None
) -> None:
    d = prepared(record(decided_on=decided))
    assert d.publication_limit.due.due == publication_due
    if legal_due is not None:
        assert d.legal_limit is not None
        assert d.legal_limit.due.due == legal_due


def test_a_publication_after_seven_working_days_is_late_after_twenty_unlawful() -> None:
    on_time = prepared(record(decided_on=date(2026, 11, 23)))
    on_time.publish(date(2026, 12, 2), PUBLISHER)
    late = prepared(record(decided_on=date(2026, 11, 23)))
    late.publish(date(2026, 12, 3), PUBLISHER)
    unlawful = prepared(record(decided_on=date(2026, 11, 23)))
    unlawful.publish(date(2026, 12, 22), PUBLISHER)
    flags = [
        (e.late, e.unlawful)
        for d in (on_time, late, unlawful)
        for e in d.collect_events()
        if isinstance(e, Disclosure.Published)
    ]
    assert flags == [(False, False), (True, False), (True, True)]


def test_a_licence_has_no_twenty_day_limit_and_no_display_end() -> None:
    d = prepared(record(DecisionKind.LICENCE, penalty_kinds=(), fine_fen=0))
    assert d.legal_limit is None
    d.publish(date(2026, 11, 24), PUBLISHER)
    assert d.display_until is None


@pytest.mark.parametrize(
    ("changes", "until"),
    [
        (
            {"penalty_kinds": ("circulated_criticism",), "fine_fen": 0},
            date(2027, 2, 24),
        ),
        ({"penalty_kinds": ("fine",), "fine_fen": 5_000_00}, date(2027, 2, 24)),
        ({"penalty_kinds": ("fine",), "fine_fen": 100_000_00}, date(2029, 11, 24)),
        (
            {"penalty_kinds": ("fine", "licence_revoked"), "fine_fen": 1_00},
            date(2029, 11, 24),
        ),
        (
            {"penalty_kinds": ("fine",), "fine_fen": 1_00, "confiscation_fen": 1_00},
            date(2029, 11, 24),
        ),
    ],
)
def test_display_ends_three_months_or_three_years_after_publication(
    changes: dict[str, Any], until: date
) -> None:
    d = prepared(record(**changes))
    d.publish(date(2026, 11, 24), PUBLISHER)
    assert d.display_until == until
    with pytest.raises(IllegalTransitionError):
        d.end_display(until, CLOCK)
    d.end_display(date.fromordinal(until.toordinal() + 1), CLOCK)
    assert d.stage is Stage.ENDED


def test_a_retraction_within_three_working_days_is_on_time_later_is_late() -> None:
    cause = Source(
        log="licensing", case_id=UUID(int=2), decision="revoked:5", position=40
    )
    for on, late in ((date(2026, 11, 26), False), (date(2026, 11, 27), True)):
        d = prepared()
        d.publish(date(2026, 11, 23), PUBLISHER)
        d.retract(
            reason="行政许可已撤销",
            cause=cause,
            ordered_on=date(2026, 11, 23),  # Mon: +3 wd is Thu 11/26
            on=on,
            calendar=CALENDAR,
            audit=PUBLISHER,
        )
        (retracted,) = [
            e for e in d.collect_events() if isinstance(e, Disclosure.Retracted)
        ]
        assert retracted.late is late
        assert d.stage is Stage.RETRACTED
        with pytest.raises(IllegalTransitionError):
            d.retract(
                reason="x",
                cause=cause,
                ordered_on=on,
                on=on,
                calendar=CALENDAR,
                audit=PUBLISHER,
            )


def test_published_twice_is_refused_and_the_clock_records_a_missed_limit_once() -> None:
    d = prepared(record(decided_on=date(2026, 11, 23)))
    with pytest.raises(DeadlineError):  # not yet passed
        d.record_missed("publication", date(2026, 12, 2), CLOCK)
    d.record_missed("publication", date(2026, 12, 3), CLOCK)
    assert d.missed == [("publication", date(2026, 12, 2))]
    d.publish(date(2026, 12, 3), PUBLISHER)
    with pytest.raises(IllegalTransitionError):
        d.publish(date(2026, 12, 3), PUBLISHER)
    assert d.due_deadlines() == []


def test_redaction_masks_a_persons_name_ids_and_phones_in_free_text() -> None:
    assert mask_person("李四五") == "李＊＊"
    assert mask_person("王") == "王＊"
    person = public_party("李四五", "natural_person", None, "李四五")
    assert person == {
        "party_name": "李＊＊",
        "party_type": "natural_person",
        "uscc": None,
        "legal_representative": "",
    }
    text = "联系人 13912345678，+86 139-1234-5678，身份证 32080319900101123X，电话 0517-80000000，旧证 320803900101123"
    cleaned = scrub(text)
    for secret in (
        "13912345678",
        "139-1234-5678",
        "32080319900101123X",
        "0517-80000000",
        "320803900101123",
    ):
        assert secret not in cleaned
    assert scrub("罚款10000元，依据第49条") == "罚款10000元，依据第49条"
    assert (
        scrub("91320803MA1XYW01X6") == "91320803MA1XYW01X6"
    )  # a USCC is not an ID number


def test_the_iso_week_of_a_friday_export() -> None:
    assert iso_week(date(2026, 11, 27)) == "2026-W48"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


def disclosure_lifecycles() -> list[list[Any]]:
    """Every disclosure event, for tests/domain/test_recorded.py."""
    d = prepared(record(decided_on=date(2026, 11, 23)))
    d.record_missed("publication", date(2026, 12, 3), CLOCK)
    d.publish(date(2026, 12, 3), PUBLISHER)
    d.end_display(date(2029, 12, 4), CLOCK)
    r = prepared(record(decided_on=date(2026, 11, 23)))
    r.retract(
        reason="行政许可已撤销",
        cause=Source(
            log="licensing", case_id=UUID(int=3), decision="revoked:4", position=5
        ),
        ordered_on=date(2026, 11, 23),
        on=date(2026, 11, 24),
        calendar=CALENDAR,
        audit=PUBLISHER,
    )
    upload = CreditExport(
        audit=PUBLISHER,
        week="2026-W48",
        first_item=0,
        stop_item=2,
        licences=1,
        penalties=1,
        files=(SentFile(name="credit-2026-W48.json", sha256="0" * 64, rows=2),),
    )
    provisional = prepared(record(decided_on=date(2026, 12, 28)))  # due in 2027
    assert provisional.publication_limit.due.provisional
    provisional.recompute_deadlines(CALENDAR_2027, CLOCK)
    return [list(a.collect_events()) for a in (d, r, upload, provisional)]
