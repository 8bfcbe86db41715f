"""Read model `complaints`: every intake, complaint and report of the 12315
line as one row (its `kind`), its tables and its fold.

Feeds the staff index, the line's side of the deadline board and of the
clock's timers, and the rollup the statistics sum (`counts`). Its queries are
in `index_queries` (why two modules: `projections.licensing.applications_queries`).

A conduct complaint (效能投诉, issue 10 §6) has a model of its own
(`conduct`), seen only by the supervision office and auditors; its intake's
row here is marked confidential, and the index shows it only to that
intake's readers.

Art. 33 (confidentiality): a row holds the people of its case only as their
pseudonyms (举报人#7F3A). The events carry each person's details sealed under
the person's own key; this model reads the pseudonym beside the box and never
the box, nor the free text (facts, claim, answers, terms) in which a person
may be named. What it keeps of the respondent is the business's name, USCC
and region.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.complaints.complaint import (
    ART_14,
    ART_21_5,
    ART_21_NOTICE,
    Complaint,
)
from domain.complaints.complaint import DeadlineKind as ComplaintDeadline
from domain.complaints.complaint import Status as ComplaintStatus
from domain.complaints.intake import Intake
from domain.complaints.intake import Status as IntakeStatus
from domain.complaints.matter import RETENTION_YEARS, RULE_RETENTION
from domain.complaints.odr import RULE_ODR, Dispute
from domain.complaints.odr import DeadlineKind as OdrDeadline
from domain.complaints.odr import Status as DisputeStatus
from domain.complaints.parties import Classification, ExcludedPeriod, Respondent
from domain.complaints.report import ART_18, ART_30, ART_31, Report
from domain.complaints.report import DeadlineKind as ReportDeadline
from domain.complaints.report import Status as ReportStatus
from domain.shared.calendar import DueDate
from domain.shared.clock import legal_date
from domain.shared.dates import years_after
from domain.shared.personal import Sealed
from domain.shared.time_limit import TimeLimit

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.complaints.counts import (
    COUNTS,
    classified_as,
    not_accepted_for,
    rated,
    received_by,
    terminated_for,
)
from projections.rollups import Tally
from projections.schema import BigInt, Index, Table

In = Intake
C = Complaint
R = Report
D = Dispute


class Kind(StrEnum):
    """What a row is: the service's case kinds (`Complaints.cases`)."""

    INTAKE = "intake"  # 登记
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    ODR = "odr"  # 在线和解: a complaint with an ODR business first (issue 10 §3a)


SUBJECT_NAMES = {
    Kind.INTAKE: "登记",
    Kind.COMPLAINT: "投诉",
    Kind.REPORT: "举报",
    Kind.ODR: "在线和解",
}

# The deadline kinds of the board: the clock records those the domain lets it
# (`record_missed_deadline:<kind>`), and ends mediation at 45 working days.
MEDIATION = "mediation"  # Art. 21 (5): `time_out`, not a missed deadline
DUE_KINDS = (
    ComplaintDeadline.ACCEPTANCE.value,
    MEDIATION,
    ComplaintDeadline.TERMINATION_NOTICE.value,
    ReportDeadline.VERIFICATION.value,
    ReportDeadline.JURISDICTION.value,
    ReportDeadline.REPORTER_NOTICE.value,
    OdrDeadline.ANSWER.value,
)


