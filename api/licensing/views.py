"""How licensing's cases look over HTTP: an application and a licence as they
stand (HTTP shapes, not domain objects: STYLE §1; declared in schemas.py)."""

from __future__ import annotations

from typing import Any

from domain.licensing.application import LicenceApplication
from domain.licensing.licence import Licence


def application_view(a: LicenceApplication) -> dict[str, Any]:
    return {
        "id": a.id,
        "version": a.version,
        "receipt_number": a.receipt_number,
        "status": a.status,
        "item": {"code": a.item.code, "name": a.item.name, "category": a.item.category},
        "matter": a.matter,
        "post_licence": a.request,
        "approval_mode": a.approval_mode,
        "channel": a.channel,
        "applicant": a.applicant,
        "agent": a.agent,
        "unit_code": a.unit_code,
        "materials": a.materials,
        # From an online submission (网上申报): its number and each
        # material's documents, as pre-reviewed.
        "submission_number": a.submission_number,
        "material_documents": a.material_documents,
        # The catalogue's materials not among those received (a hint for the
        # clerk; not a notice): different from the notice's `missing_items`.
        "materials_not_received": a.missing_materials,
        "commitment": a.commitment,
        "received_on": a.received_on,
        "correction_due": a.correction_due,
        "correction_requested": a.correction_requested,
        "missing_items": a.outstanding_corrections,  # of the notice, outstanding
        "acceptance_date": a.acceptance_date,
        "decision_limit_wd": a.decision_limit_wd or None,
        "decision_due": a.decision_due,
        "promised_due": a.promised_due,  # 承诺时限, beside the legal limit
        "excluded_working_days": a.excluded_wd,
        "clock_stopped_for": a.open_exclusion,
        "extended": a.extended,
        "deficiency_items": a.outstanding_deficiencies,  # 容缺, outstanding
        "supply_deadline": a.supply_deadline,
        "supply_deadline_provisional": a.supply_deadline_provisional,
        "verifications": [
            {
                "number": v.number,
                "on_site": v.on_site,
                "verified_on": v.verified_on,
                "findings": v.findings,
                "signatures": [
                    {
                        "id": s.verifier.id,
                        "name": s.verifier.name,
                        "signed_on": s.signed_on,
                    }
                    for s in v.signatures
                ],
                "counted": v.counted,
            }
            for v in a.verifications
        ],
        "decision_number": a.decision_number,
        "decided_on": a.decided_on,
        "licence_id": a.licence_id,
        "certificate_due": a.certificate_due,
        "certificate_number": a.certificate_number,
        "interview": {
            "unit_code": a.interview_unit_code,
            "scheduled_for": a.interview_scheduled_for,
            "held": a.interview_held,
        }
        if a.interview_unit_code
        else None,
        "created_at": a.created_on,
        "modified_at": a.modified_on,
    }


def licence_view(lic: Licence) -> dict[str, Any]:
    return {
        "id": lic.id,
        "version": lic.version,
        "licence_number": lic.licence_number,
        "status": lic.status,
        "holder": lic.holder,
        "item_code": lic.item_code,
        "item_name": lic.item_name,
        "certificate_name": lic.certificate_name,
        "scope": lic.scope,
        "valid_from": lic.valid_from,
        "valid_until": lic.valid_until,
        "renewal_deadline": lic.renewal_deadline,
        "renewal_requested_on": lic.renewal_requested_on,
        "application_id": lic.application_id,
        "decision_number": lic.decision_number,
        "authority_unit_code": lic.authority_unit_code,
        "approval_mode": lic.approval_mode,
        "post_verification_due": lic.post_verification_due,
        "certificate_reissues": lic.reissues,
        "created_at": lic.created_on,
        "modified_at": lic.modified_on,
    }
