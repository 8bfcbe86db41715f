"""Seed 002's yearly line, replayed through the API: "今年以来共接受群众举报投诉
10多件，接受咨询90多人次，为群众挽回经济损失400多万元" (Huai'an district's 12365
centre). A year of a district is driven through HTTP — 11 complaints and
reports (7 complaints mediated to agreement, 3 reports, one intake that is
both), 93 enquiries answered, 4,012,345.67 yuan recovered — and the
statistics, summed from the rollups, give the line back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from projections.runtime import Projector
from tests.api.conftest import CITY, OTHER_COUNTY
from tests.api.helpers import StaffBook, ok, post
from tests.api.test_complaints_api import INTAKES, person
from tests.api.test_complaints_odr import caught_up

YEAR = 2034  # a year no other test writes to
# Seven agreements: 4,012,345.67 yuan in fen, as the bureau records amounts.
RECOVERED = (
    150_000_000,
    120_000_000,
    80_000_000,
    30_000_000,
    20_000_000,
    1_234_500,
    67,
)
SHOP = {"name": "淮阴区某某建材商行", "region_code": OTHER_COUNTY}


def intake(client: TestClient, staff: StaffBook, n: int) -> dict[str, Any]:
    body = {
        "channel": "telephone" if n % 2 else "counter",
        "submitter": {"person": person()},
        "respondent": SHOP,
        "facts": f"第{n}件：所购地板甲醛释放量疑似超标。",
        "claim": "退货退款",
    }
    return ok(post(client, INTAKES, staff[(Role.INTAKE, OTHER_COUNTY)], body), 201)


def classify(
    client: TestClient, staff: StaffBook, case: dict[str, Any], kind: str
) -> dict[str, Any]:
    body = {"classification": kind, "unit_code": OTHER_COUNTY, "reason": "分类分送"}
    desk = staff[(Role.INTAKE, OTHER_COUNTY)]
    return ok(post(client, f"{INTAKES}/{case['id']}/classify", desk, body))


def mediate(client: TestClient, staff: StaffBook, complaint_id: str, fen: int) -> None:
    handler = staff[(Role.HANDLER, OTHER_COUNTY)]
    path = f"/v1/complaints/complaints/{complaint_id}"
    ok(post(client, f"{path}/accept", handler))
    ok(
        post(
            client,
            f"{path}/reach-agreement",
            handler,
            {
                "document": "mediation_document",
                "recovered_fen": fen,
                "remedies": ["refund", "compensation"],
                "terms": "经营者退货退款并赔偿检测费用",
                "signed_by_both": True,
            },
        )
    )


def test_a_district_s_year_gives_back_seed_002_s_line(
    client: TestClient, staff: StaffBook, clock: FixedClock, projector: Projector
) -> None:
    clock.at = datetime(YEAR, 3, 2, 1, 0, tzinfo=UTC)  # Thu 09:00 in Shanghai
    n = 0
    for fen in RECOVERED:
        n += 1
        complaint = classify(client, staff, intake(client, staff, n), "complaint")
        mediate(client, staff, complaint["complaint_id"], fen)
    for kind in ("report", "report", "report", "both"):
        n += 1
        classify(client, staff, intake(client, staff, n), kind)
    desk = staff[(Role.INTAKE, OTHER_COUNTY)]
    for _ in range(93):
        n += 1
        asked = intake(client, staff, n)
        path = f"{INTAKES}/{asked['id']}/answer-enquiry"
        ok(
            post(
                client, path, desk, {"answer": "甲醛释放量限值见GB 18580，可委托检测。"}
            )
        )
    figures = ok(
        client.get(
            "/v1/complaints/statistics",
            params={
                "from": date(YEAR, 1, 1).isoformat(),
                "to": date(YEAR, 12, 31).isoformat(),
                "unit": OTHER_COUNTY,
                **caught_up(client),
            },
            headers=staff[(Role.AUDITOR, CITY)].headers,
        )
    )["total"]
    assert figures["yearly_line"] == {
        "complaints_and_reports_received": 11,  # 举报投诉10多件
        "enquiries_answered": 93,  # 接受咨询90多人次
        "recovered_fen": 401_234_567,  # 挽回经济损失400多万元
    }
    assert figures["intakes"]["received"] == 11 + 93
    assert figures["complaints"]["registered"] == 8  # the "both" is one of each
    assert figures["reports"]["registered"] == 4
    assert figures["complaints"]["agreed"] == 7