@dataclasses.dataclass
class CaseRow:
    """One intake, complaint or report as the index and the clock see it: each
    field a column of `complaints` (its type gives the SQL type,
    projections.schema). People appear only as pseudonyms (Art. 33)."""

    id: UUID
    seq: BigInt  # log position of its first event: the index's stable order
    version: int
    kind: str  # a Kind
    number: str
    status: str  # the kind's own Status
    channel: str
    unit_code: str  # the unit that has the case now
    intake_unit_code: str  # the unit that received it (Art. 37)
    respondent_name: str
    respondent_uscc: str | None
    respondent_region: str
    received_on: date  # by the unit with authority (routing restarts it)
    people: list[str]  # pseudonyms only: 来件人#…, 投诉人#…, 举报人#…
    responsible_no: str  # 首问负责制: answerable until a recorded hand-over
    responsible_name: str
    classification: str | None = None  # an intake's
    source: str | None = None  # a report's: intake, or mediation (Art. 23)
    anonymous: bool = False  # a report without a named reporter
    intake_id: UUID | None = None  # a complaint's or report's intake
    complaint_id: UUID | None = None  # an intake's complaint
    report_id: UUID | None = None  # an intake's report
    linked_id: UUID | None = None  # Art. 7's twin, or Art. 23's complaint
    conduct_id: UUID | None = None  # an intake's conduct complaint (效能投诉)
    # ODR: an intake's dispute with the business, or the dispute a complaint
    # was escalated from; a dispute's escalated complaint is its complaint_id.
    dispute_id: UUID | None = None
    # An intake classified as a conduct complaint (issue 10 §6): shown only to
    # its readers (Intake.readable_by), never to the member of staff named.
    confidential: bool = False
    subject_no: str | None = None
    duplicates: list[str] = dataclasses.field(default_factory=list)  # numbers
    returned: bool = False  # back with the intake unit to be routed (Art. 37)
    disputed_with: str | None = None  # Art. 30
    # The legal periods, as their events last set them (running or not:
    # `deadlines` says which run); `provisional` lists "kind@calendar version"
    # for those worked out on a year with no holiday notice.
    acceptance_due: date | None = None
    mediation_due: date | None = None
    mediation_stopped: bool = False  # testing, appraisal, recusal (Arts. 19–20)
    termination_notice_due: date | None = None
    verification_due: date | None = None
    verification_stopped: bool = False  # 处罚程序规定 Art. 18
    verification_extended: bool = False
    jurisdiction_due: date | None = None
    reporter_notice_due: date | None = None
    odr_answer_due: date | None = None  # the business's 10 working days
    provisional: list[str] = dataclasses.field(default_factory=list)
    missed: list[str] = dataclasses.field(default_factory=list)  # "kind:2026-09-29"
    decided_on: date | None = None  # accepted or not; case opened or not
    ground: str | None = None  # Art. 15, Art. 21 or 处罚程序规定 Art. 20
    recovered_fen: BigInt = 0
    remedies: list[str] = dataclasses.field(default_factory=list)
    parties_notified_on: date | None = None
    reporter_notified_on: date | None = None
    rating: str | None = None
    closed: bool = False  # nothing more is owed on it
    shredded: bool = False  # its people's keys destroyed (retention ended)
    deadline_kind: str | None = None  # the soonest running deadline, for the index
    deadline_due: date | None = None
    deadline_provisional: bool = False
    updated_at: datetime | None = None


