"""Request-body fields in the bureau's words: "中文 — English gloss" (DOMAIN §9).

api/openapi.py gives every property of every request body (and of the models
inside it) its description from here, unless the model itself describes it.
A key is a field name, or `Model.field` where one name means different things
in different models; query and path parameters are `param.<name>`. tests/api/test_openapi_document.py fails on a body field
without one: to add a field to a request, add its line here.
"""

from __future__ import annotations

from typing import Final

GLOSSARY: Final[dict[str, str]] = {
    # -- every command ---------------------------------------------------------
    "reason": "理由 — reason for the decision, recorded in the audit trail (全过程留痕); multi-line",
    # -- receiving an application (收到申请材料) -------------------------------
    "item_code": "行政许可事项编码 — licence item code from the catalogue (GB/T 39048)",
    "approval_mode": "审批方式 — approval mode: standard, 告知承诺 notify_and_commit, 容缺受理 accept_with_deficiencies, 当场 on_the_spot, 先核后证 verify_then_issue",
    "channel": "申请渠道 — channel: 窗口 counter, 网上 online, 信函 mail, 传真 fax, 电子邮件 email (Art. 29)",
    "applicant": "申请人 — applicant",
    "agent": "委托代理人 — agent acting under a power of attorney (Art. 29)",
    "materials": "申请材料 — application materials submitted, by their catalogue names",
    "commitment": "告知承诺书 — commitment letter (notify_and_commit only)",
    "Applicant.name": "申请人名称 / 行政相对人名称 — applicant's name (party_name); single line",
    "Applicant.party_type": "行政相对人类别 — party type: 法人 legal_person, 非法人组织 unincorporated_org, 个体工商户 individual_business, 自然人 natural_person",
    "Applicant.uscc": "统一社会信用代码 — unified social credit code; required unless a natural person",
    "Applicant.region_code": "行政区划码 — GB/T 2260 region code where the applicant is registered",
    "Applicant.address": "住所 / 地址 — address (personal data, never published)",
    "Applicant.phone": "联系电话 — phone (personal data, never published)",
    "Applicant.legal_representative": "法定代表人 — legal representative (not published)",
    "Applicant.id_document_number": "证件号码 — identity document number; required for a natural person (not published)",
    "Agent.name": "代理人姓名 — agent's name",
    "Agent.phone": "代理人联系电话 — agent's phone",
    "Agent.power_of_attorney": "授权委托书 — power of attorney (its reference)",
    "CommitmentLetter.signed_on": "签署日期 — date the commitment letter was signed",
    "CommitmentLetter.signatory": "签署人 — who signed the commitment letter",
    "CommitmentLetter.statement": "承诺内容 — what the applicant commits to; multi-line",
    # -- intake (补正 / 受理 / 不予受理 / 容缺) --------------------------------
    "missing_items": "补正材料 (一次告知) — everything to correct, told once (Art. 32 ¶1 (4))",
    "deficiency_items": "容缺材料 — deferred secondary materials (容缺受理)",
    "supply_deadline": "补齐期限 — date by which the deferred materials must be supplied",
    "ground": "事由 — ground (不予受理 non-acceptance, 撤销 revocation or 注销 cancellation ground)",
    "redirect_to": "有权机关 — the competent agency to apply to instead (Art. 32 ¶1 (2))",
    # -- review (审查 / 核查) ----------------------------------------------------
    "verified_on": "核查日期 — the day the verification took place (between acceptance and today)",
    "verification": "核查编号 — the number of the verification to sign as the second verifier (Art. 34 ¶3)",
    "on_site": "现场核查 — whether the verification was on site (实地核查)",
    "findings": "核查意见 — findings of the verification; multi-line",
    "kind": "期限中止事由 — why the clock stops: 听证 hearing, 招标 tender, 拍卖 auction, 检验 inspection, 检测 testing, 检疫 quarantine, 鉴定 appraisal, 专家评审 expert_review (Art. 45)",
    "expected_working_days": "预计所需时间 — expected working days excluded from the limit",
    "notice": "书面告知 — the written notice to the applicant of the excluded time; multi-line",
    # -- decision (决定) --------------------------------------------------------
    "decision_number": "行政许可决定书文号 — decision document number",
    "scope": "许可内容 — licence scope; multi-line",
    "licence_number": "许可编号 — licence number (assigned if left out)",
    "on_the_spot": "当场作出决定 — decided on the spot",
    "reasons": "不予许可理由 — the reasons, one per entry (Art. 38 ¶2); multi-line",
    "technical_standard": "技术标准、技术规范 — the technical standard relied on",
    "false_materials": "隐瞒有关情况或者提供虚假材料 — the refusal rests on false materials (Art. 78)",
    "scheduled_for": "约谈日期 — date of the refusal interview",
    "place": "约谈地点 — place of the interview",
    "attendees": "参加人员 — who attended the interview",
    "record": "约谈记录 — record of the interview; multi-line",
    "certificate_number": "许可证件编号 — certificate number (assigned if left out)",
    "method": "送达方式 — service method: 直接送达 in_person, 邮寄送达 post, 电子送达 electronic",
    # -- licences (许可证) -------------------------------------------------------
    "change": "变更事项 — what changes (Art. 49); at least one field",
    "LicenceChange.holder_name": "被许可人名称 — holder's new name",
    "LicenceChange.scope": "许可内容 — new licence scope; multi-line",
    "LicenceChange.address": "住所 — holder's new address",
    "cause": "补领原因 — why reissued: 遗失 lost, 损毁 damaged",
    "breached": "承诺不实 — the post-approval verification found the commitment breached",
    "compensation": "补偿 — compensation for withdrawal in the public interest (Art. 8); multi-line",
    # -- the catalogue (行政许可事项目录) -----------------------------------------
    "terms": "事项要素 — the item's published terms",
    "ItemTerms.code": "事项编码 — item code",
    "ItemTerms.name": "事项名称 — item name",
    "ItemTerms.category": "事项类别 — category",
    "ItemTerms.licence_type": "许可类别 — licence type (双公示 XK_XKLB), e.g. 普通, 登记",
    "ItemTerms.legal_basis": "设定依据 — legal basis; multi-line",
    "ItemTerms.time_limit_rule": "办理时限依据 — the rule for the time limit; multi-line",
    "ItemTerms.handling": "办理方式 — 统一办理/联合办理/集中办理 unified, joint, centralised handling or ordinary",
    "ItemTerms.statutory_limit_wd": "法定办结时限 — statutory limit in working days",
    "ItemTerms.promised_limit_wd": "承诺办结时限 — promised limit in working days",
    "ItemTerms.extension_wd": "延长期限 — working days an approved extension adds (Art. 42)",
    "ItemTerms.certificate_limit_wd": "颁发送达时限 — working days to issue and serve the certificate (Art. 44)",
    "ItemTerms.certificate_name": "许可证书名称 — certificate name",
    "ItemTerms.validity_months": "有效期 — period of validity in months (none: no limit)",
    "ItemTerms.renewal_lead_months": "延续申请提前期 (月) — renewal lead in months before expiry",
    "ItemTerms.renewal_lead_days": "延续申请提前期 (日) — renewal lead in days before expiry (Art. 50)",
    "ItemTerms.renewal_rule": "延续依据 — the rule for renewal; multi-line",
    "ItemTerms.materials": "申请材料目录 — the materials to submit",
    "ItemTerms.approval_modes": "审批方式 — approval modes the item allows",
    "ItemTerms.on_site_review": "现场核查 — whether review includes an on-site verification",
    "ItemTerms.safety_critical": "涉及安全 — safety-critical (refusal interviews at the city unit)",
    "ItemTerms.fee_fen": "收费 — fee in fen (0: free, Art. 58)",
    "Material.name": "材料名称 — material name",
    "Material.deferrable": "可容缺 — may be supplied later under 容缺受理",
    # -- query and path parameters (as `param.<name>`) ----------------------------
    "param.status": "办件状态 — status; repeat to ask for several",
    "param.item": "行政许可事项编码 — licence item code",
    "param.category": "事项类别 — item category, e.g. 特种设备",
    "param.applicant_uscc": "申请人统一社会信用代码 — applicant's USCC",
    "param.applicant_name": "申请人名称 — applicant's name (contains)",
    "param.received_from": "收件日期自 — received on or after (YYYY-MM-DD)",
    "param.received_to": "收件日期至 — received on or before (YYYY-MM-DD)",
    "param.overdue": "逾期 — only overdue (true) or only not overdue (false)",
    "param.limit": "每页条数 — page size",
    "param.holder_uscc": "被许可人统一社会信用代码 — holder's USCC",
    "param.expiring_within_days": "即将到期 — valid until within this many days",
    "param.group_by": "统计口径 — group by category, item or unit",
    "param.receipt_number": "收件凭证编号 — receipt number on the applicant's voucher",
    "param.query_code": "查询码 — the applicant's query code (XXXX-XXXX-XXXX)",
    "param.version": "版本 — the case as it stood at this version",
    "param.case_id": "案件标识 — the case's id (UUID), as in `Location`",
    "param.code": "事项编码 — licence item code",
    "param.uscc": "统一社会信用代码 — the applicant's USCC",
    "param.consistent_after": "一致性位置 — a command's `consistency_token` (`<log>:<position>`, e.g. `licensing:1234`; a bare `position` is on this route's log): wait (up to 5 s) until the read models following that log have caught up to it, else 503",
    "consistency_token": "一致性令牌 — `<log>:<position>`: this change's place in its context's event log, to pass as `consistent_after` (or `X-Consistent-After`) to read your write",
}


def gloss(model: str | None, field: str) -> str | None:
    """The description of `field` in `model`: the model's own entry first."""
    if model is not None and f"{model}.{field}" in GLOSSARY:
        return GLOSSARY[f"{model}.{field}"]
    return GLOSSARY.get(field)
