"""The projection runtime under test: a database per test (on each server in
turn) holding the demo's fifteen applications, made through the real services
once per module and copied from that template for each test, and helpers that
write more events and open projectors on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from api.host.demo import ENTERPRISES, HUAIAN, UNITS, demo_uscc, load_demo
from api.host.settings import Settings
from api.host.storage import Services, open_services
from domain.licensing.parties import Applicant, Channel
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import Audit, Role
from domain.shared.clock import FixedClock
from projections.cases import CaseReadModel
from projections.licensing import licensing_read_models
from projections.runtime import Projector, ReadModel

MONDAY_0900 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ITEM = "XK-TZSB-SYDJ"


@contextmanager
def _database(database_url: str, template: str | None = None) -> Iterator[str]:
    """Another database on the same server (a copy of `template` if given),
    dropped afterwards."""
    params = conninfo_to_dict(database_url)
    name = f"{params['dbname']}_{uuid.uuid4().hex[:6]}"
    admin = make_conninfo(**{**params, "dbname": "postgres"})  # type: ignore[arg-type]
    with psycopg.connect(admin, autocommit=True) as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_conninfo(**{**params, "dbname": name})  # type: ignore[arg-type]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    """Another empty database on the same server, dropped afterwards."""
    with _database(database_url) as url:
        yield url


@pytest.fixture(scope="module")
def demo_template(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the demo's events (loaded once per module and server),
    the template each test's database is copied from: a copy takes a fraction
    of a second, loading the demo through the services a few seconds."""
    with _database(database_url) as url:
        services = open_services(Settings(), url=url)
        try:
            load_demo(services, tmp_path_factory.mktemp("demo"))
        finally:
            services.close()
        yield str(conninfo_to_dict(url)["dbname"])


@pytest.fixture
def demo_database(database_url: str, demo_template: str) -> Iterator[str]:
    """A database of this test's own, with the demo's events and nothing read yet."""
    with _database(database_url, template=demo_template) as url:
        yield url


@dataclass
class World:
    """One database with the demo's events, and what tests need around it."""

    url: str
    services: Services
    clock: FixedClock
    projectors: list[Projector] = field(default_factory=list)

    def models(self) -> list[CaseReadModel[Any]]:
        return licensing_read_models(self.services.licensing.calendar)

    def projector(
        self,
        models: Sequence[ReadModel] | None = None,
        fault: Callable[[str], None] | None = None,
    ) -> Projector:
        """A projector of its own (own connection), closed after the test."""
        projector = Projector(
            self.url,
            {"licensing": self.services.licensing},
            list(models) if models is not None else self.models(),
            fault=fault,
        )
        self.projectors.append(projector)
        return projector

    def head(self) -> int:
        """The last position of the licensing notification log."""
        return int(self.services.licensing.recorder.max_notification_id() or 0)

    def receive(self, n: int = 0) -> UUID:
        """A new application (one `Received` event), received by a county clerk."""
        licensing = self.services.licensing
        member = self.services.registry.get_staff("HA-001")
        audit = Audit(actor=member.actor(Role.CLERK), request_id=f"test-{n}")
        name, region, _ = ENTERPRISES[0]
        applicant = Applicant(
            name=name,
            uscc=demo_uscc(1, region),
            region_code=region,
            address=f"{UNITS[HUAIAN][:5]}某路{n}号",
        )
        terms = self.services.registry.get_item(ITEM)
        return licensing.receive(
            audit,
            item_code=ITEM,
            approval_mode=ApprovalMode.STANDARD,
            channel=Channel.COUNTER,
            applicant=applicant,
            agent=None,
            materials=tuple(m.name for m in terms.materials),
            commitment=None,
        ).id

    def accept(self, app_id: UUID) -> None:
        """One more event on an existing application."""
        member = self.services.registry.get_staff("HA-001")
        audit = Audit(actor=member.actor(Role.CLERK), request_id="test-accept")
        self.services.licensing.accept(app_id, audit)


@pytest.fixture
def world(demo_database: str) -> Iterator[World]:
    clock = FixedClock(MONDAY_0900)
    services = open_services(Settings(), clock=clock, url=demo_database)
    world = World(demo_database, services, clock)
    try:
        yield world
    finally:
        for projector in world.projectors:
            projector.close()
        services.close()