class ComplaintsIndex(CaseReadModel[CaseRow]):
    name = "complaints"
    logs = ("complaints",)
    # 2: conduct complaints' intakes kept from all but their readers; 3: ODR,
    # retention timers, the board's `withheld_from`.
    version = 3
    # The board's kind for every row of this model (the row's own kind, its
    # subject_code, says complaint or report): a matter of the 12315 line.
    case_kind = "matter"
    row_table = Table(
        CaseRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("number"),
            Index("status", "seq"),
            Index("kind", "seq"),
            Index("unit_code text_pattern_ops", "seq"),
            Index("intake_unit_code text_pattern_ops", "seq"),
            Index("respondent_uscc", "seq"),
            Index("received_on", "seq"),
            Index("responsible_no", "seq"),
        ),
    )
    rollups = (COUNTS,)

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            # Intakes (登记)
            In.Registered: _registered,
            In.DuplicateFlagged: _duplicate_flagged,
            In.Classified: _classified,
            In.EnquiryAnswered: _intake_done(
                IntakeStatus.ANSWERED, Classification.ENQUIRY
            ),
            In.Referred: _intake_done(IntakeStatus.REFERRED, Classification.OUTSIDE),
            In.HandedOver: _handed_over,
            In.PersonalDataRead: _touch,
            # Complaints (投诉)
            C.Opened: _complaint_opened,
            C.Accepted: _accepted,
            C.NotAccepted: _not_accepted,
            C.MediationScheduled: _touch,
            C.MediationEntrusted: _touch,
            C.PeriodExcluded: _mediation_stopped,
            C.PeriodResumed: _mediation_resumed,
            C.AgreementReached: _agreement_reached,
            C.MediationTerminated: _mediation_terminated,
            C.PartiesNotified: _parties_notified,
            C.Withdrawn: _withdrawn,
            C.ViolationReferred: _touch,
            C.Rated: _rated,
            C.Routed: _routed,
            C.ReturnedToIntake: _returned,
            C.TakenOver: _taken_over,
            C.DeadlineMissed: _deadline_missed,
            C.HandedOver: _handed_over,
            C.PersonalDataRead: _touch,
            C.DeadlinesRecomputed: _recomputed,
            # Reports (举报)
            R.Opened: _report_opened,
            R.PeriodExcluded: _verification_stopped,
            R.PeriodResumed: _verification_resumed,
            R.VerificationExtended: _verification_extended,
            R.JurisdictionDisputed: _jurisdiction_disputed,
            R.JurisdictionSettled: _jurisdiction_settled,
            R.CaseOpened: _report_decided,
            R.NotOpened: _report_decided,
            R.ReporterNotified: _reporter_notified,
            R.ResultNotified: _touch,
            R.Routed: _routed,
            R.ReturnedToIntake: _returned,
            R.TakenOver: _taken_over,
            R.DeadlineMissed: _deadline_missed,
            R.DeadlinesRecomputed: _recomputed,
            R.HandedOver: _handed_over,
            R.PersonalDataRead: _touch,
            # ODR disputes (在线和解)
            D.Opened: _dispute_opened,
            D.Settled: _dispute_settled,
            D.NotSettled: _dispute_not_settled,
            D.Escalated: _dispute_escalated,
            D.DeadlineMissed: _dispute_unanswered,
            D.DeadlinesRecomputed: _recomputed,
            D.HandedOver: _handed_over,
            D.PersonalDataRead: _touch,
            # Retention ended: the people's keys destroyed (matter.py)
            In.PersonalDataShredded: _shredded,
            C.PersonalDataShredded: _shredded,
            R.PersonalDataShredded: _shredded,
            D.PersonalDataShredded: _shredded,
        }

    # -- what the runtime derives from a row -------------------------------------------

    def deadlines(self, row: CaseRow) -> Iterable[Deadline]:
        return case_deadlines(row)

    def summarise(self, row: CaseRow, deadlines: list[Deadline]) -> None:
        """The index shows the soonest running legal deadline (not a timer
        of the bureau's own, such as retention's)."""
        legal = [d for d in deadlines if d.on_board]
        soonest = min(legal, key=lambda d: d.due, default=None)
        row.deadline_kind = soonest.kind if soonest else None
        row.deadline_due = soonest.due if soonest else None
        row.deadline_provisional = soonest.provisional if soonest else False

    def deadline_context(self, row: CaseRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.number,
            subject_code=row.kind,
            subject_name=SUBJECT_NAMES[Kind(row.kind)],
            party_name=row.respondent_name,
        )

    def tally(self, row: CaseRow, event: Any, tally: Tally) -> None:
        for measure, on, n in counted(row, event):
            tally.add(COUNTS, on, (row.unit_code,), measure, n)


# -- the deadlines ------------------------------------------------------------------------


def case_deadlines(row: CaseRow) -> list[Deadline]:
    """The legal deadlines running on a case (as the domain's `due_deadlines`
    sees them, and mediation's 45 working days), and what the clock does the
    day after each passes; and, once it is closed, its retention timer."""
    if row.kind == Kind.COMPLAINT:
        found = _complaint_deadlines(row)
    elif row.kind == Kind.REPORT:
        found = _report_deadlines(row)
    elif row.kind == Kind.ODR and row.status == DisputeStatus.NEGOTIATING:
        found = [_missable(row, OdrDeadline.ANSWER, RULE_ODR)]
    else:
        found = []
    if row.closed:
        found += retention(row.shredded, row.updated_at)
    return found


