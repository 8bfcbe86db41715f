"""How each kind of case of the inspections context looks over HTTP. The
draw's secret never appears here: the plan's published document
(`InspectionPlan.published`) reveals it only once the draw is made."""

from __future__ import annotations

from typing import Any

from domain.inspections.check_item import CheckItem
from domain.inspections.inspection import Inspection
from domain.inspections.inspector import Inspector
from domain.inspections.meeting import QualityMeeting
from domain.inspections.plan import InspectionPlan
from domain.shared.errors import InvalidInputError


def item_view(i: CheckItem) -> dict[str, Any]:
    return {
        "id": i.id,
        "version": i.version,
        **i.terms.model_dump(),
        "active": i.active,
    }


def inspector_view(i: Inspector) -> dict[str, Any]:
    return {
        "id": i.id,
        "version": i.version,
        **i.profile.model_dump(),
        "conflicts": sorted(i.conflicts),
    }


def plan_view(p: InspectionPlan) -> dict[str, Any]:
    commitment = p.commitment
    return {
        "id": p.id,
        "version": p.version,
        "number": p.number,
        "status": p.status,
        "unit_code": p.unit_code,
        "terms": p.terms.model_dump(),
        "filed_with": p.filed_with,
        "commitments": p.commitments,
        "snapshot_sha256": commitment.snapshot_sha256 if commitment else None,
        "seed_sha256": commitment.seed_sha256 if commitment else None,
        "public_value": p.public_value,
        "witness": p.witness,
        "drawn_on": p.drawn_on,
        "assignments": [
            {
                "uscc": a.uscc,
                "name": a.name,
                "inspectors": list(a.inspectors),
                "nominated": a.nominated,
                "inspection_id": a.inspection_id,
            }
            for a in p.assignments
        ],
        "recusals": len(p.recusals),
    }


def inspection_view(i: Inspection) -> dict[str, Any]:
    def due(limit: Any) -> Any:
        return limit.due.due if limit is not None else None

    return {
        "id": i.id,
        "version": i.version,
        "number": i.number,
        "plan_id": i.plan_id,
        "plan_number": i.plan_number,
        "item_code": i.item_code,
        "target_kind": i.target_kind,
        "uscc": i.uscc,
        "name": i.name,
        "region_code": i.region_code,
        "industry": i.industry,
        "unit_code": i.unit_code,
        "inspectors": list(i.inspectors),
        "nominated": i.nominated,
        "stage": i.stage,
        "sample": i.sample.model_dump() if i.sample else None,
        "check": i.check.model_dump() if i.check else None,
        "report": i.report.model_dump() if i.report else None,
        "retest": i.retest.model_dump() if i.retest else None,
        "conforming": i.conforming,
        "failed_items": list(i.failed_items),
        "objection_window_due": due(i.objection_window),
        "objection_decision_due": due(i.objection_decision),
        "objection_accepted": i.objection_accepted,
        "rectification": i.rectification,
        "rectification_deadline": i.rectification_deadline,
        "recheck_due": due(i.recheck),
        "seals": [s.value for s in i.seals],
        "outcome": i.outcome,
        "enforcement_origin": i.enforcement_origin,
    }


def meeting_view(m: QualityMeeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "version": m.version,
        "number": m.number,
        "unit_code": m.unit_code,
        **m.record.model_dump(),
    }


def draw_document(plan: InspectionPlan) -> dict[str, Any]:
    """The draw as served: `document` exactly as docs/draw.md defines it."""
    if plan.commitment is None:
        raise InvalidInputError(
            f"plan {plan.number} has published no commitment yet", field="case_id"
        )
    return {
        "plan_number": plan.number,
        "plan_status": plan.status,
        "witness": plan.witness,
        "document": plan.published(),
    }
