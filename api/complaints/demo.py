"""The 12315 line's demo: intakes on every channel, complaints and reports in
every state, walked through on a demo clock by the demo staff
(api/host/demo.py), all through the service. The people are invented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.complaints import service
from api.host.demo import CITY, ENTERPRISES, HUAIAN, HUAIYIN, demo_uscc
from api.host.storage import Services
from domain.complaints.odr import Dispute, Negotiation
from domain.complaints.parties import (
    Channel,
    Classification,
    ExcludedPeriod,
    MediationDocument,
    MediationMode,
    NonAcceptanceGround,
    NotOpenedGround,
    OutsideMatter,
    Remedy,
    Respondent,
    TerminationGround,
)
from domain.complaints.service import Complaints, Submission
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.personal import PersonalDetails

PEOPLE = [
    PersonalDetails(name=f"演示群众{n}", phone=f"1990000{n:04d}", address="演示地址")
    for n in range(1, 17)
]


def load_demo(services: Services, data_dir: Path) -> list[str]:
    complaints = service(services)
    real = complaints.clock
    clock = FixedClock(datetime.now(UTC) - timedelta(days=30))
    complaints.clock = clock
    # The city's auditor holds the personal-data right (Art. 33) too.
    auditor = services.registry.get_staff("SJ-003")
    services.registry.change_roles(
        "SJ-003",
        frozenset({*auditor.roles, Role.PERSONAL_DATA}),
        _as(services, "SJ-004", Role.ADMIN, "演示：审计人员持有个人信息查阅权"),
    )
    try:
        return _walk(services, complaints, clock)
    finally:
        complaints.clock = real


def _as(
    services: Services, staff_no: str, role: Role, reason: str | None = None
) -> Audit:
    member = services.registry.get_staff(staff_no)
    return Audit(
        actor=member.actor(role),
        request_id="demo",
        reason=reason,
        causation="command:demo",
    )


def _respondent(n: int) -> Respondent:
    name, region, _ = ENTERPRISES[n]
    return Respondent(name=name, uscc=demo_uscc(n + 1, region), region_code=region)


def _walk(services: Services, c: Complaints, clock: FixedClock) -> list[str]:
    desk = _as(services, "SJ-006", Role.INTAKE, "按投诉举报处理办法登记分送")
    handler = _as(services, "HA-005", Role.HANDLER, "依法办理")
    approver = _as(services, "HA-004", Role.APPROVER, "经负责人批准")
    made: list[str] = []

    def register(
        n: int, channel: Channel, respondent: int, *, person: bool = True
    ) -> Any:
        return c.register(
            audit=desk,
            channel=channel,
            submitter=Submission(person=PEOPLE[n] if person else None),
            respondent=_respondent(respondent),
            facts="演示：购买的商品存在质量问题。",
            claim="退货退款" if person else "",
            platform_reference="12315-DEMO-0001"
            if channel is Channel.NATIONAL_PLATFORM
            else "",
        )

    def classify(receipt: Any, kind: Classification, unit: str = HUAIAN) -> Any:
        c.classify(receipt.id, audit=desk, classification=kind, unit_code=unit)
        return c.load(type(receipt.case), receipt.id, "intake")

    def later(days: int) -> None:
        clock.at += timedelta(days=days)

    # A complaint awaiting acceptance, one returned to the desk, one declined.
    waiting = classify(register(0, Channel.TELEPHONE, 0), Classification.COMPLAINT)
    returned = classify(
        register(1, Channel.COUNTER, 3), Classification.COMPLAINT, HUAIYIN
    )
    c.return_to_intake(
        returned.complaint_id,
        audit=_as(services, "HY-004", Role.HANDLER, "被投诉人实际经营地不在本区"),
    )
    declined = classify(register(2, Channel.POST, 1), Classification.COMPLAINT)
    c.decline(
        declined.complaint_id, audit=handler, ground=NonAcceptanceGround.ALREADY_HANDLED
    )
    # Mediated to agreement, with the loss recovered; one terminated and told.
    agreed = classify(register(3, Channel.INTERNET, 0), Classification.COMPLAINT)
    c.accept(agreed.complaint_id, audit=handler)
    later(2)
    c.schedule_mediation(
        agreed.complaint_id,
        audit=handler,
        mode=MediationMode.ON_SITE,
        at=clock.at + timedelta(days=2),
        mediators=("钱芳", "沈洋"),
        place="淮安区局调解室",
    )
    later(3)
    c.reach_agreement(
        agreed.complaint_id,
        audit=handler,
        document=MediationDocument.AGREEMENT,
        recovered_fen=259900,
        remedies=(Remedy.REFUND, Remedy.COMPENSATION),
        terms="退货退款2599元并赔偿",
        signed_by_both=True,
    )
    ended = classify(
        register(4, Channel.NATIONAL_PLATFORM, 1), Classification.COMPLAINT
    )
    c.accept(ended.complaint_id, audit=handler)
    later(1)
    c.terminate(
        ended.complaint_id,
        audit=_as(services, "HA-005", Role.HANDLER, "被投诉人拒绝调解"),
        ground=TerminationGround.ABSENT_OR_REFUSED,
    )
    c.notify_parties(ended.complaint_id, audit=handler)
    # In mediation, the period stopped for testing.
    testing = classify(register(5, Channel.FAX, 2), Classification.COMPLAINT)
    c.accept(testing.complaint_id, audit=handler)
    c.exclude_period(
        testing.complaint_id,
        audit=_as(services, "HA-005", Role.HANDLER, "双方共同委托检测"),
        kind=ExcludedPeriod.TESTING,
    )
    # Both (Art. 7): a complaint and a report; the report's case opened.
    both = classify(register(6, Channel.TELEPHONE, 1), Classification.BOTH)
    c.open_case(both.report_id, audit=approver, officers=("HA-005", "HA-006"))
    c.notify_reporter(both.report_id, audit=handler)
    # Reports: anonymous and not opened; one extended; one disputed.
    anonymous = classify(
        register(7, Channel.INTERNET, 0, person=False), Classification.REPORT
    )
    c.not_open_case(
        anonymous.report_id, audit=approver, ground=NotOpenedGround.NO_VIOLATION
    )
    extended = classify(register(8, Channel.TELEPHONE, 2), Classification.REPORT)
    c.extend_verification(extended.report_id, audit=approver)
    disputed = classify(register(9, Channel.COUNTER, 0), Classification.REPORT)
    c.dispute_jurisdiction(
        disputed.report_id,
        audit=_as(services, "HA-005", Role.HANDLER, "违法行为发生地可能在淮阴区"),
        with_unit=HUAIYIN,
    )
    # An enquiry answered, a petition referred.
    enquiry = register(10, Channel.TELEPHONE, 0)
    c.answer_enquiry(enquiry.id, audit=desk, answer="三包期内可要求修理、更换或退货。")
    petition = register(11, Channel.COUNTER, 1)
    c.refer(petition.id, audit=desk, matter=OutsideMatter.PETITION)
    made += _odr_and_conduct(services, c, register, classify, later)
    for intake in (
        waiting,
        returned,
        declined,
        agreed,
        ended,
        testing,
        both,
        anonymous,
    ):
        made.append(f"intake {intake.number}  {intake.classification}")
    made.append(f"(intake desk {CITY}: SJ-006; handlers HA-005, HA-006, HY-004)")
    return made


def _odr_and_conduct(
    services: Services, c: Complaints, register: Any, classify: Any, later: Any
) -> list[str]:
    """ODR (issue 10 §3a): a business enrolled, one dispute with it, one it
    settled, one it did not (escalated to a complaint); and a conduct
    complaint (效能投诉) about a handler, with the supervision office."""
    approver = _as(services, "HA-004", Role.APPROVER, "企业申请入驻ODR")
    shop = _respondent(0)
    enrolled = c.enrol_odr(
        audit=approver, uscc=shop.uscc or "", name=shop.name, region_code=HUAIAN
    )
    enterprise = c.odr_enterprise(enrolled.uscc, enrolled.key)
    if enterprise is None:  # pragma: no cover - the key was just issued
        raise RuntimeError("the demo's ODR key does not open its enterprise")
    business = Audit(
        actor=Actor(kind=ActorKind.BUSINESS, id=f"odr:{shop.uscc}", name=shop.name),
        request_id="demo",
    )
    disputes = []
    for n in (12, 13, 14):
        odr = classify(register(n, Channel.TELEPHONE, 0), Classification.ODR)
        disputes.append(c.load(Dispute, odr.dispute_id, "ODR dispute"))
    later(1)
    c.record_settlement(
        enterprise,
        disputes[1].number,
        business,
        how=Negotiation.TELEPHONE,
        negotiated_on=c.today(),
        terms="更换同型号新品并补偿运费",
        recovered_fen=39900,
        remedies=(Remedy.REPLACEMENT, Remedy.COMPENSATION),
    )
    c.record_no_settlement(
        enterprise,
        disputes[2].number,
        business,
        how=Negotiation.ONLINE,
        negotiated_on=c.today(),
        explanation="消费者要求三倍赔偿，经营者不同意",
    )
    desk = _as(services, "SJ-006", Role.INTAKE, "消费者来电要求转为投诉")
    c.escalate(disputes[2].id, audit=desk)
    conduct = register(15, Channel.COUNTER, 0)
    c.classify(
        conduct.id,
        audit=_as(services, "SJ-006", Role.INTAKE, "反映工作人员作风问题，转督察部门"),
        classification=Classification.CONDUCT,
        unit_code=HUAIAN,
        staff_no="HA-005",
    )
    return [
        f"ODR enterprise {shop.name} ({shop.uscc}), key {enrolled.key}",
        *(f"ODR dispute {d.number}" for d in disputes),
        f"conduct complaint from intake {conduct.intake_number} (about HA-005)",
    ]
