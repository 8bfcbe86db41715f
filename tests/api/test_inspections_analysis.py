"""The quality analysis (质量分析, seed 000) through HTTP: JSON, CSV for Excel
and the SVG chart, staff only and by jurisdiction, with problem+json errors.

Inspections are made with the domain's own commands (as in
tests/projections/test_inspections_analysis.py) and saved through the running
Inspections application, so the projector folds them from the real log; each
test names a product of its own, so the session's other inspections never
mix in. The CSV and chart renderers are also tested on their own (no HTTP)."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.storage import Services
from api.inspections import analysis, http
from domain.shared.audit import Role
from projections.runtime import Projector
from tests.api.conftest import COUNTY, OTHER_COUNTY, Staff
from tests.api.helpers import assert_problem, ok
from tests.projections.test_inspections_analysis import APRIL, Log

ANALYSIS = "/v1/inspections/analysis"
SVG = "{http://www.w3.org/2000/svg}"
YEAR = {"from": "2026-01", "to": "2026-12"}

wired = pytest.mark.skipif(
    analysis.router not in http.HTTP.routers,
    reason="api.inspections.analysis.router is not in api/inspections/http.py yet",
)


def parse(svg: str | bytes) -> ET.Element:
    """Our own chart, not untrusted input."""
    return ET.fromstring(svg)  # noqa: S314


def who(staff: dict[tuple[Role, str], Staff], role: Role, unit: str) -> Staff:
    return staff[(role, unit)]


@pytest.fixture
def season(services: Services, projector: Projector) -> dict[str, Any]:
    """A product of this test: two county firms and one of the next county
    fail 泄漏电流, one county firm passes; saved through the application."""
    product = f"电热水壶-{uuid.uuid4().hex[:6]}"
    log = Log(product, save=True)
    base = uuid.uuid4().int % 10_000 * 10  # firms of this test alone
    log.failing(base + 1, "泄漏电流", "标志和说明")
    log.failing(base + 2, "泄漏电流")
    log.conforming(base + 3)
    log.failing(base + 4, "泄漏电流", unit=OTHER_COUNTY, on=APRIL)
    app = services.apps["inspections"]
    recordings = app.save(*log.unsaved)
    position = recordings[-1].notification.id
    return {
        "product": product,
        "token": f"inspections:{position}",
        "query": {**YEAR, "product": product},
    }


def get(
    client: TestClient, path: str, staff: Staff, season: dict[str, Any], **more: Any
) -> Any:
    params = {**season["query"], "consistent_after": season["token"], **more}
    return client.get(path, params=params, headers=staff.headers)


# -- JSON -----------------------------------------------------------------------


@wired
def test_an_auditor_sees_every_unit_s_samples_and_common_problems(
    client: TestClient, staff: dict[tuple[Role, str], Staff], season: dict[str, Any]
) -> None:
    auditor = who(staff, Role.AUDITOR, COUNTY)
    body = ok(get(client, ANALYSIS, auditor, season))
    (group,) = body["groups"]
    assert group["product"] == season["product"]
    assert (group["samples"], group["failures"], group["failure_rate"]) == (
        4,
        3,
        "0.7500",
    )
    assert group["industry_name"] == "电气机械和器材制造业"
    assert group["common_problems"] == [
        {"test_item": "泄漏电流", "failures": 3, "firms": 3}
    ]
    assert [p["test_item"] for p in group["single_firm_problems"]] == ["标志和说明"]
    assert [t["month"] for t in group["trend"]] == ["2026-03", "2026-04"]


@wired
def test_a_unit_sees_only_its_region(
    client: TestClient, staff: dict[tuple[Role, str], Staff], season: dict[str, Any]
) -> None:
    county = ok(get(client, ANALYSIS, who(staff, Role.PLANNER, COUNTY), season))
    (group,) = county["groups"]
    assert (group["samples"], group["failures"]) == (3, 2)
    other = ok(get(client, ANALYSIS, who(staff, Role.PLANNER, OTHER_COUNTY), season))
    assert other["groups"][0]["samples"] == 1
    assert other["groups"][0]["common_problems"] == []


@wired
def test_errors_are_problems(
    client: TestClient, staff: dict[tuple[Role, str], Staff], season: dict[str, Any]
) -> None:
    county = who(staff, Role.PLANNER, COUNTY)
    anonymous = client.get(ANALYSIS, params=season["query"])
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    outside = get(client, ANALYSIS, county, season, unit=OTHER_COUNTY)
    assert_problem(outside, 403, "forbidden")
    for params in ({"from": "2026-13"}, {"industry": "c38"}, {"top": "0"}):
        bad = get(client, ANALYSIS, county, season, **params)
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
    reversed_ = get(
        client, ANALYSIS, county, season, **{"from": "2026-05", "to": "2026-04"}
    )
    assert reversed_.status_code == 422
    for path in (f"{ANALYSIS}.csv", f"{ANALYSIS}/chart.svg"):
        assert client.get(path, params=season["query"]).status_code == 401


# -- CSV ------------------------------------------------------------------------


@wired
def test_the_csv_opens_in_excel_with_chinese_intact(
    client: TestClient, staff: dict[tuple[Role, str], Staff], season: dict[str, Any]
) -> None:
    response = get(client, f"{ANALYSIS}.csv", who(staff, Role.AUDITOR, COUNTY), season)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(analysis.CSV_HEADER)
    assert rows[1][:6] == [
        "C3854",
        "电气机械和器材制造业",
        season["product"],
        "4",
        "3",
        "75.00%",
    ]
    assert rows[1][6] == "泄漏电流（3家/3批次）"


# -- the chart ------------------------------------------------------------------


@wired
def test_the_chart_is_an_accessible_deterministic_svg(
    client: TestClient, staff: dict[tuple[Role, str], Staff], season: dict[str, Any]
) -> None:
    auditor = who(staff, Role.AUDITOR, COUNTY)
    first = get(client, f"{ANALYSIS}/chart.svg", auditor, season)
    again = get(client, f"{ANALYSIS}/chart.svg", auditor, season)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("image/svg+xml")
    assert first.content == again.content
    root = parse(first.content)
    assert root.get("role") == "img"
    desc = root.findtext(f"{SVG}desc") or ""
    assert "C3854 电气机械和器材制造业" in desc
    assert "不合格率75.00%" in desc


# -- the renderers on their own ---------------------------------------------------

FOUND: dict[str, Any] = {
    "from": "2026-01",
    "to": "2026-06",
    "groups": [
        {
            "industry": "C3854",
            "industry_name": "电气机械和器材制造业",
            "product": '=HYPERLINK("x")',
            "samples": 3,
            "failures": 1,
            "failure_rate": "0.3333",
            "common_problems": [],
            "single_firm_problems": [
                {
                    "test_item": "标志和说明",
                    "failures": 1,
                    "uscc": "91320803MA1XYW01X6",
                    "name": "某某<电器>&公司",
                }
            ],
        },
        {
            "industry": "",
            "industry_name": "未分类",
            "product": "TZ-001",
            "samples": 2,
            "failures": 0,
            "failure_rate": "0.0000",
            "common_problems": [],
            "single_firm_problems": [],
        },
    ],
}


def test_a_csv_cell_is_never_a_formula() -> None:
    text = analysis.analysis_csv(FOUND).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == '\'=HYPERLINK("x")'
    assert rows[1][5] == "33.33%"
    assert rows[1][7] == "标志和说明（某某<电器>&公司 91320803MA1XYW01X6）"
    assert text.endswith("\r\n")


def test_the_chart_escapes_its_text_and_draws_one_bar_per_industry() -> None:
    svg = analysis.analysis_svg(FOUND)
    assert svg == analysis.analysis_svg(FOUND)
    root = parse(svg)  # well-formed despite < & in the data
    assert (
        root.findtext(f"{SVG}title")
        == "2026-01至2026-06 各行业产品质量监督抽查不合格率"
    )
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#c0392b"]
    assert [b.get("width") for b in bars] == ["0.0", "106.7"]  # '' sorts first
    assert "— 未分类：抽查2批次" in (root.findtext(f"{SVG}desc") or "")


def test_an_empty_chart_says_so() -> None:
    root = parse(
        analysis.analysis_svg({"from": "2026-01", "to": "2026-01", "groups": []})
    )
    assert "没有抽查结果" in (root.findtext(f"{SVG}desc") or "")


def test_industry_names_come_from_the_division_or_section() -> None:
    assert analysis.industry_name("C3854") == "电气机械和器材制造业"
    assert analysis.industry_name("C") == "制造业"
    assert analysis.industry_name("G5439") == "交通运输、仓储和邮政业"
    assert analysis.industry_name("") == "未分类"
