"""Demo data: one city and two counties, staff in every role, enterprises, and
applications in every state — all made through the application services, so
every event is real and carries its audit stamp."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from api.host.storage import Services
from domain.licensing.application import LicenceApplication
from domain.licensing.parties import (
    Applicant,
    CertificateService,
    Channel,
    CommitmentLetter,
    ExclusionKind,
)
from domain.licensing.parties import NonAcceptanceGround as Ground
from domain.registry.catalogue import ApprovalMode
from domain.registry.enterprise import EnterpriseProfile
from domain.registry.staff import Staff, staff_id
from domain.shared.audit import SYSTEM_CLOCK, SYSTEM_DEMO, Audit, Role
from domain.shared.clock import Clock, FixedClock
from domain.shared.uscc import compose_uscc

CITY, HUAIAN, HUAIYIN = "3208", "320803", "320804"
UNITS = {
    CITY: "淮安市市场监督管理局",
    HUAIAN: "淮安市淮安区市场监督管理局",
    HUAIYIN: "淮安市淮阴区市场监督管理局",
}
PEOPLE = [
    ("HA-001", "王敏", HUAIAN, Role.CLERK),
    ("HA-002", "李强", HUAIAN, Role.REVIEWER),
    ("HA-003", "赵磊", HUAIAN, Role.REVIEWER),
    ("HA-004", "陈静", HUAIAN, Role.APPROVER),
    ("HY-001", "周洁", HUAIYIN, Role.CLERK),
    ("HY-002", "吴刚", HUAIYIN, Role.REVIEWER),
    ("HY-003", "郑伟", HUAIYIN, Role.APPROVER),
    ("SJ-001", "孙丽", CITY, Role.CLERK),
    ("SJ-002", "何平", CITY, Role.APPROVER),
    ("SJ-003", "冯涛", CITY, Role.AUDITOR),
    ("SJ-004", "韩梅", CITY, Role.ADMIN),
    ("SJ-005", "罗斌", CITY, Role.REVIEWER),
]
ENTERPRISES = [
    ("淮安华信电梯工程有限公司", HUAIAN, "电梯安装维修"),
    ("淮安市楚州精工机械有限公司", HUAIAN, "通用设备制造"),
    ("江苏淮河包装材料有限公司", HUAIAN, "食品相关产品"),
    ("淮阴区恒通计量检测有限公司", HUAIYIN, "检验检测"),
    ("淮安明远锅炉制造有限公司", HUAIYIN, "特种设备制造"),
]


def demo_uscc(n: int, region: str) -> str:
    return compose_uscc(region, f"MA{n:05d}X"[:8])


def load_demo(
    services: Services, data_dir: Path, *, if_empty: bool = False
) -> list[str]:
    registry = services.registry
    if registry.find(Staff, staff_id(PEOPLE[0][0])) is not None:
        if if_empty:
            return [
                f"demo data already present; tokens were written to {data_dir / 'demo-tokens.txt'}"
            ]
        msg = "demo data already present"
        raise SystemExit(msg)
    audit = Audit(actor=SYSTEM_DEMO, request_id="demo", causation="command:demo")
    for code, name in UNITS.items():
        registry.establish_unit(code, name, audit)
    lines = ["# casetrace demo tokens (shown once; keep this file private)"]
    for staff_no, name, unit, role in PEOPLE:
        registry.enrol_staff(staff_no, name, unit, frozenset({role}), audit)
        secret, _ = registry.issue_token(staff_no, "demo", audit)
        lines.append(f"{role.value:<9} {staff_no}  {name}  unit {unit}  token {secret}")
    applicants = []
    for n, (name, region, industry) in enumerate(ENTERPRISES, start=1):
        profile = EnterpriseProfile(
            uscc=demo_uscc(n, region), name=name, region_code=region, industry=industry
        )
        registry.register_enterprise(profile, audit)
        applicants.append(
            Applicant(
                name=name,
                uscc=profile.uscc,
                region_code=region,
                address=f"{UNITS[region][:5]}某路{n}号",
            )
        )
    registry.flag_credit(
        applicants[2].uscc or "",
        "经营异常名录",
        audit.because("demo: listed as abnormal"),
    )
    made = _applications(services, applicants)
    tokens_file = data_dir / "demo-tokens.txt"
    data_dir.mkdir(parents=True, exist_ok=True)
    tokens_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tokens_file.chmod(0o600)
    cases = [
        f"application {a.id}  receipt {a.receipt_number}  {a.status}" for a in made
    ]
    return [*lines, f"(written to {tokens_file})", "", "# demo applications", *cases]


def _applications(
    services: Services, applicants: list[Applicant]
) -> list[LicenceApplication]:
    """A dozen applications, walked through their states on a demo clock."""
    licensing = services.licensing
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
        deemed,
        lapsed,
        fresh,
        fresh_hy,
    ]
    return [licensing.get_application(i) for i in ids]
