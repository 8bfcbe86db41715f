"""The 12315 line's `casetrace bench` workload (the protocol:
api/bench/workload.py). A county's intake desk, handler and approver;
complaints driven over HTTP from registration through acceptance and
mediation to an agreement; generated intakes, complaints and reports with a
mix of outcomes; the index, the board and the statistics queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from api.bench.workload import UNITS, Command, Query, enrol
from api.complaints import service
from api.host.storage import Services
from domain.complaints.complaint import Complaint, complaint_id
from domain.complaints.intake import Intake, Submitter
from domain.complaints.parties import (
    Channel,
    Classification,
    MediationDocument,
    NonAcceptanceGround,
    NotOpenedGround,
    Remedy,
    Respondent,
    TerminationGround,
)
from domain.complaints.report import Officer, Report, Source, report_id
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.events import Aggregate
from domain.shared.personal import COMPLAINANT, REPORTER, PersonRef, Sealed, pseudonym

CITY, COUNTY = "3208", "320803"
SAVED_ON = date(2026, 9, 18)
STAFF = (
    ("C-DESK", COUNTY, Role.INTAKE, "desk"),
    ("C-HAND", COUNTY, Role.HANDLER, "handler"),
    ("C-APPR", COUNTY, Role.APPROVER, "approver"),
    ("C-AUD", CITY, Role.AUDITOR, "auditor"),
)
WORKFLOW: list[tuple[str, str, dict[str, Any] | None]] = [
    ("register", "desk", None),
    (
        "classify",
        "desk",
        {"classification": "complaint", "unit_code": COUNTY, "reason": "投诉"},
    ),
    ("accept", "handler", None),
    (
        "reach-agreement",
        "handler",
        {
            "document": "mediation_record",
            "recovered_fen": 12900,
            "remedies": ["refund"],
            "terms": "当场退款",
            "performed_at_once": True,
        },
    ),
]
QUERIES = (
    ("complaints index", "/v1/complaints/complaints?limit=50"),
    ("complaints board", "/v1/complaints/deadlines?limit=50"),
    (
        "complaints statistics by month",
        "/v1/complaints/statistics?group_by=month&from=2020-01-01",
    ),
)


def _audit(staff_no: str, role: Role, reason: str | None = "依法办理") -> Audit:
    actor = Actor(
        kind=ActorKind.STAFF,
        id=staff_no,
        name=f"bench {role.value}",
        role=role,
        unit_code=COUNTY,
    )
    return Audit(actor=actor, request_id="bench", reason=reason)


DESK, HANDLER, APPROVER = (
    _audit("C-DESK", Role.INTAKE),
    _audit("C-HAND", Role.HANDLER),
    _audit("C-APPR", Role.APPROVER),
)


def _respondent(n: int) -> Respondent:
    return Respondent(name=f"淮安测试商行{n % 500}", region_code=COUNTY)


def _sealed(role: str) -> Sealed:
    """A person as an event holds them: generated cases need no real vault."""
    person = uuid4()
    return Sealed(
        person=PersonRef(id=person, pseudonym=pseudonym(role, person)), box="00"
    )


def _intake(number: str, on: date) -> Intake:
    return Intake.register(
        audit=DESK,
        number=number,
        query_code_hash="0" * 64,
        channel=Channel.TELEPHONE,
        submitter=Submitter(person=_sealed("来件人")),
        respondent=_respondent(int(number[-6:])),
        facts="购买的商品存在质量问题。",
        claim="退货退款",
        attachments=(),
        unit_code=COUNTY,
        on=on,
    )


def one_case(calendar: WorkingDayCalendar, n: int, on: date) -> list[Aggregate]:
    """An intake and what it became; every 10 intakes cover the same mix."""
    number = f"{COUNTY}{on:%Y%m%d}{n:06d}"
    intake = _intake(number, on)
    kind = n % 10
    if kind == 0:
        intake.answer_enquiry("已答复", on, DESK)
        return [intake]
    report_wanted = kind in (7, 8, 9)
    classification = (
        Classification.REPORT if report_wanted else Classification.COMPLAINT
    )
    intake.classify(
        classification, complaint_id(f"{number}-TS"), report_id(f"{number}-JB"), DESK
    )
    later = on + timedelta(days=5)
    if report_wanted:
        report = Report.open(
            audit=DESK,
            number=f"{number}-JB",
            intake_id=intake.id,
            channel=intake.channel,
            source=Source.INTAKE,
            reporter=_sealed(REPORTER),
            respondent=intake.respondent,
            facts=intake.facts,
            intake_unit_code=COUNTY,
            unit_code=COUNTY,
            on=on,
            calendar=calendar,
        )
        if kind == 8:
            officers = (
                Officer(staff_no="E-1", name="甲"),
                Officer(staff_no="E-2", name="乙"),
            )
            report.open_case(officers, later, calendar, APPROVER)
        elif kind == 9:
            report.decline(NotOpenedGround.NO_VIOLATION, later, calendar, APPROVER)
        return [intake, report]
    complaint = Complaint.open(
        audit=DESK,
        number=f"{number}-TS",
        intake_id=intake.id,
        channel=intake.channel,
        complainant=_sealed(COMPLAINANT),
        agent=None,
        representatives=(),
        joint=False,
        respondent=intake.respondent,
        facts=intake.facts,
        claim=intake.claim,
        intake_unit_code=COUNTY,
        unit_code=COUNTY,
        on=on,
        calendar=calendar,
    )
    if kind == 1:
        return [intake, complaint]  # awaiting acceptance
    if kind == 2:
        complaint.decline(NonAcceptanceGround.ALREADY_HANDLED, on, HANDLER)
        return [intake, complaint]
    complaint.accept(on, calendar, HANDLER)
    if kind in (3, 4):
        complaint.reach_agreement(
            MediationDocument.RECORD,
            12900 * kind,
            (Remedy.REFUND,),
            "当场退款",
            later,
            HANDLER,
            performed_at_once=True,
        )
    elif kind == 5:
        complaint.terminate(
            TerminationGround.ABSENT_OR_REFUSED, later, calendar, HANDLER
        )
        complaint.notify_parties(later, HANDLER)
    return [intake, complaint]  # kind 6: in mediation


class Workflow:
    """One HTTP client's complaints, each from registration to an agreement."""

    def __init__(self, client: int, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        self.intake_id = ""
        self.complaint_id = ""
        self.step = 0
        self.n = 0

    def next(self) -> Command:
        verb, who, body = WORKFLOW[self.step]
        if verb == "register":
            self.n += 1
            path = "/v1/complaints/intakes"
            phone = f"139{self.client:03d}{self.n % 100_000:05d}"
            body = {
                "channel": "telephone",
                "submitter": {"person": {"name": "测试群众", "phone": phone}},
                "respondent": {
                    "name": f"淮安测试商行{self.n % 500}",
                    "region_code": COUNTY,
                },
                "facts": "购买的商品存在质量问题。",
                "claim": "退货退款",
            }
        elif verb == "classify":
            path = f"/v1/complaints/intakes/{self.intake_id}/{verb}"
        else:
            path = f"/v1/complaints/complaints/{self.complaint_id}/{verb}"
        return Command(verb, path, body, self.tokens[who])

    def answered(self, result: dict[str, Any]) -> None:
        if self.step == 0:
            self.intake_id = str(result["id"])
        if self.step == 1:  # (reference servers answer with a bare id)
            self.complaint_id = str(result.get("complaint_id") or result["id"])
        self.step = (self.step + 1) % len(WORKFLOW)

    def failed(self) -> None:
        self.step = 0


class ComplaintsWorkload:
    """The 12315 line's side of the bench."""

    topic = "casetrace.complaints.Intake.Registered"
    lag_model = "complaints"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.calendar = service(services).calendar
        self.tokens: dict[str, str] = {}

    def seed(self) -> None:
        self.tokens = enrol(self.services, UNITS, STAFF)

    def new_case(self, n: int) -> Sequence[Aggregate]:
        return [_intake(f"B{n:010d}", SAVED_ON)]

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        day = date(2025, 1, 6) + timedelta(days=(n // 50) % 600)
        return one_case(self.calendar, n, day)

    def commands(self, client: int) -> Workflow:
        return Workflow(client, self.tokens)

    def queries(self) -> Sequence[Query]:
        return [Query(label, path, self.tokens["auditor"]) for label, path in QUERIES]


def workload(services: Services) -> ComplaintsWorkload:
    return ComplaintsWorkload(services)
