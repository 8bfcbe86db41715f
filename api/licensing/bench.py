"""Licensing's `casetrace bench` workload (the protocol: api/bench/workload.py).

Staff of one county bureau; applications for 特种设备使用登记 driven over
HTTP from receipt to a served certificate; generated cases with a mix of
outcomes over three items; the index, deadline board and statistics queries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from api.bench.workload import UNITS, Command, Query, enrol
from api.host.storage import Services
from api.licensing import service
from api.licensing.import_bench import Imported, import_rate
from domain.licensing.application import LicenceApplication
from domain.licensing.licence import Licence
from domain.licensing.parties import (
    Applicant,
    CertificateService,
    Channel,
    ExclusionKind,
    Verifier,
)
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import legal_date
from domain.shared.events import Aggregate
from domain.shared.uscc import compose_uscc

CITY, COUNTY = "3208", "320803"
ITEM = "XK-TZSB-SYDJ"  # 特种设备使用登记: no on-site review, on the spot allowed
OTHER_ITEMS = ("XK-JL-XSPZ", "XK-GYCP-SCXK")  # variety for statistics by category
SAVED_ON = date(2026, 9, 18)  # the receipt date of the save() measurement's cases

# The county's staff: (staff number, unit, role, who in the workflow).
STAFF = (
    ("B-CLERK", COUNTY, Role.CLERK, "clerk"),
    ("B-REV1", COUNTY, Role.REVIEWER, "reviewer"),
    # Art. 34: a second verifier signs with their own token.
    ("B-REV2", COUNTY, Role.REVIEWER, "second_reviewer"),
    ("B-APPR", COUNTY, Role.APPROVER, "approver"),
    ("B-AUD", CITY, Role.AUDITOR, "auditor"),  # reads every unit: the queries
)

# One case over HTTP: (verb, who, body); "receive" creates it.
WORKFLOW: list[tuple[str, str, dict[str, Any] | None]] = [
    ("receive", "clerk", None),
    ("accept", "clerk", None),
    (
        "record-verification",
        "reviewer",
        {"on_site": True, "findings": "现场核查与申请材料一致"},  # + verified_on
    ),
    ("sign-verification", "second_reviewer", {"verification": 1}),
    (
        "grant",
        "approver",
        {
            "decision_number": "淮区市监许〔2026〕1号",
            "scope": "电梯 1 台",
            "reason": "符合法定条件",
        },
    ),
    ("issue-certificate", "clerk", None),
    ("serve-certificate", "clerk", {"method": "in_person"}),
]

QUERIES = (
    ("index", "/v1/licensing/applications?limit=50"),
    ("index status=accepted", "/v1/licensing/applications?limit=50&status=accepted"),
    ("deadline board", "/v1/licensing/deadlines?limit=50"),
    (
        "statistics by category",
        "/v1/licensing/statistics?group_by=category&from=2020-01-01",
    ),
)


def make_uscc(seed: int, region: str = COUNTY) -> str:
    return compose_uscc(region, f"{seed:08d}"[-8:])


def applicant_for(seed: int) -> Applicant:
    return Applicant(
        name=f"淮安测试机械有限公司{seed}",
        uscc=make_uscc(seed),
        region_code=COUNTY,
        address="淮安区测试路1号",
        phone="0517-80000000",
    )


def staff_audit(staff_no: str, role: Role, reason: str | None = None) -> Audit:
    actor = Actor(
        kind=ActorKind.STAFF,
        id=staff_no,
        name=f"bench {role.value}",
        role=role,
        unit_code=COUNTY,
    )
    return Audit(actor=actor, request_id="bench", reason=reason)


@dataclass(frozen=True)
class Cast:
    """Audit stamps for the in-process generators (staff of the county)."""

    clerk: Audit
    clerk_reason: Audit
    reviewer: Audit
    approver: Audit
    verifiers: tuple[Verifier, ...]


CAST = Cast(
    clerk=staff_audit("B-CLERK", Role.CLERK),
    clerk_reason=staff_audit("B-CLERK", Role.CLERK, "申请人书面申请撤回"),
    reviewer=staff_audit("B-REV1", Role.REVIEWER, "需检验检测"),
    approver=staff_audit("B-APPR", Role.APPROVER, "符合法定条件和标准"),
    verifiers=(
        Verifier(id="B-REV1", name="bench reviewer 1"),
        Verifier(id="B-REV2", name="bench reviewer 2"),
    ),
)


def working_days(start: date, count: int) -> Iterator[date]:
    day = start
    made = 0
    while made < count:
        if day.weekday() < 5:
            yield day
            made += 1
        day += timedelta(days=1)


def new_application(
    calendar: WorkingDayCalendar, terms: ItemTerms, receipt: str, seed: int, on: date
) -> LicenceApplication:
    return LicenceApplication.receive(
        audit=CAST.clerk,
        receipt_number=receipt,
        query_code_hash="0" * 64,
        item=terms,
        approval_mode=ApprovalMode.STANDARD,
        channel=Channel.COUNTER,
        applicant=applicant_for(seed),
        agent=None,
        materials=tuple(m.name for m in terms.materials),
        commitment=None,
        unit_code=COUNTY,
        on=on,
        calendar=calendar,
        applicant_has_bad_credit=False,
    )


def one_case(
    calendar: WorkingDayCalendar, terms: ItemTerms, n: int, on: date
) -> list[Aggregate]:
    """Drive one application through its real command methods; every 20 cases
    cover the same mix of outcomes."""
    receipt = f"{COUNTY}{on:%Y%m%d}{n:08d}"
    a = new_application(calendar, terms, receipt, n % 5000 + 1, on)
    kind = n % 20
    if kind == 0:
        return [a]  # received only
    a.accept(f"{receipt}-SL", on, calendar, CAST.clerk)
    if kind == 1:
        return [a]  # accepted, on the deadline board
    if kind == 2:
        a.withdraw(on + timedelta(days=1), CAST.clerk_reason)
        return [a]
    later = on + timedelta(days=7)
    if kind in (3, 4):
        a.suspend_clock(
            ExclusionKind.TESTING, 5, "产品送检", on + timedelta(days=1), CAST.reviewer
        )
        a.resume_clock(on + timedelta(days=6), calendar, CAST.reviewer)
    if kind == 5 and terms.extension_wd:
        a.extend(on + timedelta(days=2), calendar, CAST.approver)
    first, second = CAST.verifiers
    a.record_verification(first, True, "现场核查与申请材料一致", on, on, CAST.reviewer)
    a.sign_verification(1, second, on, CAST.reviewer)
    if kind == 6:
        a.refuse(
            "淮区市监不许〔2026〕1号",
            ("条件不符",),
            None,
            later,
            calendar,
            CAST.approver,
        )
        return [a]
    licence_id = uuid4()
    a.grant("淮区市监许〔2026〕1号", licence_id, False, later, calendar, CAST.approver)
    licence = Licence.issue(
        licence_id=licence_id,
        audit=CAST.approver,
        licence_number=f"{terms.code}-{COUNTY}-{later:%Y}-{n:07d}",
        holder=a.applicant,
        item_code=terms.code,
        item_name=terms.name,
        certificate_name=terms.certificate_name,
        scope="电梯 1 台",
        valid_from=later,
        validity_months=terms.validity_months,
        renewal_lead_days=terms.renewal_lead_days,
        renewal_lead_months=terms.renewal_lead_months,
        application_id=a.id,
        decision_number="淮区市监许〔2026〕1号",
        authority_unit_code=COUNTY,
        approval_mode=a.approval_mode,
        calendar=calendar,
    )
    if kind != 7:  # kind 7: granted, certificate not yet issued
        a.issue_certificate(f"{receipt}-ZS", later, CAST.clerk)
        a.serve_certificate(CertificateService.IN_PERSON, later, CAST.clerk)
    return [a, licence]


class Workflow:
    """One HTTP client's cases, each driven through WORKFLOW from receipt to a
    served certificate, then the next."""

    def __init__(
        self, client: int, tokens: dict[str, str], materials: list[str]
    ) -> None:
        self.seed = client * 1_000_000  # distinct applicants per client
        self.tokens = tokens
        self.materials = materials
        self.case_id = ""
        self.step = 0

    def next(self) -> Command:
        verb, who, body = WORKFLOW[self.step]
        if verb == "receive":
            self.seed += 1
            path = "/v1/licensing/applications"
            body = {
                "item_code": ITEM,
                "applicant": {
                    "name": f"淮安测试机械有限公司{self.seed}",
                    "uscc": make_uscc(self.seed % 100_000_000),
                    "region_code": COUNTY,
                    "address": "淮安区测试路1号",
                },
                "materials": self.materials,
            }
        else:
            path = f"/v1/licensing/applications/{self.case_id}/{verb}"
        if verb == "record-verification":
            today = legal_date(datetime.now(UTC)).isoformat()
            body = {**(body or {}), "verified_on": today}
        return Command(verb, path, body, self.tokens[who])

    def answered(self, result: dict[str, Any]) -> None:
        if self.step == 0:
            self.case_id = str(result["id"])
        self.step = (self.step + 1) % len(WORKFLOW)

    def failed(self) -> None:
        self.step = 0


class LicensingWorkload:
    """The licensing context's side of the bench."""

    topic = "domain.licensing.application:LicenceApplication.Received"
    lag_model = "applications"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.calendar = service(services).calendar
        terms = [services.registry.get_item(c) for c in (ITEM, *OTHER_ITEMS)]
        self.terms, self.other_terms = terms[0], terms[1:]
        self.days = list(working_days(date(2025, 1, 6), 400))
        self.tokens: dict[str, str] = {}

    def seed(self) -> None:
        self.tokens = enrol(self.services, UNITS, STAFF)

    def new_case(self, n: int) -> Sequence[Aggregate]:
        return [new_application(self.calendar, self.terms, f"B{n:010d}", n, SAVED_ON)]

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        # One case in four is for one of the other items (statistics by category).
        terms = self.terms if n % 4 else self.other_terms[(n // 4) % 2]
        return one_case(self.calendar, terms, n, self.days[n % len(self.days)])

    def commands(self, client: int) -> Workflow:
        return Workflow(client, self.tokens, [m.name for m in self.terms.materials])

    def queries(self) -> Sequence[Query]:
        return [Query(label, path, self.tokens["auditor"]) for label, path in QUERIES]

    def import_rate(self, rows: int) -> Imported:
        """`casetrace bench` row 9: the history import (api/licensing/import_bench.py)."""
        return import_rate(self.services, rows)


def workload(services: Services) -> LicensingWorkload:
    return LicensingWorkload(services)
