"""Licence: validity, renewal (Art. 50), change (Art. 49), 告知承诺 follow-up,
撤回 (Art. 8), 撤销 (Art. 69), 注销 (Art. 70) and expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.licensing.licence import (
    CancellationGround,
    Licence,
    LicenceChange,
    LicenceStatus,
    ReissueCause,
    RevocationGround,
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
    APPROVER,
    CALENDAR,
    CLERK,
    COMMIT_ITEM,
    ON_SITE_ITEM,
    PLAIN_ITEM,
    PRODUCTION_ITEM,
    REVIEWER_WITH_REASON,
    TWO_VERIFIERS,
    applicant,
    check_commitment,
    issue_licence,
    licence,
    settled,
    staff_audit,
    system_audit,
)

APPROVER_NO_REASON = staff_audit(Role.APPROVER)
# A 5-year (60-month) 计量标准考核证书 issued on Sun 2026-03-15.
VALID_UNTIL = date(2031, 3, 14)


def commitment_licence() -> Licence:
    return licence(COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT)


def revoked_licence() -> Licence:
    lic = licence()
    lic.revoke(RevocationGround.INELIGIBLE_APPLICANT, 0, date(2027, 1, 5), APPROVER)
    return settled(lic)


def expired_licence() -> Licence:
    lic = licence()
    lic.expire(date(2031, 3, 15), staff_audit(Role.CLERK))
    return settled(lic)


# -- issue and validity ----------------------------------------------------------------


def test_issued_licence_records_the_grant_and_its_validity() -> None:
    lic = issue_licence(ON_SITE_ITEM, valid_from=date(2026, 3, 15))

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Issued)
    assert event.originator_id == UUID(int=7)
    assert event.holder == applicant()
    assert event.item_code == ON_SITE_ITEM
    assert event.item_name == "计量标准考核"
    assert event.certificate_name == "计量标准考核证书"
    assert event.valid_from == date(2026, 3, 15)
    # 60 months from 2026-03-15 end the day before 2031-03-15.
    assert event.valid_until == VALID_UNTIL
    assert event.renewal_lead_days == 30
    assert event.application_id == UUID(int=1)
    assert event.decision_number == "XK-2026-001"
    assert event.authority_unit_code == "320803"
    assert event.approval_mode is ApprovalMode.STANDARD
    assert event.post_verification_due is None
    assert lic.status is LicenceStatus.VALID


def test_licence_without_a_validity_period_never_expires() -> None:
    lic = licence(PLAIN_ITEM)  # 计量器具型式批准证书: no validity_months
    assert lic.valid_until is None
    assert lic.renewal_deadline is None


def test_licence_without_a_scope_is_refused() -> None:
    with pytest.raises(InvalidInputError) as exc:
        Licence.issue(
            licence_id=UUID(int=7),
            audit=APPROVER,
            licence_number="N-1",
            holder=applicant(),
            item_code=ON_SITE_ITEM,
            item_name="计量标准考核",
            certificate_name="计量标准考核证书",
            scope="  ",
            valid_from=date(2026, 3, 15),
            validity_months=60,
            renewal_lead_days=30,
            application_id=UUID(int=1),
            decision_number="XK-1",
            authority_unit_code="320803",
            approval_mode=ApprovalMode.STANDARD,
            calendar=CALENDAR,
        )
    assert exc.value.field == "scope"


def test_notify_and_commit_licence_schedules_a_post_approval_verification() -> None:
    lic = issue_licence(
        COMMIT_ITEM, valid_from=date(2026, 3, 15), mode=ApprovalMode.NOTIFY_AND_COMMIT
    )
    [event] = lic.collect_events()
    assert isinstance(event, Licence.Issued)
    assert event.post_verification_due is not None
    # 60 wd after Sun 3/15: 3/16–4/3 =1..15; 清明 4/4–6 off; 4/7–10 =16..19;
    # 4/13–30 =20..33; 5/1–5 off; 5/6–8 =34..36, Sat 5/9 (调休) =37;
    # 5/11–6/5 =38..57; 6/8–10 =58..60.
    assert event.post_verification_due.due == date(2026, 6, 10)
    assert event.post_verification_due.working_days == 60


# -- renewal (延续, Art. 50) -------------------------------------------------------------


def test_renewal_deadline_is_thirty_days_before_expiry() -> None:
    # 2031-03-14 − 30 days = 2031-02-12.
    assert licence(ON_SITE_ITEM).renewal_deadline == date(2031, 2, 12)


def test_production_licence_renewal_deadline_is_six_calendar_months_before_expiry() -> (
    None
):
    # 条例 Art. 25: 6 months before 2031-03-14 is 2030-09-14 (not 183 days, 09-12).
    lic = licence(PRODUCTION_ITEM, valid_from=date(2026, 3, 15))
    assert lic.valid_until == VALID_UNTIL
    assert lic.renewal_deadline == date(2030, 9, 14)


def test_six_months_before_an_end_of_month_expiry_is_clamped_to_that_month() -> None:
    # Valid from 2026-09-01 for 5 years → until 2031-08-31; 6 months back is
    # 2031-02-31, which does not exist: the last day of February, 2031-02-28.
    lic = licence(PRODUCTION_ITEM, valid_from=date(2026, 9, 1))
    assert lic.valid_until == date(2031, 8, 31)
    assert lic.renewal_deadline == date(2031, 2, 28)


def test_renewal_requested_by_the_deadline_is_recorded() -> None:
    lic = licence()

    lic.request_renewal(date(2031, 2, 12), CLERK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.RenewalRequested)
    assert event.requested_on == date(2031, 2, 12)
    assert event.rule == "行政许可法 第50条"
    assert lic.renewal_requested_on == date(2031, 2, 12)


def test_renewal_requested_too_late_is_refused() -> None:
    lic = licence()
    with pytest.raises(DeadlineError) as exc:
        lic.request_renewal(date(2031, 2, 13), CLERK)
    assert exc.value.rule == "行政许可法 第50条"
    assert lic.collect_events() == []


def test_renewal_cannot_be_requested_twice() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 1, 5), CLERK)
    settled(lic)
    with pytest.raises(IllegalTransitionError):
        lic.request_renewal(date(2031, 1, 6), CLERK)
    assert lic.collect_events() == []


def test_licence_without_validity_cannot_be_renewed() -> None:
    lic = licence(PLAIN_ITEM)
    with pytest.raises(IllegalTransitionError):
        lic.request_renewal(date(2031, 1, 5), CLERK)
    assert lic.collect_events() == []


def test_renewal_extends_validity_by_the_items_period() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 1, 5), CLERK)
    settled(lic)

    lic.renew("YX-2031-001", 60, date(2031, 2, 20), APPROVER)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Renewed)
    assert event.decision_number == "YX-2031-001"
    # The next period starts 2031-03-15 and runs 60 months: until 2036-03-14.
    assert event.valid_until == date(2036, 3, 14)
    assert event.renewed_on == date(2031, 2, 20)
    assert lic.valid_until == date(2036, 3, 14)
    assert lic.renewal_requested_on is None


def test_renewal_continues_from_the_day_after_expiry_at_a_month_end() -> None:
    # From 2026-03-01 the licence runs until Fri 2031-02-28; the renewed period
    # starts 2031-03-01 and ends the day before 2036-03-01: 2036-02-29 (leap).
    lic = licence(valid_from=date(2026, 3, 1))
    assert lic.valid_until == date(2031, 2, 28)
    lic.request_renewal(date(2031, 1, 5), CLERK)
    settled(lic)

    lic.renew("YX-2031-001", 60, date(2031, 2, 20), APPROVER)

    assert lic.valid_until == date(2036, 2, 29)


def test_renewal_without_a_request_is_refused() -> None:
    lic = licence()
    with pytest.raises(IllegalTransitionError):
        lic.renew("YX-1", 60, date(2031, 2, 20), APPROVER)
    assert lic.collect_events() == []


def test_renewal_decision_without_a_reason_is_refused() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 1, 5), CLERK)
    settled(lic)
    with pytest.raises(AuditContractError):
        lic.renew("YX-1", 60, date(2031, 2, 20), APPROVER_NO_REASON)
    assert lic.collect_events() == []


# -- change and reissue ------------------------------------------------------------------


def test_change_records_the_changed_fields_and_updates_the_holder() -> None:
    lic = licence()
    change = LicenceChange(holder_name="连云港新名称计量有限公司")

    lic.change(change, "BG-2027-001", date(2027, 4, 1), APPROVER)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Changed)
    assert event.change == change
    assert event.decision_number == "BG-2027-001"
    assert event.changed_on == date(2027, 4, 1)
    assert lic.holder.name == "连云港新名称计量有限公司"
    assert lic.holder.uscc == applicant().uscc


def test_change_of_scope_and_address() -> None:
    lic = licence()
    lic.change(
        LicenceChange(scope="新许可范围", address="新地址2号"),
        "BG-1",
        date(2027, 4, 1),
        APPROVER,
    )
    assert lic.scope == "新许可范围"
    assert lic.holder.address == "新地址2号"


def test_change_must_name_at_least_one_field() -> None:
    lic = licence()
    with pytest.raises(InvalidInputError) as exc:
        lic.change(LicenceChange(), "BG-1", date(2027, 4, 1), APPROVER)
    assert exc.value.field == "change"
    assert lic.collect_events() == []


def test_change_without_a_reason_is_refused() -> None:
    lic = licence()
    with pytest.raises(AuditContractError):
        lic.change(
            LicenceChange(scope="新范围"), "BG-1", date(2027, 4, 1), APPROVER_NO_REASON
        )
    assert lic.collect_events() == []


def test_reissued_certificate_is_counted() -> None:
    lic = licence()

    lic.reissue_certificate(ReissueCause.LOST, date(2027, 5, 6), CLERK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.CertificateReissued)
    assert event.cause is ReissueCause.LOST
    assert event.reissued_on == date(2027, 5, 6)
    assert lic.reissues == 1


# -- 告知承诺 follow-up (后置核查) -------------------------------------------------------------


def test_verified_commitment_closes_the_follow_up() -> None:
    lic = commitment_licence()

    check_commitment(lic, "现场核查与承诺一致", False, date(2026, 5, 6))

    recorded, event = lic.collect_events()
    assert isinstance(recorded, Licence.CommitmentCheckRecorded)
    assert recorded.verifier == TWO_VERIFIERS[0]
    assert isinstance(event, Licence.CommitmentVerified)
    assert event.verifiers == TWO_VERIFIERS
    assert event.findings == "现场核查与承诺一致"
    assert event.verified_on == date(2026, 5, 6)
    assert lic.post_verification_due is None
    assert lic.status is LicenceStatus.VALID


def test_a_reviewer_finding_a_false_commitment_records_it_but_does_not_revoke() -> None:
    lic = commitment_licence()

    check_commitment(lic, "承诺不实", True, date(2026, 5, 6))

    _, breached = lic.collect_events()
    assert isinstance(breached, Licence.CommitmentBreached)
    assert breached.findings == "承诺不实"
    assert breached.verified_on == date(2026, 5, 6)
    # Revocation (Art. 69 ¶2) is the approver's own decision, not the reviewer's.
    assert lic.status is LicenceStatus.VALID
    assert lic.commitment_breached


def test_an_approver_revokes_for_a_breached_commitment_with_the_ban() -> None:
    lic = commitment_licence()
    check_commitment(lic, "承诺不实", True, date(2026, 5, 6))
    lic.collect_events()

    lic.revoke(RevocationGround.COMMITMENT_BREACHED, 3, date(2026, 5, 8), APPROVER)

    [revoked] = lic.collect_events()
    assert isinstance(revoked, Licence.Revoked)
    assert revoked.ground is RevocationGround.COMMITMENT_BREACHED
    assert revoked.reapplication_banned_until == date(2029, 5, 8)
    assert lic.status is LicenceStatus.REVOKED


def test_revoking_for_a_breached_commitment_needs_the_finding_first() -> None:
    lic = commitment_licence()
    with pytest.raises(IllegalTransitionError) as refused:
        lic.revoke(RevocationGround.COMMITMENT_BREACHED, 0, date(2026, 5, 8), APPROVER)
    assert "第69条" in (refused.value.rule or "")
    assert lic.collect_events() == []


def test_a_commitment_found_false_cannot_be_checked_again() -> None:
    lic = commitment_licence()
    check_commitment(lic, "承诺不实", True, date(2026, 5, 6))
    lic.collect_events()
    with pytest.raises(IllegalTransitionError):
        check_commitment(lic, "复核", False, date(2026, 5, 7))
    assert lic.collect_events() == []


def test_a_commitment_check_stands_only_once_a_second_verifier_signs() -> None:
    lic = commitment_licence()
    first, _ = TWO_VERIFIERS
    lic.record_commitment_check(
        first, "承诺不实", True, date(2026, 5, 6), REVIEWER_WITH_REASON
    )
    settled(lic)
    assert not lic.commitment_breached  # one person's finding is not yet the outcome
    assert lic.post_verification_due is not None
    with pytest.raises(IllegalTransitionError) as exc:
        lic.sign_commitment_check(first, date(2026, 5, 6), REVIEWER_WITH_REASON)
    assert exc.value.rule == "行政许可法 第34条"
    with pytest.raises(IllegalTransitionError):  # one check at a time
        lic.record_commitment_check(
            first, "复核", False, date(2026, 5, 6), REVIEWER_WITH_REASON
        )
    assert lic.collect_events() == []


def test_commitment_check_is_only_for_notify_and_commit_licences() -> None:
    lic = licence()
    with pytest.raises(IllegalTransitionError):
        check_commitment(lic, "核查", False, date(2026, 5, 6))
    assert lic.collect_events() == []


def test_commitment_check_without_a_reason_is_refused() -> None:
    lic = commitment_licence()
    with pytest.raises(AuditContractError):
        lic.record_commitment_check(
            TWO_VERIFIERS[0],
            "核查",
            False,
            date(2026, 5, 6),
            staff_audit(Role.REVIEWER),
        )
    assert lic.collect_events() == []


# -- 撤回 (Art. 8) -------------------------------------------------------------------------


def test_withdrawal_records_the_compensation() -> None:
    lic = licence()

    lic.withdraw("按评估价补偿设备损失12万元", date(2027, 6, 1), APPROVER)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Withdrawn)
    assert event.compensation == "按评估价补偿设备损失12万元"
    assert event.withdrawn_on == date(2027, 6, 1)
    assert lic.status is LicenceStatus.WITHDRAWN


def test_withdrawal_without_a_compensation_statement_is_refused() -> None:
    lic = licence()
    with pytest.raises(InvalidInputError) as exc:
        lic.withdraw("  ", date(2027, 6, 1), APPROVER)
    assert exc.value.rule == "行政许可法 第8条第2款"
    assert lic.collect_events() == []


# -- 撤销 (Art. 69) ------------------------------------------------------------------------


def test_revocation_records_the_ground_and_the_article() -> None:
    lic = licence()

    lic.revoke(RevocationGround.PROCEDURE_VIOLATED, 0, date(2027, 1, 5), APPROVER)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Revoked)
    assert event.ground is RevocationGround.PROCEDURE_VIOLATED
    assert event.revoked_on == date(2027, 1, 5)
    assert event.reapplication_banned_until is None
    assert event.rule == "行政许可法 第69条"
    assert lic.status is LicenceStatus.REVOKED


def test_revocation_for_fraud_bans_reapplication_for_three_years() -> None:
    lic = licence()

    lic.revoke(RevocationGround.FRAUD_OR_BRIBERY, 3, date(2027, 1, 5), APPROVER)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Revoked)
    assert event.reapplication_banned_until == date(2030, 1, 5)


@pytest.mark.parametrize("ban_years", [1, 2, 5])
def test_revocation_for_fraud_with_another_ban_length_is_refused(
    ban_years: int,
) -> None:
    lic = licence()
    with pytest.raises(InvalidInputError) as exc:
        lic.revoke(
            RevocationGround.FRAUD_OR_BRIBERY, ban_years, date(2027, 1, 5), APPROVER
        )
    assert exc.value.rule == "行政许可法 第79条"
    assert lic.collect_events() == []


def test_revocation_without_a_reason_is_refused() -> None:
    lic = licence()
    with pytest.raises(AuditContractError):
        lic.revoke(RevocationGround.OTHER, 0, date(2027, 1, 5), APPROVER_NO_REASON)
    assert lic.collect_events() == []


# -- 注销 (Art. 70) ------------------------------------------------------------------------


def test_cancellation_records_the_ground() -> None:
    lic = licence()

    lic.cancel(CancellationGround.ENTITY_TERMINATED, date(2027, 8, 3), APPROVER)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Cancelled)
    assert event.ground is CancellationGround.ENTITY_TERMINATED
    assert event.cancelled_on == date(2027, 8, 3)
    assert lic.status is LicenceStatus.CANCELLED


def test_cancellation_as_expired_before_expiry_is_refused() -> None:
    lic = licence()
    with pytest.raises(IllegalTransitionError) as exc:
        lic.cancel(CancellationGround.EXPIRED_NOT_RENEWED, date(2031, 3, 14), APPROVER)
    assert exc.value.rule == "行政许可法 第70条"
    assert lic.collect_events() == []


def test_cancelling_a_valid_licence_as_revoked_or_withdrawn_is_refused() -> None:
    lic = licence()
    with pytest.raises(IllegalTransitionError) as exc:
        lic.cancel(CancellationGround.REVOKED_OR_WITHDRAWN, date(2027, 1, 5), APPROVER)
    assert exc.value.rule == "行政许可法 第70条"
    assert lic.collect_events() == []


def test_a_revoked_licence_is_cancelled_on_that_ground() -> None:
    lic = licence()
    lic.revoke(RevocationGround.INELIGIBLE_APPLICANT, 0, date(2027, 1, 5), APPROVER)
    lic.cancel(CancellationGround.REVOKED_OR_WITHDRAWN, date(2027, 1, 6), APPROVER)
    assert lic.status is LicenceStatus.CANCELLED


def test_a_licence_with_a_timely_undecided_renewal_does_not_expire() -> None:
    """Art. 50 ¶2: it is deemed renewed instead."""
    lic = licence()  # valid until 2031-03-14, renewal by 2031-02-12
    lic.request_renewal(date(2031, 2, 1), staff_audit(Role.CLERK))
    lic.collect_events()
    with pytest.raises(IllegalTransitionError) as exc:
        lic.expire(date(2031, 3, 15), system_audit())
    assert exc.value.rule == "行政许可法 第50条"
    assert lic.collect_events() == []


def test_renewal_undecided_at_expiry_is_deemed_granted_for_a_new_period() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 2, 1), staff_audit(Role.CLERK))
    lic.collect_events()
    lic.deem_renewal(60, date(2031, 3, 15), system_audit())
    [event] = lic.collect_events()
    assert isinstance(event, Licence.RenewalDeemedGranted)
    # The new period starts 2031-03-15: valid until 2036-03-14.
    assert event.valid_until == date(2036, 3, 14)
    assert lic.valid_until == date(2036, 3, 14)
    assert lic.renewal_requested_on is None


def test_renewal_is_not_deemed_before_the_licence_runs_out() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 2, 1), staff_audit(Role.CLERK))
    lic.collect_events()
    with pytest.raises(DeadlineError):
        lic.deem_renewal(60, date(2031, 3, 14), system_audit())
    assert lic.collect_events() == []


def test_an_explicit_renewal_after_expiry_is_refused_as_already_deemed() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 2, 1), staff_audit(Role.CLERK))
    lic.collect_events()
    with pytest.raises(DeadlineError) as exc:
        lic.renew("续-1", 60, date(2031, 3, 15), APPROVER)
    assert exc.value.rule == "行政许可法 第50条"
    assert lic.collect_events() == []


def test_an_approver_may_refuse_a_renewal_before_expiry_and_the_licence_then_runs_out() -> (
    None
):
    lic = licence()  # valid until 2031-03-14
    lic.request_renewal(date(2031, 2, 1), staff_audit(Role.CLERK))
    lic.collect_events()
    lic.refuse_renewal(("生产条件已不符合要求",), date(2031, 3, 1), APPROVER)
    lic.expire(date(2031, 3, 15), system_audit())
    refused, expired = lic.collect_events()
    assert isinstance(refused, Licence.RenewalRefused)
    assert refused.reasons == ("生产条件已不符合要求",)
    assert "行政复议" in refused.remedy
    assert isinstance(expired, Licence.Expired)


def test_a_renewal_refusal_needs_reasons_and_comes_before_expiry() -> None:
    lic = licence()
    lic.request_renewal(date(2031, 2, 1), staff_audit(Role.CLERK))
    lic.collect_events()
    with pytest.raises(InvalidInputError):
        lic.refuse_renewal(("  ",), date(2031, 3, 1), APPROVER)
    with pytest.raises(DeadlineError) as late:
        lic.refuse_renewal(("迟到",), date(2031, 3, 15), APPROVER)
    assert late.value.rule == "行政许可法 第50条"
    assert lic.collect_events() == []


def test_a_month_end_expiry_counts_the_lead_back_from_the_last_valid_day() -> None:
    # Valid until 2031-02-28 (from 2026-03-01): 6 months back from the last
    # valid day is its corresponding day, 2030-08-28 (民法典 Arts. 201–202).
    lic = licence(PRODUCTION_ITEM, valid_from=date(2026, 3, 1))
    assert lic.valid_until == date(2031, 2, 28)
    assert lic.renewal_deadline == date(2030, 8, 28)


@pytest.mark.parametrize(
    "command",
    [
        lambda lic: lic.change(
            LicenceChange(scope="扩项"), "BG-9", date(2026, 6, 1), APPROVER
        ),
        lambda lic: lic.reissue_certificate(
            ReissueCause.LOST, date(2026, 6, 1), staff_audit(Role.CLERK)
        ),
        lambda lic: lic.request_renewal(date(2026, 6, 1), staff_audit(Role.CLERK)),
    ],
)
def test_a_licence_found_to_rest_on_a_false_commitment_awaits_only_its_revocation(
    command: Callable[[Licence], None],
) -> None:
    lic = commitment_licence()
    check_commitment(lic, "承诺不实", True, date(2026, 5, 6))
    lic.collect_events()
    with pytest.raises(IllegalTransitionError) as refused:
        command(lic)
    assert "第69条" in (refused.value.rule or "")
    assert lic.collect_events() == []
    lic.revoke(RevocationGround.COMMITMENT_BREACHED, 0, date(2026, 5, 8), APPROVER)
    assert lic.status is LicenceStatus.REVOKED


def test_validity_from_29_february_ends_on_28_february() -> None:
    assert licence(valid_from=date(2028, 2, 29)).valid_until == date(2033, 2, 28)
    assert licence(valid_from=date(2028, 2, 28)).valid_until == date(2033, 2, 27)


def test_expired_licence_is_cancelled_as_not_renewed() -> None:
    lic = expired_licence()
    lic.cancel(CancellationGround.EXPIRED_NOT_RENEWED, date(2031, 3, 16), APPROVER)
    [event] = lic.collect_events()
    assert isinstance(event, Licence.Cancelled)
    assert lic.status is LicenceStatus.CANCELLED


def test_revoked_licence_is_cancelled_as_the_closing_formality() -> None:
    lic = revoked_licence()
    lic.cancel(CancellationGround.REVOKED_OR_WITHDRAWN, date(2027, 1, 6), APPROVER)
    assert lic.status is LicenceStatus.CANCELLED


def test_cancelling_twice_is_refused() -> None:
    lic = licence()
    lic.cancel(CancellationGround.FORCE_MAJEURE, date(2027, 8, 3), APPROVER)
    settled(lic)
    with pytest.raises(IllegalTransitionError) as exc:
        lic.cancel(CancellationGround.OTHER, date(2027, 8, 4), APPROVER)
    assert exc.value.rule == "行政许可法 第70条"
    assert lic.collect_events() == []


def test_cancellation_without_a_reason_is_refused() -> None:
    lic = licence()
    with pytest.raises(AuditContractError):
        lic.cancel(
            CancellationGround.ENTITY_TERMINATED, date(2027, 8, 3), APPROVER_NO_REASON
        )
    assert lic.collect_events() == []


# -- expiry ----------------------------------------------------------------------------


def test_licence_expires_the_day_after_its_last_valid_day() -> None:
    lic = licence()

    lic.expire(date(2031, 3, 15), staff_audit(Role.CLERK))

    [event] = lic.collect_events()
    assert isinstance(event, Licence.Expired)
    assert event.expired_on == date(2031, 3, 15)
    assert lic.status is LicenceStatus.EXPIRED


def test_licence_does_not_expire_on_its_last_valid_day() -> None:
    lic = licence()
    with pytest.raises(DeadlineError):
        lic.expire(VALID_UNTIL, staff_audit(Role.CLERK))
    assert lic.collect_events() == []


def test_licence_without_validity_does_not_expire() -> None:
    lic = licence(PLAIN_ITEM)
    with pytest.raises(DeadlineError):
        lic.expire(date(2099, 1, 1), staff_audit(Role.CLERK))
    assert lic.collect_events() == []


# -- a licence that is no longer valid ------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        lambda lic: lic.change(
            LicenceChange(scope="新"), "BG", date(2027, 2, 1), APPROVER
        ),
        lambda lic: lic.reissue_certificate(
            ReissueCause.DAMAGED, date(2027, 2, 1), CLERK
        ),
        lambda lic: lic.request_renewal(date(2027, 2, 1), CLERK),
        lambda lic: lic.withdraw("补偿", date(2027, 2, 1), APPROVER),
        lambda lic: lic.revoke(RevocationGround.OTHER, 0, date(2027, 2, 1), APPROVER),
        lambda lic: lic.expire(date(2031, 3, 15), CLERK),
    ],
    ids=["change", "reissue", "request_renewal", "withdraw", "revoke", "expire"],
)
def test_a_revoked_licence_refuses_every_further_change(
    command: Callable[[Licence], None],
) -> None:
    lic = revoked_licence()
    with pytest.raises(IllegalTransitionError) as refused:
        command(lic)
    assert refused.value.rule  # the refusal names the article it enforces
    assert lic.collect_events() == []
    assert lic.status is LicenceStatus.REVOKED
