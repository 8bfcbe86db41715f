"""The 12315 line's request fields in the bureau's words (its lines of the
shared glossary, api/http/glossary.py). Names another context also uses are
qualified by their body (`RegisterBody.channel`)."""

from __future__ import annotations

from typing import Final

GLOSSARY: Final[dict[str, str]] = {
    # -- registering (登记, Arts. 8–11) ------------------------------------------
    "RegisterBody.channel": "渠道 — channel: 互联网 internet, 电话 telephone (12315), 传真 fax, 邮寄 post, 窗口 counter, 全国12315平台转来 national_platform (Art. 8)",
    "submitter": "投诉人 / 举报人 — who submits, sealed with a key of their own (Art. 33)",
    "Submission.person": "本人 — the person (name, phone, address; ID optional); omitted for an anonymous report",
    "Submission.agent": "委托代理人 — agent, with the original power of attorney (Art. 10)",
    "Submission.power_of_attorney": "授权委托书 — the power of attorney (stored document)",
    "Submission.representatives": "代表人 — up to two representatives of a joint complaint (Art. 11)",
    "Submission.joint": "共同投诉 — a joint complaint (Art. 11)",
    "PersonalDetails.name": "姓名 — name (personal data, sealed)",
    "PersonalDetails.phone": "联系电话 — phone (personal data, sealed)",
    "PersonalDetails.address": "地址 — address (personal data, sealed)",
    "PersonalDetails.id_number": "身份证件号码 — ID number, optional (personal data, sealed)",
    "respondent": "被投诉人 / 被举报人 — the business complained about or reported",
    "Respondent.name": "名称 — the business's name",
    "Respondent.uscc": "统一社会信用代码 — its USCC, if known",
    "Respondent.address": "地址 — where it operates",
    "Respondent.region_code": "行政区划码 — GB/T 2260 region code where it operates or is domiciled (Arts. 12–13)",
    "Respondent.platform": "电子商务平台 — the platform it sells on (Art. 12 ¶2)",
    "Respondent.is_platform": "平台经营者 — the business is the platform itself",
    "Platform.name": "平台名称 — the e-commerce platform's name",
    "Platform.region_code": "平台住所地 — region code of the platform's domicile",
    "facts": "事实 — what happened; multi-line",
    "claim": "诉求 — what the complainant asks for (Art. 9)",
    "attachments": "附件 — stored documents by SHA-256 (evidence, invoices)",
    "Attachment.sha256": "SHA-256 — the stored document's content address",
    "Attachment.title": "标题 — the document's title",
    "platform_reference": "平台编号 — the national 12315 platform's number of a transferred matter",
    # -- classifying and routing (Arts. 7, 37, 39) ---------------------------------
    "classification": "分类 — 投诉 complaint, 举报 report, or both (Art. 7: handled separately)",
    "unit_code": "承办单位 — region code of the unit with authority (Arts. 12–13, 25)",
    "report_unit_code": "举报承办单位 — the report's unit, if not the complaint's (where the conduct happened, Art. 25)",
    "answer": "答复 — the answer given to an enquiry (咨询)",
    "matter": "事项类别 — 信访 petition, 行政复议 administrative_review, 政府信息公开 information_disclosure, 纪检监察 discipline (Art. 39)",
    "staff_no": "工号 — the colleague who becomes answerable (首问负责制)",
    # -- a complaint (Arts. 14–23) ----------------------------------------------------
    "DeclineBody.ground": "不予受理情形 — Art. 15 ground: outside_duties, already_handled, not_consumption, time_barred, materials_missing, other",
    "knew_on": "知道权益受损之日 — the day the complainant knew or should have known (Art. 15 (4), 3 years)",
    "mode": "调解方式 — 现场 on_site or 非现场 remote (Art. 18)",
    "at": "调解时间 — when mediation takes place (RFC 3339 with offset)",
    "mediators": "调解人员 — the mediators named in the notice (Art. 18)",
    "MediationBody.place": "调解地点 — where on-site mediation takes place",
    "to": "受委托组织 — the consumer association or other body entrusted (Art. 17)",
    "ExcludeBody.kind": "不计入期间的事由 — testing, appraisal, quarantine, rights_holder, recusal",
    "document": "调解文书 — 调解书 mediation_document or 调解记录 mediation_record (Art. 22)",
    "recovered_fen": "挽回经济损失 — losses recovered for the consumer, in fen",
    "remedies": "处理方式 — refund, replacement, repair, compensation, apology, other",
    "AgreementBody.terms": "协议内容 — what was agreed; multi-line",
    "signed_by_both": "双方签字 — the 调解书 is signed by both parties",
    "performed_at_once": "当即履行 — the agreement was performed at once (no 调解书 needed)",
    "both_waived": "双方放弃 — both parties waived the 调解书",
    "TerminateBody.ground": "终止调解情形 — Art. 21 ground: withdrawn_or_settled, testing_disagreement, absent_or_refused, no_agreement_possible, time_limit, non_acceptance_found, other",
    "ViolationBody.facts": "违法线索 — the violation found in mediation (Art. 23)",
    # -- a report ---------------------------------------------------------------------
    "with_unit": "争议单位 — the other unit claiming or refusing jurisdiction (Art. 30)",
    "SettleBody.unit_code": "确定管辖单位 — one of the two units (Art. 30)",
    "officers": "办案人员 — two or more officers' staff numbers (处罚程序规定 Art. 19)",
    "NotOpenBody.ground": "不予立案情形 — 处罚程序规定 Art. 20 ground",
    "result": "处理结果 — the result told to a named reporter (Art. 32)",
    "reward_fen": "奖励 — a reward, in fen (0: none)",
    # -- the public form -----------------------------------------------------------
    "OnlineSubmission.unit_code": "受理单位 — region code of the bureau's intake desk",
    "intake_number": "登记编号 — the intake number given at submission",
    "query_code": "查询码 — the query code shown once at receipt (XXXX-XXXX-XXXX)",
    "rating": "评议 — 满意 satisfied, 基本满意 fairly_satisfied, 不满意 dissatisfied",
    "comment": "意见 — the person's comment; multi-line",
    "param.intake_number": "登记编号 — the intake number given at submission",
    "param.query_code": "查询码 — the query code shown once at receipt (XXXX-XXXX-XXXX)",
}
