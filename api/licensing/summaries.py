"""Licensing's history lines (全过程留痕): one per event, keyed by the event's
pinned topic, and the bureau's words for the coded values in them.

`SUMMARIES` is licensing's contribution to the shared history
(api/http/summaries.py). tests/api/test_history_summaries.py fails when an
event of a licensing aggregate has no line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from api.http.summaries import Summaries, Template
from api.licensing import aftercare_schemas as aftercare
from domain.licensing.applicant_record import ApplicantRecord
from domain.licensing.application import LicenceApplication
from domain.licensing.documents import DOCUMENT_TITLES
from domain.licensing.joint_review import JointReview
from domain.licensing.licence import Licence
from domain.licensing.matter import MATTER_NAMES, Matter
from domain.licensing.submission import OnlineSubmission

RECOMPUTED = "放假安排公布（日历 {calendar_version}），重新计算期限"


def _materials(lead: str, field: str) -> Template:
    """A line naming the materials of an online submission's event."""

    def line(data: Mapping[str, Any]) -> str:
        names = "、".join(str(m.get("material", "")) for m in data.get(field) or ())
        return lead + names.replace("{", "{{").replace("}", "}}")

    return line


# 并联审批: a participant's opinion and how the review ended, in words.
STANCES = {"agree": "同意", "agree_with_conditions": "附条件同意", "disagree": "不同意"}
OUTCOMES = {
    "granted": "准予许可",
    "refused": "不予许可",
    "withdrawn": "申请人撤回",
    "terminated": "终止办理",
}


def _opinion(data: Mapping[str, Any]) -> str:
    stance = STANCES.get(str(data.get("opinion", {}).get("stance")), "")
    return "参与单位 {participant} 审查意见：" + stance


def _concluded(data: Mapping[str, Any]) -> str:
    return "并联审批结束（" + OUTCOMES.get(str(data.get("outcome")), "") + "）"


def _issued(data: Mapping[str, Any]) -> str:
    if data.get("valid_until") is None:
        return "许可证 {licence_number} 生效，长期有效"  # no period of validity
    return "许可证 {licence_number} 生效，有效期至 {valid_until}"


def _received(data: Mapping[str, Any]) -> str:
    # A receipt recorded before matters has no `matter`: it was a new application.
    matter = MATTER_NAMES[Matter(data.get("matter") or Matter.NEW)]
    licence = (data.get("request") or {}).get("licence_number")
    # The number is staff's text: its braces are not the template's.
    escaped = str(licence).replace("{", "{{").replace("}", "}}")
    about = f"（许可证 {escaped}）" if licence else ""
    return (
        f"收到{matter}申请材料{about}（{{channel}}），出具收件凭证 {{receipt_number}}"
    )


