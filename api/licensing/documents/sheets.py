"""What each written notice says, made from the case's events (one composer
per kind, one table). A sheet holds only text and dates; `pdf` lays it out.

Everything here comes from recorded events — the receipt, the decision that
is the document's source, the licence as issued — so the same events always
give the same sheet (and so the same PDF bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from api.licensing.summaries import LABELS
from domain.licensing.application import LicenceApplication as A
from domain.licensing.documents import DOCUMENT_TITLES, DocumentKind
from domain.licensing.parties import REMEDY_TEXT

LAW = "《中华人民共和国行政许可法》"


@dataclass(frozen=True)
class Sheet:
    kind: DocumentKind
    title: str
    number: str  # 文号: the voucher, decision or certificate number
    addressee: str  # "" on a form (a certificate, a proof of service)
    unit_name: str
    dated: date  # the date the document bears (the decision's)
    receipt_number: str
    verification_url: str
    issued_at: datetime  # the source event's time: the PDF's own dates
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # numbered: missing materials, reasons
    after_items: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # a table of label and value
    closing: tuple[str, ...] = ()  # the remedy notice


@dataclass(frozen=True)
class CaseFacts:
    """The case as its events tell it, and what a sheet prints beside them."""

    events: tuple[Any, ...]
    unit_name: str
    verification_url: str
    licence: Any | None = None  # Licence.Issued, once granted

    @property
    def received(self) -> A.Received:
        first: A.Received = self.events[0]
        return first

    def last(self, *types: type[Any]) -> Any | None:
        return next((e for e in reversed(self.events) if isinstance(e, types)), None)


def cn(day: date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


def _lead(c: CaseFacts) -> str:
    r = c.received
    return (
        f"你（单位）于{cn(r.received_on)}提出的“{r.item.name}”行政许可申请"
        f"（收件编号：{r.receipt_number}）"
    )


def _base(c: CaseFacts, kind: DocumentKind, source: Any, **fields: Any) -> Sheet:
    r = c.received
    values: dict[str, Any] = {
        "kind": kind,
        "title": DOCUMENT_TITLES[kind],
        "addressee": r.applicant.name,
        "unit_name": c.unit_name,
        "receipt_number": r.receipt_number,
        "verification_url": c.verification_url,
        "issued_at": source.timestamp,
        **fields,
    }
    return Sheet(**values)


def _case_facts(c: CaseFacts) -> tuple[tuple[str, str], ...]:
    r = c.received
    applicant = r.applicant
    code = applicant.uscc or "—"
    # The receipt number and date are in the opening line and the footer.
    return (
        ("申请人", applicant.name),
        ("统一社会信用代码", code),
        ("许可事项", f"{r.item.name}（{r.item.code}）"),
    )


def acceptance_notice(c: CaseFacts, e: Any) -> Sheet:
    """Art. 32 ¶1 (5), ¶2; deemed (¶1 (4)); 容缺 (DOMAIN §2.2)."""
    if isinstance(e, A.AcceptanceDeemed):
        number = f"{c.received.receipt_number}-SL"
        why = (
            f"{_lead(c)}，本机关未在收到申请材料之日起五日内一次告知需要补正的全部内容。"
            f"根据{LAW}第三十二条第一款第四项的规定，自收到申请材料之日起即为受理。"
        )
    else:
        number = e.voucher_number
        why = (
            f"{_lead(c)}，申请材料齐全、符合法定形式。根据{LAW}第三十二条第一款"
            "第五项的规定，本机关决定予以受理。"
        )
    deficient = isinstance(e, A.AcceptedWithDeficiencies)
    items = tuple(e.deficiency_items) if deficient else ()
    after = (
        (f"以上容缺材料请于{cn(e.supply_deadline)}前补齐；逾期未补齐的，终止办理。",)
        if deficient
        else ()
    )
    return _base(
        c,
        DocumentKind.ACCEPTANCE_NOTICE,
        e,
        number=number,
        dated=e.acceptance_date,
        paragraphs=(
            why,
            *(("本申请予以容缺受理，尚需补齐下列材料：",) if deficient else ()),
        ),
        items=items,
        after_items=after,
        facts=(
            *_case_facts(c),
            ("受理日期", cn(e.acceptance_date)),
            (
                "决定期限",
                f"{e.decision_limit_wd}个工作日，至{cn(e.decision_due.due)}"
                "（听证、检验、检测、鉴定和专家评审所需时间不计算在内）",
            ),
        ),
    )


def correction_notice(c: CaseFacts, e: A.CorrectionRequested) -> Sheet:
    """Art. 32 ¶1 (4): every missing material, told once (一次告知)."""
    return _base(
        c,
        DocumentKind.CORRECTION_NOTICE,
        e,
        number=f"{c.received.receipt_number}-BZ",
        dated=e.requested_on,
        paragraphs=(
            f"{_lead(c)}，经审查，申请材料不齐全或者不符合法定形式。根据{LAW}"
            "第三十二条第一款第四项的规定，现一次告知你（单位）需要补正的全部内容如下：",
        ),
        items=tuple(e.missing_items),
        after_items=(
            "请补正上述全部材料后向本机关提交。补正的材料齐全、符合法定形式的，"
            "本机关将予以受理。",
        ),
        facts=(*_case_facts(c), ("告知日期", cn(e.requested_on))),
    )


def _decided(
    c: CaseFacts,
    kind: DocumentKind,
    e: Any,
    number: str,
    paragraphs: tuple[str, ...],
    *,
    facts: tuple[tuple[str, str], ...] = (),
    closing: tuple[str, ...] = (REMEDY_TEXT,),
    **more: Any,
) -> Sheet:
    """A decision (决定书): dated the day decided, with the remedy notice
    (行政复议法 Art. 20, 行政诉讼法 Art. 46)."""
    return _base(
        c,
        kind,
        e,
        number=number,
        dated=e.decided_on,
        paragraphs=paragraphs,
        facts=(*_case_facts(c), *facts, ("决定日期", cn(e.decided_on))),
        closing=closing,
        **more,
    )


def non_acceptance_decision(c: CaseFacts, e: A.NotAccepted) -> Sheet:
    """Art. 32 ¶1 (1)(2), ¶2: not accepted, why, and where to go instead."""
    redirect = (f"请向{e.redirect_to}提出申请。",) if e.redirect_to else ()
    ground = LABELS.get(e.ground.value, e.ground.value)
    return _decided(
        c,
        DocumentKind.NON_ACCEPTANCE_DECISION,
        e,
        e.voucher_number,
        (
            f"{_lead(c)}，经审查，{ground}。"
            f"根据{LAW}第三十二条的规定，本机关决定不予受理。",
            *redirect,
        ),
    )


def _licence_facts(c: CaseFacts) -> tuple[tuple[str, str], ...]:
    lic = c.licence
    if lic is None:
        return ()
    until = cn(lic.valid_until) if lic.valid_until else "长期"
    return (
        ("证书名称", lic.certificate_name),
        ("许可编号", lic.licence_number),
        ("许可内容", lic.scope),
        ("有效期", f"{cn(lic.valid_from)}至{until}"),
    )


def grant_decision(c: CaseFacts, e: A.Granted) -> Sheet:
    """Arts. 34, 38 ¶1, 44: granted; the certificate follows within 10 days."""
    return _decided(
        c,
        DocumentKind.GRANT_DECISION,
        e,
        e.decision_number,
        (
            f"{_lead(c)}，经审查，符合法定条件、标准。根据{LAW}第三十四条、"
            "第三十八条第一款的规定，本机关决定准予行政许可。",
            # A post-licence matter such as 注销 or 停用 makes no certificate.
            *(
                ()
                if e.certificate_due is None
                else (
                    f"本机关将于{cn(e.certificate_due.due)}前向你（单位）颁发、"
                    f"送达许可证件（{LAW}第四十四条）。",
                )
            ),
        ),
        facts=_licence_facts(c),
    )


def refusal_decision(c: CaseFacts, e: A.Refused) -> Sheet:
    """Art. 38 ¶2: the reasons and the remedies; Art. 55 the standard relied on."""
    standard = (
        (f"所依据的技术标准、技术规范：{e.technical_standard}。",)
        if e.technical_standard
        else ()
    )
    return _decided(
        c,
        DocumentKind.REFUSAL_DECISION,
        e,
        e.decision_number,
        (f"{_lead(c)}，经审查，不符合法定条件、标准，理由如下：",),
        items=tuple(e.reasons),
        after_items=(
            *standard,
            f"根据{LAW}第三十八条第二款的规定，本机关决定不予行政许可。",
        ),
        closing=(
            e.remedy.text,
            f"行政复议期限自收到本决定书之日起计算，最早届满日为"
            f"{cn(e.remedy.reconsideration_until)}。",
        ),
    )


def certificate(c: CaseFacts, e: A.CertificateIssued) -> Sheet:
    """Arts. 39, 44: the certificate, with the licence as issued."""
    lic = c.licence
    granted = c.last(A.Granted)
    return _base(
        c,
        DocumentKind.CERTIFICATE,
        e,
        title=lic.certificate_name
        if lic
        else DOCUMENT_TITLES[DocumentKind.CERTIFICATE],
        number=f"证书编号：{e.certificate_number}",
        addressee="",
        dated=e.issued_on,
        facts=(
            ("持证人", c.received.applicant.name),
            ("统一社会信用代码", c.received.applicant.uscc or "—"),
            ("许可事项", c.received.item.name),
            *_licence_facts(c),
            ("决定书文号", granted.decision_number if granted else "—"),
            ("发证机关", c.unit_name),
            ("发证日期", cn(e.issued_on)),
        ),
        closing=(
            "本证书为电子证照，与纸质证书具有同等效力。扫描下方二维码可核验"
            "本证书真伪及是否有效。",
        ),
    )


def proof_of_service(c: CaseFacts, e: A.CertificateServed) -> Sheet:
    """送达回证: what was served, how, when, by whom (Art. 44)."""
    issued = c.last(A.CertificateIssued)
    granted = c.last(A.Granted)
    number = issued.certificate_number if issued else c.received.receipt_number
    served = [
        f"准予行政许可决定书（{granted.decision_number}）" if granted else "",
        f"许可证书 {number}",
    ]
    return _base(
        c,
        DocumentKind.PROOF_OF_SERVICE,
        e,
        number=f"{number}-SD",
        addressee="",
        dated=e.served_on,
        facts=(
            ("受送达人", c.received.applicant.name),
            ("送达文书", "；".join(s for s in served if s)),
            ("送达方式", LABELS.get(e.method.value, e.method.value)),
            ("送达地点", c.received.applicant.address or "—"),
            ("送达日期", cn(e.served_on)),
            ("送达人", e.audit.actor.name),
            # Room to sign by hand on the printed copy.
            ("受送达人签收", "签名（盖章）：" + "_" * 18 + "　日期：" + "_" * 12),
        ),
    )


COMPOSERS: dict[DocumentKind, Callable[[CaseFacts, Any], Sheet]] = {
    DocumentKind.ACCEPTANCE_NOTICE: acceptance_notice,
    DocumentKind.CORRECTION_NOTICE: correction_notice,
    DocumentKind.NON_ACCEPTANCE_DECISION: non_acceptance_decision,
    DocumentKind.GRANT_DECISION: grant_decision,
    DocumentKind.REFUSAL_DECISION: refusal_decision,
    DocumentKind.CERTIFICATE: certificate,
    DocumentKind.PROOF_OF_SERVICE: proof_of_service,
}


def compose(kind: DocumentKind, case: CaseFacts, source: Any) -> Sheet:
    return COMPOSERS[kind](case, source)
