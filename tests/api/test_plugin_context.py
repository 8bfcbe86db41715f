"""A bounded context is a plug-in (DESIGN §2): a tiny one, defined entirely
in this file — one aggregate with one command and one deadline, one read
model — is registered beside licensing, and is served over HTTP, projected,
listed on the deadline board, fired by the clock and included by the demo,
without a line of shared code knowing it."""

# No `from __future__ import annotations`: FastAPI resolves the routes' types.

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.domain import event
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from api.host.clock import DeadlineClock
from api.host.context import Context, Http
from api.host.contexts import registered
from api.host.demo import load_demo
from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from api.http.commands import CaseResource, add_case_routes, add_creation_route
from api.http.summaries import Summaries
from domain.shared.audit import SYSTEM_DEMO, Audit, Role
from domain.shared.clock import Clock, FixedClock
from domain.shared.command import CaseType
from domain.shared.dates import IsoDate
from domain.shared.errors import IllegalTransitionError, PermissionDeniedError
from domain.shared.events import Aggregate
from domain.shared.service import (
    CommandResult,
    ContextService,
    as_result,
    command,
    creation,
    system_command,
)
from domain.shared.text import Line
from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.schema import Table

pytestmark = pytest.mark.db

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai
UNIT = "320803"
RULE = "测试规则 第1条"


# -- the domain: one aggregate, one command, one deadline -------------------------


class Errand(Aggregate):
    PINNED_TOPIC = "casetrace.tests.Errand"

    class Opened(Aggregate.Created):
        title: str
        unit_code: str
        due: date

    class Done(Aggregate.Event):
        pass

    class Lapsed(Aggregate.Event):
        pass

    @event(Opened)
    def __init__(self, *, audit: Audit, title: str, unit_code: str, due: date) -> None:
        self.title, self.unit_code, self.due = title, unit_code, due
        self.status = "open"

    @event(Done)
    def finish(self, *, audit: Audit) -> None:
        self.status = "done"

    @event(Lapsed)
    def lapse(self, *, audit: Audit) -> None:
        self.status = "lapsed"


class Errands(ContextService):
    name = "errands"
    cases = (CaseType(Errand, "errand", unit=lambda e: e.unit_code),)

    def __init__(self, env: Mapping[str, str], clock: Clock) -> None:
        super().__init__(dict(env))
        self.clock = clock

    @creation(
        frozenset({Role.CLERK}),
        summary="Open an errand",
        body="OpenBody",
        replay=as_result,
    )
    def open_errand(
        self, audit: Audit, *, title: Annotated[str, Line(100)], due: IsoDate
    ) -> CommandResult:
        errand = Errand(
            audit=audit, title=title, unit_code=audit.actor.unit_code, due=due
        )
        return self.commit(errand)

    @command(frozenset({Role.CLERK}), summary="Finish the errand")
    def finish(self, errand: Errand, audit: Audit) -> None:
        errand.finish(audit=audit)

    @system_command()
    def lapse(self, errand: Errand, audit: Audit) -> None:
        if errand.status != "open":
            raise IllegalTransitionError("only an open errand lapses")
        errand.lapse(audit=audit)


# -- the read model: one row per errand, its deadline while open -------------------


@dataclass(slots=True)
class ErrandRow:
    id: UUID
    version: int
    title: str
    unit_code: str
    due: date
    status: str


def _opened(row: ErrandRow | None, e: Any, position: int) -> ErrandRow:
    return ErrandRow(e.originator_id, 1, e.title, e.unit_code, e.due, "open")


def _status(status: str) -> Handler:
    def set_status(row: ErrandRow, e: Any, position: int) -> ErrandRow:
        row.status = status
        return row

    return set_status


class ErrandIndex(CaseReadModel[ErrandRow]):
    name = "errand_index"
    logs: ClassVar[tuple[str, ...]] = ("errands",)
    version = 1
    case_kind = "errand"
    row_table = Table(ErrandRow, primary_key=("id",))

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            Errand.Opened: _opened,
            Errand.Done: _status("done"),
            Errand.Lapsed: _status("lapsed"),
        }

    def deadlines(self, row: ErrandRow) -> Iterable[Deadline]:
        if row.status == "open":
            after = row.due + timedelta(days=1)
            yield Deadline("due", row.due, RULE, action="lapse", fires_on=after)

    def deadline_context(self, row: ErrandRow) -> CaseOnBoard:
        return CaseOnBoard(row.unit_code, f"E-{row.id.hex[:6]}", "E1", row.title, "")


# -- the API: the generic builders, one router ---------------------------------------


