"""The Licensing service end to end on the in-memory (popo) store: permissions,
jurisdiction, optimistic concurrency, atomic grants, 办件查询 and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from domain.licensing.application import LicenceApplication, Status, application_id
from domain.licensing.licence import Licence, LicenceStatus, RevocationGround
from domain.licensing.parties import (
    Channel,
    CommitmentLetter,
    NonAcceptanceGround,
    PartyType,
)
from domain.licensing.service import Licensing
from domain.registry.catalogue import ApprovalMode
from domain.registry.enterprise import EnterpriseProfile
from domain.registry.service import Registry
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    AuditContractError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.events import Aggregate
from domain.shared.query_code import query_code_hash
from domain.shared.service import StaleVersionError
from tests.domain.conftest import (
    ACCEPTED_ON,
    APPLICANT_USCC,
    APPROVER,
    BOOTSTRAP,
    CLERK,
    COMMIT_ITEM,
    ON_SITE_ITEM,
    PLAIN_ITEM,
    RECEIVED_ON,
    accepted_case,
    all_notifications,
    applicant,
    commitment_letter,
    granted_case,
    item,
    move_to,
    receive_via,
    reviewer,
    staff_audit,
    system_audit,
    verify_commitment_via,
    verify_via,
)


def log_length(service: Licensing) -> int:
    return len(all_notifications(service))


# -- receipt and the clock ---------------------------------------------------------------


def test_receipt_is_stored_with_the_clocks_shanghai_date(
    licensing: Licensing, clock: FixedClock
) -> None:
    # 17:30 UTC on 9/17 is already 01:30 on Fri 9/18 in Shanghai.
    clock.at = datetime(2026, 9, 17, 17, 30, tzinfo=UTC)

    receipt = receive_via(licensing, PLAIN_ITEM)

    application = licensing.get_application(receipt.id)
    assert application.received_on == date(2026, 9, 18)
    assert application.correction_due.due == date(2026, 9, 24)
    assert receipt.version == 1
    assert receipt.receipt_number.startswith("32080320260918")
    assert receipt.id == application_id(receipt.receipt_number)
    assert application.query_code_hash == query_code_hash(
        receipt.receipt_number, receipt.query_code
    )


def test_acceptance_recorded_after_the_clock_moved_on_is_deemed_from_receipt(
    licensing: Licensing, clock: FixedClock
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    clock.advance(timedelta(days=10))  # Mon 9/28, after the 5-wd period

    licensing.accept(receipt.id, CLERK)

    application = licensing.get_application(receipt.id)
    assert application.acceptance_date == RECEIVED_ON
    assert application.decision_due is not None
    assert application.decision_due.due == date(2026, 10, 22)


def test_bad_credit_in_the_directory_closes_notify_and_commit(
    licensing: Licensing, registry: Registry
) -> None:
    registry.register_enterprise(
        EnterpriseProfile(uscc=APPLICANT_USCC, name="示例公司", region_code="320803"),
        BOOTSTRAP,
    )
    registry.flag_credit(
        APPLICANT_USCC, "false_commitment", staff_audit(Role.ADMIN, reason="虚假承诺")
    )
    with pytest.raises(IllegalTransitionError) as exc:
        receive_via(
            licensing,
            COMMIT_ITEM,
            mode=ApprovalMode.NOTIFY_AND_COMMIT,
            commitment=commitment_letter(),
        )
    assert exc.value.rule == "国办发〔2020〕42号"
    assert log_length(licensing) == 0


def test_unknown_item_is_not_found_at_receipt(licensing: Licensing) -> None:
    with pytest.raises(NotFoundError):
        receive_via(licensing, "XK-NONE", materials=("申请书",))
    assert log_length(licensing) == 0


# -- permissions and jurisdiction ---------------------------------------------------------


def test_wrong_role_is_denied(licensing: Licensing) -> None:
    with pytest.raises(PermissionDeniedError):
        receive_via(licensing, PLAIN_ITEM, audit=staff_audit(Role.REVIEWER))
    assert log_length(licensing) == 0


def test_approver_cannot_accept_an_application(
    licensing: Licensing, clock: FixedClock
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    with pytest.raises(PermissionDeniedError):
        licensing.accept(receipt.id, staff_audit(Role.APPROVER, reason="受理"))
    assert licensing.get_application(receipt.id).status is Status.RECEIVED
    assert log_length(licensing) == 1


def test_auditor_changes_nothing(licensing: Licensing) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    with pytest.raises(PermissionDeniedError):
        licensing.withdraw(receipt.id, staff_audit(Role.AUDITOR, reason="撤回"))
    assert log_length(licensing) == 1


def test_staff_of_another_county_cannot_act_on_the_case(licensing: Licensing) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)  # a 320803 case
    with pytest.raises(PermissionDeniedError):
        licensing.accept(receipt.id, staff_audit(Role.CLERK, unit="320804"))
    assert licensing.get_application(receipt.id).status is Status.RECEIVED
    assert log_length(licensing) == 1


def test_city_staff_may_act_on_a_county_case(licensing: Licensing) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)

    result = licensing.accept(receipt.id, staff_audit(Role.CLERK, unit="3208"))

    assert result.version == 2
    assert licensing.get_application(receipt.id).status is Status.ACCEPTED


def test_staff_without_a_unit_is_denied_rather_than_failing_on_the_code(
    licensing: Licensing,
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    unitless = Audit(
        actor=Actor(kind=ActorKind.STAFF, id="S-X", name="无单位", role=Role.CLERK),
        request_id="req-x",
    )
    with pytest.raises(PermissionDeniedError):
        licensing.accept(receipt.id, unitless)
    assert log_length(licensing) == 1


def test_system_actor_bypasses_roles_and_jurisdiction(
    licensing: Licensing, clock: FixedClock
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    move_to(clock, date(2026, 9, 25))

    licensing.deem_acceptance(receipt.id, system_audit("clock"))

    application = licensing.get_application(receipt.id)
    assert application.status is Status.ACCEPTED
    assert application.acceptance_date == RECEIVED_ON


def test_clock_commands_are_denied_to_staff(
    licensing: Licensing, clock: FixedClock
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    move_to(clock, date(2026, 9, 25))
    with pytest.raises(PermissionDeniedError):
        licensing.deem_acceptance(receipt.id, CLERK)
    assert log_length(licensing) == 1


# -- optimistic concurrency ------------------------------------------------------------


def test_stale_expected_version_is_refused_and_nothing_is_stored(
    licensing: Licensing, clock: FixedClock
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    move_to(clock, ACCEPTED_ON)
    with pytest.raises(StaleVersionError):
        licensing.accept(receipt.id, CLERK, expected_version=2)
    assert licensing.get_application(receipt.id).version == 1
    assert log_length(licensing) == 1


def test_current_expected_version_is_accepted(
    licensing: Licensing, clock: FixedClock
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    move_to(clock, ACCEPTED_ON)

    result = licensing.accept(receipt.id, CLERK, expected_version=1)

    assert result.version == 2
    assert result.position == 2


def test_a_refused_command_stores_nothing(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock, ON_SITE_ITEM)
    with pytest.raises(IllegalTransitionError):  # no verification yet
        licensing.grant(app_id, APPROVER, decision_number="XK-1", scope="范围")
    assert licensing.get_application(app_id).status is Status.ACCEPTED
    assert log_length(licensing) == 2


# -- grant: application and licence together -----------------------------------------------


def test_grant_saves_the_application_the_licence_and_its_follow_ups_together(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id, licence_id = granted_case(licensing, clock, ON_SITE_ITEM)

    application = licensing.get_application(app_id)
    licence = licensing.get_licence(licence_id)
    assert application.status is Status.GRANTED
    assert licence.status is LicenceStatus.VALID
    topics = [n.topic for n in all_notifications(licensing)][-3:]
    assert topics == [
        "casetrace.licensing.LicenceApplication.Granted",
        "casetrace.licensing.Licence.Issued",
        "casetrace.licensing.FollowUp.Scheduled",  # 回访制度 (seed 000)
    ]


def test_licence_takes_its_facts_from_the_application(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id, licence_id = granted_case(licensing, clock, ON_SITE_ITEM)

    licence = licensing.get_licence(licence_id)
    terms = item(ON_SITE_ITEM)
    assert licence.application_id == app_id
    assert licence.holder == applicant()
    assert licence.item_code == terms.code
    assert licence.item_name == terms.name
    assert licence.certificate_name == terms.certificate_name
    assert licence.scope == "衡器检定装置"
    assert licence.decision_number == "XK-2026-001"
    assert licence.authority_unit_code == "320803"
    assert licence.approval_mode is ApprovalMode.STANDARD
    assert licence.valid_from == date(2026, 10, 9)
    # 60 months from 2026-10-09: until 2031-10-08.
    assert licence.valid_until == date(2031, 10, 8)
    assert licence.renewal_lead_days == 30
    assert licence.licence_number.startswith(f"{ON_SITE_ITEM}-320803-2026-")


def test_grant_with_a_bad_licence_stores_neither(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock, PLAIN_ITEM)
    move_to(clock, date(2026, 10, 9))
    with pytest.raises(InvalidInputError):
        licensing.grant(app_id, APPROVER, decision_number="XK-1", scope="  ")
    assert licensing.get_application(app_id).status is Status.ACCEPTED
    assert log_length(licensing) == 2


def test_licence_commands_are_judged_by_the_licensing_unit(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock, ON_SITE_ITEM)
    with pytest.raises(PermissionDeniedError):
        licensing.revoke_licence(
            licence_id,
            staff_audit(Role.APPROVER, unit="320804", reason="撤销"),
            ground=RevocationGround.OTHER,
        )
    assert licensing.get_licence(licence_id).status is LicenceStatus.VALID


def test_breached_commitment_on_a_safety_item_bans_reapplication_for_three_years(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(
        licensing,
        clock,
        "XK-SPXG-SCXK",  # 食品相关产品: 告知承诺, safety-critical
        mode=ApprovalMode.NOTIFY_AND_COMMIT,
        commitment=commitment_letter(),
    )
    move_to(clock, date(2026, 11, 2))

    verify_commitment_via(licensing, licence_id, "现场条件与承诺不符", True)
    assert licensing.get_licence(licence_id).status is LicenceStatus.VALID
    licensing.revoke_licence(
        licence_id,
        staff_audit(Role.APPROVER, reason="承诺不实，依法撤销"),
        ground=RevocationGround.COMMITMENT_BREACHED,
    )

    revoked = licensing.history(licence_id)[-1]
    assert isinstance(revoked, Licence.Revoked)
    assert revoked.reapplication_banned_until == date(2029, 11, 2)
    assert licensing.get_licence(licence_id).status is LicenceStatus.REVOKED
    # Art. 79: the ban binds the next application for the same item: it is
    # received and at once not accepted, with the ban as the ground.
    again = licensing.get_application(receive_via(licensing, "XK-SPXG-SCXK").id)
    assert again.status is Status.NOT_ACCEPTED
    [*_, not_accepted] = licensing.history(again.id)
    assert not_accepted.ground is NonAcceptanceGround.REAPPLICATION_BANNED
    assert "2029-11-02" in (not_accepted.audit.reason or "")


# -- 办件查询 -------------------------------------------------------------------------------


def test_find_by_receipt_with_the_query_code_finds_the_application(
    licensing: Licensing,
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    found = licensing.find_by_receipt(receipt.receipt_number, receipt.query_code)
    assert found.id == receipt.id


def test_wrong_query_code_is_not_found_exactly_like_an_unknown_number(
    licensing: Licensing,
) -> None:
    receipt = receive_via(licensing, PLAIN_ITEM)
    wrong_code = "0" * 8 if receipt.query_code != "0" * 8 else "1" * 8

    with pytest.raises(NotFoundError) as wrong:
        licensing.find_by_receipt(receipt.receipt_number, wrong_code)
    with pytest.raises(NotFoundError) as unknown:
        licensing.find_by_receipt("32080320260918999999", receipt.query_code)

    assert type(wrong.value) is type(unknown.value)
    assert str(wrong.value) == str(unknown.value)
    assert wrong.value.rule == unknown.value.rule


def test_unknown_application_id_is_not_found(licensing: Licensing) -> None:
    with pytest.raises(NotFoundError):
        licensing.get_application(UUID(int=404))


def test_a_licence_id_is_not_an_application(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock, ON_SITE_ITEM)
    with pytest.raises(NotFoundError):
        licensing.get_application(licence_id)


# -- audit trail -----------------------------------------------------------------------------


def test_every_stored_event_carries_actor_and_request_id(
    licensing: Licensing, clock: FixedClock
) -> None:
    granted_case(licensing, clock, ON_SITE_ITEM)

    notifications = all_notifications(licensing)
    assert len(notifications) == 7  # … granted, issued, follow-ups scheduled
    for notification in notifications:
        event = licensing.mapper.to_domain_event(notification)
        assert isinstance(event, Aggregate.Event)
        assert isinstance(event.audit, Audit)
        assert event.audit.actor.id
        assert event.audit.request_id
        # And in the stored bytes themselves, for any other reader of the log.
        assert b'"audit":{"actor":{' in notification.state
        assert b'"request_id":"' in notification.state


def test_history_returns_the_events_in_order(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id, _ = granted_case(licensing, clock, ON_SITE_ITEM)

    history = licensing.history(app_id)

    assert [type(e) for e in history] == [
        LicenceApplication.Received,
        LicenceApplication.Accepted,
        LicenceApplication.VerificationRecorded,
        LicenceApplication.VerificationSigned,
        LicenceApplication.Granted,
    ]
    assert [e.originator_version for e in history] == [1, 2, 3, 4, 5]
    assert [e.audit.actor.role for e in history] == [
        Role.CLERK,
        Role.CLERK,
        Role.REVIEWER,
        Role.REVIEWER,
        Role.APPROVER,
    ]


def test_a_breached_commitment_enters_the_applicants_record_and_closes_notify_and_commit(
    registry: Registry, licensing: Licensing
) -> None:
    holder = applicant()
    receipt = licensing.receive(
        staff_audit(Role.CLERK),
        item_code="XK-SPXG-SCXK",
        approval_mode=ApprovalMode.NOTIFY_AND_COMMIT,
        channel=Channel.COUNTER,
        applicant=holder,
        agent=None,
        materials=tuple(m.name for m in registry.get_item("XK-SPXG-SCXK").materials),
        commitment=CommitmentLetter(
            signed_on=licensing.today(),
            signatory="法定代表人",
            statement="承诺符合条件",
        ),
    )
    licensing.accept(receipt.id, staff_audit(Role.CLERK))
    licensing.grant(
        receipt.id,
        staff_audit(Role.APPROVER, reason="依承诺准予"),
        decision_number="D-1",
        scope="塑料容器",
    )
    licence_id = licensing.get_application(receipt.id).licence_id
    assert licence_id is not None
    result = verify_commitment_via(licensing, licence_id, "与承诺不符", True)
    # The finding and the applicant's record were saved together (one save).
    last = all_notifications(licensing)[-3:]
    assert [n.topic for n in last] == [
        "casetrace.licensing.Licence.CommitmentBreached",
        "casetrace.licensing.ApplicantRecord.Opened",
        "casetrace.licensing.ApplicantRecord.FalseCommitmentRecorded",
    ]
    assert result.position == last[-1].id
    with pytest.raises(IllegalTransitionError) as refused:
        licensing.receive(
            staff_audit(Role.CLERK),
            item_code="XK-SPXG-SCXK",
            approval_mode=ApprovalMode.NOTIFY_AND_COMMIT,
            channel=Channel.COUNTER,
            applicant=holder,
            agent=None,
            materials=(),
            commitment=CommitmentLetter(
                signed_on=licensing.today(),
                signatory="法定代表人",
                statement="再次承诺",
            ),
        )
    assert refused.value.rule == "国办发〔2020〕42号"


@pytest.mark.parametrize(
    ("item_code", "banned_years"),
    [("XK-TZSB-SCXK", 3), (ON_SITE_ITEM, 0)],  # safety-critical, and not
)
def test_revocation_for_fraud_bans_reapplication_only_on_safety_items(
    licensing: Licensing, clock: FixedClock, item_code: str, banned_years: int
) -> None:
    """Art. 79: three years for matters of public safety, health or life."""
    _, licence_id = granted_case(licensing, clock, item_code)
    licensing.revoke_licence(
        licence_id,
        staff_audit(Role.APPROVER, reason="以欺骗手段取得"),
        ground=RevocationGround.FRAUD_OR_BRIBERY,
    )
    revoked = licensing.history(licence_id)[-1]
    assert isinstance(revoked, Licence.Revoked)
    expected = (
        revoked.revoked_on.replace(year=revoked.revoked_on.year + 3)
        if banned_years
        else None
    )
    assert revoked.reapplication_banned_until == expected


# -- rules that bind the next application (Arts. 78–79) -------------------------------


@pytest.mark.parametrize(
    ("item_code", "banned"),
    [("XK-TZSB-SCXK", True), (PLAIN_ITEM, False)],  # safety-critical, and not
)
def test_false_materials_bar_reapplying_for_a_year_on_safety_items_only(
    licensing: Licensing, clock: FixedClock, item_code: str, banned: bool
) -> None:
    """Art. 78: concealment or false materials → not accepted, and for matters of
    safety, health or life no new application for one year."""
    move_to(clock, date(2026, 9, 18))
    receipt = receive_via(licensing, item_code)
    licensing.reject(
        receipt.id,
        staff_audit(Role.CLERK, reason="检验报告系伪造"),
        NonAcceptanceGround.FALSE_MATERIALS,
    )
    move_to(clock, date(2027, 9, 18))  # the last day of the year's ban
    status = licensing.get_application(receive_via(licensing, item_code).id).status
    assert status is (Status.NOT_ACCEPTED if banned else Status.RECEIVED)
    move_to(clock, date(2027, 9, 19))
    fresh = licensing.get_application(receive_via(licensing, item_code).id)
    assert fresh.status is Status.RECEIVED  # the ban has run out
    other = licensing.get_application(receive_via(licensing, PLAIN_ITEM).id)
    assert other.status is Status.RECEIVED  # and never covered other items


def test_the_ban_is_saved_with_the_decision_that_imposes_it(
    licensing: Licensing, clock: FixedClock
) -> None:
    move_to(clock, date(2026, 9, 18))
    receipt = receive_via(licensing, "XK-TZSB-SCXK")
    result = licensing.reject(
        receipt.id,
        staff_audit(Role.CLERK, reason="虚假材料"),
        NonAcceptanceGround.FALSE_MATERIALS,
    )
    topics = [n.topic for n in all_notifications(licensing)[-3:]]
    assert topics == [
        "casetrace.licensing.LicenceApplication.NotAccepted",
        "casetrace.licensing.ApplicantRecord.Opened",
        "casetrace.licensing.ApplicantRecord.ReapplicationBanned",
    ]
    assert result.position == all_notifications(licensing)[-1].id


# -- who may verify (Art. 34 ¶3) ---------------------------------------------------------


def test_verifiers_must_be_reviewers(
    registry: Registry, licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock, ON_SITE_ITEM)
    verify_one(licensing, app_id)
    registry.enrol_staff("CL-9", "窗口", "320803", frozenset({Role.CLERK}), BOOTSTRAP)
    before = log_length(licensing)
    with pytest.raises(InvalidInputError) as refused:
        licensing.sign_verification(app_id, reviewer("CL-9"), 1)
    assert "CL-9" in refused.value.detail
    assert refused.value.rule == "行政许可法 第34条第3款"
    assert log_length(licensing) == before


def test_verifiers_must_have_jurisdiction_over_the_case(
    registry: Registry, licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock, ON_SITE_ITEM)
    verify_one(licensing, app_id)
    registry.enrol_staff(
        "HY-9", "他县", "320804", frozenset({Role.REVIEWER}), BOOTSTRAP
    )
    registry.enrol_staff("SJ-9", "市局", "3208", frozenset({Role.REVIEWER}), BOOTSTRAP)
    with pytest.raises(InvalidInputError) as refused:
        licensing.sign_verification(
            app_id, staff_audit(Role.REVIEWER, "320803", staff_no="HY-9"), 1
        )
    assert "320804" in refused.value.detail
    # The city's reviewer has jurisdiction over its counties.
    licensing.sign_verification(
        app_id, staff_audit(Role.REVIEWER, "3208", staff_no="SJ-9"), 1
    )
    [verification] = licensing.get_application(app_id).verifications
    assert verification.counted


def test_a_verification_is_signed_by_the_verifier_whose_token_acts(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock, ON_SITE_ITEM)
    verify_one(licensing, app_id)
    [verification] = licensing.get_application(app_id).verifications
    assert [s.verifier.id for s in verification.signatures] == ["V-1"]
    assert not verification.counted
    licensing.sign_verification(app_id, reviewer("V-2"), 1)
    [verification] = licensing.get_application(app_id).verifications
    assert [s.verifier.name for s in verification.signatures] == ["李四", "王五"]
    assert verification.counted


def verify_one(licensing: Licensing, app_id: UUID) -> None:
    licensing.record_verification(
        app_id,
        reviewer("V-1"),
        on_site=True,
        findings="核查",
        verified_on=licensing.today(),
    )


# -- the query code ---------------------------------------------------------------------


def test_the_query_code_may_be_typed_in_lower_case_and_without_hyphens(
    licensing: Licensing,
) -> None:
    receipt = receive_via(licensing)
    typed = receipt.query_code.replace("-", " ").lower()
    assert licensing.find_by_receipt(receipt.receipt_number, typed).id == receipt.id


def test_a_refusal_for_false_materials_bars_reapplying_for_a_year_on_safety_items(
    licensing: Licensing, clock: FixedClock
) -> None:
    """Art. 78 also covers false materials found after acceptance, in review."""
    move_to(clock, date(2026, 9, 18))
    receipt = receive_via(licensing, "XK-TZSB-SCXK")
    licensing.accept(receipt.id, CLERK)
    result = licensing.refuse(
        receipt.id,
        staff_audit(Role.APPROVER, reason="鉴定评审报告系伪造"),
        decision_number="BY-78",
        reasons=("提供虚假材料",),
        false_materials=True,
    )
    assert (
        all_notifications(licensing)[-1].topic
        == "casetrace.licensing.ApplicantRecord.ReapplicationBanned"
    )
    assert result.position == all_notifications(licensing)[-1].id
    again = licensing.get_application(receive_via(licensing, "XK-TZSB-SCXK").id)
    assert again.status is Status.NOT_ACCEPTED


def test_a_banned_applicants_receipt_is_recorded_with_its_non_acceptance_in_one_save(
    licensing: Licensing, clock: FixedClock
) -> None:
    move_to(clock, date(2026, 9, 18))
    first = receive_via(licensing, "XK-TZSB-SCXK")
    licensing.reject(
        first.id,
        staff_audit(Role.CLERK, reason="虚假材料"),
        NonAcceptanceGround.FALSE_MATERIALS,
    )
    second = receive_via(licensing, "XK-TZSB-SCXK")
    received, not_accepted = licensing.history(second.id)
    assert isinstance(received, LicenceApplication.Received)
    assert isinstance(not_accepted, LicenceApplication.NotAccepted)
    assert not_accepted.voucher_number == f"{second.receipt_number}-BSL"
    assert not_accepted.audit.actor == CLERK.actor  # the clerk at the window
    assert second.position == all_notifications(licensing)[-1].id


def test_spacing_or_case_of_an_id_number_does_not_escape_a_ban(
    licensing: Licensing, clock: FixedClock
) -> None:
    person = applicant(
        party_type=PartyType.NATURAL_PERSON,
        uscc=None,
        id_document_number="32080319900101123x",
    )
    move_to(clock, date(2026, 9, 18))
    first = receive_via(licensing, "XK-TZSB-SCXK", who=person)
    licensing.reject(
        first.id,
        staff_audit(Role.CLERK, reason="虚假材料"),
        NonAcceptanceGround.FALSE_MATERIALS,
    )
    respelt = person.model_copy(update={"id_document_number": " 320803 19900101 123X"})
    again = licensing.get_application(
        receive_via(licensing, "XK-TZSB-SCXK", who=respelt).id
    )
    assert again.status is Status.NOT_ACCEPTED


def test_an_interview_routed_to_a_region_with_no_unit_of_the_bureau_stays_with_the_handling_unit(
    registry: Registry, licensing: Licensing, clock: FixedClock
) -> None:
    for code in ("3208", "320803"):
        registry.establish_unit(code, code, BOOTSTRAP)
    stranger = applicant(region_code="110101")  # entered at the window: Beijing
    app_id = accepted_case(licensing, clock, PLAIN_ITEM, who=stranger)
    licensing.refuse(
        app_id,
        staff_audit(Role.APPROVER, reason="不符合条件"),
        decision_number="BY-1",
        reasons=("不符",),
    )
    assert licensing.get_application(app_id).interview_unit_code == "320803"
    safety = accepted_case(licensing, clock, "XK-TZSB-SCXK", who=stranger)
    verify_via(licensing, safety)
    licensing.refuse(
        safety,
        staff_audit(Role.APPROVER, reason="不符合条件"),
        decision_number="BY-2",
        reasons=("不符",),
    )
    assert (
        licensing.get_application(safety).interview_unit_code == "3208"
    )  # escalated to the city


def test_credit_restoration_reopens_notify_and_commit_after_a_false_commitment(
    licensing: Licensing, clock: FixedClock
) -> None:
    holder = applicant()
    _, licence_id = granted_case(
        licensing,
        clock,
        "XK-SPXG-SCXK",
        mode=ApprovalMode.NOTIFY_AND_COMMIT,
        commitment=commitment_letter(),
    )
    verify_commitment_via(licensing, licence_id, "不实", True)
    record = licensing.get_applicant_record(holder)
    assert record is not None
    with pytest.raises(AuditContractError):
        licensing.restore_credit(record.id, staff_audit(Role.ADMIN))
    with pytest.raises(PermissionDeniedError):
        licensing.restore_credit(record.id, staff_audit(Role.CLERK, reason="修复"))
    licensing.restore_credit(
        record.id, staff_audit(Role.ADMIN, reason="已完成整改，信用修复")
    )
    reopened = receive_via(
        licensing,
        "XK-SPXG-SCXK",
        mode=ApprovalMode.NOTIFY_AND_COMMIT,
        commitment=commitment_letter(),
    )
    assert licensing.get_application(reopened.id).status is Status.RECEIVED