def retention(shredded: bool, last_act: datetime | None) -> list[Deadline]:
    """Off the board: the day after the retention period from the case's last
    recorded act, the clock destroys the keys of the matter's people. Every
    done case of a matter (its intake too) has one; the domain refuses all
    but the one acted on last (another case is open, or kept longer), whose
    timer then does it for the whole matter (the clock pages past the
    refused ones)."""
    if shredded or last_act is None:
        return []
    until = years_after(legal_date(last_act), RETENTION_YEARS)
    return [
        Deadline(
            "retention",
            until,
            RULE_RETENTION,
            on_board=False,
            action="shred_personal_data",
            fires_on=until + timedelta(days=1),
        )
    ]  # an intake is classified, answered or referred: no period runs


def _complaint_deadlines(row: CaseRow) -> list[Deadline]:
    found: list[Deadline] = []
    status = ComplaintStatus(row.status)
    if status is ComplaintStatus.REGISTERED and not row.returned:
        found.append(_missable(row, ComplaintDeadline.ACCEPTANCE, ART_14))
    # Not while the period is stopped: its end is unknown until it resumes.
    if status is ComplaintStatus.ACCEPTED and not row.mediation_stopped:
        found.append(_mediation(row))
    if status is ComplaintStatus.TERMINATED and row.parties_notified_on is None:
        found.append(
            _missable(row, ComplaintDeadline.TERMINATION_NOTICE, ART_21_NOTICE)
        )
    return found


def _report_deadlines(row: CaseRow) -> list[Deadline]:
    found: list[Deadline] = []
    status = ReportStatus(row.status)
    verifying = status is ReportStatus.REGISTERED and not row.returned
    if verifying and not row.verification_stopped:
        found.append(_missable(row, ReportDeadline.VERIFICATION, ART_18))
    if status is ReportStatus.DISPUTED:
        found.append(_missable(row, ReportDeadline.JURISDICTION, ART_30))
    # An anonymous reporter is told nothing: no notice period was set (Art. 31).
    if row.reporter_notice_due is not None and row.reporter_notified_on is None:
        found.append(_missable(row, ReportDeadline.REPORTER_NOTICE, ART_31))
    return found


def due_of(row: CaseRow, kind: str) -> date | None:
    """The due date of one of the row's periods (a DUE_KINDS kind)."""
    due: date | None = getattr(row, f"{kind}_due")
    return due


def _calendar_of(row: CaseRow, kind: str) -> str | None:
    """The calendar version a provisional due date was worked out on."""
    prefix = f"{kind}@"
    return next(
        (p.removeprefix(prefix) for p in row.provisional if p.startswith(prefix)),
        None,
    )


def _deadline(row: CaseRow, kind: str, rule: str, action: str | None) -> Deadline:
    due = due_of(row, kind)
    assert due is not None  # set by the event that started the period
    version = _calendar_of(row, kind)
    return Deadline(
        kind,
        due,
        rule,
        provisional=version is not None,
        action=action,
        fires_on=due + timedelta(days=1) if action else None,
        calendar_version=version,
    )


def _missable(row: CaseRow, kind: StrEnum, rule: str) -> Deadline:
    """A deadline the clock records missed the day after it passed, once."""
    due = due_of(row, kind.value)
    recorded = f"{kind.value}:{due}" in row.missed
    action = None if recorded else f"record_missed_deadline:{kind.value}"
    return _deadline(row, kind.value, rule, action)


def _mediation(row: CaseRow) -> Deadline:
    """Art. 21 (5): the clock ends mediation the day after 45 working days."""
    return _deadline(row, MEDIATION, ART_21_5, "time_out")


# -- what each event counts ------------------------------------------------------------------


