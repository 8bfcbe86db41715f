"""Assertions and request bodies shared by the API tests (HTTP only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from tests.api.conftest import COUNTY, Staff, applicant

APPLICATIONS = "/v1/licensing/applications"
LICENCES = "/v1/licensing/licences"
PROBLEM_JSON = "application/problem+json"

StaffBook = dict[tuple[Role, str], Staff]


def assert_problem(
    response: httpx.Response,
    status: int,
    slug: str,
    *,
    detail: str | None = None,
    rule: str | None = None,
) -> dict[str, Any]:
    """An RFC 9457 problem with a stable type, a title, the status and a detail."""
    assert response.status_code == status, response.text
    media = response.headers["content-type"].split(";")[0].strip()
    assert media == PROBLEM_JSON, response.headers["content-type"]
    body = response.json()
    assert isinstance(body, dict)
    assert body["type"].startswith("https://")
    assert body["type"].endswith(f"/{slug}"), body["type"]
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    if detail is not None:
        assert detail in body["detail"], body["detail"]
    if rule is not None:
        assert rule in (body.get("rule") or ""), body
    return body


def field_errors(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The 422 `errors` list keyed by field path (each entry has a message)."""
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors
    for error in errors:
        assert isinstance(error["field"], str)
        assert error["message"]
    return {e["field"]: e for e in errors}


def etag_of(response: httpx.Response) -> str:
    etag = response.headers["etag"]
    assert etag == f'"{response.json()["version"]}"'
    return etag


def state(client: TestClient, path: str, who: Staff) -> tuple[str, int]:
    """The case's ETag and version as a reader in its unit sees them."""
    response = client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"], response.json()["version"]


@contextmanager
def unchanged(client: TestClient, path: str, who: Staff) -> Iterator[None]:
    """The block must leave the case exactly as it was (same ETag and version)."""
    before = state(client, path, who)
    yield
    assert state(client, path, who) == before


def log_head(client: TestClient) -> int:
    """The licensing event log's last position: a refused command adds nothing."""
    head = client.app.state.services.licensing.recorder.max_notification_id()  # type: ignore[attr-defined]
    return int(head or 0)


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


# -- minimal valid bodies ----------------------------------------------------------

DEFERRABLE = "安装告知书"  # the deferrable material of XK-TZSB-SYDJ (conftest ITEM)

APPLICATION_BODIES: dict[str, dict[str, Any] | None] = {
    "request-correction": {"missing_items": [DEFERRABLE], "reason": "安装告知书未盖章"},
    "submit-corrections": {"missing_items": [DEFERRABLE]},
    "accept": None,
    "accept-with-deficiencies": {
        "deficiency_items": [DEFERRABLE],
        "supply_deadline": "2026-11-27",
    },
    "reject": {"ground": "no_licence_required", "reason": "该设备无需办理使用登记"},
    "cure-deficiencies": {"deficiency_items": [DEFERRABLE]},
    "record-verification": {
        "on_site": True,
        "verified_on": "2026-11-23",
        "findings": "现场核查与申请材料一致",
    },
    "sign-verification": {"verification": 1},
    "suspend-clock": {
        "kind": "testing",
        "expected_working_days": 5,
        "notice": "需委托检测机构检测，预计5个工作日",
        "reason": "依法需要检测",
    },
    "resume-clock": None,
    "extend": {"reason": "情况复杂，经负责人批准延长"},
    "grant": {
        "decision_number": "淮区市监许〔2026〕1号",
        "scope": "电梯 1 台",
        "reason": "材料齐全，符合法定条件",
    },
    "refuse": {
        "decision_number": "淮区市监不许〔2026〕1号",
        "reasons": ["监督检验证明与设备不符"],
        "reason": "不符合法定条件",
    },
    "schedule-interview": {
        "scheduled_for": "2026-11-30",
        "place": "政务服务中心 201 室",
    },
    "record-interview": {
        "attendees": ["申请人代表", "承办人"],
        "record": "告知不予许可的理由及复议、诉讼权利",
    },
    "issue-certificate": None,
    "serve-certificate": {"method": "in_person"},
    "withdraw": {"reason": "申请人书面申请撤回"},
}

