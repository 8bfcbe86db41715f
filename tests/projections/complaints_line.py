"""The complaints context on a real PostgreSQL, for its projection tests: the
Complaints service (with a vault in memory) opened beside the registry the
way a registered context is (its descriptor lives here: the context is not
registered yet), a cast of staff in two counties and their city, and a
projector of its read models.

Dates are those of tests/domain/test_complaints.py, counted by hand there on
the 2026 calendar (中秋 9/25–9/27, 国庆 10/1–10/7, make-up working days Sun
9/20 and Sat 10/10): received Fri 9/18, acceptance due Tue 9/29 (7 wd),
verification Thu 10/15 (15 wd), mediation Thu 11/26 (45 wd).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from api.host.context import Context, Shared
from api.host.settings import Settings
from api.host.storage import Services, open_services
from domain.complaints.complaint import Complaint
from domain.complaints.intake import Intake
from domain.complaints.parties import Channel, Classification, Rating, Respondent
from domain.complaints.service import PUBLIC, Complaints, Receipt, Submission
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.personal import PersonalDetails
from projections.complaints import complaints_read_models
from projections.complaints.conduct import ConductIndex
from projections.complaints.index import ComplaintsIndex
from projections.runtime import Projector, Tables, active_tables
from tests.complaints_vault import MemoryVault
from tests.domain.conftest import at_shanghai

RECEIVED = date(2026, 9, 18)  # a Friday
COUNTY = "320803"  # 海州区
OTHER_COUNTY = "320804"  # 连云区, of the same city
CITY = "320800"  # 连云港市

ALICE = PersonalDetails(
    name="王小明",
    phone="13800000001",
    address="连云港市海州区幸福路1号",
    id_number="320706199001011234",
)
AGENT = PersonalDetails(name="李律师", phone="13900000002", address="律师事务所")
REPRESENTATIVES = (
    PersonalDetails(name="赵代表", phone="13700000003", address="某小区3幢"),
    PersonalDetails(name="钱代表", phone="13700000004"),
)
PEOPLE = (ALICE, AGENT, *REPRESENTATIVES)
SHOP = Respondent(
    name="连云港市海州区某某电器商行",
    uscc="91320803MA1XYW01X6",
    region_code=COUNTY,
    address="海州区商业街8号",
)
OTHER_SHOP = Respondent(name="连云区某某超市", region_code=OTHER_COUNTY)
BUREAU = Respondent(name="海州区市场监督管理局", region_code=COUNTY)

# staff no → name, unit, roles
STAFF: dict[str, tuple[str, str, frozenset[Role]]] = {
    "I-1": ("周一", COUNTY, frozenset({Role.INTAKE})),
    "H-1": ("吴二", COUNTY, frozenset({Role.HANDLER})),
    "H-2": ("孙三", COUNTY, frozenset({Role.HANDLER})),
    "A-1": ("郑四", COUNTY, frozenset({Role.APPROVER})),
    "E-1": ("赵一", COUNTY, frozenset({Role.HANDLER})),
    "E-2": ("钱二", COUNTY, frozenset({Role.HANDLER})),
    "H-9": ("冯九", OTHER_COUNTY, frozenset({Role.HANDLER})),
    "A-9": ("褚九", OTHER_COUNTY, frozenset({Role.APPROVER})),
    "A-C": ("陈市", CITY, frozenset({Role.APPROVER})),
    "S-1": ("督察甲", CITY, frozenset({Role.SUPERVISION})),
    "S-9": ("督察九", COUNTY, frozenset({Role.SUPERVISION})),
}
UNITS = {COUNTY: "海州区局", OTHER_COUNTY: "连云区局", CITY: "市局"}


def complaints_context(vault: MemoryVault) -> Context:
    """The context's descriptor as the api package will declare it (with
    a vault of keys in memory)."""

    def open_complaints(shared: Shared) -> Complaints:
        return Complaints(
            shared.env,
            registry=shared.registry,
            calendar=shared.calendar,
            vault=vault,
            clock=shared.clock,
        )

    return Context(
        name="complaints",
        title="complaints and reports (投诉、举报)",
        open=open_complaints,
        read_models=complaints_read_models,
    )


@dataclass
class Line:
    """The 12315 line on one database: its service, clock, vault and read side."""

    url: str
    services: Services
    clock: FixedClock
    vault: MemoryVault
    projectors: list[Projector] = field(default_factory=list)
    receipts: dict[UUID, Receipt] = field(default_factory=dict)  # by intake id

    @property
    def complaints(self) -> Complaints:
        service = self.services.apps["complaints"]
        assert isinstance(service, Complaints)
        return service

    def model(self) -> ComplaintsIndex:
        model, _ = self.services.read_models()
        assert isinstance(model, ComplaintsIndex)
        return model

    def conduct_model(self) -> ConductIndex:
        _, model = self.services.read_models()
        assert isinstance(model, ConductIndex)
        return model

    def projector(self) -> Projector:
        """A projector of its own (own connection), closed with the line."""
        projector = self.services.projector()
        self.projectors.append(projector)
        return projector

    def project(self) -> None:
        """Bring the model up to the log's head."""
        if not self.projectors:
            self.projector().prepare()
        for model in self.services.read_models():
            self.projectors[0].catch_up(model)

    def on(self, day: date) -> None:
        self.clock.at = at_shanghai(day)

    def audit(self, staff_no: str, reason: str | None = "依法办理") -> Audit:
        member = self.services.registry.get_staff(staff_no)
        role = next(iter(member.roles))
        return Audit(actor=member.actor(role), request_id="test", reason=reason)

    def register(
        self,
        person: PersonalDetails | None = ALICE,
        *,
        channel: Channel = Channel.TELEPHONE,
        respondent: Respondent = SHOP,
        **more: Any,
    ) -> UUID:
        """An intake recorded by the county desk's I-1 (a telephone call)."""
        receipt = self.complaints.register(
            audit=self.audit("I-1", None),
            channel=channel,
            submitter=more.pop("submitter", Submission(person=person)),
            respondent=respondent,
            facts="购买的电热水器漏电，商家拒绝退货。",
            claim="退货退款",
            **more,
        )
        self.receipts[receipt.id] = receipt
        return receipt.id

    def classify(
        self, intake_id: UUID, classification: Classification, unit: str = COUNTY
    ) -> Intake:
        self.complaints.classify(
            intake_id,
            audit=self.audit("I-1", "按来件内容分类分送"),
            classification=classification,
            unit_code=unit,
        )
        return self.complaints.load(Intake, intake_id, "intake")

    def complaint(self, person: PersonalDetails = ALICE, **more: Any) -> UUID:
        intake = self.classify(self.register(person, **more), Classification.COMPLAINT)
        assert intake.complaint_id is not None
        return intake.complaint_id

    def report(self, person: PersonalDetails | None = ALICE, **more: Any) -> UUID:
        intake = self.classify(self.register(person, **more), Classification.REPORT)
        assert intake.report_id is not None
        return intake.report_id

    def conduct(self, staff_no: str | None = "H-2", unit: str = COUNTY) -> UUID:
        """A conduct complaint (效能投诉) about a member of the county's staff."""
        intake = self.register(respondent=BUREAU)
        self.complaints.classify(
            intake,
            audit=self.audit("I-1", "反映工作人员作风问题，转督察"),
            classification=Classification.CONDUCT,
            unit_code=unit,
            staff_no=staff_no,
        )
        conduct_id = self.complaints.load(Intake, intake, "intake").conduct_id
        assert conduct_id is not None
        return conduct_id

    def rate(self, complaint: UUID, rating: Rating) -> None:
        """评议 by the complainant, with the intake's number and query code."""
        receipt = self.receipts[
            self.complaints.load(Complaint, complaint, "c").intake_id
        ]
        self.complaints.rate(
            receipt.intake_number,
            receipt.query_code,
            rating,
            "",
            Audit(actor=PUBLIC, request_id="test-rating"),
        )

    def tables(self, conn: psycopg.Connection[Any]) -> Tables:
        return active_tables(conn, ComplaintsIndex.name)

    def row(self, conn: psycopg.Connection[Any], case_id: UUID) -> dict[str, Any]:
        with conn.cursor(row_factory=dict_row) as cur:
            found = cur.execute(
                sql.SQL("SELECT * FROM {} WHERE id = %s").format(self.tables(conn)()),
                (case_id,),
            ).fetchone()
        assert found is not None
        return found

    def deadlines(
        self, conn: psycopg.Connection[Any], case_id: UUID
    ) -> dict[str, tuple[date, str | None, date | None]]:
        """kind → (due, action, fires_on) of a case's legal deadlines (those on
        the board; `timers` has the bureau's own, such as retention)."""
        return self.timers(conn, case_id, on_board=True)

    def timers(
        self, conn: psycopg.Connection[Any], case_id: UUID, *, on_board: bool = False
    ) -> dict[str, tuple[date, str | None, date | None]]:
        """kind → (due, action, fires_on) of every deadline row of a case."""
        rows = conn.execute(
            sql.SQL(
                "SELECT kind, due, action, fires_on FROM {} WHERE case_id = %s"
                " AND (on_board OR NOT %s)"
            ).format(self.tables(conn)("deadlines")),
            (case_id, on_board),
        ).fetchall()
        return {kind: (due, action, fires) for kind, due, action, fires in rows}


@contextmanager
def open_line(url: str) -> Iterator[Line]:
    """The line on database `url` (an empty one), its units and staff enrolled."""
    clock = FixedClock(at_shanghai(RECEIVED))
    vault = MemoryVault()
    services = open_services(
        Settings(), clock=clock, url=url, contexts=(complaints_context(vault),)
    )
    line = Line(url, services, clock, vault)
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-setup")
    for code, name in UNITS.items():
        services.registry.establish_unit(code, name, boot)
    for staff_no, (name, unit, roles) in STAFF.items():
        services.registry.enrol_staff(staff_no, name, unit, roles, boot)
    try:
        yield line
    finally:
        for projector in line.projectors:
            projector.close()
        services.close()
