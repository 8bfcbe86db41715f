"""ODR (issue 10 §3a, DOMAIN §3.4a) without I/O: the business's 10 working
days counted by hand across 国庆 2026, what it may record and when, and when
the consumer may turn the dispute into a complaint to the bureau.

2026 calendar (国务院办公厅 notice): 国庆 and 中秋 Thu 10/1 – Wed 10/7 off,
Sun 9/20 and Sat 10/10 make-up working days."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.complaints.odr import (
    Dispute,
    Negotiation,
    OdrEnterprise,
    Status,
)
from domain.complaints.parties import Channel, Remedy, Respondent
from domain.shared.audit import Role
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.personal import PersonRef, Sealed
from tests.domain.conftest import CALENDAR, staff_audit, system_audit

APPROVER = staff_audit(Role.APPROVER, reason="企业申请入驻")
DESK = staff_audit(Role.INTAKE, reason="消费者同意先与经营者协商")
BUSINESS = system_audit("odr-business")
SHOP = Respondent(name="某某家电", uscc="91320803MA1XYW01X6", region_code="320803")


def enterprise() -> OdrEnterprise:
    return OdrEnterprise.enrol(
        audit=APPROVER,
        uscc=SHOP.uscc or "",
        name=SHOP.name,
        region_code="320803",
        unit_code="320803",
        key="ABCD" * 8,
        on=date(2026, 9, 1),
    )


def dispute(on: date, business: OdrEnterprise | None = None) -> Dispute:
    consumer = uuid4()
    return Dispute.open(
        audit=DESK,
        number=f"ODR-{consumer.hex[:6]}",
        intake_id=uuid4(),
        enterprise=business or enterprise(),
        channel=Channel.INTERNET,
        consumer=Sealed(person=PersonRef(id=consumer, pseudonym="投诉人#0001"), box=""),
        respondent=SHOP,
        facts="滤网破损",
        claim="更换",
        intake_unit_code="320803",
        unit_code="320803",
        on=on,
        calendar=CALENDAR,
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Mon 9/28: 9/29, 9/30, (10/1–7 off), 10/8, 10/9, Sat 10/10 (make-up),
        # 10/12, 10/13, 10/14, 10/15, 10/16 → Fri 16 Oct.
        (date(2026, 9, 28), date(2026, 10, 16)),
        # Fri 9/18: Sun 9/20 (make-up), 9/21–9/24, 9/28–9/30, 10/8, 10/9.
        (date(2026, 9, 18), date(2026, 10, 9)),
        # Mon 11/23, no holiday: 11/24 … 12/7.
        (date(2026, 11, 23), date(2026, 12, 7)),
    ],
)
def test_the_business_has_ten_working_days_counted_across_holidays(
    received: date, due: date
) -> None:
    assert dispute(received).answer.due.due == due


def test_the_consumer_may_escalate_only_after_no_settlement_or_no_answer_in_time() -> (
    None
):
    d = dispute(date(2026, 9, 28))
    with pytest.raises(IllegalTransitionError):
        d.escalate(uuid4(), date(2026, 10, 16), BUSINESS)  # the last day
    assert d.may_escalate(date(2026, 10, 17))
    d.escalate(uuid4(), date(2026, 10, 17), BUSINESS)
    assert d.status is Status.ESCALATED
    with pytest.raises(IllegalTransitionError):
        d.escalate(uuid4(), date(2026, 10, 18), BUSINESS)


def test_a_settlement_closes_the_matter_and_the_consumer_may_still_contest_it() -> None:
    d = dispute(date(2026, 11, 23))
    d.settle(
        Negotiation.TELEPHONE,
        date(2026, 11, 24),
        "退货退款",
        29900,
        (Remedy.REFUND, Remedy.REFUND),
        date(2026, 11, 25),
        BUSINESS,
    )
    assert (d.status, d.closed, d.remedies) == (Status.SETTLED, True, (Remedy.REFUND,))
    assert d.due_deadlines() == []
    with pytest.raises(IllegalTransitionError):
        d.record_no_settlement(
            Negotiation.ONLINE, date(2026, 11, 25), "反悔", date(2026, 11, 25), BUSINESS
        )
    with pytest.raises(IllegalTransitionError):
        d.require_negotiating()  # the consumer's details served the negotiation
    # The business alone records a settlement: the consumer may deny it.
    d.escalate(uuid4(), date(2026, 12, 20), DESK)
    (escalated,) = d.collect_events()[-1:]
    assert escalated.contested is True  # type: ignore[attr-defined]


def test_the_consumer_may_escalate_for_three_years_from_receipt_art_15_4() -> None:
    d = dispute(date(2026, 11, 23))
    d.record_no_settlement(
        Negotiation.ONLINE, date(2026, 11, 23), "未达成", date(2026, 11, 23), BUSINESS
    )
    assert d.escalation_ends == date(2029, 11, 23)
    assert d.may_escalate(date(2029, 11, 23))
    assert not d.may_escalate(date(2029, 11, 24))
    with pytest.raises(IllegalTransitionError, match="ended on 2029-11-23"):
        d.escalate(uuid4(), date(2029, 11, 24), DESK)


def test_an_unanswered_dispute_owes_nothing_more_once_the_clock_recorded_it() -> None:
    d = dispute(date(2026, 9, 28))
    assert not d.closed
    d.record_missed("odr_answer", date(2026, 10, 17), system_audit())
    assert d.closed  # retention can run; the consumer may still escalate
    assert d.may_escalate(date(2026, 10, 17))


def test_no_settlement_lets_the_consumer_escalate_at_once() -> None:
    d = dispute(date(2026, 11, 23))
    d.record_no_settlement(
        Negotiation.IN_PERSON,
        date(2026, 11, 23),
        "未达成",
        date(2026, 11, 23),
        BUSINESS,
    )
    assert d.may_escalate(date(2026, 11, 23))


@pytest.mark.parametrize(
    ("negotiated", "terms", "fen"),
    [
        (date(2026, 11, 22), "退款", 0),  # before the dispute was received
        (date(2026, 11, 26), "退款", 0),  # after today
        (date(2026, 11, 24), "  ", 0),  # nothing agreed
        (date(2026, 11, 24), "退款", -1),
    ],
)
def test_a_settlement_record_is_refused_when_it_cannot_be_true(
    negotiated: date, terms: str, fen: int
) -> None:
    d = dispute(date(2026, 11, 23))
    with pytest.raises(InvalidInputError):
        d.settle(
            Negotiation.ONLINE, negotiated, terms, fen, (), date(2026, 11, 25), BUSINESS
        )
    assert d.status is Status.NEGOTIATING


def test_the_clock_records_the_business_s_silence_once_the_day_after() -> None:
    d = dispute(date(2026, 9, 28))
    with pytest.raises(DeadlineError):
        d.record_missed("odr_answer", date(2026, 10, 16), system_audit())
    d.record_missed("odr_answer", date(2026, 10, 17), system_audit())
    assert d.missed == [("odr_answer", date(2026, 10, 16))]
    assert d.due_deadlines() == []
    # A late settlement is still one; the miss stays on record.
    d.settle(
        Negotiation.ONLINE,
        date(2026, 10, 19),
        "更换",
        0,
        (),
        date(2026, 10, 19),
        BUSINESS,
    )
    assert d.status is Status.SETTLED


def test_an_ended_enrolment_takes_no_new_dispute_and_is_enrolled_again_with_a_new_key() -> (
    None
):
    business = enterprise()
    assert business.admits("abcd-" * 7 + "abcd")  # typed in lower case, with dashes
    business.end(date(2026, 10, 1), APPROVER)
    with pytest.raises(InvalidInputError):
        dispute(date(2026, 10, 8), business)
    with pytest.raises(IllegalTransitionError):
        business.end(date(2026, 10, 2), APPROVER)
    business.reenrol("EFGH" * 8, date(2026, 10, 9), APPROVER)
    assert business.active
    assert not business.admits("ABCD" * 8)
    assert business.admits("EFGH" * 8)
    with pytest.raises(IllegalTransitionError):
        business.reenrol("IJKL" * 8, date(2026, 10, 9), APPROVER)
