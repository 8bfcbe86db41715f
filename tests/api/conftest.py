"""The API under test: the real app on a real PostgreSQL (each server in turn),
staff of one city and two counties in every role, and a clock tests can move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.uscc import compose_uscc
from projections.runtime import Projector, run_in_thread

MONDAY_0900 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
CITY, COUNTY, OTHER_COUNTY = "3208", "320803", "320804"
UNITS = {
    CITY: "淮安市市场监督管理局",
    COUNTY: "淮安区市场监督管理局",
    OTHER_COUNTY: "淮阴区市场监督管理局",
}


@dataclass
class Staff:
    staff_no: str
    token: str
    unit: str
    role: Role

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def clock() -> FixedClock:
    return FixedClock(MONDAY_0900)


@pytest.fixture(autouse=True)
def _reset_clock(clock: FixedClock) -> None:
    clock.at = MONDAY_0900


@pytest.fixture(scope="session")
def services(database_url: str, clock: FixedClock) -> Iterator[Services]:
    services = open_services(Settings(), clock=clock, url=database_url)
    yield services
    services.close()


@pytest.fixture(scope="session")
def staff(services: Services) -> dict[tuple[Role, str], Staff]:
    """One member of staff per role per unit, each with a token."""
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    people: dict[tuple[Role, str], Staff] = {}
    for unit, name in UNITS.items():
        services.registry.establish_unit(unit, name, boot)
        for role in Role:
            staff_no = f"{unit}-{role.value}"
            services.registry.enrol_staff(
                staff_no, f"{role.value}@{unit}", unit, frozenset({role}), boot
            )
            secret, _ = services.registry.issue_token(staff_no, "tests", boot)
            people[(role, unit)] = Staff(staff_no, secret, unit, role)
    return people


@pytest.fixture(scope="session")
def app_client(
    services: Services, staff: dict[tuple[Role, str], Staff]
) -> Iterator[TestClient]:
    app = create_app(Settings(), services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    return app_client


def make_uscc(seed: int, region: str = "320803") -> str:
    """A valid USCC (GB 32100 + GB 11714 check characters) built from a number."""
    return compose_uscc(region, f"{seed:08d}"[-8:])


def applicant(
    seed: int = 1, region: str = "320803", **overrides: Any
) -> dict[str, Any]:
    return {
        "name": f"淮安测试机械有限公司{seed}",
        "uscc": make_uscc(seed, region),
        "region_code": region,
        "address": "淮安区测试路1号",
        "phone": "0517-80000000",
        **overrides,
    }


ITEM = "XK-TZSB-SYDJ"  # 特种设备使用登记: 20 wd, on-the-spot allowed, no on-site review
ALL_MATERIALS = [
    "特种设备使用登记表",
    "使用单位统一社会信用代码证明",
    "产品合格证",
    "监督检验证明",
    "安装告知书",
]


def receive(client: TestClient, clerk: Staff, **overrides: Any) -> dict[str, Any]:
    body = {
        "item_code": ITEM,
        "applicant": applicant(),
        "materials": ALL_MATERIALS,
        **overrides,
    }
    response = client.post(
        "/v1/licensing/applications", json=body, headers=clerk.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def advance(clock: FixedClock, days: int) -> None:
    clock.advance(timedelta(days=days))


@pytest.fixture(scope="session")
def projector(services: Services) -> Iterator[Projector]:
    """The read models, fed in a background thread for the whole session.

    Not autouse, and `client` does not depend on it: only read-side tests ask
    for it (and then pass `consistent_after` to read their own writes)."""
    feeder = services.projector()  # every registered context's read models
    thread, stop = run_in_thread(feeder)
    yield feeder
    stop.set()
    thread.join(timeout=10)
    feeder.close()
