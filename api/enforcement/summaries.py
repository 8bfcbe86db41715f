"""The history lines of penalty cases (全过程留痕): one per event, keyed by the
event's pinned topic, and the bureau's words for the coded values in them."""

from __future__ import annotations

from typing import Final

from api.http.summaries import Summaries, Template
from domain.enforcement.case import DecisionNumber, EnforcementCase
from domain.enforcement.terms import PENALTY_NAMES

E = EnforcementCase

TEMPLATES: Final[dict[str, Template]] = {
    E.Opened.TOPIC: "立案，编号 {number}（{opened_on} 起九十日内作出决定）",
    E.EvidenceRecorded.TOPIC: "收集证据：{evidence[title]}",
    E.PeriodExcluded.TOPIC: "中止计算办案期限：{kind}",
    E.PeriodResumed.TOPIC: "恢复计算办案期限，至 {decision_limit[due][due]}",
    E.DecisionLimitExtended.TOPIC: "经负责人批准延长办案期限三十日，至 {decision_limit[due][due]}",
    E.HearingRightNotified.TOPIC: "告知听证权利，当事人可于 {hearing_window[due][due]} 前申请",
    E.HearingRequested.TOPIC: "当事人申请听证（{requested_on}）",
    E.HearingHeld.TOPIC: "举行听证（{held_on}）",
    E.HearingWaived.TOPIC: "当事人放弃听证（{waived_on}）",
    E.Decided.TOPIC: "作出行政处罚决定：{decision[decision_number]}",
    E.NotPenalised.TOPIC: "作出不予处罚或撤销立案决定：{ground}",
    E.Served.TOPIC: "送达处罚决定书（{served_on}，{method}）",
    E.InstalmentsApproved.TOPIC: "批准延期或分期缴纳罚款（{instalments[count]} 期，至 {instalments[last_due]}）",
    E.PaymentRecorded.TOPIC: "缴纳罚没款 {amount_fen} 分（累计 {paid_fen} 分）",
    E.EnforcementApplied.TOPIC: "逾期未缴纳，申请强制执行（未缴 {outstanding_fen} 分）",
    E.Closed.TOPIC: "结案（{closed_on}）",
    E.DecisionRevoked.TOPIC: "处罚决定已撤销（{ground}，{rule}）",
    E.DeadlineMissed.TOPIC: "期限 {due} 届满未办理（{kind}，系统记录）",
    E.DeadlinesRecomputed.TOPIC: "放假安排公布（日历 {calendar_version}），重新计算期限",
    DecisionNumber.Taken.TOPIC: "决定书文号 {number} 已用",
}

LABELS: Final[dict[str, str]] = {
    **{k.value: v for k, v in PENALTY_NAMES.items()},
    "announcement": "公告",
    "testing": "检测、检验、检疫、鉴定",
    "expert_review": "技术专家评审",
    "hearing": "听证",
    "not_penalised": "不予行政处罚",
    "case_withdrawn": "撤销立案",
    "in_person": "直接送达",
    "left_at_address": "留置送达",
    "entrusted": "委托送达",
    "post": "邮寄送达",
    "electronic": "电子送达",
    "decision": "处罚决定",
    "service": "送达",
}

SUMMARIES = Summaries(templates=TEMPLATES, labels=LABELS)
