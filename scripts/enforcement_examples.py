"""Write api/enforcement/openapi_examples.json from a real run: a throwaway
embedded PostgreSQL, the app in-process, a penalty case opened, evidence
recorded, the penalty decided, the decision served; the index, the board and
the statistics read back.

    .venv/bin/python scripts/enforcement_examples.py
"""

from __future__ import annotations

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
    / "enforcement"
    / "openapi_examples.json"
)
UNIT = "320803"


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
    tokens: dict[str, str] = {}
    for staff_no, name, role in (
        ("O-1", "蒋办案", Role.OFFICER),
        ("O-2", "杨办案", Role.OFFICER),
        ("H-1", "陈负责", Role.APPROVER),
        ("A-1", "冯审计", Role.AUDITOR),
    ):
        services.registry.enrol_staff(staff_no, name, UNIT, frozenset({role}), boot)
        tokens[staff_no], _ = services.registry.issue_token(staff_no, "examples", boot)

    def auth(staff_no: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[staff_no]}"}

    projector = services.projector()
    thread, stop = run_in_thread(projector)
    out: dict[str, Any] = {}
    try:
        with TestClient(create_app(Settings(), services)) as http:
            opened = http.post(
                "/v1/enforcement/cases",
                json={
                    "party": {
                        "name": "淮安市示例机械有限公司",
                        "party_type": "legal_person",
                        "uscc": compose_uscc(UNIT, "MA00001X"),
                        "legal_representative": "刘示例",
                        "region_code": UNIT,
                    },
                    "facts": "生产销售的机械产品经抽样检验不合格。",
                    "unit_code": UNIT,
                    "officers": ["O-1", "O-2"],
                    "reason": "初步证据表明存在违法行为，依法立案",
                },
                headers=auth("O-1"),
            )
            assert opened.status_code == 201, opened.text  # noqa: S101
            path = f"/v1/enforcement/cases/{opened.json()['id']}"
            http.post(
                f"{path}/record-evidence",
                json={
                    "evidence": {
                        "kind": "expert_opinion",
                        "title": "产品质量检验报告",
                        "sha256": "3a" * 32,
                        "collected_on": opened.json()["opened_on"],
                    }
                },
                headers=auth("O-1"),
            )
            decided = http.post(
                f"{path}/decide",
                json={
                    "decision_number": "淮区市监罚〔2026〕1号",
                    "penalties": ["fine", "confiscation_of_illegal_gains"],
                    "violation": "生产、销售不合格产品",
                    "legal_basis": "《中华人民共和国产品质量法》第四十九条",
                    "result": "没收违法所得人民币二千元，并处罚款人民币一万元",
                    "fine_fen": 1_000_000,
                    "confiscation_fen": 200_000,
                    "reason": "事实清楚、证据确凿",
                },
                headers=auth("H-1"),
            )
            assert decided.status_code == 200, decided.text  # noqa: S101
            served = http.post(
                f"{path}/serve",
                json={"served_on": decided.json()["decided_on"], "method": "in_person"},
                headers=auth("O-1"),
            )
            assert served.status_code == 200, served.text  # noqa: S101
            out["Case"] = served.json()
            wait = {"consistent_after": served.json()["consistency_token"]}
            out["CasesPage"] = http.get(
                "/v1/enforcement/cases", params=wait, headers=auth("A-1")
            ).json()
            out["DeadlinesPage"] = http.get(
                "/v1/enforcement/deadlines", params=wait, headers=auth("A-1")
            ).json()
            out["Statistics"] = http.get(
                "/v1/enforcement/statistics", params=wait, headers=auth("A-1")
            ).json()
    finally:
        stop.set()
        thread.join(timeout=10)
        projector.close()
    return out


if __name__ == "__main__":
    main()
