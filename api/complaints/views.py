"""How the 12315 line's cases look over HTTP (declared in schemas.py).

Art. 33: a person appears only as a pseudonym (投诉人#7F3A); their details
are opened through the personal-data route alone, each read recorded. The
respondent is a business and is shown.
"""

from __future__ import annotations

from typing import Any

from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake
from domain.complaints.matter import Matter
from domain.complaints.odr import Dispute, OdrEnterprise
from domain.complaints.report import Report
from domain.shared.personal import Sealed
from domain.shared.time_limit import TimeLimit


def _pseudonym(sealed: Sealed | None) -> str | None:
    return sealed.person.pseudonym if sealed else None


def _due(limit: TimeLimit | None) -> Any:
    return limit.due if limit else None


def _stopped(limit: TimeLimit | None) -> str | None:
    stopped = limit.open_exclusion if limit else None
    return stopped.kind if stopped else None


def _answerable(case: Intake | Matter | ConductComplaint | Dispute) -> dict[str, Any]:
    return {
        "responsible": {"staff_no": case.responsible_no, "name": case.responsible_name}
    }


def intake_view(i: Intake) -> dict[str, Any]:
    s = i.submitter
    return {
        "id": i.id,
        "version": i.version,
        "intake_number": i.number,
        "status": i.status,
        "channel": i.channel,
        "oral": i.oral,
        "submitter": _pseudonym(s.person),
        "agent": _pseudonym(s.agent),
        "representatives": [_pseudonym(r) for r in s.representatives],
        "joint": s.joint,
        "respondent": i.respondent,
        "facts": i.facts,
        "claim": i.claim,
        "attachments": i.attachments,
        "unit_code": i.unit_code,
        "received_on": i.received_on,
        "platform_reference": i.platform_reference or None,
        "possible_duplicates": i.duplicates,
        "classification": i.classification,
        "complaint_id": i.complaint_id,
        "report_id": i.report_id,
        "conduct_id": i.conduct_id,
        "dispute_id": i.dispute_id,
        "answer": i.answer,
        "referred_to": i.referred_to,
        **_answerable(i),
        "created_at": i.created_on,
        "modified_at": i.modified_on,
    }


def _matter(m: Matter) -> dict[str, Any]:
    return {
        "id": m.id,
        "version": m.version,
        "number": m.number,
        "intake_id": m.intake_id,
        "channel": m.channel,
        "respondent": m.respondent,
        "facts": m.facts,
        "intake_unit_code": m.intake_unit_code,
        "unit_code": m.unit_code,
        "returned_to_intake": m.returned,
        "received_on": m.received_on,
        "linked_id": m.linked_id,
        **_answerable(m),
        "deadlines_missed": [{"kind": k, "due": d} for k, d in m.missed],
        "closed": m.closed,
    }


def complaint_view(c: Complaint) -> dict[str, Any]:
    return {
        **_matter(c),
        "status": c.status,
        "complainant": _pseudonym(c.complainant),
        "agent": _pseudonym(c.agent),
        "representatives": [_pseudonym(r) for r in c.representatives],
        "joint": c.joint,
        "claim": c.claim,
        "acceptance_due": _due(c.acceptance),
        "decided_on": c.decided_on,
        "ground": c.ground,
        "mediation_due": _due(c.mediation),
        "mediation_stopped_for": _stopped(c.mediation),
        "mediation_mode": c.mediation_mode,
        "mediation_at": c.mediation_at,
        "entrusted_to": c.entrusted_to,
        "recovered_fen": c.recovered_fen,
        "remedies": c.remedies,
        "termination_notice_due": _due(c.notice),
        "parties_notified_on": c.parties_notified_on,
        "report_ids": c.report_ids,
        "odr_id": c.odr_id,
        "rating": c.rating,
        "created_at": c.created_on,
        "modified_at": c.modified_on,
    }


