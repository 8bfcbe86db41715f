"""/v1/licensing/applications: receive an application and drive it to a decision."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field

from api.http.auth import CurrentPrincipal, audit_for
from api.http.commands import (
    CaseResource,
    Command,
    CommandBody,
    Decision,
    NoBody,
    add_case_routes,
)
from api.http.openapi import STAFF, problems
from api.http.reads import (
    After,
    Limit,
    UnitFilter,
    UsccFilter,
    page_body,
    upper,
)
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.reads import StaffReader
from api.licensing.views import application_view
from domain.licensing.application import Status
from domain.licensing.parties import (
    Agent,
    Applicant,
    CertificateService,
    Channel,
    CommitmentLetter,
    ExclusionKind,
    NonAcceptanceGround,
)
from domain.licensing.service import Licensing, interview_unit
from domain.registry.catalogue import ApprovalMode
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.text import Line, Prose
from projections.licensing import applications_queries as applications

router = APIRouter(prefix="/v1/licensing/applications", tags=["licensing applications"])

Items = Annotated[list[Annotated[str, Line(200)]], Field(min_length=1, max_length=50)]
Reasons = Annotated[
    list[Annotated[str, Prose(2000)]], Field(min_length=1, max_length=50)
]


def licensing(request: Request) -> Licensing:
    service: Licensing = request.app.state.services.licensing
    return service


APPLICATIONS = CaseResource(
    what="application",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_application(
        case_id, version
    ),
    units_of=lambda a: (a.unit_code, interview_unit(a)),
    view=application_view,
    model=schemas.ApplicationView,
    changed=schemas.ApplicationChanged,
)


class ReceiveBody(CommandBody):
    item_code: Annotated[str, Line(40)]
    approval_mode: ApprovalMode = ApprovalMode.STANDARD
    channel: Channel = Channel.COUNTER
    applicant: Applicant
    agent: Agent | None = None
    materials: list[Annotated[str, Line(200)]] = Field(max_length=50)
    commitment: CommitmentLetter | None = None


@router.post(
    "",
    status_code=201,
    response_class=JSON,
    summary="Receive an application (收到申请材料)",
    response_model=schemas.ApplicationReceived,
    responses=problems(*STAFF, 404, 409, 413, 415),
)
def receive(body: ReceiveBody, request: Request, principal: CurrentPrincipal) -> JSON:
    service = licensing(request)
    audit = audit_for(request, principal, service, "receive")
    receipt = service.receive(
        audit,
        item_code=body.item_code,
        approval_mode=body.approval_mode,
        channel=body.channel,
        applicant=body.applicant,
        agent=body.agent,
        materials=tuple(body.materials),
        commitment=body.commitment,
    )
    response = APPLICATIONS.command_response(request, receipt, status=201)
    response.headers["Location"] = f"{router.prefix}/{receipt.id}"
    return response


# -- commands -------------------------------------------------------------------


class CorrectionBody(Decision):
    missing_items: Items


class CorrectionsBody(CommandBody):
    missing_items: Items  # the correction notice's items now supplied


class DeficienciesCuredBody(CommandBody):
    deficiency_items: Items  # the deferred (容缺) materials now supplied


class DeficienciesBody(CommandBody):
    deficiency_items: Items
    supply_deadline: IsoDate


class RejectBody(Decision):
    ground: NonAcceptanceGround
    redirect_to: Annotated[str, Line(200)] | None = None


class VerificationBody(CommandBody):
    # Recorded and signed by the reviewer whose token is used; a second one
    # signs with sign-verification (Art. 34 ¶3). No defaults: an on-site check
    # is never assumed.
    on_site: bool
    verified_on: IsoDate
    findings: Annotated[str, Prose(5000)]


class SignVerificationBody(CommandBody):
    verification: int = Field(ge=1, le=1000)  # its `number` in `verifications`


class SuspendBody(Decision):
    kind: ExclusionKind
    expected_working_days: int = Field(ge=1, le=365)
    notice: Annotated[str, Prose(2000)]


class GrantBody(Decision):
    decision_number: Annotated[str, Line(100)]
    scope: Annotated[str, Prose(1000)]
    licence_number: Annotated[str, Line(100)] | None = None
    on_the_spot: bool = False


class RefuseBody(Decision):
    decision_number: Annotated[str, Line(100)]
    reasons: Reasons
    technical_standard: Annotated[str, Line(300)] | None = None
    # Art. 78: the refusal rests on concealment or false materials.
    false_materials: bool = False


class InterviewScheduleBody(CommandBody):
    scheduled_for: IsoDate
    place: Annotated[str, Line(300)]


class InterviewRecordBody(CommandBody):
    attendees: Items
    record: Annotated[str, Prose(10000)]


class CertificateBody(CommandBody):
    certificate_number: Annotated[str, Line(100)] | None = None


class ServeBody(CommandBody):
    method: CertificateService


COMMANDS = [
    Command(
        "request-correction",
        CorrectionBody,
        lambda s, i, a, b, v: s.request_correction(i, a, tuple(b.missing_items), v),
        "One-time notice of everything to correct (Art. 32 ¶1 (4))",
    ),
    Command(
        "submit-corrections",
        CorrectionsBody,
        lambda s, i, a, b, v: s.submit_corrections(i, a, tuple(b.missing_items), v),
        "Record corrected materials",
    ),
    Command(
        "accept",
        NoBody,
        lambda s, i, a, b, v: s.accept(i, a, v),
        "Accept (受理, Art. 32 ¶1 (5))",
    ),
    Command(
        "accept-with-deficiencies",
        DeficienciesBody,
        lambda s, i, a, b, v: s.accept_with_deficiencies(
            i, a, tuple(b.deficiency_items), b.supply_deadline, v
        ),
        "Accept with deferred secondary materials (容缺受理)",
    ),
    Command(
        "reject",
        RejectBody,
        lambda s, i, a, b, v: s.reject(i, a, b.ground, b.redirect_to, v),
        "Decide not to accept (不予受理, Art. 32 ¶1 (1)(2))",
    ),
    Command(
        "cure-deficiencies",
        DeficienciesCuredBody,
        lambda s, i, a, b, v: s.cure_deficiencies(i, a, tuple(b.deficiency_items), v),
        "Record deferred materials supplied",
    ),
    Command(
        "record-verification",
        VerificationBody,
        lambda s, i, a, b, v: s.record_verification(
            i,
            a,
            on_site=b.on_site,
            findings=b.findings,
            verified_on=b.verified_on,
            expected_version=v,
        ),
        "Record and sign a substantive verification (Art. 34 ¶3)",
    ),
    Command(
        "sign-verification",
        SignVerificationBody,
        lambda s, i, a, b, v: s.sign_verification(i, a, b.verification, v),
        "A second verifier signs a verification; it counts once two have (Art. 34)",
    ),
    Command(
        "suspend-clock",
        SuspendBody,
        lambda s, i, a, b, v: s.suspend_clock(
            i, a, b.kind, b.expected_working_days, b.notice, v
        ),
        "Stop the decision clock for an excluded period (Art. 45)",
    ),
    Command(
        "resume-clock",
        NoBody,
        lambda s, i, a, b, v: s.resume_clock(i, a, v),
        "Restart the decision clock",
    ),
    Command(
        "extend",
        Decision,
        lambda s, i, a, b, v: s.extend(i, a, v),
        "Extend the decision limit once (Art. 42)",
    ),
    Command(
        "grant",
        GrantBody,
        lambda s, i, a, b, v: s.grant(
            i,
            a,
            decision_number=b.decision_number,
            scope=b.scope,
            licence_number=b.licence_number,
            on_the_spot=b.on_the_spot,
            expected_version=v,
        ),
        "Grant the licence (准予行政许可); creates the Licence",
    ),
    Command(
        "refuse",
        RefuseBody,
        lambda s, i, a, b, v: s.refuse(
            i,
            a,
            decision_number=b.decision_number,
            reasons=tuple(b.reasons),
            technical_standard=b.technical_standard,
            false_materials=b.false_materials,
            expected_version=v,
        ),
        "Refuse with reasons and remedies (Art. 38 ¶2)",
    ),
    Command(
        "schedule-interview",
        InterviewScheduleBody,
        lambda s, i, a, b, v: s.schedule_interview(i, a, b.scheduled_for, b.place, v),
        "Schedule the refusal interview (约谈)",
    ),
    Command(
        "record-interview",
        InterviewRecordBody,
        lambda s, i, a, b, v: s.record_interview(i, a, tuple(b.attendees), b.record, v),
        "Record the interview held",
    ),
    Command(
        "issue-certificate",
        CertificateBody,
        lambda s, i, a, b, v: s.issue_certificate(i, a, b.certificate_number, v),
        "Issue the certificate (Art. 44)",
    ),
    Command(
        "serve-certificate",
        ServeBody,
        lambda s, i, a, b, v: s.serve_certificate(i, a, b.method, v),
        "Serve the certificate (送达)",
    ),
    Command(
        "withdraw",
        Decision,
        lambda s, i, a, b, v: s.withdraw(i, a, v),
        "The applicant withdraws",
    ),
]

add_case_routes(router, APPLICATIONS, COMMANDS)


@router.get(
    "",
    response_class=JSON,
    summary="The applications index (read model; your jurisdiction only)",
    response_model=schemas.ApplicationsPage,
    responses=problems(*STAFF),
)
def list_applications(
    reader: StaffReader,
    status: Annotated[list[Status] | None, Query()] = None,
    item: Annotated[Annotated[str, Line(40)] | None, Query()] = None,
    category: Annotated[Annotated[str, Line(100)] | None, Query()] = None,
    unit: UnitFilter = None,
    applicant_uscc: UsccFilter = None,
    applicant_name: Annotated[Annotated[str, Line(200)] | None, Query()] = None,
    received_from: IsoDate | None = None,
    received_to: IsoDate | None = None,
    overdue: bool | None = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    if received_from and received_to and received_from > received_to:
        raise InvalidInputError(
            "received_from is after received_to", field="received_from"
        )
    page = applications.search(
        reader.conn,
        applications.ApplicationQuery(
            scope=reader.scope,
            today=reader.today,
            statuses=tuple(status or ()),
            item=item,
            category=category,
            unit=reader.unit(unit),
            applicant_uscc=upper(applicant_uscc),
            applicant_name=applicant_name,
            received_from=received_from,
            received_to=received_to,
            overdue=overdue,
            after=after,
            limit=limit,
        ),
        reader.calendar,
    )
    return JSON(page_body(page))
