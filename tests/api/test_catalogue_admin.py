"""Catalogue changes are admin decisions recorded as events (行政许可法 Art. 30)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.host.settings import Settings
from api.host.storage import open_services
from api.http.app import create_app
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
