"""Optimistic concurrency (ETag / If-Match, lost races) and Idempotency-Key."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import IntegrityError
from fastapi.testclient import TestClient

from domain.shared.audit import Role
from tests.api.conftest import ALL_MATERIALS, CITY, COUNTY, ITEM, applicant, receive
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATIONS,
    LICENCES,
    StaffBook,
    assert_problem,
    etag_of,
    log_head,
    ok,
    post,
    unchanged,
)


def history(client: TestClient, case: str, who: Any) -> list[dict[str, Any]]:
    events = client.get(f"{case}/history", headers=who.headers).json()["events"]
    assert isinstance(events, list)
    return events


def new_case(client: TestClient, staff: StaffBook) -> str:
    return f"{APPLICATIONS}/{receive(client, staff[(Role.CLERK, COUNTY)])['id']}"


def key() -> str:
    return f"test-{uuid.uuid4()}"


# -- ETag / If-Match ----------------------------------------------------------------


def test_the_etag_is_the_version_on_every_read_and_command_response(
    client: TestClient, staff: StaffBook
) -> None:
    clerk, approver = staff[(Role.CLERK, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    created = client.post(
        APPLICATIONS,
        json={"item_code": ITEM, "applicant": applicant(), "materials": ALL_MATERIALS},
        headers=clerk.headers,
    )
    assert created.status_code == 201
    assert etag_of(created) == '"1"'
    case = f"{APPLICATIONS}/{created.json()['id']}"
    assert created.headers["location"] == case

    steps = [
        (clerk, "accept"),
        (approver, "extend"),
        (approver, "grant"),
        (clerk, "issue-certificate"),
        (clerk, "serve-certificate"),
    ]
    positions = [created.json()["position"]]
    for version, (who, verb) in enumerate(steps, start=2):
        response = post(client, f"{case}/{verb}", who, APPLICATION_BODIES[verb])
        assert response.status_code == 200, response.text
        assert etag_of(response) == f'"{version}"'
        positions.append(response.json()["position"])
        read = client.get(case, headers=who.headers)
        assert etag_of(read) == f'"{version}"'
        assert client.get(f"{case}/history", headers=who.headers).headers["etag"] == (
            f'"{version}"'
        )
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)

    licence_id = client.get(case, headers=clerk.headers).json()["licence_id"]
    licence = client.get(f"{LICENCES}/{licence_id}", headers=clerk.headers)
    assert etag_of(licence) == '"1"'


@pytest.mark.parametrize("form", ['"{v}"', 'W/"{v}"', "{v}", "*"])
def test_if_match_naming_the_current_version_lets_the_command_run(
    client: TestClient, staff: StaffBook, form: str
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    case = new_case(client, staff)
    response = post(
        client, f"{case}/accept", clerk, None, **{"If-Match": form.format(v=1)}
    )
    assert ok(response)["status"] == "accepted"
    assert response.headers["etag"] == '"2"'


def test_a_stale_if_match_is_412_and_nothing_is_stored(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    case = new_case(client, staff)
    first = ok(post(client, f"{case}/accept", clerk, None, **{"If-Match": '"1"'}))
    assert first["version"] == 2
    head = log_head(client)
    with unchanged(client, case, clerk):
        response = post(
            client,
            f"{case}/withdraw",
            clerk,
            {"reason": "申请人撤回"},
            **{"If-Match": '"1"'},
        )
    assert_problem(response, 412, "stale-version", detail="version 2, not 1")
    assert log_head(client) == head
    assert [e["type"] for e in history(client, case, clerk)] == ["Received", "Accepted"]


# -- lost races ---------------------------------------------------------------------


def both_load_before_either_saves(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next two case loads wait for each other: both commands decide on the
    same version, so only the store can tell which one wins."""
    licensing = client.app.state.services.licensing  # type: ignore[attr-defined]
    original: Callable[..., Any] = licensing.load
    barrier = threading.Barrier(2, timeout=10)
    waiting = iter(range(2))

    def load(*args: Any, **kwargs: Any) -> Any:
        loaded = original(*args, **kwargs)
        if next(waiting, None) is not None:
            barrier.wait()
        return loaded

    monkeypatch.setattr(licensing, "load", load)


def concurrently(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=30) for f in [pool.submit(c) for c in calls]]


