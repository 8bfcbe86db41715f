"""The enforcement context's `casetrace bench` workload (the protocol:
api/bench/workload.py). A county's two officers and its head; penalty cases
driven over HTTP from 立案 through evidence to a decision, service and
payment; generated cases with a mix of outcomes; the index, the board and
the statistics queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from api.bench.workload import UNITS, Command, Query, enrol
from api.enforcement import service
from api.host.storage import Services
from domain.enforcement.case import DecisionNumber, EnforcementCase
from domain.enforcement.terms import (
    Decision,
    Evidence,
    EvidenceKind,
    ExcludedPeriod,
    NoPenaltyGround,
    Officer,
    Party,
    PenaltyKind,
    Procedure,
    ServiceMethod,
)
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import legal_date
from domain.shared.events import Aggregate
from domain.shared.uscc import compose_uscc

CITY, COUNTY = "3208", "320803"
SAVED_ON = date(2026, 9, 18)
STAFF = (
    ("P-OFF1", COUNTY, Role.OFFICER, "officer"),
    ("P-OFF2", COUNTY, Role.OFFICER, "officer2"),
    ("P-HEAD", COUNTY, Role.APPROVER, "approver"),
    ("P-AUD", CITY, Role.AUDITOR, "auditor"),
)
OFFICERS = tuple(
    Officer(staff_no=no, name=f"bench {no}", unit_code=COUNTY) for no, *_ in STAFF[:2]
)
QUERIES = (
    ("penalty cases index", "/v1/enforcement/cases?limit=50"),
    ("penalty cases board", "/v1/enforcement/deadlines?limit=50"),
    (
        "penalty statistics by month",
        "/v1/enforcement/statistics?group_by=month&from=2020-01-01",
    ),
)


def _audit(staff_no: str, role: Role, reason: str | None = "依法办理") -> Audit:
    actor = Actor(
        kind=ActorKind.STAFF,
        id=staff_no,
        name=f"bench {staff_no}",
        role=role,
        unit_code=COUNTY,
    )
    return Audit(actor=actor, request_id="bench", reason=reason)


OFFICER, HEAD = _audit("P-OFF1", Role.OFFICER), _audit("P-HEAD", Role.APPROVER)


def _party(n: int) -> dict[str, Any]:
    return {
        "name": f"淮安测试制造有限公司{n % 500}",
        "party_type": "legal_person",
        "uscc": compose_uscc(COUNTY, f"{n % 10**8:08d}"),
        "legal_representative": "测试法人",
        "region_code": COUNTY,
    }


def _opened(n: int, on: date, calendar: WorkingDayCalendar) -> EnforcementCase:
    return EnforcementCase.open(
        audit=OFFICER,
        number=f"CF-B{n:010d}",
        unit_code=COUNTY,
        party=Party(**_party(n)),
        facts="生产销售不合格产品。",
        officers=OFFICERS,
        origin=None,
        on=on,
        calendar=calendar,
    )


def one_case(calendar: WorkingDayCalendar, n: int, on: date) -> list[Aggregate]:
    """Kinds by n % 5: open; stopped for testing; not penalised; decided and
    served late; decided, served, paid and closed."""
    case = _opened(n, on, calendar)
    kind = n % 5
    if kind == 0:
        return [case]
    case.record_evidence(
        Evidence(
            kind=EvidenceKind.DOCUMENTARY,
            title="检验报告",
            sha256=f"{n:064x}",
            collected_on=on,
        ),
        on,
        OFFICER,
    )
    if kind == 1:
        case.exclude_period(ExcludedPeriod.TESTING, on + timedelta(days=2), OFFICER)
        return [case]
    if kind == 2:
        case.decide_no_penalty(
            NoPenaltyGround.NOT_PENALISED, on + timedelta(days=20), HEAD
        )
        return [case]
    decided = on + timedelta(days=30)
    number = f"淮区市监罚〔B〕{n}号"
    case.decide(
        Decision(
            decision_number=number,
            penalties=(PenaltyKind.FINE,),
            violation="生产不合格产品",
            legal_basis="产品质量法第四十九条",
            facts=case.facts,
            result="罚款",
            fine_fen=5_000_00,
            confiscation_fen=0,
            procedure=Procedure.ORDINARY,
            decided_on=decided,
            authority="淮安区市场监督管理局",
            authority_unit_code=COUNTY,
            published=True,
        ),
        calendar,
        HEAD,
    )
    taken = DecisionNumber(audit=HEAD, unit_code=COUNTY, number=number, case_id=case.id)
    served = decided + timedelta(days=3 if kind == 4 else 20)
    case.serve(served, ServiceMethod.IN_PERSON, served, calendar, OFFICER)
    if kind == 4:
        case.record_payment(5_000_00, served, served, OFFICER)
        case.close(served + timedelta(days=1), HEAD)
    return [case, taken]


WORKFLOW: list[tuple[str, str]] = [
    ("open", "officer"),
    ("record-evidence", "officer"),
    ("decide", "approver"),
    ("serve", "officer"),
    ("record-payment", "officer"),
]


def _today() -> str:
    return legal_date(datetime.now(UTC)).isoformat()


class Workflow:
    """One HTTP client's penalty cases, each from 立案 to payment."""

    def __init__(self, client: int, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        self.case_id = ""
        self.step = 0
        self.n = 0

    def next(self) -> Command:
        verb, who = WORKFLOW[self.step]
        path = f"/v1/enforcement/cases/{self.case_id}/{verb}"
        body: dict[str, Any] | None = None
        if verb == "open":
            self.n += 1
            path = "/v1/enforcement/cases"
            body = {
                "party": _party(self.client * 100_000 + self.n),
                "facts": "生产销售不合格产品。",
                "unit_code": COUNTY,
                "officers": ["P-OFF1", "P-OFF2"],
                "reason": "依法立案",
            }
        elif verb == "record-evidence":
            body = {
                "evidence": {
                    "kind": "documentary",
                    "title": "检验报告",
                    "sha256": f"{self.client:032x}{self.n:032x}",
                    "collected_on": SAVED_ON.isoformat(),
                }
            }
        elif verb == "decide":
            body = {
                "decision_number": f"淮区市监罚〔C{uuid4().hex[:12]}〕号",
                "penalties": ["fine"],
                "violation": "生产不合格产品",
                "legal_basis": "产品质量法第四十九条",
                "result": "罚款",
                "fine_fen": 100_00,
                "reason": "事实清楚",
            }
        elif verb == "serve":
            body = {"served_on": _today(), "method": "in_person"}
        elif verb == "record-payment":
            body = {"amount_fen": 100_00, "paid_on": _today()}
        return Command(verb, path, body, self.tokens[who])

    def answered(self, result: dict[str, Any]) -> None:
        if self.step == 0:
            self.case_id = str(result["id"])
        self.step = (self.step + 1) % len(WORKFLOW)

    def failed(self) -> None:
        self.step = 0


class EnforcementWorkload:
    """The enforcement context's side of the bench."""

    topic = "casetrace.enforcement.EnforcementCase.Opened"
    lag_model = "enforcement"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.calendar = service(services).calendar
        self.tokens: dict[str, str] = {}

    def seed(self) -> None:
        self.tokens = enrol(self.services, UNITS, STAFF)

    def new_case(self, n: int) -> Sequence[Aggregate]:
        return [_opened(n, SAVED_ON, self.calendar)]

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        day = date(2025, 1, 6) + timedelta(days=(n // 50) % 600)
        return one_case(self.calendar, n, day)

    def commands(self, client: int) -> Workflow:
        return Workflow(client, self.tokens)

    def queries(self) -> Sequence[Query]:
        return [Query(label, path, self.tokens["auditor"]) for label, path in QUERIES]


def workload(services: Services) -> EnforcementWorkload:
    return EnforcementWorkload(services)
