"""The enforcement context's request fields in the bureau's words (its lines of
the shared glossary, api/http/glossary.py). Names another context also uses
are qualified by their body."""

from __future__ import annotations

from typing import Final

GLOSSARY: Final[dict[str, str]] = {
    "OpenPenaltyCaseBody.party": "当事人 — the party the case is against",
    "Party.name": "当事人名称 — CF_XDR_MC",
    "Party.party_type": "行政相对人类别 — natural_person 01 自然人, legal_person 02 法人, unincorporated_org 03 非法人组织, individual_business 04 个体工商户",
    "Party.uscc": "统一社会信用代码 — CF_XDR_SHXYM; required of a legal person, none for a natural person",
    "Party.legal_representative": "法定代表人 — CF_FR; required of a legal person",
    "Party.region_code": "行政区划码 — where the party operates or is domiciled",
    "OpenPenaltyCaseBody.facts": "案件事实 — the facts found so far (立案)",
    "OpenPenaltyCaseBody.unit_code": "办案单位 — the unit (region code) handling the case",
    "OpenPenaltyCaseBody.officers": "办案人员 — two or more staff holding the officer role in the unit's jurisdiction (程序规定 Art. 19)",
    "OpenPenaltyCaseBody.origin": "案件来源 — the case it was opened from (a report whose case was opened; a failed inspection), by context and id; none: 依职权",
    "OriginRef.context": "来源业务 — the context's log name, e.g. complaints",
    "OriginRef.case_id": "来源案件 — the case's id in that context",
    "PenaltyEvidenceBody.evidence": "证据 — a document collected (行政处罚法 Art. 46)",
    "Evidence.kind": "证据种类 — 书证, 物证, 视听资料, 电子数据, 证人证言, 当事人的陈述, 鉴定意见, 勘验笔录/现场笔录",
    "Evidence.title": "证据名称",
    "Evidence.sha256": "文件摘要 — SHA-256 of the document (content address)",
    "Evidence.collected_on": "收集日期",
    "PenaltyExcludeBody.kind": "不计入办案期限的时间 — announcement 公告, testing 检测检验检疫鉴定, expert_review 技术专家评审 (程序规定 Art. 64)",
    "PenaltyDecisionBody.decision_number": "决定书文号 — CF_WSH, unique in the unit",
    "PenaltyDecisionBody.penalties": "处罚种类 — 行政处罚法 Art. 9",
    "PenaltyDecisionBody.violation": "处罚事由 — CF_SY",
    "PenaltyDecisionBody.legal_basis": "处罚依据 — CF_YJ",
    "PenaltyDecisionBody.result": "处罚结果 — CF_JG",
    "PenaltyDecisionBody.fine_fen": "罚款金额（分） — integer fen",
    "PenaltyDecisionBody.confiscation_fen": "没收金额（分） — 没收违法所得 / 非法财物 valued, integer fen",
    "PenaltyDecisionBody.procedure": "程序 — ordinary 普通程序, summary 简易程序 (Art. 51)",
    "NoPenaltyBody.ground": "不予处罚 not_penalised (Art. 33) / 撤销立案 case_withdrawn",
    "DecisionRevokedBody.ground": "复议撤销 reconsideration / 判决撤销 court"
    " / 自行纠正 self_correction (行政处罚法 Art. 75)",
    "PenaltyServeBody.served_on": "送达日期 — within 7 working days of the decision (Arts. 61, 85)",
    "PenaltyServeBody.method": "送达方式 — in_person, left_at_address, entrusted, post, electronic, announcement",
    "PenaltyInstalmentsBody.count": "分期期数 — 1: deferred (暂缓), more: instalments (Art. 66)",
    "PenaltyInstalmentsBody.last_due": "最后缴纳日期",
    "PenaltyPaymentBody.amount_fen": "缴纳金额（分）",
    "PenaltyPaymentBody.paid_on": "缴纳日期",
}