class ErrandView(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: UUID
    version: int
    status: str


def _service(request: Request) -> ContextService:
    service: ContextService = request.app.state.services.apps["errands"]
    return service


def _view(errand: Errand) -> dict[str, Any]:
    return {"id": errand.id, "version": errand.version, "status": errand.status}


ERRANDS = CaseResource(
    what="errand",
    service=_service,
    load=lambda request, case_id, version: _service(request).load(
        Errand, case_id, "errand", version
    ),
    units_of=lambda e: (e.unit_code,),
    view=_view,
)
router = APIRouter(prefix="/v1/errands", tags=["errands (a test's context)"])
add_creation_route(router, ERRANDS, Errands.commands["open_errand"], ErrandView)
add_case_routes(router, ERRANDS, Errands.routes_on(Errand))


def _demo(services: Services, data_dir: Path) -> list[str]:
    """On the demo's cast: a clerk of the demo's Huai'an district unit."""
    clerk = services.registry.get_staff("HA-001").actor(Role.CLERK)
    errands: Any = services.apps["errands"]
    result = errands.open_errand(
        Audit(actor=clerk, request_id="demo", causation="command:demo"),
        title="示例",
        due=date(2026, 12, 1),
    )
    return [f"errand {result.id}"]


ERRANDS_CONTEXT = Context(
    name="errands",
    title="errands",
    open=lambda shared: Errands(shared.env, shared.clock),
    read_models=lambda calendar: (ErrandIndex(),),
    http=lambda: Http(
        routers=(router,),
        summaries=Summaries({Errand.Opened.TOPIC: "立项：{title}"}),
    ),
    demo=_demo,
)


# -- the tests -----------------------------------------------------------------------


@pytest.fixture
def running(fresh_database: str) -> Iterator[tuple[Services, FixedClock]]:
    clock = FixedClock(START)
    services = open_services(
        Settings(),
        clock=clock,
        url=fresh_database,
        contexts=(*registered(), ERRANDS_CONTEXT),
    )
    yield services, clock
    services.close()


def _clerk_token(services: Services, staff_no: str = "E-CLERK") -> dict[str, str]:
    boot = Audit(actor=SYSTEM_DEMO, request_id="test-setup")
    services.registry.establish_unit(UNIT, "淮安区市场监督管理局", boot)
    services.registry.enrol_staff(
        staff_no, "办事员", UNIT, frozenset({Role.CLERK}), boot
    )
    secret, _ = services.registry.issue_token(staff_no, "tests", boot)
    return {"Authorization": f"Bearer {secret}"}


def test_a_context_defined_in_a_test_is_served_projected_boarded_and_fired(
    running: tuple[Services, FixedClock],
) -> None:
    services, clock = running
    headers = _clerk_token(services)
    with TestClient(create_app(Settings(), services)) as client:
        # Served: the generic routes give it 201 + Location, ETag and If-Match.
        opened = client.post(
            "/v1/errands",
            json={"title": "送达通知书", "due": "2026-11-25"},
            headers=headers,
        )
        assert opened.status_code == 201, opened.text
        errand_id = opened.json()["id"]
        assert opened.headers["Location"] == f"/v1/errands/{errand_id}"
        assert opened.json()["consistency_token"].startswith("errands:")
        stale = client.post(
            f"/v1/errands/{errand_id}/finish", headers={**headers, "If-Match": '"9"'}
        )
        assert stale.status_code == 412
        history = client.get(f"/v1/errands/{errand_id}/history", headers=headers)
        assert history.json()["events"][0]["summary"] == "立项：送达通知书"

        # Projected, and on the shared deadline board (not on licensing's).
        projector = services.projector()
        try:
            projector.prepare()
            # Every model following the errands log: its own, and the audit
            # index and the ledger, which follow every log.
            for model in projector.models.values():
                projector.catch_up(model)
            token = opened.json()["consistency_token"]
            board = client.get(
                "/v1/deadlines", params={"consistent_after": token}, headers=headers
            )
            assert board.status_code == 200, board.text
            (entry,) = board.json()["items"]
            assert entry["context"] == "errands"
            assert entry["case_id"] == errand_id
            assert entry["due"] == "2026-11-25"
            assert entry["rule"] == RULE
            licensing = client.get("/v1/licensing/deadlines", headers=headers)
            assert licensing.json()["items"] == []

            # Fired by the clock, as system:clock, once its day has come.
            clock.at = START + timedelta(days=3)
            tick = DeadlineClock(services).tick()
            assert tick.fired == 1
            events = list(services.apps["errands"].events.get(UUID(errand_id)))
            assert type(events[-1]).__name__ == "Lapsed"
            assert events[-1].audit.actor.id == "system:clock"
            projector.catch_up(projector.model("errand_index"))
            after = client.get("/v1/deadlines", headers=headers).json()["items"]
            assert after == []
        finally:
            projector.close()


def test_a_registered_context_is_included_by_the_demo(
    running: tuple[Services, FixedClock], tmp_path: Path
) -> None:
    services, _ = running
    lines = load_demo(services, tmp_path)
    assert "# demo errands" in lines
    made = lines[lines.index("# demo errands") + 1]
    assert made.startswith("errand ")
    errand = services.apps["errands"].repository.get(UUID(made.split()[1]))
    assert errand.title == "示例"


def test_a_person_cannot_issue_the_context_s_system_command(
    running: tuple[Services, FixedClock],
) -> None:
    services, _ = running
    headers = _clerk_token(services)
    with TestClient(create_app(Settings(), services)) as client:
        opened = client.post(
            "/v1/errands", json={"title": "x", "due": "2026-11-30"}, headers=headers
        )
        errand_id = opened.json()["id"]
        lapse = client.post(f"/v1/errands/{errand_id}/lapse", headers=headers)
        assert lapse.status_code == 404  # no route: only the clock issues it
    errands: Any = services.apps["errands"]
    clerk = services.registry.get_staff("E-CLERK").actor(Role.CLERK)
    with pytest.raises(PermissionDeniedError):
        errands.lapse(UUID(errand_id), Audit(actor=clerk, request_id="t"))