def counted(row: CaseRow, e: Any) -> Iterable[tuple[str, date, int]]:
    """(measure, day, n) for each count an event adds; the row is as the event
    left it (see `counts` for which day each fact counts on)."""
    if isinstance(e, In.Registered):
        yield "received", row.received_on, 1
        yield received_by(e.channel), row.received_on, 1
    elif isinstance(e, In.Classified | In.EnquiryAnswered | In.Referred):
        assert row.classification is not None
        yield classified_as(Classification(row.classification)), row.received_on, 1
    elif isinstance(e, C.Opened):
        yield "complaints", row.received_on, 1
    elif isinstance(e, R.Opened):
        yield "reports", row.received_on, 1
    elif isinstance(e, C.Accepted | C.NotAccepted):
        yield from _acceptance_decision(row, e)
    elif isinstance(e, C.AgreementReached):
        yield "agreed", e.agreed_on, 1
        yield "recovered_fen", e.agreed_on, e.recovered_fen
    elif isinstance(e, C.MediationTerminated):
        yield "terminated", e.terminated_on, 1
        yield terminated_for(e.ground), e.terminated_on, 1
    elif isinstance(e, C.Withdrawn):
        yield "withdrawn", e.withdrawn_on, 1
    elif isinstance(e, C.Rated):
        yield rated(e.rating), e.rated_on, 1
    elif isinstance(e, R.CaseOpened | R.NotOpened):
        yield from _report_decision(row, e)
    elif isinstance(e, R.ReporterNotified):
        yield "reporters_told", e.notified_on, 1
        notice = f"{ReportDeadline.REPORTER_NOTICE.value}:{row.reporter_notice_due}"
        due = row.reporter_notice_due
        if due is not None and e.notified_on <= due and notice not in row.missed:
            yield "reporters_told_on_time", e.notified_on, 1
    elif isinstance(e, C.DeadlineMissed | R.DeadlineMissed):
        yield "deadlines_missed", e.due, 1
    else:
        yield from _odr_counted(e)


def _odr_counted(e: Any) -> Iterable[tuple[str, date, int]]:
    """ODR's own figures (issue 10 §3a: settlements counted separately)."""
    if isinstance(e, D.Opened):
        yield "odr_disputes", e.received_on, 1
    elif isinstance(e, D.Settled):
        on = e.negotiated_on
        yield "odr_settled", on, 1
        yield "odr_recovered_fen", on, e.recovered_fen
    elif isinstance(e, D.NotSettled):
        yield "odr_not_settled", e.negotiated_on, 1
    elif isinstance(e, D.Escalated):
        yield "odr_escalated", e.escalated_on, 1
        if e.contested:  # the consumer denied the settlement the business recorded
            yield "odr_contested", e.escalated_on, 1
    elif isinstance(e, D.DeadlineMissed):  # the business's, not the bureau's
        yield "odr_unanswered", e.due, 1


def _acceptance_decision(
    row: CaseRow, e: C.Accepted | C.NotAccepted
) -> Iterable[tuple[str, date, int]]:
    on = e.accepted_on if isinstance(e, C.Accepted) else e.decided_on
    if isinstance(e, C.Accepted):
        yield "accepted", on, 1
    else:
        yield "not_accepted", on, 1
        yield not_accepted_for(e.ground), on, 1
    # Art. 14: within 7 working days of receipt by the unit with authority.
    assert row.acceptance_due is not None
    if on <= row.acceptance_due and not row.missed:
        yield "acceptance_on_time", on, 1


def _report_decision(
    row: CaseRow, e: R.CaseOpened | R.NotOpened
) -> Iterable[tuple[str, date, int]]:
    on = e.decided_on
    yield "reports_verified", on, 1
    yield ("cases_opened" if isinstance(e, R.CaseOpened) else "cases_not_opened"), on, 1
    # 处罚程序规定 Art. 18: a stopped period cannot have run out (it stops
    # only while running), so a decision while stopped is in time.
    assert row.verification_due is not None
    in_time = row.verification_stopped or on <= row.verification_due
    if in_time and not row.missed:
        yield "reports_verified_on_time", on, 1
    if e.notice is not None:
        yield "reporters_to_tell", on, 1


# -- the folds ---------------------------------------------------------------------------------


def _touch(row: CaseRow, e: Any, _: int) -> CaseRow:
    row.updated_at = e.timestamp
    return row


def _pseudonyms(*people: Sealed | None) -> list[str]:
    """Art. 33: the pseudonym beside each sealed box; never the box."""
    return [p.person.pseudonym for p in people if p is not None]


