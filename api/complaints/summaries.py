"""The 12315 line's history lines (全过程留痕): one per event, keyed by the
event's pinned topic, and the bureau's words for the coded values in them.
People appear by pseudonym only."""

from __future__ import annotations

from typing import Final

from api.http.summaries import Summaries, Template
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake, Sightings
from domain.complaints.odr import Dispute, OdrEnterprise
from domain.complaints.report import Report

MOVES: Final[dict[str, str]] = {
    "Routed": "分送 {unit_code}（自 {received_on} 起算收到之日）",
    "ReturnedToIntake": "无管辖权，退回登记单位（第37条）",
    "TakenOver": "上级 {unit_code} 提级办理",
    "HandedOver": "首问责任移交 {staff_name}（{staff_no}）",
    "PersonalDataRead": "查阅个人信息：{pseudonyms}",
    "PersonalDataShredded": "保存期限（至 {retained_until}）届满，销毁个人信息密钥：{pseudonyms}",
    "DeadlineMissed": "期限 {due} 届满未办理（{kind}，系统记录）",
    "DeadlinesRecomputed": "放假安排公布（日历 {calendar_version}），重新计算期限",
}


def _shared(
    *kinds: type[Intake | Complaint | Report | ConductComplaint | Dispute],
) -> dict[str, Template]:
    lines: dict[str, Template] = {}
    for kind in kinds:
        for name, line in MOVES.items():
            event = getattr(kind, name, None)
            if event is not None:
                lines[event.TOPIC] = line
    return lines


TEMPLATES: Final[dict[str, Template]] = {
    **_shared(Intake, Complaint, Report, ConductComplaint, Dispute),
    # -- an intake (登记) -----------------------------------------------------------
    Intake.Registered.TOPIC: "登记（{channel}），编号 {number}",
    Intake.DuplicateFlagged.TOPIC: "疑似重复：{earlier}",
    Intake.Classified.TOPIC: "分类：{classification}",
    Intake.EnquiryAnswered.TOPIC: "咨询已答复",
    Intake.Referred.TOPIC: "不属于本办法调整范围（{matter}），已告知：{channel}",
    Sightings.Started.TOPIC: "建立重复比对记录",
    Sightings.Seen.TOPIC: "比对记录：{number}",
    # -- a complaint (投诉) ---------------------------------------------------------
    Complaint.Opened.TOPIC: "投诉 {number} 登记，受理期限至 {acceptance[due][due]}",
    Complaint.Accepted.TOPIC: "受理，调解期限至 {mediation[due][due]}",
    Complaint.NotAccepted.TOPIC: "不予受理（{ground}），{rule}",
    Complaint.MediationScheduled.TOPIC: "安排调解（{mode}）：{at}",
    Complaint.MediationEntrusted.TOPIC: "委托 {to} 调解（第17条）",
    Complaint.PeriodExcluded.TOPIC: "调解期间中止计算（{kind}）",
    Complaint.PeriodResumed.TOPIC: "调解期间恢复计算，期限至 {mediation[due][due]}",
    Complaint.AgreementReached.TOPIC: "调解达成协议（{document}），挽回经济损失 {recovered_fen} 分",
    Complaint.MediationTerminated.TOPIC: "终止调解（{ground}），{rule}",
    Complaint.PartiesNotified.TOPIC: "已告知双方终止调解",
    Complaint.Withdrawn.TOPIC: "投诉人撤回投诉",
    Complaint.ViolationReferred.TOPIC: "调解中发现违法行为，移送核查（第23条）",
    Complaint.Rated.TOPIC: "投诉人评议：{rating}",
    # -- a report (举报) ------------------------------------------------------------
    Report.Opened.TOPIC: "举报 {number} 登记，核查期限至 {verification[due][due]}",
    Report.PeriodExcluded.TOPIC: "核查期间中止计算（{kind}）",
    Report.PeriodResumed.TOPIC: "核查期间恢复计算，期限至 {verification[due][due]}",
    Report.VerificationExtended.TOPIC: "经负责人批准延长核查，期限至 {verification[due][due]}",
    Report.JurisdictionDisputed.TOPIC: "与 {with_unit} 管辖争议，协商期限至 {settle_by[due][due]}",
    Report.JurisdictionSettled.TOPIC: "管辖确定：{unit_code}",
    Report.CaseOpened.TOPIC: "立案",
    Report.NotOpened.TOPIC: "不予立案（{ground}）",
    Report.ReporterNotified.TOPIC: "已告知举报人是否立案（第31条）",
    Report.ResultNotified.TOPIC: "已告知举报人处理结果（第32条）",
    # -- a conduct complaint (效能投诉, about the bureau's own staff) -------------------
    ConductComplaint.Opened.TOPIC: "效能投诉 {number} 转督察部门，办结期限至 {conclusion[due][due]}",
    ConductComplaint.OutcomeRecorded.TOPIC: "核查结论：{finding}；处理措施：{measures}",
    ConductComplaint.ComplainantNotified.TOPIC: "已答复投诉人，办结",
    ConductComplaint.Rated.TOPIC: "投诉人评议：{rating}",
    # -- ODR: the business settles first (在线消费纠纷解决) ------------------------------
    OdrEnterprise.Enrolled.TOPIC: "{name}（{uscc}）登记为ODR企业",
    OdrEnterprise.Reenrolled.TOPIC: "重新登记为ODR企业（新密钥）",
    OdrEnterprise.Ended.TOPIC: "ODR企业资格终止",
    Dispute.Opened.TOPIC: "在线和解 {number} 转经营者，协商期限至 {answer[due][due]}",
    Dispute.Settled.TOPIC: "经营者记录：{negotiated_on}{how}达成和解，挽回经济损失 {recovered_fen} 分",
    Dispute.NotSettled.TOPIC: "经营者记录：{negotiated_on}{how}未达成和解",
    Dispute.Escalated.TOPIC: "转为向市场监管部门投诉（{escalated_on}）",
}

LABELS: Final[dict[str, str]] = {
    "internet": "互联网",
    "telephone": "电话",
    "fax": "传真",
    "post": "邮寄",
    "counter": "窗口",
    "national_platform": "全国12315平台",
    "complaint": "投诉",
    "report": "举报",
    "both": "投诉并举报（分别处理）",
    "enquiry": "咨询",
    "outside": "不属于本办法调整范围",
    "conduct": "效能投诉",
    "substantiated": "属实",
    "partly_substantiated": "部分属实",
    "not_substantiated": "不属实",
    "conclusion": "效能投诉办结期限",
    "petition": "信访",
    "administrative_review": "行政复议",
    "information_disclosure": "政府信息公开",
    "discipline": "纪检监察",
    "on_site": "现场调解",
    "remote": "非现场调解",
    "mediation_document": "调解书",
    "mediation_record": "调解记录",
    "testing": "检测",
    "appraisal": "鉴定",
    "quarantine": "检疫",
    "rights_holder": "权利人辨认或者鉴别",
    "recusal": "回避申请",
    "satisfied": "满意",
    "fairly_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "acceptance": "受理期限",
    "termination_notice": "终止调解告知期限",
    "verification": "核查期限",
    "reporter_notice": "告知举报人期限",
    "jurisdiction": "管辖争议协商期限",
    "odr": "在线和解（ODR，经营者先行协商）",
    "odr_answer": "ODR经营者协商期限",
    "retention": "个人信息保存期限",
    "online": "在线协商",
    "in_person": "当面协商",
}

SUMMARIES = Summaries(
    templates=TEMPLATES,
    labels=LABELS,
    withheld=frozenset({"query_code_hash", "key_hash"}),
)
