"""Write api/complaints/openapi_examples.json from a real run: a throwaway
embedded PostgreSQL, the app in-process, an intake registered, classified as
both, the complaint accepted and mediated, the report's case opened, the
people opened, the public form used and rated, a conduct complaint
(效能投诉) concluded by the supervision office, and an ODR dispute: a
business enrolled, the consumer's complaint taken to it, no settlement, and
the consumer's escalation.

    .venv/bin/python scripts/complaints_examples.py
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.host.settings import Settings
from api.host.storage import open_services, start_embedded
from api.http.app import create_app
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.uscc import compose_uscc
from projections.runtime import run_in_thread

OUT = (
    Path(__file__).resolve().parent.parent
    / "api"
    / "complaints"
    / "openapi_examples.json"
)
UNIT = "320803"
PERSON = {"name": "示例来件人", "phone": "10000000000", "address": "示例地址"}
RESPONDENT = {
    "name": "淮安区某某电器商行",
    "uscc": "91320803000000019H",
    "address": "淮安区商业街8号",
    "region_code": UNIT,
}


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="casetrace-examples-"))
    try:
        url = start_embedded(tmp / "pg", throwaway=True)
        services = open_services(Settings(data_dir=tmp), url=url)
        try:
            OUT.write_text(
                json.dumps(run(services), ensure_ascii=False, indent=2) + "\n"
            )
        finally:
            services.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {OUT}")


def run(services: Any) -> dict[str, Any]:
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="examples")
    services.registry.establish_unit(UNIT, "淮安区市场监督管理局", boot)
    tokens: dict[Role, str] = {}
    for role, name in (
        (Role.INTAKE, "周受理"),
        (Role.HANDLER, "吴处理"),
        (Role.APPROVER, "郑负责"),
        (Role.SUPERVISION, "王督察"),
    ):
        services.registry.enrol_staff(
            f"{UNIT}-{role}", name, UNIT, frozenset({role}), boot
        )
        tokens[role], _ = services.registry.issue_token(
            f"{UNIT}-{role}", "examples", boot
        )
    for no, name in (("E-1", "赵一"), ("E-2", "钱二")):
        services.registry.enrol_staff(no, name, UNIT, frozenset({Role.HANDLER}), boot)

    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    app = create_app(Settings(), services)
    out: dict[str, Any] = {}
    _, stop = run_in_thread(services.projector())
    try:
        with TestClient(app) as http:
            drive(http, auth, out)
    finally:
        stop.set()
    return out


def drive(http: TestClient, auth: Any, out: dict[str, Any]) -> None:
    """The requests whose answers become the examples."""

    def post(path: str, role: Role, body: dict[str, Any] | None = None) -> Any:
        response = http.post(path, json=body or {}, headers=auth(role))
        assert response.status_code < 300, response.text  # noqa: S101
        return response.json()

    registered = post(
        "/v1/complaints/intakes",
        Role.INTAKE,
        {
            "channel": "telephone",
            "submitter": {"person": PERSON},
            "respondent": RESPONDENT,
            "facts": "购买的电热水器漏电，商家拒绝退货。",
            "claim": "退货退款",
        },
    )
    out["IntakeRegistered"] = registered
    intake = f"/v1/complaints/intakes/{registered['id']}"
    classified = post(
        f"{intake}/classify",
        Role.INTAKE,
        {
            "classification": "both",
            "unit_code": UNIT,
            "reason": "既投诉又举报，分别处理",
        },
    )
    out["Intake"] = classified
    complaint = f"/v1/complaints/complaints/{classified['complaint_id']}"
    post(f"{complaint}/accept", Role.HANDLER)
    out["Complaint"] = post(
        f"{complaint}/schedule-mediation",
        Role.HANDLER,
        {
            "mode": "remote",
            "at": "2026-12-08T09:30:00+08:00",
            "mediators": ["吴处理"],
        },
    )
    report = f"/v1/complaints/reports/{classified['report_id']}"
    out["Report"] = post(
        f"{report}/open-case",
        Role.APPROVER,
        {"officers": ["E-1", "E-2"], "reason": "初步查明涉嫌销售不合格产品"},
    )
    out["People"] = post(
        f"{complaint}/personal-data",
        Role.HANDLER,
        {"reason": "电话联系投诉人安排调解"},
    )
    submitted = http.post(
        "/public/v1/complaints",
        json={
            "unit_code": UNIT,
            "submitter": {"person": PERSON},
            "respondent": RESPONDENT,
            "facts": "网购的电饭煲与描述不符。",
            "claim": "退款",
        },
    )
    out["Submitted"] = submitted.json()
    public = http.get(
        "/public/v1/complaints/progress",
        params={
            "intake_number": registered["intake_number"],
            "query_code": registered["query_code"],
        },
    )
    out["PublicProgress"] = public.json()
    post(f"{complaint}/withdraw", Role.HANDLER, {"reason": "投诉人来电撤回"})
    rated = http.post(
        "/public/v1/complaints/rating",
        json={
            "intake_number": registered["intake_number"],
            "query_code": registered["query_code"],
            "rating": "satisfied",
            "comment": "处理及时",
        },
    )
    out["Rated"] = rated.json()
    conduct(http, post, auth, out)
    odr(http, post, auth, out)
    token = out["People"]["consistency_token"]
    wait = {"consistent_after": token}
    for name, path in (
        ("MattersPage", "/v1/complaints/complaints"),
        ("Statistics", "/v1/complaints/statistics"),
        ("DeadlinesPage", "/v1/complaints/deadlines"),
    ):
        response = http.get(path, params=wait, headers=auth(Role.HANDLER))
        assert response.status_code == 200, response.text  # noqa: S101
        out[name] = response.json()


def conduct(http: TestClient, post: Any, auth: Any, out: dict[str, Any]) -> None:
    """A complaint about the handler's conduct, for the supervision office."""
    registered = post(
        "/v1/complaints/intakes",
        Role.INTAKE,
        {
            "channel": "counter",
            "submitter": {"person": PERSON},
            "respondent": {"name": "淮安区市场监督管理局", "region_code": UNIT},
            "facts": "办理投诉的工作人员多次推诿，态度生硬。",
            "claim": "要求调查处理并答复",
        },
    )
    classified = post(
        f"/v1/complaints/intakes/{registered['id']}/classify",
        Role.INTAKE,
        {
            "classification": "conduct",
            "unit_code": UNIT,
            "staff_no": f"{UNIT}-{Role.HANDLER}",
            "reason": "反映工作人员作风问题，转督察部门",
        },
    )
    path = f"/v1/complaints/conduct/{classified['conduct_id']}"
    post(
        f"{path}/record-outcome",
        Role.SUPERVISION,
        {
            "finding": "partly_substantiated",
            "measures": "对当事人批评教育，责令改进工作作风",
            "reason": "调阅录音、询问当事人，部分属实",
        },
    )
    out["Conduct"] = post(f"{path}/notify-complainant", Role.SUPERVISION)
    wait = {"consistent_after": out["Conduct"]["consistency_token"]}
    page = http.get(
        "/v1/complaints/conduct", params=wait, headers=auth(Role.SUPERVISION)
    )
    assert page.status_code == 200, page.text  # noqa: S101
    out["ConductPage"] = page.json()


