"""Read-your-writes tokens name their log (issue 8): a command's answer
carries `consistency_token` (`licensing:N`) beside its `position`; a query
takes the token (or, as before, a bare position on its own context's log) as
`consistent_after` / `X-Consistent-After`; an unknown log is a 422 naming the
parameter; a position the log has not reached is a 503 (after the staff wait,
at once for the public)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.contexts import registered
from api.http.reads import POSITION_PATTERN
from domain.shared.audit import Role
from tests.api.conftest import COUNTY, applicant, make_uscc
from tests.api.helpers import (
    APPLICATIONS,
    StaffBook,
    assert_problem,
    field_errors,
    log_head,
    ok,
    post,
)

pytestmark = pytest.mark.usefixtures("projector")

PROGRESS = "/public/v1/progress"
MATERIALS = ["特种设备使用登记表"]


def received(client: TestClient, staff: StaffBook, seed: int) -> dict[str, Any]:
    body = {
        "item_code": "XK-TZSB-SYDJ",
        "applicant": applicant(seed),
        "materials": MATERIALS,
    }
    return ok(post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body), 201)


def listed(
    client: TestClient, staff: StaffBook, seed: int, **request: Any
) -> list[str]:
    r = client.get(
        APPLICATIONS,
        params={"applicant_uscc": make_uscc(seed), **request.pop("params", {})},
        headers={**staff[(Role.CLERK, COUNTY)].headers, **request.pop("headers", {})},
    )
    return [item["id"] for item in ok(r)["items"]]


def test_a_command_answer_carries_a_token_naming_its_log(
    client: TestClient, staff: StaffBook
) -> None:
    created = received(client, staff, 720001)
    assert created["position"] == log_head(client)
    assert created["consistency_token"] == f"licensing:{created['position']}"
    accepted = ok(
        post(
            client,
            f"{APPLICATIONS}/{created['id']}/accept",
            staff[(Role.CLERK, COUNTY)],
            None,
        )
    )
    assert accepted["consistency_token"] == f"licensing:{accepted['position']}"
    assert accepted["position"] > created["position"]


@pytest.mark.parametrize("as_header", [False, True])
def test_a_token_is_waited_for_and_a_bare_position_still_is(
    client: TestClient, staff: StaffBook, as_header: bool
) -> None:
    seed = 720010 + as_header
    for n, given in enumerate(("consistency_token", "position")):
        created = received(client, staff, seed)
        value = str(created[given])
        request: dict[str, Any] = (
            {"headers": {"X-Consistent-After": value}}
            if as_header
            else {"params": {"consistent_after": value}}
        )
        found = listed(client, staff, seed, **request)
        assert len(found) == n + 1
        assert found[0] == created["id"]


@pytest.mark.parametrize("as_header", [False, True])
def test_an_unknown_log_is_a_422_naming_the_parameter_at_once(
    client: TestClient, staff: StaffBook, as_header: bool
) -> None:
    headers = dict(staff[(Role.CLERK, COUNTY)].headers)
    params: dict[str, str] = {}
    if as_header:
        headers["X-Consistent-After"] = "nosuch:1"
    else:
        params["consistent_after"] = "nosuch:1"
    started = time.monotonic()
    r = client.get(APPLICATIONS, params=params, headers=headers)
    assert time.monotonic() - started < 1.0  # refused before any wait
    body = assert_problem(r, 422, "invalid-input", detail="nosuch")
    field = "x-consistent-after" if as_header else "consistent_after"
    assert set(field_errors(body)) == {field}
    assert "licensing" in body["detail"]  # the logs there are


def test_a_bare_position_on_the_board_of_every_log_is_a_422_asking_for_the_log(
    client: TestClient, staff: StaffBook
) -> None:
    """/v1/deadlines has no log of its own for a bare position to be on."""
    r = client.get(
        "/v1/deadlines",
        params={"consistent_after": "1"},
        headers=staff[(Role.CLERK, COUNTY)].headers,
    )
    body = assert_problem(r, 422, "invalid-input", detail=":1")
    assert any(f"{c.name}:1" in body["detail"] for c in registered())
    assert set(field_errors(body)) == {"consistent_after"}
    assert "''" not in body["detail"]


def test_an_unknown_log_is_a_422_on_public_queries_too(client: TestClient) -> None:
    r = client.get(
        PROGRESS,
        params={
            "receipt_number": "32080319990101000000",
            "query_code": "AAAA-BBBB-CCCC",
            "consistent_after": "nosuch:1",
        },
    )
    body = assert_problem(r, 422, "invalid-input")
    assert set(field_errors(body)) == {"consistent_after"}


@pytest.mark.parametrize("value", ["licensing:", ":5", "Licensing:5", "a:b:5", "5x"])
def test_a_malformed_token_is_a_422(
    client: TestClient, staff: StaffBook, value: str
) -> None:
    r = client.get(
        APPLICATIONS,
        params={"consistent_after": value},
        headers=staff[(Role.CLERK, COUNTY)].headers,
    )
    assert_problem(r, 422, "invalid-input")


def test_a_token_beyond_the_log_is_503_after_the_wait_and_at_once_in_public(
    client: TestClient, staff: StaffBook
) -> None:
    beyond = f"licensing:{log_head(client) + 1_000_000}"
    started = time.monotonic()
    r = client.get(
        APPLICATIONS,
        params={"consistent_after": beyond},
        headers=staff[(Role.CLERK, COUNTY)].headers,
    )
    waited = time.monotonic() - started
    assert_problem(r, 503, "not-caught-up", detail="of the licensing log")
    assert int(r.headers["retry-after"]) >= 1
    assert 4.5 <= waited < 15

    started = time.monotonic()
    r = client.get(
        PROGRESS,
        params={
            "receipt_number": "32080319990101000000",
            "query_code": "AAAA-BBBB-CCCC",
            "consistent_after": beyond,
        },
    )
    assert_problem(r, 503, "not-caught-up")
    assert time.monotonic() - started < 1.0


def test_the_openapi_document_describes_the_token(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    listing = document["paths"][APPLICATIONS]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    for name in ("consistent_after", "X-Consistent-After"):
        assert POSITION_PATTERN in str(parameters[name]["schema"])
        assert "<log>:<position>" in parameters[name]["description"]
    changed = document["components"]["schemas"]["ApplicationChanged"]
    assert "consistency_token" in changed["required"]
    state = document["components"]["schemas"]["ReadModelState"]
    assert "log" in state["properties"]
    assert "log" not in state.get("required", [])


def test_readyz_names_the_log_of_each_entry(client: TestClient) -> None:
    entries = ok(client.get("/readyz"))["read_models"]
    assert {(e["name"], e["log"]) for e in entries} >= {
        ("applications", "licensing"),
        ("licences", "licensing"),
    }
    # Every registered context's models, each under its own log; the audit
    # index and the ledger also follow the registry's (units, staff).
    assert {e["log"] for e in entries} == {c.name for c in registered()} | {"registry"}
