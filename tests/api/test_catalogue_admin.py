"""Catalogue changes are admin decisions recorded as events (行政许可法 Art. 30)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.host.settings import Settings
from api.host.storage import open_services
from api.http.app import create_app
from domain.registry.catalogue import ItemTerms
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role


@pytest.fixture
def own_catalogue(
    fresh_database: str,
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    """A private database, so changing the catalogue cannot disturb other tests."""
    services = open_services(Settings(), url=fresh_database)
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="t")
    headers = {}
    for role in (Role.ADMIN, Role.CLERK):
        services.registry.enrol_staff(
            f"CAT-{role.value}", role.value, "32", frozenset({role}), boot
        )
        secret, _ = services.registry.issue_token(f"CAT-{role.value}", "t", boot)
        headers[role] = {"Authorization": f"Bearer {secret}"}
    app = create_app(Settings(), services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers
    services.close()


def _terms(client: TestClient, code: str) -> dict[str, object]:
    return dict(client.get(f"/v1/licensing/items/{code}").json())


def test_an_admin_revises_an_items_terms_and_the_catalogue_shows_them(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    terms = {**_terms(client, "XK-JL-XSPZ"), "promised_limit_wd": 10}
    before = client.get("/v1/licensing/items").headers["etag"]
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": terms, "reason": "承诺时限压缩"},
        headers=headers[Role.ADMIN],
    )
    assert r.status_code == 200, r.text
    assert _terms(client, "XK-JL-XSPZ")["promised_limit_wd"] == 10
    assert client.get("/v1/licensing/items").headers["etag"] != before


def test_a_clerk_may_not_revise_the_catalogue(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    terms = {**_terms(client, "XK-JL-XSPZ"), "fee_fen": 100}
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": terms, "reason": "x"},
        headers=headers[Role.CLERK],
    )
    assert r.status_code == 403
    assert _terms(client, "XK-JL-XSPZ")["fee_fen"] == 0


def test_a_clerk_is_refused_for_the_role_before_a_malformed_if_match_is_read(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    terms = {**_terms(client, "XK-JL-XSPZ"), "fee_fen": 100}
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": terms, "reason": "x"},
        headers={**headers[Role.CLERK], "If-Match": "junk"},
    )
    assert r.status_code == 403, r.text


def test_a_revision_whose_terms_name_another_item_is_refused(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    terms = _terms(client, "XK-JL-BZKH")
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": terms, "reason": "x"},
        headers=headers[Role.ADMIN],
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


def test_a_revision_with_incoherent_terms_is_refused_with_field_errors(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    terms = {
        **_terms(client, "XK-JL-XSPZ"),
        "promised_limit_wd": 99,
    }  # beyond the statutory 20
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": terms, "reason": "x"},
        headers=headers[Role.ADMIN],
    )
    assert r.status_code == 422
    assert "promised limit" in r.json()["detail"]


def test_a_withdrawn_item_leaves_the_published_catalogue_and_takes_no_applications(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/withdraw",
        json={"reason": "事项取消"},
        headers=headers[Role.ADMIN],
    )
    assert r.status_code == 200, r.text
    assert "XK-JL-XSPZ" not in {i["code"] for i in r.json()["items"]}
    assert client.get("/v1/licensing/items/XK-JL-XSPZ").status_code == 404


def test_withdrawing_an_item_needs_a_reason(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/withdraw", json={}, headers=headers[Role.ADMIN]
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"


def test_a_revision_from_a_stale_read_of_the_catalogue_is_refused_with_412(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    stale = client.get("/v1/licensing/items").headers["etag"]
    first = {**_terms(client, "XK-JL-XSPZ"), "fee_fen": 100}
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": first, "reason": "收费调整"},
        headers={**headers[Role.ADMIN], "If-Match": stale},
    )
    assert r.status_code == 200, r.text
    second = {**_terms(client, "XK-JL-XSPZ"), "promised_limit_wd": 12}
    r = client.post(
        "/v1/licensing/items/XK-JL-XSPZ/revise",
        json={"terms": {**second, "fee_fen": 0}, "reason": "时限调整"},
        headers={**headers[Role.ADMIN], "If-Match": stale},
    )
    assert r.status_code == 412
    assert r.headers["content-type"] == "application/problem+json"
    assert _terms(client, "XK-JL-XSPZ")["fee_fen"] == 100  # the first revision stands


STANDARDISATION_ITEM = {
    "code": "SH-BZH-QYBZ",
    "name": "企业产品标准备案",
    "category": "标准化相关许可",
    "licence_type": "其他",
    "legal_basis": "《中华人民共和国标准化法》(1988) 第6条；《企业标准化管理办法》",
    "time_limit_rule": "行政许可法 第42条：20个工作日",
    "statutory_limit_wd": 20,
    "promised_limit_wd": 5,
    "certificate_name": "企业产品标准备案证明",
    "materials": [{"name": "企业产品标准文本"}],
    "approval_modes": ["standard"],
}


def _publish(
    client: TestClient,
    headers: dict[str, str],
    code: str = "SH-BZH-QYBZ",
    terms: dict[str, object] = STANDARDISATION_ITEM,
) -> httpx.Response:
    return client.post(
        f"/v1/licensing/items/{code}/publish",
        json={"terms": terms, "reason": "本局标准化业务纳入事项目录"},
        headers=headers,
    )


def test_an_admin_publishes_a_new_item_in_the_bureaus_own_category_and_it_takes_applications(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    r = _publish(client, headers[Role.ADMIN])
    assert r.status_code == 200, r.text
    assert _terms(client, "SH-BZH-QYBZ")["category"] == "标准化相关许可"
    received = client.post(
        "/v1/licensing/applications",
        json={
            "item_code": "SH-BZH-QYBZ",
            "applicant": {
                "name": "上海示例标准化有限公司",
                "uscc": "91350100M000100Y43",
                "region_code": "320803",
            },
            "materials": ["企业产品标准文本"],
        },
        headers=headers[Role.CLERK],
    )
    assert received.status_code == 201, received.text
    assert received.json()["item"]["category"] == "标准化相关许可"


def test_publishing_an_item_already_published_is_a_conflict_and_changes_nothing(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    before = _terms(client, "XK-JL-XSPZ")
    r = _publish(client, headers[Role.ADMIN], "XK-JL-XSPZ", {**before, "name": "另"})
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert _terms(client, "XK-JL-XSPZ") == before


def test_a_published_item_whose_terms_name_another_code_is_refused(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    r = _publish(client, headers[Role.ADMIN], "SH-OTHER")
    assert r.status_code == 422
    assert client.get("/v1/licensing/items/SH-BZH-QYBZ").status_code == 404


def test_a_clerk_may_not_publish_an_item(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    r = _publish(client, headers[Role.CLERK])
    assert r.status_code == 403
    assert client.get("/v1/licensing/items/SH-BZH-QYBZ").status_code == 404


def test_a_shipped_update_never_overwrites_an_item_the_bureau_published(
    own_catalogue: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = own_catalogue
    ok = _publish(client, headers[Role.ADMIN])
    assert ok.status_code == 200, ok.text
    registry = client.app.state.services.registry  # type: ignore[attr-defined]
    shipped = ItemTerms.model_validate({**STANDARDISATION_ITEM, "name": "随软件发布"})
    registry.load_catalogue([shipped], Audit(actor=SYSTEM_BOOTSTRAP, request_id="t"))
    assert _terms(client, "SH-BZH-QYBZ")["name"] == "企业产品标准备案"