def test_two_commands_on_the_same_version_never_both_succeed(
    client: TestClient, staff: StaffBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk, city_clerk = staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, CITY)]
    case = new_case(client, staff)
    both_load_before_either_saves(client, monkeypatch)

    responses = concurrently(
        lambda: post(client, f"{case}/accept", clerk),
        lambda: post(
            client, f"{case}/reject", city_clerk, APPLICATION_BODIES["reject"]
        ),
    )
    monkeypatch.undo()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert_problem(loser, 409, "concurrent-modification", detail="retry")
    winner = next(r for r in responses if r.status_code == 200).json()
    events = history(client, case, clerk)
    assert len(events) == 2
    assert winner["version"] == 2
    assert (
        winner["status"]
        == {"Accepted": "accepted", "NotAccepted": "not_accepted"}[events[1]["type"]]
    )


def test_a_lost_race_frees_the_idempotency_key_for_a_retry(
    client: TestClient, staff: StaffBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    case = new_case(client, staff)
    licensing = client.app.state.services.licensing  # type: ignore[attr-defined]
    original = licensing.withdraw
    losses = iter([IntegrityError("duplicate key value (originator_id, version)")])

    def withdraw(*args: Any, **kwargs: Any) -> Any:
        lost = next(losses, None)
        if lost is not None:
            raise lost
        return original(*args, **kwargs)

    monkeypatch.setattr(licensing, "withdraw", withdraw)
    withdraw_key = {"Idempotency-Key": key()}
    body = {"reason": "申请人撤回"}

    first = post(client, f"{case}/withdraw", clerk, body, **withdraw_key)
    retry = post(client, f"{case}/withdraw", clerk, body, **withdraw_key)

    assert_problem(first, 409, "concurrent-modification")
    assert "idempotent-replayed" not in retry.headers
    assert ok(retry)["status"] == "withdrawn"


def test_racing_clients_get_one_success_and_conflicts(
    client: TestClient, staff: StaffBook
) -> None:
    """No forcing: whoever is second sees a changed case or loses at the store."""
    clerks = [staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, CITY)]] * 3
    case = new_case(client, staff)
    start = threading.Barrier(len(clerks), timeout=10)

    def accept(who: Any) -> Callable[[], httpx.Response]:
        def call() -> httpx.Response:
            start.wait()
            return post(client, f"{case}/accept", who, None, **{"If-Match": '"1"'})

        return call

    responses = concurrently(*(accept(c) for c in clerks))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 412}, [r.text for r in responses]
    assert len(history(client, case, clerks[0])) == 2


# -- Idempotency-Key ----------------------------------------------------------------


def receive_body(seed: int = 1) -> dict[str, Any]:
    return {"item_code": ITEM, "applicant": applicant(seed), "materials": ALL_MATERIALS}