def _new_row(
    e: Any, position: int, kind: Kind, respondent: Respondent, **fields: Any
) -> CaseRow:
    row = CaseRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        kind=kind.value,
        number=e.number,
        channel=e.channel.value,
        respondent_name=respondent.name,
        respondent_uscc=respondent.uscc,
        respondent_region=respondent.region_code,
        received_on=e.received_on,
        # 首问负责制: the member of staff who first received the matter.
        responsible_no=e.audit.actor.id,
        responsible_name=e.audit.actor.name,
        **fields,
    )
    return _touch(row, e, position)


def _registered(_: None, e: In.Registered, position: int) -> CaseRow:
    s = e.submitter
    return _new_row(
        e,
        position,
        Kind.INTAKE,
        e.respondent,
        status=IntakeStatus.REGISTERED.value,
        unit_code=e.unit_code,
        intake_unit_code=e.unit_code,
        people=_pseudonyms(s.person, s.agent, *s.representatives),
    )


def _complaint_opened(_: None, e: C.Opened, position: int) -> CaseRow:
    row = _new_row(
        e,
        position,
        Kind.COMPLAINT,
        e.respondent,
        status=ComplaintStatus.REGISTERED.value,
        unit_code=e.unit_code,
        intake_unit_code=e.intake_unit_code,
        people=_pseudonyms(e.complainant, e.agent, *e.representatives),
        intake_id=e.intake_id,
        linked_id=e.linked_id,
        dispute_id=e.odr_id,
    )
    _set_due(row, ComplaintDeadline.ACCEPTANCE.value, e.acceptance.due)
    return row


def _dispute_opened(_: None, e: D.Opened, position: int) -> CaseRow:
    row = _new_row(
        e,
        position,
        Kind.ODR,
        e.respondent,
        status=DisputeStatus.NEGOTIATING.value,
        unit_code=e.unit_code,
        intake_unit_code=e.intake_unit_code,
        people=_pseudonyms(e.consumer),
        intake_id=e.intake_id,
    )
    _set_due(row, OdrDeadline.ANSWER.value, e.answer.due)
    return row


def _report_opened(_: None, e: R.Opened, position: int) -> CaseRow:
    row = _new_row(
        e,
        position,
        Kind.REPORT,
        e.respondent,
        status=ReportStatus.REGISTERED.value,
        unit_code=e.unit_code,
        intake_unit_code=e.intake_unit_code,
        people=_pseudonyms(e.reporter),
        source=e.source.value,
        anonymous=e.reporter is None,
        intake_id=e.intake_id,
        linked_id=e.linked_id,
    )
    _set_due(row, ReportDeadline.VERIFICATION.value, e.verification.due)
    return row


def _set_due(row: CaseRow, kind: str, due: DueDate | None) -> None:
    """Set one of the row's periods (`kind`_due) and its provisional mark."""
    setattr(row, f"{kind}_due", due.due if due is not None else None)
    prefix = f"{kind}@"
    kept = [p for p in row.provisional if not p.startswith(prefix)]
    if due is not None and due.provisional:
        kept.append(f"{prefix}{due.calendar_version}")
    row.provisional = kept


# -- intakes --------------------------------------------------------------------------


def _duplicate_flagged(row: CaseRow, e: In.DuplicateFlagged, p: int) -> CaseRow:
    row.duplicates = list(e.earlier)
    return _touch(row, e, p)


def _classified(row: CaseRow, e: In.Classified, p: int) -> CaseRow:
    row.status = IntakeStatus.CLASSIFIED.value
    row.classification = e.classification.value
    row.complaint_id = e.complaint_id
    row.report_id = e.report_id
    row.conduct_id = e.conduct_id
    row.dispute_id = e.dispute_id
    row.confidential = e.conduct_id is not None
    row.subject_no = e.subject_no
    row.closed = True  # the desk's part is done; the cases carry on
    return _touch(row, e, p)


def _intake_done(status: IntakeStatus, classification: Classification) -> Handler:
    """An enquiry answered, or a matter referred (Art. 39): no case follows."""

    def fold(row: CaseRow, e: Any, p: int) -> CaseRow:
        row.status = status.value
        row.classification = classification.value
        row.closed = True
        return _touch(row, e, p)

    return fold