TEMPLATES: Final[dict[str, Template]] = {
    **aftercare.TEMPLATES,  # 回访, 质企联系, 评议
    # -- an application (行政许可申请) ------------------------------------------
    LicenceApplication.Received.TOPIC: _received,
    LicenceApplication.CorrectionRequested.TOPIC: "一次性告知补正：{missing_items}",
    LicenceApplication.CorrectionsSubmitted.TOPIC: "申请人提交补正材料：{missing_items}",
    LicenceApplication.Accepted.TOPIC: "受理（凭证 {voucher_number}），决定期限至 {decision_due[due]}",
    LicenceApplication.AcceptedWithDeficiencies.TOPIC: "容缺受理，容缺材料 {deficiency_items} 须于 {supply_deadline} 前补齐",
    LicenceApplication.AcceptanceDeemed.TOPIC: "逾期未告知补正，自收到申请材料之日 {acceptance_date} 起视为受理",
    LicenceApplication.NotAccepted.TOPIC: "不予受理（{ground}）",
    LicenceApplication.DeficienciesCured.TOPIC: "容缺材料已补齐：{deficiency_items}",
    LicenceApplication.ProcessingTerminated.TOPIC: "终止办理（{ground}）",
    LicenceApplication.VerificationRecorded.TOPIC: "实质核查（{verifier[name]}签名）：{findings}",
    LicenceApplication.VerificationSigned.TOPIC: "第二核查人 {verifier[name]} 签名确认核查 {number}",
    LicenceApplication.DeadlineRecomputed.TOPIC: RECOMPUTED,
    LicenceApplication.ClockSuspended.TOPIC: "期限中止计算（{kind}），预计 {expected_working_days} 个工作日",
    LicenceApplication.ClockResumed.TOPIC: "期限恢复计算，不计入 {excluded_working_days} 个工作日，决定期限至 {decision_due[due]}",
    LicenceApplication.DeadlineExtended.TOPIC: "经负责人批准延长 {extension_wd} 个工作日，决定期限至 {decision_due[due]}",
    LicenceApplication.Granted.TOPIC: "作出准予行政许可决定（{decision_number}）",
    LicenceApplication.Refused.TOPIC: "作出不予行政许可决定（{decision_number}），告知复议、诉讼权利",
    LicenceApplication.InterviewScheduled.TOPIC: "安排约谈：{scheduled_for}，{place}",
    LicenceApplication.InterviewHeld.TOPIC: "约谈已进行（{held_on}）",
    LicenceApplication.CertificateIssued.TOPIC: "颁发许可证件 {certificate_number}",
    LicenceApplication.CertificateServed.TOPIC: "送达许可证件（{method}）",
    # The applicant withdraws the application (撤回申请).
    LicenceApplication.Withdrawn.TOPIC: "撤回",
    LicenceApplication.Imported.TOPIC: "历史办件导入（原系统编号 {source[source_id]}，第{source[row]}行）：{received_on} 收件，{history[decided_on]} 办结（{history[outcome]}）",
    LicenceApplication.DeadlineMissed.TOPIC: "法定期限 {due} 届满未办结（系统记录）",
    LicenceApplication.DocumentIssued.TOPIC: "出具{kind}（PDF，SHA-256 {document[sha256]}）",
    # -- a licence (许可证) -------------------------------------------------------
    Licence.Issued.TOPIC: _issued,
    Licence.Changed.TOPIC: "许可变更（{decision_number}）",
    Licence.CertificateReissued.TOPIC: "补领证件（{cause}）",
    Licence.RenewalRequested.TOPIC: "申请延续",
    Licence.Renewed.TOPIC: "准予延续至 {valid_until}",
    Licence.RenewalRefused.TOPIC: "不予延续：{reasons}",
    Licence.RenewalDeemedGranted.TOPIC: "有效期届满前未作决定，视为准予延续至 {valid_until}",
    Licence.CommitmentCheckRecorded.TOPIC: "后置核查（{verifier[name]}签名），待第二核查人签名",
    Licence.CommitmentVerified.TOPIC: "后置核查：承诺属实",
    Licence.CommitmentBreached.TOPIC: "后置核查：承诺不实",
    Licence.DeadlineRecomputed.TOPIC: RECOMPUTED,
    # The bureau withdraws the licence in the public interest (Art. 8 撤回许可).
    Licence.Withdrawn.TOPIC: "撤回",
    Licence.Revoked.TOPIC: "撤销许可（{ground}）",
    Licence.Cancelled.TOPIC: "注销许可（{ground}）",
    Licence.Expired.TOPIC: "许可有效期届满",
    Licence.ReminderSent.TOPIC: "到期提醒（提醒式服务）：{text}",
    Licence.Suspended.TOPIC: "使用登记停用（{decision_number}）",
    Licence.Reactivated.TOPIC: "使用登记启用（{decision_number}）",
    Licence.Scrapped.TOPIC: "设备报废，注销使用登记（{decision_number}）",
    Licence.RenewalRequestClosed.TOPIC: "延续申请 {receipt_number} 未作决定而终结，不再视为准予延续",
    # -- a joint review (并联审批) ------------------------------------------------
    JointReview.Started.TOPIC: "并联审批开始（{rule}），各参与单位审查期限自 {started_on} 起算",
    JointReview.OpinionRecorded.TOPIC: _opinion,
    JointReview.OpinionDeemed.TOPIC: "参与单位 {participant} 逾期未提出意见，视为同意（{rule}）",
    JointReview.Concluded.TOPIC: _concluded,
    JointReview.DeadlineMissed.TOPIC: "参与单位审查期限 {due} 届满未提出意见（系统记录）",
    JointReview.DeadlinesRecomputed.TOPIC: RECOMPUTED,
    # -- an applicant's record (申请人记录): no history route shows these yet --------
    ApplicantRecord.Opened.TOPIC: "建立申请人记录",
    ApplicantRecord.ReapplicationBanned.TOPIC: "{until} 前不得再次申请 {item_code}（{rule}）",
    ApplicantRecord.FalseCommitmentRecorded.TOPIC: "记录告知承诺不实（{found_on}）",
    ApplicantRecord.CreditRestored.TOPIC: "信用修复（{restored_on}）",
    # -- an online submission (网上申报、网上预审) ------------------------------------
    OnlineSubmission.Submitted.TOPIC: _materials("网上申报，提交材料：", "materials"),
    OnlineSubmission.CorrectionsRequested.TOPIC: _materials(
        "网上预审：一次性告知补正 ", "corrections"
    ),
    OnlineSubmission.Resubmitted.TOPIC: _materials("重新提交补正材料：", "materials"),
    OnlineSubmission.Accepted.TOPIC: "网上预审通过，收到申请材料，收件凭证 {receipt_number}",
    OnlineSubmission.Closed.TOPIC: "网上申报办结：不属于本机关受理事项",
}


# The bureau's words for the coded values that appear in summaries.
LABELS: Final[dict[str, str]] = {
    **aftercare.LABELS,
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
    **{kind.value: title for kind, title in DOCUMENT_TITLES.items()},
    "holder_request": "持证人申请注销",
}


SUMMARIES = Summaries(
    templates=TEMPLATES,
    labels=LABELS,
    # The query code's hash, a credential; a document's verification code
    # (whoever holds the document has it, a history reader need not).
    withheld=frozenset({"query_code_hash", "verification_code"}),
)
