"""The clock's two recording commands: a legal deadline that passed with the step
undone (DeadlineMissed) and the 提醒式服务 reminder ahead of renewal and expiry
(ReminderSent). One rule a test, no I/O (the service tests use the popo store).

Dates are hand-counted (see conftest): accepted Thu 2026-09-24, decision due
Thu 10/29; granted Fri 10/9, certificate due Thu 10/22. The 计量标准考核证书 of
`licence()` is valid 2026-03-15 to 2031-03-14 and must be renewed by 2031-02-12.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder

from domain.licensing.application import (
    DeadlineKind,
    LicenceApplication,
    Status,
)
from domain.licensing.licence import (
    REMINDER_LEAD_DAYS,
    Licence,
    LicenceState,
    LicenceStatus,
    ReminderSubject,
    RevocationGround,
)
from domain.licensing.parties import CertificateService, ExclusionKind
from domain.licensing.service import Licensing
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    AuditContractError,
    DeadlineError,
    IllegalTransitionError,
    PermissionDeniedError,
)
from domain.shared.events import PydanticMapper
from tests.domain.conftest import (
    ACCEPTED_ON,
    APPROVER,
    CALENDAR,
    CLERK,
    COMMIT_ITEM,
    DECISION_DUE,
    ON_SITE_ITEM,
    PLAIN_ITEM,
    REVIEWER,
    REVIEWER_WITH_REASON,
    accepted,
    accepted_case,
    accepted_with_deficiencies,
    check_commitment,
    granted,
    granted_case,
    licence,
    move_to,
    received,
    refused,
    settled,
    staff_audit,
    system_audit,
)

ART_42 = "行政许可法 第42条"
ART_44 = "行政许可法 第44条"
RULE_REMINDER = "提醒式服务 (行政许可法 第50条 延续期限的事前提醒)"
CLOCK = system_audit()

CERTIFICATE_DUE = date(2026, 10, 22)  # 10 wd after the grant on Fri 10/9
VALID_UNTIL = date(2031, 3, 14)
RENEWAL_DEADLINE = date(2031, 2, 12)  # 2031-03-14 − 30 days
# After a renewal for 60 months from 2031-03-15: until 2036-03-14, and in the
# leap year 2036 the lead of 30 days counts back to 2036-02-13.
RENEWED_UNTIL = date(2036, 3, 14)
RENEWED_DEADLINE = date(2036, 2, 13)


def the_day_after(day: date) -> date:
    return day + timedelta(days=1)


def window_opens(deadline: date) -> date:
    return deadline - timedelta(days=REMINDER_LEAD_DAYS)


def suspended(on: date = date(2026, 10, 9)) -> LicenceApplication:
    application = accepted(ON_SITE_ITEM)
    application.suspend_clock(
        ExclusionKind.TESTING, 5, "检测约需5个工作日", on, REVIEWER_WITH_REASON
    )
    return settled(application)


def renewal_requested() -> Licence:
    lic = licence()
    lic.request_renewal(date(2031, 2, 1), CLERK)
    return settled(lic)


def renewed() -> Licence:
    lic = renewal_requested()
    lic.renew("YX-2031-001", 60, date(2031, 3, 1), APPROVER)
    return settled(lic)


# == DeadlineMissed ====================================================================

# -- the decision deadline (Art. 42) -----------------------------------------------------


def test_a_passed_decision_deadline_is_recorded_with_its_due_date_and_article() -> None:
    application = accepted()

    application.record_missed_deadline(
        DeadlineKind.DECISION, the_day_after(DECISION_DUE), CLOCK
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.kind is DeadlineKind.DECISION
    assert event.due == DECISION_DUE
    assert event.recorded_on == date(2026, 10, 30)
    assert event.rule == ART_42
    assert event.audit == CLOCK
    assert application.missed_deadlines == [(DeadlineKind.DECISION, DECISION_DUE)]


def test_recording_a_missed_deadline_does_not_close_the_case() -> None:
    """A fact on the record, not a state: the decision is still owed, and a late
    decision is still taken (and marked late)."""
    application = accepted()
    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 10, 30), CLOCK)
    assert application.status is Status.ACCEPTED

    application.refuse("BY-1", ("不符",), None, date(2026, 11, 2), CALENDAR, APPROVER)

    refusal = application.collect_events()[-1]
    assert isinstance(refusal, LicenceApplication.Refused)
    assert refusal.within_limit is False


def test_a_decision_deadline_is_not_missed_on_its_last_day() -> None:
    application = accepted()
    with pytest.raises(DeadlineError) as exc:
        application.record_missed_deadline(DeadlineKind.DECISION, DECISION_DUE, CLOCK)
    assert exc.value.rule == ART_42
    assert "2026-10-29" in exc.value.detail
    assert application.collect_events() == []


def test_a_decision_deadline_is_not_missed_before_it_is_due() -> None:
    application = accepted()
    with pytest.raises(DeadlineError):
        application.record_missed_deadline(DeadlineKind.DECISION, ACCEPTED_ON, CLOCK)
    assert application.collect_events() == []


def test_the_same_missed_decision_deadline_is_recorded_only_once() -> None:
    application = accepted()
    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 10, 30), CLOCK)
    settled(application)

    with pytest.raises(IllegalTransitionError) as exc:
        application.record_missed_deadline(
            DeadlineKind.DECISION, date(2026, 11, 2), CLOCK
        )

    assert exc.value.rule == ART_42
    assert "already recorded" in exc.value.detail
    assert application.collect_events() == []
    assert application.missed_deadlines == [(DeadlineKind.DECISION, DECISION_DUE)]


def test_no_decision_deadline_runs_while_the_clock_is_stopped() -> None:
    """Art. 45: the excluded time does not count, so passing the old due date
    while stopped is no miss."""
    application = suspended(on=date(2026, 10, 9))
    assert application.open_deadline(DeadlineKind.DECISION) is None

    with pytest.raises(IllegalTransitionError) as exc:
        application.record_missed_deadline(
            DeadlineKind.DECISION, date(2026, 10, 30), CLOCK
        )

    assert exc.value.rule == ART_42
    assert application.collect_events() == []


def test_after_the_clock_resumes_the_moved_decision_deadline_is_the_one_recorded() -> (
    None
):
    application = suspended(on=date(2026, 10, 9))
    # Stopped Fri 10/9, resumed Mon 11/2: 17 wd excluded (Sat 10/10 调休, 10/12–16,
    # 10/19–23, 10/26–30, 11/2); 37 wd after 9/24 is Mon 11/23.
    application.resume_clock(date(2026, 11, 2), CALENDAR, REVIEWER)
    settled(application)
    assert application.open_deadline(DeadlineKind.DECISION) == (
        date(2026, 11, 23),
        ART_42,
    )
    with pytest.raises(DeadlineError):
        application.record_missed_deadline(
            DeadlineKind.DECISION, date(2026, 11, 23), CLOCK
        )

    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 11, 24), CLOCK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.due == date(2026, 11, 23)


def test_an_extended_decision_deadline_has_not_passed_on_the_original_due_date() -> (
    None
):
    application = accepted()
    application.extend(date(2026, 10, 20), CALENDAR, APPROVER)  # due 10/29 → 11/12
    settled(application)

    with pytest.raises(DeadlineError) as exc:
        application.record_missed_deadline(
            DeadlineKind.DECISION, date(2026, 10, 30), CLOCK
        )

    assert "2026-11-12" in exc.value.detail
    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 11, 13), CLOCK)
    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.due == date(2026, 11, 12)


def test_a_decision_deadline_moved_by_an_extension_that_passes_again_is_a_new_fact() -> (
    None
):
    """Recorded once per (kind, due): the extension, entered with its own date
    inside the original limit, moves the due date, and the later passing of
    11/12 is recorded beside the passing of 10/29."""
    application = accepted()
    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 10, 30), CLOCK)
    application.extend(DECISION_DUE, CALENDAR, APPROVER)
    settled(application)

    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 11, 13), CLOCK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.due == date(2026, 11, 12)
    assert application.missed_deadlines == [
        (DeadlineKind.DECISION, DECISION_DUE),
        (DeadlineKind.DECISION, date(2026, 11, 12)),
    ]


def test_a_decision_deadline_still_runs_while_deferred_materials_are_outstanding() -> (
    None
):
    application = accepted_with_deficiencies()  # 安装告知书 outstanding
    assert application.outstanding_deficiencies
    assert application.open_deadline(DeadlineKind.DECISION) == (DECISION_DUE, ART_42)

    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 10, 30), CLOCK)

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.due == DECISION_DUE


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(received, id="received"),
        pytest.param(granted, id="granted"),
        pytest.param(refused, id="refused"),
    ],
)
def test_no_decision_deadline_runs_before_acceptance_or_after_the_decision(
    case: Callable[[], LicenceApplication],
) -> None:
    application = case()
    with pytest.raises(IllegalTransitionError) as exc:
        application.record_missed_deadline(
            DeadlineKind.DECISION, date(2026, 12, 31), CLOCK
        )
    assert exc.value.rule == ART_42
    assert "no decision deadline is running" in exc.value.detail
    assert application.collect_events() == []


def test_no_decision_deadline_runs_after_withdrawal() -> None:
    application = accepted()
    application.withdraw(date(2026, 10, 12), staff_audit(Role.CLERK, reason="撤回"))
    settled(application)
    with pytest.raises(IllegalTransitionError):
        application.record_missed_deadline(
            DeadlineKind.DECISION, date(2026, 10, 30), CLOCK
        )
    assert application.collect_events() == []


# -- the certificate deadline (Art. 44) ---------------------------------------------------


def test_a_passed_certificate_deadline_is_recorded_under_article_44() -> None:
    application = granted()  # Fri 10/9: certificate due Thu 10/22

    application.record_missed_deadline(
        DeadlineKind.CERTIFICATE, the_day_after(CERTIFICATE_DUE), CLOCK
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.kind is DeadlineKind.CERTIFICATE
    assert event.due == CERTIFICATE_DUE
    assert event.recorded_on == date(2026, 10, 23)
    assert event.rule == ART_44
    assert application.status is Status.GRANTED


def test_a_certificate_deadline_is_not_missed_on_its_last_day() -> None:
    application = granted()
    with pytest.raises(DeadlineError) as exc:
        application.record_missed_deadline(
            DeadlineKind.CERTIFICATE, CERTIFICATE_DUE, CLOCK
        )
    assert exc.value.rule == ART_44
    assert application.collect_events() == []


def test_the_same_missed_certificate_deadline_is_recorded_only_once() -> None:
    application = granted()
    application.record_missed_deadline(
        DeadlineKind.CERTIFICATE, date(2026, 10, 23), CLOCK
    )
    settled(application)
    with pytest.raises(IllegalTransitionError) as exc:
        application.record_missed_deadline(
            DeadlineKind.CERTIFICATE, date(2026, 10, 26), CLOCK
        )
    assert exc.value.rule == ART_44
    assert application.collect_events() == []


def test_a_missed_decision_and_a_missed_certificate_deadline_are_separate_facts() -> (
    None
):
    application = accepted()
    application.record_missed_deadline(DeadlineKind.DECISION, date(2026, 10, 30), CLOCK)
    application.grant("XK-1", UUID(int=1), False, date(2026, 11, 2), CALENDAR, APPROVER)
    due = application.certificate_due
    assert due is not None
    settled(application)

    application.record_missed_deadline(
        DeadlineKind.CERTIFICATE, the_day_after(due.due), CLOCK
    )

    assert application.missed_deadlines == [
        (DeadlineKind.DECISION, DECISION_DUE),
        (DeadlineKind.CERTIFICATE, due.due),
    ]


def test_no_certificate_deadline_runs_before_a_grant() -> None:
    application = accepted()
    assert application.open_deadline(DeadlineKind.CERTIFICATE) is None
    with pytest.raises(IllegalTransitionError) as exc:
        application.record_missed_deadline(
            DeadlineKind.CERTIFICATE, date(2026, 12, 31), CLOCK
        )
    assert exc.value.rule == ART_44
    assert application.collect_events() == []


def test_an_issued_but_unserved_certificate_past_the_limit_is_recorded_missed() -> None:
    # Art. 44: 颁发、送达 within 10 working days of the decision (due Thu 10/22).
    application = granted()
    application.issue_certificate("ZS-1", date(2026, 10, 21), CLERK)  # in time
    settled(application)

    application.record_missed_deadline(
        DeadlineKind.CERTIFICATE, date(2026, 10, 23), CLOCK
    )

    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert (event.kind, event.due, event.rule) == (
        DeadlineKind.CERTIFICATE,
        date(2026, 10, 22),
        "行政许可法 第44条",
    )


def test_no_certificate_deadline_runs_once_the_certificate_is_served() -> None:
    application = granted()
    application.issue_certificate("ZS-1", date(2026, 10, 21), CLERK)
    application.serve_certificate(CertificateService.POST, date(2026, 10, 22), CLERK)
    settled(application)
    with pytest.raises(IllegalTransitionError):
        application.record_missed_deadline(
            DeadlineKind.CERTIFICATE, date(2026, 10, 23), CLOCK
        )
    assert application.collect_events() == []


def test_no_certificate_deadline_runs_after_a_refusal() -> None:
    application = refused()
    with pytest.raises(IllegalTransitionError):
        application.record_missed_deadline(
            DeadlineKind.CERTIFICATE, date(2026, 12, 31), CLOCK
        )
    assert application.collect_events() == []


# -- the audit contract ---------------------------------------------------------------------


def test_recording_a_missed_deadline_without_an_actor_is_refused() -> None:
    application = accepted()
    with pytest.raises(AuditContractError) as exc:
        application.record_missed_deadline(
            DeadlineKind.DECISION,
            date(2026, 10, 30),
            None,  # type: ignore[arg-type]
        )
    assert exc.value.rule == "DESIGN §3"
    assert application.collect_events() == []


def test_a_missed_deadline_needs_no_reason_from_the_clock() -> None:
    """A fact recorded by rule, not a decision: the system actor gives no reason."""
    application = accepted()
    application.record_missed_deadline(
        DeadlineKind.DECISION, date(2026, 10, 30), system_audit("clock")
    )
    [event] = application.collect_events()
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.audit.reason is None


# == ReminderSent (提醒式服务) ===============================================================


def test_a_renewal_reminder_names_the_deadline_and_the_licence_number() -> None:
    lic = licence()
    assert lic.reminder_due(ReminderSubject.RENEWAL_DEADLINE) == RENEWAL_DEADLINE

    lic.send_reminder(ReminderSubject.RENEWAL_DEADLINE, date(2031, 1, 20), CLOCK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.ReminderSent)
    assert event.subject is ReminderSubject.RENEWAL_DEADLINE
    assert event.deadline == RENEWAL_DEADLINE
    assert event.sent_on == date(2031, 1, 20)
    assert lic.licence_number in event.text
    assert "2031-02-12" in event.text
    assert "申请延续" in event.text
    assert event.audit == CLOCK
    assert lic.reminders_sent == [(ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE)]


def test_an_expiry_reminder_is_about_the_last_day_of_validity() -> None:
    lic = licence()

    lic.send_reminder(ReminderSubject.EXPIRY, date(2031, 3, 1), CLOCK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.ReminderSent)
    assert event.subject is ReminderSubject.EXPIRY
    assert event.deadline == VALID_UNTIL
    assert event.sent_on == date(2031, 3, 1)
    assert lic.licence_number in event.text
    assert "2031-03-14" in event.text
    assert "有效期至 2031-03-14 届满" in event.text


@pytest.mark.parametrize(
    ("subject", "deadline"),
    [
        (ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE),
        (ReminderSubject.EXPIRY, VALID_UNTIL),
    ],
)
@pytest.mark.parametrize("edge", ["first day", "last day"])
def test_a_reminder_may_go_out_on_either_edge_of_its_thirty_day_window(
    subject: ReminderSubject, deadline: date, edge: str
) -> None:
    lic = licence()
    on = window_opens(deadline) if edge == "first day" else deadline

    lic.send_reminder(subject, on, CLOCK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.ReminderSent)
    assert event.sent_on == on
    assert event.deadline == deadline


@pytest.mark.parametrize(
    ("subject", "deadline"),
    [
        (ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE),
        (ReminderSubject.EXPIRY, VALID_UNTIL),
    ],
)
def test_a_reminder_before_its_window_opens_is_refused(
    subject: ReminderSubject, deadline: date
) -> None:
    lic = licence()
    with pytest.raises(DeadlineError) as exc:
        lic.send_reminder(subject, window_opens(deadline) - timedelta(days=1), CLOCK)
    assert exc.value.rule == RULE_REMINDER
    assert deadline.isoformat() in exc.value.detail
    assert lic.collect_events() == []
    assert lic.reminders_sent == []


@pytest.mark.parametrize(
    ("subject", "deadline"),
    [
        (ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE),
        (ReminderSubject.EXPIRY, VALID_UNTIL),
    ],
)
def test_a_reminder_after_its_deadline_passed_is_refused(
    subject: ReminderSubject, deadline: date
) -> None:
    lic = licence()
    with pytest.raises(DeadlineError) as exc:
        lic.send_reminder(subject, the_day_after(deadline), CLOCK)
    assert exc.value.rule == RULE_REMINDER
    assert lic.collect_events() == []


@pytest.mark.parametrize("subject", list(ReminderSubject))
def test_the_same_reminder_is_sent_only_once(subject: ReminderSubject) -> None:
    lic = licence()
    deadline = lic.reminder_due(subject)
    assert deadline is not None
    lic.send_reminder(subject, window_opens(deadline), CLOCK)
    settled(lic)
    assert lic.reminder_due(subject) is None

    with pytest.raises(IllegalTransitionError) as exc:
        lic.send_reminder(subject, deadline, CLOCK)

    assert exc.value.rule == RULE_REMINDER
    assert lic.collect_events() == []


def test_the_renewal_and_the_expiry_reminders_are_owed_separately() -> None:
    lic = licence()
    lic.send_reminder(ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE, CLOCK)
    lic.send_reminder(ReminderSubject.EXPIRY, RENEWAL_DEADLINE, CLOCK)
    assert lic.reminders_sent == [
        (ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE),
        (ReminderSubject.EXPIRY, VALID_UNTIL),
    ]


@pytest.mark.parametrize("subject", list(ReminderSubject))
def test_no_reminder_is_owed_once_renewal_is_requested(
    subject: ReminderSubject,
) -> None:
    lic = renewal_requested()
    assert lic.reminder_due(subject) is None
    with pytest.raises(IllegalTransitionError) as exc:
        lic.send_reminder(subject, date(2031, 2, 12), CLOCK)
    assert exc.value.rule == RULE_REMINDER
    assert lic.collect_events() == []


def test_after_a_refused_renewal_the_expiry_reminder_is_owed_again() -> None:
    """The refusal ends the request; the licence then runs out, and the holder
    is told when."""
    lic = renewal_requested()
    lic.refuse_renewal(("条件不再具备",), date(2031, 2, 20), APPROVER)
    settled(lic)

    lic.send_reminder(ReminderSubject.EXPIRY, date(2031, 2, 21), CLOCK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.ReminderSent)
    assert event.deadline == VALID_UNTIL


@pytest.mark.parametrize("subject", list(ReminderSubject))
def test_after_a_renewal_a_new_reminder_is_owed_for_the_new_dates(
    subject: ReminderSubject,
) -> None:
    lic = licence()
    old_deadline = lic.reminder_due(subject)
    assert old_deadline is not None
    lic.send_reminder(subject, RENEWAL_DEADLINE, CLOCK)  # in both windows
    lic.request_renewal(date(2031, 2, 12), CLERK)
    lic.renew("YX-2031-001", 60, date(2031, 3, 1), APPROVER)
    settled(lic)
    assert lic.valid_until == RENEWED_UNTIL
    assert lic.renewal_deadline == RENEWED_DEADLINE
    new_deadline = lic.reminder_due(subject)
    assert new_deadline == (
        RENEWED_DEADLINE
        if subject is ReminderSubject.RENEWAL_DEADLINE
        else RENEWED_UNTIL
    )

    lic.send_reminder(subject, new_deadline, CLOCK)

    [event] = lic.collect_events()
    assert isinstance(event, Licence.ReminderSent)
    assert event.deadline == new_deadline
    assert new_deadline.isoformat() in event.text
    assert lic.reminders_sent == [(subject, old_deadline), (subject, new_deadline)]


def test_after_a_deemed_renewal_a_new_expiry_reminder_is_owed() -> None:
    lic = renewal_requested()
    lic.deem_renewal(60, date(2031, 3, 15), CLOCK)
    settled(lic)
    assert lic.reminder_due(ReminderSubject.EXPIRY) == RENEWED_UNTIL


def test_a_renewed_licence_is_not_reminded_of_the_new_dates_too_early() -> None:
    lic = renewed()
    with pytest.raises(DeadlineError):
        lic.send_reminder(ReminderSubject.RENEWAL_DEADLINE, date(2031, 3, 2), CLOCK)
    assert lic.collect_events() == []


def test_a_licence_without_a_period_of_validity_is_owed_no_reminder() -> None:
    lic = licence(PLAIN_ITEM)
    for subject in ReminderSubject:
        assert lic.reminder_due(subject) is None
        with pytest.raises(IllegalTransitionError):
            lic.send_reminder(subject, date(2031, 1, 20), CLOCK)
    assert lic.collect_events() == []


def expired() -> Licence:
    lic = licence()
    lic.expire(date(2031, 3, 15), CLOCK)
    return settled(lic)


def revoked() -> Licence:
    lic = licence()
    lic.revoke(RevocationGround.INELIGIBLE_APPLICANT, 0, date(2031, 1, 5), APPROVER)
    return settled(lic)


def withdrawn() -> Licence:
    lic = licence()
    lic.withdraw("依法补偿", date(2031, 1, 5), APPROVER)
    return settled(lic)


@pytest.mark.parametrize(
    ("build", "status"),
    [
        pytest.param(expired, LicenceStatus.EXPIRED, id="expired"),
        pytest.param(revoked, LicenceStatus.REVOKED, id="revoked"),
        pytest.param(withdrawn, LicenceStatus.WITHDRAWN, id="withdrawn"),
    ],
)
@pytest.mark.parametrize("subject", list(ReminderSubject))
def test_a_licence_that_is_no_longer_valid_is_owed_no_reminder(
    build: Callable[[], Licence], status: LicenceStatus, subject: ReminderSubject
) -> None:
    lic = build()
    assert lic.status is status
    assert lic.reminder_due(subject) is None
    with pytest.raises(IllegalTransitionError) as exc:
        lic.send_reminder(subject, date(2031, 2, 12), CLOCK)
    assert exc.value.rule == RULE_REMINDER
    assert lic.collect_events() == []


def test_a_licence_resting_on_a_false_commitment_is_owed_no_reminder() -> None:
    """It awaits only its revocation (国发〔2018〕33号)."""
    lic = licence(COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT)
    check_commitment(lic, "承诺不实", True, date(2026, 5, 6))
    settled(lic)
    assert lic.status is LicenceStatus.VALID
    for subject in ReminderSubject:
        assert lic.reminder_due(subject) is None
        with pytest.raises(IllegalTransitionError):
            lic.send_reminder(subject, lic.renewal_deadline or VALID_UNTIL, CLOCK)
    assert lic.collect_events() == []


def test_sending_a_reminder_without_an_actor_is_refused() -> None:
    lic = licence()
    with pytest.raises(AuditContractError) as exc:
        lic.send_reminder(
            ReminderSubject.EXPIRY,
            date(2031, 3, 1),
            None,  # type: ignore[arg-type]
        )
    assert exc.value.rule == "DESIGN §3"
    assert lic.collect_events() == []
    assert lic.reminders_sent == []


# -- snapshots keep the reminders sent --------------------------------------------------


def test_a_licence_snapshot_keeps_the_reminders_sent_through_the_store() -> None:
    lic = licence()
    lic.send_reminder(ReminderSubject.RENEWAL_DEADLINE, date(2031, 1, 20), CLOCK)
    lic.send_reminder(ReminderSubject.EXPIRY, date(2031, 2, 20), CLOCK)
    settled(lic)
    mapper = PydanticMapper(transcoder=JSONTranscoder())

    stored = mapper.to_stored_event(Licence.Snapshot.take(lic))
    snapshot = mapper.to_domain_event(stored)
    restored = snapshot.mutate(None)

    assert isinstance(restored, Licence)
    assert vars(restored) == vars(lic)
    assert restored.reminders_sent == [
        (ReminderSubject.RENEWAL_DEADLINE, RENEWAL_DEADLINE),
        (ReminderSubject.EXPIRY, VALID_UNTIL),
    ]
    for subject, deadline in restored.reminders_sent:
        assert type(subject) is ReminderSubject
        assert type(deadline) is date
    # Restored, the licence still refuses to send the same reminder twice.
    with pytest.raises(IllegalTransitionError):
        restored.send_reminder(ReminderSubject.EXPIRY, date(2031, 3, 1), CLOCK)


def test_a_snapshot_taken_before_reminders_existed_restores_with_none_sent() -> None:
    lic = licence()
    state = Licence.Snapshot.take(lic).state.model_dump()
    state.pop("reminders_sent")

    old = LicenceState(**state)

    assert old.reminders_sent == []


# == through the service (popo, in memory) ============================================


def test_the_service_records_a_missed_decision_deadline_dated_today(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock)
    move_to(clock, date(2026, 10, 30))

    result = licensing.record_missed_deadline(app_id, DeadlineKind.DECISION, CLOCK)

    [event] = licensing.history(app_id)[-1:]
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.due == DECISION_DUE
    assert event.recorded_on == date(2026, 10, 30)
    assert result.version == event.originator_version
    assert licensing.get_application(app_id).missed_deadlines == [
        (DeadlineKind.DECISION, DECISION_DUE)
    ]


def test_the_service_records_a_missed_certificate_deadline(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id, _ = granted_case(licensing, clock)
    move_to(clock, the_day_after(CERTIFICATE_DUE))

    licensing.record_missed_deadline(app_id, DeadlineKind.CERTIFICATE, CLOCK)

    [event] = licensing.history(app_id)[-1:]
    assert isinstance(event, LicenceApplication.DeadlineMissed)
    assert event.kind is DeadlineKind.CERTIFICATE
    assert event.due == CERTIFICATE_DUE


def test_only_the_clock_records_a_missed_deadline(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock)
    move_to(clock, date(2026, 10, 30))
    for role in (Role.CLERK, Role.APPROVER):
        with pytest.raises(PermissionDeniedError):
            licensing.record_missed_deadline(
                app_id, DeadlineKind.DECISION, staff_audit(role, reason="逾期")
            )
    assert licensing.get_application(app_id).missed_deadlines == []


def test_the_service_sends_a_reminder_dated_today_and_a_snapshot_keeps_it(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock)
    deadline = licensing.get_licence(licence_id).renewal_deadline
    assert deadline is not None
    move_to(clock, window_opens(deadline))

    licensing.send_reminder(licence_id, ReminderSubject.RENEWAL_DEADLINE, CLOCK)
    from_events = licensing.get_licence(licence_id)
    licensing.take_snapshot(licence_id)

    [event] = licensing.history(licence_id)[-1:]
    assert isinstance(event, Licence.ReminderSent)
    assert event.sent_on == window_opens(deadline)
    assert event.deadline == deadline
    assert licensing.snapshots is not None
    [snapshot] = licensing.snapshots.get(licence_id)
    assert isinstance(snapshot, Licence.Snapshot)
    restored = snapshot.mutate(None)
    assert isinstance(restored, Licence)
    assert vars(restored) == vars(from_events)
    assert restored.reminders_sent == [(ReminderSubject.RENEWAL_DEADLINE, deadline)]
    with pytest.raises(IllegalTransitionError):
        licensing.send_reminder(licence_id, ReminderSubject.RENEWAL_DEADLINE, CLOCK)


def test_the_service_refuses_a_reminder_outside_its_window(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock)
    version = licensing.get_licence(licence_id).version
    with pytest.raises(DeadlineError):
        licensing.send_reminder(licence_id, ReminderSubject.EXPIRY, CLOCK)
    assert licensing.get_licence(licence_id).version == version


# == the timers' actions are declared commands ========================================


@pytest.mark.parametrize(
    ("action", "arguments"),
    [
        ("deem_acceptance", {}),
        ("terminate_for_missed_supply", {}),
        ("record_missed_deadline:decision", {"kind": DeadlineKind.DECISION}),
        ("record_missed_deadline:certificate", {"kind": DeadlineKind.CERTIFICATE}),
        ("deem_renewal", {}),
        ("expire_licence", {}),
        (
            "send_reminder:renewal_deadline",
            {"subject": ReminderSubject.RENEWAL_DEADLINE},
        ),
        ("send_reminder:expiry", {"subject": ReminderSubject.EXPIRY}),
    ],
)
def test_a_timers_action_names_a_system_command_and_its_argument(
    action: str, arguments: dict[str, object]
) -> None:
    name, _, argument = action.partition(":")
    spec = Licensing.commands[name]
    assert spec.system_only
    assert spec.arguments_from(argument) == arguments
