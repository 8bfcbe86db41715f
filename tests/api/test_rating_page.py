"""The public rating page (工作评议) through HTTP: a plain form posted through
the JSON route's own code; bad input is a 422 page in Chinese with what was
typed kept, a refusal says why, and nothing is recorded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from tests.api.conftest import COUNTY, receive
from tests.api.helpers import StaffBook, log_head
from tests.api.test_aftercare_api import decide

pytestmark = pytest.mark.usefixtures("projector")

PAGE = "/licensing/rating"


def decided(client: TestClient, staff: StaffBook) -> dict[str, str]:
    receipt = receive(client, staff[(Role.CLERK, COUNTY)])
    decide(client, staff, receipt, "grant")
    return {
        "receipt_number": receipt["receipt_number"],
        "query_code": receipt["query_code"],
    }


def test_the_form_offers_the_three_grades(client: TestClient) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    for value, text in (
        ("satisfied", "满意"),
        ("fairly_satisfied", "基本满意"),
        ("dissatisfied", "不满意"),
    ):
        assert f'value="{value}"' in page.text
        assert text in page.text
    assert 'action="/licensing/rating"' in page.text


def test_a_decided_application_is_rated_once_through_the_form(
    client: TestClient, staff: StaffBook
) -> None:
    form = {
        **decided(client, staff),
        "rating": "fairly_satisfied",
        "comment": "窗口服务耐心",
    }
    thanks = client.post(PAGE, data=form)
    assert thanks.status_code == 200, thanks.text
    assert "感谢您的评议" in thanks.text
    assert "基本满意" in thanks.text
    again = client.post(PAGE, data=form)
    assert again.status_code == 409
    assert "只能评议一次" in again.text


def test_a_bad_form_is_a_422_in_chinese_with_the_values_kept_and_nothing_recorded(
    client: TestClient, staff: StaffBook
) -> None:
    voucher = decided(client, staff)
    head = log_head(client)
    page = client.post(PAGE, data={**voucher, "comment": "很好"})
    assert page.status_code == 422
    assert "评议：请填写此项" in page.text
    assert voucher["receipt_number"] in page.text  # kept as typed
    long = client.post(
        PAGE, data={**voucher, "rating": "satisfied", "comment": "长" * 1001}
    )
    assert long.status_code == 422
    assert "不能超过 1000 个字" in long.text
    assert log_head(client) == head


def test_an_undecided_application_is_refused_and_a_wrong_code_is_not_found(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = receive(client, staff[(Role.CLERK, COUNTY)])
    voucher = {
        "receipt_number": receipt["receipt_number"],
        "query_code": receipt["query_code"],
    }
    early = client.post(PAGE, data={**voucher, "rating": "satisfied"})
    assert early.status_code == 409
    assert "尚未作出决定" in early.text
    wrong = client.post(
        PAGE, data={**voucher, "query_code": "AAAA-BBBB-CCCC", "rating": "satisfied"}
    )
    assert wrong.status_code == 404
    assert "没有找到" in wrong.text
