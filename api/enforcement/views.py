"""How a penalty case looks over HTTP (declared in schemas.py): the case, and
its decision as the 双公示 penalty record (CF_*) names each field."""

from __future__ import annotations

from typing import Any

from domain.enforcement.case import EnforcementCase
from domain.enforcement.terms import PENALTY_NAMES, Decision, Party
from domain.shared.time_limit import TimeLimit

# 处罚类别 (CF_CFLB): the groups of 行政处罚法 Art. 9.
CATEGORIES = {
    "warning": "声誉罚",
    "circulated_criticism": "声誉罚",
    "fine": "财产罚",
    "confiscation_of_illegal_gains": "财产罚",
    "confiscation_of_illegal_property": "财产罚",
    "licence_suspended": "资格罚",
    "qualification_downgraded": "资格罚",
    "licence_revoked": "资格罚",
    "business_restricted": "行为罚",
    "production_suspended": "行为罚",
    "closure_ordered": "行为罚",
    "practice_restricted": "行为罚",
}
PARTY_TYPE_CODES = {
    "natural_person": "01",
    "legal_person": "02",
    "unincorporated_org": "03",
    "individual_business": "04",
}


def _limit(limit: TimeLimit | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    stopped = limit.open_exclusion
    return {
        "due": limit.due.due,
        "rule": limit.rule,
        "counting": limit.counting,
        "provisional": limit.due.provisional,
        "stopped_for": stopped.kind if stopped else None,
        "excluded_days": limit.excluded_days,
        "extended": limit.extension is not None,
    }


def penalty_record(d: Decision, party: Party, status: str) -> dict[str, Any]:
    """The decision as the 双公示 penalty record (DOMAIN §5.1; UNCONFIRMED codes)."""
    return {
        "CF_WSH": d.decision_number,
        "CF_CFMC": d.name,
        "CF_CFLB": sorted({CATEGORIES[k.value] for k in d.penalties}),
        "CF_SY": d.violation,
        "CF_YJ": d.legal_basis,
        "CF_XDR_MC": party.name,
        "CF_XDR_LB": PARTY_TYPE_CODES[party.party_type.value],
        "CF_XDR_SHXYM": party.uscc,
        "CF_FR": party.legal_representative or None,
        "CF_JG": d.result,
        "CF_FKJE_FEN": d.fine_fen,
        "CF_MSJE_FEN": d.confiscation_fen,
        "CF_JDRQ": d.decided_on,
        "CF_XZJG": d.authority,
        "CF_ZT": status,
    }


def case_view(c: EnforcementCase) -> dict[str, Any]:
    d = c.decision
    return {
        "id": c.id,
        "version": c.version,
        "number": c.number,
        "status": c.status,
        "unit_code": c.unit_code,
        "party": c.party,
        "facts": c.facts,
        "officers": c.officers,
        "origin": c.origin,
        "opened_on": c.opened_on,
        "decision_limit": _limit(c.decision_limit),
        "evidence": c.evidence,
        "hearing": {
            "notified_on": c.hearing_notified_on,
            "request_by": c.hearing_window.due.due if c.hearing_window else None,
            "requested_on": c.hearing_requested_on,
            "held_on": c.hearing_held_on,
            "waived_on": c.hearing_waived_on,
        },
        "decision": d,
        "penalty_names": [PENALTY_NAMES[k] for k in d.penalties] if d else [],
        "penalty_record": penalty_record(d, c.party, c.status) if d else None,
        "no_penalty": c.no_penalty,
        "decided_on": c.decided_on,
        "service_limit": _limit(c.service_limit),
        "served_on": c.served_on,
        "service_method": c.service_method,
        "served_late": c.served_late,
        "payment_due": c.payment_due,
        "instalments": c.instalments,
        "paid_fen": c.paid_fen,
        "outstanding_fen": c.outstanding_fen,
        "enforcement_applied_on": c.enforcement_applied_on,
        "closed_on": c.closed_on,
        "missed": [{"kind": k, "due": due} for k, due in c.missed],
        "created_at": c.created_on,
        "modified_at": c.modified_on,
    }
