"""The enforcement demo: two officers of the Huai'an district unit open a
penalty case from one of the demo's reports whose case was opened (found by
asking each other context's cases `enforcement_origin`, naming none), record
evidence, decide a fine, serve the decision, record the payment and close
the case — all through the service, on a demo clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from api.enforcement import CONTEXT, service
from api.host.demo import HUAIAN
from api.host.storage import Services
from domain.enforcement.terms import (
    Evidence,
    EvidenceKind,
    Origin,
    Party,
    PartyType,
    PenaltyKind,
    ServiceMethod,
)
from domain.shared.audit import SYSTEM_DEMO, Audit, Role
from domain.shared.clock import FixedClock, legal_date
from domain.shared.events import Aggregate
from domain.shared.uscc import compose_uscc

OFFICERS = (("HA-007", "蒋毅"), ("HA-008", "杨帆"))
APPROVER = "HA-004"  # 陈静, the district's head (api/host/demo.py)


def _as(services: Services, staff_no: str, role: Role, reason: str | None) -> Audit:
    member = services.registry.get_staff(staff_no)
    return Audit(
        actor=member.actor(role),
        request_id="demo",
        reason=reason,
        causation="command:demo",
    )


def find_origin(services: Services) -> tuple[Origin, Aggregate] | None:
    """The first case of another context that can lead to a penalty case."""
    for context in services.contexts:
        name = context.name
        if name == CONTEXT.name:
            continue
        app = services.apps[name]
        seen: set[UUID] = set()
        for n in app.recorder.select_notifications(start=1, limit=100_000):
            case_id = UUID(str(n.originator_id))
            if case_id in seen:
                continue
            seen.add(case_id)
            case: Aggregate = app.repository.get(case_id)
            kind = case.enforcement_origin
            if kind is not None:
                number = str(getattr(case, "number", case_id))
                return Origin(
                    context=name, case_id=case.id, kind=kind, number=number
                ), case
    return None


def load_demo(services: Services, data_dir: Path) -> list[str]:
    boot = Audit(actor=SYSTEM_DEMO, request_id="demo", causation="command:demo")
    lines = []
    for staff_no, name in OFFICERS:
        services.registry.enrol_staff(
            staff_no, name, HUAIAN, frozenset({Role.OFFICER}), boot
        )
        secret, _ = services.registry.issue_token(staff_no, "demo", boot)
        lines.append(f"officer   {staff_no}  {name}  unit {HUAIAN}  token {secret}")
    found = find_origin(services)
    enforcement = service(services)
    real = enforcement.clock
    clock = FixedClock(datetime.now(UTC) - timedelta(days=20))
    enforcement.clock = clock
    try:
        officer = _as(
            services, OFFICERS[0][0], Role.OFFICER, "举报线索查证属实，依法立案"
        )
        head = _as(
            services, APPROVER, Role.APPROVER, "经负责人审查，事实清楚、证据确凿"
        )
        origin, lead = found if found else (None, None)
        opened = enforcement.open_case(
            officer,
            party=Party(
                name="淮安市楚州精工机械有限公司",
                party_type=PartyType.LEGAL_PERSON,
                uscc=compose_uscc(HUAIAN, "MA00002X"),
                legal_representative="刘建国",
                region_code=HUAIAN,
            ),
            facts="生产销售的机械产品经抽样检验不合格。",
            unit_code=HUAIAN,
            officers=tuple(no for no, _ in OFFICERS),
            origin=origin,
            opened_on=lead.enforcement_opened_on if lead else None,
        )
        case_id = opened.id
        enforcement.record_evidence(
            case_id,
            officer,
            evidence=Evidence(
                kind=EvidenceKind.EXPERT_OPINION,
                title="产品质量检验报告",
                sha256="3a" * 32,
                collected_on=legal_date(clock.now()),
            ),
        )
        clock.advance(timedelta(days=3))
        enforcement.decide(
            case_id,
            head,
            decision_number="淮区市监罚〔2026〕1号",
            penalties=(PenaltyKind.FINE, PenaltyKind.CONFISCATION_OF_ILLEGAL_GAINS),
            violation="生产、销售不合格产品",
            legal_basis="《中华人民共和国产品质量法》第四十九条",
            result="没收违法所得人民币二千元，并处罚款人民币一万元",
            fine_fen=10_000_00,
            confiscation_fen=2_000_00,
        )
        clock.advance(timedelta(days=1))
        enforcement.serve(
            case_id,
            officer.because(None),
            served_on=legal_date(clock.now()),
            method=ServiceMethod.IN_PERSON,
        )
        clock.advance(timedelta(days=5))
        enforcement.record_payment(
            case_id,
            officer.because(None),
            amount_fen=12_000_00,
            paid_on=legal_date(clock.now()),
        )
        enforcement.close_case(case_id, head.because("罚没款已缴清，结案"))
    finally:
        enforcement.clock = real
    source = f" from {origin.context} {origin.kind} {origin.number}" if origin else ""
    return [*lines, f"penalty case {case_id}{source}: decided, served, paid, closed"]
