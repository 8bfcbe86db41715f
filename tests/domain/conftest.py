"""Builders shared by the domain tests: actors, catalogue items, cases, services.

Everything here is pure or in memory (the popo store); nothing touches a disk,
a database or the network. Dates are 2026 dates whose working days were counted
by hand in the tests that use them (2026 中秋 9/25–9/27, 国庆 10/1–10/7, make-up
working days Sun 9/20 and Sat 10/10).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, TypeVar
from uuid import UUID

import pytest

from domain.licensing.application import LicenceApplication
from domain.licensing.licence import Licence
from domain.licensing.parties import (
    Applicant,
    Channel,
    CommitmentLetter,
    Verifier,
)
from domain.licensing.service import Licensing, Receipt
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.registry.service import Registry, shipped_catalogue
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.calendar import WorkingDayCalendar, load_overrides
from domain.shared.clock import SHANGHAI, FixedClock
from domain.shared.events import Aggregate
from domain.shared.service import CommandResult

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
CALENDAR = WorkingDayCalendar()
# A made-up 2027 notice, as CASETRACE_CALENDAR_OVERRIDES would load it: it makes
# Mon 2027-01-04 a holiday (which the statutory fallback does not).
NOTICE_2027 = "国办发明电〔2026〕99号 (test)"
OVERRIDES_2027 = {
    "2027": {
        "notice": NOTICE_2027,
        "holidays": [
            "2027-01-01",
            "2027-01-02",
            "2027-01-03",
            "2027-01-04",
            *(f"2027-02-{d:02d}" for d in range(5, 12)),
            "2027-04-05",
            *(f"2027-05-{d:02d}" for d in range(1, 6)),
            "2027-06-09",
            "2027-09-15",
            *(f"2027-10-{d:02d}" for d in range(1, 8)),
        ],
        "makeup_workdays": [],
    }
}
CALENDAR_2027 = WorkingDayCalendar(load_overrides(OVERRIDES_2027))

# -- catalogue items used by the tests (data/catalogue.json) -------------------
# 计量器具型式批准: standard only, no on-site review, not safety-critical, 20 wd.
PLAIN_ITEM = "XK-JL-XSPZ"
# 特种设备使用登记: on the spot and 容缺 allowed, no on-site review, safety-critical.
SPOT_ITEM = "XK-TZSB-SYDJ"
# 计量标准考核: on-site review, 容缺 allowed, 60-month licence, renew 30 days ahead.
ON_SITE_ITEM = "XK-JL-BZKH"
# 工业产品生产许可证: 60 wd, on-site review, 告知承诺, renew 183 days ahead.
PRODUCTION_ITEM = "XK-GYCP-SCXK"
# 检验检测机构资质认定: 告知承诺 allowed, on-site review, not safety-critical.
COMMIT_ITEM = "XK-JYJC-ZZRD"

# -- the base timeline ---------------------------------------------------------
RECEIVED_ON = date(2026, 9, 18)  # Fri
# 5 wd after Fri 9/18: Sun 9/20 (调休) =1, Mon-Thu 9/21-24 =2..5.
CORRECTION_DUE = date(2026, 9, 24)
ACCEPTED_ON = date(2026, 9, 24)
# 20 wd after Thu 9/24: 9/25-27 中秋 off; 9/28-30 =1..3; 10/1-7 国庆 off;
# 10/8 =4, 10/9 =5, Sat 10/10 (调休) =6; 10/12-16 =7..11; 10/19-23 =12..16;
# 10/26-29 =17..20.
DECISION_DUE = date(2026, 10, 29)

LICENCE_ID = UUID(int=7)
APPLICANT_USCC = "91320803MA1XYW01X6"  # registered in 320803 (海州区, 连云港)
OTHER_USCC = "91320803123456788U"

A = TypeVar("A", bound=Aggregate)


# -- actors and audit stamps ---------------------------------------------------


def staff_actor(role: Role, unit: str = "320803", staff_no: str | None = None) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        id=staff_no or f"S-{role.value}",
        name=f"{role.value} of {unit}",
        role=role,
        unit_code=unit,
    )


def staff_audit(
    role: Role,
    unit: str = "320803",
    reason: str | None = None,
    *,
    staff_no: str | None = None,
    request_id: str = "req-test",
) -> Audit:
    return Audit(
        actor=staff_actor(role, unit, staff_no), request_id=request_id, reason=reason
    )


def system_audit(process: str = "clock", request_id: str = "req-system") -> Audit:
    return Audit(actor=Actor.system(process), request_id=request_id)


CLERK = staff_audit(Role.CLERK)
CLERK_WITH_REASON = staff_audit(Role.CLERK, reason="依申请人书面请求")
REVIEWER = staff_audit(Role.REVIEWER)
REVIEWER_WITH_REASON = staff_audit(Role.REVIEWER, reason="需检测，依第45条告知")
APPROVER = staff_audit(Role.APPROVER, reason="经审查符合法定条件")
ADMIN = staff_audit(Role.ADMIN, reason="按省局通知调整")


# -- catalogue and parties -----------------------------------------------------


@cache
def _shipped() -> dict[str, ItemTerms]:
    return {terms.code: terms for terms in shipped_catalogue()}


def item(code: str) -> ItemTerms:
    """A catalogue item exactly as shipped in domain/registry/data/catalogue.json."""
    return _shipped()[code]


def item_with(code: str, **changes: Any) -> ItemTerms:
    """A shipped item with some terms changed (validated like a real entry)."""
    return ItemTerms.model_validate({**item(code).model_dump(), **changes})


def materials_of(code: str) -> tuple[str, ...]:
    return tuple(m.name for m in item(code).materials)


def applicant(**changes: Any) -> Applicant:
    fields: dict[str, Any] = {
        "name": "连云港市海州区示例计量器具有限公司",
        "uscc": APPLICANT_USCC,
        "region_code": "320803",
        "address": "连云港市海州区示例路1号",
        "phone": "0518-00000000",
        "legal_representative": "张三",
    }
    return Applicant(**(fields | changes))


def commitment_letter() -> CommitmentLetter:
    return CommitmentLetter(
        signed_on=RECEIVED_ON,
        signatory="张三",
        statement="本单位承诺符合许可条件，愿承担虚假承诺的法律责任。",
    )


def verifiers(*staff_nos: str) -> tuple[Verifier, ...]:
    return tuple(Verifier(id=no, name=f"核查员{no}") for no in staff_nos)


TWO_VERIFIERS = verifiers("V-1", "V-2")


# -- aggregates ----------------------------------------------------------------


def settled(aggregate: A) -> A:
    """Drop the events that built the aggregate, so a test sees only its own."""
    aggregate.collect_events()
    return aggregate


def receive_application(
    item_code: str = PLAIN_ITEM,
    *,
    mode: ApprovalMode = ApprovalMode.STANDARD,
    materials: tuple[str, ...] | None = None,
    commitment: CommitmentLetter | None = None,
    on: date = RECEIVED_ON,
    bad_credit: bool = False,
    terms: ItemTerms | None = None,
    who: Applicant | None = None,
    receipt_number: str = "32080320260918000001",
    audit: Audit = CLERK,
) -> LicenceApplication:
    """A received application, its Received event still pending."""
    terms = terms or item(item_code)
    return LicenceApplication.receive(
        audit=audit,
        receipt_number=receipt_number,
        query_code_hash="0" * 64,
        item=terms,
        approval_mode=mode,
        channel=Channel.COUNTER,
        applicant=who or applicant(),
        agent=None,
        materials=(
            tuple(m.name for m in terms.materials) if materials is None else materials
        ),
        commitment=commitment,
        unit_code="320803",
        on=on,
        calendar=CALENDAR,
        applicant_has_bad_credit=bad_credit,
    )


def received(item_code: str = PLAIN_ITEM, **kwargs: Any) -> LicenceApplication:
    return settled(receive_application(item_code, **kwargs))


def accepted(
    item_code: str = PLAIN_ITEM,
    *,
    accepted_on: date = ACCEPTED_ON,
    **kwargs: Any,
) -> LicenceApplication:
    application = receive_application(item_code, **kwargs)
    application.accept("SL-1", accepted_on, CALENDAR, CLERK)
    return settled(application)


def accepted_with_deficiencies(
    item_code: str = SPOT_ITEM, *, supply_deadline: date = date(2026, 10, 9)
) -> LicenceApplication:
    """容缺: 安装告知书 to follow by 10/9 (= 9/24 + 5 wd, the item's promised limit)."""
    deferred = ("安装告知书",)
    application = receive_application(
        item_code,
        materials=tuple(m for m in materials_of(item_code) if m not in deferred),
    )
    application.accept_with_deficiencies(
        "RQ-1", deferred, supply_deadline, ACCEPTED_ON, CALENDAR, CLERK
    )
    return settled(application)


def granted(
    item_code: str = PLAIN_ITEM, *, on: date = date(2026, 10, 9), **kwargs: Any
) -> LicenceApplication:
    """Granted on Fri 10/9; certificate due 10 wd later, Thu 10/22."""
    application = accepted(item_code, **kwargs)
    application.grant("XK-2026-001", UUID(int=1), False, on, CALENDAR, APPROVER)
    return settled(application)


def refused(
    item_code: str = PLAIN_ITEM, *, on: date = date(2026, 10, 9), **kwargs: Any
) -> LicenceApplication:
    application = accepted(item_code, **kwargs)
    application.refuse("BYXK-2026-001", ("条件不符",), None, on, CALENDAR, APPROVER)
    return settled(application)


def issue_licence(
    item_code: str = ON_SITE_ITEM,
    *,
    valid_from: date = date(2026, 3, 15),
    mode: ApprovalMode = ApprovalMode.STANDARD,
    validity_months: int | Literal["item"] | None = "item",
    licence_id: UUID = LICENCE_ID,
) -> Licence:
    """A Licence as the service issues it on a grant (Issued event pending)."""
    terms = item(item_code)
    if validity_months == "item":
        validity_months = terms.validity_months
    return Licence.issue(
        licence_id=licence_id,
        audit=APPROVER,
        licence_number=f"{item_code}-320803-2026-000001",
        holder=applicant(),
        item_code=terms.code,
        item_name=terms.name,
        certificate_name=terms.certificate_name,
        scope="社会公用计量标准：衡器检定装置",
        valid_from=valid_from,
        validity_months=validity_months,
        renewal_lead_days=terms.renewal_lead_days,
        renewal_lead_months=terms.renewal_lead_months,
        application_id=UUID(int=1),
        decision_number="XK-2026-001",
        authority_unit_code="320803",
        approval_mode=mode,
        calendar=CALENDAR,
    )


def licence(item_code: str = ON_SITE_ITEM, **kwargs: Any) -> Licence:
    return settled(issue_licence(item_code, **kwargs))


# -- services (popo: in memory) --------------------------------------------------


def at_shanghai(day: date, hour: int = 9) -> datetime:
    """An instant on `day` in Asia/Shanghai, the zone legal dates are taken in."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


BOOTSTRAP = system_audit("bootstrap", request_id="req-bootstrap")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at_shanghai(RECEIVED_ON))


@pytest.fixture
def registry() -> Iterator[Registry]:
    """The shipped catalogue, and two reviewers of 320803 who can verify."""
    service = Registry(env=POPO)
    service.load_catalogue(shipped_catalogue(), BOOTSTRAP)
    for staff_no, name in (("V-1", "李四"), ("V-2", "王五")):
        service.enrol_staff(
            staff_no, name, "320803", frozenset({Role.REVIEWER}), BOOTSTRAP
        )
    yield service
    service.close()


@pytest.fixture
def licensing(registry: Registry, clock: FixedClock) -> Iterator[Licensing]:
    service = Licensing(env=POPO, registry=registry, calendar=CALENDAR, clock=clock)
    yield service
    service.close()


def receive_via(
    service: Licensing,
    item_code: str = PLAIN_ITEM,
    *,
    mode: ApprovalMode = ApprovalMode.STANDARD,
    audit: Audit = CLERK,
    commitment: CommitmentLetter | None = None,
    who: Applicant | None = None,
    materials: tuple[str, ...] | None = None,
) -> Receipt:
    return service.receive(
        audit,
        item_code=item_code,
        approval_mode=mode,
        channel=Channel.ONLINE,
        applicant=who or applicant(),
        agent=None,
        materials=materials_of(item_code) if materials is None else materials,
        commitment=commitment,
    )


def move_to(clock: FixedClock, day: date) -> None:
    clock.at = at_shanghai(day)


def accepted_case(
    service: Licensing, clock: FixedClock, item_code: str = PLAIN_ITEM, **kwargs: Any
) -> UUID:
    """Received Fri 9/18 and accepted Thu 9/24 through the service."""
    move_to(clock, RECEIVED_ON)
    receipt = receive_via(service, item_code, **kwargs)
    move_to(clock, ACCEPTED_ON)
    service.accept(receipt.id, CLERK)
    return receipt.id


def granted_case(
    service: Licensing, clock: FixedClock, item_code: str = ON_SITE_ITEM, **kwargs: Any
) -> tuple[UUID, UUID]:
    """Accepted 9/24, verified by V-1 and V-2 and granted Fri 10/9.

    Returns the application id and the new licence's id.
    """
    app_id = accepted_case(service, clock, item_code, **kwargs)
    move_to(clock, date(2026, 10, 9))
    if kwargs.get("mode") is not ApprovalMode.NOTIFY_AND_COMMIT:
        verify_via(service, app_id)
    service.grant(app_id, APPROVER, decision_number="XK-2026-001", scope="衡器检定装置")
    licence_id = service.get_application(app_id).licence_id
    assert licence_id is not None
    return app_id, licence_id


def reviewer(staff_no: str, reason: str | None = None) -> Audit:
    """The reviewer `staff_no` (enrolled by the registry fixture) acting."""
    return staff_audit(Role.REVIEWER, reason=reason, staff_no=staff_no)


def check_commitment(lic: Licence, findings: str, breached: bool, on: date) -> None:
    """后置核查 recorded by V-1 and signed by V-2 (Art. 34: two people)."""
    first, second = TWO_VERIFIERS
    lic.record_commitment_check(first, findings, breached, on, REVIEWER_WITH_REASON)
    lic.sign_commitment_check(second, on, REVIEWER_WITH_REASON)


def verify_commitment_via(
    service: Licensing, licence_id: UUID, findings: str, breached: bool
) -> CommandResult:
    """Through the service: V-1 records the check, V-2 signs with their token."""
    service.verify_commitment(
        licence_id, reviewer("V-1", "后置核查"), findings, breached=breached
    )
    return service.sign_commitment_check(licence_id, reviewer("V-2", "后置核查"))


def verify_via(service: Licensing, app_id: UUID, on_site: bool = True) -> None:
    """Art. 34 ¶3: V-1 records a verification, V-2 signs it with their own token."""
    service.record_verification(
        app_id,
        reviewer("V-1"),
        on_site=on_site,
        findings="现场核查符合",
        verified_on=service.today(),
    )
    service.sign_verification(app_id, reviewer("V-2"), 1)


def verify(application: LicenceApplication, on: date) -> None:
    """Recorded by V-1 and signed by V-2: a verification that counts."""
    first, second = TWO_VERIFIERS
    application.record_verification(first, True, "现场核查符合", on, on, REVIEWER)
    application.sign_verification(1, second, on, REVIEWER)


def stored_states(service: Licensing | Registry) -> list[bytes]:
    """The raw stored state of every event in the service's notification log."""
    return [n.state for n in all_notifications(service)]


def all_notifications(service: Licensing | Registry) -> list[Any]:
    log = service.notification_log
    found: list[Any] = []
    start = 1
    while True:
        section = log.select(start, log.section_size)
        found.extend(section)
        if len(section) < log.section_size:
            return found
        start = section[-1].id + 1
