"""The happy path through HTTP: receive → accept → grant → certificate → served."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.shared.audit import Role
from tests.api.conftest import COUNTY, Staff, receive


def test_an_application_runs_from_receipt_to_served_certificate(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    clerk, approver = staff[(Role.CLERK, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    created = receive(client, clerk)
    case = f"/v1/licensing/applications/{created['id']}"
    assert created["status"] == "received"
    assert created["query_code"]
    r = client.post(f"{case}/accept", headers=clerk.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    r = client.post(
        f"{case}/grant",
        json={
            "decision_number": "淮区市监许〔2026〕1号",
            "scope": "电梯 1 台",
            "reason": "材料齐全，符合法定条件",
        },
        headers={**approver.headers, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "granted"
    licence_id = r.json()["licence_id"]
    assert (
        client.post(f"{case}/issue-certificate", headers=clerk.headers).status_code
        == 200
    )
    r = client.post(
        f"{case}/serve-certificate", json={"method": "in_person"}, headers=clerk.headers
    )
    assert r.json()["status"] == "certificate_served"
    r = client.get(f"/v1/licensing/licences/{licence_id}", headers=clerk.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "valid"
    h = client.get(f"{case}/history", headers=clerk.headers).json()
    assert [e["type"] for e in h["events"]] == [
        "Received",
        "Accepted",
        "Granted",
        "CertificateIssued",
        "CertificateServed",
    ]
    assert h["events"][2]["reason"] == "材料齐全，符合法定条件"