def odr(http: TestClient, post: Any, auth: Any, out: dict[str, Any]) -> None:
    """ODR: the business settles first (issue 10 §3a)."""
    shop = {
        "name": "淮安区某某家电旗舰店",
        "uscc": compose_uscc(UNIT, "00000077"),
        "region_code": UNIT,
    }
    enrolled = post(
        "/v1/complaints/odr-enterprises",
        Role.APPROVER,
        {**shop, "reason": "企业申请入驻在线消费纠纷解决（ODR）"},
    )
    out["OdrEnrolled"] = enrolled
    out["OdrEnterprise"] = http.get(
        f"/v1/complaints/odr-enterprises/{enrolled['id']}", headers=auth(Role.APPROVER)
    ).json()
    submitted = http.post(
        "/public/v1/complaints",
        json={
            "unit_code": UNIT,
            "submitter": {"person": PERSON},
            "respondent": shop,
            "facts": "网购的空气净化器滤网破损。",
            "claim": "更换滤网",
            "odr": True,
        },
    ).json()
    number = f"{submitted['intake_number']}-HJ"
    key = base64.b64encode(f"{shop['uscc']}:{enrolled['key']}".encode()).decode()
    business = {"Authorization": f"Basic {key}"}
    out["BusinessDispute"] = http.get(
        f"/odr/v1/disputes/{number}", headers=business
    ).json()
    out["ConsumerContact"] = http.post(
        f"/odr/v1/disputes/{number}/contact", headers=business
    ).json()
    http.post(
        f"/odr/v1/disputes/{number}/no-settlement",
        json={
            "how": "telephone",
            "negotiated_on": submitted["received_on"],
            "explanation": "消费者要求退货，经营者仅同意更换滤网",
        },
        headers=business,
    )
    escalated = http.post(
        "/public/v1/complaints/escalation",
        json={k: submitted[k] for k in ("intake_number", "query_code")},
    )
    assert escalated.status_code == 200, escalated.text  # noqa: S101
    out["Escalated"] = escalated.json()
    wait = {"consistent_after": out["ConsumerContact"]["consistency_token"]}
    listed = http.get("/odr/v1/disputes", params=wait, headers=business)
    assert listed.status_code == 200, listed.text  # noqa: S101
    out["BusinessDisputesPage"] = listed.json()
    staff_list = http.get(
        "/v1/complaints/odr-disputes", params=wait, headers=auth(Role.INTAKE)
    )
    dispute = staff_list.json()["items"][0]["id"]
    out["Dispute"] = http.get(
        f"/v1/complaints/odr-disputes/{dispute}", headers=auth(Role.INTAKE)
    ).json()


if __name__ == "__main__":
    main()
