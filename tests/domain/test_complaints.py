"""Complaints and reports (DOMAIN §3): the rules of 《市场监督管理投诉举报处理暂行办法》
and 《市场监督管理行政处罚程序规定》, through the service, in memory.

Dates were counted by hand on the 2026 calendar (conftest: 中秋 9/25–9/27,
国庆 10/1–10/7, make-up working days Sun 9/20 and Sat 10/10). Receipt and
acceptance on Fri 9/18:
- 7 wd (Art. 14): 9/20 =1, 9/21–24 =2..5, 9/28 =6, 9/29 =7 → Tue 9/29;
- 15 wd (处罚程序规定 Art. 18): … 9/30 =8, 10/8 =9, 10/9 =10, 10/10 =11,
  10/12–15 =12..15 → Thu 10/15; +15: 10/16 =1, 10/19–23 =2..6,
  10/26–30 =7..11, 11/2–5 =12..15 → Thu 11/5;
- 45 wd (Art. 21 (5)): … 10/12–16 =12..16, 10/19–23 =17..21, 10/26–30
  =22..26, 11/2–6 =27..31, 11/9–13 =32..36, 11/16–20 =37..41, 11/23–26
  =42..45 → Thu 11/26.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.complaints.complaint import Complaint
from domain.complaints.complaint import Status as ComplaintStatus
from domain.complaints.conduct import ConductComplaint, Finding
from domain.complaints.conduct import Status as ConductStatus
from domain.complaints.intake import Intake
from domain.complaints.intake import Status as IntakeStatus
from domain.complaints.parties import (
    Channel,
    Classification,
    ExcludedPeriod,
    MediationDocument,
    MediationMode,
    NonAcceptanceGround,
    NotOpenedGround,
    OutsideMatter,
    Rating,
    Remedy,
    Respondent,
    TerminationGround,
)
from domain.complaints.report import Report
from domain.complaints.report import Status as ReportStatus
from domain.complaints.service import PUBLIC, Complaints, Receipt, Submission
from domain.registry.service import Registry
from domain.shared.audit import Audit, Caller, Role
from domain.shared.clock import SHANGHAI, FixedClock, legal_date
from domain.shared.dates import years_after
from domain.shared.errors import (
    DeadlineError,
    DomainError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.jurisdiction import normalise_region_code
from domain.shared.personal import PersonalDetails
from tests.complaints_vault import MemoryVault
from tests.domain.conftest import (
    BOOTSTRAP,
    CALENDAR,
    CALENDAR_2027,
    POPO,
    at_shanghai,
    staff_audit,
    system_audit,
)

RECEIVED = date(2026, 9, 18)
COUNTY = "320803"  # the county of the licensing tests
OTHER_COUNTY = "320804"  # a neighbouring county of the same city
CITY = "320800"

INTAKE = staff_audit(Role.INTAKE, staff_no="I-1")
HANDLER = staff_audit(Role.HANDLER, reason="依法办理", staff_no="H-1")
APPROVER = staff_audit(Role.APPROVER, reason="经负责人批准", staff_no="A-1")
CLOCK = system_audit()


ALICE = PersonalDetails(
    name="王小明", phone="13800000001", address="连云港市海州区某路1号"
)
SHOP = Respondent(
    name="连云港市海州区某某电器商行", region_code=COUNTY, address="海州区商业街8号"
)


def caller(audit: Audit, *roles: Role) -> Caller:
    return Caller(audit=audit, roles=frozenset(roles or {audit.actor.role}))  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at_shanghai(RECEIVED))


@pytest.fixture
def vault() -> MemoryVault:
    return MemoryVault()


@pytest.fixture
def complaints(
    registry: Registry, clock: FixedClock, vault: MemoryVault
) -> Iterator[Complaints]:
    for code, name in (
        (COUNTY, "海州区局"),
        (OTHER_COUNTY, "连云区局"),
        (CITY, "市局"),
    ):
        registry.establish_unit(code, name, BOOTSTRAP)
    for staff_no, name in (("E-1", "赵一"), ("E-2", "钱二"), ("H-2", "孙三")):
        registry.enrol_staff(
            staff_no, name, COUNTY, frozenset({Role.HANDLER}), BOOTSTRAP
        )
    for staff_no, name, unit in (("S-1", "督察甲", CITY), ("S-9", "督察九", COUNTY)):
        registry.enrol_staff(
            staff_no, name, unit, frozenset({Role.SUPERVISION}), BOOTSTRAP
        )
    service = Complaints(
        env=POPO, registry=registry, calendar=CALENDAR, vault=vault, clock=clock
    )
    yield service
    service.close()


def register(
    complaints: Complaints, person: PersonalDetails | None = ALICE, **more: Any
) -> UUID:
    receipt = complaints.register(
        audit=INTAKE,
        channel=more.pop("channel", Channel.TELEPHONE),
        submitter=more.pop("submitter", Submission(person=person)),
        respondent=more.pop("respondent", SHOP),
        facts=more.pop("facts", "购买的电热水器漏电，商家拒绝退货。"),
        claim=more.pop("claim", "退货退款"),
        **more,
    )
    return receipt.id


def classify(
    complaints: Complaints,
    intake: UUID,
    classification: Classification = Classification.COMPLAINT,
    unit: str = COUNTY,
    **more: Any,
) -> Intake:
    complaints.classify(
        intake,
        audit=staff_audit(Role.INTAKE, reason="按投诉处理", staff_no="I-1"),
        classification=classification,
        unit_code=unit,
        **more,
    )
    return complaints.load(Intake, intake, "intake")


def a_complaint(complaints: Complaints) -> Complaint:
    intake = classify(complaints, register(complaints))
    assert intake.complaint_id is not None
    return complaints.load(Complaint, intake.complaint_id, "complaint")


def a_report(complaints: Complaints, person: PersonalDetails | None = ALICE) -> Report:
    intake = classify(complaints, register(complaints, person), Classification.REPORT)
    assert intake.report_id is not None
    return complaints.load(Report, intake.report_id, "report")


def on(clock: FixedClock, day: date) -> None:
    clock.at = at_shanghai(day)


def reload(complaints: Complaints, case: Complaint | Report) -> Any:
    return complaints.load(type(case), case.id, "case")


# -- intake and classification (Arts. 3, 7, 8–11, 39) -----------------------------


def test_an_intake_records_the_first_member_of_staff_as_answerable(
    complaints: Complaints,
) -> None:
    intake = complaints.load(Intake, register(complaints), "intake")
    assert intake.responsible_no == "I-1"
    assert intake.oral  # a telephone submission, recorded by staff (Art. 9)
    assert intake.unit_code == COUNTY


def test_personal_data_is_sealed_in_the_event_never_stored_in_clear(
    complaints: Complaints,
) -> None:
    intake_id = register(complaints)
    stored = b"".join(
        e.state
        for e in complaints.recorder.select_events(intake_id)  # type: ignore[attr-defined]
    )
    assert "王小明".encode() not in stored
    assert b"13800000001" not in stored
    intake = complaints.load(Intake, intake_id, "intake")
    assert intake.submitter.person is not None
    assert intake.submitter.person.person.pseudonym.startswith("来件人#")


def test_both_makes_a_linked_complaint_and_report_art_7(
    complaints: Complaints,
) -> None:
    intake = classify(complaints, register(complaints), Classification.BOTH)
    assert intake.complaint_id is not None
    assert intake.report_id is not None
    complaint = complaints.load(Complaint, intake.complaint_id, "complaint")
    report = complaints.load(Report, intake.report_id, "report")
    assert complaint.linked_id == report.id
    assert report.linked_id == complaint.id
    assert complaint.complainant.person.id == report.people[0].person.id
    assert complaint.complainant.person.pseudonym.startswith("投诉人#")
    assert report.people[0].person.pseudonym.startswith("举报人#")
    # The same person under one stable tag.
    assert (
        complaint.complainant.person.pseudonym[-4:]
        == report.people[0].person.pseudonym[-4:]
    )


def test_an_anonymous_submission_may_be_a_report_but_not_a_complaint(
    complaints: Complaints,
) -> None:
    anonymous = register(complaints, person=None)
    with pytest.raises(InvalidInputError, match="only a report may be anonymous"):
        classify(complaints, anonymous)
    intake = classify(complaints, anonymous, Classification.REPORT)
    assert intake.report_id is not None
    assert complaints.load(Report, intake.report_id, "report").anonymous


def test_an_enquiry_is_answered_and_closed_without_a_case(
    complaints: Complaints,
) -> None:
    intake_id = register(complaints)
    complaints.answer_enquiry(intake_id, audit=INTAKE, answer="三包期内可要求修理。")
    intake = complaints.load(Intake, intake_id, "intake")
    assert intake.status is IntakeStatus.ANSWERED
    assert intake.classification is Classification.ENQUIRY
    assert intake.complaint_id is None
    with pytest.raises(IllegalTransitionError):
        classify(complaints, intake_id)


def test_a_matter_outside_the_measures_is_referred_with_its_channel_art_39(
    complaints: Complaints,
) -> None:
    intake_id = register(complaints)
    complaints.refer(
        intake_id,
        audit=staff_audit(Role.INTAKE, reason="属于信访事项"),
        matter=OutsideMatter.PETITION,
    )
    intake = complaints.load(Intake, intake_id, "intake")
    assert intake.status is IntakeStatus.REFERRED
    (event,) = [
        e for e in complaints.history(intake_id) if type(e).__name__ == "Referred"
    ]
    assert "信访" in event.channel


def test_an_agent_without_a_power_of_attorney_is_refused_art_10(
    complaints: Complaints,
) -> None:
    agent = PersonalDetails(name="李律师", phone="13900000002")
    with pytest.raises(InvalidInputError, match="power of attorney") as refused:
        register(complaints, submitter=Submission(person=ALICE, agent=agent))
    assert "第10条" in str(refused.value.rule)


def test_a_joint_complaint_names_at_most_two_representatives_art_11(
    complaints: Complaints,
) -> None:
    reps = tuple(
        PersonalDetails(name=f"代表{n}", phone=f"1370000000{n}") for n in range(3)
    )
    with pytest.raises(Exception, match=r"at most 2|max_length|too_long"):
        Submission(person=ALICE, representatives=reps, joint=True)


def test_a_second_intake_by_the_same_person_against_the_same_business_is_flagged(
    complaints: Complaints, clock: FixedClock
) -> None:
    first = complaints.load(Intake, register(complaints), "intake")
    on(clock, RECEIVED + timedelta(days=20))
    second = complaints.load(Intake, register(complaints), "intake")
    assert second.duplicates == (first.number,)
    assert second.status is IntakeStatus.REGISTERED  # flagged, never merged
    on(clock, RECEIVED + timedelta(days=60))
    later = complaints.load(Intake, register(complaints), "intake")
    assert later.duplicates == ()  # outside the 30 days


def test_a_unit_without_jurisdiction_over_the_respondent_is_not_routed_to(
    complaints: Complaints,
) -> None:
    intake_id = register(complaints)
    with pytest.raises(InvalidInputError, match="no jurisdiction") as refused:
        classify(complaints, intake_id, unit=OTHER_COUNTY)
    assert "第12条" in str(refused.value.rule)


def test_the_public_form_registers_an_internet_intake(complaints: Complaints) -> None:
    receipt = complaints.submit(
        Audit(actor=PUBLIC, request_id="req-public"),
        unit_code=COUNTY,
        submitter=Submission(person=ALICE),
        respondent=SHOP,
        facts="网购商品与描述不符。",
        claim="退款",
    )
    intake = complaints.load(Intake, receipt.id, "intake")
    assert intake.channel is Channel.INTERNET
    assert not intake.oral
    assert len(receipt.query_code) == 14
    assert (
        complaints.find_intake(receipt.intake_number, receipt.query_code).id
        == receipt.id
    )


# -- complaint: acceptance (Arts. 14–15) --------------------------------------------


def test_acceptance_is_due_seven_working_days_after_receipt(
    complaints: Complaints,
) -> None:
    complaint = a_complaint(complaints)
    assert complaint.acceptance.due.due == date(2026, 9, 29)
    assert complaint.acceptance.rule.endswith("第14条")


def test_the_clock_records_a_missed_acceptance_deadline_the_day_after(
    complaints: Complaints, clock: FixedClock
) -> None:
    complaint = a_complaint(complaints)
    on(clock, date(2026, 9, 29))
    with pytest.raises(DeadlineError):
        complaints.record_missed_deadline(complaint.id, audit=CLOCK, kind="acceptance")
    on(clock, date(2026, 9, 30))
    complaints.record_missed_deadline(complaint.id, audit=CLOCK, kind="acceptance")
    assert reload(complaints, complaint).missed == [("acceptance", date(2026, 9, 29))]
    with pytest.raises(IllegalTransitionError):  # once per deadline
        complaints.record_missed_deadline(complaint.id, audit=CLOCK, kind="acceptance")


def test_not_accepted_as_time_barred_needs_three_full_years_art_15_4(
    complaints: Complaints,
) -> None:
    complaint = a_complaint(complaints)
    reason = staff_audit(Role.HANDLER, reason="超过三年")
    with pytest.raises(InvalidInputError, match="not yet time-barred"):
        complaints.decline(
            complaint.id,
            audit=reason,
            ground=NonAcceptanceGround.TIME_BARRED,
            knew_on=date(2023, 9, 18),  # three years end on 2026-09-18 itself
        )
    complaints.decline(
        complaint.id,
        audit=reason,
        ground=NonAcceptanceGround.TIME_BARRED,
        knew_on=date(2023, 9, 17),
    )
    declined = reload(complaints, complaint)
    assert declined.status is ComplaintStatus.NOT_ACCEPTED
    (event,) = [
        e for e in complaints.history(complaint.id) if type(e).__name__ == "NotAccepted"
    ]
    assert event.rule.endswith("第15条第4项")


def test_a_decision_without_a_reason_is_refused(complaints: Complaints) -> None:
    complaint = a_complaint(complaints)
    with pytest.raises(DomainError, match="reason"):
        complaints.decline(
            complaint.id,
            audit=staff_audit(Role.HANDLER),
            ground=NonAcceptanceGround.OUTSIDE_DUTIES,
        )


def test_a_clerk_cannot_accept_a_complaint(complaints: Complaints) -> None:
    complaint = a_complaint(complaints)
    with pytest.raises(PermissionDeniedError):
        complaints.accept(complaint.id, audit=staff_audit(Role.CLERK))


def test_a_handler_of_another_county_cannot_accept(complaints: Complaints) -> None:
    complaint = a_complaint(complaints)
    with pytest.raises(PermissionDeniedError, match="jurisdiction"):
        complaints.accept(complaint.id, audit=staff_audit(Role.HANDLER, OTHER_COUNTY))


# -- complaint: mediation (Arts. 16–22) ----------------------------------------------


def accepted(complaints: Complaints) -> Complaint:
    complaint = a_complaint(complaints)
    complaints.accept(complaint.id, audit=HANDLER)
    result: Complaint = reload(complaints, complaint)
    return result


def test_mediation_times_out_after_45_working_days_across_the_national_day(
    complaints: Complaints, clock: FixedClock
) -> None:
    complaint = accepted(complaints)
    assert complaint.mediation is not None
    assert complaint.mediation.due.due == date(2026, 11, 26)
    on(clock, date(2026, 11, 26))  # the last day: not yet
    with pytest.raises(DeadlineError):
        complaints.time_out(complaint.id, audit=CLOCK)
    on(clock, date(2026, 11, 27))
    complaints.time_out(complaint.id, audit=CLOCK)
    ended = reload(complaints, complaint)
    assert ended.status is ComplaintStatus.TERMINATED
    assert ended.ground is TerminationGround.TIME_LIMIT
    # The parties are told within 7 wd: 11/30 =1, 12/1–4 =2..5, 12/7 =6, 12/8 =7.
    assert ended.notice.due.due == date(2026, 12, 8)


def test_testing_is_not_counted_in_the_mediation_period_art_20(
    complaints: Complaints, clock: FixedClock
) -> None:
    complaint = accepted(complaints)
    on(clock, date(2026, 10, 12))
    complaints.exclude_period(
        complaint.id,
        audit=staff_audit(Role.HANDLER, reason="双方共同委托检测"),
        kind=ExcludedPeriod.TESTING,
    )
    on(clock, date(2026, 10, 16))
    complaints.resume_period(complaint.id, audit=HANDLER)
    # 10/13–16 = 4 wd not counted: 11/26 + 4 wd = 11/27, 11/30, 12/1, 12/2.
    assert reload(complaints, complaint).mediation.due.due == date(2026, 12, 2)


def test_a_recusal_request_suspends_mediation_until_decided_art_19(
    complaints: Complaints, clock: FixedClock
) -> None:
    complaint = accepted(complaints)
    complaints.exclude_period(
        complaint.id,
        audit=staff_audit(Role.HANDLER, reason="被投诉人申请调解员回避"),
        kind=ExcludedPeriod.RECUSAL,
    )
    assert reload(complaints, complaint).status is ComplaintStatus.SUSPENDED
    with pytest.raises(IllegalTransitionError, match="suspended"):
        complaints.reach_agreement(
            complaint.id,
            audit=HANDLER,
            document=MediationDocument.AGREEMENT,
            recovered_fen=100,
            remedies=(Remedy.REFUND,),
            terms="退货退款",
            signed_by_both=True,
        )
    complaints.resume_period(complaint.id, audit=HANDLER)
    assert reload(complaints, complaint).status is ComplaintStatus.ACCEPTED


def test_on_site_mediation_is_notified_in_advance_art_18(
    complaints: Complaints,
) -> None:
    complaint = accepted(complaints)
    same_day = datetime(2026, 9, 18, 15, tzinfo=SHANGHAI)
    with pytest.raises(InvalidInputError, match="in advance"):
        complaints.schedule_mediation(
            complaint.id,
            audit=HANDLER,
            mode=MediationMode.ON_SITE,
            at=same_day,
            mediators=("孙三",),
            place="海州区局调解室",
        )
    complaints.schedule_mediation(
        complaint.id,
        audit=HANDLER,
        mode=MediationMode.ON_SITE,
        at=same_day + timedelta(days=3),
        mediators=("孙三",),
        place="海州区局调解室",
    )
    assert reload(complaints, complaint).mediation_mode is MediationMode.ON_SITE


def test_an_agreement_records_the_recovered_loss_in_fen_art_22(
    complaints: Complaints,
) -> None:
    complaint = accepted(complaints)
    with pytest.raises(InvalidInputError, match="signed by both"):
        complaints.reach_agreement(
            complaint.id,
            audit=HANDLER,
            document=MediationDocument.AGREEMENT,
            recovered_fen=129900,
            remedies=(Remedy.REFUND,),
            terms="退货退款1299元",
        )
    with pytest.raises(InvalidInputError, match="performed"):
        complaints.reach_agreement(
            complaint.id,
            audit=HANDLER,
            document=MediationDocument.RECORD,
            recovered_fen=129900,
            remedies=(Remedy.REFUND,),
            terms="退货退款1299元",
        )
    complaints.reach_agreement(
        complaint.id,
        audit=HANDLER,
        document=MediationDocument.RECORD,
        recovered_fen=129900,
        remedies=(Remedy.REFUND, Remedy.REFUND),
        terms="当场退货退款1299元",
        performed_at_once=True,
    )
    agreed = reload(complaints, complaint)
    assert agreed.status is ComplaintStatus.AGREED
    assert agreed.recovered_fen == 129900
    assert agreed.remedies == (Remedy.REFUND,)


def test_termination_before_the_45_days_needs_another_ground(
    complaints: Complaints,
) -> None:
    complaint = accepted(complaints)
    with pytest.raises(DeadlineError):
        complaints.terminate(
            complaint.id,
            audit=staff_audit(Role.HANDLER, reason="超期"),
            ground=TerminationGround.TIME_LIMIT,
        )
    complaints.terminate(
        complaint.id,
        audit=staff_audit(Role.HANDLER, reason="被投诉人拒绝调解"),
        ground=TerminationGround.ABSENT_OR_REFUSED,
    )
    ended = reload(complaints, complaint)
    assert ended.status is ComplaintStatus.TERMINATED
    complaints.notify_parties(complaint.id, audit=HANDLER)
    assert reload(complaints, complaint).parties_notified_on == RECEIVED


def test_a_withdrawal_after_acceptance_terminates_mediation_art_21_1(
    complaints: Complaints,
) -> None:
    complaint = accepted(complaints)
    complaints.withdraw(
        complaint.id, audit=staff_audit(Role.HANDLER, reason="投诉人来电撤回")
    )
    ended = reload(complaints, complaint)
    assert ended.ground is TerminationGround.WITHDRAWN_OR_SETTLED


def test_a_violation_found_in_mediation_opens_a_report_lead_art_23(
    complaints: Complaints,
) -> None:
    complaint = accepted(complaints)
    result = complaints.refer_violation(
        complaint.id,
        audit=staff_audit(Role.HANDLER, reason="调解中发现销售不合格产品"),
        facts="销售的电热水器无3C认证标志。",
    )
    referred = reload(complaints, complaint)
    (report_id,) = referred.report_ids
    report = complaints.load(Report, report_id, "report")
    assert report.verification.due.due == date(2026, 10, 15)
    assert report.anonymous  # the bureau's own lead: no reporter to tell
    assert result.version == referred.version


def test_the_person_rates_a_closed_complaint_once(complaints: Complaints) -> None:
    receipt = complaints.register(
        audit=INTAKE,
        channel=Channel.COUNTER,
        submitter=Submission(person=ALICE),
        respondent=SHOP,
        facts="热水器漏电",
        claim="退货",
    )
    classify(complaints, receipt.id)
    intake = complaints.load(Intake, receipt.id, "intake")
    assert intake.complaint_id is not None
    public = Audit(actor=PUBLIC, request_id="req-rate")
    with pytest.raises(IllegalTransitionError, match="closed"):
        complaints.rate(
            receipt.intake_number, receipt.query_code, Rating.SATISFIED, "", public
        )
    complaints.withdraw(
        intake.complaint_id, audit=staff_audit(Role.HANDLER, reason="撤回")
    )
    complaints.rate(
        receipt.intake_number, receipt.query_code, Rating.SATISFIED, "满意", public
    )
    with pytest.raises(IllegalTransitionError, match="already"):
        complaints.rate(
            receipt.intake_number, receipt.query_code, Rating.DISSATISFIED, "", public
        )


# -- routing and first-inquiry responsibility (Arts. 12–13, 37) ------------------------


def test_a_unit_without_authority_returns_the_case_and_the_intake_unit_reroutes(
    complaints: Complaints, registry: Registry, clock: FixedClock
) -> None:
    respondent = SHOP.model_copy(update={"region_code": OTHER_COUNTY})
    intake_id = register(complaints, respondent=respondent)
    # The city desk receives it, routes it to 320703.
    intake = classify(complaints, intake_id, unit=OTHER_COUNTY)
    assert intake.complaint_id is not None
    case = intake.complaint_id
    on(clock, date(2026, 9, 22))
    other_handler = staff_audit(Role.HANDLER, OTHER_COUNTY, reason="不属于本局管辖")
    complaints.return_to_intake(case, audit=other_handler)
    returned = complaints.load(Complaint, case, "complaint")
    assert returned.returned
    assert returned.unit_code == COUNTY  # back with the intake unit
    with pytest.raises(IllegalTransitionError, match="intake unit"):
        complaints.accept(case, audit=HANDLER)
    # Only the intake unit routes (Art. 37).
    with pytest.raises(PermissionDeniedError):
        complaints.route(
            case,
            audit=staff_audit(Role.INTAKE, OTHER_COUNTY, reason="转办"),
            unit_code=OTHER_COUNTY,
        )
    on(clock, date(2026, 9, 24))
    complaints.route(
        case, audit=staff_audit(Role.INTAKE, reason="重新分送"), unit_code=OTHER_COUNTY
    )
    rerouted = complaints.load(Complaint, case, "complaint")
    # Art. 14's 7 wd restart from the receipt by the unit with authority:
    # Thu 9/24 → 9/28 =1, 9/29 =2, 9/30 =3, 10/8 =4, 10/9 =5, 10/10 =6, 10/12 =7.
    assert rerouted.acceptance.due.due == date(2026, 10, 12)
    assert rerouted.unit_code == OTHER_COUNTY


def test_a_higher_level_takes_a_case_over_and_the_periods_continue(
    complaints: Complaints,
) -> None:
    complaint = accepted(complaints)
    due = complaint.mediation.due.due  # type: ignore[union-attr]
    complaints.take_over(
        complaint.id, audit=staff_audit(Role.APPROVER, CITY, reason="重大案件")
    )
    taken = reload(complaints, complaint)
    assert taken.unit_code == normalise_region_code(CITY)
    assert taken.mediation.due.due == due


def test_first_inquiry_responsibility_moves_only_by_a_recorded_hand_over(
    complaints: Complaints,
) -> None:
    complaint = a_complaint(complaints)
    assert complaint.responsible_no == "I-1"
    complaints.hand_over(
        complaint.id, audit=staff_audit(Role.HANDLER, reason="调岗交接"), staff_no="H-2"
    )
    handed = reload(complaints, complaint)
    assert (handed.responsible_no, handed.responsible_name) == ("H-2", "孙三")


# -- reports (处罚程序规定 Arts. 18–20; Arts. 30–32) -----------------------------------


def test_verification_is_due_in_15_working_days_and_extends_once_by_15(
    complaints: Complaints,
) -> None:
    report = a_report(complaints)
    assert report.verification.due.due == date(2026, 10, 15)
    with pytest.raises(PermissionDeniedError):
        complaints.extend_verification(report.id, audit=HANDLER)
    complaints.extend_verification(report.id, audit=APPROVER)
    assert reload(complaints, report).verification.due.due == date(2026, 11, 5)
    with pytest.raises(IllegalTransitionError, match="once"):
        complaints.extend_verification(report.id, audit=APPROVER)


def test_a_case_is_opened_with_two_officers_and_the_named_reporter_told_in_5_days(
    complaints: Complaints, clock: FixedClock
) -> None:
    report = a_report(complaints)
    on(clock, date(2026, 10, 12))
    with pytest.raises(InvalidInputError, match="two or more"):
        complaints.open_case(report.id, audit=APPROVER, officers=("E-1", "E-1"))
    complaints.open_case(report.id, audit=APPROVER, officers=("E-1", "E-2"))
    opened = reload(complaints, report)
    assert opened.status is ReportStatus.CASE_OPENED
    assert [o.name for o in opened.officers] == ["赵一", "钱二"]
    # 5 wd after Mon 10/12: 10/13–16 =1..4, 10/19 =5.
    assert opened.notice.due.due == date(2026, 10, 19)
    on(clock, date(2026, 10, 20))
    complaints.record_missed_deadline(report.id, audit=CLOCK, kind="reporter_notice")
    complaints.notify_reporter(report.id, audit=HANDLER)
    assert reload(complaints, report).closed


def test_an_anonymous_reporter_is_told_nothing_and_no_deadline_runs(
    complaints: Complaints,
) -> None:
    report = complaints.load(Report, a_report(complaints, person=None).id, "report")
    complaints.not_open_case(
        report.id, audit=APPROVER, ground=NotOpenedGround.NO_VIOLATION
    )
    declined = reload(complaints, report)
    assert declined.notice is None
    assert declined.due_deadlines() == []
    with pytest.raises(IllegalTransitionError, match="anonymous"):
        complaints.notify_reporter(report.id, audit=HANDLER)


def test_a_jurisdiction_dispute_is_settled_by_the_common_superior_art_30(
    complaints: Complaints, clock: FixedClock
) -> None:
    report = a_report(complaints)
    complaints.dispute_jurisdiction(
        report.id,
        audit=staff_audit(Role.HANDLER, reason="违法行为发生地在邻县"),
        with_unit=OTHER_COUNTY,
    )
    disputed = reload(complaints, report)
    assert disputed.status is ReportStatus.DISPUTED
    assert disputed.settle_by.due.due == date(2026, 9, 29)  # 7 wd, as Art. 14's
    on(clock, date(2026, 9, 30))
    with pytest.raises(IllegalTransitionError, match="common superior"):
        complaints.settle_jurisdiction(
            report.id,
            audit=staff_audit(Role.APPROVER, "320700", reason="指定"),
            unit_code=OTHER_COUNTY,
        )
    complaints.settle_jurisdiction(
        report.id,
        audit=staff_audit(Role.APPROVER, CITY, reason="指定邻县局管辖"),
        unit_code=OTHER_COUNTY,
    )
    settled = reload(complaints, report)
    assert settled.unit_code == OTHER_COUNTY
    # Received there on Wed 9/30: 15 wd → 10/8 =1, 10/9 =2, 10/10 =3, 10/12–16
    # =4..8, 10/19–23 =9..13, 10/26 =14, 10/27 =15.
    assert settled.verification.due.due == date(2026, 10, 27)


def test_the_result_and_reward_are_told_to_a_named_reporter_art_32(
    complaints: Complaints,
) -> None:
    report = a_report(complaints)
    with pytest.raises(IllegalTransitionError):
        complaints.notify_result(
            report.id, audit=HANDLER, result="已处罚", reward_fen=0
        )
    complaints.open_case(report.id, audit=APPROVER, officers=("E-1", "E-2"))
    complaints.notify_result(
        report.id, audit=HANDLER, result="已立案查处", reward_fen=50000
    )
    assert reload(complaints, report).result_notified


# -- personal data (Art. 33) ---------------------------------------------------------


def test_reading_personal_data_is_recorded_before_it_is_answered(
    complaints: Complaints,
) -> None:
    complaint = a_complaint(complaints)
    reader = staff_audit(Role.HANDLER, reason="电话联系投诉人核实情况", staff_no="H-1")
    result, people = complaints.personal_data(Complaint, complaint.id, caller(reader))
    assert [d.name for d in people.values() if d] == ["王小明"]
    (read,) = [
        e
        for e in complaints.history(complaint.id)
        if type(e).__name__ == "PersonalDataRead"
    ]
    assert read.audit.reason == "电话联系投诉人核实情况"
    assert read.audit.actor.id == "H-1"
    assert read.pseudonyms == (complaint.complainant.person.pseudonym,)
    assert result.version == read.originator_version


def test_personal_data_needs_the_right_and_a_reason(complaints: Complaints) -> None:
    complaint = a_complaint(complaints)
    auditor = staff_audit(Role.AUDITOR, CITY, reason="抽查")
    with pytest.raises(PermissionDeniedError):
        complaints.personal_data(Complaint, complaint.id, caller(auditor))
    entitled = caller(auditor, Role.AUDITOR, Role.PERSONAL_DATA)
    _, people = complaints.personal_data(Complaint, complaint.id, entitled)
    assert len(people) == 1
    with pytest.raises(DomainError, match="reason"):
        complaints.personal_data(
            Complaint, complaint.id, caller(staff_audit(Role.HANDLER))
        )


def test_a_shredded_key_leaves_the_case_readable_and_the_person_unreadable(
    complaints: Complaints, vault: MemoryVault
) -> None:
    complaint = a_complaint(complaints)
    assert vault.shred(complaint.complainant.person.id)
    reloaded = reload(complaints, complaint)  # every event still loads
    assert (
        reloaded.complainant.person.pseudonym == complaint.complainant.person.pseudonym
    )
    reader = staff_audit(Role.HANDLER, reason="归档核对")
    _, people = complaints.personal_data(Complaint, complaint.id, caller(reader))
    assert list(people.values()) == [None]


def test_a_published_holiday_notice_moves_a_provisional_acceptance_date(
    complaints: Complaints, clock: FixedClock
) -> None:
    """DESIGN §3. Received Mon 2026-12-28: without a 2027 notice, 7 wd are
    12/29, 12/30, 12/31, (元旦 1/1), 1/4, 1/5, 1/6, 1/7 → 1/7, provisional.
    The (made-up) notice makes Mon 1/4 a holiday too → 1/8."""
    on(clock, date(2026, 12, 28))
    complaint = a_complaint(complaints)
    assert complaint.acceptance.due.due == date(2027, 1, 7)
    assert complaint.acceptance.due.provisional
    complaints.calendar = CALENDAR_2027
    complaints.recompute_deadlines(complaint.id, audit=CLOCK)
    moved = reload(complaints, complaint)
    assert moved.acceptance.due.due == date(2027, 1, 8)
    assert not moved.acceptance.due.provisional
    with pytest.raises(IllegalTransitionError, match="no provisional deadline"):
        complaints.recompute_deadlines(complaint.id, audit=CLOCK)


# -- conduct complaints: about the bureau's own staff (效能投诉, issue 10 §6) ------------

SUPERVISOR = staff_audit(Role.SUPERVISION, CITY, reason="督察核查", staff_no="S-1")
BUREAU = Respondent(name="海州区市场监督管理局", region_code=COUNTY)


def a_conduct_complaint(
    complaints: Complaints, staff_no: str | None = "H-2"
) -> tuple[Receipt, ConductComplaint]:
    receipt = complaints.register(
        audit=INTAKE,
        channel=Channel.TELEPHONE,
        submitter=Submission(person=ALICE),
        respondent=BUREAU,
        facts="窗口工作人员态度恶劣，推诿不办。",
        claim="要求处理并道歉",
    )
    intake = classify(
        complaints, receipt.id, Classification.CONDUCT, COUNTY, staff_no=staff_no
    )
    assert intake.conduct_id is not None
    return receipt, complaints.load(ConductComplaint, intake.conduct_id, "conduct")


def test_a_conduct_complaint_goes_to_the_supervision_office_with_15_working_days(
    complaints: Complaints,
) -> None:
    _, conduct = a_conduct_complaint(complaints)
    assert (conduct.unit_code, conduct.subject_no, conduct.subject_name) == (
        COUNTY,
        "H-2",
        "孙三",
    )
    assert conduct.complainant.person.pseudonym.startswith("投诉人#")
    # The bureau's rule, 15 working days (UNCONFIRMED): as the report's 15,
    # counted by hand in the module docstring, Thu 10/15.
    assert conduct.conclusion.due.due == date(2026, 10, 15)
    assert "效能投诉" in conduct.conclusion.rule


def test_the_member_of_staff_named_works_in_the_unit_complained_about(
    complaints: Complaints,
) -> None:
    intake = register(complaints, respondent=BUREAU)
    with pytest.raises(InvalidInputError) as elsewhere:
        classify(
            complaints, intake, Classification.CONDUCT, OTHER_COUNTY, staff_no="H-2"
        )
    assert elsewhere.value.field == "staff_no"
    with pytest.raises(InvalidInputError) as unknown:
        classify(complaints, intake, Classification.CONDUCT, COUNTY, staff_no="X-0")
    assert unknown.value.field == "staff_no"
    with pytest.raises(InvalidInputError) as not_conduct:
        classify(complaints, intake, Classification.COMPLAINT, staff_no="H-2")
    assert not_conduct.value.field == "staff_no"


def test_a_conduct_complaint_names_its_complainant(complaints: Complaints) -> None:
    intake = register(complaints, None, respondent=BUREAU)
    with pytest.raises(InvalidInputError, match="complainant"):
        classify(complaints, intake, Classification.CONDUCT, COUNTY)


def test_only_the_supervision_office_decides_and_never_the_one_complained_about(
    complaints: Complaints,
) -> None:
    _, conduct = a_conduct_complaint(complaints, staff_no="S-9")
    with pytest.raises(PermissionDeniedError):
        complaints.record_outcome(
            conduct.id, audit=HANDLER, finding=Finding.NOT_SUBSTANTIATED
        )
    himself = staff_audit(Role.SUPERVISION, COUNTY, reason="自查", staff_no="S-9")
    with pytest.raises(NotFoundError):  # as if there were no such case
        complaints.record_outcome(
            conduct.id, audit=himself, finding=Finding.NOT_SUBSTANTIATED
        )
    with pytest.raises(InvalidInputError, match="supervision office"):
        complaints.assign(conduct.id, audit=SUPERVISOR, staff_no="S-9")
    complaints.assign(
        conduct.id,
        audit=staff_audit(Role.SUPERVISION, COUNTY, reason="交办", staff_no="S-0"),
        staff_no="S-1",
    )
    assert reload(complaints, conduct).responsible_no == "S-1"


def test_an_outcome_found_true_names_its_measures_and_telling_the_complainant_closes_it(
    complaints: Complaints,
) -> None:
    receipt, conduct = a_conduct_complaint(complaints)
    with pytest.raises(InvalidInputError) as bare:
        complaints.record_outcome(
            conduct.id, audit=SUPERVISOR, finding=Finding.PARTLY_SUBSTANTIATED
        )
    assert bare.value.field == "measures"
    with pytest.raises(IllegalTransitionError):
        complaints.notify_complainant(conduct.id, audit=SUPERVISOR)
    complaints.record_outcome(
        conduct.id,
        audit=SUPERVISOR,
        finding=Finding.PARTLY_SUBSTANTIATED,
        measures="对当事人批评教育，窗口服务规范整改",
    )
    concluded = reload(complaints, conduct)
    assert (concluded.status, concluded.closed) == (ConductStatus.CONCLUDED, False)
    assert concluded.due_deadlines()  # 办结 is the complainant told
    complaints.notify_complainant(conduct.id, audit=SUPERVISOR)
    closed = reload(complaints, conduct)
    assert (closed.status, closed.closed, closed.due_deadlines()) == (
        ConductStatus.CLOSED,
        True,
        [],
    )
    public = Audit(actor=PUBLIC, request_id="req-rate")
    complaints.rate(
        receipt.intake_number, receipt.query_code, Rating.DISSATISFIED, "", public
    )
    assert reload(complaints, conduct).rating is Rating.DISSATISFIED


def test_the_clock_records_the_conduct_conclusion_missed_the_day_after(
    complaints: Complaints, clock: FixedClock
) -> None:
    _, conduct = a_conduct_complaint(complaints)
    on(clock, date(2026, 10, 15))
    with pytest.raises(DeadlineError):
        complaints.record_missed_deadline(conduct.id, audit=CLOCK, kind="conclusion")
    on(clock, date(2026, 10, 16))
    complaints.record_missed_deadline(conduct.id, audit=CLOCK, kind="conclusion")
    assert reload(complaints, conduct).missed == [("conclusion", date(2026, 10, 15))]


def test_a_conduct_complaint_and_its_intake_are_kept_from_all_but_their_readers(
    complaints: Complaints,
) -> None:
    receipt, conduct = a_conduct_complaint(complaints)
    intake = complaints.load(Intake, receipt.id, "intake")
    assert conduct.readable_by("S-1", frozenset({Role.SUPERVISION}))
    assert conduct.readable_by("U-1", frozenset({Role.AUDITOR}))
    assert not conduct.readable_by("I-1", frozenset({Role.INTAKE}))
    assert not conduct.readable_by("A-1", frozenset({Role.APPROVER}))
    assert not conduct.readable_by("H-2", frozenset({Role.SUPERVISION}))
    assert intake.readable_by("I-1", frozenset({Role.INTAKE}))
    assert not intake.readable_by("H-1", frozenset({Role.HANDLER}))
    assert not intake.readable_by("H-2", frozenset({Role.INTAKE, Role.AUDITOR}))


def test_a_conduct_complaint_s_person_is_opened_by_the_supervision_office_only(
    complaints: Complaints,
) -> None:
    receipt, conduct = a_conduct_complaint(complaints)
    _, people = complaints.personal_data(
        ConductComplaint, conduct.id, caller(SUPERVISOR)
    )
    assert [d.name for d in people.values() if d] == ["王小明"]
    for who in (HANDLER, APPROVER, staff_audit(Role.INTAKE, reason="回访")):
        with pytest.raises(NotFoundError):
            complaints.personal_data(ConductComplaint, conduct.id, caller(who))
    with pytest.raises(NotFoundError):  # its intake, to the unit's handler
        complaints.personal_data(Intake, receipt.id, caller(HANDLER))
    desk = staff_audit(Role.INTAKE, reason="回访来件人", staff_no="I-1")
    _, recorded = complaints.personal_data(Intake, receipt.id, caller(desk))
    assert len(recorded) == 1
    auditor = staff_audit(Role.AUDITOR, CITY, reason="抽查")
    with pytest.raises(PermissionDeniedError):  # knows of it, without the right
        complaints.personal_data(ConductComplaint, conduct.id, caller(auditor))


# -- retention: the people's keys destroyed 3 years on (matter.py RULE_RETENTION) --------


def retention_day(*cases: Any) -> date:
    """The day after 3 years from the matter's last recorded act (by hand:
    the same calendar date 3 years on, 民法典 第202条)."""
    last = max(legal_date(c.modified_on) for c in cases)
    return years_after(last, 3) + timedelta(days=1)


def test_the_keys_of_a_closed_matter_are_destroyed_the_day_after_three_years(
    complaints: Complaints, clock: FixedClock, vault: MemoryVault
) -> None:
    intake_id = register(complaints)
    complaints.answer_enquiry(intake_id, audit=INTAKE, answer="可要求修理。")
    intake = complaints.load(Intake, intake_id, "intake")
    person = intake.submitter.person
    assert person is not None
    day = retention_day(intake)
    assert day - timedelta(days=1) == years_after(legal_date(intake.modified_on), 3)
    on(clock, day - timedelta(days=1))
    with pytest.raises(DeadlineError):
        complaints.shred_personal_data(intake_id, audit=CLOCK)
    assert person.person.id in vault.keys
    on(clock, day)
    complaints.shred_personal_data(intake_id, audit=CLOCK)
    assert person.person.id not in vault.keys
    (last,) = complaints.history(intake_id)[-1:]
    assert type(last).__name__ == "PersonalDataShredded"
    assert last.pseudonyms == (person.person.pseudonym,)
    _, people = complaints.personal_data(
        Intake,
        intake_id,
        caller(staff_audit(Role.INTAKE, reason="查阅", staff_no="I-1")),
    )
    assert list(people.values()) == [None]  # the case loads; the person is gone
    with pytest.raises(IllegalTransitionError):
        complaints.shred_personal_data(intake_id, audit=CLOCK)


def test_a_matter_is_kept_while_any_of_its_cases_is_open_then_shredded_as_one(
    complaints: Complaints, clock: FixedClock, vault: MemoryVault
) -> None:
    intake = classify(complaints, register(complaints), Classification.BOTH)
    assert intake.complaint_id is not None
    assert intake.report_id is not None
    complaints.withdraw(intake.complaint_id, audit=HANDLER)
    complaint = complaints.load(Complaint, intake.complaint_id, "complaint")
    on(clock, retention_day(complaint) + timedelta(days=30))
    with pytest.raises(IllegalTransitionError, match="not closed"):
        complaints.shred_personal_data(complaint.id, audit=CLOCK)
    assert len(vault.keys) == 1  # the complainant is the reporter: one key
    on(clock, RECEIVED)
    complaints.not_open_case(
        intake.report_id, audit=APPROVER, ground=NotOpenedGround.NO_VIOLATION
    )
    complaints.notify_reporter(intake.report_id, audit=HANDLER)
    report = complaints.load(Report, intake.report_id, "report")
    on(clock, retention_day(complaint, report))
    complaints.shred_personal_data(complaint.id, audit=CLOCK)
    assert vault.keys == {}
    for kind, case_id in (
        (Intake, intake.id),
        (Complaint, complaint.id),
        (Report, report.id),
    ):
        shredded = complaints.load(kind, case_id, "case")
        assert shredded.shredded


def test_the_case_acted_on_last_shreds_the_matter_and_a_lost_commit_is_finished(
    complaints: Complaints, clock: FixedClock, vault: MemoryVault
) -> None:
    """A read of the intake after every case closed keeps the whole matter
    until 3 years after that read; the intake's own timer then does it. Keys
    destroyed by an attempt whose commit was lost are recorded on the retry,
    whatever was read since."""
    intake = classify(complaints, register(complaints), Classification.COMPLAINT)
    assert intake.complaint_id is not None
    complaints.withdraw(intake.complaint_id, audit=HANDLER)
    desk = caller(staff_audit(Role.INTAKE, reason="回访", staff_no="I-1"))
    complaints.personal_data(Intake, intake.id, desk)
    complaint = complaints.load(Complaint, intake.complaint_id, "complaint")
    intake = complaints.load(Intake, intake.id, "intake")
    if retention_day(complaint) < retention_day(intake):  # a later day: kept
        on(clock, retention_day(complaint))
        with pytest.raises(DeadlineError):
            complaints.shred_personal_data(complaint.id, audit=CLOCK)
    on(clock, retention_day(intake))
    person = intake.submitter.person
    assert person is not None
    vault.shred(person.person.id)  # the keys went; the commit was lost
    complaints.personal_data(Intake, intake.id, desk)  # a read since
    complaints.shred_personal_data(complaint.id, audit=CLOCK)
    assert complaints.load(Complaint, complaint.id, "complaint").shredded
    assert complaints.load(Intake, intake.id, "intake").shredded
