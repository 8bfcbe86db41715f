"""HTTP shapes of cases and their histories (not domain objects: STYLE §1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import JSONResponse

from domain.licensing.application import LicenceApplication
from domain.licensing.licence import Licence
from domain.shared.events import Aggregate
from domain.shared.service import CommandResult


def dump(value: Any) -> Any:
    """orjson-ready: pydantic models in JSON mode, sets as sorted lists."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(dump(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): dump(v) for k, v in value.items()}
    return value


class JSON(JSONResponse):
    """orjson; a JSONResponse so that FastAPI documents the route's response_model."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(dump(content), option=orjson.OPT_NON_STR_KEYS)


def etag(version: int) -> str:
    return f'"{version}"'


def case_response(
    body: dict[str, Any], version: int, status: int = 200, **headers: str
) -> JSON:
    return JSON(body, status_code=status, headers={"ETag": etag(version), **headers})


def replay_marked(response: JSON, result: CommandResult) -> JSON:
    """A keyed retry's answer says it is the first attempt's (RFC draft
    idempotency-key: the same response, marked)."""
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def application_view(a: LicenceApplication) -> dict[str, Any]:
    return {
        "id": a.id,
        "version": a.version,
        "receipt_number": a.receipt_number,
        "status": a.status,
        "item": {"code": a.item.code, "name": a.item.name, "category": a.item.category},
        "approval_mode": a.approval_mode,
        "channel": a.channel,
        "applicant": a.applicant,
        "agent": a.agent,
        "unit_code": a.unit_code,
        "materials": a.materials,
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


# 全过程留痕: a line a person can read for each recorded fact.
SUMMARIES: dict[str, str] = {
    "Received": "收到申请材料（{channel}），出具收件凭证 {receipt_number}",
    "CorrectionRequested": "一次性告知补正：{missing_items}",
    "CorrectionsSubmitted": "申请人提交补正材料：{missing_items}",
    "Accepted": "受理（凭证 {voucher_number}），决定期限至 {decision_due[due]}",
    "AcceptedWithDeficiencies": "容缺受理，容缺材料 {deficiency_items} 须于 {supply_deadline} 前补齐",
    "AcceptanceDeemed": "逾期未告知补正，自收到申请材料之日 {acceptance_date} 起视为受理",
    "NotAccepted": "不予受理（{ground}）",
    "DeficienciesCured": "容缺材料已补齐：{deficiency_items}",
    "ProcessingTerminated": "终止办理（{ground}）",
    "VerificationRecorded": "实质核查（{verifier[name]}签名）：{findings}",
    "VerificationSigned": "第二核查人 {verifier[name]} 签名确认核查 {number}",
    "DeadlineRecomputed": "放假安排公布（日历 {calendar_version}），重新计算期限",
    "ClockSuspended": "期限中止计算（{kind}），预计 {expected_working_days} 个工作日",
    "ClockResumed": "期限恢复计算，不计入 {excluded_working_days} 个工作日，决定期限至 {decision_due[due]}",
    "DeadlineExtended": "经负责人批准延长 {extension_wd} 个工作日，决定期限至 {decision_due[due]}",
    "Granted": "作出准予行政许可决定（{decision_number}）",
    "Refused": "作出不予行政许可决定（{decision_number}），告知复议、诉讼权利",
    "InterviewScheduled": "安排约谈：{scheduled_for}，{place}",
    "InterviewHeld": "约谈已进行（{held_on}）",
    "CertificateIssued": "颁发许可证件 {certificate_number}",
    "CertificateServed": "送达许可证件（{method}）",
    "Withdrawn": "撤回",
    "DeadlineMissed": "法定期限 {due} 届满未办结（系统记录）",
    "Issued": "许可证 {licence_number} 生效，有效期至 {valid_until}",
    "Changed": "许可变更（{decision_number}）",
    "CertificateReissued": "补领证件（{cause}）",
    "RenewalRequested": "申请延续",
    "Renewed": "准予延续至 {valid_until}",
    "RenewalRefused": "不予延续：{reasons}",
    "RenewalDeemedGranted": "有效期届满前未作决定，视为准予延续至 {valid_until}",
    "CommitmentCheckRecorded": "后置核查（{verifier[name]}签名），待第二核查人签名",
    "CommitmentVerified": "后置核查：承诺属实",
    "CommitmentBreached": "后置核查：承诺不实",
    "Revoked": "撤销许可（{ground}）",
    "Cancelled": "注销许可（{ground}）",
    "Expired": "许可有效期届满",
    "ReminderSent": "到期提醒（提醒式服务）：{text}",
}


# The bureau's words for the coded values that appear in summaries.
LABELS: dict[str, str] = {
    "counter": "窗口",
    "online": "网上",
    "mail": "信函",
    "fax": "传真",
    "email": "电子邮件",
    "in_person": "直接送达",
    "post": "邮寄送达",
    "electronic": "电子送达",
    "no_licence_required": "依法不需要取得行政许可",
    "outside_powers": "不属于本机关职权范围",
    "corrections_not_supplied": "未按要求补正",
    "false_materials": "隐瞒有关情况或者提供虚假材料",
    "reapplication_banned": "在禁止再次申请期限内",
    "deficiency_deadline_missed": "容缺材料逾期未补齐",
    "hearing": "听证",
    "tender": "招标",
    "auction": "拍卖",
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
    "lost": "遗失",
    "damaged": "损毁",
    "abuse_of_power": "滥用职权、玩忽职守",
    "beyond_authority": "超越法定职权",
    "procedure_violated": "违反法定程序",
    "ineligible_applicant": "对不具备申请资格或者不符合法定条件的申请人准予许可",
    "fraud_or_bribery": "以欺骗、贿赂等不正当手段取得",
    "commitment_breached": "承诺不实",
    "expired_not_renewed": "有效期届满未延续",
    "holder_deceased_or_incapable": "持证人死亡或者丧失行为能力",
    "entity_terminated": "法人或者其他组织依法终止",
    "revoked_or_withdrawn": "许可依法被撤销、撤回或者证件被吊销",
    "force_majeure": "因不可抗力导致许可事项无法实施",
    "other": "其他",
}


def _readable(value: Any) -> Any:
    if isinstance(value, list):
        return "、".join(str(_readable(v)) for v in value)
    if isinstance(value, str):
        return LABELS.get(value, value)
    return value


def summary(event_type: str, data: dict[str, Any]) -> str:
    template = SUMMARIES.get(event_type)
    if template is None:
        return event_type
    if event_type == "Issued" and data.get("valid_until") is None:
        template = "许可证 {licence_number} 生效，长期有效"  # no period of validity
    names = [v.get("name") for v in data.get("verifiers", []) if isinstance(v, dict)]
    fields = {k: v if isinstance(v, dict) else _readable(v) for k, v in data.items()}
    try:
        return template.format(
            **fields, verifier_names="、".join(n for n in names if n)
        )
    except (KeyError, IndexError, TypeError):
        return event_type


def history_entry(event: Any) -> dict[str, Any]:
    data = event.model_dump(
        mode="json",
        exclude={
            "originator_id",
            "originator_version",
            "timestamp",
            "audit",
            "originator_topic",
        },
    )
    data.pop("query_code_hash", None)  # a credential, even hashed
    audit = event.audit
    event_type = type(event).__name__
    return {
        "version": event.originator_version,
        "type": event_type,
        "topic": type(event).TOPIC,
        "at": event.timestamp,
        "actor": audit.actor,
        "unit_code": audit.actor.unit_code,
        "reason": audit.reason,
        "request_id": audit.request_id,
        "causation": audit.causation,
        "summary": summary(event_type, data),
        "data": data,
    }


def version_at(events: list[Any], at: datetime) -> int:
    """The case's version as it stood at an instant (0 if it did not exist yet)."""
    version = 0
    for e in events:
        if e.timestamp <= at:
            version = e.originator_version
    return version


def history_body(
    aggregate: Aggregate, events: list[Any], state: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": aggregate.id,
        "version": aggregate.version,
        "events": [history_entry(e) for e in events],
        "state": state,
    }
