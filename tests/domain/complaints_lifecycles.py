"""Every event of the complaints context, made through the aggregates' own
commands (no service, no vault: the sealed people are made by hand), for the
persistence round trip and the read-as-recorded proof."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint, Finding
from domain.complaints.intake import Intake, Sightings, Submitter
from domain.complaints.odr import Dispute, Negotiation, OdrEnterprise
from domain.complaints.parties import (
    Attachment,
    Channel,
    Classification,
    ExcludedPeriod,
    MediationDocument,
    MediationMode,
    NonAcceptanceGround,
    NotOpenedGround,
    OutsideMatter,
    Platform,
    Rating,
    Remedy,
    Respondent,
    TerminationGround,
)
from domain.complaints.report import Officer, Report, Source
from domain.shared.audit import Role
from domain.shared.clock import SHANGHAI
from domain.shared.personal import PersonRef, Sealed
from tests.domain.conftest import CALENDAR, CALENDAR_2027, staff_audit, system_audit

DAY = date(2026, 9, 18)
LATE = date(2026, 12, 28)
INTAKE = staff_audit(Role.INTAKE, reason="登记分送")
CITY_INTAKE = staff_audit(Role.INTAKE, "320800", reason="重新分送")
HANDLER = staff_audit(Role.HANDLER, reason="依法办理")
APPROVER = staff_audit(Role.APPROVER, reason="负责人批准")
CITY_APPROVER = staff_audit(Role.APPROVER, "320800", reason="上级指定")
SUPERVISOR = staff_audit(Role.SUPERVISION, "320800", reason="督察核查")
CLOCK = system_audit()


def sealed(role: str) -> Sealed:
    person = uuid4()
    return Sealed(
        person=PersonRef(id=person, pseudonym=f"{role}#{person.hex[:4]}"), box="00"
    )


RESPONDENT = Respondent(
    name="某某网店",
    uscc="91320803MA1XYW01X6",
    address="某路1号",
    region_code="320803",
    platform=Platform(name="某电商平台", region_code="320800"),
)


def shredded(case: Any) -> None:
    """Retention ended: its people's keys destroyed, recorded."""
    case.record_shredded(
        tuple(p.person.pseudonym for p in case.people), date(2029, 10, 19), CLOCK
    )


def _intake(number: str) -> Intake:
    return Intake.register(
        audit=INTAKE,
        number=number,
        query_code_hash="0" * 64,
        channel=Channel.NATIONAL_PLATFORM,
        submitter=Submitter(
            person=sealed("来件人"),
            agent=sealed("代理人"),
            power_of_attorney=Attachment(sha256="a" * 64, title="授权委托书"),
            representatives=(sealed("代表人"),),
            joint=True,
        ),
        respondent=RESPONDENT,
        facts="事实",
        claim="请求",
        attachments=(Attachment(sha256="b" * 64, title="发票"),),
        unit_code="320803",
        on=DAY,
        platform_reference="12315-2026-0001",
    )


def _intakes() -> list[Any]:
    classified = _intake("1")
    classified.flag_duplicates(("0",), INTAKE)
    classified.classify(Classification.BOTH, uuid4(), uuid4(), INTAKE)
    classified.hand_over("I-2", "接手人", INTAKE)
    classified.record_personal_data_read(INTAKE)
    answered = _intake("2")
    answered.answer_enquiry("答复", DAY, INTAKE)
    shredded(answered)
    referred = _intake("3")
    referred.refer(OutsideMatter.DISCIPLINE, DAY, INTAKE)
    sightings = Sightings.start("key", INTAKE)
    sightings.see("1", DAY, INTAKE)
    conduct = _intake("4")
    conduct.classify(
        Classification.CONDUCT, None, None, INTAKE, conduct_id=uuid4(), subject_no="H-2"
    )
    odr = _intake("5")
    odr.classify(Classification.ODR, None, None, INTAKE, dispute_id=uuid4())
    return [classified, answered, referred, sightings, conduct, odr]


def _complaint(number: str, on: date = DAY) -> Complaint:
    return Complaint.open(
        audit=INTAKE,
        number=number,
        intake_id=uuid4(),
        channel=Channel.TELEPHONE,
        complainant=sealed("投诉人"),
        agent=None,
        representatives=(),
        joint=False,
        respondent=RESPONDENT,
        facts="事实",
        claim="退货",
        intake_unit_code="320803",
        unit_code="320803",
        on=on,
        calendar=CALENDAR,
        linked_id=uuid4(),
    )