def _handed_over(row: CaseRow, e: Any, p: int) -> CaseRow:
    row.responsible_no = e.staff_no
    row.responsible_name = e.staff_name
    return _touch(row, e, p)


# -- moves between units (matter.py: which periods restart) ----------------------------------


def _routed(row: CaseRow, e: C.Routed | R.Routed, p: int) -> CaseRow:
    row.unit_code = e.unit_code
    row.received_on = e.received_on
    row.returned = False
    if row.kind == Kind.COMPLAINT and e.limit is not None:
        _set_due(row, ComplaintDeadline.ACCEPTANCE.value, e.limit.due)
    if row.kind == Kind.REPORT:
        if e.limit is not None:
            _set_verification(row, e.limit)
        if row.status == ReportStatus.DISPUTED:
            row.status = ReportStatus.REGISTERED.value
            row.disputed_with = None
    return _touch(row, e, p)


def _returned(row: CaseRow, e: Any, p: int) -> CaseRow:
    row.returned = True
    row.unit_code = row.intake_unit_code
    return _touch(row, e, p)


def _taken_over(row: CaseRow, e: Any, p: int) -> CaseRow:
    row.unit_code = e.unit_code
    return _touch(row, e, p)


def _deadline_missed(row: CaseRow, e: Any, p: int) -> CaseRow:
    row.missed = [*row.missed, f"{e.kind}:{e.due}"]
    return _touch(row, e, p)


# -- complaints ----------------------------------------------------------------------------


def _accepted(row: CaseRow, e: C.Accepted, p: int) -> CaseRow:
    row.status = ComplaintStatus.ACCEPTED.value
    row.decided_on = e.accepted_on
    _set_mediation(row, e.mediation)
    return _touch(row, e, p)


def _not_accepted(row: CaseRow, e: C.NotAccepted, p: int) -> CaseRow:
    row.status = ComplaintStatus.NOT_ACCEPTED.value
    row.decided_on = e.decided_on
    row.ground = e.ground.value
    row.closed = True  # the complainant is told with the decision (Art. 14)
    return _touch(row, e, p)


def _set_mediation(row: CaseRow, mediation: TimeLimit) -> None:
    _set_due(row, MEDIATION, mediation.due)
    row.mediation_stopped = not mediation.running


def _mediation_stopped(row: CaseRow, e: C.PeriodExcluded, p: int) -> CaseRow:
    _set_mediation(row, e.mediation)
    if e.kind is ExcludedPeriod.RECUSAL:  # Art. 19: suspended until decided
        row.status = ComplaintStatus.SUSPENDED.value
    return _touch(row, e, p)


def _mediation_resumed(row: CaseRow, e: C.PeriodResumed, p: int) -> CaseRow:
    _set_mediation(row, e.mediation)
    row.status = ComplaintStatus.ACCEPTED.value
    return _touch(row, e, p)


def _agreement_reached(row: CaseRow, e: C.AgreementReached, p: int) -> CaseRow:
    row.status = ComplaintStatus.AGREED.value
    row.recovered_fen = e.recovered_fen
    row.remedies = [r.value for r in e.remedies]
    row.closed = True
    return _touch(row, e, p)


def _mediation_terminated(row: CaseRow, e: C.MediationTerminated, p: int) -> CaseRow:
    row.status = ComplaintStatus.TERMINATED.value
    row.ground = e.ground.value
    _set_due(row, ComplaintDeadline.TERMINATION_NOTICE.value, e.notice.due)
    return _touch(row, e, p)


def _parties_notified(row: CaseRow, e: C.PartiesNotified, p: int) -> CaseRow:
    row.parties_notified_on = e.notified_on
    row.closed = True
    return _touch(row, e, p)


def _withdrawn(row: CaseRow, e: C.Withdrawn, p: int) -> CaseRow:
    row.status = ComplaintStatus.WITHDRAWN.value
    row.closed = True
    return _touch(row, e, p)


def _rated(row: CaseRow, e: C.Rated, p: int) -> CaseRow:
    row.rating = e.rating.value
    return _touch(row, e, p)


