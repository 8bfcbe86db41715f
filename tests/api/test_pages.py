"""The public web pages through HTTP (the browser tests are tests/e2e/
test_pages.py): each context's pages are served from its descriptor, left
out of the OpenAPI document, post plain forms through the JSON routes' own
code, and show bad input in Chinese as a 422 with nothing recorded."""

from __future__ import annotations

import re
import uuid
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.host.context import Http, SiteLink
from api.host.contexts import registered
from api.host.recorder import API_SCHEMA
from api.host.storage import Services
from api.http.limits import MAX_FAILURES
from api.http.site import Site
from projections.runtime import events_table
from tests.api.conftest import COUNTY
from tests.api.test_public_abuse import app_client

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("projector")]

FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_the_home_page_lists_every_contributed_link(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    links = [link for context in registered() for link in context.http().site_links]
    assert links  # the contexts contribute some
    for link in links:
        assert f'href="{link.path}"' in page.text
        # The ledger's page says so when no key is configured (a 503).
        assert client.get(link.path).status_code in (200, 503), link.path
    assert page.text.count("<h1>") == 1
    assert "Content-Security-Policy" in page.headers
    assert "http://" not in page.text.replace("http://127.0.0.1", "")
    assert "https://" not in page.text


def test_the_stylesheet_is_served_by_the_service_with_a_long_cache(
    client: TestClient,
) -> None:
    home = client.get("/").text
    href = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', home)
    assert href is not None
    css = client.get(href.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in css.headers["cache-control"]
    assert '"Noto Sans CJK SC"' in css.text
    assert "url(" not in css.text  # no font or image from anywhere
    assert client.get("/static/nothing.css").status_code == 404


def test_pages_are_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    for page in ("/licensing/items", "/complaints/new", "/inspections/nominate"):
        assert page not in paths


def test_a_context_s_templates_are_found_under_its_name(tmp_path: Any) -> None:
    (tmp_path / "hello.html").write_text(
        '{% extends "base.html" %}{% block title %}你好{% endblock %}'
        "{% block content %}<p>{{ who }}</p>{% endblock %}",
        encoding="utf-8",
    )
    site = Site(
        [
            (
                "somewhere",
                Http(
                    routers=(),
                    templates=tmp_path,
                    site_links=(SiteLink("某处", "/somewhere"),),
                ),
            )
        ]
    )
    body = site.render("somewhere/hello.html", {"who": "<b>", "request_path": "/"})
    assert "<h1>你好</h1>" in body.body.decode()
    assert "&lt;b&gt;" in body.body.decode()  # autoescaped
    assert 'href="/somewhere"' in body.body.decode()


def test_the_catalogue_and_an_item_s_one_time_notice(client: TestClient) -> None:
    listing = client.get("/licensing/items")
    assert listing.status_code == 200
    assert "特种设备使用登记" in listing.text
    notice = client.get("/licensing/items/XK-TZSB-SYDJ")
    assert notice.status_code == 200
    for heading in ("申请材料", "办理程序", "办理时限", "收费", "取得许可后的义务"):
        assert heading in notice.text
    assert "特种设备使用登记表" in notice.text
    # Each material's legal form, the fee's basis and the holder's duties
    # with their articles come from the catalogue item.
    assert "原件1份，申请人签字并加盖公章" in notice.text
    assert "收费依据：行政许可法 第58条第1款" in notice.text
    assert "特种设备安全法 第40条" in notice.text
    assert client.get("/licensing/items/NO-SUCH").status_code == 404


def test_licensing_progress_lookup_refuses_a_wrong_code_in_chinese(
    client: TestClient,
) -> None:
    empty = client.post("/licensing/progress", content="", headers=FORM)
    assert empty.status_code == 422
    assert "受理编号：请填写此项" in empty.text
    wrong = client.post(
        "/licensing/progress",
        data={"receipt_number": "NO-SUCH-1", "query_code": "WRONG"},
    )
    assert wrong.status_code == 404
    assert "没有找到" in wrong.text
    assert 'value="NO-SUCH-1"' in wrong.text


def _complaint(**overrides: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {
        "unit_code": COUNTY,
        "identity": "named",
        "submitter.person.name": f"张{tag}",
        "submitter.person.phone": "13900000000",
        "respondent.name": f"某某电器商行{tag}",
        "respondent.region_code": COUNTY,
        "facts": "买的电饭煲三天就坏了，商家拒绝退货。",
        "claim": "退货退款",
        **overrides,
    }


def test_a_complaint_through_the_form_gets_a_receipt_its_progress_shows(
    client: TestClient,
) -> None:
    made = client.post("/complaints/new", data=_complaint())
    assert made.status_code == 201, made.text
    number = re.search(r'id="intake-number">([^<]+)<', made.text)
    code = re.search(r'id="query-code">([^<]+)<', made.text)
    assert number
    assert code
    found = client.post(
        "/complaints/progress",
        data={"intake_number": number.group(1), "query_code": code.group(1)},
    )
    assert found.status_code == 200
    assert "已登记" in found.text
    json = client.get(
        "/public/v1/complaints/progress",
        params={"intake_number": number.group(1), "query_code": code.group(1)},
    )
    assert json.status_code == 200


def stored(services: Services, log: str) -> int:
    """How many events the context's table holds."""
    app = services.apps[log]
    with psycopg.connect(services.url) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(events_table(app))
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_bad_form_is_a_422_in_chinese_with_values_kept_and_nothing_recorded(
    client: TestClient, services: Services
) -> None:
    form = _complaint(
        **{"submitter.person.phone": "", "respondent.uscc": "NOT-A-USCC", "facts": ""}
    )
    before = stored(services, "complaints"), stored(services, "inspections")
    answer = client.post("/complaints/new", data=form)
    assert answer.status_code == 422
    assert "联系电话：请填写此项" in answer.text
    assert "统一社会信用代码：格式不正确" in answer.text
    assert "事实和理由：请填写此项" in answer.text
    assert 'href="#f-submitter-person-phone"' in answer.text
    assert f'value="{form["respondent.name"]}"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    # No unit of that code: a field error too, and still nothing recorded.
    unknown = client.post("/complaints/new", data=_complaint(unit_code="110101"))
    assert unknown.status_code == 422
    assert "受理单位：没有这个单位" in unknown.text
    bad = client.post("/inspections/nominate", data={"subject": "某产品"})
    assert bad.status_code == 422
    assert (stored(services, "complaints"), stored(services, "inspections")) == before


def test_an_anonymous_report_needs_no_name(client: TestClient) -> None:
    made = client.post(
        "/complaints/new",
        data=_complaint(
            identity="anonymous",
            **{"submitter.person.name": "", "submitter.person.phone": ""},
        ),
    )
    assert made.status_code == 201, made.text


def test_a_nomination_through_the_form_and_a_bad_one(client: TestClient) -> None:
    made = client.post(
        "/inspections/nominate",
        data={
            "kind": "product",
            "subject": "某品牌电动自行车充电器",
            "region_code": COUNTY,
            "reason": "多次发热冒烟。",
        },
    )
    assert made.status_code == 201, made.text
    number = re.search(r'id="nomination-number">(DC[0-9]{14})<', made.text)
    assert number
    assert client.get(f"/public/v1/nominations/{number.group(1)}").status_code == 200
    bad = client.post(
        "/inspections/nominate", data={"subject": "x" * 201, "region_code": "12"}
    )
    assert bad.status_code == 422
    assert "推荐抽查的对象类型：请从给出的选项中选择" in bad.text or (
        "推荐抽查的对象类型：请填写此项" in bad.text
    )
    assert "对象名称：不能超过 200 个字" in bad.text
    assert "推荐理由：请填写此项" in bad.text


def test_the_ledger_page_shows_the_key_and_how_to_verify(client: TestClient) -> None:
    page = client.get("/ledger")
    assert page.status_code in (200, 503)
    assert "如何核验" in page.text


def test_a_form_body_elsewhere_is_still_refused(client: TestClient) -> None:
    answer = client.post("/public/v1/complaints", content="facts=x", headers=FORM)
    assert answer.status_code == 415


def test_failed_lookups_on_the_pages_count_with_the_json_lookups(
    services: Services,
) -> None:
    """The pages and the JSON routes share one limit per client address."""
    wrong = {"receipt_number": "32080319990101000000", "query_code": "AAAA-BBBB-CCCC"}
    with app_client(services, peer="203.0.113.77") as page_client:
        try:
            for _ in range(MAX_FAILURES - 1):
                assert (
                    page_client.post("/licensing/progress", data=wrong).status_code
                    == 404
                )
            json = page_client.get("/public/v1/progress", params=wrong)
            assert json.status_code == 404
            refused = page_client.post(
                "/complaints/progress",
                data={"intake_number": "X", "query_code": "Y"},
            )
            assert refused.status_code == 429
            assert "Retry-After" in refused.headers
            assert "请约" in refused.text
            assert refused.headers["content-type"].startswith("text/html")
        finally:
            pool = page_client.app.state.reads.pool  # type: ignore[attr-defined]
            with pool.connection() as conn:
                conn.execute(
                    f"DELETE FROM {API_SCHEMA}.lookup_failures WHERE client = %s",
                    ("203.0.113.77",),
                )
