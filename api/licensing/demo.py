"""Licensing's demo: applications in every state, walked through on a demo
clock by the demo staff (api/host/demo.py), all through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from api.host.demo import ENTERPRISES, UNITS, demo_uscc
from api.host.storage import Services
from api.licensing import service
from api.licensing.ratings import RATING_FORM
from domain.licensing.application import LicenceApplication
from domain.licensing.licence import LicenceChange
from domain.licensing.matter import Matter
from domain.licensing.parties import (
    Applicant,
    CertificateService,
    Channel,
    CommitmentLetter,
    ExclusionKind,
)
from domain.licensing.parties import NonAcceptanceGround as Ground
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import SYSTEM_CLOCK, Audit, Role
from domain.shared.clock import Clock, FixedClock
from domain.shared.satisfaction import Rating


def load_demo(services: Services, data_dir: Path) -> list[str]:
    applicants = [
        Applicant(
            name=name,
            uscc=demo_uscc(n, region),
            region_code=region,
            address=f"{UNITS[region][:5]}某路{n}号",
        )
        for n, (name, region, _) in enumerate(ENTERPRISES, start=1)
    ]
    made = _applications(services, applicants)
    return [f"application {a.id}  receipt {a.receipt_number}  {a.status}" for a in made]


def _applications(
    services: Services, applicants: list[Applicant]
) -> list[LicenceApplication]:
    """A dozen applications, walked through their states on a demo clock."""
    licensing = service(services)
    real_clock: Clock = licensing.clock
    clock = FixedClock(datetime.now(UTC) - timedelta(days=40))
    licensing.clock = clock

    def staff(staff_no: str, role: Role, reason: str | None = None) -> Audit:
        member = services.registry.get_staff(staff_no)
        return Audit(
            actor=member.actor(role),
            request_id="demo",
            reason=reason,
            causation="command:demo",
        )

    clerk, approver = (
        staff("HA-001", Role.CLERK),
        staff("HA-004", Role.APPROVER, "符合法定条件和标准"),
    )
    reviewer = staff("HA-002", Role.REVIEWER, "需检验检测")
    hy_clerk = staff("HY-001", Role.CLERK)

    def new(
        item: str,
        who: Applicant,
        mode: ApprovalMode = ApprovalMode.STANDARD,
        by: Audit = clerk,
        materials: tuple[str, ...] | None = None,
    ) -> UUID:
        terms = services.registry.get_item(item)
        names = (
            materials
            if materials is not None
            else tuple(m.name for m in terms.materials)
        )
        commitment = None
        if mode is ApprovalMode.NOTIFY_AND_COMMIT:
            commitment = CommitmentLetter(
                signed_on=licensing.today(),
                signatory="法定代表人",
                statement="本单位承诺符合许可条件，承诺不实愿承担法律责任。",
            )
        return licensing.receive(
            by,
            item_code=item,
            approval_mode=mode,
            channel=Channel.COUNTER,
            applicant=who,
            agent=None,
            materials=names,
            commitment=commitment,
        ).id

    def step(days: int, *actions: Callable[[], object]) -> None:
        clock.advance(timedelta(days=days))
        for action in actions:
            action()

    a, b, c, d, e = applicants
    served = new("XK-TZSB-SYDJ", a)
    step(1, lambda: licensing.accept(served, clerk))
    step(
        2,
        lambda: licensing.grant(
            served,
            approver,
            decision_number="淮区市监特登〔2026〕101号",
            scope="乘客电梯 2 台",
        ),
    )
    step(
        1,
        lambda: licensing.issue_certificate(served, clerk),
        lambda: licensing.serve_certificate(
            served, clerk, CertificateService.IN_PERSON
        ),
    )

    # A post-licence matter (变更登记): a matter of its own with a receipt and
    # a limit, carried out on the licence, its certificate made and served.
    registration = licensing.get_application(served).licence_id
    change = licensing.receive(
        clerk,
        item_code="XK-TZSB-SYDJ",
        applicant=a,
        materials=tuple(
            m.name for m in services.registry.get_item("XK-TZSB-SYDJ").materials
        ),
        matter=Matter.CHANGE,
        licence_id=registration,
        change=LicenceChange(address="淮安区翔宇大道 18 号"),
    )
    step(1, lambda: licensing.accept(change.id, clerk))
    step(
        1,
        lambda: licensing.grant(
            change.id,
            approver,
            decision_number="淮区市监特登〔2026〕121号",
            scope="乘客电梯 2 台",
        ),
        lambda: licensing.issue_certificate(change.id, clerk),
        lambda: licensing.serve_certificate(
            change.id, clerk, CertificateService.IN_PERSON
        ),
    )
    # 工作评议: the holder rates the change's handling with its query code.
    rater = Audit(actor=RATING_FORM, request_id="demo", causation="command:demo")
    step(
        1,
        lambda: licensing.rate_handling(
            change.receipt_number,
            change.query_code,
            Rating.SATISFIED,
            "一次办结",
            rater,
        ),
    )

    issued = new("XK-JL-BZKH", d, by=hy_clerk)
    hy_approver = staff("HY-003", Role.APPROVER, "考核合格")
    step(1, lambda: licensing.accept(issued, hy_clerk))
    step(
        3,
        lambda: licensing.record_verification(
            issued,
            staff("HY-002", Role.REVIEWER),
            on_site=True,
            findings="现场考核合格",
            verified_on=licensing.today(),
        ),
        # The city's reviewer joins the county's and signs with their own token.
        lambda: licensing.sign_verification(issued, staff("SJ-005", Role.REVIEWER), 1),
    )
    step(
        1,
        lambda: licensing.grant(
            issued,
            hy_approver,
            decision_number="淮阴市监计标〔2026〕7号",
            scope="衡器检定装置",
        ),
        lambda: licensing.issue_certificate(issued, hy_clerk),
    )

    refused = new("XK-TZSB-SYDJ", b)
    step(1, lambda: licensing.accept(refused, clerk))
    step(
        2,
        lambda: licensing.refuse(
            refused,
            staff("HA-004", Role.APPROVER, "监督检验不合格"),
            decision_number="淮区市监特登〔2026〕102号",
            reasons=("监督检验结论为不合格",),
            technical_standard="TSG T7001-2023",
        ),
    )
    step(
        1,
        # A safety item: the refusal interview is escalated to the city's unit.
        lambda: licensing.schedule_interview(
            refused,
            staff("SJ-001", Role.CLERK),
            licensing.today() + timedelta(days=3),
            "淮安市局三楼会议室",
        ),
    )

    missing = new("XK-GYCP-SCXK", b, materials=("生产许可证申请书", "营业执照复印件"))
    step(
        1,
        lambda: licensing.request_correction(
            missing,
            staff("HA-001", Role.CLERK, "材料不齐全"),
            ("产品检验合格报告", "质量安全承诺书"),
        ),
    )

    corrected = new(
        "XK-GYCP-SCXK",
        a,
        materials=(
            "生产许可证申请书",
            "营业执照复印件",
            "质量安全承诺书",
            "生产场所平面图",
        ),
    )
    step(
        1,
        lambda: licensing.request_correction(
            corrected, staff("HA-001", Role.CLERK, "缺检验报告"), ("产品检验合格报告",)
        ),
        lambda: licensing.submit_corrections(corrected, clerk, ("产品检验合格报告",)),
    )
    step(1, lambda: licensing.accept(corrected, clerk))
    step(
        2,
        lambda: licensing.suspend_clock(
            corrected,
            reviewer,
            ExclusionKind.TESTING,
            15,
            "产品送检，检测时间不计入审查期限",
        ),
    )

    extended = new("XK-TZSB-SCXK", e, by=hy_clerk)
    step(1, lambda: licensing.accept(extended, hy_clerk))
    step(
        3,
        lambda: licensing.extend(
            extended, staff("HY-003", Role.APPROVER, "鉴定评审报告需补充说明")
        ),
    )

    deficient = new(
        "XK-JYJC-ZZRD",
        d,
        by=hy_clerk,
        materials=("资质认定申请书", "法人资格证明", "管理体系文件"),
    )
    step(
        1,
        lambda: licensing.accept_with_deficiencies(
            deficient,
            hy_clerk,
            ("人员及设备清单",),
            licensing.today() + timedelta(days=7),
        ),
    )

    committed = new("XK-SPXG-SCXK", a, mode=ApprovalMode.NOTIFY_AND_COMMIT)
    step(1, lambda: licensing.accept(committed, clerk))
    step(
        1,
        lambda: licensing.grant(
            committed,
            approver,
            decision_number="淮区市监食相〔2026〕3号",
            scope="食品用塑料包装容器",
        ),
    )

    rejected = new("XK-JL-XSPZ", c)
    step(
        1,
        lambda: licensing.reject(
            rejected,
            staff("HA-001", Role.CLERK, "属省级市场监管部门职权"),
            Ground.OUTSIDE_POWERS,
            "江苏省市场监督管理局",
        ),
    )

    withdrawn = new("XK-TZSB-SYDJ", c)
    step(
        1,
        lambda: licensing.withdraw(
            withdrawn, staff("HA-001", Role.CLERK, "申请人书面申请撤回")
        ),
    )

    # Received long enough ago that the law now deems it accepted (the clock fires it).
    deemed = new("XK-JL-XSPZ", e, by=hy_clerk)
    lapsed = new(
        "XK-JYJC-ZZRD",
        e,
        by=hy_clerk,
        materials=("资质认定申请书", "法人资格证明", "管理体系文件"),
    )
    step(
        1,
        lambda: licensing.accept_with_deficiencies(
            lapsed, hy_clerk, ("人员及设备清单",), licensing.today() + timedelta(days=5)
        ),
    )
    by_clock = Audit(
        actor=SYSTEM_CLOCK, request_id="demo-clock", causation="timer:demo"
    )
    step(
        10,
        lambda: licensing.deem_acceptance(deemed, by_clock),
        lambda: licensing.terminate_for_missed_supply(lapsed, by_clock),
    )
    fresh = new("XK-TZSB-SYDJ", a)  # received today, nothing done yet
    fresh_hy = new("XK-GYCP-SCXK", d, by=hy_clerk)
    licensing.clock = real_clock
    ids = [
        served,
        issued,
        refused,
        missing,
        corrected,
        extended,
        deficient,
        committed,
        rejected,
        withdrawn,
        change.id,
        deemed,
        lapsed,
        fresh,
        fresh_hy,
    ]
    return [licensing.get_application(i) for i in ids]