def _complaints() -> list[Any]:
    mediated = _complaint("T-1")
    mediated.return_to_intake(DAY, HANDLER)
    mediated.route("320803", DAY, CALENDAR, INTAKE)
    mediated.accept(DAY, CALENDAR, HANDLER)
    mediated.schedule_mediation(
        MediationMode.ON_SITE,
        datetime(2026, 9, 22, 9, tzinfo=SHANGHAI),
        "调解室",
        ("调解员",),
        DAY,
        HANDLER,
    )
    mediated.entrust_mediation("消费者协会", DAY, HANDLER)
    mediated.exclude_period(ExcludedPeriod.TESTING, DAY, HANDLER)
    mediated.resume_period(date(2026, 9, 21), CALENDAR, HANDLER)
    mediated.refer_violation(uuid4(), HANDLER)
    mediated.take_over("320800", DAY, CITY_APPROVER)
    mediated.hand_over("H-2", "接手人", HANDLER)
    mediated.record_personal_data_read(HANDLER)
    mediated.reach_agreement(
        MediationDocument.AGREEMENT,
        129900,
        (Remedy.REFUND, Remedy.COMPENSATION),
        "退货退款并赔偿",
        DAY,
        HANDLER,
        signed_by_both=True,
    )
    mediated.rate(Rating.SATISFIED, "满意", DAY, CLOCK)
    terminated = _complaint("T-2")
    terminated.record_missed("acceptance", date(2026, 9, 30), CLOCK)
    terminated.accept(date(2026, 9, 30), CALENDAR, HANDLER)
    terminated.terminate(
        TerminationGround.ABSENT_OR_REFUSED, date(2026, 9, 30), CALENDAR, HANDLER
    )
    terminated.notify_parties(date(2026, 9, 30), HANDLER)
    declined = _complaint("T-3")
    declined.decline(NonAcceptanceGround.ALREADY_HANDLED, DAY, HANDLER)
    withdrawn = _complaint("T-4")
    withdrawn.withdraw(DAY, CALENDAR, HANDLER)
    # Received late in 2026: the 7 working days end in 2027, provisional
    # until a 2027 notice is published; then recomputed.
    provisional = _complaint("T-5", on=LATE)
    provisional.recompute_deadlines(CALENDAR_2027, CLOCK)
    shredded(withdrawn)
    return [mediated, terminated, declined, withdrawn, provisional]


def _report(number: str, *, named: bool = True, on: date = DAY) -> Report:
    return Report.open(
        audit=INTAKE,
        number=number,
        intake_id=uuid4(),
        channel=Channel.INTERNET,
        source=Source.INTAKE,
        reporter=sealed("举报人") if named else None,
        respondent=RESPONDENT,
        facts="线索",
        intake_unit_code="320803",
        unit_code="320803",
        on=on,
        calendar=CALENDAR,
    )


def _reports() -> list[Any]:
    opened = _report("J-1")
    opened.exclude_period(ExcludedPeriod.QUARANTINE, DAY, HANDLER)
    opened.resume_period(date(2026, 9, 21), CALENDAR, HANDLER)
    opened.extend_verification(DAY, CALENDAR, APPROVER)
    opened.dispute_jurisdiction("320804", DAY, CALENDAR, HANDLER)
    opened.settle_jurisdiction("320803", DAY, CALENDAR, CITY_APPROVER)
    opened.return_to_intake(DAY, HANDLER)
    opened.route("320803", DAY, CALENDAR, INTAKE)
    opened.take_over("320800", DAY, CITY_APPROVER)
    opened.hand_over("H-2", "接手人", HANDLER)
    opened.record_personal_data_read(HANDLER)
    officers = (Officer(staff_no="E-1", name="甲"), Officer(staff_no="E-2", name="乙"))
    opened.open_case(officers, DAY, CALENDAR, APPROVER)
    opened.notify_reporter(DAY, HANDLER)
    opened.notify_result("已处罚", 50000, DAY, HANDLER)
    declined = _report("J-2")
    declined.record_missed("verification", date(2026, 10, 16), CLOCK)
    declined.decline(
        NotOpenedGround.FIRST_SLIGHT, date(2026, 10, 16), CALENDAR, APPROVER
    )
    provisional = _report("J-3", on=LATE)
    provisional.recompute_deadlines(CALENDAR_2027, CLOCK)
    shredded(declined)
    return [opened, declined, provisional]