LICENCE_BODIES: dict[str, dict[str, Any] | None] = {
    "change": {
        "change": {"scope": "检验检测能力范围（变更后）"},
        "decision_number": "淮区市监变〔2026〕1号",
        "reason": "许可事项变更",
    },
    "reissue-certificate": {"cause": "lost"},
    "request-renewal": None,
    "renew": {"decision_number": "淮区市监延〔2026〕1号", "reason": "符合延续条件"},
    "refuse-renewal": {"reasons": ["生产条件已不符合要求"], "reason": "不予延续"},
    "verify-commitment": {
        "findings": "承诺属实",
        "breached": False,
        "reason": "后置核查完成",
    },
    "sign-commitment-check": {"reason": "第二核查人复核属实"},
    "withdraw": {
        "compensation": "依法给予补偿 1 万元",
        "reason": "法律修改，公共利益需要",
    },
    "revoke": {"ground": "procedure_violated", "reason": "违反法定程序作出"},
    "cancel": {"ground": "entity_terminated", "reason": "企业已注销"},
}

# What must have happened to a fresh case before a verb can succeed.
APPLICATION_PREREQUISITES: dict[str, list[str]] = {
    "submit-corrections": ["request-correction"],
    "cure-deficiencies": ["accept-with-deficiencies"],
    "record-verification": ["accept"],
    "sign-verification": ["accept", "record-verification"],
    "suspend-clock": ["accept"],
    "resume-clock": ["accept", "suspend-clock"],
    "extend": ["accept"],
    "grant": ["accept"],
    "refuse": ["accept"],
    "schedule-interview": ["accept", "refuse"],
    "record-interview": ["accept", "refuse", "schedule-interview"],
    "issue-certificate": ["accept", "grant"],
    "serve-certificate": ["accept", "grant", "issue-certificate"],
}
LICENCE_PREREQUISITES: dict[str, list[str]] = {
    "sign-commitment-check": ["verify-commitment"],
    "renew": ["request-renewal"],
    "refuse-renewal": ["request-renewal"],
}

# 检验检测机构资质认定 under 告知承诺: a licence with a validity period (72 months)
# and a commitment to verify, so every licence command has something to act on.
COMMITMENT_ITEM = "XK-JYJC-ZZRD"
COMMITMENT_MATERIALS = [
    "资质认定申请书",
    "法人资格证明",
    "管理体系文件",
    "人员及设备清单",
]


def post(
    client: TestClient,
    path: str,
    who: Staff,
    body: dict[str, Any] | None = None,
    **headers: str,
) -> httpx.Response:
    return client.post(path, json=body, headers={**who.headers, **headers})


def run_verb(
    client: TestClient,
    staff: StaffBook,
    base: str,
    case_id: str,
    verb: str,
    bodies: dict[str, dict[str, Any] | None],
    role: Role,
    unit: str = COUNTY,
) -> dict[str, Any]:
    return ok(
        post(client, f"{base}/{case_id}/{verb}", staff[(role, unit)], bodies[verb])
    )


def commitment_licence(
    client: TestClient, staff: StaffBook, seed: int = 7, unit: str = COUNTY
) -> dict[str, Any]:
    """Receive, accept and grant a 告知承诺 application; returns the licence."""
    clerk, approver = staff[(Role.CLERK, unit)], staff[(Role.APPROVER, unit)]
    created = ok(
        post(
            client,
            APPLICATIONS,
            clerk,
            {
                "item_code": COMMITMENT_ITEM,
                "approval_mode": "notify_and_commit",
                "applicant": applicant(seed),
                "materials": COMMITMENT_MATERIALS,
                "commitment": {
                    "signed_on": "2026-11-20",
                    "signatory": "张三",
                    "statement": "本机构承诺符合资质认定条件",
                },
            },
        ),
        201,
    )
    case = f"{APPLICATIONS}/{created['id']}"
    ok(post(client, f"{case}/accept", clerk))
    granted = ok(
        post(
            client,
            f"{case}/grant",
            approver,
            {
                "decision_number": "淮区市监资〔2026〕7号",
                "scope": "建筑材料检测",
                "reason": "申请人承诺符合条件",
            },
        )
    )
    return ok(client.get(f"{LICENCES}/{granted['licence_id']}", headers=clerk.headers))