# -- reports -------------------------------------------------------------------------------


def _recomputed(
    row: CaseRow,
    e: C.DeadlinesRecomputed | R.DeadlinesRecomputed | D.DeadlinesRecomputed,
    p: int,
) -> CaseRow:
    """A published notice moved provisional dates (DESIGN §3)."""
    for kind, limit in e.limits.items():
        _set_due(row, kind, limit.due)
    return _touch(row, e, p)


def _set_verification(row: CaseRow, verification: TimeLimit) -> None:
    _set_due(row, ReportDeadline.VERIFICATION.value, verification.due)
    row.verification_stopped = not verification.running


def _verification_stopped(row: CaseRow, e: R.PeriodExcluded, p: int) -> CaseRow:
    _set_verification(row, e.verification)
    return _touch(row, e, p)


def _verification_resumed(row: CaseRow, e: R.PeriodResumed, p: int) -> CaseRow:
    _set_verification(row, e.verification)
    return _touch(row, e, p)


def _verification_extended(row: CaseRow, e: R.VerificationExtended, p: int) -> CaseRow:
    _set_verification(row, e.verification)
    row.verification_extended = True
    return _touch(row, e, p)


def _jurisdiction_disputed(row: CaseRow, e: R.JurisdictionDisputed, p: int) -> CaseRow:
    row.status = ReportStatus.DISPUTED.value
    row.disputed_with = e.with_unit
    _set_due(row, ReportDeadline.JURISDICTION.value, e.settle_by.due)
    return _touch(row, e, p)


def _jurisdiction_settled(row: CaseRow, e: R.JurisdictionSettled, p: int) -> CaseRow:
    row.status = ReportStatus.REGISTERED.value
    row.unit_code = e.unit_code
    row.received_on = e.received_on
    row.disputed_with = None
    _set_due(row, ReportDeadline.JURISDICTION.value, None)
    _set_verification(row, e.verification)
    return _touch(row, e, p)


def _report_decided(row: CaseRow, e: R.CaseOpened | R.NotOpened, p: int) -> CaseRow:
    opened = isinstance(e, R.CaseOpened)
    status = ReportStatus.CASE_OPENED if opened else ReportStatus.NOT_OPENED
    row.status = status.value
    row.decided_on = e.decided_on
    row.ground = None if isinstance(e, R.CaseOpened) else e.ground.value
    notice = e.notice.due if e.notice is not None else None
    _set_due(row, ReportDeadline.REPORTER_NOTICE.value, notice)
    row.closed = e.notice is None  # an anonymous reporter is told nothing
    return _touch(row, e, p)


def _reporter_notified(row: CaseRow, e: R.ReporterNotified, p: int) -> CaseRow:
    row.reporter_notified_on = e.notified_on
    row.closed = True
    return _touch(row, e, p)


# -- ODR disputes ----------------------------------------------------------------------------


def _dispute_unanswered(row: CaseRow, e: Any, p: int) -> CaseRow:
    """The business let its 10 working days pass: nothing more is owed on the
    dispute (the consumer may escalate it)."""
    row.closed = True
    return _deadline_missed(row, e, p)


def _shredded(row: CaseRow, e: Any, p: int) -> CaseRow:
    row.shredded = True
    return _touch(row, e, p)


def _dispute_settled(row: CaseRow, e: D.Settled, p: int) -> CaseRow:
    row.status = DisputeStatus.SETTLED.value
    row.decided_on = e.negotiated_on
    row.recovered_fen = e.recovered_fen
    row.remedies = [r.value for r in e.remedies]
    row.closed = True
    return _touch(row, e, p)


def _dispute_not_settled(row: CaseRow, e: D.NotSettled, p: int) -> CaseRow:
    row.status = DisputeStatus.NOT_SETTLED.value
    row.decided_on = e.negotiated_on
    row.closed = True  # the consumer may still escalate
    return _touch(row, e, p)


def _dispute_escalated(row: CaseRow, e: D.Escalated, p: int) -> CaseRow:
    row.status = DisputeStatus.ESCALATED.value
    row.complaint_id = e.complaint_id
    row.closed = True
    return _touch(row, e, p)