def _conduct(number: str, on: date = DAY) -> ConductComplaint:
    return ConductComplaint.open(
        audit=INTAKE,
        number=number,
        intake_id=uuid4(),
        channel=Channel.COUNTER,
        complainant=sealed("投诉人"),
        unit_code="320803",
        subject_no="H-2",
        subject_name="被投诉人",
        facts="工作人员推诿",
        claim="要求处理",
        intake_unit_code="320803",
        on=on,
        calendar=CALENDAR,
    )


def _conduct_complaints() -> list[Any]:
    concluded = _conduct("X-1")
    concluded.hand_over("S-1", "督察甲", SUPERVISOR)
    concluded.record_personal_data_read(SUPERVISOR)
    concluded.record_missed("conclusion", date(2026, 10, 16), CLOCK)
    concluded.record_outcome(
        Finding.SUBSTANTIATED, "批评教育并整改", date(2026, 10, 16), SUPERVISOR
    )
    concluded.notify_complainant(date(2026, 10, 16), SUPERVISOR)
    concluded.rate(Rating.FAIRLY_SATISFIED, "", date(2026, 10, 19), CLOCK)
    shredded(concluded)
    provisional = _conduct("X-2", on=LATE)
    provisional.recompute_deadlines(CALENDAR_2027, CLOCK)
    return [concluded, provisional]


ODR_DUE = date(2026, 10, 9)  # 10 wd from Fri 9/18 (make-up Sun 9/20; 国庆 10/1–7)


def _dispute(number: str, enterprise: OdrEnterprise, on: date = DAY) -> Dispute:
    return Dispute.open(
        audit=INTAKE,
        number=number,
        intake_id=uuid4(),
        enterprise=enterprise,
        channel=Channel.INTERNET,
        consumer=sealed("投诉人"),
        respondent=RESPONDENT,
        facts="事实",
        claim="退货",
        intake_unit_code="320803",
        unit_code="320803",
        on=on,
        calendar=CALENDAR,
    )


def _odr() -> list[Any]:
    enterprise = OdrEnterprise.enrol(
        audit=APPROVER,
        uscc=RESPONDENT.uscc or "",
        name=RESPONDENT.name,
        region_code="320803",
        unit_code="320803",
        key="K" * 32,
        on=DAY,
    )
    settled = _dispute("H-1", enterprise)
    settled.hand_over("I-2", "接手人", INTAKE)
    settled.record_personal_data_read(INTAKE)
    settled.settle(
        Negotiation.TELEPHONE, DAY, "退货退款", 29900, (Remedy.REFUND,), DAY, CLOCK
    )
    shredded(settled)
    escalated = _dispute("H-2", enterprise)
    escalated.record_no_settlement(Negotiation.ONLINE, DAY, "未达成", DAY, CLOCK)
    escalated.escalate(uuid4(), DAY, CLOCK)
    silent = _dispute("H-3", enterprise)
    silent.record_missed("odr_answer", date(2026, 10, 10), CLOCK)
    silent.escalate(uuid4(), date(2026, 10, 12), CLOCK)
    provisional = _dispute("H-4", enterprise, on=LATE)
    provisional.recompute_deadlines(CALENDAR_2027, CLOCK)
    enterprise.end(DAY, APPROVER)
    enterprise.reenrol("L" * 32, DAY, APPROVER)
    from_odr = Complaint.open(
        audit=CLOCK,
        number="T-ODR",
        intake_id=uuid4(),
        channel=Channel.INTERNET,
        complainant=sealed("投诉人"),
        agent=None,
        representatives=(),
        joint=False,
        respondent=RESPONDENT,
        facts="事实",
        claim="退货",
        intake_unit_code="320803",
        unit_code="320803",
        on=DAY,
        calendar=CALENDAR,
        odr_id=escalated.id,
    )
    return [settled, escalated, silent, provisional, enterprise, from_odr]


def complaints_lifecycles() -> list[list[Any]]:
    aggregates = (
        _intakes() + _complaints() + _reports() + _conduct_complaints() + _odr()
    )
    return [list(a.collect_events()) for a in aggregates]
