"""Demo data: one city and two counties, staff in every role and enterprises;
then each registered context's own cases (its `demo`) — all made through the application services, so
every event is real and carries its audit stamp."""

from __future__ import annotations

from pathlib import Path

from api.host.storage import Services
from domain.registry.enterprise import ABNORMAL_OPERATIONS_LIST, EnterpriseProfile
from domain.registry.staff import Staff, staff_id
from domain.shared.audit import SYSTEM_DEMO, Audit, Role
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
    ("SJ-006", "朱琳", CITY, Role.INTAKE),  # the 12315 desk
    ("SJ-007", "许诺", CITY, Role.SUPERVISION),
    ("HA-005", "钱芳", HUAIAN, Role.HANDLER),
    ("HA-006", "沈洋", HUAIAN, Role.HANDLER),
    ("HY-004", "孙浩", HUAIYIN, Role.HANDLER),
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
    for n, (name, region, industry) in enumerate(ENTERPRISES, start=1):
        profile = EnterpriseProfile(
            uscc=demo_uscc(n, region), name=name, region_code=region, industry=industry
        )
        registry.register_enterprise(profile, audit)
    registry.flag_credit(
        demo_uscc(3, ENTERPRISES[2][1]),
        ABNORMAL_OPERATIONS_LIST,
        audit.because("demo: listed as abnormal"),
    )
    tokens_file = data_dir / "demo-tokens.txt"
    data_dir.mkdir(parents=True, exist_ok=True)
    tokens_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tokens_file.chmod(0o600)
    out = [*lines, f"(written to {tokens_file})"]
    for context in services.contexts:  # each context's cases, on the same cast
        if context.demo is not None:
            out += ["", f"# demo {context.name}", *context.demo(services, data_dir)]
    return out
