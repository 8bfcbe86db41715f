"""Text a person sends over HTTP passes one text type (issue 7 §2): poison is
refused with a 422 naming the field and nothing is stored; what is stored is
exactly what was validated."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from tests.api.conftest import ALL_MATERIALS, COUNTY, ITEM, applicant, make_uscc
from tests.api.helpers import (
    APPLICATIONS,
    StaffBook,
    assert_problem,
    field_errors,
    log_head,
    ok,
    post,
)


def receive_body(seed: int, **applicant_fields: Any) -> dict[str, Any]:
    return {
        "item_code": ITEM,
        "applicant": applicant(seed, **applicant_fields),
        "materials": ALL_MATERIALS,
    }


def test_nul_in_an_applicant_name_is_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    body = receive_body(7101, name="淮安\x00测试有限公司")
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    problem = assert_problem(response, 422, "invalid-input")
    assert "U+0000" in field_errors(problem)["applicant.name"]["message"]
    assert log_head(client) == head


def test_a_bidi_override_in_a_name_is_refused(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    body = receive_body(7102, name="淮安\u202e司公限有试测")
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    problem = assert_problem(response, 422, "invalid-input")
    assert "U+202E" in field_errors(problem)["applicant.name"]["message"]
    assert log_head(client) == head


def test_names_are_stored_in_nfc_and_trimmed(
    client: TestClient, staff: StaffBook
) -> None:
    body = receive_body(
        7103, name="\u3000 Cafe\u0301淮安有限公司  ", address=" 淮安区 "
    )
    created = ok(post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body), 201)
    assert created["applicant"]["name"] == "Café淮安有限公司"
    assert created["applicant"]["address"] == "淮安区"
    stored = client.app.state.services.licensing.get_application(created["id"])  # type: ignore[attr-defined]
    assert stored.applicant.name == "Café淮安有限公司"


def test_a_newline_is_allowed_in_a_reason_but_not_in_a_name(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    refused = post(
        client, APPLICATIONS, clerk, receive_body(7104, name="淮安\n有限公司")
    )
    assert "applicant.name" in field_errors(
        assert_problem(refused, 422, "invalid-input")
    )
    case = ok(post(client, APPLICATIONS, clerk, receive_body(7105)), 201)
    reason = "申请人书面申请撤回：\n1. 经营计划调整\t（附件一）"
    ok(post(client, f"{APPLICATIONS}/{case['id']}/withdraw", clerk, {"reason": reason}))
    history = ok(
        client.get(f"{APPLICATIONS}/{case['id']}/history", headers=clerk.headers)
    )
    assert history["events"][-1]["reason"] == reason


@pytest.mark.usefixtures("projector")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("applicant_name", "淮安\x00"),
        ("item", "XK\x00"),
        ("category", "特种\x00设备"),
        ("applicant_uscc", make_uscc(1)[:17] + "\x00"),
        ("unit", "3208\x00"),
        ("after", "AAA\x00"),
    ],
)
def test_nul_in_a_list_filter_is_422_naming_the_filter(
    client: TestClient, staff: StaffBook, name: str, value: str
) -> None:
    response = client.get(
        APPLICATIONS, params={name: value}, headers=staff[(Role.CLERK, COUNTY)].headers
    )
    assert name in field_errors(assert_problem(response, 422, "invalid-input"))


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff", "\u3000\u200d"])
def test_a_reason_of_invisible_characters_is_refused_and_nothing_is_stored(
    client: TestClient, staff: StaffBook, blank: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    case = ok(post(client, APPLICATIONS, clerk, receive_body(7106)), 201)
    head = log_head(client)
    response = post(
        client, f"{APPLICATIONS}/{case['id']}/withdraw", clerk, {"reason": blank}
    )
    problem = assert_problem(response, 422, "invalid-input")
    assert "empty" in field_errors(problem)["reason"]["message"]
    assert log_head(client) == head


def test_a_zero_width_character_in_a_name_is_refused(
    client: TestClient, staff: StaffBook
) -> None:
    head = log_head(client)
    body = receive_body(7107, name="淮安\u200b测试有限公司")
    response = post(client, APPLICATIONS, staff[(Role.CLERK, COUNTY)], body)
    problem = assert_problem(response, 422, "invalid-input")
    assert "U+200B" in field_errors(problem)["applicant.name"]["message"]
    assert log_head(client) == head
