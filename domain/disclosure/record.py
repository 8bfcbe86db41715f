"""The public record of a decision (双公示, DOMAIN §5.1): an allow-list of
fields, built from a decision and redacted, never a copy of the case.

Redaction (行政许可法 Art. 5, 政府信息公开条例 Art. 15, 处罚信息公示规定
Art. 6, 个人信息保护法 Arts. 34–35; DESIGN §6): a natural person's ID number,
phone and address are never fields here; a natural person's name is masked
to the surname; free text (content, grounds) has anything shaped like an ID
number or a phone number masked, in case staff typed one into it.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

REDACTION_RULE = "处罚信息公示规定 第6条; 政府信息公开条例 第15条; 行政许可法 第5条"


class DecisionKind(StrEnum):
    LICENCE = "licence"  # 行政许可 (XK_*)
    PENALTY = "penalty"  # 行政处罚 (CF_*)


class Category(StrEnum):
    """What the published decision did."""

    GRANTED = "granted"  # 准予行政许可
    CHANGED = "changed"  # 变更 (Art. 49)
    RENEWED = "renewed"  # 延续 (Art. 50)
    WITHDRAWN = "withdrawn"  # 撤回 (Art. 8)
    REVOKED = "revoked"  # 撤销 (Art. 69)
    CANCELLED = "cancelled"  # 注销 (Art. 70)
    PENALISED = "penalised"  # 行政处罚决定


CATEGORY_NAMES: dict[Category, str] = {
    Category.GRANTED: "准予行政许可",
    Category.CHANGED: "行政许可变更",
    Category.RENEWED: "行政许可延续",
    Category.WITHDRAWN: "撤回行政许可",
    Category.REVOKED: "撤销行政许可",
    Category.CANCELLED: "注销行政许可",
    Category.PENALISED: "行政处罚决定",
}

PARTY_TYPE_CODES = {  # XK_XDR_LB / CF_XDR_LB
    "legal_person": "02",
    "unincorporated_org": "03",
    "individual_business": "04",
    "natural_person": "01",
}


class PublicRecord(BaseModel):
    """The published fields of one decision, in the bureau's words; their
    双公示 codes (XK_*/CF_*) are in `domain.disclosure.credit`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DecisionKind
    category: Category
    decision_number: str  # XK_WSH / CF_WSH
    title: str  # 项目名称 (XK) / 处罚名称 (CF_CFMC)
    party_name: str  # XK_XDR_MC / CF_XDR_MC (masked for a natural person)
    party_type: str  # XK_XDR_LB / CF_XDR_LB
    uscc: str | None  # XK_XDR_SHXYM / CF_XDR_SHXYM
    legal_representative: str  # XK_FRDB / CF_FR (organisations only)
    content: str  # XK_NR 许可内容 / CF_JG 处罚结果
    basis: str  # 依据 (CF_YJ; the licence's rule)
    reason: str  # CF_SY 处罚事由 ("" for a licence)
    decided_on: date  # XK_JDRQ / CF_JDRQ
    valid_from: date | None = None  # XK_YXQZ
    valid_until: date | None = None  # XK_YXQZI
    licence_number: str = ""  # XK_XKBH
    certificate_name: str = ""  # XK_XKZS
    authority: str  # XK_XKJG / CF_XZJG
    authority_unit_code: str  # the deciding unit's region code
    penalty_kinds: tuple[str, ...] = ()  # CF_CFLB (enforcement PenaltyKind values)
    fine_fen: int = 0  # 罚款 (integer fen)
    confiscation_fen: int = 0  # 没收 (integer fen)

    @property
    def heading(self) -> str:
        """A line naming the entry: what, its number, and whom it concerns."""
        return (
            f"{CATEGORY_NAMES[self.category]} {self.decision_number} {self.party_name}"
        )


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx]|(?<![0-9A-Za-z])\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
MASK = "＊"


def scrub(text: str) -> str:
    """Free text with ID-number- and phone-shaped runs masked."""
    for pattern in (_ID_NUMBER, _MOBILE, _LANDLINE):
        text = pattern.sub(lambda m: MASK * len(m.group(0)), text)
    return text


def mask_person(name: str) -> str:
    """A natural person's name as published: the surname, the rest masked
    (张三 → 张＊); the bureau may publish full names only by its own policy."""
    name = name.strip()
    return name[:1] + MASK * max(len(name) - 1, 1) if name else ""


def public_party(
    name: str, party_type: str, uscc: str | None, legal_representative: str
) -> dict[str, object]:
    """The party's published fields: a natural person shows a masked name
    and nothing else; an organisation its name, USCC and legal representative."""
    if party_type == "natural_person":
        return {
            "party_name": mask_person(name),
            "party_type": party_type,
            "uscc": None,
            "legal_representative": "",
        }
    return {
        "party_name": name,
        "party_type": party_type,
        "uscc": uscc,
        "legal_representative": legal_representative,
    }


# The published fields as a reader sees them, in order (feeds, pages).
LABELS: tuple[tuple[str, str], ...] = (
    ("decision_number", "决定书文号"),
    ("title", "项目名称"),
    ("party_name", "行政相对人名称"),
    ("uscc", "统一社会信用代码"),
    ("legal_representative", "法定代表人"),
    ("reason", "处罚事由"),
    ("basis", "依据"),
    ("content", "内容"),
    ("licence_number", "许可编号"),
    ("certificate_name", "许可证书名称"),
    ("decided_on", "决定日期"),
    ("valid_from", "有效期自"),
    ("valid_until", "有效期至"),
    ("authority", "决定机关"),
)


# Where a licence and a penalty name a field differently (DOMAIN §5.1).
PENALTY_LABELS = {
    "title": "处罚名称",
    "content": "处罚结果",
    "decided_on": "处罚决定日期",
}
LICENCE_LABELS = {
    "title": "许可项目名称",
    "content": "许可内容",
    "decided_on": "许可决定日期",
}


def labelled(record: PublicRecord) -> list[tuple[str, str]]:
    """(label, text) of each field the record has a value for."""
    values = record.model_dump(mode="json")
    own = PENALTY_LABELS if record.kind is DecisionKind.PENALTY else LICENCE_LABELS
    return [
        (own.get(name, label), str(values[name]))
        for name, label in LABELS
        if values.get(name)
    ]


def summary(record: PublicRecord) -> str:
    """The record as lines of text (a feed entry's content)."""
    lines = [f"{CATEGORY_NAMES[record.category]}"]
    lines += [f"{label}：{text}" for label, text in labelled(record)]
    return "\n".join(lines)
