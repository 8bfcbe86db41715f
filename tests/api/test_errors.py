"""Every class of error is an RFC 9457 problem with a stable type, and a refused
request changes nothing; every response carries its request id."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from tests.api.conftest import ALL_MATERIALS, COUNTY, ITEM, applicant, receive
from tests.api.helpers import (
    APPLICATIONS,
    LICENCES,
    StaffBook,
    assert_problem,
    field_errors,
    log_head,
    ok,
    post,
    unchanged,
)

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def case(client: TestClient, staff: StaffBook) -> str:
    """A freshly received application of the county."""
    return f"{APPLICATIONS}/{receive(client, staff[(Role.CLERK, COUNTY)])['id']}"


def receive_body(**overrides: Any) -> dict[str, Any]:
    return {
        "item_code": ITEM,
        "applicant": applicant(),
        "materials": ALL_MATERIALS,
        **overrides,
    }


# -- 404 ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/history"])
def test_an_unknown_application_is_404(
    client: TestClient, staff: StaffBook, path: str
) -> None:
    unknown = uuid.uuid4()
    response = client.get(
        f"{APPLICATIONS}/{unknown}{path}", headers=staff[(Role.CLERK, COUNTY)].headers
    )
    assert_problem(response, 404, "not-found", detail=str(unknown))


def test_a_command_on_an_unknown_application_is_404_and_stores_nothing(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    response = post(
        client, f"{APPLICATIONS}/{uuid.uuid4()}/accept", staff[(Role.CLERK, COUNTY)]
    )
    assert_problem(response, 404, "not-found")
    assert log_head(client) == head


def test_an_unknown_licence_is_404(client: TestClient, staff: StaffBook) -> None:
    response = client.get(
        f"{LICENCES}/{uuid.uuid4()}", headers=staff[(Role.AUDITOR, COUNTY)].headers
    )
    assert_problem(response, 404, "not-found")


def test_an_unknown_route_is_404(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404, "not-found")
    assert_problem(client.post("/v1/nothing-here", json={}), 404, "not-found")


def test_a_case_id_that_is_not_a_uuid_is_422_naming_the_path_parameter(
    client: TestClient, staff: StaffBook
) -> None:
    response = client.get(
        f"{APPLICATIONS}/not-a-uuid", headers=staff[(Role.CLERK, COUNTY)].headers
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "case_id" in field_errors(body)


# -- 405, 415, 413 ------------------------------------------------------------------


def test_get_on_a_command_is_405_allowing_post(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    response = client.get(f"{case}/accept", headers=staff[(Role.CLERK, COUNTY)].headers)
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_writing_a_case_other_than_by_command_is_405(
    client: TestClient, staff: StaffBook, case: str, method: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = client.request(
            method, case, json={"status": "granted"}, headers=clerk.headers
        )
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_a_body_that_is_not_json_is_415_and_changes_nothing(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = client.post(
            f"{case}/withdraw",
            content="reason=申请人撤回".encode(),
            headers={**clerk.headers, "Content-Type": "text/plain; charset=utf-8"},
        )
    assert_problem(response, 415, "unsupported-media-type", detail="application/json")


def test_a_body_over_the_limit_is_413_and_files_nothing(
    client: TestClient, staff: StaffBook
) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    head = log_head(client)
    body = receive_body(materials=["材" * 100] * (limit // 100))
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    assert_problem(response, 413, "body-too-large", detail=str(limit))
    assert log_head(client) == head


def test_a_streamed_body_over_the_limit_is_413(
    client: TestClient, staff: StaffBook
) -> None:
    """Without a Content-Length the limit is enforced while reading."""
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> Iterator[bytes]:
        yield b'{"materials": ["'
        for _ in range(limit // 1024 + 1):
            yield b"x" * 1024
        yield b'"]}'

    response = client.post(
        APPLICATIONS,
        content=chunks(),
        headers={
            **staff[(Role.CLERK, COUNTY)].headers,
            "Content-Type": "application/json",
        },
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "body-too-large")


# -- 422 ----------------------------------------------------------------------------


def test_malformed_json_is_422_on_the_body_and_changes_nothing(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = client.post(
            f"{case}/withdraw",
            content=b'{"reason": "unterminated',
            headers={**clerk.headers, "Content-Type": "application/json"},
        )
    body = assert_problem(response, 422, "invalid-input", detail="malformed JSON")
    assert field_errors(body)["body"]["type"] == "json_invalid"


def test_an_organisation_without_a_uscc_is_422_on_the_applicant(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    body = receive_body(applicant=applicant(uscc=None))
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    problem = assert_problem(response, 422, "invalid-input")
    # A rule across fields of the applicant (party type ⇒ identifier).
    assert "uscc" in field_errors(problem)["applicant"]["message"]
    assert log_head(client) == head


def test_a_uscc_with_a_wrong_check_character_is_422_naming_the_standard(
    client: TestClient, staff: StaffBook
) -> None:
    good = applicant()["uscc"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    body = receive_body(applicant=applicant(uscc=bad))
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    problem = assert_problem(response, 422, "invalid-input", detail="applicant.uscc")
    message = field_errors(problem)["applicant.uscc"]["message"]
    assert "GB 32100-2015" in message
    assert "check character" in message
    assert f"should be '{good[-1]}'" in message


def test_several_invalid_fields_are_each_reported_by_path(
    client: TestClient, staff: StaffBook
) -> None:
    body = receive_body(
        channel="pigeon",
        colour="blue",
        applicant=applicant(region_code="3208031"),
        materials=["特种设备使用登记表", ""],
    )
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    errors = field_errors(assert_problem(response, 422, "invalid-input"))
    assert errors["channel"]["type"] == "enum"
    assert "counter" in errors["channel"]["message"]
    assert errors["colour"]["type"] == "extra_forbidden"
    assert "6 (county) digits" in errors["applicant.region_code"]["message"]
    assert "materials.1" in errors


def test_a_missing_required_field_is_422_naming_it(
    client: TestClient, staff: StaffBook
) -> None:
    body = receive_body()
    del body["item_code"]
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    errors = field_errors(assert_problem(response, 422, "invalid-input"))
    assert errors["item_code"]["type"] == "missing"


def test_an_unknown_field_in_a_command_is_422_not_ignored(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = post(client, f"{case}/accept", clerk, {"reasn": "typo"})
    errors = field_errors(assert_problem(response, 422, "invalid-input"))
    assert errors["reasn"]["type"] == "extra_forbidden"


@pytest.mark.parametrize("verb", ["reject", "request-correction", "withdraw"])
def test_a_command_that_needs_a_body_sent_without_one_is_422(
    client: TestClient, staff: StaffBook, case: str, verb: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = client.post(f"{case}/{verb}", headers=clerk.headers)
    errors = field_errors(assert_problem(response, 422, "invalid-input"))
    assert errors["body"]["type"] == "missing"


def test_a_decision_without_its_reason_is_422_naming_the_reason(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = post(client, f"{case}/withdraw", clerk, {})
    assert field_errors(assert_problem(response, 422, "invalid-input"))["reason"]


def test_a_blank_reason_is_refused_naming_the_field(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    # The shared text type refuses it at the edge, before the domain's audit
    # contract (which still refuses a blank reason from any other caller).
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = post(client, f"{case}/withdraw", clerk, {"reason": "  "})
    problem = assert_problem(response, 422, "invalid-input")
    assert "empty" in field_errors(problem)["reason"]["message"]


def test_materials_the_item_does_not_list_are_422_citing_article_31(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    body = receive_body(materials=[*ALL_MATERIALS, "法定代表人无犯罪记录证明"])
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    problem = assert_problem(
        response, 422, "invalid-input", rule="行政许可法 第31条第2款"
    )
    assert "法定代表人无犯罪记录证明" in field_errors(problem)["materials"]["message"]
    assert log_head(client) == head


def test_an_unknown_item_code_is_404(client: TestClient, staff: StaffBook) -> None:
    body = receive_body(item_code="XK-NO-SUCH")
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    assert_problem(response, 404, "not-found", detail="XK-NO-SUCH")


# -- 409, 412, 400 ------------------------------------------------------------------


def test_a_second_correction_notice_is_409_citing_article_32(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    notice = {"missing_items": ["安装告知书"], "reason": "安装告知书未盖章"}
    ok(post(client, f"{case}/request-correction", clerk, notice))
    with unchanged(client, case, clerk):
        response = post(client, f"{case}/request-correction", clerk, notice)
    assert_problem(
        response,
        409,
        "illegal-transition",
        detail="already issued",
        rule="行政许可法 第32条第1款第4项",
    )


def test_a_command_the_state_forbids_is_409(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    approver = staff[(Role.APPROVER, COUNTY)]
    body = {
        "decision_number": "淮区市监许〔2026〕9号",
        "scope": "电梯",
        "reason": "符合",
    }
    with unchanged(client, case, approver):
        response = post(client, f"{case}/grant", approver, body)
    assert_problem(response, 409, "illegal-transition", detail="received")


def test_a_stale_if_match_is_412_and_changes_nothing(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = post(client, f"{case}/accept", clerk, None, **{"If-Match": '"7"'})
    assert_problem(response, 412, "stale-version", detail="version 1, not 7")


@pytest.mark.parametrize("if_match", ["abc", '"v1"', "1, 2", '"-1"'])
def test_a_malformed_if_match_is_400_and_changes_nothing(
    client: TestClient, staff: StaffBook, case: str, if_match: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case, clerk):
        response = post(client, f"{case}/accept", clerk, None, **{"If-Match": if_match})
    assert_problem(response, 400, "bad-if-match", detail="If-Match")


def test_a_role_that_may_not_issue_the_command_is_403_before_its_if_match_is_read(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    """As before issue 8: the role is refused first, whatever the headers say."""
    approver = staff[(Role.APPROVER, COUNTY)]
    with unchanged(client, case, approver):
        response = post(client, f"{case}/accept", approver, None, **{"If-Match": "abc"})
    assert_problem(response, 403, "forbidden", detail="accept needs")


# -- 500 ----------------------------------------------------------------------------


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(
    client: TestClient,
    staff: StaffBook,
    case: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    licensing = client.app.state.services.licensing  # type: ignore[attr-defined]

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("password=hunter2 in /srv/casetrace/secret.py")

    with unchanged(client, case, clerk):
        monkeypatch.setattr(licensing, "accept", explode)
        response = post(
            client, f"{case}/accept", clerk, None, **{"X-Request-ID": "oops-1"}
        )
        monkeypatch.undo()

    body = assert_problem(response, 500, "internal", detail="request id")
    assert body["request_id"] == "oops-1"
    assert response.headers["x-request-id"] == "oops-1"
    for leak in ("hunter2", "secret.py", "RuntimeError", 'File "', "line "):
        assert leak not in response.text
    assert ok(post(client, f"{case}/accept", clerk))["status"] == "accepted"


# -- request ids --------------------------------------------------------------------


def test_every_response_carries_a_request_id(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    responses = [
        client.get("/v1/licensing/items"),
        client.get(case, headers=clerk.headers),
        client.get(case),
        client.get("/v1/nothing-here"),
        client.get(f"{case}/accept", headers=clerk.headers),
        client.post(f"{case}/accept", content=b"x", headers=clerk.headers),
        client.post(APPLICATIONS, json={}, headers=clerk.headers),
        client.post(f"{case}/accept", headers={**clerk.headers, "If-Match": "x"}),
        client.get("/healthz"),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(i and GENERATED_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_a_sane_client_request_id_is_echoed_and_recorded_in_the_event(
    client: TestClient, staff: StaffBook, case: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    request_id = f"window-7.{uuid.uuid4().hex[:8]}_a-1"
    response = post(
        client, f"{case}/accept", clerk, None, **{"X-Request-ID": request_id}
    )
    assert ok(response)["status"] == "accepted"
    assert response.headers["x-request-id"] == request_id
    events = client.get(f"{case}/history", headers=clerk.headers).json()["events"]
    assert events[-1]["type"] == "Accepted"
    assert events[-1]["request_id"] == request_id


@pytest.mark.parametrize(
    "given", ["two words", "x" * 101, "semi;colon", "引号", "a/b", ""]
)
def test_an_unsafe_client_request_id_is_replaced(
    client: TestClient, staff: StaffBook, given: str
) -> None:
    response = client.get(
        "/v1/licensing/items",
        headers={"X-Request-ID": given.encode()},
    )
    assert response.status_code == 200
    assert GENERATED_ID.match(response.headers["x-request-id"])
