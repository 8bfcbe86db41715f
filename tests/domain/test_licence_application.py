"""LicenceApplication: 行政许可法 procedure from receipt to certificate, one rule a test.

Dates are hand-counted working days of 2026 (see conftest): received Fri 9/18,
correction notice due Thu 9/24, accepted 9/24, decision due Thu 10/29.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.licensing.application import LicenceApplication, Status
from domain.licensing.parties import (
    CertificateService,
    Channel,
    ExclusionKind,
    NonAcceptanceGround,
)
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import Role
from domain.shared.errors import (
    AuditContractError,
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
)
from tests.domain.conftest import (
    ACCEPTED_ON,
    APPROVER,
    CALENDAR,
    CLERK,
    CLERK_WITH_REASON,
    COMMIT_ITEM,
    CORRECTION_DUE,
    DECISION_DUE,
    ON_SITE_ITEM,
    PLAIN_ITEM,
    PRODUCTION_ITEM,
    RECEIVED_ON,
    REVIEWER,
    REVIEWER_WITH_REASON,
    SPOT_ITEM,
    TWO_VERIFIERS,
    accepted,
    accepted_with_deficiencies,
    applicant,
    commitment_letter,
    granted,
    item,
    item_with,
    materials_of,
    receive_application,
    received,
    refused,
    settled,
    staff_audit,
    system_audit,
    verify,
)

ART_32_4 = "行政许可法 第32条第1款第4项"
ART_32_5 = "行政许可法 第32条第1款第5项"
ART_42 = "行政许可法 第42条"
ART_45 = "行政许可法 第45条"
RONGQUE = "容缺受理 (国发〔2022〕5号; DOMAIN §2.2)"
CREDIT_RULE = "国办发〔2020〕42号"
NO_REASON = staff_audit(Role.CLERK)  # a person deciding without saying why
APPROVER_NO_REASON = staff_audit(Role.APPROVER)


def in_correction(item_code: str = PLAIN_ITEM) -> LicenceApplication:
    """A correction notice for 产品照片 issued on the last day, Thu 9/24."""
    application = receive_application(item_code)
    application.request_correction(
        ("产品照片",), CORRECTION_DUE, staff_audit(Role.CLERK, reason="缺产品照片")
    )
    return settled(application)


# -- receipt -----------------------------------------------------------------------


def test_receipt_records_the_application_with_correction_due_five_working_days_later() -> (
    None
):
    application = receive_application(PLAIN_ITEM)

    [received_event] = application.collect_events()
    assert isinstance(received_event, LicenceApplication.Received)
    assert received_event.receipt_number == "32080320260918000001"
    assert received_event.item == item(PLAIN_ITEM)
    assert received_event.approval_mode is ApprovalMode.STANDARD
    assert received_event.channel is Channel.COUNTER
    assert received_event.applicant == applicant()
    assert received_event.materials == materials_of(PLAIN_ITEM)
    assert received_event.commitment is None
    assert received_event.unit_code == "320803"
    assert received_event.received_on == RECEIVED_ON
    # Fri 9/18 not counted: Sun 9/20 (调休) =1, Mon–Thu 9/21–24 =2..5.
    assert received_event.correction_due.due == date(2026, 9, 24)
    assert received_event.correction_due.working_days == 5
    assert received_event.correction_due.provisional is False
    assert received_event.audit == CLERK
    assert application.status is Status.RECEIVED


def test_receipt_normalises_the_receiving_units_code() -> None:
    application = LicenceApplication.receive(
        audit=CLERK,
        receipt_number="R-1",
        query_code_hash="0" * 64,
        item=item(PLAIN_ITEM),
        approval_mode=ApprovalMode.STANDARD,
        channel=Channel.MAIL,
        applicant=applicant(),
        agent=None,
        materials=materials_of(PLAIN_ITEM),
        commitment=None,
        unit_code="320800",
        on=RECEIVED_ON,
        calendar=CALENDAR,
    )
    assert application.unit_code == "3208"


def test_receipt_without_an_actor_is_refused() -> None:
    with pytest.raises(AuditContractError) as exc:
        receive_application(audit=None)  # type: ignore[arg-type]
    assert exc.value.rule == "DESIGN §3"


def test_receipt_in_a_mode_the_item_does_not_allow_is_refused() -> None:
    # 计量器具型式批准 is published with the standard procedure only (Art. 30).
    with pytest.raises(InvalidInputError) as exc:
        receive_application(
            PLAIN_ITEM,
            mode=ApprovalMode.NOTIFY_AND_COMMIT,
            commitment=commitment_letter(),
        )
    assert exc.value.rule == "行政许可法 第30条 (公示的办理程序)"
    assert exc.value.field == "approval_mode"


def test_notify_and_commit_without_a_commitment_letter_is_refused() -> None:
    with pytest.raises(InvalidInputError) as exc:
        receive_application(COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT)
    assert exc.value.rule is not None
    assert "优化营商环境条例 第40条" in exc.value.rule
    assert exc.value.field == "commitment"


def test_notify_and_commit_records_the_commitment_letter() -> None:
    application = receive_application(
        COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT, commitment=commitment_letter()
    )
    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Received)
    assert event.approval_mode is ApprovalMode.NOTIFY_AND_COMMIT
    assert event.commitment == commitment_letter()


def test_a_commitment_letter_outside_notify_and_commit_is_refused() -> None:
    with pytest.raises(InvalidInputError) as exc:
        receive_application(COMMIT_ITEM, commitment=commitment_letter())
    assert exc.value.field == "commitment"


@pytest.mark.parametrize(
    ("item_code", "mode", "with_letter"),
    [
        (COMMIT_ITEM, ApprovalMode.NOTIFY_AND_COMMIT, True),
        (SPOT_ITEM, ApprovalMode.ACCEPT_WITH_DEFICIENCIES, False),
    ],
)
def test_bad_credit_closes_notify_and_commit_and_accept_with_deficiencies(
    item_code: str, mode: ApprovalMode, with_letter: bool
) -> None:
    with pytest.raises(IllegalTransitionError) as exc:
        receive_application(
            item_code,
            mode=mode,
            commitment=commitment_letter() if with_letter else None,
            bad_credit=True,
        )
    assert exc.value.rule == CREDIT_RULE


def test_bad_credit_leaves_the_standard_procedure_open() -> None:
    application = receive_application(COMMIT_ITEM, bad_credit=True)
    assert application.status is Status.RECEIVED


def test_materials_that_are_not_the_items_are_refused_at_receipt() -> None:
    with pytest.raises(InvalidInputError) as exc:
        receive_application(
            PLAIN_ITEM, materials=("型式批准申请书", "法人身份证复印件")
        )
    assert exc.value.rule == "行政许可法 第31条第2款"
    assert exc.value.field == "materials"


# -- correction notice (补正) ---------------------------------------------------------


def test_correction_notice_on_the_fifth_working_day_lists_the_missing_items() -> None:
    application = received(PLAIN_ITEM, materials=("型式批准申请书",))
    audit = staff_audit(Role.CLERK, reason="材料不齐")

    application.request_correction(("型式评价报告", "产品照片"), CORRECTION_DUE, audit)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.CorrectionRequested)
    assert event.missing_items == ("型式评价报告", "产品照片")
    assert event.requested_on == date(2026, 9, 24)
    assert event.audit.reason == "材料不齐"
    assert application.status is Status.CORRECTION_REQUESTED
    assert application.outstanding_corrections == ("型式评价报告", "产品照片")


def test_second_correction_notice_is_refused() -> None:
    application = in_correction()
    with pytest.raises(IllegalTransitionError) as exc:
        application.request_correction(
            ("型式评价报告",), CORRECTION_DUE, CLERK_WITH_REASON
        )
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_second_correction_notice_is_refused_after_the_first_was_answered() -> None:
    application = in_correction()
    application.submit_corrections(("产品照片",), CORRECTION_DUE, CLERK)
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.request_correction(
            ("型式评价报告",), CORRECTION_DUE, CLERK_WITH_REASON
        )
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_correction_notice_after_the_fifth_working_day_is_refused() -> None:
    application = received()
    with pytest.raises(DeadlineError) as exc:
        # Fri 9/25 is the 6th day after receipt (a holiday, but after 9/24).
        application.request_correction(
            ("产品照片",), date(2026, 9, 25), CLERK_WITH_REASON
        )
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_correction_notice_may_only_ask_for_the_items_materials() -> None:
    application = received()
    with pytest.raises(InvalidInputError) as exc:
        application.request_correction(
            ("产品照片", "纳税证明"), CORRECTION_DUE, CLERK_WITH_REASON
        )
    assert exc.value.rule == "行政许可法 第31条第2款"
    assert exc.value.field == "missing_items"
    assert application.collect_events() == []


def test_correction_notice_must_list_at_least_one_item() -> None:
    application = received()
    with pytest.raises(InvalidInputError) as exc:
        application.request_correction((), CORRECTION_DUE, CLERK_WITH_REASON)
    assert exc.value.field == "missing_items"
    assert application.collect_events() == []


def test_correction_notice_without_a_reason_is_refused() -> None:
    application = received()
    with pytest.raises(AuditContractError) as exc:
        application.request_correction(("产品照片",), CORRECTION_DUE, NO_REASON)
    assert exc.value.rule == "DESIGN §3"
    assert application.collect_events() == []


# -- corrections submitted ------------------------------------------------------------


def test_submitted_corrections_clear_the_outstanding_items() -> None:
    application = in_correction()

    application.submit_corrections(("产品照片",), date(2026, 9, 28), CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.CorrectionsSubmitted)
    assert event.missing_items == ("产品照片",)
    assert event.submitted_on == date(2026, 9, 28)
    assert application.outstanding_corrections == ()
    assert "产品照片" in application.materials


@pytest.mark.parametrize("items", [("型式评价报告",), ("产品照片", "纳税证明"), ()])
def test_only_items_still_outstanding_can_be_submitted_as_corrections(
    items: tuple[str, ...],
) -> None:
    application = in_correction()
    with pytest.raises(InvalidInputError) as exc:
        application.submit_corrections(items, date(2026, 9, 28), CLERK)
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_corrections_without_a_notice_are_refused() -> None:
    application = received()
    with pytest.raises(IllegalTransitionError):
        application.submit_corrections(("产品照片",), CORRECTION_DUE, CLERK)
    assert application.collect_events() == []


# -- acceptance (受理) -----------------------------------------------------------------


def test_acceptance_within_five_working_days_starts_a_twenty_day_clock() -> None:
    application = received(PLAIN_ITEM)

    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Accepted)
    assert event.voucher_number == "SL-1"
    assert event.acceptance_date == date(2026, 9, 24)
    assert event.deemed is False
    assert event.decision_limit_wd == 20
    # 20 wd after Thu 9/24 (中秋 and 国庆 off, Sat 10/10 worked): Thu 10/29.
    assert event.decision_due.due == date(2026, 10, 29)
    assert event.rule == ART_32_5
    assert application.status is Status.ACCEPTED


def test_production_licence_items_get_sixty_working_days_to_decide() -> None:
    application = received(PRODUCTION_ITEM)

    application.accept("SL-1", RECEIVED_ON, CALENDAR, CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Accepted)
    assert event.decision_limit_wd == 60
    # From Fri 9/18: 30 wd end Thu 11/5; 11/6 =31; five full weeks 11/9–12/11
    # =32..56; Mon–Thu 12/14–17 =57..60.
    assert event.decision_due.due == date(2026, 12, 17)


def test_accepting_after_five_working_days_without_notice_is_deemed_from_receipt() -> (
    None
):
    application = received(PLAIN_ITEM)

    application.accept("SL-1", date(2026, 9, 28), CALENDAR, CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Accepted)
    assert event.deemed is True
    assert event.acceptance_date == RECEIVED_ON
    # 20 wd from Fri 9/18 (not from Mon 9/28): Thu 10/22.
    assert event.decision_due.due == date(2026, 10, 22)
    assert event.rule == ART_32_4


def test_acceptance_after_answered_notice_runs_from_the_acceptance_day() -> None:
    application = in_correction()
    application.submit_corrections(("产品照片",), date(2026, 9, 29), CLERK)
    settled(application)

    application.accept("SL-1", date(2026, 9, 30), CALENDAR, CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Accepted)
    assert event.deemed is False
    assert event.acceptance_date == date(2026, 9, 30)
    # From Wed 9/30: 10/8 =1, 10/9 =2, Sat 10/10 =3, 10/12–16 =4..8,
    # 10/19–23 =9..13, 10/26–30 =14..18, 11/2 =19, 11/3 =20.
    assert event.decision_due.due == date(2026, 11, 3)


def test_outstanding_corrections_block_acceptance() -> None:
    application = in_correction()
    with pytest.raises(IllegalTransitionError) as exc:
        application.accept("SL-1", date(2026, 9, 28), CALENDAR, CLERK)
    assert exc.value.rule == ART_32_5
    assert application.collect_events() == []


def test_an_accepted_application_cannot_be_accepted_again() -> None:
    application = accepted()
    with pytest.raises(IllegalTransitionError):
        application.accept("SL-2", ACCEPTED_ON, CALENDAR, CLERK)
    assert application.collect_events() == []


# -- deemed acceptance (the clock) ------------------------------------------------------


def test_clock_deems_acceptance_on_the_receipt_date_after_five_working_days() -> None:
    application = received(PLAIN_ITEM)

    application.deem_acceptance(date(2026, 9, 25), CALENDAR, system_audit())

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.AcceptanceDeemed)
    assert event.acceptance_date == RECEIVED_ON
    assert event.decision_limit_wd == 20
    assert event.decision_due.due == date(2026, 10, 22)
    assert event.audit.actor.id == "system:clock"
    assert application.status is Status.ACCEPTED


def test_acceptance_cannot_be_deemed_within_the_correction_period() -> None:
    application = received()
    with pytest.raises(DeadlineError) as exc:
        application.deem_acceptance(CORRECTION_DUE, CALENDAR, system_audit())
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_acceptance_is_not_deemed_once_a_correction_notice_was_issued() -> None:
    application = in_correction()
    with pytest.raises(IllegalTransitionError):
        application.deem_acceptance(date(2026, 10, 12), CALENDAR, system_audit())
    assert application.collect_events() == []


# -- not accepted (不予受理) -------------------------------------------------------------


def test_rejection_outside_powers_names_the_competent_agency() -> None:
    application = received()

    application.reject(
        "BSL-1",
        NonAcceptanceGround.OUTSIDE_POWERS,
        "江苏省市场监督管理局",
        CORRECTION_DUE,
        CLERK_WITH_REASON,
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.NotAccepted)
    assert event.voucher_number == "BSL-1"
    assert event.ground is NonAcceptanceGround.OUTSIDE_POWERS
    assert event.redirect_to == "江苏省市场监督管理局"
    assert event.decided_on == CORRECTION_DUE
    assert application.status is Status.NOT_ACCEPTED


@pytest.mark.parametrize("redirect_to", [None, "  "])
def test_rejection_outside_powers_without_redirect_is_refused(
    redirect_to: str | None,
) -> None:
    application = received()
    with pytest.raises(InvalidInputError) as exc:
        application.reject(
            "BSL-1",
            NonAcceptanceGround.OUTSIDE_POWERS,
            redirect_to,
            CORRECTION_DUE,
            CLERK_WITH_REASON,
        )
    assert exc.value.rule == "行政许可法 第32条第1款第2项"
    assert application.collect_events() == []


def test_rejection_without_a_reason_is_refused() -> None:
    application = received()
    with pytest.raises(AuditContractError):
        application.reject(
            "BSL-1",
            NonAcceptanceGround.NO_LICENCE_REQUIRED,
            None,
            CORRECTION_DUE,
            NO_REASON,
        )
    assert application.collect_events() == []


def test_rejection_after_deemed_acceptance_is_refused() -> None:
    application = received()
    with pytest.raises(DeadlineError) as exc:
        application.reject(
            "BSL-1",
            NonAcceptanceGround.NO_LICENCE_REQUIRED,
            None,
            date(2026, 9, 28),
            CLERK_WITH_REASON,
        )
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_corrections_not_supplied_may_be_rejected_after_five_working_days() -> None:
    application = in_correction()

    application.reject(
        "BSL-1",
        NonAcceptanceGround.CORRECTIONS_NOT_SUPPLIED,
        None,
        date(2026, 10, 30),
        CLERK_WITH_REASON,
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.NotAccepted)
    assert event.ground is NonAcceptanceGround.CORRECTIONS_NOT_SUPPLIED


# -- 容缺受理 ------------------------------------------------------------------------------


def test_accept_with_deficiencies_records_deferred_materials_and_deadline() -> None:
    application = received(
        SPOT_ITEM,
        materials=tuple(m for m in materials_of(SPOT_ITEM) if m != "安装告知书"),
    )

    # Promised limit 5 wd after Thu 9/24: 9/28–30 =1..3, 10/8 =4, 10/9 =5.
    application.accept_with_deficiencies(
        "RQ-1", ("安装告知书",), date(2026, 10, 9), ACCEPTED_ON, CALENDAR, CLERK
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.AcceptedWithDeficiencies)
    assert event.voucher_number == "RQ-1"
    assert event.acceptance_date == ACCEPTED_ON
    assert event.deficiency_items == ("安装告知书",)
    assert event.supply_deadline == date(2026, 10, 9)
    assert event.decision_limit_wd == 20
    assert event.decision_due.due == DECISION_DUE
    assert application.status is Status.ACCEPTED
    assert application.outstanding_deficiencies == ("安装告知书",)


def test_only_deferrable_materials_may_be_deferred() -> None:
    application = received(SPOT_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.accept_with_deficiencies(
            "RQ-1", ("产品合格证",), date(2026, 10, 9), ACCEPTED_ON, CALENDAR, CLERK
        )
    assert exc.value.rule == RONGQUE
    assert application.collect_events() == []


def test_accept_with_deficiencies_must_name_a_deferred_material() -> None:
    application = received(SPOT_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.accept_with_deficiencies(
            "RQ-1", (), date(2026, 10, 9), ACCEPTED_ON, CALENDAR, CLERK
        )
    assert exc.value.field == "deficiency_items"
    assert application.collect_events() == []


@pytest.mark.parametrize(
    "supply_deadline",
    [
        ACCEPTED_ON,  # must fall after today
        date(2026, 10, 10),  # the 6th wd: beyond the 5-wd promised limit
    ],
)
def test_supply_deadline_must_fall_after_today_and_within_the_promised_limit(
    supply_deadline: date,
) -> None:
    application = received(SPOT_ITEM)
    with pytest.raises(DeadlineError) as exc:
        application.accept_with_deficiencies(
            "RQ-1", ("安装告知书",), supply_deadline, ACCEPTED_ON, CALENDAR, CLERK
        )
    assert exc.value.rule == RONGQUE
    assert application.collect_events() == []


def test_accept_with_deficiencies_is_closed_to_bad_credit() -> None:
    application = received(SPOT_ITEM)
    with pytest.raises(IllegalTransitionError) as exc:
        application.accept_with_deficiencies(
            "RQ-1",
            ("安装告知书",),
            date(2026, 10, 9),
            ACCEPTED_ON,
            CALENDAR,
            CLERK,
            applicant_has_bad_credit=True,
        )
    assert exc.value.rule == CREDIT_RULE
    assert application.collect_events() == []


def test_accept_with_deficiencies_is_refused_for_items_that_do_not_allow_it() -> None:
    application = received(PLAIN_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.accept_with_deficiencies(
            "RQ-1", ("产品照片",), date(2026, 10, 9), ACCEPTED_ON, CALENDAR, CLERK
        )
    assert exc.value.rule == "行政许可法 第30条 (公示的办理程序)"
    assert application.collect_events() == []


def test_accept_with_deficiencies_after_deemed_acceptance_is_refused() -> None:
    application = received(SPOT_ITEM)
    with pytest.raises(DeadlineError) as exc:
        application.accept_with_deficiencies(
            "RQ-1",
            ("安装告知书",),
            date(2026, 10, 12),
            date(2026, 9, 28),
            CALENDAR,
            CLERK,
        )
    assert exc.value.rule == ART_32_4
    assert application.collect_events() == []


def test_deferred_materials_supplied_by_the_deadline_cure_the_deficiency() -> None:
    application = accepted_with_deficiencies()

    application.cure_deficiencies(("安装告知书",), date(2026, 10, 9), CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeficienciesCured)
    assert event.deficiency_items == ("安装告知书",)
    assert event.cured_on == date(2026, 10, 9)
    assert application.outstanding_deficiencies == ()
    assert "安装告知书" in application.materials


def test_deferred_materials_after_the_deadline_are_refused() -> None:
    application = accepted_with_deficiencies()
    with pytest.raises(DeadlineError) as exc:
        application.cure_deficiencies(("安装告知书",), date(2026, 10, 10), CLERK)
    assert exc.value.rule == "容缺受理 (DOMAIN §2.2)"
    assert application.collect_events() == []


def test_only_outstanding_deferred_materials_can_be_supplied() -> None:
    application = accepted_with_deficiencies()
    with pytest.raises(InvalidInputError) as exc:
        application.cure_deficiencies(("产品合格证",), date(2026, 10, 9), CLERK)
    assert exc.value.field == "deficiency_items"
    assert application.collect_events() == []


def test_missed_supply_deadline_terminates_processing() -> None:
    application = accepted_with_deficiencies()

    application.terminate_for_missed_supply(date(2026, 10, 10), system_audit())

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.ProcessingTerminated)
    assert event.ground == "deficiency_deadline_missed"
    assert event.terminated_on == date(2026, 10, 10)
    assert application.status is Status.TERMINATED


def test_processing_is_not_terminated_before_the_supply_deadline_passes() -> None:
    application = accepted_with_deficiencies()
    with pytest.raises(DeadlineError):
        application.terminate_for_missed_supply(date(2026, 10, 9), system_audit())
    assert application.collect_events() == []


def test_processing_is_not_terminated_once_the_deficiency_is_cured() -> None:
    application = accepted_with_deficiencies()
    application.cure_deficiencies(("安装告知书",), date(2026, 10, 9), CLERK)
    settled(application)
    with pytest.raises(IllegalTransitionError):
        application.terminate_for_missed_supply(date(2026, 10, 12), system_audit())
    assert application.collect_events() == []


def test_grant_is_blocked_while_deferred_materials_are_outstanding() -> None:
    application = accepted_with_deficiencies()
    with pytest.raises(IllegalTransitionError) as exc:
        application.grant(
            "XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER
        )
    assert exc.value.rule == "容缺受理 (DOMAIN §2.2)"
    assert application.collect_events() == []


def test_grant_is_allowed_once_deferred_materials_are_supplied() -> None:
    application = accepted_with_deficiencies()
    application.cure_deficiencies(("安装告知书",), date(2026, 10, 9), CLERK)
    settled(application)

    application.grant("XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER)

    assert application.status is Status.GRANTED


# -- verification (核查) -------------------------------------------------------------------


def test_a_verification_is_recorded_and_signed_by_its_verifier() -> None:
    application = accepted(ON_SITE_ITEM)
    first, _ = TWO_VERIFIERS

    application.record_verification(
        first, False, "书面核查符合要求", date(2026, 10, 8), date(2026, 10, 9), REVIEWER
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.VerificationRecorded)
    assert event.verifier == first
    assert event.on_site is False
    assert event.findings == "书面核查符合要求"
    assert event.verified_on == date(2026, 10, 8)
    [verification] = application.verifications
    assert verification.number == 1
    assert not verification.counted  # one signature is one person


def test_a_verification_counts_once_a_second_verifier_signs() -> None:
    application = accepted(ON_SITE_ITEM)
    first, second = TWO_VERIFIERS
    application.record_verification(
        first, True, "现场核查", date(2026, 10, 9), date(2026, 10, 9), REVIEWER
    )
    settled(application)

    application.sign_verification(1, second, date(2026, 10, 9), REVIEWER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.VerificationSigned)
    assert (event.number, event.verifier) == (1, second)
    [verification] = application.verifications
    assert [s.verifier.id for s in verification.signatures] == ["V-1", "V-2"]
    assert verification.counted


def test_the_recording_verifier_cannot_sign_twice() -> None:
    application = accepted(ON_SITE_ITEM)
    first, _ = TWO_VERIFIERS
    application.record_verification(
        first, True, "现场核查", date(2026, 10, 9), date(2026, 10, 9), REVIEWER
    )
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.sign_verification(1, first, date(2026, 10, 9), REVIEWER)
    assert exc.value.rule == "行政许可法 第34条第3款"
    assert application.collect_events() == []


def test_signing_an_unknown_verification_is_refused() -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.sign_verification(1, TWO_VERIFIERS[1], date(2026, 10, 9), REVIEWER)
    assert exc.value.field == "verification"


def test_a_grant_needs_a_verification_signed_by_two() -> None:
    application = accepted(ON_SITE_ITEM)
    application.record_verification(
        TWO_VERIFIERS[0],
        True,
        "现场核查",
        date(2026, 10, 9),
        date(2026, 10, 9),
        REVIEWER,
    )
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.grant(
            "XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER
        )
    assert exc.value.rule == "行政许可法 第34条第3款"


@pytest.mark.parametrize(
    "verified_on", [date(2026, 9, 23), date(2026, 10, 10)], ids=["early", "future"]
)
def test_a_verification_date_between_acceptance_and_today(verified_on: date) -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.record_verification(
            TWO_VERIFIERS[0], True, "现场核查", verified_on, date(2026, 10, 9), REVIEWER
        )
    assert exc.value.field == "verified_on"


def test_verification_without_findings_is_refused() -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.record_verification(
            TWO_VERIFIERS[0], True, "  ", date(2026, 10, 9), date(2026, 10, 9), REVIEWER
        )
    assert exc.value.field == "findings"
    assert application.collect_events() == []


def test_verification_before_acceptance_is_refused() -> None:
    application = received(ON_SITE_ITEM)
    with pytest.raises(IllegalTransitionError):
        application.record_verification(
            TWO_VERIFIERS[0], True, "现场核查", CORRECTION_DUE, CORRECTION_DUE, REVIEWER
        )
    assert application.collect_events() == []


# -- time not counted (Art. 45) --------------------------------------------------------


def suspended(on: date = date(2026, 10, 9)) -> LicenceApplication:
    application = accepted(ON_SITE_ITEM)
    application.suspend_clock(
        ExclusionKind.TESTING, 5, "检测约需5个工作日", on, REVIEWER_WITH_REASON
    )
    return settled(application)


def test_suspending_the_clock_records_the_notice_and_expected_days() -> None:
    application = accepted(ON_SITE_ITEM)

    application.suspend_clock(
        ExclusionKind.TESTING,
        5,
        "检测约需5个工作日",
        date(2026, 10, 9),
        REVIEWER_WITH_REASON,
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.ClockSuspended)
    assert event.kind is ExclusionKind.TESTING
    assert event.started_on == date(2026, 10, 9)
    assert event.expected_working_days == 5
    assert event.notice == "检测约需5个工作日"


@pytest.mark.parametrize(("days", "notice"), [(0, "检测约需5个工作日"), (5, "  ")])
def test_suspending_the_clock_needs_a_written_notice_and_expected_days(
    days: int, notice: str
) -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.suspend_clock(
            ExclusionKind.TESTING, days, notice, date(2026, 10, 9), REVIEWER_WITH_REASON
        )
    assert exc.value.rule == ART_45
    assert application.collect_events() == []


def test_suspending_the_clock_without_a_reason_is_refused() -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(AuditContractError):
        application.suspend_clock(
            ExclusionKind.TESTING, 5, "检测约需5个工作日", date(2026, 10, 9), REVIEWER
        )
    assert application.collect_events() == []


def test_suspending_a_stopped_clock_is_refused() -> None:
    application = suspended()
    with pytest.raises(IllegalTransitionError) as exc:
        application.suspend_clock(
            ExclusionKind.HEARING, 10, "听证", date(2026, 10, 12), REVIEWER_WITH_REASON
        )
    assert exc.value.rule == ART_45
    assert application.collect_events() == []


def test_suspension_cannot_start_before_acceptance() -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(InvalidInputError) as exc:
        application.suspend_clock(
            ExclusionKind.TESTING, 5, "检测", date(2026, 9, 23), REVIEWER_WITH_REASON
        )
    assert exc.value.field == "on"
    assert application.collect_events() == []


def test_resuming_moves_the_decision_due_by_the_excluded_working_days() -> None:
    application = suspended(on=date(2026, 10, 9))

    application.resume_clock(date(2026, 10, 16), CALENDAR, REVIEWER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.ClockResumed)
    assert event.ended_on == date(2026, 10, 16)
    # Stopped Fri 10/9, resumed Fri 10/16: Sat 10/10 (调休) + Mon–Fri 10/12–16 = 6.
    assert event.excluded_working_days == 6
    # 20 + 6 = 26 wd after 9/24: 10/29 was the 20th; 10/30 =21; 11/2–6 =22..26.
    assert event.decision_due.due == date(2026, 11, 6)
    assert application.decision_due == event.decision_due


def test_resuming_a_running_clock_is_refused() -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(IllegalTransitionError) as exc:
        application.resume_clock(date(2026, 10, 16), CALENDAR, REVIEWER)
    assert exc.value.rule == ART_45
    assert application.collect_events() == []


def test_the_clock_cannot_resume_before_it_stopped() -> None:
    application = suspended(on=date(2026, 10, 9))
    with pytest.raises(InvalidInputError):
        application.resume_clock(date(2026, 10, 8), CALENDAR, REVIEWER)
    assert application.collect_events() == []


DECISIONS: dict[str, Callable[[LicenceApplication], None]] = {
    "grant": lambda a: a.grant(
        "XK-1", UUID(int=1), False, date(2026, 10, 12), CALENDAR, APPROVER
    ),
    "refuse": lambda a: a.refuse(
        "BY-1", ("不符",), None, date(2026, 10, 12), CALENDAR, APPROVER
    ),
}


@pytest.mark.parametrize("decision", DECISIONS)
def test_deciding_while_the_clock_is_stopped_is_refused(decision: str) -> None:
    application = suspended()
    verify(application, date(2026, 10, 9))
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        DECISIONS[decision](application)
    assert exc.value.rule == ART_45
    assert application.collect_events() == []


# -- extension (Art. 42) -------------------------------------------------------------------


def test_extension_adds_ten_working_days_once() -> None:
    application = accepted()

    application.extend(date(2026, 10, 20), CALENDAR, APPROVER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineExtended)
    assert event.extension_wd == 10
    # 30 wd after 9/24: 10/29 =20, 10/30 =21, 11/2–6 =22..26, 11/9–12 =27..30.
    assert event.decision_due.due == date(2026, 11, 12)
    assert event.rule == "行政许可法 第42条第1款"
    assert application.extended is True


def test_second_extension_is_refused() -> None:
    application = accepted()
    application.extend(date(2026, 10, 20), CALENDAR, APPROVER)
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.extend(date(2026, 10, 21), CALENDAR, APPROVER)
    assert exc.value.rule == ART_42
    assert application.collect_events() == []


def test_extension_without_a_reason_is_refused() -> None:
    application = accepted()
    with pytest.raises(AuditContractError):
        application.extend(date(2026, 10, 20), CALENDAR, APPROVER_NO_REASON)
    assert application.collect_events() == []


def test_extension_after_the_limit_ran_out_is_refused() -> None:
    application = accepted()
    with pytest.raises(DeadlineError) as exc:
        application.extend(date(2026, 10, 30), CALENDAR, APPROVER)
    assert exc.value.rule == ART_42
    assert application.collect_events() == []


def test_stopping_the_clock_after_the_limit_ran_out_is_refused() -> None:
    """Time already run out cannot be excluded after the fact (Art. 45)."""
    application = accepted()  # decision due 10/29
    with pytest.raises(DeadlineError) as exc:
        application.suspend_clock(
            ExclusionKind.TESTING, 5, "送检", date(2026, 10, 30), REVIEWER_WITH_REASON
        )
    assert exc.value.rule == ART_45
    assert application.collect_events() == []


def test_an_extension_while_stopped_counts_the_day_the_clock_stopped() -> None:
    """Stopped on 10/9, inside the limit: an extension during the stop is in time,
    even on a calendar day after the original due date."""
    application = suspended(on=date(2026, 10, 9))
    application.extend(date(2026, 11, 2), CALENDAR, APPROVER)
    assert application.extended is True


def test_extension_on_the_last_day_of_the_limit_is_allowed() -> None:
    application = accepted()
    application.extend(DECISION_DUE, CALENDAR, APPROVER)
    assert application.extended is True


def test_extension_keeps_the_working_days_excluded_earlier() -> None:
    application = suspended(on=date(2026, 10, 9))
    application.resume_clock(date(2026, 10, 16), CALENDAR, REVIEWER)
    settled(application)

    application.extend(date(2026, 10, 20), CALENDAR, APPROVER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineExtended)
    # 20 + 10 + 6 excluded = 36 wd after 9/24: 11/12 =30, 11/13 =31, 11/16–20 =32..36.
    assert event.decision_due.due == date(2026, 11, 20)


def test_the_promised_limit_moves_with_excluded_time_but_not_the_extension() -> None:
    application = accepted(ON_SITE_ITEM)  # 9/24; promised 15 wd → Thu 10/22
    assert application.promised_due is not None
    assert application.promised_due.due == date(2026, 10, 22)
    application.extend(date(2026, 10, 12), CALENDAR, APPROVER)
    application.suspend_clock(
        ExclusionKind.TESTING,
        2,
        "检测约需2个工作日",
        date(2026, 10, 14),
        REVIEWER_WITH_REASON,
    )
    application.resume_clock(date(2026, 10, 16), CALENDAR, REVIEWER)

    # (10/14, 10/16] excludes 2: promised 15 + 2 = 17 wd → Mon 10/26; the
    # decision limit 20 + 10 + 2 = 32 wd → Mon 11/16.
    assert application.promised_due.due == date(2026, 10, 26)
    assert application.decision_due is not None
    assert application.decision_due.due == date(2026, 11, 16)
    limit = application.decision_limit
    assert limit is not None
    [testing] = limit.exclusions
    assert (testing.kind, testing.days, testing.expected_days) == ("testing", 2, 2)
    assert limit.extension is not None
    assert (limit.extension.days, limit.extension.rule) == (10, ART_42 + "第1款")
    assert limit.extension.reason == APPROVER.reason


def test_extension_is_refused_for_an_item_whose_rule_allows_none() -> None:
    terms = item_with(PLAIN_ITEM, extension_wd=0)
    application = receive_application(terms=terms)
    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.extend(date(2026, 10, 20), CALENDAR, APPROVER)
    assert exc.value.rule == terms.time_limit_rule
    assert application.collect_events() == []


# -- grant -------------------------------------------------------------------------------


def test_grant_records_the_decision_and_a_certificate_due_ten_working_days_later() -> (
    None
):
    application = accepted(PLAIN_ITEM)

    application.grant(
        "XK-2026-001", UUID(int=42), False, date(2026, 10, 9), CALENDAR, APPROVER
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Granted)
    assert event.decision_number == "XK-2026-001"
    assert event.decided_on == date(2026, 10, 9)
    assert event.on_the_spot is False
    assert event.within_limit is True
    assert event.licence_id == UUID(int=42)
    # 10 wd after Fri 10/9: Sat 10/10 (调休) =1, 10/12–16 =2..6, 10/19–22 =7..10.
    assert event.certificate_due.due == date(2026, 10, 22)
    assert event.audit == APPROVER
    assert application.status is Status.GRANTED
    assert application.licence_id == UUID(int=42)


def test_grant_after_the_decision_due_is_recorded_as_late() -> None:
    application = accepted(PLAIN_ITEM)

    application.grant(
        "XK-1", UUID(int=1), False, date(2026, 10, 30), CALENDAR, APPROVER
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Granted)
    assert event.within_limit is False


def test_grant_on_the_last_day_is_within_the_limit() -> None:
    application = accepted(PLAIN_ITEM)
    application.grant("XK-1", UUID(int=1), False, DECISION_DUE, CALENDAR, APPROVER)
    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Granted)
    assert event.within_limit is True


def test_grant_without_a_reason_is_refused() -> None:
    application = accepted(PLAIN_ITEM)
    with pytest.raises(AuditContractError):
        application.grant(
            "XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER_NO_REASON
        )
    assert application.collect_events() == []


def test_grant_before_acceptance_is_refused() -> None:
    application = received(PLAIN_ITEM)
    with pytest.raises(IllegalTransitionError):
        application.grant(
            "XK-1", UUID(int=1), False, CORRECTION_DUE, CALENDAR, APPROVER
        )
    assert application.collect_events() == []


def test_a_decision_cannot_predate_acceptance() -> None:
    application = accepted(PLAIN_ITEM)
    with pytest.raises(InvalidInputError):
        application.grant(
            "XK-1", UUID(int=1), False, date(2026, 9, 23), CALENDAR, APPROVER
        )
    assert application.collect_events() == []


def test_on_site_item_needs_verification_before_grant() -> None:
    application = accepted(ON_SITE_ITEM)
    with pytest.raises(IllegalTransitionError) as exc:
        application.grant(
            "XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER
        )
    assert exc.value.rule == "行政许可法 第34条第3款"
    assert application.collect_events() == []


def test_on_site_item_may_be_granted_after_verification() -> None:
    application = accepted(ON_SITE_ITEM)
    verify(application, date(2026, 10, 9))
    settled(application)

    application.grant("XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER)

    assert application.status is Status.GRANTED


def test_notify_and_commit_grants_an_on_site_item_before_verification() -> None:
    # 告知承诺: decided on the commitment; the on-site check comes after approval.
    application = accepted(
        COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT, commitment=commitment_letter()
    )

    application.grant("XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER)

    assert application.status is Status.GRANTED


def test_verify_then_issue_needs_verification_even_without_on_site_review() -> None:
    # 先核后证 (DOMAIN §2.1): verification comes before the certificate by mode.
    terms = item_with(
        PLAIN_ITEM,
        approval_modes=[ApprovalMode.STANDARD, ApprovalMode.VERIFY_THEN_ISSUE],
    )
    application = receive_application(terms=terms, mode=ApprovalMode.VERIFY_THEN_ISSUE)
    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.grant(
            "XK-1", UUID(int=1), False, date(2026, 10, 9), CALENDAR, APPROVER
        )
    assert exc.value.rule == "行政许可法 第34条第3款"
    assert application.collect_events() == []


def test_on_the_spot_grant_on_the_acceptance_day() -> None:
    application = accepted(SPOT_ITEM, accepted_on=RECEIVED_ON)

    application.grant("XK-1", UUID(int=1), True, RECEIVED_ON, CALENDAR, APPROVER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Granted)
    assert event.on_the_spot is True
    assert event.decided_on == RECEIVED_ON


def test_on_the_spot_grant_after_the_acceptance_day_is_refused() -> None:
    application = accepted(SPOT_ITEM)
    with pytest.raises(IllegalTransitionError) as exc:
        application.grant(
            "XK-1", UUID(int=1), True, date(2026, 9, 28), CALENDAR, APPROVER
        )
    assert exc.value.rule == "行政许可法 第34条第2款"
    assert application.collect_events() == []


def test_on_the_spot_grant_for_an_item_that_does_not_allow_it_is_refused() -> None:
    application = accepted(PLAIN_ITEM)
    with pytest.raises(IllegalTransitionError) as exc:
        application.grant("XK-1", UUID(int=1), True, ACCEPTED_ON, CALENDAR, APPROVER)
    assert exc.value.rule == "行政许可法 第34条第2款"
    assert application.collect_events() == []


# -- refusal ---------------------------------------------------------------------------


def test_refusal_tells_of_remedies_until_sixty_days_later_moved_off_the_holiday() -> (
    None
):
    # Received Mon 8/3, accepted Tue 8/4, refused Wed 8/5.
    application = accepted(
        PLAIN_ITEM, on=date(2026, 8, 3), accepted_on=date(2026, 8, 4)
    )

    application.refuse(
        "BY-1", ("型式评价不合格",), "JJG 539", date(2026, 8, 5), CALENDAR, APPROVER
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Refused)
    assert event.decision_number == "BY-1"
    assert event.decided_on == date(2026, 8, 5)
    assert event.reasons == ("型式评价不合格",)
    assert event.technical_standard == "JJG 539"
    assert event.within_limit is True
    # 8/5 + 60 days = Sun 10/4 (国庆); the next working day is Thu 10/8.
    assert event.remedy.reconsideration_until == date(2026, 10, 8)
    assert event.remedy.reconsideration_days == 60
    # The notice states the period, counted from service of the decision.
    assert "自收到本决定书之日起60日内" in event.remedy.text
    assert "6个月内" in event.remedy.text
    assert application.status is Status.REFUSED


def test_refusal_without_reasons_is_refused() -> None:
    application = accepted()
    with pytest.raises(InvalidInputError) as exc:
        application.refuse(
            "BY-1", ("", "  "), None, date(2026, 10, 9), CALENDAR, APPROVER
        )
    assert exc.value.rule == "行政许可法 第38条第2款"
    assert application.collect_events() == []


def test_refusal_interview_is_at_the_applicants_county_unit() -> None:
    application = accepted(PLAIN_ITEM, who=applicant(region_code="320803"))

    application.refuse("BY-1", ("不符",), None, date(2026, 10, 9), CALENDAR, APPROVER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Refused)
    assert event.interview_unit_code == "320803"
    assert event.interview_escalated is False


def test_refusal_interview_for_a_safety_critical_item_goes_to_the_city_unit() -> None:
    application = accepted(SPOT_ITEM, who=applicant(region_code="320803"))

    application.refuse("BY-1", ("不符",), None, date(2026, 10, 9), CALENDAR, APPROVER)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Refused)
    assert event.interview_unit_code == "3208"
    assert event.interview_escalated is True


def test_refusal_after_the_decision_due_is_recorded_as_late() -> None:
    application = accepted()
    application.refuse("BY-1", ("不符",), None, date(2026, 10, 30), CALENDAR, APPROVER)
    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Refused)
    assert event.within_limit is False


# -- refusal interview (约谈) -------------------------------------------------------------


def test_interview_is_scheduled_at_the_interview_unit() -> None:
    application = refused(SPOT_ITEM)

    application.schedule_interview(
        date(2026, 10, 16), "连云港市局三楼会议室", date(2026, 10, 12), CLERK
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.InterviewScheduled)
    assert event.unit_code == "3208"
    assert event.scheduled_for == date(2026, 10, 16)
    assert event.place == "连云港市局三楼会议室"


@pytest.mark.parametrize(
    ("scheduled_for", "place"),
    [(date(2026, 10, 9), "会议室"), (date(2026, 10, 16), " ")],
)
def test_interview_needs_a_coming_date_and_a_place(
    scheduled_for: date, place: str
) -> None:
    application = refused()
    with pytest.raises(InvalidInputError):
        application.schedule_interview(scheduled_for, place, date(2026, 10, 12), CLERK)
    assert application.collect_events() == []


def test_interview_is_only_for_refused_applications() -> None:
    application = granted()
    with pytest.raises(IllegalTransitionError):
        application.schedule_interview(
            date(2026, 10, 16), "会议室", date(2026, 10, 12), CLERK
        )
    assert application.collect_events() == []


def test_interview_record_notes_attendees_and_what_was_said() -> None:
    application = refused()
    application.schedule_interview(
        date(2026, 10, 16), "会议室", date(2026, 10, 12), CLERK
    )
    settled(application)

    application.record_interview(
        date(2026, 10, 16), ("张三", "核查员V-1"), "告知不予许可理由及救济途径", CLERK
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.InterviewHeld)
    assert event.held_on == date(2026, 10, 16)
    assert event.attendees == ("张三", "核查员V-1")
    assert event.record == "告知不予许可理由及救济途径"
    assert application.interview_held is True


def test_interview_cannot_be_recorded_before_it_is_scheduled() -> None:
    application = refused()
    with pytest.raises(IllegalTransitionError):
        application.record_interview(date(2026, 10, 16), ("张三",), "记录", CLERK)
    assert application.collect_events() == []


def test_interview_needs_attendees_and_a_record() -> None:
    application = refused()
    application.schedule_interview(
        date(2026, 10, 16), "会议室", date(2026, 10, 12), CLERK
    )
    settled(application)
    with pytest.raises(InvalidInputError):
        application.record_interview(date(2026, 10, 16), (), "记录", CLERK)
    assert application.collect_events() == []


def held_interview() -> LicenceApplication:
    application = refused()
    application.schedule_interview(
        date(2026, 10, 16), "会议室", date(2026, 10, 12), CLERK
    )
    application.record_interview(date(2026, 10, 16), ("张三",), "记录", CLERK)
    return settled(application)


def test_a_held_interview_is_not_recorded_again() -> None:
    application = held_interview()
    with pytest.raises(IllegalTransitionError):
        application.record_interview(date(2026, 10, 16), ("张三",), "再记录", CLERK)
    assert application.collect_events() == []


def test_a_held_interview_is_not_rescheduled() -> None:
    application = held_interview()
    with pytest.raises(IllegalTransitionError):
        application.schedule_interview(
            date(2026, 10, 20), "会议室", date(2026, 10, 19), CLERK
        )
    assert application.collect_events() == []


# -- certificate ------------------------------------------------------------------------


def test_certificate_issued_by_the_due_day_is_within_the_limit() -> None:
    application = granted()

    application.issue_certificate("ZS-1", date(2026, 10, 22), CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.CertificateIssued)
    assert event.certificate_number == "ZS-1"
    assert event.issued_on == date(2026, 10, 22)
    assert event.within_limit is True
    assert application.status is Status.CERTIFICATE_ISSUED


def test_certificate_issued_after_the_due_day_is_recorded_as_late() -> None:
    application = granted()

    application.issue_certificate("ZS-1", date(2026, 10, 23), CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.CertificateIssued)
    assert event.within_limit is False


def test_issued_certificate_is_served() -> None:
    application = granted()
    application.issue_certificate("ZS-1", date(2026, 10, 12), CLERK)
    settled(application)

    application.serve_certificate(CertificateService.POST, date(2026, 10, 13), CLERK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.CertificateServed)
    assert event.served_on == date(2026, 10, 13)
    assert event.method is CertificateService.POST
    assert application.status is Status.CERTIFICATE_SERVED


def test_certificate_cannot_be_served_before_it_is_issued() -> None:
    application = granted()
    with pytest.raises(IllegalTransitionError):
        application.serve_certificate(
            CertificateService.IN_PERSON, date(2026, 10, 13), CLERK
        )
    assert application.collect_events() == []


def test_no_certificate_for_a_refused_application() -> None:
    application = refused()
    with pytest.raises(IllegalTransitionError):
        application.issue_certificate("ZS-1", date(2026, 10, 12), CLERK)
    assert application.collect_events() == []


# -- withdrawal by the applicant ---------------------------------------------------------


@pytest.mark.parametrize("stage", ["received", "in_correction", "accepted"])
def test_applicant_may_withdraw_before_the_decision(stage: str) -> None:
    application = {
        "received": received,
        "in_correction": in_correction,
        "accepted": accepted,
    }[stage]()

    application.withdraw(date(2026, 10, 9), CLERK_WITH_REASON)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.Withdrawn)
    assert event.withdrawn_on == date(2026, 10, 9)
    assert event.audit.reason == CLERK_WITH_REASON.reason
    assert application.status is Status.WITHDRAWN


def test_withdrawal_without_a_reason_is_refused() -> None:
    application = received()
    with pytest.raises(AuditContractError):
        application.withdraw(date(2026, 10, 9), NO_REASON)
    assert application.collect_events() == []


def test_withdrawal_after_the_decision_is_refused() -> None:
    application = granted()
    with pytest.raises(IllegalTransitionError):
        application.withdraw(date(2026, 10, 12), CLERK_WITH_REASON)
    assert application.collect_events() == []


# -- final states ------------------------------------------------------------------------

Command = Callable[[LicenceApplication], None]
LATER = date(2026, 10, 26)

COMMANDS: dict[str, Command] = {
    "request_correction": lambda a: a.request_correction(
        ("产品合格证",), CORRECTION_DUE, CLERK_WITH_REASON
    ),
    "submit_corrections": lambda a: a.submit_corrections(("产品合格证",), LATER, CLERK),
    "accept": lambda a: a.accept("SL-9", LATER, CALENDAR, CLERK),
    "accept_with_deficiencies": lambda a: a.accept_with_deficiencies(
        "RQ-9", ("安装告知书",), date(2026, 10, 27), LATER, CALENDAR, CLERK
    ),
    "deem_acceptance": lambda a: a.deem_acceptance(LATER, CALENDAR, system_audit()),
    "reject": lambda a: a.reject(
        "BSL-9",
        NonAcceptanceGround.NO_LICENCE_REQUIRED,
        None,
        CORRECTION_DUE,
        CLERK_WITH_REASON,
    ),
    "cure_deficiencies": lambda a: a.cure_deficiencies(("安装告知书",), LATER, CLERK),
    "terminate_for_missed_supply": lambda a: a.terminate_for_missed_supply(
        LATER, system_audit()
    ),
    "record_verification": lambda a: a.record_verification(
        TWO_VERIFIERS[0], True, "核查", LATER, LATER, REVIEWER
    ),
    "suspend_clock": lambda a: a.suspend_clock(
        ExclusionKind.TESTING, 5, "检测", LATER, REVIEWER_WITH_REASON
    ),
    "resume_clock": lambda a: a.resume_clock(LATER, CALENDAR, REVIEWER),
    "extend": lambda a: a.extend(LATER, CALENDAR, APPROVER),
    "grant": lambda a: a.grant("XK-9", UUID(int=9), False, LATER, CALENDAR, APPROVER),
    "refuse": lambda a: a.refuse("BY-9", ("不符",), None, LATER, CALENDAR, APPROVER),
    "schedule_interview": lambda a: a.schedule_interview(
        date(2026, 10, 30), "会议室", LATER, CLERK
    ),
    "record_interview": lambda a: a.record_interview(LATER, ("张三",), "记录", CLERK),
    "issue_certificate": lambda a: a.issue_certificate("ZS-9", LATER, CLERK),
    "serve_certificate": lambda a: a.serve_certificate(
        CertificateService.POST, LATER, CLERK
    ),
    "withdraw": lambda a: a.withdraw(LATER, CLERK_WITH_REASON),
}


def _withdrawn() -> LicenceApplication:
    application = received(SPOT_ITEM)
    application.withdraw(CORRECTION_DUE, CLERK_WITH_REASON)
    return settled(application)


def _not_accepted() -> LicenceApplication:
    application = received(SPOT_ITEM)
    application.reject(
        "BSL-1",
        NonAcceptanceGround.FALSE_MATERIALS,
        None,
        CORRECTION_DUE,
        CLERK_WITH_REASON,
    )
    return settled(application)


def _terminated() -> LicenceApplication:
    application = accepted_with_deficiencies(SPOT_ITEM)
    application.terminate_for_missed_supply(date(2026, 10, 12), system_audit())
    return settled(application)


def _served() -> LicenceApplication:
    application = granted(SPOT_ITEM)
    application.issue_certificate("ZS-1", date(2026, 10, 12), CLERK)
    application.serve_certificate(CertificateService.POST, date(2026, 10, 13), CLERK)
    return settled(application)


def _refused() -> LicenceApplication:
    return refused(SPOT_ITEM)


FINAL_STATES: dict[str, Callable[[], LicenceApplication]] = {
    "withdrawn": _withdrawn,
    "not_accepted": _not_accepted,
    "terminated": _terminated,
    "certificate_served": _served,
    "refused": _refused,
}
# A refused application still has its interview ahead of it.
STILL_OPEN_AFTER_REFUSAL = {"schedule_interview", "record_interview"}


@pytest.mark.parametrize(
    ("state", "command"),
    [
        (state, command)
        for state in FINAL_STATES
        for command in COMMANDS
        if not (state == "refused" and command in STILL_OPEN_AFTER_REFUSAL)
    ],
)
def test_every_command_after_a_final_state_is_refused_naming_its_rule(
    state: str, command: str
) -> None:
    application = FINAL_STATES[state]()
    status = application.status
    with pytest.raises(IllegalTransitionError) as refused:
        COMMANDS[command](application)
    assert refused.value.rule  # every refusal names the rule it enforces
    assert application.collect_events() == []
    assert application.status is status


def test_the_final_state_fixtures_are_final() -> None:
    assert {state: FINAL_STATES[state]().status for state in FINAL_STATES} == {
        "withdrawn": Status.WITHDRAWN,
        "not_accepted": Status.NOT_ACCEPTED,
        "terminated": Status.TERMINATED,
        "certificate_served": Status.CERTIFICATE_SERVED,
        "refused": Status.REFUSED,
    }


def test_a_command_without_an_audit_stamp_is_refused() -> None:
    application = accepted()
    with pytest.raises(AuditContractError):
        application.record_verification(
            TWO_VERIFIERS[0],
            True,
            "核查",
            date(2026, 10, 9),
            date(2026, 10, 9),
            None,  # type: ignore[arg-type]
        )
    assert application.collect_events() == []
