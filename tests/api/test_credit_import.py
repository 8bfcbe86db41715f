"""Directed data from the credit system (定向推送数据) through real calls on
the embedded database: the admin's upload, the units' list of what was
distributed to them, and `casetrace import credit`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.host.cli import app as cli
from api.host.storage import Services
from domain.registry.enterprise import SERIOUS_DISHONESTY_LIST
from domain.shared.audit import Role
from domain.shared.uscc import compose_uscc
from projections.runtime import Projector
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY, Staff

pytestmark = pytest.mark.db

HEADER = "统一社会信用代码,企业名称,住所所在行政区划代码,成立日期\n"
SERIOUS = (
    "统一社会信用代码,企业名称,列入严重违法失信名单原因,列入日期,作出决定机关(列入),"
    "移出严重违法失信名单原因,移出日期,作出决定机关(移出)\n"
)
CSV = {"Content-Type": "text/csv; charset=utf-8"}


def code(seed: int, region: str = COUNTY) -> str:
    return compose_uscc(region, f"7731{seed:04d}")


def upload(
    client: TestClient, who: Staff, text: str | bytes, kind: str | None = None
) -> object:
    data = text.encode() if isinstance(text, str) else text
    query = f"?kind={kind}" if kind else ""
    return client.post(
        f"/v1/credit/imports{query}", content=data, headers={**who.headers, **CSV}
    )


def test_an_admin_uploads_new_registrations_and_each_unit_lists_its_own(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    projector: Projector,
) -> None:
    admin = staff[(Role.ADMIN, CITY)]
    text = HEADER + (
        f"{code(1)},淮安甲电器有限公司,{COUNTY},2026-11-20\n"
        f"{code(2, '320899')},淮安乙电器有限公司,320899,2026-11-20\n"
        f"{code(3)},,{COUNTY},2026-11-20\n"
        f"{code(4, '110101')},北京丙公司,110101,2026-11-20\n"
        f"{code(5)},=cmd|' /C calc'!A0,{COUNTY},2026-11-20\n"
    )
    response = upload(client, admin, text)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"] == "new"
    assert report["recorded"] is True
    assert report["counts"] == {
        "rows": 5,
        "applied": 2,
        "unchanged": 0,
        "rejected": 3,
        "warnings": 0,
    }
    assert [(p["row"], p["column"], p["code"]) for p in report["problems"]] == [
        (4, "企业名称", "name_missing"),
        (5, "住所所在行政区划代码", "region_unknown"),
        (6, "企业名称", "formula"),
    ]
    assert report["outcomes"][1]["done"] == ["registered", "distributed:3208"]

    again = upload(client, admin, text).json()
    assert again["recorded"] is False
    assert again["counts"]["applied"] == 0

    token = report["consistency_token"]
    county = staff[(Role.CLERK, COUNTY)]
    listed = client.get(
        f"/v1/credit/distributions?consistent_after={token}", headers=county.headers
    )
    assert listed.status_code == 200, listed.text
    mine = {i["uscc"]: i["unit_code"] for i in listed.json()["items"]}
    assert mine.get(code(1)) == COUNTY
    assert code(2, "320899") not in mine  # the city's, not the county's
    other = staff[(Role.CLERK, OTHER_COUNTY)]
    theirs = client.get("/v1/credit/distributions", headers=other.headers).json()
    assert code(1) not in {i["uscc"] for i in theirs["items"]}
    forbidden = client.get(
        f"/v1/credit/distributions?unit={COUNTY}", headers=other.headers
    )
    assert forbidden.status_code == 403


def test_only_an_admin_imports(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    text = HEADER + f"{code(10)},淮安丁有限公司,{COUNTY},2026-11-20\n"
    response = upload(client, staff[(Role.CLERK, CITY)], text)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_row_outside_the_admin_s_jurisdiction_is_refused_by_row(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    text = (
        HEADER + f"{code(11, OTHER_COUNTY)},淮阴戊有限公司,{OTHER_COUNTY},2026-11-20\n"
    )
    report = upload(client, staff[(Role.ADMIN, COUNTY)], text).json()
    assert [p["code"] for p in report["problems"]] == ["outside_jurisdiction"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (HEADER.encode("gbk"), CSV, 422),
        (b"\xff\xfe" + HEADER.encode("utf-16-le"), CSV, 422),
        ("统一社会信用代码,企业名称,备注\n".encode(), CSV, 422),
        (b"", CSV, 422),
        (HEADER.encode(), {"Content-Type": "application/json"}, 422),  # not JSON
        (HEADER.encode(), {"Content-Type": "text/plain"}, 415),
        (HEADER.encode() + b"x" * (300 * 1024), CSV, 413),
    ],
)
def test_a_bad_file_is_refused_whole_as_problem_json(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    body: bytes,
    headers: dict[str, str],
    status: int,
) -> None:
    admin = staff[(Role.ADMIN, CITY)]
    response = client.post(
        "/v1/credit/imports", content=body, headers={**admin.headers, **headers}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_gbk_is_named_in_the_refusal(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    text = HEADER + f"{code(12)},淮安己有限公司,{COUNTY},2026-11-20\n"
    response = upload(client, staff[(Role.ADMIN, CITY)], text.encode("gbk"))
    assert response.status_code == 422
    assert "GBK" in response.json()["detail"]


def test_a_huge_field_is_refused_not_a_server_error(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    text = HEADER + f"{code(13)},{'甲' * 60_000},{COUNTY},2026-11-20\n"
    response = upload(client, staff[(Role.ADMIN, CITY)], text)
    assert response.status_code == 200, response.text
    assert [p["code"] for p in response.json()["problems"]] == ["too_long"]


def test_the_cli_imports_a_serious_list_and_exits_1_on_a_bad_row(
    tmp_path: Path,
    services: Services,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASETRACE_DATABASE_URL", database_url)
    firm = code(20)
    new = tmp_path / "new.csv"
    new.write_text(HEADER + f"{firm},淮安庚有限公司,{COUNTY},2026-11-20\n", "utf-8-sig")
    first = CliRunner().invoke(cli, ["import", "credit", str(new)])
    assert first.exit_code == 0, first.output
    assert "applied 1" in first.output

    listed = tmp_path / "serious.csv"
    listed.write_text(
        SERIOUS
        + f"{firm},淮安庚有限公司,提供虚假材料,2026-11-21,淮安市市场监督管理局,,,\n"
        + f"{code(21)},淮安辛有限公司,提供虚假材料,2026-11-99,淮安市市场监督管理局,,,\n",
        "utf-8",
    )
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        ["import", "credit", "--kind", "serious", str(listed), "--report", str(out)],
    )
    assert result.exit_code == 1, result.output
    assert "error: row 3 [列入日期] date_invalid" in result.output
    report = json.loads(out.read_text())
    assert report["counts"]["applied"] == 1
    found = services.registry.get_enterprise(firm)
    assert found is not None
    assert SERIOUS_DISHONESTY_LIST in found.credit_flags

    refused = CliRunner().invoke(
        cli, ["import", "credit", str(tmp_path / "new.csv"), "--kind", "abnormal"]
    )
    assert refused.exit_code == 2
    assert "refused" in refused.output