def test_a_retried_receive_returns_the_first_response_and_files_one_case(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    retry_key = key()
    first = post(
        client, APPLICATIONS, clerk, receive_body(), **{"Idempotency-Key": retry_key}
    )
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    head = log_head(client)

    again = post(
        client, APPLICATIONS, clerk, receive_body(), **{"Idempotency-Key": retry_key}
    )

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    body = again.json()
    for field in ("id", "receipt_number", "query_code", "version", "position"):
        assert body[field] == first.json()[field]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert log_head(client) == head


def test_the_same_key_with_a_different_body_is_422_and_files_nothing(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    reused = key()
    ok(
        post(
            client, APPLICATIONS, clerk, receive_body(1), **{"Idempotency-Key": reused}
        ),
        201,
    )
    head = log_head(client)
    response = post(
        client, APPLICATIONS, clerk, receive_body(2), **{"Idempotency-Key": reused}
    )
    assert_problem(response, 422, "idempotency-key-reused", detail="different request")
    assert log_head(client) == head


def test_the_same_key_on_another_path_is_a_different_request(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    reused = key()
    case = new_case(client, staff)
    ok(post(client, f"{case}/accept", clerk, None, **{"Idempotency-Key": reused}))
    other = new_case(client, staff)
    with unchanged(client, other, clerk):
        response = post(
            client, f"{other}/accept", clerk, None, **{"Idempotency-Key": reused}
        )
    assert_problem(response, 422, "idempotency-key-reused")


def test_keys_of_different_tokens_are_independent(
    client: TestClient, staff: StaffBook
) -> None:
    shared = key()
    county_clerk, city_clerk = staff[(Role.CLERK, COUNTY)], staff[(Role.CLERK, CITY)]
    first = post(
        client,
        APPLICATIONS,
        county_clerk,
        receive_body(),
        **{"Idempotency-Key": shared},
    )
    second = post(
        client, APPLICATIONS, city_clerk, receive_body(), **{"Idempotency-Key": shared}
    )
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["id"] != second.json()["id"]
    assert second.json()["unit_code"] == CITY


def test_a_retry_spelling_the_bearer_header_differently_is_still_the_same_caller(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    retried = key()
    first = post(
        client, APPLICATIONS, clerk, receive_body(), **{"Idempotency-Key": retried}
    )
    head = log_head(client)
    again = client.post(
        APPLICATIONS,
        json=receive_body(),
        headers={
            "Authorization": f"bearer   {clerk.token}",
            "Idempotency-Key": retried,
        },
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert log_head(client) == head  # no second case


def test_a_retried_command_returns_the_first_response_and_records_one_event(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    case = new_case(client, staff)
    accept_key = key()
    first = post(
        client, f"{case}/accept", clerk, None, **{"Idempotency-Key": accept_key}
    )
    assert ok(first)["status"] == "accepted"

    again = post(
        client, f"{case}/accept", clerk, None, **{"Idempotency-Key": accept_key}
    )

    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert [e["type"] for e in history(client, case, clerk)] == ["Received", "Accepted"]
    # Without the key the same retry is a new command, refused by the state.
    assert_problem(post(client, f"{case}/accept", clerk), 409, "illegal-transition")


def test_a_refused_command_records_nothing_so_its_retry_runs_again(
    client: TestClient, staff: StaffBook
) -> None:
    """Only a command that committed is recorded with its key: a refusal (here
    403) stored nothing, and the retry is simply run again."""
    reviewer = staff[(Role.REVIEWER, COUNTY)]
    case = new_case(client, staff)
    refused_key = key()
    first = post(
        client, f"{case}/accept", reviewer, None, **{"Idempotency-Key": refused_key}
    )
    assert_problem(first, 403, "forbidden")
    again = post(
        client, f"{case}/accept", reviewer, None, **{"Idempotency-Key": refused_key}
    )
    assert_problem(again, 403, "forbidden")
    assert "idempotent-replayed" not in again.headers
    # The key is still free for the request it was meant for.
    clerk_try = post(
        client,
        f"{case}/accept",
        staff[(Role.CLERK, COUNTY)],
        None,
        **{"Idempotency-Key": refused_key},
    )
    assert ok(clerk_try)["status"] == "accepted"


def test_a_412_frees_the_key_so_a_retry_with_the_current_etag_runs(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    case = new_case(client, staff)
    retry_key = key()
    stale = post(
        client,
        f"{case}/accept",
        clerk,
        None,
        **{"Idempotency-Key": retry_key, "If-Match": '"9"'},
    )
    assert_problem(stale, 412, "stale-version")
    fresh = post(
        client,
        f"{case}/accept",
        clerk,
        None,
        **{"Idempotency-Key": retry_key, "If-Match": '"1"'},
    )
    assert ok(fresh)["status"] == "accepted"
    assert "idempotent-replayed" not in fresh.headers


def test_a_retry_racing_its_first_attempt_gets_the_first_answer_and_one_event(
    client: TestClient, staff: StaffBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key is ever "in progress": the retry runs, and whichever attempt
    commits second fails on the recorded key and answers with the first."""
    clerk = staff[(Role.CLERK, COUNTY)]
    case = new_case(client, staff)
    licensing = client.app.state.services.licensing  # type: ignore[attr-defined]
    original = licensing.accept
    entered, release = threading.Event(), threading.Event()
    calls = 0

    def slow_first_accept(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            entered.set()
            assert release.wait(timeout=10)
        return original(*args, **kwargs)

    monkeypatch.setattr(licensing, "accept", slow_first_accept)
    running_key = key()
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(
            post,
            client,
            f"{case}/accept",
            clerk,
            None,
            **{"Idempotency-Key": running_key},
        )
        assert entered.wait(timeout=10)
        during = post(
            client, f"{case}/accept", clerk, None, **{"Idempotency-Key": running_key}
        )
        release.set()
        finished = first.result(timeout=30)
    monkeypatch.undo()

    assert ok(during)["status"] == "accepted"
    assert "idempotent-replayed" not in during.headers
    assert finished.status_code == 200
    assert finished.headers["idempotent-replayed"] == "true"
    assert finished.content == during.content
    assert [e["type"] for e in history(client, case, clerk)] == ["Received", "Accepted"]


@pytest.mark.parametrize("bad_key", ["", "has space", "x" * 201, "中文"])
def test_an_unusable_idempotency_key_is_422_and_files_nothing(
    client: TestClient, staff: StaffBook, bad_key: str
) -> None:
    head = log_head(client)
    response = client.post(
        APPLICATIONS,
        json=receive_body(),
        headers={
            **staff[(Role.CLERK, COUNTY)].headers,
            "Idempotency-Key": bad_key.encode(),
        },
    )
    assert_problem(response, 422, "idempotency-key-invalid")
    assert log_head(client) == head
