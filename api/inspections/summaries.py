"""The inspections context's history lines (全过程留痕): one per event, keyed
by its pinned topic, and the bureau's words for its coded values."""

from __future__ import annotations

from typing import Final

from api.http.summaries import Summaries, Template
from domain.inspections.check_item import CheckItem
from domain.inspections.inspection import Inspection
from domain.inspections.inspector import Inspector
from domain.inspections.meeting import QualityMeeting
from domain.inspections.nomination import Nomination
from domain.inspections.plan import InspectionPlan
from domain.inspections.target import Target

P = InspectionPlan
I = Inspection  # noqa: E741

TEMPLATES: Final[dict[str, Template]] = {
    CheckItem.Listed.TOPIC: "列入随机抽查事项清单",
    CheckItem.Retired.TOPIC: "移出随机抽查事项清单",
    Target.Listed.TOPIC: "列入检查对象名录库",
    Target.Updated.TOPIC: "名录库信息更新",
    Target.Inspected.TOPIC: "抽查结论（{item_code}）：{concluded_on}",
    Inspector.Listed.TOPIC: "列入执法检查人员名录库",
    Inspector.Updated.TOPIC: "检查人员信息更新",
    Inspector.ConflictDeclared.TOPIC: "申报利害关系：{conflict[uscc]}（回避）",
    P.Drafted.TOPIC: "抽查任务 {number} 起草",
    P.Approved.TOPIC: "负责人批准",
    P.Filed.TOPIC: "报 {filed_with} 备案（{reference}）",
    P.Committed.TOPIC: "公布抽取承诺（第{sequence}次）：名录快照 {snapshot_sha256}，种子摘要 {seed_sha256}",
    P.CommitmentAbandoned.TOPIC: "作废第{sequence}次抽取承诺",
    P.Drawn.TOPIC: "摇号抽取（见证人 {witness}，公开随机值 {public_value}），公开种子",
    P.Recused.TOPIC: "{staff_no} 回避 {uscc}，重新抽取：{replacement}",
    P.ResultsPublished.TOPIC: "抽查结果公示（{published_on}）",
    I.Assigned.TOPIC: "抽中 {name}（{uscc}），检查人员 {inspectors}",
    I.InspectorReplaced.TOPIC: "{staff_no} 回避，由 {replacement} 替换",
    I.Sampled.TOPIC: "抽样：{sample[product]}（{sample[batch]}），未收取检验费用",
    I.EquipmentChecked.TOPIC: "现场检查（{check[check_type]}）：{check[equipment_code]}",
    I.SealedUp.TOPIC: "{kind}：{items}",
    I.Tested.TOPIC: "检验报告 {report[report_number]}（{report[laboratory]}）",
    I.ResultNotified.TOPIC: "检验结果送达企业（{received_on}）",
    I.ObjectionFiled.TOPIC: "企业申请复检（{filed_on}）",
    I.ObjectionDecided.TOPIC: "复检申请决定：{accepted}",
    I.Retested.TOPIC: "复检报告 {report[report_number]}（{report[laboratory]}），原结论维持：{upheld}",
    I.ResultFinal.TOPIC: "检验结论确定：合格 {conforming}",
    I.RectificationOrdered.TOPIC: "责令限期改正，期限至 {deadline}",
    I.RectificationReported.TOPIC: "收到整改报告（{received_on}），复查期限至 {recheck[due][due]}",
    I.Rechecked.TOPIC: "复查：通过 {passed}",
    I.Concluded.TOPIC: "办结：{outcome}",
    I.DeadlineMissed.TOPIC: "期限 {due} 届满未办理（{kind}，系统记录）",
    I.DeadlinesRecomputed.TOPIC: "放假安排公布（日历 {calendar_version}），重新计算期限",
    Nomination.Submitted.TOPIC: "群众点单 {number}：{nominated[subject]}",
    Nomination.Included.TOPIC: "纳入抽查任务 {plan_number}",
    QualityMeeting.Recorded.TOPIC: "质量分析会 {number}：{record[title]}",
}

LABELS: Final[dict[str, str]] = {
    "sealing": "查封",
    "seizure": "扣押",
    "routine": "常规",
    "special": "专项",
    "post_licence": "证后",
    "conforming": "合格",
    "rectified": "整改后复查合格",
    "announced": "公告",
    "suspended": "责令停业整顿",
    "enforcement": "立案查处",
}

# The draw's secret seed is in the commitment's event: never shown in a history
# (the published document reveals it once the draw is made).
SUMMARIES = Summaries(
    templates=TEMPLATES, labels=LABELS, withheld=frozenset({"secret"})
)