def report_view(r: Report) -> dict[str, Any]:
    return {
        **_matter(r),
        "status": r.status,
        "source": r.source,
        "reporter": _pseudonym(r.reporter),
        "anonymous": r.anonymous,
        "verification_due": _due(r.verification),
        "verification_stopped_for": _stopped(r.verification),
        "verification_extended": bool(r.verification.extension),
        "disputed_with": r.disputed_with,
        "settle_by": _due(r.settle_by),
        "officers": r.officers,
        "decided_on": r.decided_on,
        "ground": r.ground,
        "reporter_notice_due": _due(r.notice),
        "reporter_notified_on": r.reporter_notified_on,
        "result_notified": r.result_notified,
        "created_at": r.created_on,
        "modified_at": r.modified_on,
    }


def conduct_view(c: ConductComplaint) -> dict[str, Any]:
    """Only its readers get here (the supervision office, auditors)."""
    return {
        "id": c.id,
        "version": c.version,
        "number": c.number,
        "intake_id": c.intake_id,
        "channel": c.channel,
        "status": c.status,
        "complainant": _pseudonym(c.complainant),
        "unit_code": c.unit_code,
        "subject": {"staff_no": c.subject_no, "name": c.subject_name},
        "facts": c.facts,
        "claim": c.claim,
        "intake_unit_code": c.intake_unit_code,
        "received_on": c.received_on,
        "conclusion_due": _due(c.conclusion),
        "finding": c.finding,
        "measures": c.measures,
        "concluded_on": c.concluded_on,
        "complainant_notified_on": c.notified_on,
        "rating": c.rating,
        **_answerable(c),
        "deadlines_missed": [{"kind": k, "due": d} for k, d in c.missed],
        "closed": c.closed,
        "created_at": c.created_on,
        "modified_at": c.modified_on,
    }


def enterprise_view(e: OdrEnterprise) -> dict[str, Any]:
    return {
        "id": e.id,
        "version": e.version,
        "uscc": e.uscc,
        "name": e.name,
        "region_code": e.region_code,
        "unit_code": e.unit_code,
        "enrolled_on": e.enrolled_on,
        "active": e.active,
        "created_at": e.created_on,
        "modified_at": e.modified_on,
    }


def odr_outcome(d: Dispute) -> dict[str, Any] | None:
    """What the business recorded, if it has."""
    if d.how is None:
        return None
    return {
        "how": d.how,
        "negotiated_on": d.negotiated_on,
        "terms": d.terms,
        "explanation": d.explanation,
        "recovered_fen": d.recovered_fen,
        "remedies": d.remedies,
    }


def dispute_view(d: Dispute) -> dict[str, Any]:
    return {
        "id": d.id,
        "version": d.version,
        "number": d.number,
        "intake_id": d.intake_id,
        "enterprise_id": d.enterprise_id,
        "channel": d.channel,
        "status": d.status,
        "consumer": _pseudonym(d.consumer),
        "respondent": d.respondent,
        "facts": d.facts,
        "claim": d.claim,
        "intake_unit_code": d.intake_unit_code,
        "unit_code": d.unit_code,
        "received_on": d.received_on,
        "answer_due": d.answer.due,
        "outcome": odr_outcome(d),
        "complaint_id": d.complaint_id,
        "escalated_on": d.escalated_on,
        **_answerable(d),
        "deadlines_missed": [{"kind": k, "due": day} for k, day in d.missed],
        "closed": d.closed,
        "created_at": d.created_on,
        "modified_at": d.modified_on,
    }


def business_view(d: Dispute) -> dict[str, Any]:
    """What the business sees: its own dispute, the consumer by pseudonym,
    nothing internal (no staff, no units)."""
    return {
        "number": d.number,
        "status": d.status,
        "consumer": _pseudonym(d.consumer),
        "facts": d.facts,
        "claim": d.claim,
        "received_on": d.received_on,
        "answer_due": d.answer.due.due,
        "outcome": odr_outcome(d),
        "escalated_on": d.escalated_on,
    }
