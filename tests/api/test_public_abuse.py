"""Abuse of the public side (issue 7 §4): a public query never waits for the
read models, a staff wait holds no pool connection, the lookup limiter runs
before any other database work, trusts forwarding headers only from the
configured proxies, and holds across app instances (counted in PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.host.recorder import API_SCHEMA
from api.host.settings import Settings
from api.host.storage import Services
from api.http.app import create_app
from api.http.limits import MAX_FAILURES
from domain.shared.audit import Role
from tests.api.conftest import COUNTY, Staff
from tests.api.helpers import APPLICATIONS, StaffBook, assert_problem, log_head

pytestmark = pytest.mark.usefixtures("projector")

PROGRESS = "/public/v1/progress"
UNKNOWN = {"receipt_number": "32080319990101000000", "query_code": "AAAA-BBBB-CCCC"}


@contextmanager
def app_client(
    services: Services, settings: Settings | None = None, peer: str = "203.0.113.9"
) -> Iterator[TestClient]:
    """Another app instance (its own pools) on the session's database, seen
    from `peer`: another worker or host behind the same load balancer."""
    app = create_app(settings or Settings(), services)
    with TestClient(app, raise_server_exceptions=False, client=(peer, 40000)) as c:
        yield c


@pytest.fixture(autouse=True)
def no_failures_on_record(services: Services) -> Iterator[None]:
    def forget() -> None:
        with app_client(services) as client:
            pool = client.app.state.reads.pool  # type: ignore[attr-defined]
            with pool.connection() as conn:
                conn.execute(f"DELETE FROM {API_SCHEMA}.lookup_failures")

    forget()
    yield
    forget()


def guess(client: TestClient, **headers: str) -> httpx.Response:
    return client.get(PROGRESS, params=UNKNOWN, headers=headers)


def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(
    services: Services,
) -> None:
    with app_client(services) as client:
        for n in range(MAX_FAILURES):
            r = guess(client, **{"X-Forwarded-For": f"198.51.100.{n}"})
            assert r.status_code == 404
        r = guess(client, **{"X-Forwarded-For": "198.51.100.200"})
        assert_problem(r, 429, "too-many-requests")
        r = guess(client, Forwarded="for=198.51.100.201")
        assert_problem(r, 429, "too-many-requests")


def test_a_trusted_proxys_forwarding_headers_name_the_client(
    services: Services,
) -> None:
    settings = Settings(trusted_proxies=("10.0.0.0/8",))
    with app_client(services, settings, peer="10.1.2.3") as proxy:
        for _ in range(MAX_FAILURES):
            # The client's own (forged) hop is ignored: the proxy vouches for
            # the address it saw, the last one.
            r = guess(proxy, **{"X-Forwarded-For": "1.2.3.4, 198.51.100.7"})
            assert r.status_code == 404
        assert_problem(
            guess(proxy, **{"X-Forwarded-For": "9.9.9.9, 198.51.100.7"}),
            429,
            "too-many-requests",
        )
        # Another client behind the same proxy is not held back.
        assert guess(proxy, **{"X-Forwarded-For": "198.51.100.8"}).status_code == 404
        # RFC 7239 too, IPv6 with a port, through a chain of trusted proxies.
        for _ in range(MAX_FAILURES):
            r = guess(proxy, Forwarded='for="[2001:db8::1]:4711", for=10.9.9.9')
            assert r.status_code == 404
        assert_problem(
            guess(proxy, Forwarded='for="[2001:db8::1]"'), 429, "too-many-requests"
        )


def test_two_app_instances_share_the_limit(services: Services) -> None:
    with app_client(services) as one, app_client(services) as two:
        for n in range(MAX_FAILURES):
            assert guess(one if n % 2 else two).status_code == 404
        assert_problem(guess(one), 429, "too-many-requests")
        assert_problem(guess(two), 429, "too-many-requests")


def test_a_refused_client_is_refused_before_any_wait_for_the_read_models(
    services: Services, client: TestClient
) -> None:
    beyond = log_head(client) + 1_000_000
    with app_client(services) as public:
        for _ in range(MAX_FAILURES):
            assert guess(public).status_code == 404
        started = time.monotonic()
        r = public.get(PROGRESS, params={**UNKNOWN, "consistent_after": beyond})
        assert_problem(r, 429, "too-many-requests")
        assert time.monotonic() - started < 1.0


def _timed_get(client: TestClient, path: str, **kwargs: Any) -> tuple[int, float]:
    started = time.monotonic()
    response = client.get(path, **kwargs)
    return response.status_code, time.monotonic() - started


def staff_list_among(
    app: TestClient, clerk: Staff, path: str, **kwargs: Any
) -> tuple[tuple[int, float], list[tuple[int, float]]]:
    """A staff list made while six requests `GET path` are in flight (more
    than the read pool's four connections): its (status, seconds), theirs."""
    with ThreadPoolExecutor(8) as pool:
        others = [pool.submit(_timed_get, app, path, **kwargs) for _ in range(6)]
        time.sleep(0.3)  # they are in
        mine = _timed_get(app, APPLICATIONS, headers=clerk.headers)
        return mine, [other.result() for other in others]


def test_public_queries_beyond_the_head_answer_at_once_and_do_not_delay_staff(
    services: Services, client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    beyond = log_head(client) + 1_000_000
    with app_client(services) as app:
        (status, took), public = staff_list_among(
            app, clerk, PROGRESS, params={**UNKNOWN, "consistent_after": beyond}
        )
    assert status == 200
    assert took < 3.0, took  # the defect held it for the whole 5 s wait
    for status, took in public:
        assert status == 503  # not caught up, and said at once
        assert took < 3.0, took  # the defect held it for the whole 5 s wait


def test_staff_waits_hold_no_connection_so_other_staff_queries_go_through(
    services: Services, client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    beyond = log_head(client) + 1_000_000
    with app_client(services) as app:
        (status, took), waiting = staff_list_among(
            app,
            clerk,
            APPLICATIONS,
            params={"consistent_after": beyond},
            headers=clerk.headers,
        )
    assert status == 200
    assert took < 3.0, took  # the defect held it for the whole 5 s wait
    assert [w[0] for w in waiting] == [503] * 6  # gave up after the bounded wait
