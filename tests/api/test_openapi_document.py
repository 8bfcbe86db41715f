"""The OpenAPI document tells the truth about every operation (issue 7 §5),
and /docs and /redoc work on a network with no way out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

PROBLEM_JSON = "application/problem+json"
PUBLIC_PATHS = ("/v1/licensing/items", "/public/", "/healthz", "/readyz")


@pytest.fixture(scope="module")
def document(app_client: TestClient) -> dict[str, Any]:
    response = app_client.get("/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def is_public(path: str, method: str) -> bool:
    """The published reads, and the public side's forms (/public/…)."""
    return path.startswith("/public/") or (
        method == "get" and path.startswith(PUBLIC_PATHS)
    )


def test_every_success_is_a_typed_model_with_an_example(
    document: dict[str, Any],
) -> None:
    for path, method, operation in operations(document):
        (status,) = [s for s in operation["responses"] if s.startswith("2")]
        content = operation["responses"][status]["content"]
        # An export (a file, not a model), or a signed checkpoint (a C2SP
        # note, text for transparency-log tools).
        if "application/json" not in content:
            types = {t.split(";")[0].strip() for t in content}
            assert types <= {
                "text/csv",
                "image/svg+xml",
                "application/x-ndjson",
                "text/plain",
                "application/atom+xml",  # the disclosure feeds
                "application/feed+json",
                # a stored document (网上申报's materials), as uploaded
                "application/pdf",
                "image/jpeg",
                "image/png",
            }, (method, path)
            continue
        schema = content["application/json"]["schema"]
        model = resolve(document, schema)
        assert model.get("type") == "object", (method, path, schema)
        assert model["properties"], (method, path)
        assert model.get("examples"), (method, path, "no example")


def test_every_error_is_documented_as_problem_json(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        errors = {s: r for s, r in operation["responses"].items() if int(s) >= 400}
        if path != "/healthz":  # the one operation that touches no database
            assert {"422", "503"} <= set(errors), (method, path)
        for status, response in errors.items():
            assert list(response["content"]) == [PROBLEM_JSON], (method, path, status)
            schema = response["content"][PROBLEM_JSON]["schema"]
            assert schema == {"$ref": "#/components/schemas/ProblemDetails"}
        if "503" in errors:
            assert "Retry-After" in errors["503"]["headers"]


def is_business(path: str) -> bool:
    """An ODR business's own operations (HTTP Basic: its USCC and key)."""
    return path.startswith("/odr/")


def test_commands_document_every_refusal(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if method == "post" and not is_public(path, method):
            codes = set(operation["responses"])
            # A business acts only on its own disputes: never 403, but 404.
            refusals = {"404"} if is_business(path) else {"403"}
            expected = {"401", "409", "413", "415", "422"} | refusals
            assert expected <= codes, (path, codes)


def test_staff_operations_need_the_bearer_scheme_and_public_ones_do_not(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path, method, operation in operations(document):
        if is_public(path, method):
            assert "security" not in operation, path
            assert "401" not in operation["responses"], path
        elif is_business(path):
            assert operation["security"] == [{"odrBasic": []}], (method, path)
            assert "401" in operation["responses"], (method, path)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_request_and_response_headers_are_documented(
    document: dict[str, Any],
) -> None:
    for path, method, operation in operations(document):
        names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "X-Request-ID" in names
        success = next(r for s, r in operation["responses"].items() if s < "300")
        assert "X-Request-ID" in success["headers"]
        if method == "post":
            assert "Idempotency-Key" in names, path
            assert "Idempotent-Replayed" in success["headers"], path
            creates = "201" in operation["responses"]  # no case yet to be stale
            on_a_case = "{" in path  # a bulk import changes no one case
            if not creates and on_a_case and not is_public(path, method):
                assert "If-Match" in names, path
        if "{case_id}" in path:
            assert "ETag" in success["headers"], path
    receive = document["paths"]["/v1/licensing/applications"]["post"]
    assert {"Location", "ETag"} <= set(receive["responses"]["201"]["headers"])
    listing = document["paths"]["/v1/licensing/applications"]["get"]
    assert "X-Consistent-After" in {p["name"] for p in listing["parameters"]}
    assert "Retry-After" in listing["responses"]["503"]["headers"]


def test_if_match_cursor_uscc_region_code_and_dates_have_formats(
    document: dict[str, Any],
) -> None:
    accept = document["paths"]["/v1/licensing/applications/{case_id}/accept"]["post"]
    if_match = next(p for p in accept["parameters"] if p["name"] == "If-Match")
    pattern = re.compile(if_match["schema"]["pattern"])
    assert pattern.match('"3"')
    assert not pattern.match("three")
    listing = document["paths"]["/v1/licensing/applications"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    uscc = params["applicant_uscc"]["anyOf"][0]
    assert uscc["format"] == "uscc"
    assert re.match(uscc["pattern"], "91320803000000019H")
    assert not re.match(uscc["pattern"], "9132080300000001OH")  # no O in GB 32100
    unit = params["unit"]["anyOf"][0]
    assert re.match(unit["pattern"], "320803")
    assert not re.match(unit["pattern"], "320008")
    assert params["after"]["anyOf"][0]["format"] == "cursor"
    assert params["received_from"]["anyOf"][0]["format"] == "date"


def body_fields(
    doc: dict[str, Any], schema: dict[str, Any], path: str, seen: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        yield from body_fields(doc, resolve(doc, schema), f"{path}<{name}>", seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from body_fields(doc, option, path, seen)
    if "items" in schema:
        yield from body_fields(doc, schema["items"], f"{path}[]", seen)
    for field, prop in schema.get("properties", {}).items():
        yield f"{path}.{field}", prop
        yield from body_fields(doc, prop, f"{path}.{field}", seen)


def test_every_body_field_of_every_operation_has_a_glossed_description(
    document: dict[str, Any],
) -> None:
    undescribed = []
    counted = 0
    for path, method, operation in operations(document):
        body = operation.get("requestBody")
        if body is None or "application/json" not in body["content"]:
            continue  # none, or a file taken as it is (a CSV upload)
        schema = body["content"]["application/json"]["schema"]
        for name, prop in body_fields(document, schema, f"{method} {path}", set()):
            counted += 1
            if not prop.get("description"):
                undescribed.append(name)
    assert counted > 100
    assert undescribed == [], (
        "add these fields to the context's glossary (api/<context>/glossary.py)"
    )


def test_every_parameter_has_a_description(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in operation["parameters"]:
            assert parameter.get("description"), (method, path, parameter["name"])


def test_a_glossed_description_has_the_chinese_term_and_an_english_gloss(
    document: dict[str, Any],
) -> None:
    receive = document["components"]["schemas"]["ReceiveBody"]["properties"]
    assert receive["channel"]["description"].startswith("申请渠道 — channel")
    applicant = document["components"]["schemas"]["Applicant"]["properties"]
    assert applicant["name"]["description"].startswith("申请人名称")


LOCAL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?(?!/|\w+:)""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_nothing_from_outside_the_service(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset


def test_swagger_ui_has_an_authorize_button_for_the_bearer_scheme(
    client: TestClient, document: dict[str, Any]
) -> None:
    # Swagger UI shows Authorize when the document declares a security scheme.
    assert document["components"]["securitySchemes"]
    html = client.get("/docs").text
    assert "/openapi.json" in html
    assert "persistAuthorization" in html
    assert '"validatorUrl": null' in html  # no badge fetched from swagger.io


def test_405_allows_every_method_of_the_path(client: TestClient) -> None:
    # Starlette named only the first route's method; the schema lists both.
    response = client.put("/v1/licensing/applications")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
